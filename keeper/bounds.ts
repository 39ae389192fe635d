/**
 * The policy's bounds as the keeper sees them: every rule of docs/ARCHITECTURE.md ("Policy rules") in the
 * form `have >= need`, optionally tightened by a safety margin, so the planner can ask "how far from
 * breaking is each bound" rather than just "does it hold". The rule math is the prover's (prover/rules.ts,
 * the circuit's rules); this module only shifts each rule by its margin, which is exact because every rule
 * is linear in the asset values.
 *
 * Margins are in basis points and tighten each bound in its own unit:
 *  - cap a:      share of total value <= capBps[a] - margin
 *  - coverage:   haircut-adjusted assets >= liabilities * (minCoverageBps + margin) / 10^4
 *  - liquidity:  liquid assets >= liabilities * (minLiquidityBps + margin) / 10^4
 *  - scenario s: shocked assets >= shocked liabilities + liabilities * margin / 10^4
 */
import { BPS } from "../prover/field.ts";
import type { PolicyFields } from "../prover/hash.ts";
import { amountsByAsset, evaluateRules, exactCheck as proverExactCheck, liabilitiesValue, ruleGain, valuesByAsset, type RuleCheck } from "../prover/rules.ts";
import type { Position } from "../prover/types.ts";

/** Which rule a bound is. */
export type BoundKind = RuleCheck["kind"];

/** One bound evaluated on one state: it holds when `have >= need`. */
export interface BoundStatus {
  /** The rule's id (prover/rules.ts): `cap:<asset>`, `coverage`, `liquidity`, `scenario:<s>`. */
  id: string;
  kind: BoundKind;
  /** The capped asset (cap bounds). */
  asset?: number;
  /** The scenario index (scenario bounds). */
  scenario?: number;
  /** Left side in value x bps units (USD x 10^36 x 10^4), margin included. */
  have: bigint;
  /** Right side, same units, margin included. */
  need: bigint;
  /** What the slack is measured against: total value for caps, liabilities value otherwise. */
  scale: bigint;
  /** The measured quantity in bps (floored): the asset's share, the coverage or liquidity ratio, shocked assets over shocked liabilities. */
  measuredBps: bigint;
  /** The limit it is compared with in bps, margin included: `capBps - margin`, `minCoverageBps + margin`, ... */
  limitBps: bigint;
  /** `have >= need`. */
  ok: boolean;
  /** `(have - need) / scale` in units of 10^-4 bps (negative when broken): comparable across bounds. */
  slackE8: bigint;
  /** The margin this status was evaluated with (bps). */
  marginBps: bigint;
}

/** Sum of each asset's amounts over the position slots. */
export function aggregateAmounts(positions: readonly Position[], assetCount: number): bigint[] {
  return amountsByAsset(positions, assetCount);
}

/** `assetValue[a] = amount[a] * unitPrice[a]` (USD x 10^36). */
export function assetValues(amounts: readonly bigint[], unitPrices: readonly bigint[]): bigint[] {
  if (amounts.length !== unitPrices.length) throw new RangeError(`assetValues: ${amounts.length} amounts but ${unitPrices.length} prices`);
  return valuesByAsset(amounts, unitPrices);
}

/** How much a margin moves a rule's `have - need`: caps lose `min(margin, cap) * total`, the rest `margin * liabilities`. */
function marginShift(rule: RuleCheck, policy: PolicyFields, marginBps: bigint, total: bigint, liabValue: bigint): bigint {
  if (rule.kind === "cap") {
    const cap = policy.capBps[rule.asset!]!;
    return (marginBps < cap ? marginBps : cap) * total;
  }
  return marginBps * liabValue;
}

/**
 * How `have - need` of a bound (margin included) changes per unit of value added to asset `x`, in value x
 * bps per value: the prover's `ruleGain`, with a cap's margin taken off its share of the new total.
 * Exact, because the rules are linear in the values.
 */
export function boundGain(bound: BoundStatus, x: number, policy: PolicyFields): bigint {
  const gain = ruleGain({ id: bound.id, kind: bound.kind, ...(bound.asset !== undefined ? { asset: bound.asset } : {}), ...(bound.scenario !== undefined ? { scenario: bound.scenario } : {}), have: 0n, need: 0n, ok: true }, x, policy);
  if (bound.kind !== "cap") return gain;
  const cap = policy.capBps[bound.asset!]!;
  return gain - (bound.marginBps < cap ? bound.marginBps : cap);
}

function ratioBps(numerator: bigint, scale: bigint): bigint {
  return scale === 0n ? 0n : numerator / scale;
}

