/**
 * The simulation report: a Markdown file with one row of figures per strategy (time in policy, worst
 * coverage, trades, trading cost, proofs and proving time, final value), the charts (keeper/charts.ts) as
 * SVG files beside it, the keeper's rebalances with their reasons, and a JSON twin for scripts. Files are
 * written atomically (a reader never sees half a report).
 */
import path from "node:path";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { coverageChart, pricesChart, sharesChart, STRATEGY_STYLE } from "./charts.ts";
import { formatBps, formatUnits, formatUsdCompact } from "./format.ts";
import type { SimulationResult, StrategyMetrics, TradeRecord } from "./simulate/types.ts";

/** The chart files a report embeds, relative to the report. */
export const CHART_FILES = { coverage: "coverage.svg", shares: "shares.svg", prices: "prices.svg" } as const;
/** Every file `writeSimulationReport` writes into its folder. */
export const SIMULATION_REPORT_FILES = [...Object.values(CHART_FILES), "report.json", "report.md"] as const;

/** When a step happened: `day 2 14:00`. */
export function stepTime(result: SimulationResult, step: number): string {
  const seconds = step * result.path.stepSeconds;
  const day = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, "0");
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, "0");
  return `day ${day} ${hh}:${mm}`;
}

function duration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0 && seconds < 86_400 * 2) return `${seconds / 3600} h`;
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function pct(bps: bigint): string {
  return `${(Number(bps) / 100).toFixed(2)}%`;
}

function tradeText(result: SimulationResult, t: TradeRecord): string {
  const assets = result.treasury.assets;
  const a = assets[t.assetIn]!;
  const b = assets[t.assetOut]!;
  return `${formatUnits(t.amountIn, a.decimals, 4)} ${a.symbol} → ${formatUnits(t.amountOut, b.decimals, 2)} ${b.symbol}`;
}

function metricsRow(result: SimulationResult, m: StrategyMetrics): string {
  const symbol = (id: string): string => {
    const [kind, index] = id.split(":");
    if (kind === "cap") return `cap ${result.treasury.assets[Number(index)]!.symbol}`;
    if (kind === "scenario") return `scenario "${result.treasury.scenarioNames[Number(index)] ?? index}"`;
    return id;
  };
  const breaches = Object.entries(m.breachSteps)
    .map(([id, steps]) => `${symbol(id)}: ${steps}`)
    .join(", ");
  const proofs = m.strategy === "keeper" ? `${m.proofs.s2} S2 + ${m.proofs.s1} S1` : "—";
  const proving = m.strategy === "keeper" ? duration(m.provingSeconds) : "—";
  return `| ${STRATEGY_STYLE[m.strategy].label} | **${pct(m.timeInComplianceBps)}** | ${pct(m.worstCoverageBps)} (${stepTime(result, m.worstCoverageStep)}) | ${
    m.firstBreachStep === undefined ? "never" : stepTime(result, m.firstBreachStep)
  } | ${breaches || "—"} | ${m.trades} | ${formatUsdCompact(m.volume)} | ${formatUsdCompact(m.tradingCost)} | ${proofs} | ${proving} | ${formatUsdCompact(m.finalValue)} |`;
}

