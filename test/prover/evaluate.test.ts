// Pins the health report: for each kind of bound (a cap, coverage, liquidity, every scenario, a feed), a
// crafted treasury that breaks only that bound is reported naming it, with the shortfall and a fix; and
// the suggested trade, applied with the circuit's exact rules, does restore the bound. Also pins that the
// prover refuses such a treasury BEFORE proving (no keys needed: it stops at the evaluation).
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateTreasury, type BoundCheck, type HealthReport } from "../../prover/evaluate.ts";
import { applyTrade } from "../../prover/fixes.ts";
import { PolicyViolationError, proveSolvency } from "../../prover/prove.ts";
import { describeFailure, formatReport, reportToJson, summarizeFailures } from "../../prover/report.ts";
import { evaluateRules, exactCheck, liabilitiesValue, valuesByAsset, amountsByAsset } from "../../prover/rules.ts";
import { loadState } from "../../prover/state.ts";
import { loadTreasury, policyFields, type RiskPolicy, type Treasury } from "../../prover/treasury.ts";

const EXAMPLE = path.resolve(import.meta.dirname, "../../examples/small");
const LIABILITIES = 2_000_071_500_000n; // examples/small/users.csv, in USDC base units
const USDC = 10n ** 6n;
const WETH = 10n ** 18n;

let base: Treasury;
beforeAll(() => {
  base = loadTreasury({ treasury: `${EXAMPLE}/treasury.json`, policy: `${EXAMPLE}/policy.json`, prices: `${EXAMPLE}/prices.json` });
});

function clonePolicy(edit: (p: RiskPolicy) => void): RiskPolicy {
  const p = structuredClone(base.policy);
  edit(p);
  return p;
}

function only(report: HealthReport, id: string): BoundCheck {
  expect(report.ok).toBe(false);
  expect(report.failures.map((f) => f.id)).toEqual([id]);
  return report.failures[0]!;
}

/** The fix's trade, applied to per-asset values, restores the bound under the exact rules. */
function expectFixRestores(report: HealthReport, check: BoundCheck, policy: RiskPolicy, liabilities: bigint): void {
  const options = [check.fix?.sell, check.fix?.add].filter((o) => o !== undefined);
  expect(options.length).toBeGreaterThan(0);
  const fields = policyFields(policy);
  const unitPrices = report.assets.map((a) => a.unitPrice);
  for (const option of options) {
    expect(option.restores).toBe(true);
    const values = applyTrade(report.assets.map((a) => a.value), option.trade, unitPrices);
    const after = evaluateRules(values, fields, liabilitiesValue(fields, unitPrices, liabilities));
    expect(after.find((c) => c.id === check.id)!.ok).toBe(true);
  }
}

