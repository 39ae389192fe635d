// Test helpers for refusals: the CLI run in this process (cli/main.ts's `main`, as bin/homeostat.mjs runs it,
// without a child process's second of start-up), the one-line-refusal assertion, and a snapshot of a folder
// to show that a refused run wrote nothing.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, vi } from "vitest";
import { main } from "../../cli/main.ts";

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `homeostat ...args` in this process; stdout and stderr are captured, process.exitCode is restored. */
export async function homeostatInProcess(...args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture(out) as typeof process.stdout.write);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture(err) as typeof process.stderr.write);
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = saved;
  }
}

/** A refusal as the CLI promises it: this exit code, nothing on stdout, one `homeostat: ` line on stderr, no stack. */
export function expectOneLineRefusal(outcome: Outcome, code: number, pattern?: RegExp): void {
  const lines = outcome.stderr.trimEnd().split("\n");
  expect(outcome.stderr, "a stack trace").not.toMatch(/\n\s+at /);
  expect(lines, outcome.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^homeostat: /);
  if (pattern) expect(lines[0]).toMatch(pattern);
  expect({ code: outcome.code, stdout: outcome.stdout }).toEqual({ code, stdout: "" });
}

/** Every file and folder under `dir` with its size and content hash: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const file = path.join(at, entry.name);
      const key = path.relative(dir, file);
      if (entry.isDirectory()) {
        entries[`${key}/`] = "folder";
        walk(file);
      } else {
        entries[key] = `${statSync(file).size}:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
      }
    }
  };
  walk(dir);
  return entries;
}
