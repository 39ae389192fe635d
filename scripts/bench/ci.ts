/**
 * Bench section `ci`: how long `.ci/run` takes on a cold and on a warm machine. Like CI, the committed HEAD
 * is cloned into a scratch folder next to a copy of `../shared`, and run with `CI=true` and no input. Cold:
 * HOME is an empty folder (no npm cache, no Homeostat artifact cache: `setup --all` builds every instance).
 * Warm: a second clone with the same HOME (the artifact cache restores the builds). About an hour in all,
 * so it runs only with `HOMEOSTAT_BENCH_CI=1`; otherwise the section keeps the figures already in
 * BENCHMARKS.md.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

interface CiRun {
  code: number;
  seconds: number;
  stages: Map<string, number>;
}

function runCi(dir: string, home: string): Promise<CiRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("HOMEOSTAT_") && !k.startsWith("npm_") && k !== "XDG_CACHE_HOME") env[k] = v;
  Object.assign(env, { HOME: home, CI: "true" });
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [".ci/run"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const stages = new Map<string, number>();
      for (const m of out.matchAll(/^ci: (.+) took (\d+) s$/gm)) stages.set(m[1]!, Number(m[2]));
      resolve({ code: code ?? -1, seconds: (performance.now() - start) / 1000, stages });
    });
  });
}

async function clone(into: string): Promise<string> {
  mkdirSync(into, { recursive: true });
  cpSync(path.resolve(PROJECT_ROOT, "..", "shared"), path.join(into, "shared"), { recursive: true });
  const dir = path.join(into, "homeostat");
  await new Promise<void>((resolve, reject) =>
    spawn("git", ["clone", "-q", PROJECT_ROOT, dir], { stdio: "ignore" }).on("close", (c) => (c === 0 ? resolve() : reject(new Error(`git clone exited ${c}`)))),
  );
  return dir;
}

/** The section as BENCHMARKS.md holds it now (without its stamp), when this run does not measure. */
function storedSection(): string {
  const file = path.join(PROJECT_ROOT, "BENCHMARKS.md");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const m = /<!-- bench:ci -->\n([\s\S]*?)\n\n_Section measured[^\n]*\n<!-- \/bench:ci -->/.exec(text);
  if (!m) throw new Error("not measured yet: run with HOMEOSTAT_BENCH_CI=1 (about an hour)");
  return `${m[1]!}\n\n_(Kept from an earlier run: this pass did not set HOMEOSTAT_BENCH_CI=1.)_`;
}

export async function run(): Promise<string> {
  if (process.env.HOMEOSTAT_BENCH_CI !== "1") return storedSection();
  if (!existsSync(path.resolve(PROJECT_ROOT, "..", "shared"))) throw new Error("CI runs beside ../shared, and there is none here");
  const scratch = mkdtempSync(path.join(os.tmpdir(), "homeostat-ci-bench-"));
  const home = path.join(scratch, "home");
  mkdirSync(home);
  try {
    const cold = await runCi(await clone(path.join(scratch, "cold")), home);
    const warm = await runCi(await clone(path.join(scratch, "warm")), home);
    const names = [...new Set([...cold.stages.keys(), ...warm.stages.keys()])];
    const cell = (r: CiRun, n: string) => (r.stages.has(n) ? `${r.stages.get(n)} s` : "");
    const min = (s: number) => `${(s / 60).toFixed(1)} min`;
    return [
      "## CI: `.ci/run` on a cold and on a warm machine",
      "",
      "A clone of the committed HEAD beside a copy of `../shared`, `CI=true`, no input, as CI runs it. Cold: an empty",
      "HOME (no npm cache; the artifact cache is empty, so `setup --all` inside `npm test` builds all six instances).",
      "Warm: a second clone with the same HOME (npm's cache and the artifact cache are filled: setup restores).",
      "",
      "| stage | cold | warm |",
      "|---|---:|---:|",
      ...names.map((n) => `| ${n} | ${cell(cold, n)} | ${cell(warm, n)} |`),
      `| **whole run** (limit 90 min) | **${min(cold.seconds)}**${cold.code === 0 ? "" : ` (exit ${cold.code})`} | **${min(warm.seconds)}**${warm.code === 0 ? "" : ` (exit ${warm.code})`} |`,
    ].join("\n");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
