// Pins the snarkjs logger (setup/progress.ts): it has every method that the installed snarkjs and the
// iden3 packages it runs call on a logger. A missing one (`log`, called by `powersoftau new` every 100,000
// points) used to crash only on 2^16 files, which CI never made; this reads the installed sources instead.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { SNARKJS_LOGGER_METHODS, createReporter, makeSnarkjsLogger } from "../../setup/progress.ts";

const BUNDLES = ["snarkjs/build/main.cjs", "ffjavascript/build/main.cjs", "@iden3/binfileutils/build/main.cjs", "r1csfile/build/main.cjs"];

/** The method names called as `logger.NAME(` in the installed packages. */
function calledMethods(): Set<string> {
  const names = new Set<string>();
  for (const bundle of BUNDLES) {
    for (const m of readFileSync(path.join(PROJECT_ROOT, "node_modules", bundle), "utf8").matchAll(/\blogger\.([A-Za-z_$][\w$]*)\s*\(/g)) names.add(m[1]!);
  }
  return names;
}

describe("snarkjs logger", () => {
  it("has every method snarkjs and its iden3 packages call", () => {
    const called = calledMethods();
    expect(called.has("info") && called.has("log"), "the scan found snarkjs's logger calls").toBe(true);
    const ours = new Set<string>(SNARKJS_LOGGER_METHODS);
    expect([...called].filter((m) => !ours.has(m))).toEqual([]);
  });

  it("routes progress and problems to their sinks, and the reporter's logger records errors", () => {
    const seen: string[] = [];
    const problems: string[] = [];
    const logger = makeSnarkjsLogger((m) => seen.push(m), (m, level) => problems.push(`${level}:${m}`));
    for (const method of SNARKJS_LOGGER_METHODS) expect(typeof logger[method]).toBe("function");
    logger.log("points 100000");
    logger.debug("d");
    logger.warn("w");
    logger.error(new Error("e") as unknown as string);
    expect(seen).toEqual(["points 100000", "d"]);
    expect(problems).toEqual(["warn:w", "error:Error: e"]);

    const reporter = createReporter({ quiet: true });
    const notes: string[] = [];
    const withErrors = reporter.snarkjsLogger((m) => notes.push(m));
    withErrors.log("a");
    withErrors.error("bad");
    expect(notes).toEqual(["a", "bad"]);
    expect(withErrors.errors).toEqual(["bad"]);
  });
});
