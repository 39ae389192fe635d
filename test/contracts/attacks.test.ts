// The gate's trust holes (issue 14), each mounted as an attack against the deployed stack with real Groth16
// proofs of the test instance and refused by name: a minimum below the fair price (no witness at all), an
// old attestation published again, an A -> B -> A round trip with reused salts followed by a replay of the
// first swap, a stale snapshot, a sequencer that is down or inside its grace period when a snapshot is used,
// a policy change in a field the circuits do not evaluate, a snapshot taken under an earlier policy, an
// unlisted factory, the same snapshot twice in one block, a misconfigured vault, zero addresses, a sweep of
// a policy asset, a liabilities root used before its publication delay, a paused registry, and every role's
// key used for what it must not do. Operator, keeper, rebalancer and guardian are four different accounts.
import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import { AbiCoder, Contract, MaxUint256, type Signer } from "ethers";
import { rulesFieldList } from "../../core/hash.ts";
import type { Position } from "../../core/types.ts";
import { attachStack, defaultDeployConfig, deployStack, instanceSizes, pairInitCodeHash, type DeployConfig, type Deployment, type Stack } from "../../chain/deploy.ts";
import { SaltSource, vaultPositions } from "../../chain/local-treasury.ts";
import { factoryOf, loadArtifact, uniswapArtifact } from "../../chain/artifacts.ts";
import {
  advanceTime,
  currentSequence,
  governanceCall,
  publishAttestation,
  publishLiabilitiesRoot,
  rebalanceArgs,
  submitRebalance,
  takeSnapshot,
  type SnapshotInfo,
} from "../../chain/gate.ts";
import { clonePolicy, onchainPolicyRules, policyCallArg, policyFieldsOf, readPolicy, type OnchainPolicy } from "../../chain/policy.ts";
import { fairMinAmountOut } from "../../prover/rules.ts";
import { expectRevert, liabilities, pricesOf, proveRebalance, proveSolvency, provingKeysBuilt } from "./helpers.ts";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;
const ZERO = "0x0000000000000000000000000000000000000000";

interface Roles {
  governor: Signer;
  guardian: Signer;
  operator: Signer;
  keeper: Signer;
  rebalancer: Signer;
  outsider: Signer;
}

