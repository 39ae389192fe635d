/**
 * Runs the market simulation: the same price path through three treasuries (keeper, static, weekly
 * committee), each with its own pools. Per step: the feeds move, the arbitrageur brings every pool back to
 * the oracle, the strategy acts; the state is sampled before and after it acts. Pure and deterministic:
 * no clock, no randomness beyond the path's seed, exact integers throughout.
 *
 * The chain-backed run (integration) keeps this loop and these metrics, and swaps the model parts:
 * feeds -> MockV3Aggregator.updateAnswer, pools -> Uniswap V2 pairs, `proofSeconds` -> measured proving.
 */
import { BPS } from "../../core/field.ts";
import { type ExactCheck, aggregateAmounts, assetValues, boundsExactCheck, coverageBps, evaluatePositions, sharesBps } from "../bounds.ts";
import { SimMarket, clonePositions, initialPools, unitPricesAt } from "./market.ts";
import { type Strategy, committeeStrategy, keeperStrategy, staticStrategy } from "./strategies.ts";
import type {
  PricePath,
  SimTreasury,
  SimulationResult,
  SimulationSettings,
  StepSample,
  StrategyMetrics,
  StrategyName,
  StrategyRun,
  TradeRecord,
} from "./types.ts";

/**
 * Defaults: act 2% before a bound breaks, restore 5% inside it (a 40%-a-day crash moves coverage more than
 * 1% an hour), 0.5% slippage, at most 2% price impact per swap, weekly committee, DESIGN proof budgets.
 */
export const DEFAULT_SETTINGS: SimulationSettings = {
  triggerMarginBps: 200n,
  targetMarginBps: 500n,
  slippageBps: 50n,
  maxSwapsPerStep: 6,
  maxPriceImpactBps: 200n,
  committeePeriodSeconds: 7 * 86_400,
  committeeDriftBps: 100n,
  requireProvableSwaps: true,
  proofSeconds: { s1: 4, s2: 8 },
};

/** Proving time per proof kind; the chain-backed run passes the measured time, the pure run estimates. */
export type ProvingClock = (kind: "s1" | "s2", step: number) => number;

/** What to simulate. */
export interface SimulationInput {
  treasury: SimTreasury;
  path: PricePath;
  settings?: Partial<SimulationSettings>;
  /** Default: keeper, static, committee. */
  strategies?: readonly StrategyName[];
  /** The exact policy check (default: the keeper's bounds at margin 0; the prover's evaluator plugs in here). */
  exactCheck?: ExactCheck;
  /** Seconds each proof took (default: `settings.proofSeconds`). */
  provingClock?: ProvingClock;
}

function validateInput(treasury: SimTreasury, path: PricePath): void {
  const assetCount = treasury.assets.length;
  if (treasury.policy.capBps.length !== assetCount) throw new RangeError(`treasury ${treasury.name}: the policy has ${treasury.policy.capBps.length} assets, the treasury ${assetCount}`);
  if (path.answers.length === 0) throw new RangeError(`path ${path.name}: no steps`);
  path.answers.forEach((row, t) => {
    if (row.length !== assetCount) throw new RangeError(`path ${path.name}: step ${t} has ${row.length} answers for ${assetCount} assets`);
    if (row.some((x) => x <= 0n)) throw new RangeError(`path ${path.name}: step ${t} has a non-positive answer`);
  });
}

function makeStrategy(name: StrategyName, treasury: SimTreasury, prices0: readonly bigint[], stepSeconds: number): Strategy {
  switch (name) {
    case "keeper":
      return keeperStrategy();
    case "static":
      return staticStrategy();
    case "committee":
      return committeeStrategy(treasury.positions, prices0, stepSeconds);
  }
}

