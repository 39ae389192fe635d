/**
 * The keeper's planner: decides whether the treasury must act and, if so, plans the fewest, smallest
 * Uniswap V2 swaps that bring every policy bound back inside with a target margin.
 *
 * - Act when any bound fails with the trigger margin (it is about to break, or broken). Margins are
 *   fractions of each bound's limit (keeper/bounds.ts).
 * - Greedy over bounds, worst first: for the most violated bound, try every pool direction that sells
 *   an asset the treasury holds into a liquid "sink" asset; for each, find the least `amountIn` that
 *   restores that bound with the target margin, against the exact integer rules and the pool's exact
 *   V2 output less the slippage tolerance (the state is credited `minAmountOut`, as S2 commits it).
 *   The bound's slack is concave in the amount sold (a linear gain against a concave pool output), so a
 *   ternary search finds the best achievable slack and a bisection below it the least amount. A sale may
 *   be capped by a price-impact limit; the rest waits for arbitrage to refill the pool.
 * - Keep only steps that S2 can prove (the new state passes every bound exactly), that push no healthy
 *   bound out of its target margin, and that raise the worst relative slack of the bounds still out
 *   (maximin): a plan never trades in circles, and never buys one bound's margin with a worse breach of
 *   another. Rank them: fixes the bound, fewest bounds left failing, the safest sink (lowest haircut, the
 *   liability asset first), the least value sold (or, for a partial step, the most improvement).
 * - Apply, update the pool, repeat until every bound holds with the target margin.
 *
 * Every step carries an S2 action, slot hints (`slotIn`: the largest slot of `assetIn`; `slotOut`: the
 * largest slot of `assetOut`, else an empty slot) and a human reason.
 */
import { BPS } from "../core/field.ts";
import type { PolicyFields } from "../core/hash.ts";
import type { Position, RebalanceAction } from "../core/types.ts";
import { type Pool, getAmountOut, minAmountOut, priceImpactBps, reservesFor, applySwap } from "./amm.ts";
import {
  type BoundStatus,
  type ExactCheck,
  type ExactVerdict,
  aggregateAmounts,
  assetValues,
  boundGain,
  boundsExactCheck,
  evaluateBounds,
} from "./bounds.ts";
import { formatBps, formatUnits } from "./format.ts";
import { fairMinAmountOut } from "../prover/rules.ts";

/** Amounts are below 2^96 (DESIGN section 2). */
const AMOUNT_LIMIT = 1n << 96n;

/** Display data of an asset, for reasons. */
export interface PlannerAsset {
  symbol: string;
  decimals: number;
}

/** Everything the planner looks at. All values exact integers. */
export interface PlanRequest {
  /** The committed position slots (length N). */
  positions: readonly Position[];
  /** Unit prices (USD per base unit x 10^36), one per asset. */
  unitPrices: readonly bigint[];
  policy: PolicyFields;
  /** Liabilities total in base units of the liability asset. */
  liabilitiesTotal: bigint;
  /** Pools the vault may swap through (direct pairs only: one S2 action is one swap). */
  pools: readonly Pool[];
  /** Act when a bound fails with this margin (bps of the bound's own limit, see keeper/bounds.ts). */
  triggerMarginBps: bigint;
  /** Restore every bound with this margin (bps of its limit); at least the trigger margin. */
  targetMarginBps: bigint;
  /** Slippage tolerance for `minAmountOut` (bps). */
  slippageBps: bigint;
  /** Symbols and decimals, for reasons; defaults to `asset<i>` in base units. */
  assets?: readonly PlannerAsset[];
  /** Scenario names, for reasons. */
  scenarioNames?: readonly string[];
  /** Assets the planner may sell into; default every asset the policy marks liquid. */
  sinks?: readonly number[];
  /** Most swaps in one plan (default 8). */
  maxSwaps?: number;
  /**
   * Largest price impact (fee included, bps) one swap may take; larger sales are left for later steps,
   * after arbitrage has refilled the pool. Default: no limit.
   */
  maxPriceImpactBps?: bigint;
  /** A step that does not fully restore its bound must improve it by at least this much (bps of the bound's scale; default 5). */
  minImprovementBps?: bigint;
  /**
   * Plan only swaps whose new state passes every bound exactly, i.e. swaps S2 can prove (default true). With
   * false, the planner may return unprovable steps (marked `provable: false`), e.g. to show what would fix a
   * state that is already broken in two ways.
   */
  provableOnly?: boolean;
  /** The exact verdict on a state (default: the bounds at margin 0). */
  exactCheck?: ExactCheck;
}

