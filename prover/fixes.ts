/**
 * Finds the smallest trade that restores one broken rule, at snapshot prices: either sell some of one asset
 * into another, or add fresh value of one asset. The rules are linear in the asset values
 * (prover/rules.ts `ruleGain`), so the minimal value to move is `ceil(shortfall / gain)`, rounded up to whole
 * base units; each candidate is then re-checked with the exact rules, so a suggestion says truthfully
 * whether it restores the rule and what else it would leave or make broken. Slippage and fees are not
 * modelled: the keeper plans real trades against pools.
 */
import type { PolicyFields } from "../core/hash.ts";
import { evaluateRules, ruleGain, type RuleCheck } from "./rules.ts";
import { ceilDiv, VALUE_SCALE } from "../core/units.ts";

/** Sell `amount` of `asset` (worth `value`) for `receive` of `into`, at snapshot prices. */
export interface SellTrade {
  kind: "sell";
  asset: number;
  amount: bigint;
  value: bigint;
  into: number;
  receive: bigint;
}

/** Bring in `amount` of `asset` (worth `value`). */
export interface AddTrade {
  kind: "add";
  asset: number;
  amount: bigint;
  value: bigint;
}

/** A trade that (alone) would move a rule back into bounds. */
export type Trade = SellTrade | AddTrade;

/** A candidate fix and its effect, re-checked with the exact rules. */
export interface FixOption {
  trade: Trade;
  /** The broken rule holds after the trade. */
  restores: boolean;
  /** Other rules failing after the trade (ids). */
  stillFailing: string[];
  /** Rules that held before and fail after (ids). */
  newlyBroken: string[];
}

/** The state a fix is computed against. */
export interface FixContext {
  policy: PolicyFields;
  amounts: readonly bigint[];
  unitPrices: readonly bigint[];
  values: readonly bigint[];
  liabilityValue: bigint;
}

/** The best sell and the best add for a broken rule (either may be missing when no such trade helps). */
export interface Fixes {
  sell?: FixOption;
  add?: FixOption;
}

/** Computes the best selling trade and the best adding trade that restore `check`. */
export function findFixes(check: RuleCheck, ctx: FixContext): Fixes {
  const deficit = check.need - check.have;
  if (deficit <= 0n) return {};
  const before = new Set(evaluateRules(ctx.values, ctx.policy, ctx.liabilityValue).filter((c) => !c.ok).map((c) => c.id));
  const assetCount = ctx.values.length;
  const sells: FixOption[] = [];
  const adds: FixOption[] = [];

  for (let b = 0; b < assetCount; b++) {
    const priceB = ctx.unitPrices[b]!;
    if (priceB <= 0n) continue;
    const gainB = ruleGain(check, b, ctx.policy);
    if (gainB > 0n) {
      const amount = ceilDiv(ceilDiv(deficit, gainB), priceB);
      adds.push(judge({ kind: "add", asset: b, amount, value: amount * priceB }, check, ctx, before));
    }
    for (let a = 0; a < assetCount; a++) {
      const priceA = ctx.unitPrices[a]!;
      if (a === b || priceA <= 0n || ctx.amounts[a]! === 0n) continue;
      const gain = gainB - ruleGain(check, a, ctx.policy);
      if (gain <= 0n) continue;
      let amount = ceilDiv(ceilDiv(deficit, gain), priceA);
      let option = judge(sell(a, b, amount, ctx), check, ctx, before);
      if (!option.restores) {
        // The bought side is rounded down to whole base units of `b`; one more unit of `b` covers it.
        amount += ceilDiv(priceB, priceA);
        option = judge(sell(a, b, amount, ctx), check, ctx, before);
      }
      if (amount <= ctx.amounts[a]!) sells.push(option);
    }
  }
  const L = Number(ctx.policy.liabilityAsset);
  const rank = (o: FixOption): bigint[] => [
    o.restores ? 0n : 1n,
    BigInt(o.newlyBroken.length),
    BigInt(o.stillFailing.length),
    // Whole dollars: sub-dollar differences come from base-unit rounding and should not decide.
    o.trade.value / VALUE_SCALE,
    (o.trade.kind === "sell" ? o.trade.into : o.trade.asset) === L ? 0n : 1n,
    ctx.policy.haircutBps[o.trade.kind === "sell" ? o.trade.into : o.trade.asset]!,
  ];
  const best = (options: FixOption[]): FixOption | undefined => options.sort((x, y) => compareTuples(rank(x), rank(y)))[0];
  const result: Fixes = {};
  const bestSell = best(sells);
  const bestAdd = best(adds);
  if (bestSell) result.sell = bestSell;
  if (bestAdd) result.add = bestAdd;
  return result;
}

function sell(a: number, b: number, amount: bigint, ctx: FixContext): SellTrade {
  const value = amount * ctx.unitPrices[a]!;
  return { kind: "sell", asset: a, amount, value, into: b, receive: value / ctx.unitPrices[b]! };
}

/** Applies a trade to the per-asset values. */
export function applyTrade(values: readonly bigint[], trade: Trade, unitPrices: readonly bigint[]): bigint[] {
  const next = [...values];
  if (trade.kind === "sell") {
    next[trade.asset] = next[trade.asset]! - trade.value;
    next[trade.into] = next[trade.into]! + trade.receive * unitPrices[trade.into]!;
  } else {
    next[trade.asset] = next[trade.asset]! + trade.value;
  }
  return next;
}

function judge(trade: Trade, check: RuleCheck, ctx: FixContext, before: ReadonlySet<string>): FixOption {
  const after = evaluateRules(applyTrade(ctx.values, trade, ctx.unitPrices), ctx.policy, ctx.liabilityValue);
  const failing = after.filter((c) => !c.ok).map((c) => c.id);
  return {
    trade,
    restores: !failing.includes(check.id),
    stillFailing: failing.filter((id) => id !== check.id),
    newlyBroken: failing.filter((id) => !before.has(id)),
  };
}

function compareTuples(x: readonly bigint[], y: readonly bigint[]): number {
  for (let i = 0; i < x.length; i++) {
    if (x[i]! !== y[i]!) return x[i]! < y[i]! ? -1 : 1;
  }
  return 0;
}
