/**
 * Small, deterministic test data for the S1/S2/S4 circuit tests: a treasury of the `test` instance size
 * (N=8 slots, A=4 assets, K=2 scenarios) that satisfies its policy with room to spare, a rebalance and a payout of it,
 * and an exact evaluation of the policy rules (docs/ARCHITECTURE.md "Policy rules") so each soundness test
 * can show, in TypeScript, that its input breaks exactly the bound it targets and nothing else.
 * Salts are derived deterministically (test data only; real salts come from a CSPRNG).
 * `expectRejectedAt` pins WHICH check of the circuit refused an input (the template and source line of the
 * failing assert), so a soundness test cannot pass because of an unrelated failure (say a hash mismatch).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, vi } from "vitest";
import { liabilityLeaf, listHash, sumNode, userIdHash, type SumNode } from "../../core/hash.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import type { CircuitTester } from "../helpers/circuit-tester.ts";
import type { InstanceSize, LiabilitiesOpening, PayoutAction, PolicyFields, Position, PriceFields, RebalanceAction } from "../../core/types.ts";
import { applyAction, applyPayout, type PayoutWitnessArgs, type RebalanceWitnessArgs, type SolvencyWitnessArgs } from "../../prover/witness.ts";

export const TEST_SIZE: InstanceSize = { N: 8, A: 4, K: 2, C: 1 };
export const STANDARD_SIZE: InstanceSize = { N: 32, A: 8, K: 4, C: 2 };
export const BPS = 10_000n;

/** Asset indexes of the test treasury. */
export const USDC = 0n;
export const WETH = 1n;
export const WBTC = 2n;
export const GOV = 3n;

/** `unitPrice = answer * 10^(28 - decimals)` for an 8-decimal feed answer (DESIGN section 2). */
export function unitPriceOf(answer: bigint, decimals: number): bigint {
  return answer * 10n ** BigInt(28 - decimals);
}

/** A deterministic field element standing in for a random salt. */
export function fixtureSalt(tag: string, index: number): bigint {
  return listHash([BigInt(tag.length), ...[...tag].map((c) => BigInt(c.codePointAt(0)!)), BigInt(index)]);
}

/** 10^d as a bigint. */
const e = (d: number) => 10n ** BigInt(d);

/** A test treasury: everything S1 is proven over. */
export type Treasury = SolvencyWitnessArgs;

/** Builds a liabilities sum tree over `balances` (padded with zero leaves) and opens its root's children. */
export function liabilitiesOf(balances: readonly bigint[], tag = "liab"): LiabilitiesOpening {
  let size = 2;
  while (size < balances.length) size *= 2;
  let level: SumNode[] = [];
  for (let i = 0; i < size; i++) {
    const balance = balances[i] ?? 0n;
    level.push({ hash: liabilityLeaf(userIdHash(`${tag}-user-${i}`), balance, fixtureSalt(tag, i)), sum: balance });
  }
  while (level.length > 2) {
    const next: SumNode[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sumNode(level[i]!, level[i + 1]!));
    level = next;
  }
  return { leftHash: level[0]!.hash, leftSum: level[0]!.sum, rightHash: level[1]!.hash, rightSum: level[1]!.sum };
}

/**
 * The test treasury, $9M in four assets against $5M of USDC liabilities:
 *   USDC 4.0M (44.4%, cap 60%), WETH 1.8M (20%, cap 30%), WBTC 1.2M (13.3%, cap 25%), GOV 2.0M (22.2%, cap 30%).
 * Coverage 14,580 bps (min 12,000), liquidity 11,600 bps (min 5,000); both scenarios hold.
 */
