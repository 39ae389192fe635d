// Pins circuits/circuits.lock.json to the circuit sources: the suite fails when a .circom file, an
// instance spec or the circomlib version changed without `npm run circuits:lock`, and the message names
// the file and that command. Fast: it hashes sources and never compiles. Also pins that the check
// really fails on an edit (on a temporary copy of circuits/, so the repo stays clean).
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadInstances, PROJECT_ROOT, type InstanceTable } from "../core/node/instances.ts";
import {
  checkLockSources,
  compareSources,
  formatLockProblems,
  LOCK_FORMAT,
  LOCK_REFRESH_COMMAND,
  lockFileFor,
  readLock,
  type CircuitsLock,
  type LockEntry,
} from "../setup/lock.ts";
import { collectSources, parseIncludes } from "../setup/sources.ts";
import { packageVersion } from "../setup/tools.ts";

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of circuits/ (with node_modules linked, for circomlib) that a test may edit. */
function copyOfCircuits(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "homeostat-lock-"));
  scratch.push(root);
  cpSync(path.join(PROJECT_ROOT, "circuits"), path.join(root, "circuits"), { recursive: true });
  symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

/** A lock that matches `root`'s sources exactly (r1cs/wasm are not compared by the fast check). */
function lockFromSources(table: InstanceTable, root: string): CircuitsLock {
  const instances: Record<string, LockEntry> = {};
  for (const [name, spec] of Object.entries(table)) {
    const sources = collectSources(spec, root);
    instances[name] = {
      spec: { file: spec.file, template: spec.template, params: spec.params, pubs: spec.pubs },
      sources: sources.files,
      libraries: sources.libraries,
      constraints: 0,
      publicSignals: 0,
      r1cs: "",
      wasm: "",
    };
  }
  return { format: LOCK_FORMAT, comment: "", tools: { circom: "2.2.3", circom2: packageVersion("circom2") }, instances };
}

describe("circuit lock", () => {
  it("every instance's sources match circuits/circuits.lock.json", () => {
    const lock = readLock();
    if (!lock) throw new Error(`${lockFileFor()} is missing: create it with \`${LOCK_REFRESH_COMMAND}\``);
    const problems = checkLockSources(loadInstances(), lock);
    if (problems.length > 0) throw new Error(formatLockProblems(problems));
    expect(problems).toEqual([]);
  });

  it("fails on an edited .circom file in a copy of the tree, naming the file and the refresh command", () => {
    const root = copyOfCircuits();
    const table = loadInstances(root);
    const lock = lockFromSources(table, root);
    expect(checkLockSources(table, lock, root)).toEqual([]);

    // Edit a shared library file (every instance that includes it must be reported).
    const edited = "circuits/lib/hashing.circom";
    appendFileSync(path.join(root, edited), "\n// an innocent-looking edit\n");
    const problems = checkLockSources(table, lock, root);
    const users = Object.keys(table).filter((n) => lock.instances[n]!.sources[edited] !== undefined);
    expect(users.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.instance).sort()).toEqual(users.sort());
    expect(problems.every((p) => p.file === edited && /changed/.test(p.reason))).toBe(true);
    const message = formatLockProblems(problems);
    expect(message).toContain(edited);
    expect(message).toContain(LOCK_REFRESH_COMMAND);
  });

  it("reports a changed, a new and a dropped include, a library version and a spec change (in-memory maps)", () => {
    const spec = { file: "solvency", template: "Solvency", params: [8, 4, 2], pubs: ["a"], group: "test" };
    const entry: LockEntry = {
      spec: { file: "solvency", template: "Solvency", params: [8, 4, 2], pubs: ["a"] },
      sources: { "circuits/solvency.circom": "aa", "circuits/lib/old.circom": "bb" },
      libraries: { circomlib: "2.0.5" },
      constraints: 1,
      publicSignals: 1,
      r1cs: "",
      wasm: "",
    };
    expect(compareSources("s", spec, { files: { ...entry.sources }, libraries: { circomlib: "2.0.5" } }, entry)).toEqual([]);

    const problems = compareSources(
      "s",
      { ...spec, params: [16, 4, 2] },
      { files: { "circuits/solvency.circom": "cc", "circuits/lib/new.circom": "dd" }, libraries: { circomlib: "2.0.6" } },
      entry,
    );
    const byFile = Object.fromEntries(problems.map((p) => [p.file ?? "spec", p.reason]));
    expect(byFile["spec"]).toMatch(/spec changed/);
    expect(byFile["circuits/solvency.circom"]).toMatch(/changed/);
    expect(byFile["circuits/lib/new.circom"]).toMatch(/new include/);
    expect(byFile["circuits/lib/old.circom"]).toMatch(/no longer included/);
    expect(byFile["node_modules/circomlib"]).toMatch(/2\.0\.6 installed, 2\.0\.5 in the lock/);
    expect(compareSources("s", spec, { files: {}, libraries: {} }, undefined)[0]!.reason).toMatch(/not in the lock/);
  });

  it("follows includes transitively, pins circomlib by version, and names file:line of a missing include", () => {
    expect(parseIncludes('// include "no.circom";\n/* include "no2.circom"; */\ninclude "a.circom";\n  include "../b/c.circom" ;')).toEqual([
      { target: "a.circom", line: 3 },
      { target: "../b/c.circom", line: 4 },
    ]);
    const root = copyOfCircuits();
    writeFileSync(path.join(root, "circuits/lib/probe_a.circom"), 'pragma circom 2.1.0;\ninclude "probe_b.circom";\n');
    writeFileSync(path.join(root, "circuits/lib/probe_b.circom"), 'pragma circom 2.1.0;\ninclude "circomlib/circuits/poseidon.circom";\n');
    const sources = collectSources({ file: "lib/probe_a" }, root);
    expect(Object.keys(sources.files)).toEqual(["circuits/lib/probe_a.circom", "circuits/lib/probe_b.circom"]);
    expect(sources.libraries).toEqual({ circomlib: packageVersion("circomlib") });

    writeFileSync(path.join(root, "circuits/lib/probe_b.circom"), 'pragma circom 2.1.0;\n\ninclude "nowhere.circom";\n');
    expect(() => collectSources({ file: "lib/probe_a" }, root)).toThrow(/circuits\/lib\/probe_b\.circom:3: include "nowhere\.circom" not found/);
  });
});
