/**
 * The treasury's health report: every bound of the policy evaluated with the circuit's exact rules
 * (prover/rules.ts), plus the feed checks the price snapshot contract applies (answer bounds, staleness).
 * For each bound: what was measured, the limit, the margin; for a broken one: by how much (USD and bps)
 * and the smallest trade that would fix it (prover/fixes.ts). The prover refuses to prove unless
 * `report.ok`. Formatting lives in prover/report.ts.
 */
import { BPS } from "../core/field.ts";
import { findFixes, type FixOption } from "./fixes.ts";
import { amountsByAsset, evaluateRules, liabilitiesValue, valuesByAsset, type AssetAmount, type RuleCheck } from "./rules.ts";
import { policyFields, type PriceSnapshot, type RiskPolicy } from "./treasury.ts";
import { ceilDiv } from "../core/units.ts";

/** What kind of bound a check is. */
export type CheckKind = "feed" | "cap" | "coverage" | "liquidity" | "scenario";

/** One bound, evaluated. Values are USD x 10^36; ratios are basis points. */
export interface BoundCheck {
  /** `feed:<i>`, `cap:<i>`, `coverage`, `liquidity`, `scenario:<s>` (same ids as prover/rules.ts). */
  id: string;
  kind: CheckKind;
  /** Human name: `cap WETH`, `coverage`, `scenario "ETH crash"`, `feed WETH`. */
  name: string;
  ok: boolean;
  /** The measured ratio in bps (share of total, coverage ratio, ...); undefined when it has no denominator. */
  measuredBps?: bigint;
  /** The limit in bps, and whether the measured value must stay at most (`max`) or at least (`min`) it. */
  limitBps?: bigint;
  limitKind?: "max" | "min";
  /** `have - need` expressed in USD x 10^36 (negative: shortfall); the unit each kind's margin is in. */
  marginValue?: bigint;
  /** For a broken bound, the shortfall in bps of the bound's base (rounded up). */
  shortfallBps?: bigint;
  /** One line of detail for feeds and edge cases. */
  detail?: string;
  /** For a broken rule: the best selling trade and the best adding trade. */
  fix?: { sell?: FixOption; add?: FixOption };
}

/** One asset's line in the report. */
export interface AssetLine {
  index: number;
  symbol: string;
  decimals: number;
  amount: bigint;
  value: bigint;
  /** Share of the total value (bps, rounded down). */
  shareBps: bigint;
  capBps: bigint;
  haircutBps: bigint;
  liquid: boolean;
  unitPrice: bigint;
  positions: number;
}

/** The health report of one state (positions) under one policy and price snapshot. */
export interface HealthReport {
  ok: boolean;
  timestamp: bigint;
  totalValue: bigint;
  liabilities: { total: bigint; value: bigint; asset: string; decimals: number };
  assets: AssetLine[];
  checks: BoundCheck[];
  /** The broken checks, in report order. */
  failures: BoundCheck[];
}

/** Evaluates `positions` (amounts in base units) under `policy`, `prices` and the liabilities total. */
export function evaluateTreasury(policy: RiskPolicy, prices: PriceSnapshot, positions: readonly AssetAmount[], liabilitiesTotal: bigint): HealthReport {
  const fields = policyFields(policy);
  const unitPrices = prices.assets.map((p) => p.unitPrice);
  const amounts = amountsByAsset(positions, policy.assets.length);
  const values = valuesByAsset(amounts, unitPrices);
  const total = values.reduce((s, v) => s + v, 0n);
  const liabilityValue = liabilitiesValue(fields, unitPrices, liabilitiesTotal);
  const L = policy.liabilityAsset;

  const checks: BoundCheck[] = feedChecks(policy, prices);
  const rules = evaluateRules(values, fields, liabilityValue);
  // Liabilities that exist but are valued at 0 (a zero price, e.g. a broken feed) are not "no liabilities".
  const noLiabilities = liabilitiesTotal === 0n ? "no liabilities" : `the liabilities are valued at 0 (the ${policy.assets[L]!.symbol} price is 0)`;
  for (const rule of rules) {
    const check = describeRule(rule, policy, values, total, liabilityValue, noLiabilities);
    if (!rule.ok) {
      check.fix = findFixes(rule, { policy: fields, amounts, unitPrices, values, liabilityValue });
    }
    checks.push(check);
  }

  const counts = new Array<number>(policy.assets.length).fill(0);
  for (const p of positions) if (p.amount > 0n) counts[Number(p.assetIndex)]!++;
  const assets: AssetLine[] = policy.assets.map((a, i) => ({
    index: i,
    symbol: a.symbol,
    decimals: a.decimals,
    amount: amounts[i]!,
    value: values[i]!,
    shareBps: total === 0n ? 0n : (values[i]! * BPS) / total,
    capBps: a.capBps,
    haircutBps: a.haircutBps,
    liquid: a.liquid,
    unitPrice: unitPrices[i]!,
    positions: counts[i]!,
  }));
  const failures = checks.filter((c) => !c.ok);
  return {
    ok: failures.length === 0,
    timestamp: prices.timestamp,
    totalValue: total,
    liabilities: { total: liabilitiesTotal, value: liabilityValue, asset: policy.assets[L]!.symbol, decimals: policy.assets[L]!.decimals },
    assets,
    checks,
    failures,
  };
}