describe.skipIf(!provingKeysBuilt())("attacks on the gate (issue 14): each refused by name", () => {
  let deployment: Deployment;
  let config: DeployConfig;
  let who: Roles;
  let as: Record<keyof Roles, Stack>;
  let policy: OnchainPolicy;
  let snapshot: SnapshotInfo;
  let positions: Position[];
  const liab = liabilities();

  const chainId = () => BigInt(deployment.chainId);
  const fields = () => policyFieldsOf(policy, chainId(), deployment.contracts.treasuryVault);
  const now = async () => BigInt((await who.governor.provider!.getBlock("latest"))!.timestamp);
  const deadline = async () => (await now()) + 600n;
  const sequence = () => currentSequence(as.governor);
  const timelock = (target: string, data: string) => governanceCall(as.governor, target, data, (s) => advanceTime(as.governor, s));

  /** Every feed answers again now; the policy is re-read; the keeper takes a snapshot. */
  async function fresh(): Promise<void> {
    for (const [i, feed] of as.governor.feeds.entries()) await (await feed.getFunction("updateAnswer")(config.assets[i]!.answer)).wait();
    policy = await readPolicy(as.governor.riskPolicy);
    snapshot = await takeSnapshot(as.keeper);
  }
  const proveS1 = async (slots = positions) =>
    proveSolvency({ positions: slots, policy: fields(), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: await sequence() });
  const proveSwap = async (action: { assetIn: bigint; amountIn: bigint; assetOut: bigint; minAmountOut: bigint }, slotIn: number, slotOut: number, salts?: { next(): bigint }) =>
    proveRebalance({
      oldPositions: positions, action, slotIn, slotOut, policy: fields(), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: await sequence(),
      ...(salts ? { salts } : {}),
    });
  const rebalance = async (s2: { signals: bigint[]; proof: bigint[] }, stack = as.rebalancer) =>
    submitRebalance(stack, { factory: deployment.contracts.uniswapFactory, ...rebalanceArgs(s2.signals), proof: s2.proof, deadline: await deadline() });
  const rebalanceCall = async (s2: { signals: bigint[]; proof: bigint[] }, stack = as.rebalancer, factory = deployment.contracts.uniswapFactory) => {
    const { action, transition, sequence: seq, vaultTotals } = rebalanceArgs(s2.signals);
    return stack.treasuryVault.getFunction("rebalance")(factory, action, transition, seq, vaultTotals, s2.proof, await deadline());
  };
  const publishCall = (s1: { signals: bigint[]; proof: bigint[] }, stack = as.operator) =>
    stack.solvencyRegistry.getFunction("publishAttestation")(s1.signals, s1.proof);
  /** The fair minimum for selling `amountIn` of `assetIn` for `assetOut` at the snapshot. */
  const fairMin = (assetIn: bigint, amountIn: bigint, assetOut: bigint) =>
    fairMinAmountOut(amountIn, snapshot.unitPrices[Number(assetIn)]!, snapshot.unitPrices[Number(assetOut)]!, BigInt(policy.maxSlippageBps));

  beforeAll(async () => {
    const { ethers } = await network.create();
    const [governor, guardian, operator, keeper, rebalancer, outsider] = (await ethers.getSigners()) as Signer[];
    who = { governor: governor!, guardian: guardian!, operator: operator!, keeper: keeper!, rebalancer: rebalancer!, outsider: outsider! };
    config = defaultDeployConfig("test");
    deployment = await deployStack(who.governor, config, {
      roles: {
        guardian: await who.guardian.getAddress(),
        operator: await who.operator.getAddress(),
        keeper: await who.keeper.getAddress(),
        rebalancer: await who.rebalancer.getAddress(),
      },
    });
    as = Object.fromEntries(Object.entries(who).map(([role, signer]) => [role, attachStack(deployment, signer)])) as Record<keyof Roles, Stack>;
    await fresh();
    await publishLiabilitiesRoot(as.operator, liab.root);
    positions = vaultPositions(config, instanceSizes("test"), new SaltSource(14n));
    const s1 = await proveS1();
    await publishAttestation(as.operator, s1.signals, s1.proof);
  });

  it("fair price: a minimum one base unit below the fair price has no witness; the vault pays only through a listed factory's pair", async () => {
    const amountIn = 10n * E18;
    const fair = fairMin(1n, amountIn, 0n);
    expect(fair).toBe((30_000n * E6 * BigInt(10_000 - policy.maxSlippageBps)) / 10_000n); // $30,000 less maxSlippage
    await expect(proveSwap({ assetIn: 1n, amountIn, assetOut: 0n, minAmountOut: fair - 1n }, 1, 0)).rejects.toThrow(/Rebalance|Assert/);
    await expect(proveSwap({ assetIn: 1n, amountIn, assetOut: 0n, minAmountOut: 0n }, 1, 0)).rejects.toThrow(/Rebalance|Assert/);

    // An attacker's own (real) Uniswap V2 factory with a pair it controls: not on the governance list.
    const rogue = await factoryOf(uniswapArtifact("UniswapV2Factory"), who.outsider).deploy(await who.outsider.getAddress());
    await rogue.waitForDeployment();
    const s2 = await proveSwap({ assetIn: 1n, amountIn, assetOut: 0n, minAmountOut: fair }, 1, 0);
    await expectRevert(rebalanceCall(s2, as.rebalancer, await rogue.getAddress()), "FactoryNotAllowed");
    // The router is not a factory either (routers were the old venue).
    await expectRevert(rebalanceCall(s2, as.rebalancer, deployment.contracts.uniswapRouter), "FactoryNotAllowed");

    // A sandwich: the pool is pushed below the fair price before the rebalance; the vault refuses to take less.
    const weth = as.outsider.tokens[1]!;
    const me = await who.outsider.getAddress();
    await (await weth.getFunction("mint")(me, 1_000n * E18)).wait();
    await (await weth.getFunction("approve")(deployment.contracts.uniswapRouter, MaxUint256)).wait();
    const path = [deployment.assets[1]!.token, deployment.assets[0]!.token];
    await (await as.outsider.router.getFunction("swapExactTokensForTokens")(1_000n * E18, 0n, path, me, await deadline())).wait();
    await expectRevert(rebalanceCall(s2), "InsufficientOutput", { minAmountOut: fair.toString() });
    // Arbitrage puts the pool back (buy the WETH back with USDC); the same proof then goes through.
    const usdc = as.outsider.tokens[0]!;
    await (await usdc.getFunction("mint")(me, 8_000_000n * E6)).wait();
    await (await usdc.getFunction("approve")(deployment.contracts.uniswapRouter, MaxUint256)).wait();
    const reserves = async () => {
      const pair = new Contract(
        await as.outsider.factory.getFunction("getPair")(...path),
        ["function getReserves() view returns (uint112, uint112, uint32)", "function token0() view returns (address)"],
        who.outsider,
      );
      const [r0, r1] = (await pair.getFunction("getReserves")()) as [bigint, bigint];
      return (await pair.getFunction("token0")()) === path[0] ? { weth: r0, usdc: r1 } : { weth: r1, usdc: r0 };
    };
    // Buy WETH back until the pool's price is at the oracle's again (within a few basis points).
    for (let i = 0; i < 40; i++) {
      const r = await reserves();
      if (r.usdc * E18 >= r.weth * 3_000n * E6) break;
      await (await as.outsider.router.getFunction("swapExactTokensForTokens")(200_000n * E6, 0n, [...path].reverse(), me, await deadline())).wait();
    }
    const { amountOut } = await rebalance(s2);
    expect(amountOut >= fair).toBe(true);
    positions = s2.newPositions;
  });

  it("no state recurs: an old attestation, and an A -> B -> A round trip with reused salts followed by a replay of the first swap, are refused", async () => {
    await fresh();
    const s1 = await proveS1();
    await publishAttestation(as.operator, s1.signals, s1.proof);
    const seqAfter = await sequence();
    await expectRevert(publishCall(s1), "SequenceMismatch", { current: seqAfter.toString(), claimed: (seqAfter - 1n).toString() });

    // A -> B: sell 10 WETH (slot 1) for the fair minimum of USDC (slot 0).
    const a = positions;
    const rootA = s1.signals[0]!;
    const x = 10n * E18;
    const y = fairMin(1n, x, 0n);
    const there = await proveSwap({ assetIn: 1n, amountIn: x, assetOut: 0n, minAmountOut: y }, 1, 0);
    await rebalance(there);
    positions = there.newPositions;
    // Make WETH cheap in the pool so that y USDC buys x WETH back, then B -> A with A's own salts.
    const me = await who.outsider.getAddress();
    const weth = as.outsider.tokens[1]!;
    await (await weth.getFunction("mint")(me, 1_500n * E18)).wait();
    await (await weth.getFunction("approve")(deployment.contracts.uniswapRouter, MaxUint256)).wait();
    await (await as.outsider.router.getFunction("swapExactTokensForTokens")(1_500n * E18, 0n, [deployment.assets[1]!.token, deployment.assets[0]!.token], me, await deadline())).wait();
    const reused = [a[0]!.salt, a[1]!.salt];
    const back = await proveSwap({ assetIn: 0n, amountIn: y, assetOut: 1n, minAmountOut: x }, 0, 1, { next: () => reused.shift()! });
    expect(back.newPositions).toEqual(a);
    expect(rebalanceArgs(back.signals).transition.newRoot).toBe(rootA);
    await rebalance(back);
    positions = back.newPositions;
    expect(await as.governor.solvencyRegistry.getFunction("positionsRoot")()).toBe(rootA);

    // The root is A again, but the commitment is not: the first swap's proof is for an earlier sequence.
    const current = await sequence();
    await expectRevert(rebalanceCall(there), "SequenceMismatch", { current: current.toString(), claimed: rebalanceArgs(there.signals).sequence.toString() });
    await expectRevert(publishCall(s1), "SequenceMismatch", { current: current.toString() });
  });

  it("fresh attestations: a snapshot older than maxSnapshotAge is refused at publication", async () => {
    await fresh();
    const current = await proveS1();
    await publishAttestation(as.operator, current.signals, current.proof);
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(true);
    const s1 = await proveS1();
    await advanceTime(as.governor, policy.maxSnapshotAge + 1);
    await expectRevert(publishCall(s1), "SnapshotExpired", { maxAge: String(policy.maxSnapshotAge) });
    // The attestation published before is no longer current either: its snapshot is too old.
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(false);
  });

  it("the L2 sequencer is checked whenever a snapshot is used: down, inside its grace period, or a start time in the future", async () => {
    const uptime = (await factoryOf(loadArtifact("TestFeed"), who.governor).deploy(0, 0)) as unknown as Contract;
    await uptime.waitForDeployment();
    const setUptime = async (answer: bigint, startedAt: bigint) =>
      (await uptime.getFunction("updateRoundData")(BigInt(Date.now()), answer, await now(), startedAt)).wait();
    await setUptime(0n, (await now()) - 7_200n);
    const data = as.governor.riskPolicy.interface.encodeFunctionData("setSequencerUptimeFeed", [await uptime.getAddress(), 3_600]);
    await timelock(deployment.contracts.riskPolicy, data);
    await setUptime(0n, (await now()) - 7_200n);
    await fresh();
    expect(policy.sequencer.feed).toBe(await uptime.getAddress());
    const s1 = await proveS1();
    const s2 = await proveSwap({ assetIn: 3n, amountIn: 1_000n * E18, assetOut: 0n, minAmountOut: fairMin(3n, 1_000n * E18, 0n) }, 3, 0);

    await setUptime(1n, (await now()) - 10n); // down
    await expectRevert(publishCall(s1), "SequencerDown");
    await expectRevert(rebalanceCall(s2), "SequencerDown");
    await setUptime(0n, await now()); // back up just now: inside the grace period
    await expectRevert(publishCall(s1), "SequencerGracePeriod");
    await expectRevert(rebalanceCall(s2), "SequencerGracePeriod");
    await setUptime(0n, (await now()) + 1_000n); // a start time in the future: refused, not a panic
    await expectRevert(publishCall(s1), "SequencerGracePeriod");
    await setUptime(0n, (await now()) - 7_200n); // up for two hours: usable again
    await publishAttestation(as.operator, s1.signals, s1.proof);
  });

  it("the whole policy is proven: a change in a field the circuits do not evaluate moves the hash; older proofs and snapshots are refused", async () => {
    await fresh();
    // On chain and in TypeScript the rules list is the same, symbols included.
    const onchainList = (await as.governor.riskPolicy.getFunction("rulesFieldList")()) as bigint[];
    expect([...onchainList]).toEqual(rulesFieldList(onchainPolicyRules(policy)));
    expect(policy.assets.map((a) => a.symbol)).toEqual(config.assets.map((a) => a.symbol));
    const s1 = await proveS1();
    const before = (await as.governor.riskPolicy.getFunction("policyHash")()) as bigint;

    // Governance shortens one feed's maxAge: no circuit evaluates it, yet the hash moves.
    const changed = clonePolicy(policy);
    changed.assets[2]!.maxAge -= 100;
    await timelock(deployment.contracts.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(changed)]));
    const after = (await as.governor.riskPolicy.getFunction("policyHash")()) as bigint;
    expect(after).not.toBe(before);
    await expectRevert(publishCall(s1), "PolicyMismatch", { current: after.toString(), claimed: before.toString() });
    // Proven for the new policy but on the snapshot taken before the change: refused too.
    policy = await readPolicy(as.governor.riskPolicy);
    const onOldSnapshot = await proveS1();
    await expectRevert(publishCall(onOldSnapshot), "SnapshotPolicyOutdated");
    // A guardian may lower maxSlippageBps at once, never raise it.
    const lower = clonePolicy(policy);
    lower.maxSlippageBps = 50;
    await (await as.guardian.riskPolicy.getFunction("tighten")(policyCallArg(lower))).wait();
    const higher = clonePolicy(lower);
    higher.maxSlippageBps = 200;
    await expectRevert(as.guardian.riskPolicy.getFunction("tighten")(policyCallArg(higher)), "NotTightening", { field: "maxSlippageBps" });
    const renamed = clonePolicy(lower);
    renamed.assets[1]!.symbol = "WETH2";
    await expectRevert(as.guardian.riskPolicy.getFunction("tighten")(policyCallArg(renamed)), "NotTightening", { field: "asset identity" });
  });

  it("vault hygiene: the latest of two equal snapshots in one block stays latest; misconfigured or zero-address deployments and sweeps of policy assets are refused", async () => {
    await fresh();
    const provider = who.governor.provider! as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    const feed = as.governor.feeds[1]!;
    const answer = config.assets[1]!.answer;
    const keeperNonce = await who.keeper.getNonce();
    const govNonce = await who.governor.getNonce();
    const gas = { gasLimit: 3_000_000n };
    await provider.send("evm_setAutomine", [false]);
    try {
      await as.keeper.priceSnapshots.getFunction("takeSnapshot")({ ...gas, nonce: keeperNonce });
      await feed.getFunction("updateAnswer")(answer + 1n, { ...gas, nonce: govNonce });
      await as.keeper.priceSnapshots.getFunction("takeSnapshot")({ ...gas, nonce: keeperNonce + 1 });
      await feed.getFunction("updateAnswer")(answer, { ...gas, nonce: govNonce + 1 });
      await as.keeper.priceSnapshots.getFunction("takeSnapshot")({ ...gas, nonce: keeperNonce + 2 });
      await provider.send("evm_mine", []);
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    const block = await who.governor.provider!.getBlockNumber();
    const taken = await as.governor.priceSnapshots.queryFilter(as.governor.priceSnapshots.filters["SnapshotTaken"]!(), block, block);
    expect(taken).toHaveLength(3);
    const hashes = taken.map((e) => ("args" in e ? (e.args["pricesHash"] as bigint) : 0n));
    expect(hashes[2]).toBe(hashes[0]);
    expect(hashes[1]).not.toBe(hashes[0]);
    expect(await as.governor.priceSnapshots.getFunction("latestHash")()).toBe(hashes[2]);
    const context = [...((await as.governor.riskPolicy.getFunction("gateContext")()) as unknown[])];
    const latest = (await as.governor.priceSnapshots.getFunction("requireUsable")(hashes[2], context)) as { id: bigint };
    expect(latest.id).toBe(await as.governor.priceSnapshots.getFunction("latestId")());

    // A vault whose registry names another vault, and one with a zero rebalancer.
    const c = deployment.contracts;
    const vaultFactory = factoryOf(loadArtifact("TreasuryVault"), who.outsider);
    const gov = await who.outsider.getAddress();
    await expectRevert(vaultFactory.deploy(c.riskPolicy, c.priceSnapshots, c.solvencyRegistry, c.rebalanceVerifier, c.payoutVerifier, gov, gov, gov), "InvalidConfiguration");
    await expectRevert(vaultFactory.deploy(c.riskPolicy, c.priceSnapshots, c.solvencyRegistry, c.rebalanceVerifier, c.payoutVerifier, gov, gov, ZERO), "ZeroAddress");
    const registryFactory = factoryOf(loadArtifact("SolvencyRegistry"), who.outsider);
    await expectRevert(registryFactory.deploy(c.riskPolicy, c.priceSnapshots, c.solvencyVerifier, c.treasuryVault, gov, ZERO, gov), "InvalidConfiguration");
    await expectRevert(registryFactory.deploy(c.riskPolicy, c.priceSnapshots, c.solvencyVerifier, gov, gov, gov, gov), "InvalidConfiguration");

    // Sweeps: policy assets never; another token only by governance, through the timelock.
    const stray = (await factoryOf(loadArtifact("TestToken"), who.outsider).deploy("Airdrop", "DROP", 18)) as unknown as Contract;
    await stray.waitForDeployment();
    await (await stray.getFunction("mint")(c.treasuryVault, 5n * E18)).wait();
    const sweep = (token: string) => as.governor.treasuryVault.interface.encodeFunctionData("sweep", [token, gov, 5n * E18]);
    await expectRevert(as.guardian.treasuryVault.getFunction("sweep")(await stray.getAddress(), gov, 1n), "AccessControlUnauthorizedAccount");
    await expectRevert(timelock(c.treasuryVault, sweep(deployment.assets[0]!.token)), "PolicyToken");
    await timelock(c.treasuryVault, sweep(await stray.getAddress()));
    expect(await stray.getFunction("balanceOf")(gov)).toBe(5n * E18);
    // Replacing a token in the policy does not make the old one sweepable.
    const replacement = (await factoryOf(loadArtifact("TestToken"), who.governor).deploy("Dai (new)", "DAI", 18)) as unknown as Contract;
    await replacement.waitForDeployment();
    const replaced = clonePolicy(await readPolicy(as.governor.riskPolicy));
    replaced.assets[3]!.token = await replacement.getAddress();
    await timelock(c.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(replaced)]));
    // The migration funds the vault with the new token (the committed DAI must be backed by the vault's balance
    // of the token the policy now names: issue 15).
    const committedDai = positions.filter((p) => p.assetIndex === 3n).reduce((sum, p) => sum + p.amount, 0n);
    await (await replacement.getFunction("mint")(c.treasuryVault, committedDai)).wait();
    expect(await as.governor.riskPolicy.getFunction("isPolicyToken")(deployment.assets[3]!.token)).toBe(true);
    await expectRevert(timelock(c.treasuryVault, sweep(deployment.assets[3]!.token)), "PolicyToken");
    // A policy may not allow more than 20% slippage, nor a liabilities delay over 7 days.
    const loose = clonePolicy(replaced);
    loose.maxSlippageBps = 2_001;
    await expectRevert(timelock(c.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(loose)])), "InvalidPolicyValue", { field: "maxSlippageBps" });
    const frozen = clonePolicy(replaced);
    frozen.liabilitiesDelay = 7 * 86_400 + 1;
    await expectRevert(as.guardian.riskPolicy.getFunction("tighten")(policyCallArg(frozen)), "InvalidPolicyValue", { field: "liabilitiesDelay" });
  });

  it("liabilities roots: numbered epochs, each usable only after the publication delay; the event carries the old and the new root", async () => {
    const delayed = clonePolicy(await readPolicy(as.governor.riskPolicy));
    delayed.liabilitiesDelay = 86_400;
    await timelock(deployment.contracts.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(delayed)]));
    const next = liabilities();
    const other = { root: next.root + 1n };
    const receipt = await publishLiabilitiesRoot(as.operator, other.root);
    const event = receipt.logs.map((l) => as.governor.solvencyRegistry.interface.parseLog(l)).find((e) => e?.name === "LiabilitiesRootPublished");
    const epoch = event!.args["epoch"] as bigint;
    expect(event!.args["oldRoot"]).toBe(liab.root);
    expect(event!.args["newRoot"]).toBe(other.root);
    expect(event!.args["activeFrom"]).toBe((await now()) + 86_400n);
    // Until the delay has passed the previous epoch stays current: the new root backs nothing yet.
    const current = (await as.governor.solvencyRegistry.getFunction("currentLiabilities")()) as [bigint, bigint];
    expect(current[0]).toBe(epoch - 1n);
    expect(current[1]).toBe(liab.root);
    await expectRevert(publishLiabilitiesRoot(as.operator, other.root + 1n), "LiabilitiesRootPending", { epoch: epoch.toString() });
    // Governance may withdraw a pending root users flagged (a hostile operator's), then the operator publishes again.
    await expectRevert(as.guardian.solvencyRegistry.getFunction("cancelPendingLiabilities")(), "AccessControlUnauthorizedAccount");
    await timelock(deployment.contracts.solvencyRegistry, as.governor.solvencyRegistry.interface.encodeFunctionData("cancelPendingLiabilities"));
    expect([...((await as.governor.solvencyRegistry.getFunction("currentLiabilities")()) as bigint[])]).toEqual([epoch - 1n, liab.root]);
    expect(await as.governor.solvencyRegistry.getFunction("liabilitiesRootOf")(epoch)).toBe(0n);
    await publishLiabilitiesRoot(as.operator, other.root);
    await fresh();
    const s1 = await proveS1();
    const swapped = [...s1.signals];
    swapped[1] = other.root;
    await expectRevert(publishCall({ signals: swapped, proof: s1.proof }), "LiabilitiesMismatch", { current: liab.root.toString(), claimed: other.root.toString() });
    await publishAttestation(as.operator, s1.signals, s1.proof);
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(true);

    await advanceTime(as.governor, 86_400);
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(false); // a new epoch is current now
    const later = (await as.governor.solvencyRegistry.getFunction("currentLiabilities")()) as [bigint, bigint];
    expect([...later]).toEqual([epoch, other.root]);
    expect(await as.governor.solvencyRegistry.getFunction("liabilitiesRootOf")(epoch - 1n)).toBe(liab.root);
    await fresh();
    await expectRevert(proveS1().then(publishCall), "LiabilitiesMismatch", { current: other.root.toString() });
    // Back to the test liabilities (a new epoch after the delay) for the tests below.
    await publishLiabilitiesRoot(as.operator, liab.root);
    await advanceTime(as.governor, 86_400);
  });

  it("stolen keys: each role's key does only what that role may; a paused registry accepts no attestation; one timelock batch undoes a hostile guardian", async () => {
    await fresh();
    const s1 = await proveS1();
    const unauthorized = "AccessControlUnauthorizedAccount";
    // Operator: publishes, but cannot snapshot, rebalance, pause or change the policy.
    await expectRevert(as.operator.priceSnapshots.getFunction("takeSnapshot")(), unauthorized);
    await expectRevert(as.operator.treasuryVault.getFunction("unpause")(), unauthorized);
    await expectRevert(as.operator.riskPolicy.getFunction("tighten")(policyCallArg(policy)), unauthorized);
    // Keeper: snapshots only.
    await expectRevert(publishCall(s1, as.keeper), unauthorized);
    await expectRevert(as.keeper.solvencyRegistry.getFunction("publishLiabilitiesRoot")(123n), unauthorized);
    // Rebalancer: cannot attest, nor move the registry's root without the vault.
    await expectRevert(publishCall(s1, as.rebalancer), unauthorized);
    await expectRevert(as.rebalancer.solvencyRegistry.getFunction("advance")(s1.signals[0], 1n, liab.root, await sequence()), "NotVault");
    // Outsider: nothing.
    await expectRevert(publishCall(s1, as.outsider), unauthorized);
    await expectRevert(as.outsider.solvencyRegistry.getFunction("pause")(), unauthorized);
    await expectRevert(as.outsider.treasuryVault.getFunction("allowFactory")(await who.outsider.getAddress(), pairInitCodeHash()), unauthorized);
    // Guardian: can stop things at once (pause, tighten, delist), never loosen, unpause, list or sweep.
    const original = clonePolicy(policy);
    const tighter = clonePolicy(policy);
    tighter.minCoverageBps += 1_000;
    await (await as.guardian.riskPolicy.getFunction("tighten")(policyCallArg(tighter))).wait();
    await (await as.guardian.solvencyRegistry.getFunction("pause")()).wait();
    await (await as.guardian.treasuryVault.getFunction("pause")()).wait();
    await (await as.guardian.treasuryVault.getFunction("disallowFactory")(deployment.contracts.uniswapFactory)).wait();
    await expectRevert(as.guardian.solvencyRegistry.getFunction("unpause")(), unauthorized);
    await expectRevert(as.guardian.treasuryVault.getFunction("allowFactory")(deployment.contracts.uniswapFactory, pairInitCodeHash()), unauthorized);
    await expectRevert(as.guardian.riskPolicy.getFunction("setPolicy")(policyCallArg(original)), unauthorized);
    await expectRevert(publishCall(s1), "EnforcedPause");
    await expectRevert(as.operator.solvencyRegistry.getFunction("publishLiabilitiesRoot")(123n), "EnforcedPause");
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(false);

    // One timelock batch restores the policy, unpauses both, relists the factory and revokes the guardian.
    const guardian = await who.guardian.getAddress();
    const c = deployment.contracts;
    const calls: Array<[string, string]> = [
      [c.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(original)])],
      [c.solvencyRegistry, as.governor.solvencyRegistry.interface.encodeFunctionData("unpause")],
      [c.treasuryVault, as.governor.treasuryVault.interface.encodeFunctionData("unpause")],
      [c.treasuryVault, as.governor.treasuryVault.interface.encodeFunctionData("allowFactory", [c.uniswapFactory, pairInitCodeHash()])],
      [c.riskPolicy, as.governor.riskPolicy.interface.encodeFunctionData("revokeRole", [await as.governor.riskPolicy.getFunction("RISK_GUARDIAN_ROLE")(), guardian])],
      [c.solvencyRegistry, as.governor.solvencyRegistry.interface.encodeFunctionData("revokeRole", [await as.governor.solvencyRegistry.getFunction("GUARDIAN_ROLE")(), guardian])],
      [c.treasuryVault, as.governor.treasuryVault.interface.encodeFunctionData("revokeRole", [await as.governor.treasuryVault.getFunction("GUARDIAN_ROLE")(), guardian])],
    ];
    const tl = as.governor.timelock;
    const salt = AbiCoder.defaultAbiCoder().encode(["uint256"], [4242n]);
    const zero = `0x${"00".repeat(32)}`;
    const delay = (await tl.getFunction("getMinDelay")()) as bigint;
    const batch = [calls.map(([t]) => t), calls.map(() => 0n), calls.map(([, d]) => d), zero, salt] as const;
    await (await tl.getFunction("scheduleBatch")(...batch, delay)).wait();
    await advanceTime(as.governor, Number(delay));
    await (await tl.getFunction("executeBatch")(...batch)).wait();
    expect(await as.governor.solvencyRegistry.getFunction("paused")()).toBe(false);
    expect(await as.governor.treasuryVault.getFunction("paused")()).toBe(false);
    expect(await as.governor.treasuryVault.getFunction("allowedFactory")(c.uniswapFactory)).toBe(true);
    expect((await readPolicy(as.governor.riskPolicy)).minCoverageBps).toBe(original.minCoverageBps);
    await expectRevert(as.guardian.solvencyRegistry.getFunction("pause")(), unauthorized);
    await fresh();
    const s1b = await proveS1();
    await publishAttestation(as.operator, s1b.signals, s1b.proof);
    expect(await as.governor.solvencyRegistry.getFunction("isCurrent")()).toBe(true);
  });
});
