// Pins the proven gate end to end with real Groth16 proofs (test instance): the whole path (timelock policy,
// snapshot, liabilities root, S1 attestation, S2 swap through a real Uniswap V2 pair that stores the new root
// and moves the vault's balances as the action says), and every refusal by its custom error: replay, a
// proof under the previous policy, old/unknown/expired snapshots, liabilities/policy/root/sequence mismatches,
// tampered proofs, non-canonical proofs (a coordinate + q), deadline, factory, pause (nothing moves),
// unauthorized callers. The attacks of issue 14 are in attacks.test.ts.
import { describe, it, expect, beforeAll } from "vitest";
import type { Contract } from "ethers";
import { BASE_FIELD_MODULUS } from "../../core/field.ts";
import { policyHash } from "../../core/hash.ts";
import type { Position } from "../../core/types.ts";
import { clonePolicy, policyCallArg, readPolicy, type OnchainPolicy } from "../../chain/policy.ts";
import {
  advanceTime,
  currentSequence,
  latestAttestation,
  publishAttestation,
  publishLiabilitiesRoot,
  rebalanceArgs,
  submitRebalance,
  takeSnapshot,
  type ActionArgs,
  type SnapshotInfo,
  type TransitionArgs,
} from "../../chain/gate.ts";
import {
  deployFixture,
  expectRevert,
  fieldsOf,
  liabilities,
  pricesOf,
  proveRebalance,
  proveSolvency,
  provingKeysBuilt,
  refreshFeeds,
  setPolicyThroughTimelock,
  throughTimelock,
  vaultPositions,
  type Fixture,
} from "./helpers.ts";

const E18 = 10n ** 18n;
const E6 = 10n ** 6n;