describe("health report", () => {
  it("passes the example with every bound and feed listed", () => {
    const report = evaluateTreasury(base.policy, base.prices, base.holdings, LIABILITIES);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      "feed:0", "feed:1", "feed:2", "feed:3",
      "cap:0", "cap:1", "cap:2", "cap:3",
      "coverage", "liquidity", "scenario:0", "scenario:1",
    ]);
    // Exact total: 1.6M USDC @0.9999 + 600k DAI @0.9998 + 275.5 WETH @3412.55 + 6.2 WBTC @96850.12.
    // In units of 10^-4 USD: 1,599,840 + 599,880 + 940,157.525 + 600,470.744.
    expect(report.totalValue).toBe((15_998_400_000n + 5_998_800_000n + 9_401_575_250n + 6_004_707_440n) * 10n ** 32n);
    expect(formatReport(report)).toMatch(/every bound holds/);
  });

  it("reports a broken cap by name, by how much, and the trade that fixes it", () => {
    const holdings = [...base.holdings, { assetIndex: 2, custody: 0, amount: 200n * WETH, venue: "new" }];
    const report = evaluateTreasury(base.policy, base.prices, holdings, LIABILITIES);
    const cap = only(report, "cap:2");
    expect(cap.name).toBe("cap WETH");
    expect(cap.measuredBps).toBeGreaterThan(3500n);
    expect(cap.shortfallBps).toBe(cap.measuredBps! - 3500n + 1n); // rounding: measured floors, shortfall ceils
    expect(cap.fix?.sell?.trade).toMatchObject({ kind: "sell", asset: 2, into: 0 }); // WETH into USDC (the liability asset)
    expect(describeFailure(cap)).toMatch(/^cap WETH: .* of total value, above its 35% cap by/);
    expect(summarizeFailures(report)).toMatch(/fix: sell ≥ [\d.,]+ WETH \(≈\$[\d,.]+\) into USDC/);
    expectFixRestores(report, cap, base.policy, LIABILITIES);
    // Minimal up to rounding of the bought side: selling one USDC base unit's worth less would not do.
    const sell = cap.fix!.sell!.trade;
    if (sell.kind !== "sell") throw new Error("expected a sale");
    const [usdcPrice, wethPrice] = [report.assets[0]!.unitPrice, report.assets[2]!.unitPrice];
    const amount = sell.amount - (usdcPrice + wethPrice - 1n) / wethPrice - 1n;
    const less = { ...sell, amount, value: amount * wethPrice, receive: (amount * wethPrice) / usdcPrice };
    const fields = policyFields(base.policy);
    const prices = report.assets.map((a) => a.unitPrice);
    const after = evaluateRules(applyTrade(report.assets.map((a) => a.value), less, prices), fields, liabilitiesValue(fields, prices, LIABILITIES));
    expect(after.find((c) => c.id === "cap:2")!.ok).toBe(false);
  });

  it("reports a coverage shortfall (liabilities grew) with a fix", () => {
    const liabilities = (LIABILITIES * 14n) / 10n;
    const report = evaluateTreasury(base.policy, base.prices, base.holdings, liabilities);
    const coverage = only(report, "coverage");
    expect(coverage.limitBps).toBe(13000n);
    expect(coverage.marginValue! < 0n).toBe(true);
    expect(describeFailure(coverage)).toMatch(/^coverage: haircut-adjusted assets are .* below the 130% minimum/);
    expect(coverage.fix?.add?.trade).toMatchObject({ kind: "add", asset: 0 }); // USDC: no haircut
    expectFixRestores(report, coverage, base.policy, liabilities);
  });

  it("reports a liquidity shortfall with a fix", () => {
    const policy = clonePolicy((p) => (p.minLiquidityBps = 16000n));
    const report = evaluateTreasury(policy, base.prices, base.holdings, LIABILITIES);
    const liquidity = only(report, "liquidity");
    expect(liquidity.fix?.sell?.trade).toMatchObject({ kind: "sell", asset: 3 }); // sell the illiquid WBTC
    expect(formatReport(report)).toMatch(/✗ liquidity: liquid assets are .* below the 160% minimum/);
    expectFixRestores(report, liquidity, policy, LIABILITIES);
  });

  for (const [s, name, shocks] of [
    [0, "ETH crash", [0n, 10000n, 10000n, 10000n]],
    [1, "USDC depeg", [1200n, 10000n, 10000n, 10000n]],
  ] as const) {
    it(`reports scenario "${name}" failing with a fix`, () => {
      const policy = clonePolicy((p) => (p.scenarios[s]!.shockBps = [...shocks]));
      const report = evaluateTreasury(policy, base.prices, base.holdings, LIABILITIES);
      const scenario = only(report, `scenario:${s}`);
      expect(scenario.name).toBe(`scenario "${name}"`);
      expect(describeFailure(scenario)).toMatch(new RegExp(`^scenario "${name}": shocked assets cover .* of shocked liabilities, short by`));
      expectFixRestores(report, scenario, policy, LIABILITIES);
    });
  }

  it("reports a feed outside its answer bounds, and a stale feed", () => {
    const prices = structuredClone(base.prices);
    prices.assets[2]!.answer = 99_00000000n; // WETH at $99: below its $100 floor
    const report = evaluateTreasury(base.policy, prices, base.holdings, LIABILITIES);
    expect(report.failures.map((f) => f.id)).toContain("feed:2");
    expect(describeFailure(report.failures.find((f) => f.id === "feed:2")!)).toMatch(/feed WETH: the answer is outside its bounds/);

    const stale = structuredClone(base.prices);
    stale.assets[1]!.updatedAt = stale.timestamp - 7201n; // DAI max age 2h
    const staleReport = evaluateTreasury(base.policy, stale, base.holdings, LIABILITIES);
    expect(only(staleReport, "feed:1").detail).toMatch(/7201s old at snapshot time, more than the feed's maximum age 7200s/);
  });

  it("reports every failure and serialises to JSON with decimal strings", () => {
    const holdings = [...base.holdings, { assetIndex: 3, amount: 10n * 10n ** 8n, venue: "new" }];
    const report = evaluateTreasury(base.policy, base.prices, holdings, LIABILITIES * 3n);
    expect(report.failures.length).toBeGreaterThan(1);
    const json = reportToJson(report) as { totalValue: string; failures: string[]; checks: Array<{ id: string; problem?: string; fixes?: string[] }> };
    expect(typeof json.totalValue).toBe("string");
    expect(json.failures).toEqual(report.failures.map((f) => f.id));
    for (const c of json.checks.filter((c) => json.failures.includes(c.id) && !c.id.startsWith("feed"))) {
      expect(c.problem).toBeTruthy();
      expect(c.fixes!.length).toBeGreaterThan(0);
    }
  });

  it("agrees with the exact check the keeper uses", () => {
    const holdings = [...base.holdings, { assetIndex: 2, custody: 0, amount: 200n * WETH, venue: "new" }];
    const verdict = exactCheck(holdings, base.prices.assets.map((p) => p.unitPrice), policyFields(base.policy), LIABILITIES);
    expect(verdict).toEqual({ ok: false, failed: ["cap:2"] });
    const values = valuesByAsset(amountsByAsset(base.holdings, 4), base.prices.assets.map((p) => p.unitPrice));
    expect(values[0]).toBe(1_600_000n * USDC * base.prices.assets[0]!.unitPrice);
  });
});

describe("prover refuses before proving", () => {
  it("throws a PolicyViolationError naming the bound, without touching keys or the state", async () => {
    const treasury = { ...base, holdings: [...base.holdings, { assetIndex: 2, custody: 0, amount: 200n * WETH, venue: "new" }] };
    const state = loadState(path.join(EXAMPLE, "no-such-dir", "state.json"));
    const liabilities = { root: 0n, opening: { leftHash: 0n, leftSum: LIABILITIES, rightHash: 0n, rightSum: 0n }, total: LIABILITIES, source: "test", kind: "users" as const };
    const error = await proveSolvency({ treasury, liabilities, state, persistState: false, instance: "no-such-instance" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect((error as Error).message).toMatch(/breaks the policy, nothing was proven: cap WETH: .* fix: sell ≥/);
    expect((error as PolicyViolationError).report.failures.map((f) => f.id)).toEqual(["cap:2"]);
    expect(state.commitments.size).toBe(0);
  });
});
