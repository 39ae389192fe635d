// Pins the market simulation (keeper/simulate/): on the bundled ETH-crash scenario the static treasury leaves
// its policy while the keeper keeps it inside, on the example treasury (examples/meridian) and on the
// keeper fixture; a depeg the policy absorbs makes the keeper do nothing; runs and price paths are
// deterministic; scenario files are validated with errors naming the file and field.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isUserError } from "../../core/errors.ts";
import { loadTreasury, readUsersFile } from "../../prover/treasury.ts";
import {
  buildPricePath,
  defaultRandomWalk,
  loadScenario,
  resolveScenario,
  simTreasuryFrom,
  simulate,
  type SimTreasury,
  type SimulationResult,
  type StrategyName,
} from "../../keeper/simulate/index.ts";
import { fixtureTreasury } from "./fixtures.ts";

const EXAMPLE = path.join(import.meta.dirname, "..", "..", "examples", "meridian");

/**
 * The example treasury. Its users owe $20M against $40M of assets (coverage 182.6% against a 150% minimum),
 * which a 40% ETH crash cannot break: Meridian with 10% more deposits ($22M, coverage 166% at the start)
 * is the treasury the crash story is about.
 */
function meridian(liabilitiesPercent = 100n): SimTreasury {
  const treasury = loadTreasury({
    treasury: path.join(EXAMPLE, "treasury.json"),
    policy: path.join(EXAMPLE, "policy.json"),
    prices: path.join(EXAMPLE, "prices.json"),
  });
  const users = readUsersFile(path.join(EXAMPLE, "users.csv"), treasury.policy.assets[treasury.policy.liabilityAsset]!);
  const total = users.reduce((sum, u) => sum + u.balance, 0n);
  return simTreasuryFrom(treasury, (total * liabilitiesPercent) / 100n);
}

function metrics(result: SimulationResult, name: StrategyName) {
  return result.runs.find((r) => r.strategy === name)!.metrics;
}

describe("simulate: the bundled ETH crash", () => {
  const result = simulate({ treasury: meridian(110n), scenario: resolveScenario("eth-crash") });
  const minCoverage = result.treasury.policy.minCoverageBps;

  it("the static treasury leaves its policy (coverage) and stays out most of the time", () => {
    const m = metrics(result, "static");
    expect(m.firstBreachStep).toBeDefined();
    expect(m.worstCoverageBps).toBeLessThan(minCoverage);
    expect(m.breachSteps.coverage).toBeGreaterThan(100);
    expect(m.timeInComplianceBps).toBeLessThan(5_000n);
    expect(m.trades).toBe(0);
  });

  it("the weekly committee does no better: back to the old weights buys the risk back", () => {
    const m = metrics(result, "committee");
    expect(m.firstBreachStep).toBeDefined();
    expect(m.trades).toBeGreaterThan(0);
    expect(m.worstCoverageBps).toBeLessThanOrEqual(metrics(result, "static").worstCoverageBps);
  });

  it("the keeper keeps every bound inside, at every step, with proven swaps", () => {
    const m = metrics(result, "keeper");
    expect(m.timeInComplianceBps).toBe(10_000n);
    expect(m.firstBreachStep).toBeUndefined();
    expect(m.worstCoverageBps).toBeGreaterThanOrEqual(minCoverage);
    expect(m.trades).toBeGreaterThan(0);
    expect(m.proofs.s2).toBe(m.trades);
    expect(m.proofs.s1).toBeGreaterThan(0);
    expect(m.provingSeconds).toBe(m.proofs.s2 * 8 + m.proofs.s1 * 4);
    expect(m.waitingSteps).toBe(0);
    // it acts only once the crash is under way (step 48 on), never in the calm before
    const keeper = result.runs.find((r) => r.strategy === "keeper")!;
    expect(Math.min(...keeper.trades.map((t) => t.step))).toBeGreaterThan(48);
    // every trade got at least its floor, and sold risk for a stablecoin
    for (const t of keeper.trades) {
      expect(t.amountOut).toBeGreaterThanOrEqual(t.minAmountOut);
      expect(t.reason.length).toBeGreaterThan(20);
    }
  });

  it("is deterministic: the same inputs give the same run", () => {
    const again = simulate({ treasury: meridian(110n), scenario: resolveScenario("eth-crash") });
    expect(again.runs.map((r) => r.metrics)).toEqual(result.runs.map((r) => r.metrics));
    expect(again.runs[0]!.trades).toEqual(result.runs[0]!.trades);
  });

  it("also holds on the keeper fixture ($100M against $55M, 125% minimum)", () => {
    const fixture = simulate({ treasury: fixtureTreasury(), scenario: resolveScenario("eth-crash") });
    expect(metrics(fixture, "keeper").timeInComplianceBps).toBe(10_000n);
    expect(metrics(fixture, "static").timeInComplianceBps).toBeLessThan(5_000n);
  });
});