describe.skipIf(!provingKeysBuilt())("the proven gate: attestations and rebalances", () => {
  let f: Fixture;
  let factory: string;
  let policy: OnchainPolicy;
  let snapshot: SnapshotInfo;
  let positions: Position[];
  const liab = liabilities();

  const balances = async (): Promise<bigint[]> =>
    Promise.all(f.stack.tokens.map((t: Contract) => t.getFunction("balanceOf")(f.deployment.contracts.treasuryVault) as Promise<bigint>));
  const deadline = async (seconds = 600): Promise<bigint> => BigInt((await f.deployer.provider!.getBlock("latest"))!.timestamp + seconds);
  const rebalanceCall = (stack: Fixture["stack"], action: ActionArgs, transition: TransitionArgs, proof: bigint[], at: bigint, venue = factory, sequence?: bigint, vaultTotals: bigint[] = [0n, 0n]) =>
    (async () => stack.treasuryVault.getFunction("rebalance")(venue, action, transition, sequence ?? (await currentSequence(f.stack)), vaultTotals, proof, at))();
  const proveSwap = async (action: ActionArgs, slotIn: number, slotOut: number) =>
    proveRebalance({ oldPositions: positions, action, slotIn, slotOut, policy: fieldsOf(f, policy), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: await currentSequence(f.stack) });
  const proveS1 = async () =>
    proveSolvency({ positions, policy: fieldsOf(f, policy), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: await currentSequence(f.stack) });

  beforeAll(async () => {
    f = await deployFixture();
    factory = f.deployment.contracts.uniswapFactory;
  });

  it("runs the whole path: timelock policy, snapshot, liabilities, S1 attestation, proven swap on Uniswap", async () => {
    // Governance loosens the WETH cap through the timelock.
    policy = clonePolicy(await readPolicy(f.stack.riskPolicy));
    policy.assets[1]!.capBps = 6_000;
    await setPolicyThroughTimelock(f, policy);
    expect(await f.stack.riskPolicy.getFunction("policyHash")()).toBe(policyHash(fieldsOf(f, policy)));

    await refreshFeeds(f);
    snapshot = await takeSnapshot(f.stack);
    await publishLiabilitiesRoot(f.stack, liab.root);
    expect(await f.stack.solvencyRegistry.getFunction("liabilitiesRoot")()).toBe(liab.root);

    positions = vaultPositions(f);
    const s1 = await proveS1();
    expect(s1.signals[4]).toBe(0n);
    const attested = await publishAttestation(f.stack, s1.signals, s1.proof);
    const published = attested.logs.map((l) => f.stack.solvencyRegistry.interface.parseLog(l)).find((e) => e?.name === "AttestationPublished");
    expect(published?.args.attestation.positionsRoot).toBe(s1.signals[0]);
    const attestation = (await latestAttestation(f.stack))!;
    expect([attestation.positionsRoot, attestation.liabilitiesRoot, attestation.policyHash, attestation.pricesHash, attestation.sequence]).toEqual(s1.signals.slice(0, 5));
    expect(attestation.snapshotId).toBe(snapshot.id);
    expect(attestation.liabilitiesEpoch).toBe(1n);
    expect(await currentSequence(f.stack)).toBe(1n);
    expect(await f.stack.solvencyRegistry.getFunction("isCurrent")()).toBe(true);
    expect(await f.stack.solvencyRegistry.getFunction("positionsRoot")()).toBe(s1.signals[0]);

    // Sell 10 WETH for at least 29,700 USDC: 1% below the oracle price, within the policy's 3% maxSlippage.
    const swap = { assetIn: 1n, amountIn: 10n * E18, assetOut: 0n, minAmountOut: 29_700n * E6 };
    const s2 = await proveSwap(swap, 1, 0);
    const { action, transition, vaultTotals } = rebalanceArgs(s2.signals);
    expect(action).toEqual(swap);
    expect(transition.oldRoot).toBe(s1.signals[0]);
    const quoted = ((await f.stack.router.getFunction("getAmountsOut")(swap.amountIn, [f.deployment.assets[1]!.token, f.deployment.assets[0]!.token])) as bigint[])[1]!;
    const before = await balances();
    const { receipt, amountOut } = await submitRebalance(f.stack, { factory, action, transition, sequence: 1n, vaultTotals, proof: s2.proof, deadline: await deadline() });

    const after = await balances();
    expect(amountOut).toBe(quoted);
    expect(amountOut >= swap.minAmountOut).toBe(true);
    expect(after[1]).toBe(before[1]! - swap.amountIn);
    expect(after[0]).toBe(before[0]! + amountOut);
    expect(after[2]).toBe(before[2]);
    expect(after[3]).toBe(before[3]);
    expect(await f.stack.solvencyRegistry.getFunction("positionsRoot")()).toBe(transition.newRoot);
    const event = receipt.logs.map((l) => f.stack.treasuryVault.interface.parseLog(l)).find((e) => e?.name === "Rebalanced");
    expect(event?.args.toObject()).toMatchObject({
      sequence: 1n,
      pair: await f.stack.factory.getFunction("getPair")(f.deployment.assets[1]!.token, f.deployment.assets[0]!.token),
      amountOut,
    });
    const advanced = receipt.logs.map((l) => f.stack.solvencyRegistry.interface.parseLog(l)).find((e) => e?.name === "PositionsRootAdvanced");
    expect(advanced?.args.newRoot).toBe(transition.newRoot);

    expect(await f.stack.solvencyRegistry.getFunction("isCurrent")()).toBe(false);
    // The vault never grants an allowance: it pays the pair itself.
    for (const token of f.stack.tokens) {
      expect(await token.getFunction("allowance")(f.deployment.contracts.treasuryVault, f.deployment.contracts.uniswapRouter)).toBe(0n);
    }
    expect(receipt.logs.some((l) => f.stack.tokens[1]!.interface.parseLog(l)?.name === "Approval")).toBe(false);

    // Replaying the same proof: the sequence has moved on (and the old root is gone).
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, await deadline(), factory, 1n), "SequenceMismatch", { current: "2", claimed: "1" });
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, await deadline()), "OldRootMismatch", {
      current: transition.newRoot.toString(),
      claimed: transition.oldRoot.toString(),
    });
    positions = s2.newPositions;
  });

  it("refuses each mismatch, tampering (a coordinate + q too: NonCanonicalProof) and unauthorized call by its custom error; a paused vault moves nothing", async () => {
    // Sell 50,000 USDC for at least 49,500 DAI (1% below the oracle).
    const swap = { assetIn: 0n, amountIn: 50_000n * E6, assetOut: 3n, minAmountOut: 49_500n * E18 };
    let s2 = await proveSwap(swap, 0, 3);
    let { action, transition } = rebalanceArgs(s2.signals);
    const at = await deadline();
    const before = await balances();

    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, BigInt((await f.deployer.provider!.getBlock("latest"))!.timestamp)), "DeadlinePassed");
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, at, f.deployment.contracts.uniswapRouter), "FactoryNotAllowed", { factory: f.deployment.contracts.uniswapRouter });
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, at, factory, 7n), "SequenceMismatch", { claimed: "7" });
    await expectRevert(rebalanceCall(f.outsiderStack, action, transition, s2.proof, at), "AccessControlUnauthorizedAccount");
    await expectRevert(rebalanceCall(f.stack, { ...action, assetOut: action.assetIn }, transition, s2.proof, at), "SameAsset");
    await expectRevert(rebalanceCall(f.stack, { ...action, assetIn: 9n }, transition, s2.proof, at), "UnknownAsset", { asset: "9" });
    await expectRevert(rebalanceCall(f.stack, action, { ...transition, oldRoot: transition.oldRoot + 1n }, s2.proof, at), "OldRootMismatch");
    await expectRevert(rebalanceCall(f.stack, action, { ...transition, liabilitiesRoot: 1n }, s2.proof, at), "LiabilitiesMismatch");
    await expectRevert(rebalanceCall(f.stack, action, { ...transition, policyHash: 1n }, s2.proof, at), "PolicyMismatch");
    await expectRevert(rebalanceCall(f.stack, action, { ...transition, pricesHash: 12345n }, s2.proof, at), "UnknownSnapshot", { pricesHash: "12345" });
    await expectRevert(rebalanceCall(f.stack, action, { ...transition, newRoot: transition.newRoot + 1n }, s2.proof, at), "InvalidProof");
    await expectRevert(rebalanceCall(f.stack, { ...action, minAmountOut: action.minAmountOut + 1n }, transition, s2.proof, at), "InvalidProof");
    const tampered = [...s2.proof];
    tampered[6] = tampered[6]! + 1n;
    await expectRevert(rebalanceCall(f.stack, action, transition, tampered, at), "InvalidProof");
    // The same proof with q added to a coordinate (a second encoding of the same point): refused as such.
    const shifted = [...s2.proof];
    shifted[6] = shifted[6]! + BASE_FIELD_MODULUS;
    await expectRevert(rebalanceCall(f.stack, action, transition, shifted, at), "NonCanonicalProof", { index: "6", value: shifted[6]!.toString() });

    // A new liabilities epoch invalidates the proof; publishing the old root again as the next epoch makes it valid again.
    await publishLiabilitiesRoot(f.stack, liab.root + 1n);
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, at), "LiabilitiesMismatch", { current: (liab.root + 1n).toString() });
    await publishLiabilitiesRoot(f.stack, liab.root);

    // Paused: refused, nothing moves.
    await (await f.guardianStack.treasuryVault.getFunction("pause")()).wait();
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, at), "EnforcedPause");
    expect(await balances()).toEqual(before);
    // Unpausing takes the timelock's delay, by which time the snapshot is too old to act on.
    await throughTimelock(f, f.deployment.contracts.treasuryVault, f.stack.treasuryVault.interface.encodeFunctionData("unpause"));
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, await deadline()), "SnapshotExpired");
    // A newer snapshot: the proof's snapshot is now an old one.
    await refreshFeeds(f);
    const stale = snapshot;
    snapshot = await takeSnapshot(f.stack);
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, await deadline()), "OldSnapshot", {
      id: stale.id.toString(),
      latestId: snapshot.id.toString(),
    });
    expect(await balances()).toEqual(before);

    // Proven again on the latest snapshot, it goes through.
    s2 = await proveSwap(swap, 0, 3);
    ({ action, transition } = rebalanceArgs(s2.signals));
    const { amountOut } = await submitRebalance(f.stack, { factory, action, transition, sequence: await currentSequence(f.stack), vaultTotals: rebalanceArgs(s2.signals).vaultTotals, proof: s2.proof, deadline: await deadline() });
    const after = await balances();
    expect(after[0]).toBe(before[0]! - swap.amountIn);
    expect(after[3]).toBe(before[3]! + amountOut);
    expect(amountOut >= swap.minAmountOut).toBe(true);
    positions = s2.newPositions;
  });

  it("refuses proofs made under the previous policy once the policy changes", async () => {
    // 0.1 WBTC ($6,000) for at least $5,940 (1% below the oracle).
    const swap = { assetIn: 2n, amountIn: 1n * 10n ** 7n, assetOut: 0n, minAmountOut: 5_940n * E6 };
    const s2 = await proveSwap(swap, 2, 0);
    const s1 = await proveS1();
    const { action, transition } = rebalanceArgs(s2.signals);

    // The guardian lowers the WBTC cap (a tightening, applied at once).
    const tighter = clonePolicy(policy);
    tighter.assets[2]!.capBps = policy.assets[2]!.capBps - 500;
    await (await f.guardianStack.riskPolicy.getFunction("tighten")(policyCallArg(tighter))).wait();
    const current = (await f.stack.riskPolicy.getFunction("policyHash")()) as bigint;
    await expectRevert(rebalanceCall(f.stack, action, transition, s2.proof, await deadline()), "PolicyMismatch", {
      current: current.toString(),
      claimed: transition.policyHash.toString(),
    });
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishAttestation")(s1.signals, s1.proof), "PolicyMismatch");

    // Proven under the new policy on a snapshot taken under it, both pass.
    policy = tighter;
    await expectRevert(proveS1().then((p) => f.stack.solvencyRegistry.getFunction("publishAttestation")(p.signals, p.proof)), "SnapshotPolicyOutdated");
    snapshot = await takeSnapshot(f.stack);
    const s1b = await proveS1();
    await publishAttestation(f.stack, s1b.signals, s1b.proof);
    expect((await latestAttestation(f.stack))!.sequence).toBe(s1b.signals[4]);
    const s2b = await proveSwap(swap, 2, 0);
    const next = rebalanceArgs(s2b.signals);
    await submitRebalance(f.stack, { factory, action: next.action, transition: next.transition, sequence: next.sequence, vaultTotals: next.vaultTotals, proof: s2b.proof, deadline: await deadline() });
    positions = s2b.newPositions;
  });

  it("refuses attestations on an old or unknown snapshot, for other liabilities, or with a bad or non-canonical proof (a coordinate + q)", async () => {
    const s1 = await proveS1();
    const publish = (signals: bigint[], proof = s1.proof) => f.stack.solvencyRegistry.getFunction("publishAttestation")(signals, proof);
    const [root, liabilitiesRoot, policyHashSignal, pricesHashSignal, sequence, ...totals] = s1.signals as [bigint, bigint, bigint, bigint, bigint, ...bigint[]];

    await expectRevert(publish([root, liabilitiesRoot + 1n, policyHashSignal, pricesHashSignal, sequence, ...totals]), "LiabilitiesMismatch");
    await expectRevert(publish([root, liabilitiesRoot, policyHashSignal, 777n, sequence, ...totals]), "UnknownSnapshot");
    await expectRevert(publish([root, liabilitiesRoot, policyHashSignal, pricesHashSignal, sequence + 1n, ...totals]), "SequenceMismatch");
    await expectRevert(publish([root + 1n, liabilitiesRoot, policyHashSignal, pricesHashSignal, sequence, ...totals]), "InvalidProof");
    // A vault total changed: the proof no longer verifies; a signal dropped: the wrong count, by name.
    await expectRevert(publish([root, liabilitiesRoot, policyHashSignal, pricesHashSignal, sequence, totals[0]! - 1n, totals[1]!]), "InvalidProof");
    await expectRevert(publish([root, liabilitiesRoot, policyHashSignal, pricesHashSignal, sequence, totals[0]!]), "SignalCountMismatch", { expected: "7", actual: "6" });
    const bent = [...s1.proof];
    bent[0] = bent[0]! + 1n;
    await expectRevert(publish(s1.signals, bent), "InvalidProof");
    // A real proof with the base field modulus q added to a coordinate: the pairing would see the same point
    // (or fail); the registry refuses it first, by name.
    for (const index of [0, 3]) {
      const shifted = [...s1.proof];
      shifted[index] = shifted[index]! + BASE_FIELD_MODULUS;
      await expectRevert(publish(s1.signals, shifted), "NonCanonicalProof", { index: String(index) });
    }

    await advanceTime(f.stack, 5);
    await refreshFeeds(f);
    const newer = await takeSnapshot(f.stack);
    await expectRevert(publish(s1.signals), "OldSnapshot", { latestId: newer.id.toString() });
    expect(await currentSequence(f.stack)).toBe(sequence);
  });
});
