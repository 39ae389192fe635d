// Pins the simulation report (keeper/report.ts) and charts (keeper/charts.ts): the files are written, the
// Markdown has one row per strategy and embeds the charts, the SVGs are well-formed with finite coordinates,
// a line per strategy, the policy minimum and the caps, and the JSON twin parses with bigints as strings.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { coverageChart, niceTicks, pricesChart, sharesChart } from "../../keeper/charts.ts";
import { renderReport, stepTime, writeSimulationReport } from "../../keeper/report.ts";
import { resolveScenario, simulate } from "../../keeper/simulate/index.ts";
import { fixtureTreasury } from "./fixtures.ts";

const result = simulate({ treasury: fixtureTreasury(), scenario: resolveScenario("eth-crash") });

/** Light well-formedness check: one root, balanced tags, no NaN/Infinity in attributes. */
function expectSvg(svg: string): void {
  expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
  expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  const opened = (svg.match(/<(text|tspan|title|svg)\b/g) ?? []).length;
  const closed = (svg.match(/<\/(text|tspan|title|svg)>/g) ?? []).length;
  expect(closed).toBe(opened);
}

describe("charts", () => {
  it("coverage: a line per strategy, the policy minimum, a marker per trading step", () => {
    const svg = coverageChart(result);
    expectSvg(svg);
    expect(svg).toContain("policy minimum 125%");
    for (const label of ["keeper", "static (no automation)", "weekly committee"]) expect(svg).toContain(label);
    const keeper = result.runs.find((r) => r.strategy === "keeper")!;
    const tradingSteps = keeper.samples.filter((s) => s.trades > 0).length;
    // keeper markers are circles: one per trading step, plus the legend's
    expect((svg.match(/<circle /g) ?? []).length).toBe(tradingSteps + 1);
  });

  it("shares: one panel per asset with its cap", () => {
    const svg = sharesChart(result);
    expectSvg(svg);
    for (const asset of result.treasury.assets) expect(svg).toContain(`>${asset.symbol}<`);
    expect(svg).toContain("cap 30%");
  });

  it("prices: every asset that moves", () => {
    const svg = pricesChart(result);
    expectSvg(svg);
    expect(svg).toContain(">WETH<");
    expect(svg).not.toContain(">USDC<"); // USDC never moves on this path
  });

  it("ticks are round numbers covering the range", () => {
    expect(niceTicks(0, 14, 7)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(niceTicks(112, 168, 5)).toEqual([120, 140, 160]); // at most about 5: steps of 20, not 10
    expect(niceTicks(140, 170, 5)).toEqual([140, 150, 160, 170]);
  });
});

describe("report", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "homeostat-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the Markdown, its JSON twin and the three charts", () => {
    const files = writeSimulationReport(result, dir).map((f) => path.basename(f));
    expect(files.sort()).toEqual(["coverage.svg", "prices.svg", "report.json", "report.md", "shares.svg"]);
    const md = readFileSync(path.join(dir, "report.md"), "utf8");
    expect(md).toContain("# Simulation: eth-crash — fixture-8");
    expect(md).toContain("| strategy | time in policy | worst coverage |");
    expect(md).toMatch(/\| keeper \| \*\*100\.00%\*\* \|/);
    expect(md).toMatch(/\| static \(no automation\) \| \*\*\d+\.\d\d%\*\* \|/);
    for (const chart of ["coverage.svg", "shares.svg", "prices.svg"]) expect(md).toContain(`](${chart})`);
    expect(md).toContain("## The keeper's rebalances");
    const json = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as { strategies: Array<{ metrics: { strategy: string; trades: number; volume: string } }> };
    expect(json.strategies.map((s) => s.metrics.strategy)).toEqual(["keeper", "static", "committee"]);
    expect(json.strategies[0]!.metrics.volume).toMatch(/^\d+$/);
  });

  it("lists each keeper swap with its reason, and names times by day and hour", () => {
    const keeper = result.runs.find((r) => r.strategy === "keeper")!;
    const md = renderReport(result, { maxTrades: 5 });
    expect(md).toContain(keeper.trades[0]!.reason);
    expect(md).toContain(`| … | ${keeper.trades.length - 5} more | |`);
    expect(stepTime(result, 0)).toBe("day 0 00:00");
    expect(stepTime(result, 61)).toBe("day 2 13:00");
  });
});