/** Runs every strategy over the path. */
export function runSimulation(input: SimulationInput): SimulationResult {
  const { treasury, path } = input;
  validateInput(treasury, path);
  const settings: SimulationSettings = { ...DEFAULT_SETTINGS, ...input.settings };
  const exactCheck = input.exactCheck ?? boundsExactCheck;
  const clock: ProvingClock = input.provingClock ?? ((kind) => settings.proofSeconds[kind]);
  const unitPrices = path.answers.map((answers) => unitPricesAt(treasury, answers));
  const pools0 = initialPools(treasury, unitPrices[0]!);
  const names = input.strategies ?? (["keeper", "static", "committee"] as const);

  const runs = names.map((name): StrategyRun => {
    const strategy = makeStrategy(name, treasury, unitPrices[0]!, path.stepSeconds);
    const market = new SimMarket(pools0);
    const positions = clonePositions(treasury.positions);
    const samples: StepSample[] = [];
    const trades: TradeRecord[] = [];
    const proofs = { s1: 0, s2: 0 };
    let provingSeconds = 0;
    let waiting = 0;

    unitPrices.forEach((prices, step) => {
      market.arbitrage(prices);
      const before = exactCheck(positions, prices, treasury.policy, treasury.liabilitiesTotal);
      const valuesBefore = assetValues(aggregateAmounts(positions, prices.length), prices);
      const outcome = strategy.act({ step, unitPrices: prices, treasury, market, positions, settings, exactCheck });
      trades.push(...outcome.trades);
      proofs.s1 += outcome.proofs.s1;
      proofs.s2 += outcome.proofs.s2;
      for (let i = 0; i < outcome.proofs.s2; i++) provingSeconds += clock("s2", step);
      for (let i = 0; i < outcome.proofs.s1; i++) provingSeconds += clock("s1", step);
      waiting += outcome.waiting;
      const after = exactCheck(positions, prices, treasury.policy, treasury.liabilitiesTotal);
      const values = assetValues(aggregateAmounts(positions, prices.length), prices);
      samples.push({
        step,
        totalValue: values.reduce((s, v) => s + v, 0n),
        coverageBeforeBps: coverageBps(valuesBefore, prices, treasury.policy, treasury.liabilitiesTotal),
        coverageBps: coverageBps(values, prices, treasury.policy, treasury.liabilitiesTotal),
        sharesBps: sharesBps(values),
        compliant: before.ok && after.ok,
        failed: [...new Set([...before.failed, ...after.failed])],
        trades: outcome.trades.length,
      });
    });
    return { strategy: name, samples, trades, metrics: metricsOf(name, samples, trades, proofs, provingSeconds, waiting), finalPositions: positions };
  });

  return {
    treasury,
    path,
    unitPrices,
    runs,
    initialBounds: evaluatePositions(treasury.positions, unitPrices[0]!, treasury.policy, treasury.liabilitiesTotal),
    settings,
  };
}

function metricsOf(
  strategy: StrategyName,
  samples: readonly StepSample[],
  trades: readonly TradeRecord[],
  proofs: { s1: number; s2: number },
  provingSeconds: number,
  waitingSteps: number,
): StrategyMetrics {
  const compliantSteps = samples.filter((s) => s.compliant).length;
  let worst = samples[0]!;
  const breachSteps: Record<string, number> = {};
  for (const s of samples) {
    const coverage = s.coverageBeforeBps < s.coverageBps ? s.coverageBeforeBps : s.coverageBps;
    const worstSoFar = worst.coverageBeforeBps < worst.coverageBps ? worst.coverageBeforeBps : worst.coverageBps;
    if (coverage < worstSoFar) worst = s;
    for (const id of s.failed) breachSteps[id] = (breachSteps[id] ?? 0) + 1;
  }
  const firstBreach = samples.find((s) => !s.compliant);
  const volume = trades.reduce((sum, t) => sum + t.valueIn, 0n);
  const tradingCost = trades.reduce((sum, t) => sum + (t.valueIn - t.valueOut), 0n);
  return {
    strategy,
    steps: samples.length,
    compliantSteps,
    timeInComplianceBps: (BigInt(compliantSteps) * BPS) / BigInt(samples.length),
    worstCoverageBps: worst.coverageBeforeBps < worst.coverageBps ? worst.coverageBeforeBps : worst.coverageBps,
    worstCoverageStep: worst.step,
    ...(firstBreach ? { firstBreachStep: firstBreach.step } : {}),
    breachSteps,
    trades: trades.length,
    volume,
    tradingCost,
    proofs,
    provingSeconds,
    waitingSteps,
    finalValue: samples[samples.length - 1]!.totalValue,
  };
}