export function testTreasury(): Treasury {
  const slot = (assetIndex: bigint, amount: bigint, i: number): Position => ({ assetIndex, amount, salt: fixtureSalt("pos", i) });
  const positions: Position[] = [
    slot(USDC, 3_000_000n * e(6), 0),
    slot(WETH, 500n * e(18), 1),
    slot(USDC, 1_000_000n * e(6), 2),
    slot(WBTC, 20n * e(8), 3),
    slot(GOV, 1_000_000n * e(18), 4),
    slot(WETH, 100n * e(18), 5),
    slot(USDC, 0n, 6), // padding
    slot(USDC, 0n, 7), // padding
  ];
  const policy: PolicyFields = {
    chainId: 31337n,
    vault: 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
    liabilityAsset: USDC,
    minCoverageBps: 12_000n,
    minLiquidityBps: 5_000n,
    maxSlippageBps: 100n,
    maxAttestationAge: 86_400n,
    tokensDigest: 0x70cen, // stands for the digest of the policy's token addresses
    rulesDigest: 0x2a5e5n, // stands for the digest of the rules the circuits do not evaluate
    capBps: [6_000n, 3_000n, 2_500n, 3_000n],
    haircutBps: [0n, 1_500n, 2_000n, 6_000n],
    liquid: [1n, 1n, 0n, 0n],
    attestorKeys: [[0n, 0n]], // no attestor: every position is held by the vault
    shockBps: [
      [0n, 5_000n, 4_000n, 8_000n], // crypto crash
      [1_000n, 2_000n, 2_000n, 5_000n], // stablecoin depeg
    ],
  };
  const prices: PriceFields = {
    timestamp: 1_767_225_600n,
    unitPrices: [unitPriceOf(1n * e(8), 6), unitPriceOf(3_000n * e(8), 18), unitPriceOf(60_000n * e(8), 8), unitPriceOf(2n * e(8), 18)],
  };
  const liabilities = liabilitiesOf([2_000_000n * e(6), 1_500_000n * e(6), 1_000_000n * e(6), 500_000n * e(6)]);
  return { size: TEST_SIZE, positions, policy, prices, liabilities, sequence: 7n };
}

/** A copy of `t` with some policy fields replaced. */
export function withPolicy(t: Treasury, patch: Partial<PolicyFields>): Treasury {
  return { ...t, policy: { ...t.policy, ...patch } };
}

/** A copy of `t` with some price fields replaced. */
export function withPrices(t: Treasury, patch: Partial<PriceFields>): Treasury {
  return { ...t, prices: { ...t.prices, ...patch } };
}

/** A copy of `t` with position `slot` replaced by `patch` over it. */
export function withPosition(t: Treasury, slot: number, patch: Partial<Position>): Treasury {
  return { ...t, positions: t.positions.map((p, i) => (i === slot ? { ...p, ...patch } : p)) };
}

/** `list` with entry `index` replaced. */
export function replaced<T>(list: readonly T[], index: number, value: T): T[] {
  return list.map((v, i) => (i === index ? value : v));
}

/** The exact quantities of the policy rules, and the bounds that fail. */
export interface Evaluation {
  assetValue: bigint[];
  total: bigint;
  liabValue: bigint;
  coverage: bigint; // sum assetValue * (10^4 - haircut)
  liquidity: bigint; // sum liquid * assetValue * 10^4
  shocked: bigint[]; // per scenario: sum assetValue * (10^4 - shock)
  shockedLiab: bigint[]; // per scenario: liabValue * (10^4 - shock[L])
  /** Names of the failing bounds: `cap[a]`, `coverage`, `liquidity`, `scenario[s]`. */
  failures: string[];
}

/** Evaluates the policy rules exactly as the circuit does (no range checks: those are tested separately). */
export function evaluate(positions: readonly Position[], policy: PolicyFields, prices: PriceFields, liabilities: LiabilitiesOpening): Evaluation {
  const A = policy.capBps.length;
  const assetValue = Array.from({ length: A }, () => 0n);
  for (const p of positions) assetValue[Number(p.assetIndex)]! += p.amount * prices.unitPrices[Number(p.assetIndex)]!;
  const total = assetValue.reduce((x, y) => x + y, 0n);
  const L = Number(policy.liabilityAsset);
  const liabValue = (liabilities.leftSum + liabilities.rightSum) * prices.unitPrices[L]!;
  const failures: string[] = [];
  assetValue.forEach((v, a) => {
    if (v * BPS > policy.capBps[a]! * total) failures.push(`cap[${a}]`);
  });
  const coverage = assetValue.reduce((acc, v, a) => acc + v * (BPS - policy.haircutBps[a]!), 0n);
  if (liabValue * policy.minCoverageBps > coverage) failures.push("coverage");
  const liquidity = assetValue.reduce((acc, v, a) => acc + policy.liquid[a]! * v, 0n) * BPS;
  if (liabValue * policy.minLiquidityBps > liquidity) failures.push("liquidity");
  const shocked = policy.shockBps.map((row) => assetValue.reduce((acc, v, a) => acc + v * (BPS - row[a]!), 0n));
  const shockedLiab = policy.shockBps.map((row) => liabValue * (BPS - row[L]!));
  shocked.forEach((v, s) => {
    if (shockedLiab[s]! > v) failures.push(`scenario[${s}]`);
  });
  return { assetValue, total, liabValue, coverage, liquidity, shocked, shockedLiab, failures };
}

