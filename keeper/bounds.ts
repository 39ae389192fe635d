/**
 * The policy's bounds as the keeper sees them: every rule of docs/ARCHITECTURE.md ("Policy rules") in the
 * form `have >= need`, optionally tightened by a safety margin, so the planner can ask "how far from
 * breaking is each bound" rather than just "does it hold". The rule math is the prover's (prover/rules.ts,
 * the circuit's rules); this module only tightens each rule by a margin, exactly (integers throughout).
 *
 * A margin is a fraction of the bound's own limit, in basis points (200 = 2% of the limit), so it means the
 * same for a 5% cap as for a 45% one:
 *  - cap a:      share <= capBps[a] * (1 - margin)             (cap 30%, margin 2%: at most 29.4%)
 *  - coverage:   coverage ratio >= minCoverageBps * (1 + margin) (min 150%, margin 2%: at least 153%)
 *  - liquidity:  liquidity ratio >= minLiquidityBps * (1 + margin)
 *  - scenario s: shocked assets >= shocked liabilities * (1 + margin)
 * To stay exact, a margined bound compares the rule's sides scaled by 10^4: `have`/`need` are in
 * value x bps^2 units.
 */
import { BPS } from "../core/field.ts";
import type { PolicyFields } from "../core/hash.ts";
import { amountsByAsset, evaluateRules, exactCheck as proverExactCheck, liabilitiesValue, ruleGain, valuesByAsset, type RuleCheck } from "../prover/rules.ts";
import type { Position } from "../core/types.ts";

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
  /** Left side in value x bps^2 units (USD x 10^36 x 10^8): the rule's side scaled by 10^4, margin included. */
  have: bigint;
  /** Right side, same units, margin included. */
  need: bigint;
  /** What the slack is measured against: total value for caps, liabilities value otherwise. */
  scale: bigint;
  /** The measured quantity in bps (floored): the asset's share, the coverage or liquidity ratio, shocked assets over shocked liabilities. */
  measuredBps: bigint;
  /** The limit it is compared with in bps (floored), margin included: `capBps * (1 - margin)`, `minCoverageBps * (1 + margin)`, ... */
  limitBps: bigint;
  /** `have >= need`. */
  ok: boolean;
  /**
   * How far inside (positive) or outside (negative) its margined limit the bound is, as a fraction of the
   * bound's exact limit, in units of 10^-8 (10^-4 bps): a cap of 30% with the share at 27% has +10% slack, a
   * coverage of 144% against a 150% minimum has -4%. Comparable across bounds, like the margins.
   */
  slackE8: bigint;
  /** The margin this status was evaluated with (bps of the limit). */
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

/**
 * How `have - need` of a bound (margin included, value x bps^2 units) changes per unit of value added to
 * asset `x`: the prover's `ruleGain`, scaled like the bound. Exact, because the rules are linear in the
 * values (and a cap's side `capBps * total` is the only one that moves with every asset).
 */
export function boundGain(bound: BoundStatus, x: number, policy: PolicyFields): bigint {
  const rule: RuleCheck = {
    id: bound.id,
    kind: bound.kind,
    ...(bound.asset !== undefined ? { asset: bound.asset } : {}),
    ...(bound.scenario !== undefined ? { scenario: bound.scenario } : {}),
    have: 0n,
    need: 0n,
    ok: true,
  };
  const gain = ruleGain(rule, x, policy);
  if (bound.kind !== "cap") return gain * BPS; // the liabilities side does not move with the assets
  // cap: have = capBps * total * (1 - margin), need = value[a] * 10^4, both scaled by 10^4
  const own = x === bound.asset ? BPS : 0n;
  return (gain + own) * (BPS - clampMargin(bound.marginBps)) - own * BPS;
}

function clampMargin(marginBps: bigint): bigint {
  return marginBps < 0n ? 0n : marginBps > BPS ? BPS : marginBps;
}

function ratioBps(numerator: bigint, scale: bigint): bigint {
  return scale === 0n ? 0n : numerator / scale;
}

/**
 * Every bound of `policy` on a state given by its per-asset values, tightened by `marginBps` (a fraction of
 * each limit; 0 = the exact rules). `liabilitiesTotal` is in base units of the liability asset.
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
  const margin = clampMargin(marginBps);
  const liabValue = liabilitiesValue(policy, unitPrices, liabilitiesTotal);
  const total = values.reduce((s, v) => s + v, 0n);
  return evaluateRules(values, policy, liabValue).map((rule): BoundStatus => {
    const isCap = rule.kind === "cap";
    const scale = isCap ? total : liabValue;
    // the limit side moves by the margin: a cap's allowance shrinks, a minimum's requirement grows
    const have = isCap ? rule.have * (BPS - margin) : rule.have * BPS;
    const need = isCap ? rule.need * BPS : rule.need * (BPS + margin);
    let measuredBps: bigint;
    let limitBps: bigint;
    switch (rule.kind) {
      case "cap":
        measuredBps = ratioBps(rule.need, total);
        limitBps = (policy.capBps[rule.asset!]! * (BPS - margin)) / BPS;
        break;
      case "coverage":
        measuredBps = ratioBps(rule.have, liabValue);
        limitBps = (policy.minCoverageBps * (BPS + margin)) / BPS;
        break;
      case "liquidity":
        measuredBps = ratioBps(rule.have, liabValue);
        limitBps = (policy.minLiquidityBps * (BPS + margin)) / BPS;
        break;
      case "scenario":
        // shocked assets over shocked liabilities, so 100% means exactly covered
        measuredBps = rule.need === 0n ? 0n : (rule.have * BPS) / rule.need;
        limitBps = BPS + margin;
        break;
    }
    // the exact limit's side: capBps * total for a cap, the minimum's requirement otherwise
    const reference = isCap ? rule.have : rule.need;
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
      slackE8: reference === 0n ? (have >= need ? 0n : -BPS * BPS) : ((have - need) * BPS) / reference,
      marginBps: margin,
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