/** The report's Markdown, embedding the charts by relative file name. */
export function renderReport(result: SimulationResult, options: { maxTrades?: number } = {}): string {
  const { treasury, path: pricePath, settings } = result;
  const steps = pricePath.answers.length - 1;
  const quotes = [treasury.quoteAsset, ...treasury.extraQuoteAssets].map((a) => treasury.assets[a]!.symbol).join(", ");
  const lines: string[] = [];
  lines.push(`# Simulation: ${pricePath.name} — ${treasury.name}`, "");
  if (pricePath.description) lines.push(`> ${pricePath.description}`, "");
  lines.push(
    `${steps} steps of ${duration(pricePath.stepSeconds)} (${(steps * pricePath.stepSeconds / 86_400).toFixed(1)} days). ` +
      `Three copies of the treasury on the same price path, each with its own Uniswap V2 pools (every asset against ${quotes}, ` +
      `arbitraged back to the oracle every step, 0.3% fee):`,
    "",
    `- **keeper**: acts when a bound comes within ${formatBps(settings.triggerMarginBps)} of its limit (margins are fractions of each limit: a 30% cap triggers at ${formatBps((3000n * (10_000n - settings.triggerMarginBps)) / 10_000n)}), ` +
      `then restores every bound to ${formatBps(settings.targetMarginBps)} inside its limit; ` +
      `swaps with ${formatBps(settings.slippageBps)} slippage tolerance and at most ${formatBps(settings.maxPriceImpactBps)} price impact each, ` +
      `at most ${settings.maxSwapsPerStep} per step${settings.requireProvableSwaps ? ", only swaps a rebalance proof (S2) can prove" : ""}; re-attests (S1) after trading.`,
    `- **static**: no automation.`,
    `- **weekly committee**: every ${(settings.committeePeriodSeconds / 86_400).toFixed(0)} days, back to the starting value weights (drift tolerance ${formatBps(settings.committeeDriftBps)}), policy-blind.`,
    "",
    "A step is *in policy* when every bound (caps, coverage, liquidity, each stress scenario) holds exactly, both after the price move and after the strategy's trades.",
    "",
  );
  lines.push(
    "| strategy | time in policy | worst coverage | first breach | steps out, by bound | trades | volume | trading cost | proofs | proving time | final value |",
    "|---|---:|---:|---|---|---:|---:|---:|---|---:|---:|",
  );
  for (const run of result.runs) lines.push(metricsRow(result, run.metrics));
  lines.push(
    "",
    `Policy minimum coverage: ${pct(treasury.policy.minCoverageBps)}. Trading cost: oracle value sold minus oracle value received (fees and price impact). ` +
      `Proving time is estimated at ${settings.proofSeconds.s2} s per S2 and ${settings.proofSeconds.s1} s per S1 (DESIGN budgets) in the pure simulation; the chain-backed run measures it.`,
    "",
    `![Coverage ratio per strategy](${CHART_FILES.coverage})`,
    "",
    `![Each asset's share against its cap](${CHART_FILES.shares})`,
    "",
    `![Price path](${CHART_FILES.prices})`,
    "",
  );

  const keeper = result.runs.find((r) => r.strategy === "keeper");
  if (keeper) {
    lines.push("## The keeper's rebalances", "");
    if (keeper.trades.length === 0) lines.push("None: no bound came within the trigger margin.", "");
    else {
      const max = options.maxTrades ?? 60;
      lines.push("| when | swap | why |", "|---|---|---|");
      for (const t of keeper.trades.slice(0, max)) lines.push(`| ${stepTime(result, t.step)} | ${tradeText(result, t)} | ${t.reason.replace(/\|/g, "\\|")} |`);
      if (keeper.trades.length > max) lines.push(`| … | ${keeper.trades.length - max} more | |`);
      lines.push("");
    }
    if (keeper.metrics.waitingSteps > 0) {
      lines.push(
        `At ${keeper.metrics.waitingSteps} step(s) a bound was within its trigger margin but no swap a rebalance proof could carry helped without costing another bound more, so the keeper waited.`,
        "",
      );
    }
  }

  lines.push("## Policy at the start", "", "| bound | measured | limit | holds |", "|---|---:|---:|---|");
  for (const b of result.initialBounds) {
    const name =
      b.kind === "cap" ? `cap ${treasury.assets[b.asset!]!.symbol}` : b.kind === "scenario" ? `scenario "${treasury.scenarioNames[b.scenario!] ?? b.scenario}"` : b.kind;
    const limit = b.kind === "cap" ? `≤ ${pct(b.limitBps)}` : `≥ ${pct(b.limitBps)}`;
    lines.push(`| ${name} | ${pct(b.measuredBps)} | ${limit} | ${b.ok ? "yes" : "**no**"} |`);
  }
  lines.push("");
  return lines.join("\n");
}

/** A JSON-safe copy of the result's figures and trades (bigints as decimal strings). */
export function reportJson(result: SimulationResult): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        format: "homeostat-simulation/1",
        scenario: result.path.name,
        treasury: result.treasury.name,
        stepSeconds: result.path.stepSeconds,
        steps: result.path.answers.length - 1,
        settings: result.settings,
        strategies: result.runs.map((run) => ({ metrics: run.metrics, trades: run.trades })),
      },
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    ),
  );
}

/** Writes `report.md`, `report.json` and the chart SVGs into `outDir`; returns the files written. */
export function writeSimulationReport(result: SimulationResult, outDir: string): string[] {
  const files: Array<[string, string]> = [
    [CHART_FILES.coverage, coverageChart(result)],
    [CHART_FILES.shares, sharesChart(result)],
    [CHART_FILES.prices, pricesChart(result)],
    ["report.json", `${JSON.stringify(reportJson(result), null, 2)}\n`],
    ["report.md", renderReport(result)],
  ];
  return files.map(([name, content]) => {
    const file = path.join(outDir, name);
    writeFileAtomic(file, content);
    return file;
  });
}
