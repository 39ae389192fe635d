/**
 * The three treasuries the simulation compares on one price path:
 *  - keeper: every step, the planner (keeper/planner.ts) with trigger and target margins; each planned swap
 *    is one S2 proof and one router swap, and a step with swaps ends with an S1 re-attestation. With
 *    `requireProvableSwaps`, only swaps whose new state passes every bound are planned (S2 proves nothing else).
 *  - static: no automation.
 *  - committee: every `committeePeriodSeconds` (a week), back to the step-0 value weights through the same
 *    pools, policy-blind, as a treasury committee with a spreadsheet would.
 */
import { BPS } from "../../core/field.ts";
import type { Position } from "../../core/types.ts";
import type { ExactCheck } from "../bounds.ts";
import { aggregateAmounts, assetValues } from "../bounds.ts";
import { formatBps, formatUnits } from "../format.ts";
import { largestSlot, planRebalance, receivingSlot } from "../planner.ts";
import { minAmountOut } from "../amm.ts";
import type { SimMarket } from "./market.ts";
import type { SimulationSettings, SimTreasury, StrategyName, TradeRecord } from "./types.ts";

/** What a strategy sees and may change at one step. */
export interface StrategyContext {
  step: number;
  unitPrices: readonly bigint[];
  treasury: SimTreasury;
  market: SimMarket;
  /** The strategy's own position slots; it updates them with what it actually received. */
  positions: Position[];
  settings: SimulationSettings;
  exactCheck: ExactCheck;
}

/** What a strategy did at one step. */
export interface StepOutcome {
  trades: TradeRecord[];
  proofs: { s1: number; s2: number };
  /** 1 when a bound was within its trigger margin but no provable swap helped without costing another bound more: the keeper waited. */
  waiting: number;
}

/** A treasury management strategy. */
export interface Strategy {
  readonly name: StrategyName;
  act(ctx: StrategyContext): StepOutcome;
}

const NOTHING: StepOutcome = { trades: [], proofs: { s1: 0, s2: 0 }, waiting: 0 };

/** Removes `amount` of `asset` from its slots, largest first. */
export function debitSlots(positions: Position[], asset: number, amount: bigint): void {
  let left = amount;
  while (left > 0n) {
    const slot = largestSlot(positions, asset);
    if (slot < 0) throw new RangeError(`debitSlots: not enough of asset ${asset}`);
    const take = positions[slot]!.amount < left ? positions[slot]!.amount : left;
    positions[slot] = { ...positions[slot]!, amount: positions[slot]!.amount - take };
    left -= take;
  }
}

/** Adds `amount` of `asset` to its largest vault-held slot, or to an empty slot. */
export function creditSlot(positions: Position[], asset: number, amount: bigint, slot = receivingSlot(positions, asset, -1)): void {
  if (slot < 0) throw new RangeError(`creditSlot: no slot can receive asset ${asset}`);
  const p = positions[slot]!;
  // Swap proceeds land in the vault: the receiving slot (vault-held, or empty with any old custody) is vault-held.
  positions[slot] = { ...p, assetIndex: BigInt(asset), ...(p.custody === undefined ? {} : { custody: 0n }), amount: p.amount + amount };
}

/** The keeper: plan with margins every step, prove and execute what can be proven. */
export function keeperStrategy(): Strategy {
  return {
    name: "keeper",
    act(ctx) {
      const { treasury, settings } = ctx;
      const plan = planRebalance({
        positions: ctx.positions,
        unitPrices: ctx.unitPrices,
        policy: treasury.policy,
        liabilitiesTotal: treasury.liabilitiesTotal,
        pools: ctx.market.pools,
        triggerMarginBps: settings.triggerMarginBps,
        targetMarginBps: settings.targetMarginBps,
        slippageBps: settings.slippageBps,
        assets: treasury.assets,
        scenarioNames: treasury.scenarioNames,
        maxSwaps: settings.maxSwapsPerStep,
        maxPriceImpactBps: settings.maxPriceImpactBps,
        exactCheck: ctx.exactCheck,
        provableOnly: settings.requireProvableSwaps,
      });
      if (!plan.act) return NOTHING;
      // within a trigger margin, but no provable swap helps without costing another bound more: wait
      if (plan.swaps.length === 0) return { ...NOTHING, waiting: plan.complete ? 0 : 1 };
      const trades: TradeRecord[] = [];
      for (const swap of plan.swaps) {
        if (settings.requireProvableSwaps && !swap.provable) break;
        const assetIn = Number(swap.action.assetIn);
        const assetOut = Number(swap.action.assetOut);
        const amountOut = ctx.market.swap(assetIn, assetOut, swap.action.amountIn, swap.action.minAmountOut);
        // the private state moves by what was actually received (re-attested by S1 below)
        const slotIn = ctx.positions[swap.slotIn]!;
        ctx.positions[swap.slotIn] = { ...slotIn, amount: slotIn.amount - swap.action.amountIn };
        creditSlot(ctx.positions, assetOut, amountOut, swap.slotOut);
        trades.push({
          step: ctx.step,
          assetIn,
          amountIn: swap.action.amountIn,
          assetOut,
          amountOut,
          minAmountOut: swap.action.minAmountOut,
          valueIn: swap.action.amountIn * ctx.unitPrices[assetIn]!,
          valueOut: amountOut * ctx.unitPrices[assetOut]!,
          reason: swap.reason,
          bound: swap.bound,
        });
      }
      return { trades, proofs: { s1: trades.length > 0 ? 1 : 0, s2: trades.length }, waiting: 0 };
    },
  };
}

