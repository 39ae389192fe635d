/**
 * The policy rules of docs/ARCHITECTURE.md ("Policy rules"), in exact integers, exactly as the circuits
 * enforce them. Each rule is written `have >= need` in units of value x bps (USD x 10^36 x 10^4) so that a
 * failing rule's shortfall is `need - have` and the effect of a trade is linear in the values moved.
 * Browser-safe; used by the evaluator (prover/evaluate.ts), the fix finder and the keeper.
 */
import { BPS } from "../core/field.ts";
import type { PolicyFields } from "../core/hash.ts";

/** Which rule. */
export type RuleKind = "cap" | "coverage" | "liquidity" | "scenario";

/** One rule evaluated on one state. */
export interface RuleCheck {
  /** `cap:<assetIndex>`, `coverage`, `liquidity`, `scenario:<scenarioIndex>`. */
  id: string;
  kind: RuleKind;
  /** The capped asset (cap rules). */
  asset?: number;
  /** The scenario (scenario rules). */
  scenario?: number;
  /** Left side, value x bps. */
  have: bigint;
  /** Right side, value x bps. */
  need: bigint;
  ok: boolean;
}

/** A minimal position: asset index and amount (base units). */
export interface AssetAmount {
  assetIndex: bigint | number;
  amount: bigint;
}

/** Sum of amounts per asset. Asset indexes must be below `assetCount`. */
export function amountsByAsset(positions: readonly AssetAmount[], assetCount: number): bigint[] {
  const amounts = new Array<bigint>(assetCount).fill(0n);
  for (const [slot, p] of positions.entries()) {
    const a = Number(p.assetIndex);
    if (!(a >= 0 && a < assetCount)) throw new RangeError(`positions[${slot}]: asset index ${p.assetIndex} is not below ${assetCount}`);
    amounts[a] = amounts[a]! + p.amount;
  }
  return amounts;
}

/** `assetValue[a] = amount[a] * unitPrice[a]` (USD x 10^36); equals the circuit's sum of per-position values. */
export function valuesByAsset(amounts: readonly bigint[], unitPrices: readonly bigint[]): bigint[] {
  return amounts.map((amount, a) => amount * unitPrices[a]!);
}

/** The liabilities' value: `liabilitiesTotal * unitPrice[liabilityAsset]`. */
export function liabilitiesValue(policy: PolicyFields, unitPrices: readonly bigint[], liabilitiesTotal: bigint): bigint {
  return liabilitiesTotal * unitPrices[Number(policy.liabilityAsset)]!;
}

/**
 * Evaluates every rule on per-asset values, in the order caps (asset order), coverage, liquidity,
 * scenarios (scenario order).
 */
export function evaluateRules(values: readonly bigint[], policy: PolicyFields, liabilityValue: bigint): RuleCheck[] {
  const total = values.reduce((s, v) => s + v, 0n);
  const checks: RuleCheck[] = [];
  values.forEach((value, a) => {
    const have = policy.capBps[a]! * total;
    const need = value * BPS;
    checks.push({ id: `cap:${a}`, kind: "cap", asset: a, have, need, ok: have >= need });
  });
  const coverageHave = values.reduce((s, v, a) => s + v * (BPS - policy.haircutBps[a]!), 0n);
  const coverageNeed = liabilityValue * policy.minCoverageBps;
  checks.push({ id: "coverage", kind: "coverage", have: coverageHave, need: coverageNeed, ok: coverageHave >= coverageNeed });
  const liquidHave = values.reduce((s, v, a) => s + policy.liquid[a]! * v * BPS, 0n);
  const liquidNeed = liabilityValue * policy.minLiquidityBps;
  checks.push({ id: "liquidity", kind: "liquidity", have: liquidHave, need: liquidNeed, ok: liquidHave >= liquidNeed });
  const L = Number(policy.liabilityAsset);
  policy.shockBps.forEach((shocks, s) => {
    const have = values.reduce((sum, v, a) => sum + v * (BPS - shocks[a]!), 0n);
    const need = liabilityValue * (BPS - shocks[L]!);
    checks.push({ id: `scenario:${s}`, kind: "scenario", scenario: s, have, need, ok: have >= need });
  });
  return checks;
}

/**
 * How `have - need` of a rule changes per unit of value added to asset `x` (value x bps per value): the
 * rules are linear in the asset values, which makes minimal fixing trades exact to compute.
 */
export function ruleGain(check: RuleCheck, x: number, policy: PolicyFields): bigint {
  switch (check.kind) {
    case "cap":
      return policy.capBps[check.asset!]! - (x === check.asset ? BPS : 0n);
    case "coverage":
      return BPS - policy.haircutBps[x]!;
    case "liquidity":
      return policy.liquid[x]! * BPS;
    case "scenario":
      return BPS - policy.shockBps[check.scenario!]![x]!;
  }
}

/** The verdict under the exact rules: whether all hold, and the ids of those that do not. */
export interface ExactVerdict {
  ok: boolean;
  failed: string[];
}

/** The circuit's verdict on a set of positions (the keeper's `ExactCheck`). */
export function exactCheck(positions: readonly AssetAmount[], unitPrices: readonly bigint[], policy: PolicyFields, liabilitiesTotal: bigint): ExactVerdict {
  const values = valuesByAsset(amountsByAsset(positions, unitPrices.length), unitPrices);
  const failed = evaluateRules(values, policy, liabilitiesValue(policy, unitPrices, liabilitiesTotal))
    .filter((c) => !c.ok)
    .map((c) => c.id);
  return { ok: failed.length === 0, failed };
}

/**
 * The smallest `minAmountOut` S2 accepts for selling `amountIn` of an asset priced `priceIn` for one priced
 * `priceOut` (unit prices of the proof's snapshot) under `maxSlippageBps`: the least integer m with
 * `m * priceOut * 10^4 >= amountIn * priceIn * (10^4 - maxSlippageBps)` (circuits/rebalance.circom).
 */
export function fairMinAmountOut(amountIn: bigint, priceIn: bigint, priceOut: bigint, maxSlippageBps: bigint): bigint {
  if (priceOut <= 0n) throw new RangeError("fairMinAmountOut: priceOut must be positive");
  const floor = amountIn * priceIn * (BPS - maxSlippageBps);
  const unit = priceOut * BPS;
  return (floor + unit - 1n) / unit;
}
