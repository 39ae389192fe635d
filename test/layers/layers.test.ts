// Pins the layering of docs/ARCHITECTURE.md ("Layers"), enforced by dependency-cruiser
// (.dependency-cruiser.cjs, `npm run deps` inside `npm test`): the project passes, and each kind of upward
// import (into core, from the browser verifier into the prover or Node builtins, a cycle) fails with the
// named rule. The probes are built in a scratch folder with the project's own config, never in the tree.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

const DEPCRUISE = path.join(PROJECT_ROOT, "node_modules", ".bin", "depcruise");
const CONFIG = path.join(PROJECT_ROOT, ".dependency-cruiser.cjs");
const FOLDERS = ["core", "verifier", "setup", "ceremony", "prover", "liabilities", "chain", "keeper", "audit", "cli"];

function cruise(cwd: string, folders: string[]): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, [...folders, "--config", CONFIG, "--output-type", "err"], { cwd, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A scratch project holding `files` (path -> source) and a tsconfig like the project's. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-layers-"));
  scratch.push(dir);
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", allowImportingTsExtensions: true, noEmit: true } }));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

describe("layers (dependency-cruiser)", () => {
  it("the project itself has no violation", () => {
    const r = cruise(PROJECT_ROOT, FOLDERS);
    expect(r.out).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  });

  const cases: Array<{ name: string; rule: string; files: Record<string, string> }> = [
    {
      name: "core importing the prover",
      rule: "layer-core",
      files: { "core/hash.ts": 'import { p } from "../prover/prove.ts";\nexport const h = p;\n', "prover/prove.ts": "export const p = 1;\n" },
    },
    {
      name: "the verifier importing the prover",
      rule: "layer-verifier",
      files: { "verifier/verify.ts": 'import { p } from "../prover/prove.ts";\nexport const v = p;\n', "prover/prove.ts": "export const p = 1;\n" },
    },
    {
      name: "the browser verifier importing a Node builtin",
      rule: "verifier-browser-safe",
      files: { "verifier/verify.ts": 'import { readFileSync } from "node:fs";\nexport const v = readFileSync;\n' },
    },
    {
      name: "browser-safe core importing core/node",
      rule: "core-browser-safe-node-folder",
      files: { "core/hash.ts": 'import { w } from "./node/atomic-write.ts";\nexport const h = w;\n', "core/node/atomic-write.ts": "export const w = 1;\n" },
    },
    {
      name: "the setup pipeline importing the chain glue",
      rule: "layer-setup",
      files: { "setup/pipeline.ts": 'import { c } from "../chain/deploy.ts";\nexport const s = c;\n', "chain/deploy.ts": "export const c = 1;\n" },
    },
    {
      name: "the prover importing the liabilities builder",
      rule: "layer-prover",
      files: { "prover/treasury.ts": 'import { l } from "../liabilities/store.ts";\nexport const t = l;\n', "liabilities/store.ts": "export const l = 1;\n" },
    },
    {
      name: "the page importing a value from the verifier's Node entry point",
      rule: "verifier-browser-no-node-entry",
      files: { "verifier/web/src/main.ts": 'import { loadKeys } from "../../node.ts";\nexport const m = loadKeys;\n', "verifier/node.ts": "export const loadKeys = 1;\n" },
    },
    {
      name: "the page reaching core/node through a Node file of the verifier",
      rule: "verifier-browser-reach",
      files: {
        "verifier/web/src/main.ts": 'import { b } from "../build.ts";\nexport const m = b;\n',
        "verifier/web/build.ts": 'import { w } from "../../core/node/atomic-write.ts";\nexport const b = w;\n',
        "core/node/atomic-write.ts": "export const w = 1;\n",
      },
    },
    {
      name: "an import cycle",
      rule: "no-circular",
      files: { "prover/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n', "prover/b.ts": 'import { a } from "./a.ts";\nexport const b = () => a;\n' },
    },
  ];
  for (const c of cases) {
    it(`fails on ${c.name} (${c.rule})`, () => {
      const dir = project(c.files);
      const r = cruise(dir, [...new Set(Object.keys(c.files).map((f) => f.split("/")[0]!))]);
      expect(r.status, r.out).not.toBe(0);
      expect(r.out).toContain(`error ${c.rule}:`);
    });
  }

  it("accepts an allowed downward import in the same scratch setup (the probes are not failing for another reason)", () => {
    const dir = project({ "prover/prove.ts": 'import { h } from "../core/hash.ts";\nexport const p = h;\n', "core/hash.ts": "export const h = 1;\n" });
    const r = cruise(dir, ["core", "prover"]);
    expect(r.out).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  });
});
