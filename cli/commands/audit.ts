/**
 * `homeostat audit`: the auditor's check of everything the protocol published, from the private data
 * (treasury, policy, prices, liabilities, salts) and the published bundle(s). Prints the verdict (or the
 * JSON report with --json), writes audit-report.md/.json with --out, exits 1 when any check fails.
 */
import path from "node:path";
import type { Command } from "commander";
import { defaultStatePath } from "../../prover/state.ts";
import { UserError } from "../../core/errors.ts";
import { checkOutputFile, checkOutputFolder } from "../../core/node/output-paths.ts";
import { failureLines, runAudit, writeReport } from "../../audit/index.ts";
import { addTreasuryOptions, resolveTreasuryPaths, treasuryInputs, type TreasuryFlags } from "../treasury-inputs.ts";

interface AuditFlags extends TreasuryFlags {
  bundle: string[];
  state?: string;
  rpc?: string;
  deployment?: string;
  ceremony?: string;
  ptau?: string;
  sample: string;
  out?: string;
  json?: boolean;
  checks?: string;
}

/** Registers `audit` on the program. */
export function register(program: Command): void {
  addTreasuryOptions(
    program
      .command("audit")
      .description("recompute commitments, regenerate the proof and check circuits, keys and verifiers against what was published"),
  )
    .requiredOption("--bundle <file>", "a published proof bundle: the solvency (S1) one, and optionally a rebalance (S2) one (repeat the flag)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--state <file>", "private state file with the salts (default: .homeostat/state.json next to the treasury file)")
    .option("--rpc <url>", "JSON-RPC node: also compare the on-chain policy, snapshot, attestation and verifier bytecode")
    .option("--deployment <file>", "deployment file (contract addresses) for the on-chain checks")
    .option("--ceremony <dir>", "phase-2 ceremony folder whose transcript is verified")
    .option("--ptau <file>", "powers of tau for `zkey verify` (default: $HOMEOSTAT_PTAU, else the one the setup manifest records)")
    .option("--sample <n>", "users whose inclusion proofs are generated and verified", "3")
    .option("--checks <ids>", "run only these checks (comma-separated ids or prefixes, e.g. positions-root,zkey)")
    .option("--out <dir>", "write audit-report.md and audit-report.json there")
    .option("--json", "print the JSON report on stdout; no progress on stderr")
    .action(async (flags: AuditFlags) => {
      const paths = resolveTreasuryPaths(flags);
      const sample = Number(flags.sample);
      if (!/^\d+$/.test(flags.sample)) throw new UserError(`expected a whole number, got "${flags.sample}"`, { where: "--sample", exitCode: 2 });
      if (flags.out) {
        // Before the audit's work: the report lands on no input.
        const inputs = [...treasuryInputs(paths), ...flags.bundle.map((b) => ({ path: b, what: "a bundle (--bundle)" }))];
        checkOutputFolder(flags.out, { flag: "--out", inputs });
        for (const name of ["audit-report.md", "audit-report.json"]) checkOutputFile(path.join(flags.out, name), { flag: "--out", inputs });
      }
      const report = await runAudit({
        ...paths,
        state: flags.state ?? defaultStatePath(paths.treasury),
        bundles: flags.bundle,
        sample,
        ...(flags.rpc ? { rpc: flags.rpc } : {}),
        ...(flags.deployment ? { deployment: flags.deployment } : {}),
        ...(flags.ceremony ? { ceremony: flags.ceremony } : {}),
        ...(flags.ptau ? { ptau: flags.ptau } : {}),
        ...(flags.checks ? { only: flags.checks.split(",").map((s) => s.trim()).filter(Boolean) } : {}),
        ...(flags.json ? {} : { onProgress: (line: string) => process.stderr.write(`homeostat audit: ${line}\n`) }),
      });
      if (flags.out) {
        const written = writeReport(flags.out, report);
        if (!flags.json) process.stderr.write(`homeostat audit: report written to ${written.markdown} and ${written.json}\n`);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [
          `audit ${report.ok ? "PASSED" : "FAILED"}: ${report.summary.pass} passed, ${report.summary.fail} failed, ${report.summary.skip} skipped`,
          ...report.checks.map((c) => `  ${c.status.padEnd(4)} ${c.id}${c.status === "skip" && c.note ? ` (${c.note})` : ""}`),
          ...failureLines(report).map((l) => `  FAIL ${l}`),
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