/** Feed sanity as the price snapshot contract applies it: positive, inside [minAnswer, maxAnswer], fresh. */
function feedChecks(policy: RiskPolicy, prices: PriceSnapshot): BoundCheck[] {
  return policy.assets.map((asset, i) => {
    const price = prices.assets[i]!;
    const age = prices.timestamp - price.updatedAt;
    const problems: string[] = [];
    if (price.answer <= 0n) problems.push("the answer is not positive");
    else if (price.answer < asset.minAnswer || price.answer > asset.maxAnswer) {
      problems.push(`the answer is outside its bounds [${asset.minAnswer}, ${asset.maxAnswer}] (a pinned or broken feed is never used to value the treasury)`);
    }
    if (age > BigInt(asset.feedMaxAge)) problems.push(`the answer is ${age}s old at snapshot time, more than the feed's maximum age ${asset.feedMaxAge}s`);
    return {
      id: `feed:${i}`,
      kind: "feed" as const,
      name: `feed ${asset.symbol}`,
      ok: problems.length === 0,
      detail: problems.length ? `${problems.join("; ")}; wait for a fresh, in-bounds round before attesting` : `answer ${price.answer}, ${age}s old (max ${asset.feedMaxAge}s)`,
    };
  });
}

/** Measured ratio, limit and margins of one rule. */
function describeRule(rule: RuleCheck, policy: RiskPolicy, values: readonly bigint[], total: bigint, liabilityValue: bigint, noLiabilities: string): BoundCheck {
  const deficit = rule.need - rule.have;
  // have - need is value x bps; divide by 10^4 for a value (floor for headroom, ceil for shortfall).
  const marginValue = deficit > 0n ? -ceilDiv(deficit, BPS) : -deficit / BPS;
  switch (rule.kind) {
    case "cap": {
      const a = rule.asset!;
      const check: BoundCheck = {
        id: rule.id,
        kind: "cap",
        name: `cap ${policy.assets[a]!.symbol}`,
        ok: rule.ok,
        limitBps: policy.assets[a]!.capBps,
        limitKind: "max",
        marginValue,
      };
      if (total > 0n) check.measuredBps = (values[a]! * BPS) / total;
      if (!rule.ok) check.shortfallBps = ceilDiv(deficit, total);
      return check;
    }
    case "coverage":
    case "liquidity": {
      const limit = rule.kind === "coverage" ? policy.minCoverageBps : policy.minLiquidityBps;
      const check: BoundCheck = { id: rule.id, kind: rule.kind, name: rule.kind, ok: rule.ok, limitBps: limit, limitKind: "min", marginValue };
      if (liabilityValue > 0n) check.measuredBps = rule.have / liabilityValue;
      else check.detail = noLiabilities;
      if (!rule.ok) check.shortfallBps = ceilDiv(deficit, liabilityValue);
      return check;
    }
    case "scenario": {
      const s = rule.scenario!;
      const check: BoundCheck = {
        id: rule.id,
        kind: "scenario",
        name: `scenario "${policy.scenarios[s]!.name}"`,
        ok: rule.ok,
        limitBps: BPS,
        limitKind: "min",
        marginValue,
      };
      // Shocked assets over shocked liabilities.
      if (rule.need > 0n) check.measuredBps = (rule.have * BPS) / rule.need;
      else check.detail = liabilityValue > 0n ? "the scenario wipes out the liabilities' value" : noLiabilities;
      if (!rule.ok) check.shortfallBps = ceilDiv(deficit * BPS, rule.need);
      return check;
    }
  }
}
