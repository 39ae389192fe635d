/**
 * The audit report: assembled from the checks, rendered as Markdown for people and JSON for scripts, and
 * written atomically as `audit-report.md` and `audit-report.json` in the output folder.
 */
import path from "node:path";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { UserError } from "../core/errors.ts";
import type { AuditCheck, AuditReport } from "./types.ts";

/** Builds the report; `ok` only when no check failed. */
export function buildReport(checks: AuditCheck[], inputs: AuditReport["inputs"], now: Date = new Date()): AuditReport {
  const count = (s: AuditCheck["status"]) => checks.filter((c) => c.status === s).length;
  return { format: "homeostat-audit/1", ok: count("fail") === 0, createdAt: now.toISOString(), inputs, summary: { pass: count("pass"), fail: count("fail"), skip: count("skip") }, checks };
}

const ICON: Record<AuditCheck["status"], string> = { pass: "PASS", fail: "FAIL", skip: "skip" };

/** Markdown: a verdict, a table of checks, then each check's evidence and problems. */
export function reportToMarkdown(report: AuditReport): string {
  const lines = [
    "# Homeostat audit report",
    "",
    `**${report.ok ? "PASSED" : "FAILED"}**: ${report.summary.pass} passed, ${report.summary.fail} failed, ${report.summary.skip} skipped (${report.createdAt}).`,
    "",
    "## Inputs",
    "",
    ...Object.entries(report.inputs).map(([k, v]) => `- ${k}: \`${v ?? "none"}\``),
    "",
    "## Checks",
    "",
    "| status | check | title |",
    "|---|---|---|",
    ...report.checks.map((c) => `| ${ICON[c.status]} | \`${c.id}\` | ${c.title} |`),
    "",
  ];
  for (const c of report.checks) {
    lines.push(`### ${ICON[c.status]} \`${c.id}\``, "", c.title, "");
    for (const p of c.problems) lines.push(`- **problem:** ${p}`);
    if (c.note) lines.push(`- note: ${c.note}`);
    for (const [k, v] of Object.entries(c.evidence)) lines.push(`- ${k}: \`${v}\``);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `audit-report.md` and `audit-report.json` into `dir` (each atomically); returns their paths. */
export function writeReport(dir: string, report: AuditReport): { markdown: string; json: string } {
  const markdown = path.join(dir, "audit-report.md");
  const json = path.join(dir, "audit-report.json");
  try {
    writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileAtomic(markdown, reportToMarkdown(report));
  } catch (e) {
    throw new UserError(`cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { where: dir, cause: e });
  }
  return { markdown, json };
}

/** One line per failed check, for a terminal. */
export function failureLines(report: AuditReport): string[] {
  return report.checks.filter((c) => c.status === "fail").map((c) => `${c.id}: ${c.problems[0] ?? "failed"}`);
}