/** One planned swap: an S2 action with where it comes from and why. */
export interface PlannedSwap {
  action: RebalanceAction;
  /** The slot that gives `amountIn` (the largest slot of `assetIn`). */
  slotIn: number;
  /** The slot that receives `minAmountOut` (the largest `assetOut` slot, else an empty one). */
  slotOut: number;
  /** Index into `PlanRequest.pools`. */
  poolIndex: number;
  /** What the pool pays at the planned reserves (`getAmountOut`). */
  expectedAmountOut: bigint;
  /** Price impact including the fee (bps). */
  priceImpactBps: bigint;
  /** Oracle value of `amountIn` (USD x 10^36). */
  valueIn: bigint;
  /** The bound this swap is for (`cap:3`, `coverage`, ...). */
  bound: string;
  /** The swap alone restores that bound with the target margin (else it is the best partial step). */
  fixesBound: boolean;
  /** The state after this swap passes every bound exactly, so S2 can prove the transition. */
  provable: boolean;
  /** Why, in words: `WETH share 31.20% > cap 30.00% − margin 1.00%: sell 41.3 WETH → USDC (impact 0.42%)`. */
  reason: string;
}

/** The planner's answer. */
export interface Plan {
  /** Some bound failed with the trigger margin. */
  act: boolean;
  /** The bounds that failed with the trigger margin. */
  triggered: BoundStatus[];
  swaps: PlannedSwap[];
  /** After the swaps every bound holds with the target margin. */
  complete: boolean;
  /** Bounds still failing with the target margin after the swaps. */
  unresolved: BoundStatus[];
  /** Exact bounds (margin 0) before and after. */
  before: BoundStatus[];
  after: BoundStatus[];
  /** Position slots after the swaps, crediting `minAmountOut` (salts unchanged; the prover refreshes them). */
  positionsAfter: Position[];
  /** Pools after the swaps at their expected outputs. */
  poolsAfter: Pool[];
  /** The exact verdict on `positionsAfter`. */
  exactAfter: ExactVerdict;
  /** One line: what and why. */
  summary: string;
}

interface WorkState {
  positions: Position[];
  pools: Pool[];
  amounts: bigint[];
}

interface Candidate {
  poolIndex: number;
  assetIn: number;
  assetOut: number;
  slotIn: number;
  slotOut: number;
  amountIn: bigint;
  amountOut: bigint;
  minOut: bigint;
  fixes: boolean;
  improvement: bigint;
  provable: boolean;
  failingAfter: number;
  sinkRank: bigint;
  valueIn: bigint;
  /** What stopped a partial step: the slot ran out, the impact limit, or the slack's peak. */
  limit: "slot" | "impact" | "peak";
}

const PARTIAL_NOTE: Record<Candidate["limit"], string> = {
  slot: " (partial: the whole slot)",
  impact: " (partial: up to the price-impact limit)",
  peak: " (partial: selling more would lose more to price impact than it gains)",
};

/**
 * The most of `slotAmount` that can be sold into `pool` within `maxImpactBps` (bisection: impact grows
 * with the amount). Without a limit, the whole slot.
 */