/** `evaluate` over a treasury. */
export function evaluateTreasury(t: Treasury): Evaluation {
  return evaluate(t.positions, t.policy, t.prices, t.liabilities);
}

/** Integer ceiling division. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Fresh salts for the two touched slots of a rebalance. */
export const REBALANCE_SALTS = { saltIn: fixtureSalt("rebalance-in", 0), saltOut: fixtureSalt("rebalance-out", 0) };

/** A rebalance of `t`: the old and new slots, the action and its slots (new slots via `applyAction`). */
export function rebalanceOf(t: Treasury, action: RebalanceAction, slotIn: number, slotOut: number): RebalanceWitnessArgs {
  return {
    size: t.size,
    oldPositions: t.positions,
    newPositions: applyAction(t.positions, action, slotIn, slotOut, REBALANCE_SALTS),
    action,
    slotIn,
    slotOut,
    sequence: t.sequence,
    policy: t.policy,
    prices: t.prices,
    liabilities: t.liabilities,
  };
}

/** A fresh salt for the paying slot of a payout. */
export const PAYOUT_SALT = fixtureSalt("payout", 0);

/** A payout from `t`: the old and new slots, the payout and its slot (new slots via `applyPayout`). */
export function payoutOf(t: Treasury, payout: PayoutAction, slot: number): PayoutWitnessArgs {
  return {
    size: t.size,
    oldPositions: t.positions,
    newPositions: applyPayout(t.positions, payout, slot, PAYOUT_SALT),
    payout,
    slot,
    sequence: t.sequence,
    policy: t.policy,
    prices: t.prices,
    liabilities: t.liabilities,
  };
}

/** The reference swap: sell 200 WETH (slot 1, $600k) for at least 600,000 USDC into slot 2 (USDC). */
export const SWAP_WETH_FOR_USDC: RebalanceAction = { assetIn: WETH, amountIn: 200n * e(18), assetOut: USDC, minAmountOut: 600_000n * e(6) };

/** A swap into an empty slot, which changes asset: sell 300,000 USDC (slot 0) for 5 WBTC into padding slot 6. */
export const SWAP_USDC_FOR_WBTC_INTO_EMPTY: RebalanceAction = { assetIn: USDC, amountIn: 300_000n * e(6), assetOut: WBTC, minAmountOut: 5n * e(8) };

/** A swap whose new state breaks only GOV's cap: buy $1M of GOV (to 33% against a 30% cap) with USDC. */
export const SWAP_USDC_FOR_GOV_OVER_CAP: RebalanceAction = { assetIn: USDC, amountIn: 1_000_000n * e(6), assetOut: GOV, minAmountOut: 500_000n * e(18) };

/** `positions` with some slots patched: a hand-made new state, for transitions `applyAction` refuses. */
export function patchedSlots(positions: readonly Position[], patches: Record<number, Partial<Position>>): Position[] {
  return positions.map((p, i) => ({ ...p, ...(patches[i] ?? {}) }));
}

/** Token amount helper for tests: `units * 10^decimals`. */
export function tokens(units: bigint, decimals: number): bigint {
  return units * e(decimals);
}

/** A check in the circuit sources: the template it sits in, and a unique piece of the line that runs it. */
export interface Site {
  template: string;
  file: string;
  text: string;
}