/** No automation. */
export function staticStrategy(): Strategy {
  return { name: "static", act: () => NOTHING };
}

/** A weekly committee that trades back to the step-0 value weights, ignoring the policy. */
export function committeeStrategy(initialPositions: readonly Position[], initialPrices: readonly bigint[], stepSeconds: number): Strategy {
  const assetCount = initialPrices.length;
  const initialValues = assetValues(aggregateAmounts(initialPositions, assetCount), initialPrices);
  const initialTotal = initialValues.reduce((s, v) => s + v, 0n);
  return {
    name: "committee",
    act(ctx) {
      const period = Math.max(1, Math.round(ctx.settings.committeePeriodSeconds / stepSeconds));
      if (ctx.step === 0 || ctx.step % period !== 0 || initialTotal === 0n) return NOTHING;
      const { treasury, unitPrices, market } = ctx;
      const quote = treasury.quoteAsset;
      const symbol = (a: number): string => treasury.assets[a]!.symbol;
      const trades: TradeRecord[] = [];
      const values = (): bigint[] => assetValues(aggregateAmounts(ctx.positions, assetCount), unitPrices);
      const total = values().reduce((s, v) => s + v, 0n);
      const target = initialValues.map((v) => (v * total) / initialTotal);
      const drift = (total * ctx.settings.committeeDriftBps) / BPS;

      const trade = (assetIn: number, assetOut: number, amountIn: bigint, why: string): void => {
        if (amountIn <= 0n || market.poolIndex(assetIn, assetOut) < 0) return;
        const minOut = minAmountOut(market.quote(assetIn, assetOut, amountIn), ctx.settings.slippageBps);
        const amountOut = market.swap(assetIn, assetOut, amountIn, minOut);
        debitSlots(ctx.positions, assetIn, amountIn);
        creditSlot(ctx.positions, assetOut, amountOut);
        trades.push({
          step: ctx.step, assetIn, amountIn, assetOut, amountOut, minAmountOut: minOut,
          valueIn: amountIn * unitPrices[assetIn]!, valueOut: amountOut * unitPrices[assetOut]!,
          reason: `weekly rebalance: ${why}: sell ${formatUnits(amountIn, treasury.assets[assetIn]!.decimals, 4)} ${symbol(assetIn)} → ${symbol(assetOut)}`,
        });
      };
      const weight = (v: bigint): string => formatBps(total === 0n ? 0n : (v * BPS) / total);

      // overweight assets first (raising quote), then buy the underweight ones with it
      let now = values();
      for (let a = 0; a < assetCount; a++) {
        if (a === quote || now[a]! <= target[a]! + drift) continue;
        trade(a, quote, (now[a]! - target[a]!) / unitPrices[a]!, `${symbol(a)} weight ${weight(now[a]!)} > target ${weight(target[a]!)}`);
      }
      now = values();
      for (let a = 0; a < assetCount; a++) {
        if (a === quote || now[a]! + drift >= target[a]!) continue;
        const spare = aggregateAmounts(ctx.positions, assetCount)[quote]! - target[quote]! / unitPrices[quote]!;
        let spend = (target[a]! - now[a]!) / unitPrices[quote]!;
        if (spend > spare) spend = spare;
        trade(quote, a, spend, `${symbol(a)} weight ${weight(now[a]!)} < target ${weight(target[a]!)}`);
      }
      return { trades, proofs: { s1: 0, s2: 0 }, waiting: 0 };
    },
  };
}