export function maxSaleWithin(pool: Pool, assetIn: number, slotAmount: bigint, maxImpactBps: bigint | undefined): bigint {
  if (maxImpactBps === undefined || slotAmount <= 0n) return slotAmount;
  const { reserveIn, reserveOut } = reservesFor(pool, assetIn);
  const impactOf = (x: bigint): bigint => priceImpactBps(x, getAmountOut(x, reserveIn, reserveOut), reserveIn, reserveOut);
  if (impactOf(slotAmount) <= maxImpactBps) return slotAmount;
  let lo = 0n; // impact(lo) <= max (or lo = 0)
  let hi = slotAmount; // impact(hi) > max
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (impactOf(mid) <= maxImpactBps) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The slot holding the most of `asset`, or -1. */
export function largestSlot(positions: readonly Position[], asset: number): number {
  let best = -1;
  for (const [i, p] of positions.entries()) {
    // Only the vault's own positions can be swapped (custody 0); positions at attestors stay put.
    if (Number(p.assetIndex) !== asset || p.amount === 0n || (p.custody ?? 0n) !== 0n) continue;
    if (best < 0 || p.amount > positions[best]!.amount) best = i;
  }
  return best;
}

/** The slot that should receive `asset`: its largest vault-held slot, else the first empty slot other than `exclude`; -1 if none. */
export function receivingSlot(positions: readonly Position[], asset: number, exclude: number): number {
  const existing = largestSlot(positions, asset);
  if (existing >= 0) return existing;
  for (const [i, p] of positions.entries()) if (i !== exclude && p.amount === 0n) return i;
  return -1;
}

function validate(req: PlanRequest): void {
  const assetCount = req.policy.capBps.length;
  if (req.unitPrices.length !== assetCount) throw new RangeError(`unitPrices: ${req.unitPrices.length} prices for ${assetCount} assets`);
  if (req.unitPrices.some((p) => p <= 0n)) throw new RangeError("unitPrices: every price must be positive");
  if (req.triggerMarginBps < 0n) throw new RangeError("triggerMarginBps: must be >= 0");
  if (req.targetMarginBps < req.triggerMarginBps) throw new RangeError("targetMarginBps: must be >= triggerMarginBps");
  if (req.slippageBps < 0n || req.slippageBps >= BPS) throw new RangeError("slippageBps: must be in [0, 10000)");
  if (req.liabilitiesTotal < 0n) throw new RangeError("liabilitiesTotal: must be >= 0");
  for (const [i, pool] of req.pools.entries()) {
    if (pool.asset0 === pool.asset1 || pool.asset0 < 0 || pool.asset1 < 0 || pool.asset0 >= assetCount || pool.asset1 >= assetCount) {
      throw new RangeError(`pools[${i}]: assets ${pool.asset0}/${pool.asset1} are not two distinct policy assets`);
    }
  }
}

/** Extra aims (bps beyond the target margin) tried when a plan at the exact target falls short. */
const AIMS = [0n, 2n, 8n, 32n];

/**
 * Plans the swaps that keep the treasury inside its policy (see the module header). Pure: the inputs are
 * not modified.
 *
 * Each step restores its bound exactly to the target margin. With several bounds at stake, a later step's
 * fees can push an earlier bound a hair back over its target (selling MRD lowers the total, so WETH's share
 * creeps up); the plan is then redone aiming a few bps beyond the target (2, 8, 32) and the first complete
 * plan is returned, else the one at the exact target.
 */
export function planRebalance(req: PlanRequest): Plan {
  validate(req);
  const exact = planAiming(req, 0n);
  if (!exact.act || exact.complete) return exact;
  for (const aim of AIMS.slice(1)) {
    const plan = planAiming(req, aim);
    if (plan.complete) return plan;
  }
  return exact;
}

function planAiming(req: PlanRequest, aimBps: bigint): Plan {
  const { policy, unitPrices, liabilitiesTotal } = req;
  const assetCount = policy.capBps.length;
  const exactCheck = req.exactCheck ?? boundsExactCheck;
  const sinks = new Set(req.sinks ?? policy.liquid.flatMap((l, a) => (l === 1n ? [a] : [])));
  const symbol = (a: number): string => req.assets?.[a]?.symbol ?? `asset${a}`;
  const decimals = (a: number): number => req.assets?.[a]?.decimals ?? 0;

  const boundsOf = (amounts: readonly bigint[], margin: bigint): BoundStatus[] =>
    evaluateBounds(assetValues(amounts, unitPrices), unitPrices, policy, liabilitiesTotal, margin);

  const state: WorkState = {
    positions: req.positions.map((p) => ({ ...p })),
    pools: req.pools.map((p) => ({ ...p })),
    amounts: aggregateAmounts(req.positions, assetCount),
  };
  /** Swaps refused because the pool cannot pay the fair price (reported in the summary). */
  const unfair = new Set<string>();
  const before = boundsOf(state.amounts, 0n);
  const triggered = boundsOf(state.amounts, req.triggerMarginBps).filter((b) => !b.ok);

  const finish = (swaps: PlannedSwap[], act: boolean): Plan => {
    const after = boundsOf(state.amounts, 0n);
    const unresolved = act ? boundsOf(state.amounts, req.targetMarginBps).filter((b) => !b.ok) : [];
    const exactAfter = exactCheck(state.positions, unitPrices, policy, liabilitiesTotal);
    const complete = unresolved.length === 0;
    let summary: string;
    if (!act) summary = "every bound holds with the trigger margin: no action";
    else if (swaps.length === 0) {
      summary = `${triggered.map((b) => b.id).join(", ")} within the trigger margin, but no swap helps` + (unfair.size > 0 ? ` (${[...unfair][0]})` : "");
    }
    else {
      summary = `${swaps.length} swap${swaps.length === 1 ? "" : "s"} for ${triggered.map((b) => b.id).join(", ")}` +
        (complete ? ": every bound restored with the target margin" : `: still short on ${unresolved.map((b) => b.id).join(", ")}`);
    }
    return {
      act, triggered, swaps, complete, unresolved, before, after,
      positionsAfter: state.positions, poolsAfter: state.pools, exactAfter, summary,
    };
  };

  if (triggered.length === 0) return finish([], false);
  // each step restores its bound to this margin; the plan is judged complete at the target margin
  const aimMargin = req.targetMarginBps + aimBps;

  const sinkRank = (a: number): bigint =>
    policy.haircutBps[a]! * 4n * BPS + (a === Number(policy.liabilityAsset) ? 0n : 2n * BPS) + BigInt(a);

  /** The new per-asset amounts and quote when selling `amountIn` of `assetIn` through pool `poolIndex`. */
  const trial = (poolIndex: number, assetIn: number, amountIn: bigint) => {
    const { reserveIn, reserveOut, assetOut } = reservesFor(state.pools[poolIndex]!, assetIn);
    const amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
    const minOut = minAmountOut(amountOut, req.slippageBps);
    const amounts = [...state.amounts];
    amounts[assetIn] = amounts[assetIn]! - amountIn;
    amounts[assetOut] = amounts[assetOut]! + minOut;
    return { amounts, amountOut, minOut, assetOut };
  };

  const minImprovement = req.minImprovementBps ?? 5n;
  const done = new Set<string>();
  const provableOnly = req.provableOnly ?? true;
  const bestFor = (bound: BoundStatus): Candidate | undefined => {
    const baseDiff = bound.have - bound.need;
    const now = boundsOf(state.amounts, aimMargin);
    let best: Candidate | undefined;
    for (const [poolIndex, pool] of state.pools.entries()) {
      for (const assetIn of [pool.asset0, pool.asset1]) {
        const assetOut = assetIn === pool.asset0 ? pool.asset1 : pool.asset0;
        if (!sinks.has(assetOut)) continue;
        // never undo an earlier swap of the plan (USDT -> USDC for coverage, then USDC -> USDT for the
        // USDC cap would pay fees both ways and could cycle)
        if (done.has(`${assetOut}>${assetIn}`)) continue;
        const slotIn = largestSlot(state.positions, assetIn);
        if (slotIn < 0) continue;
        const slotOut = receivingSlot(state.positions, assetOut, slotIn);
        if (slotOut < 0) continue;
        const slotAmount = state.positions[slotIn]!.amount;
        let maxIn = maxSaleWithin(state.pools[poolIndex]!, assetIn, slotAmount, req.maxPriceImpactBps);
        if (maxIn <= 0n) continue;
        const { reserveIn, reserveOut } = reservesFor(state.pools[poolIndex]!, assetIn);
        // S2 proves a fair price: sell no more than the pool pays at least the oracle price less maxSlippageBps for.
        const fairAt = (x: bigint): boolean =>
          minAmountOut(getAmountOut(x, reserveIn, reserveOut), req.slippageBps) >= fairMinAmountOut(x, unitPrices[assetIn]!, unitPrices[assetOut]!, policy.maxSlippageBps);
        if (!fairAt(maxIn)) {
          let lo = 0n; // fair (nothing sold)
          let hi = maxIn; // not fair
          while (hi - lo > 1n) {
            const mid = (lo + hi) / 2n;
            if (fairAt(mid)) lo = mid;
            else hi = mid;
          }
          if (lo === 0n) {
            const fair = fairMinAmountOut(maxIn, unitPrices[assetIn]!, unitPrices[assetOut]!, policy.maxSlippageBps);
            const paid = minAmountOut(getAmountOut(maxIn, reserveIn, reserveOut), req.slippageBps);
            unfair.add(
              `the ${symbol(assetIn)}/${symbol(assetOut)} pool pays ${formatUnits(paid, decimals(assetOut), 4)} ${symbol(assetOut)} (after the slippage tolerance) for ${formatUnits(maxIn, decimals(assetIn), 4)} ${symbol(assetIn)}, below the fair minimum ${formatUnits(fair, decimals(assetOut), 4)} (oracle price less ${policy.maxSlippageBps} bps): not traded`,
            );
            continue;
          }
          maxIn = lo;
        }

        // the bound's `have - need` after selling x: exact and linear in the values moved (bounds.ts boundGain)
        const gainIn = boundGain(bound, assetIn, policy);
        const gainOut = boundGain(bound, assetOut, policy);
        const diffAt = (x: bigint): bigint => {
          const out = minAmountOut(getAmountOut(x, reserveIn, reserveOut), req.slippageBps);
          return baseDiff - gainIn * x * unitPrices[assetIn]! + gainOut * out * unitPrices[assetOut]!;
        };
        // the best achievable slack: at maxIn if it already passes, else where the concave slack peaks
        let peak = maxIn;
        let peakDiff = diffAt(maxIn);
        if (peakDiff < 0n) {
          let lo = 1n;
          let hi = maxIn;
          while (hi - lo > 2n) {
            const m1 = lo + (hi - lo) / 3n;
            const m2 = hi - (hi - lo) / 3n;
            if (diffAt(m1) < diffAt(m2)) lo = m1 + 1n;
            else hi = m2;
          }
          for (let x = lo; x <= hi; x++) {
            const d = diffAt(x);
            if (d > peakDiff) [peak, peakDiff] = [x, d];
          }
        }
        if (peakDiff <= baseDiff) continue; // this direction does not help the bound
        const fixesAtPeak = peakDiff >= 0n;
        // (have - need is in value x bps^2: minImprovement bps of the scale is minImprovement * scale * 10^4)
        if (!fixesAtPeak && peakDiff - baseDiff < minImprovement * bound.scale * BPS) continue;
        // a peak within 0.1% of the limit is the limit (the slack is a staircase at the scale of one base unit)
        let amountIn = !fixesAtPeak && peak * 1000n >= maxIn * 999n ? maxIn : peak;
        const fixes = fixesAtPeak;
        if (fixes) {
          // least amount that restores the bound: diff(lo) < 0 <= diff(hi) on the rising side of the peak
          let lo = 0n;
          let hi = peak;
          while (hi - lo > 1n) {
            const mid = (lo + hi) / 2n;
            if (diffAt(mid) >= 0n) hi = mid;
            else lo = mid;
          }
          amountIn = hi;
        }
        const t = trial(poolIndex, assetIn, amountIn);
        const newOutAmount = state.positions[slotOut]!.amount + t.minOut;
        if (newOutAmount >= AMOUNT_LIMIT || t.minOut === 0n) continue;
        // a guard: the amount search stays within the fair range, so this holds (S2 has no witness otherwise)
        if (t.minOut < fairMinAmountOut(amountIn, unitPrices[assetIn]!, unitPrices[assetOut]!, policy.maxSlippageBps)) continue;
        const provable = boundsOf(t.amounts, 0n).every((b) => b.ok);
        if (!provable && provableOnly) continue;
        // do no harm: a step may not push another bound out of its target margin, and must raise the
        // worst relative slack of the bounds that are out (maximin), so a plan never trades in circles
        const after = boundsOf(t.amounts, aimMargin);
        if (after.some((b, i) => now[i]!.ok && !b.ok)) continue;
        if (worstSlack(after) <= worstSlack(now)) continue;
        const candidate: Candidate = {
          poolIndex, assetIn, assetOut, slotIn, slotOut, amountIn,
          limit: amountIn === slotAmount ? "slot" : amountIn === maxIn ? "impact" : "peak",
          amountOut: t.amountOut, minOut: t.minOut, fixes,
          improvement: peakDiff - baseDiff,
          provable,
          failingAfter: after.filter((b) => !b.ok).length,
          sinkRank: sinkRank(assetOut),
          valueIn: amountIn * unitPrices[assetIn]!,
        };
        if (!best || better(candidate, best)) best = candidate;
      }
    }
    return best;
  };

  const swaps: PlannedSwap[] = [];
  const maxSwaps = req.maxSwaps ?? 8;
  while (swaps.length < maxSwaps) {
    // done when every bound holds with the target margin; each step is sized to the aim beyond it
    const failing = boundsOf(state.amounts, req.targetMarginBps)
      .filter((b) => !b.ok)
      .sort((x, y) => (x.slackE8 < y.slackE8 ? -1 : x.slackE8 > y.slackE8 ? 1 : 0));
    if (failing.length === 0) break;
    const atAim = new Map(boundsOf(state.amounts, aimMargin).map((b) => [b.id, b]));
    let chosen: { bound: BoundStatus; candidate: Candidate } | undefined;
    for (const bound of failing.map((b) => atAim.get(b.id)!)) {
      const candidate = bestFor(bound);
      if (candidate) {
        chosen = { bound, candidate };
        break;
      }
    }
    if (!chosen) break;
    const { bound, candidate: c } = chosen;

    const { reserveIn, reserveOut } = reservesFor(state.pools[c.poolIndex]!, c.assetIn);
    const impact = priceImpactBps(c.amountIn, c.amountOut, reserveIn, reserveOut);
    const trade = `sell ${formatUnits(c.amountIn, decimals(c.assetIn), 4)} ${symbol(c.assetIn)} → ${symbol(c.assetOut)}` +
      ` (≥ ${formatUnits(c.minOut, decimals(c.assetOut), 2)} ${symbol(c.assetOut)}, impact ${formatBps(impact)})`;
    swaps.push({
      action: { assetIn: BigInt(c.assetIn), amountIn: c.amountIn, assetOut: BigInt(c.assetOut), minAmountOut: c.minOut },
      slotIn: c.slotIn,
      slotOut: c.slotOut,
      poolIndex: c.poolIndex,
      expectedAmountOut: c.amountOut,
      priceImpactBps: impact,
      valueIn: c.valueIn,
      bound: bound.id,
      fixesBound: c.fixes,
      provable: c.provable,
      reason: `${describeBound(bound, policy, req.targetMarginBps, symbol, req.scenarioNames)}: ${trade}${c.fixes ? "" : PARTIAL_NOTE[c.limit]}`,
    });

    // apply
    done.add(`${c.assetIn}>${c.assetOut}`);
    state.pools[c.poolIndex] = applySwap(state.pools[c.poolIndex]!, c.assetIn, c.amountIn, c.amountOut);
    const slotIn = state.positions[c.slotIn]!;
    state.positions[c.slotIn] = { ...slotIn, amount: slotIn.amount - c.amountIn };
    const slotOut = state.positions[c.slotOut]!;
    // The bought tokens land in the vault: the slot is vault-held afterwards (an empty slot may have had any
    // custody), as prover/witness.ts applyAction writes it.
    state.positions[c.slotOut] = { ...slotOut, assetIndex: BigInt(c.assetOut), ...(slotOut.custody === undefined ? {} : { custody: 0n }), amount: slotOut.amount + c.minOut };
    state.amounts = aggregateAmounts(state.positions, assetCount);
  }
  return finish(swaps, true);
}

/** The lowest relative slack among the bounds that are out (0 when none is). */
function worstSlack(bounds: readonly BoundStatus[]): bigint {
  return bounds.reduce((worst, b) => (!b.ok && b.slackE8 < worst ? b.slackE8 : worst), 0n);
}

/** Candidate order: provable, fixes the bound, fewest bounds left failing, safest sink, least value sold / most improvement. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.provable !== b.provable) return a.provable;
  if (a.fixes !== b.fixes) return a.fixes;
  if (a.failingAfter !== b.failingAfter) return a.failingAfter < b.failingAfter;
  if (a.sinkRank !== b.sinkRank) return a.sinkRank < b.sinkRank;
  if (a.fixes) return a.valueIn < b.valueIn;
  return a.improvement > b.improvement;
}

/** The bound's situation in words, its limit and margin included. */
export function describeBound(
  bound: BoundStatus,
  policy: PolicyFields,
  marginBps: bigint,
  symbol: (asset: number) => string,
  scenarioNames?: readonly string[],
): string {
  const margin = formatBps(marginBps);
  const limit = formatBps(bound.limitBps);
  const cmp = bound.ok ? "≥" : "<";
  switch (bound.kind) {
    case "cap":
      return `${symbol(bound.asset!)} share ${formatBps(bound.measuredBps)} ${bound.ok ? "≤" : ">"} ${limit} (cap ${formatBps(policy.capBps[bound.asset!]!)} less a ${margin} margin)`;
    case "coverage":
      return `coverage ${formatBps(bound.measuredBps)} ${cmp} ${limit} (min ${formatBps(policy.minCoverageBps)} plus a ${margin} margin)`;
    case "liquidity":
      return `liquid assets ${formatBps(bound.measuredBps)} of liabilities ${cmp} ${limit} (min ${formatBps(policy.minLiquidityBps)} plus a ${margin} margin)`;
    case "scenario": {
      const name = scenarioNames?.[bound.scenario!] ?? `#${bound.scenario}`;
      return `scenario "${name}": shocked assets ${formatBps(bound.measuredBps)} of shocked liabilities ${cmp} ${limit} (100% plus a ${margin} margin)`;
    }
  }
}
