/**
 * `homeostat simulate` as a user runs it: the default bundled run (the example treasury with 10% more
 * deposits, the ETH crash) writes the report and charts, and shows the static treasury leaving its policy
 * while the keeper keeps it inside; bad input is one line and a non-zero exit.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-simulate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), "simulate", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

describe("homeostat simulate", () => {
  it("the default run: the static treasury leaves its policy, the keeper keeps it inside; report and charts written", () => {
    const run = cli(["--out", dir, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { scenario: string; liabilitiesScalePercent: number; strategies: { strategy: string; timeInCompliance: string; leftPolicyAtStep: number | null; trades: number }[] };
    expect(summary.scenario).toMatch(/eth/i);
    expect(summary.liabilitiesScalePercent).toBe(110);
    const by = Object.fromEntries(summary.strategies.map((s) => [s.strategy, s]));
    expect(by["static"]!.leftPolicyAtStep).not.toBeNull();
    expect(by["static"]!.timeInCompliance).not.toBe("100%");
    expect(by["keeper"]!.leftPolicyAtStep).toBeNull();
    expect(by["keeper"]!.timeInCompliance).toBe("100%");
    expect(by["keeper"]!.trades).toBeGreaterThan(0);
    for (const f of ["report.md", "report.json", "coverage.svg", "shares.svg", "prices.svg"]) expect(existsSync(path.join(dir, f))).toBe(true);
  }, 120_000);

  it("refuses bad input with one line", () => {
    for (const args of [["--seed", "x"], ["--seed", "1", "--scenario", "eth-crash"], ["--liabilities-scale", "0"]]) {
      const run = cli([...args, "--out", dir]);
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
