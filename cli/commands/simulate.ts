/**
 * `homeostat simulate`: runs the pure market simulation (keeper/simulate) on a treasury, three strategies
 * side by side on the same price path (the keeper, no automation, a weekly committee), and writes the report
 * with SVG charts (keeper/report.ts): coverage and each asset's share against its cap over time, trades
 * marked, and a table per strategy (time in compliance, worst coverage, trades, proving time).
 *
 * The path: a bundled scenario (`eth-crash`, `stable-depeg`), a scenario file, or a seeded random walk with
 * jumps. The default treasury is examples/meridian with its liabilities scaled to 110%: with the example's
 * own deposits a 40% ETH crash leaves it inside its policy even without automation, so the bundled run
 * uses a treasury that the crash does push out (the static one leaves, the keeper keeps it inside).
 */
import { existsSync, mkdirSync } from "node:fs";
import { integerOption } from "../options.ts";
import path from "node:path";
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { checkOutputFile, checkOutputFolder, type CommandInput } from "../../core/node/output-paths.ts";
import { loadTreasury, readUsersFile } from "../../prover/treasury.ts";
import { formatBps } from "../../keeper/format.ts";
import { SIMULATION_REPORT_FILES, writeSimulationReport } from "../../keeper/report.ts";
import { BUNDLED_SCENARIOS, defaultRandomWalk, resolveScenario, simTreasuryFrom, simulate, type Scenario } from "../../keeper/simulate/index.ts";

interface SimulateFlags {
  scenario?: string;
  seed?: string;
  steps: string;
  treasury: string;
  liabilitiesScale?: string;
  out: string;
  json?: boolean;
}

const DEFAULT_TREASURY = path.join(PROJECT_ROOT, "examples", "meridian");
/** Liabilities scale (percent) of the default run: Meridian with 10% more deposits, which the ETH crash breaks. */
const DEFAULT_SCALE = 110;

const intFlag = (text: string, flag: string, min: number, max: number): number => integerOption(text, flag, { min, max });

/** Registers `simulate` on the program. */
export function register(program: Command): void {
  program
    .command("simulate")
    .description("simulate the keeper, no automation and a weekly committee on a price path; write a report with charts")
    .option("--scenario <name|file>", `bundled scenario (${BUNDLED_SCENARIOS.join(", ")}) or a scenario file (default: eth-crash)`)
    .option("--seed <n>", "instead of a scenario: a seeded random walk with jumps")
    .option("--steps <n>", "random walk: number of hourly steps", "336")
    .option("--treasury <dir>", "folder with treasury.json, policy.json, prices.json and users.csv", DEFAULT_TREASURY)
    .option("--liabilities-scale <percent>", `scale the users' total (default ${DEFAULT_SCALE} for the bundled example treasury, else 100)`)
    .option("--out <dir>", "report folder", ".homeostat/simulation")
    .option("--json", "print the summary as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Writes report.md, report.json, coverage.svg, shares.svg and prices.svg into --out. The simulation is pure",
        "(no chain, no proofs): swaps pay exactly what Uniswap V2 pays, arbitrage keeps pools at the oracle, and",
        "proving time is the DESIGN budget per proof. Example: homeostat simulate --scenario stable-depeg --out report/",
      ].join("\n"),
    )
    .action((flags: SimulateFlags) => {
      if (flags.scenario !== undefined && flags.seed !== undefined) throw new UserError("give either --scenario or --seed, not both", { where: "--seed", exitCode: 2 });
      const dir = path.resolve(flags.treasury);
      const files = { treasury: path.join(dir, "treasury.json"), policy: path.join(dir, "policy.json"), prices: path.join(dir, "prices.json") };
      const users = path.join(dir, "users.csv");
      for (const f of [...Object.values(files), users]) if (!existsSync(f)) throw new UserError("missing (the treasury folder needs treasury.json, policy.json, prices.json, users.csv)", { where: f });
      // Before any work: the report folder and each report file must be writable and land on no input.
      const out = path.resolve(flags.out);
      const inputs: CommandInput[] = [
        { path: dir, what: "the treasury folder (--treasury)" },
        ...[...Object.values(files), users].map((f) => ({ path: f, what: `an input (${path.basename(f)})` })),
        ...(flags.scenario !== undefined && existsSync(flags.scenario) ? [{ path: flags.scenario, what: "the scenario file (--scenario)" }] : []),
      ];
      checkOutputFolder(out, { flag: "--out", inputs });
      for (const name of SIMULATION_REPORT_FILES) checkOutputFile(path.join(out, name), { flag: "--out", inputs });
      const isDefault = dir === path.resolve(DEFAULT_TREASURY);
      const scale = flags.liabilitiesScale !== undefined ? intFlag(flags.liabilitiesScale, "--liabilities-scale", 1, 10_000) : isDefault ? DEFAULT_SCALE : 100;
      const steps = intFlag(flags.steps, "--steps", 2, 100_000);

      const loaded = loadTreasury(files);
      const asset = loaded.policy.assets[loaded.policy.liabilityAsset]!;
      const total = readUsersFile(users, asset).reduce((s, u) => s + u.balance, 0n);
      const treasury = simTreasuryFrom(loaded, (total * BigInt(scale)) / 100n);
      const scenario: Scenario = flags.seed !== undefined ? defaultRandomWalk(treasury, intFlag(flags.seed, "--seed", 0, 2 ** 31 - 1), steps) : resolveScenario(flags.scenario ?? "eth-crash");

      const started = performance.now();
      const result = simulate({ treasury, scenario });
      const seconds = (performance.now() - started) / 1000;
      mkdirSync(out, { recursive: true });
      const written = writeSimulationReport(result, out);

      const rows = result.runs.map((r) => ({
        strategy: r.strategy,
        timeInCompliance: formatBps(r.metrics.timeInComplianceBps),
        worstCoverage: formatBps(r.metrics.worstCoverageBps),
        leftPolicyAtStep: r.metrics.firstBreachStep ?? null,
        trades: r.metrics.trades,
        provingSeconds: r.metrics.provingSeconds,
      }));
      const summary = {
        treasury: result.treasury.name,
        liabilitiesScalePercent: scale,
        scenario: result.path.name,
        steps: result.path.answers.length,
        minCoverage: formatBps(result.treasury.policy.minCoverageBps),
        strategies: rows,
        files: written,
        seconds: Number(seconds.toFixed(2)),
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const pad = (s: string, n: number) => s.padEnd(n);
      process.stdout.write(
        [
          `simulation: ${summary.treasury} (liabilities x${scale}%), ${summary.scenario}, ${summary.steps} steps, minimum coverage ${summary.minCoverage}`,
          `  ${pad("strategy", 10)} ${pad("in policy", 10)} ${pad("worst coverage", 15)} ${pad("left policy", 12)} ${pad("trades", 7)} proving`,
          ...rows.map(
            (r) =>
              `  ${pad(r.strategy, 10)} ${pad(r.timeInCompliance, 10)} ${pad(r.worstCoverage, 15)} ${pad(r.leftPolicyAtStep === null ? "never" : `step ${r.leftPolicyAtStep}`, 12)} ${pad(String(r.trades), 7)} ${r.provingSeconds} s`,
          ),
          `report: ${written.find((f) => f.endsWith("report.md"))} (charts: ${written.filter((f) => f.endsWith(".svg")).map((f) => path.basename(f)).join(", ")})`,
          "",
        ].join("\n"),
      );
    });
}