/** Sites of the checks the soundness tests aim at. */
export const SITES = {
  signature: { template: "AttestedCustody", file: "circuits/lib/custody.circom", text: "verifier[c].M <== message[c];" },
  attestedAmount: { template: "AttestedCustody", file: "circuits/lib/custody.circom", text: "RangeCheck(96)(limit[c][a] - attestedTotal[c][a]);" },
  attestationAge: { template: "AttestedCustody", file: "circuits/lib/custody.circom", text: "RangeCheck(64)(lag[c]);" },
  attestationLead: { template: "AttestedCustody", file: "circuits/lib/custody.circom", text: "RangeCheck(64)(lead[c]);" },
  custodyIndex: { template: "CustodyTotals", file: "circuits/lib/custody.circom", text: "custodySel[i] <== OneHot(C + 1)(custody[i]);" },
  cap: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "capCheck[a].rhs <== capLimit[a];" },
  coverage: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "coverageCheck.rhs <== coverage;" },
  liquidity: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "liquidityCheck.rhs <== liquidity * BPS();" },
  scenario: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "scenarioCheck[s].rhs <== shocked;" },
  capRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "AssertLessEqConst(14, BPS())(capBps[a]);" },
  haircutRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "AssertLessEqConst(14, BPS())(haircutBps[a]);" },
  shockRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "AssertLessEqConst(14, BPS())(shockBps[s][a]);" },
  liquidBit: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "AssertBit()(liquid[a]);" },
  minCoverageRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "RangeCheck(16)(minCoverageBps);" },
  minLiquidityRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "RangeCheck(16)(minLiquidityBps);" },
  liabilityAsset: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "signal liabSel[A] <== OneHot(A)(liabilityAsset);" },
  amountRange: { template: "AssetAggregation", file: "circuits/lib/policy.circom", text: "RangeCheck(96)(amount[i]);" },
  assetIndex: { template: "AssetAggregation", file: "circuits/lib/policy.circom", text: "assetSel[i] <== OneHot(A)(assetIndex[i]);" },
  priceRange: { template: "PriceRanges", file: "circuits/lib/policy.circom", text: "RangeCheck(128)(unitPrice[a]);" },
  priceNonZero: { template: "PriceRanges", file: "circuits/lib/policy.circom", text: "AssertNonZero()(unitPrice[a]);" },
  timestampRange: { template: "PriceRanges", file: "circuits/lib/policy.circom", text: "RangeCheck(64)(timestamp);" },
  liabLeftSumRange: { template: "LiabilitiesTotal", file: "circuits/lib/policy.circom", text: "RangeCheck(96)(leftSum);" },
  liabRightSumRange: { template: "LiabilitiesTotal", file: "circuits/lib/policy.circom", text: "RangeCheck(96)(rightSum);" },
  liabTotalRange: { template: "LiabilitiesTotal", file: "circuits/lib/policy.circom", text: "RangeCheck(96)(total);" },
  liabRoot: { template: "LiabilitiesTotal", file: "circuits/lib/policy.circom", text: "root === computedRoot;" },
  policyHash: { template: "TreasuryState", file: "circuits/lib/treasury.circom", text: "policyHash === computedPolicyHash;" },
  pricesHash: { template: "TreasuryState", file: "circuits/lib/treasury.circom", text: "pricesHash === computedPricesHash;" },
  positionsRoot: { template: "Solvency", file: "circuits/solvency.circom", text: "positionsRoot === state.root;" },
  // S2 transition checks.
  oldRoot: { template: "Rebalance", file: "circuits/rebalance.circom", text: "oldRoot === computedOldRoot;" },
  newRoot: { template: "Rebalance", file: "circuits/rebalance.circom", text: "newRoot === state.root;" },
  amountInNonZero: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "AssertNonZero()(amount);" },
  minAmountOutRange: { template: "Rebalance", file: "circuits/rebalance.circom", text: "RangeCheck(96)(minAmountOut);" },
  assetsDiffer: { template: "Rebalance", file: "circuits/rebalance.circom", text: "AssertNonZero()(assetIn - assetOut);" },
  slotInRange: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "sel <== OneHot(N)(slot);" },
  slotsDiffer: { template: "Rebalance", file: "circuits/rebalance.circom", text: "AssertNonZero()(slotIn - slotOut);" },
  otherLeaf: { template: "UntouchedLeaves", file: "circuits/lib/transition.circom", text: "(oldLeaf[i] - newLeaf[i]) * (1 - touched[i]) === 0;" },
  oldLeafIn: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "oldSlotLeaf === computedOldSlotLeaf;" },
  newAssetIn: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "newSlotAsset === asset;" },
  newCustodyIn: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "newSlotCustody === 0;" },
  newAmountIn: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "newSlotAmount === oldAmount - amount;" },
  amountInRange: { template: "VaultDebit", file: "circuits/lib/transition.circom", text: "RangeCheck(96)(amount);" },
  oldLeafOut: { template: "Rebalance", file: "circuits/rebalance.circom", text: "oldLeafOut === computedOldLeafOut;" },
  slotOutAsset: { template: "Rebalance", file: "circuits/rebalance.circom", text: "(oldAssetOut - assetOut) * oldAmountOut === 0;" },
  newAssetOut: { template: "Rebalance", file: "circuits/rebalance.circom", text: "newAssetOut === assetOut;" },
  newAmountOut: { template: "Rebalance", file: "circuits/rebalance.circom", text: "newAmountOut === oldAmountOut + minAmountOut;" },
  fairPrice: { template: "Rebalance", file: "circuits/rebalance.circom", text: "fairPrice.rhs <== valueOut * BPS();" },
  // S4 payout checks (the debit's are VaultDebit's, above).
  payoutOldRoot: { template: "Payout", file: "circuits/payout.circom", text: "oldRoot === computedOldRoot;" },
  payoutNewRoot: { template: "Payout", file: "circuits/payout.circom", text: "newRoot === state.root;" },
  recipientRange: { template: "Payout", file: "circuits/payout.circom", text: "RangeCheck(160)(recipient);" },
  maxSlippageRange: { template: "PolicyChecks", file: "circuits/lib/policy.circom", text: "AssertLessEqConst(14, BPS())(maxSlippageBps);" },
} as const satisfies Record<string, Site>;

