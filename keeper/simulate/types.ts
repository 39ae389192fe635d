/**
 * Types of the market simulation (`homeostat simulate`): the treasury it starts from, the price path it
 * replays, what each strategy did, and the metrics. Every value is an exact integer; the series are
 * bigint too and only the charts turn them into float coordinates.
 */
import type { PolicyFields } from "../../core/hash.ts";
import type { Position } from "../../core/types.ts";
import type { BoundStatus } from "../bounds.ts";

/** One asset as the simulation needs it. */
export interface SimAsset {
  symbol: string;
  decimals: number;
  /** Decimals of its price feed's answer (8 for Chainlink USD feeds). */
  feedDecimals: number;
  /** The feed's answer at step 0 (raw integer). */
  answer: bigint;
  /** Depth of its Uniswap V2 pool against the quote asset: USD per side at step 0 (whole dollars); 0 = no pool. */
  poolDepthUsd: bigint;
}

/** The treasury the simulation starts from. Asset order is the policy's. */
export interface SimTreasury {
  name: string;
  assets: SimAsset[];
  /** Position slots (length N, a power of two; unused slots have amount 0). */
  positions: Position[];
  policy: PolicyFields;
  scenarioNames: string[];
  /** Liabilities total in base units of the liability asset. */
  liabilitiesTotal: bigint;
  /** The main quote asset: every asset has a pool against it (usually the liability asset, a USD stablecoin). */
  quoteAsset: number;
  /**
   * Further quote assets (other liquid stablecoins): every asset also has a pool against each of them, as
   * WETH/USDT and WETH/DAI pools exist beside WETH/USDC. Empty for a single-quote market.
   */
  extraQuoteAssets: number[];
}

/** A labelled moment of a price path, drawn on the charts. */
export interface PathEvent {
  step: number;
  label: string;
}

/** Feed answers over time: `answers[t][a]`, `t = 0` is the start. */
export interface PricePath {
  name: string;
  description?: string;
  /** Seconds between steps. */
  stepSeconds: number;
  answers: bigint[][];
  events: PathEvent[];
}

/** The strategies compared on one path. */
export type StrategyName = "keeper" | "static" | "committee";

/** One swap a strategy made. */
export interface TradeRecord {
  step: number;
  assetIn: number;
  amountIn: bigint;
  assetOut: number;
  /** What the pool paid. */
  amountOut: bigint;
  /** The floor the swap was sent with. */
  minAmountOut: bigint;
  /** Oracle values (USD x 10^36) of what went in and came out: their difference is the trade's cost. */
  valueIn: bigint;
  valueOut: bigint;
  /** Why (the planner's reason, or the committee's drift). */
  reason: string;
  /** The bound a keeper swap was for. */
  bound?: string;
}

/** One sample per step and strategy. */
export interface StepSample {
  step: number;
  /** Total value after the strategy acted (USD x 10^36). */
  totalValue: bigint;
  /** Haircut-adjusted coverage ratio (bps) before and after the strategy acted. */
  coverageBeforeBps: bigint;
  coverageBps: bigint;
  /** Each asset's share of the total (bps) after the strategy acted. */
  sharesBps: bigint[];
  /** The state passed every bound exactly both before and after the strategy acted this step. */
  compliant: boolean;
  /** Bounds broken before or after acting (ids). */
  failed: string[];
  /** Trades made this step. */
  trades: number;
}

/** The figures of one strategy over one path. */
export interface StrategyMetrics {
  strategy: StrategyName;
  steps: number;
  compliantSteps: number;
  /** Compliant steps / steps, in bps (floored). */
  timeInComplianceBps: bigint;
  worstCoverageBps: bigint;
  worstCoverageStep: number;
  /** The first step with a broken bound, if any. */
  firstBreachStep?: number;
  /** Steps each bound spent broken. */
  breachSteps: Record<string, number>;
  trades: number;
  /** Oracle value sold (USD x 10^36). */
  volume: bigint;
  /** Oracle value lost to fees and price impact (USD x 10^36). */
  tradingCost: bigint;
  /** Proofs the strategy needed: S2 per keeper swap, S1 per re-attestation. */
  proofs: { s1: number; s2: number };
  /** Seconds spent proving (estimated by the pure simulation; measured by the chain-backed run). */
  provingSeconds: number;
  /**
   * Steps at which a bound was within its trigger margin but no swap S2 could prove helped without costing
   * another bound more, so the keeper waited (the state may still be inside the policy).
   */
  waitingSteps: number;
  finalValue: bigint;
}

/** What one strategy did over the path. */
export interface StrategyRun {
  strategy: StrategyName;
  samples: StepSample[];
  trades: TradeRecord[];
  metrics: StrategyMetrics;
  /** Position slots at the end. */
  finalPositions: Position[];
}

/** A whole simulation: the inputs and each strategy's run. */
export interface SimulationResult {
  treasury: SimTreasury;
  path: PricePath;
  /** Unit prices per step (USD per base unit x 10^36). */
  unitPrices: bigint[][];
  runs: StrategyRun[];
  /** The policy bounds at step 0 (exact), for the report. */
  initialBounds: BoundStatus[];
  settings: SimulationSettings;
}

/** Knobs of the strategies. */
export interface SimulationSettings {
  /** The keeper acts when a bound fails with this margin (bps). */
  triggerMarginBps: bigint;
  /** ...and restores every bound with this margin (bps). */
  targetMarginBps: bigint;
  /** Slippage tolerance for the swaps' `minAmountOut` (bps). */
  slippageBps: bigint;
  /** Most keeper swaps per step. */
  maxSwapsPerStep: number;
  /** Largest price impact one keeper swap may take (bps, fee included); bigger sales wait for arbitrage. */
  maxPriceImpactBps: bigint;
  /** The committee meets every this many seconds (default 7 days). */
  committeePeriodSeconds: number;
  /** The committee leaves weights within this many bps of target alone. */
  committeeDriftBps: bigint;
  /** The keeper executes only swaps S2 can prove (the new state passes every bound). */
  requireProvableSwaps: boolean;
  /** Estimated seconds per proof for the pure simulation (DESIGN section 9 budgets by default). */
  proofSeconds: { s1: number; s2: number };
}
