// Pins the on-chain Poseidon (chain/poseidon.ts bytecode + contracts/PoseidonHasher.sol) to the layouts of
// core/hash.ts: the shared vectors of test/hash-vectors.test.ts come out equal in TS, in the circuit
// witness and in Solidity (one test asserts all three), and real policy and price hashes agree TS vs chain.
import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import { Contract, type Signer } from "ethers";
import { poseidon8 } from "poseidon-lite";
import { FIELD_MODULUS } from "../../core/field.ts";
import { listHash, merkleNode, policyHash, positionLeaf, pricesHash, sumNode } from "../../core/hash.ts";
import { factoryOf, loadArtifact } from "../../chain/artifacts.ts";
import { defaultDeployConfig, policyOfConfig } from "../../chain/deploy.ts";
import { policyFieldsOf } from "../../chain/policy.ts";
import { callPoseidon, deployPoseidon, type PoseidonDeployment } from "../../chain/poseidon.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";
import { VECTORS } from "../helpers/hash-vectors.ts";

describe("on-chain Poseidon", () => {
  let signer: Signer;
  let poseidon: PoseidonDeployment;
  let hasher: Contract;

  beforeAll(async () => {
    const { ethers } = await network.create();
    signer = (await ethers.getSigners())[0]!;
    poseidon = await deployPoseidon(signer);
    const deployed = await factoryOf(loadArtifact("PoseidonHasher"), signer).deploy(
      poseidon.poseidon2,
      poseidon.poseidon3,
      poseidon.poseidon4,
      poseidon.poseidon8,
    );
    await deployed.waitForDeployment();
    hasher = deployed as Contract;
  });

  it("gives the shared vectors equal in TS, in the circuit and in Solidity", async () => {
    const ts = {
      leaf: positionLeaf(...VECTORS.leafIn),
      node: merkleNode(...VECTORS.nodeIn),
      sumHash: sumNode({ hash: VECTORS.sumIn[0], sum: VECTORS.sumIn[1] }, { hash: VECTORS.sumIn[2], sum: VECTORS.sumIn[3] }).hash,
      listDigest: listHash(VECTORS.list),
    };
    const tester = await CircuitTester.load("hash-vectors");
    const witness = await tester.witness({ leafIn: VECTORS.leafIn, nodeIn: VECTORS.nodeIn, sumIn: VECTORS.sumIn, list: VECTORS.list });
    const circuit = {
      leaf: tester.signal(witness, "leaf"),
      node: tester.signal(witness, "node"),
      sumHash: tester.signal(witness, "sumHash"),
      listDigest: tester.signal(witness, "listDigest"),
    };
    const solidity = {
      leaf: (await hasher.getFunction("positionLeaf").staticCall(...VECTORS.leafIn)) as bigint,
      node: (await hasher.getFunction("merkleNode").staticCall(...VECTORS.nodeIn)) as bigint,
      sumHash: (await hasher.getFunction("sumNodeHash").staticCall(...VECTORS.sumIn)) as bigint,
      listDigest: (await hasher.getFunction("listHash").staticCall(VECTORS.list)) as bigint,
    };
    expect(circuit).toEqual(ts);
    expect(solidity).toEqual(ts);
  });

  it("hashes a real policy and price snapshot exactly like core/hash.ts", async () => {
    for (const instance of ["test", "standard"] as const) {
      const config = defaultDeployConfig(instance);
      const fake = (i: number, base: number) => `0x${(base + i).toString(16).padStart(40, "0")}`;
      const onchain = policyOfConfig(config, config.assets.map((_, i) => fake(i, 0x1000)), config.assets.map((_, i) => fake(i, 0x2000)));
      const fields = policyFieldsOf(onchain, 31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
      const chainHash = (await hasher.getFunction("policyHash").staticCall(fields)) as bigint;
      expect(chainHash).toBe(policyHash(fields));

      const unitPrices = config.assets.map((a) => a.answer * 10n ** BigInt(36 - a.feedDecimals - a.decimals));
      const prices = { timestamp: 1_767_225_600n, unitPrices };
      expect(await hasher.getFunction("pricesHash").staticCall(prices.timestamp, unitPrices)).toBe(pricesHash(prices));
    }
  });

  it("agrees with poseidon-lite for Poseidon8 at the field's edges and for every list-length boundary", async () => {
    const edge = [0n, 1n, FIELD_MODULUS - 1n, FIELD_MODULUS - 2n, 2n ** 200n, 12345678901234567890n, 7n, FIELD_MODULUS / 3n];
    expect(await callPoseidon(signer, poseidon.poseidon8, edge)).toBe(poseidon8(edge));
    for (const length of [0, 1, 6, 7, 8, 13, 14, 15]) {
      const list = Array.from({ length }, (_, i) => BigInt(i * 1_000_003 + 17));
      expect(await hasher.getFunction("listHash").staticCall(list)).toBe(listHash(list));
    }
  });

  it("refuses a policy whose per-asset lists disagree in length", async () => {
    const fields = { chainId: 1n, vault: 2n, liabilityAsset: 0n, minCoverageBps: 1n, minLiquidityBps: 1n, maxSlippageBps: 1n, maxAttestationAge: 1n, tokensDigest: 4n, rulesDigest: 3n, capBps: [1n, 2n], haircutBps: [1n], liquid: [1n, 1n], attestorKeys: [[0n, 0n]], shockBps: [[1n, 1n]] };
    await expect(hasher.getFunction("policyHash").staticCall(fields)).rejects.toThrow(/PolicyShape/);
  });
});