describe("simulate: what the keeper leaves alone", () => {
  it("the example treasury as published rides out the crash without a breach (its margins are wide)", () => {
    const result = simulate({ treasury: meridian(), scenario: resolveScenario("eth-crash"), strategies: ["static"] });
    expect(metrics(result, "static").timeInComplianceBps).toBe(10_000n);
  });

  it("a USDT depeg to $0.90 that the policy absorbs: no breach, no keeper trade", () => {
    const result = simulate({ treasury: meridian(110n), scenario: resolveScenario("stable-depeg") });
    const usdt = result.treasury.assets.findIndex((a) => a.symbol === "USDT");
    const lowest = Math.min(...result.path.answers.map((row) => Number(row[usdt]!)));
    expect(lowest).toBeLessThan(0.91e8);
    expect(metrics(result, "keeper").trades).toBe(0);
    for (const run of result.runs) expect(run.metrics.timeInComplianceBps).toBe(10_000n);
  });
});

describe("price paths", () => {
  const treasury = meridian();

  it("a seeded random walk is reproducible, seed-dependent and positive", () => {
    const a = buildPricePath(defaultRandomWalk(treasury, 42, 200), treasury);
    const b = buildPricePath(defaultRandomWalk(treasury, 42, 200), treasury);
    const c = buildPricePath(defaultRandomWalk(treasury, 43, 200), treasury);
    expect(a.answers).toEqual(b.answers);
    expect(a.answers).not.toEqual(c.answers);
    expect(a.answers).toHaveLength(201);
    expect(a.answers[0]).toEqual(treasury.assets.map((x) => x.answer));
    expect(a.answers.flat().every((x) => x > 0n)).toBe(true);
  });

  it("keyframes interpolate linearly from the treasury's prices", () => {
    const path_ = buildPricePath(resolveScenario("eth-crash"), treasury);
    const weth = treasury.assets.findIndex((x) => x.symbol === "WETH");
    expect(path_.stepSeconds).toBe(3600);
    expect(path_.answers).toHaveLength(337);
    // 24 hours after the fall began, within the noise of the 60% keyframe
    const ratio = Number(path_.answers[72]![weth]!) / Number(treasury.assets[weth]!.answer);
    expect(ratio).toBeGreaterThan(0.55);
    expect(ratio).toBeLessThan(0.65);
    expect(path_.events.map((e) => e.step)).toEqual([48, 72, 216]);
  });
});

describe("scenario files", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "homeostat-scenario-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
  };
  const base = {
    format: "homeostat-scenario/1",
    name: "t",
    stepSeconds: "1h",
    steps: 10,
    keyframes: { values: "multiplier", frames: [{ step: 5, prices: { WETH: "0.5" } }] },
  };
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(isUserError(e)).toBe(true);
      return (e as Error).message;
    }
    throw new Error("expected a refusal");
  };

  it("accepts USD keyframes and reaches the given price", () => {
    const file = write("usd.json", { ...base, keyframes: { values: "usd", frames: [{ step: 10, prices: { WETH: "1706.275" } }] } });
    const treasury = meridian();
    const p = buildPricePath(loadScenario(file), treasury);
    const weth = treasury.assets.findIndex((x) => x.symbol === "WETH");
    expect(p.answers[10]![weth]).toBe(170_627_500_000n);
  });

  it("refuses bad files naming the file and the field", () => {
    expect(refusal(() => loadScenario(write("steps.json", { ...base, keyframes: { values: "multiplier", frames: [{ step: 5, prices: {} }, { step: 5, prices: {} }] } })))).toMatch(
      /steps\.json: keyframes\.frames\[1\]\.step: frame steps must increase/,
    );
    expect(refusal(() => loadScenario(write("both.json", { ...base, randomWalk: { seed: 1, assets: {} } })))).toMatch(/both\.json: keyframes: give exactly one of keyframes or randomWalk/);
    expect(refusal(() => loadScenario(write("syntax.json", "{\n  \"format\": \n}")))).toMatch(/syntax\.json:\d+: invalid JSON/);
    const unknown = write("unknown.json", { ...base, keyframes: { values: "multiplier", frames: [{ step: 5, prices: { DOGE: "2" } }] } });
    expect(refusal(() => buildPricePath(loadScenario(unknown), meridian()))).toMatch(/unknown\.json: keyframes\.frames\[0\]\.prices\.DOGE: DOGE is not an asset of treasury/);
  });
});