/**
 * Every bound of `policy` on a state given by its per-asset values, tightened by `marginBps` (0 = the
 * exact rules). `liabilitiesTotal` is in base units of the liability asset.
 */
export function evaluateBounds(
  values: readonly bigint[],
  unitPrices: readonly bigint[],
  policy: PolicyFields,
  liabilitiesTotal: bigint,
  marginBps = 0n,
): BoundStatus[] {
  const assetCount = policy.capBps.length;
  if (values.length !== assetCount) throw new RangeError(`evaluateBounds: ${values.length} values for ${assetCount} assets`);
  const liabValue = liabilitiesValue(policy, unitPrices, liabilitiesTotal);
  const total = values.reduce((s, v) => s + v, 0n);
  const liabilityAsset = Number(policy.liabilityAsset);
  return evaluateRules(values, policy, liabValue).map((rule): BoundStatus => {
    const shift = marginShift(rule, policy, marginBps, total, liabValue);
    const isCap = rule.kind === "cap";
    const scale = isCap ? total : liabValue;
    const have = isCap ? rule.have - shift : rule.have;
    const need = isCap ? rule.need : rule.need + shift;
    let measuredBps: bigint;
    let limitBps: bigint;
    switch (rule.kind) {
      case "cap": {
        const cap = policy.capBps[rule.asset!]!;
        measuredBps = ratioBps(rule.need, total);
        limitBps = marginBps < cap ? cap - marginBps : 0n;
        break;
      }
      case "coverage":
        measuredBps = ratioBps(rule.have, liabValue);
        limitBps = policy.minCoverageBps + marginBps;
        break;
      case "liquidity":
        measuredBps = ratioBps(rule.have, liabValue);
        limitBps = policy.minLiquidityBps + marginBps;
        break;
      case "scenario": {
        // shocked assets over shocked liabilities, so 100% means exactly covered
        const shockedLiabilities = BPS - policy.shockBps[rule.scenario!]![liabilityAsset]!;
        measuredBps = rule.need === 0n ? 0n : (rule.have * BPS) / rule.need;
        limitBps = shockedLiabilities === 0n ? 0n : BPS + (marginBps * BPS) / shockedLiabilities;
        break;
      }
    }
    return {
      id: rule.id,
      kind: rule.kind,
      ...(rule.asset !== undefined ? { asset: rule.asset } : {}),
      ...(rule.scenario !== undefined ? { scenario: rule.scenario } : {}),
      have,
      need,
      scale,
      measuredBps,
      limitBps,
      ok: have >= need,
      slackE8: scale === 0n ? (have >= need ? 0n : -1n) : ((have - need) * BPS) / scale,
      marginBps,
    };
  });
}

/** Bounds of a positions set (slots), aggregated per asset first. */
export function evaluatePositions(
  positions: readonly Position[],
  unitPrices: readonly bigint[],
  policy: PolicyFields,
  liabilitiesTotal: bigint,
  marginBps = 0n,
): BoundStatus[] {
  const amounts = aggregateAmounts(positions, policy.capBps.length);
  return evaluateBounds(assetValues(amounts, unitPrices), unitPrices, policy, liabilitiesTotal, marginBps);
}

/** The haircut-adjusted coverage ratio in bps (floored); 0 when there are no liabilities. */
export function coverageBps(values: readonly bigint[], unitPrices: readonly bigint[], policy: PolicyFields, liabilitiesTotal: bigint): bigint {
  return evaluateBounds(values, unitPrices, policy, liabilitiesTotal).find((b) => b.kind === "coverage")!.measuredBps;
}

/** Each asset's share of the total value in bps (floored). */
export function sharesBps(values: readonly bigint[]): bigint[] {
  const total = values.reduce((s, v) => s + v, 0n);
  return values.map((v) => (total === 0n ? 0n : (v * BPS) / total));
}

/** The verdict on a state under the exact (margin 0) rules. */
export interface ExactVerdict {
  ok: boolean;
  /** Ids of the broken bounds (`cap:3`, `coverage`, ...). */
  failed: string[];
}

/**
 * The exact policy check the keeper trusts for "may this state be proven": the circuit's rules, as the
 * prover evaluates them (prover/rules.ts `exactCheck`). A parameter wherever it is used, so a test or the
 * chain-backed run can substitute another.
 */
export type ExactCheck = (
  positions: readonly Position[],
  unitPrices: readonly bigint[],
  policy: PolicyFields,
  liabilitiesTotal: bigint,
) => ExactVerdict;

/** The prover's exact check. */
export const boundsExactCheck: ExactCheck = proverExactCheck;