/** 1-based line of `site.text` in `site.file`; the text must occur exactly once. */
export function siteLine(site: Site): number {
  const lines = readFileSync(path.join(PROJECT_ROOT, site.file), "utf8").split("\n");
  const hits = lines.flatMap((line, i) => (line.includes(site.text) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${site.file}: ${JSON.stringify(site.text)} occurs ${hits.length} times (expected once)`);
  return hits[0]!;
}

/** The frames (template, line) of the LAST failure in a witness-calculator error (its buffer accumulates). */
export function lastFailureFrames(message: string, mainTemplate: string): Array<{ template: string; line: number }> {
  const frames = [...message.matchAll(/Error in template (\w+?)_\d+ line: (\d+)/g)].map((m) => ({ template: m[1]!, line: Number(m[2]) }));
  // Each failure's stack ends with the main template's frame; keep the frames after the previous failure.
  const ends = frames.flatMap((f, i) => (f.template === mainTemplate ? [i] : []));
  const start = ends.length >= 2 ? ends[ends.length - 2]! + 1 : 0;
  return frames.slice(start);
}

/**
 * Asserts the circuit refuses `input` (no witness exists) and that the failing assert is the one at `site`.
 * `mainTemplate` is the instance's template (`Solvency`, `Rebalance`).
 */
export async function expectRejectedAt(tester: CircuitTester, input: object, site: Site, mainTemplate: string): Promise<void> {
  const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
  let message: string | undefined;
  try {
    await tester.witness(input as Record<string, unknown>);
  } catch (e) {
    message = (e as Error).message;
  } finally {
    quiet.mockRestore();
  }
  expect(message, "the circuit accepted an input it must refuse").toBeDefined();
  const frames = lastFailureFrames(message!, mainTemplate);
  expect(frames, `refused, but not by ${site.template} at ${site.file}: ${site.text}`).toContainEqual({ template: site.template, line: siteLine(site) });
}
