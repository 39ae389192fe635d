// Custody on chain (issue 15), with real Groth16 proofs of the test instance: a proof that commits more to
// the vault than it holds is refused (VaultBalanceShort), a donation to the vault between proving and
// publishing does not break the proof, and after the guardian removes an attestor, the proof that relied on
// it is refused and no new one can be made.
import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { statementMessage } from "../../core/attestation.ts";
import type { Position, SignedCustody } from "../../core/types.ts";
import { attachStack, defaultDeployConfig, deployStack, instanceSizes, type DeployConfig, type Deployment, type Stack } from "../../chain/deploy.ts";
import { SaltSource, vaultPositions } from "../../chain/local-treasury.ts";
import { advanceTime, currentSequence, governanceCall, publishAttestation, publishLiabilitiesRoot, takeSnapshot, type SnapshotInfo } from "../../chain/gate.ts";
import { policyFieldsOf, readPolicy, type OnchainPolicy } from "../../chain/policy.ts";
import { eddsa, publicKeyOf } from "../../prover/attestor.ts";
import { expectRevert, liabilities, pricesOf, proveSolvency, provingKeysBuilt } from "./helpers.ts";

const ATTESTOR_KEY = new Uint8Array(32).fill(7);

describe.skipIf(!provingKeysBuilt())("custody on chain (issue 15)", () => {
  let deployment: Deployment;
  let config: DeployConfig;
  let governor: Signer;
  let as: { governor: Stack; guardian: Stack; operator: Stack; keeper: Stack };
  let policy: OnchainPolicy;
  let snapshot: SnapshotInfo;
  let positions: Position[];
  const liab = liabilities();

  const fields = () => policyFieldsOf(policy, BigInt(deployment.chainId), deployment.contracts.treasuryVault);
  const fresh = async () => {
    for (const [i, feed] of as.governor.feeds.entries()) await (await feed.getFunction("updateAnswer")(config.assets[i]!.answer)).wait();
    policy = await readPolicy(as.governor.riskPolicy);
    snapshot = await takeSnapshot(as.keeper);
  };
  const proveS1 = async (slots: Position[], statements?: (SignedCustody | null)[]) =>
    proveSolvency({ positions: slots, policy: fields(), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: await currentSequence(as.governor), ...(statements ? { statements } : {}) });
  const publishCall = (s1: { signals: bigint[]; proof: bigint[] }) => as.operator.solvencyRegistry.getFunction("publishAttestation")(s1.signals, s1.proof);

  beforeAll(async () => {
    const { ethers } = await network.create();
    const [g, guardian, operator, keeper, rebalancer] = (await ethers.getSigners()) as Signer[];
    governor = g!;
    config = defaultDeployConfig("test");
    deployment = await deployStack(governor, config, {
      roles: { guardian: await guardian!.getAddress(), operator: await operator!.getAddress(), keeper: await keeper!.getAddress(), rebalancer: await rebalancer!.getAddress() },
    });
    as = { governor: attachStack(deployment, governor), guardian: attachStack(deployment, guardian!), operator: attachStack(deployment, operator!), keeper: attachStack(deployment, keeper!) };
    await fresh();
    await publishLiabilitiesRoot(as.operator, liab.root);
    positions = vaultPositions(config, instanceSizes("test"), new SaltSource(15n));
  });

  it("refuses a treasury that commits more to the vault than the vault holds", async () => {
    const weth = positions.findIndex((p) => p.assetIndex === 1n && p.amount > 0n);
    const inflated = positions.map((p, i) => (i === weth ? { ...p, amount: p.amount + 1n } : p));
    const s1 = await proveS1(inflated);
    const balance = (await as.governor.tokens[1]!.getFunction("balanceOf")(deployment.contracts.treasuryVault)) as bigint;
    await expectRevert(publishCall(s1), "VaultBalanceShort", { asset: "1", committed: (balance + 1n).toString(), balance: balance.toString() });
  });

  it("a donation to the vault between proving and publishing does not break the proof", async () => {
    const s1 = await proveS1(positions);
    await (await as.governor.tokens[1]!.getFunction("mint")(deployment.contracts.treasuryVault, 5n * 10n ** 18n)).wait();
    await publishAttestation(as.operator, s1.signals, s1.proof);
    expect(await as.governor.solvencyRegistry.getFunction("positionsRoot")()).toBe(s1.signals[0]);
  });

  it("after the guardian removes an attestor, the proof relying on it is refused, and no new one exists", async () => {
    // Governance adds the attestor (behind the timelock); part of the WBTC is then held at it.
    const key = await publicKeyOf(ATTESTOR_KEY);
    const data = as.governor.riskPolicy.interface.encodeFunctionData("setAttestor", [0, key[0], key[1]]);
    await governanceCall(as.governor, deployment.contracts.riskPolicy, data, (s) => advanceTime(as.governor, s));
    await fresh();
    expect(policy.attestorKeys).toEqual([[key[0], key[1]]]);
    const wbtc = positions.findIndex((p) => p.assetIndex === 2n && p.amount > 0n);
    const atAttestor = 1n * 10n ** 8n;
    const slots = positions.map((p, i) => (i === wbtc ? { ...p, amount: p.amount - atAttestor } : p));
    const empty = slots.findIndex((p, i) => i !== wbtc && p.amount === 0n);
    slots[empty] = { assetIndex: 2n, custody: 1n, amount: atAttestor, salt: 99n };
    const e = await eddsa();
    const amounts = [0n, 0n, atAttestor, 0n];
    const timestamp = snapshot.timestamp;
    const msg = statementMessage({ chainId: BigInt(deployment.chainId), vault: deployment.contracts.treasuryVault, publicKey: key, tokens: deployment.assets.map((a) => a.token), timestamp, amounts });
    const sig = e.signPoseidon(ATTESTOR_KEY, e.F.e(msg));
    const statement: SignedCustody = { timestamp, amounts, r8x: e.F.toObject(sig.R8[0]), r8y: e.F.toObject(sig.R8[1]), s: sig.S };
    const s1 = await proveS1(slots, [statement]);

    // The guardian removes the attestor at once; the proof made with it is refused.
    await (await as.guardian.riskPolicy.getFunction("removeAttestor")(0)).wait();
    await expectRevert(publishCall(s1), "PolicyMismatch");
    // Under the new policy (empty slot), the same positions have no witness.
    await fresh();
    await expect(proveS1(slots, [statement])).rejects.toThrow(/Assert|Solvency/);
    // The keeper, operator or an outsider cannot remove attestors; an empty slot cannot be removed twice.
    await expectRevert(as.operator.riskPolicy.getFunction("removeAttestor")(0), "AccessControlUnauthorizedAccount");
    await expectRevert(as.guardian.riskPolicy.getFunction("removeAttestor")(0), "NoAttestor", { slot: "0" });
    await expectRevert(as.guardian.riskPolicy.getFunction("setAttestor")(0, key[0], key[1]), "AccessControlUnauthorizedAccount");
    // Off-curve keys are refused.
    const bad = as.governor.riskPolicy.interface.encodeFunctionData("setAttestor", [0, key[0], key[1] + 1n]);
    await expect(governanceCall(as.governor, deployment.contracts.riskPolicy, bad, (s) => advanceTime(as.governor, s))).rejects.toThrow();
  });
});
