// Pins `homeostat setup` (setup/pipeline.ts) end to end, through the CLI as a subprocess:
// a Groth16 instance gets its r1cs, wasm, zkey, verification key, renamed Solidity verifier and manifest;
// a second run says "up to date" and rebuilds nothing; a dev instance is compile-only; and bad input (an
// unknown instance, a missing, non-ptau, corrupt or too-small ptau, a circuit that differs from the lock)
// gets one clear line, a non-zero exit, and leaves no partial artifact and the previous build intact.
// It works on its own instances file and build folders under test-output/ (HOMEOSTAT_CIRCUITS,
// HOMEOSTAT_BUILD_DIR, HOMEOSTAT_VERIFIER_DIR), so it never touches build/ or contracts/generated/.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync, chmodSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../core/node/instances.ts";
import type { SetupManifest } from "../setup/manifest.ts";
import { PHASE2_BEACON, type SetupSummary } from "../setup/pipeline.ts";
import { createReporter } from "../setup/progress.ts";
import { assertPtauFits, devPtauName, generateDevPtau, KNOWN_PTAU, resolvePtau } from "../setup/ptau.ts";
import { readR1csInfo, requiredPtauPower } from "../setup/r1cs-info.ts";
import { SHARED_PTAU, SHARED_PTAU_PRESENT, projectPtau } from "./helpers/ptau.ts";

/** Any prepared ptau of 2^16 (test/helpers/ptau.ts); the tests about the shared file itself need that file. */
const PTAU = projectPtau();
const WORK = `test-output/setup-pipeline-${process.pid}`; // project-relative: circom2 only sees the project
const BUILD = `${WORK}/build`;
const GENERATED = `${WORK}/generated`;
const CIRCUITS = `${WORK}/circuits.json`;
const LOCK = `${WORK}/circuits.lock.json`;
/** Compiling and phase 2 share two cores with everything else running; budgets are not asserted here. */
const HEAVY = 900_000;
const abs = (rel: string) => path.join(PROJECT_ROOT, rel);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

let tmp: string;
let cacheDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node bin/homeostat.mjs ...args` from the project root with the test's folders. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const start = Date.now();
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(childEnv)) if (k.startsWith("HOMEOSTAT_")) delete childEnv[k];
  Object.assign(childEnv, {
    HOMEOSTAT_CIRCUITS: CIRCUITS,
    HOMEOSTAT_BUILD_DIR: BUILD,
    HOMEOSTAT_VERIFIER_DIR: GENERATED,
    HOMEOSTAT_CACHE_DIR: cacheDir,
    HOMEOSTAT_PTAU: PTAU,
    // Never reach for the network or spend minutes generating a ptau inside the test suite.
    HOMEOSTAT_PTAU_DOWNLOAD: "0",
    HOMEOSTAT_PTAU_GENERATE: "0",
    ...env,
  });
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/homeostat.mjs", ...args], { cwd: PROJECT_ROOT, env: childEnv as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - start }));
  });
}

let tinyPtauMade: Promise<string> | undefined;
/** A 2^8 prepared ptau made with snarkjs (new, contribute, beacon, prepare phase 2): seconds at this size. */
function tinyPtau(): Promise<string> {
  tinyPtauMade ??= (async () => {
    const file = path.join(tmp, "tiny_08.ptau");
    await generateDevPtau(8, file, createReporter({ quiet: true }));
    return file;
  })();
  return tinyPtauMade;
}

/** The one error line the CLI prints (`homeostat: ...`); fails if there is not exactly one, or a stack trace. */
function errorLine(run: Run): string {
  const lines = run.stderr.split("\n").filter((l) => l.startsWith("homeostat: "));
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** sha256 of every file under the test's build and verifier folders (to prove a failure changed nothing). */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(PROJECT_ROOT, p)] = sha256(p);
    }
  };
  walk(abs(BUILD));
  walk(abs(GENERATED));
  return out;
}

/** No staging folder or temporary file is left anywhere in the output folders. */
function expectNoLeftovers(): void {
  const names = Object.keys(snapshot()).concat(existsSync(abs(BUILD)) ? readdirSync(abs(BUILD)) : []);
  expect(names.filter((n) => /(^|\/)\.(setup|lock|compile)-|\.tmp$|_000\d\.zkey$/.test(n))).toEqual([]);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "homeostat-setup-"));
  cacheDir = path.join(tmp, "cache");
  mkdirSync(abs(WORK), { recursive: true });
  // A small Groth16 instance (the hashing templates, ~1.6k constraints) and a compile-only dev one.
  writeFileSync(
    abs(CIRCUITS),
    JSON.stringify({
      "pipe-small": { file: "test/hash_vectors", template: "HashVectors", params: [], pubs: [], group: "test" },
      "pipe-dev": { file: "test/hash_vectors", template: "HashVectors", params: [], pubs: [], group: "dev" },
    }),
  );
});

afterAll(() => {
  rmSync(abs(WORK), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("setup: bad input gets one clear line and leaves nothing behind", () => {
  it("refuses an unknown instance (exit 2), listing the instances and groups", async () => {
    const run = await cli(["setup", "--instance", "no-such-circuit"]);
    expect(run.code).toBe(2);
    expect(errorLine(run)).toMatch(/--instance: unknown instance "no-such-circuit" \(instances: pipe-small, pipe-dev; groups: test, dev\)/);
    expect(snapshot()).toEqual({});
  });

  it("refuses a missing ptau, from --ptau or from HOMEOSTAT_PTAU", async () => {
    const missing = path.join(tmp, "nowhere", "pot99.ptau");
    const byFlag = await cli(["setup", "--instance", "test", "--ptau", missing]);
    expect(byFlag.code).toBe(1);
    expect(errorLine(byFlag)).toBe(`homeostat: ${missing}: powers-of-tau file not found (from --ptau)`);
    const byEnv = await cli(["setup", "--instance", "test"], { HOMEOSTAT_PTAU: missing });
    expect(byEnv.code).toBe(1);
    expect(errorLine(byEnv)).toBe(`homeostat: ${missing}: powers-of-tau file not found (from HOMEOSTAT_PTAU)`);
    expect(snapshot()).toEqual({});
  });

  it("refuses a file that is not a ptau", async () => {
    const bogus = path.join(tmp, "notes.ptau");
    writeFileSync(bogus, "these are not the powers you are looking for\n");
    const run = await cli(["setup", "--instance", "test", "--ptau", bogus]);
    expect(run.code).toBe(1);
    expect(errorLine(run)).toContain(`${bogus}: not a powers-of-tau file`);
    expect(snapshot()).toEqual({});
  });

  it.skipIf(!SHARED_PTAU_PRESENT)("refuses a corrupt copy of the shared pot16_final.ptau (known name, hash mismatch; needs ../shared)", async () => {
    const dir = path.join(tmp, "corrupt");
    mkdirSync(dir);
    const corrupt = path.join(dir, "pot16_final.ptau");
    copyFileSync(SHARED_PTAU, corrupt);
    chmodSync(corrupt, 0o644);
    const fd = openSync(corrupt, "r+");
    writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, 40_000_000);
    closeSync(fd);
    const run = await cli(["setup", "--instance", "test", "--ptau", corrupt, "--json"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const line = errorLine(run);
    const known = KNOWN_PTAU.find((k) => k.name === "pot16_final.ptau")!;
    expect(line).toContain("corrupt ptau: hash mismatch");
    expect(line).toContain(`expected ${known.blake2b}`);
    expect(line).toMatch(/actual [0-9a-f]{128}/);
    expect(line).not.toContain(`actual ${known.blake2b}`);
    expect(snapshot()).toEqual({});
  });
});

describe("setup: build, idempotence, compile-only dev instances", () => {
  let manifest: SetupManifest;
  let built: Record<string, string>;

  it("the lock refresh script pins the test instances", async () => {
    const run = await new Promise<Run>((resolve, reject) => {
      const start = Date.now();
      const child = spawn(process.execPath, ["scripts/lock.ts", "pipe-small"], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, HOMEOSTAT_CIRCUITS: CIRCUITS, HOMEOSTAT_BUILD_DIR: BUILD },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - start }));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${LOCK}: updated pipe-small`);
    const lock = JSON.parse(readFileSync(abs(LOCK), "utf8")) as { instances: Record<string, { r1cs: string; constraints: number; sources: Record<string, string> }> };
    expect(Object.keys(lock.instances)).toEqual(["pipe-small"]);
    expect(lock.instances["pipe-small"]!.r1cs).toMatch(/^[0-9a-f]{64}$/);
    expect(lock.instances["pipe-small"]!.sources).toHaveProperty(["circuits/test/hash_vectors.circom"]);
    expect(snapshot()).toEqual({}); // the lock compiles in scratch space only
  }, HEAVY);

  it("builds every artifact and a manifest for a Groth16 instance", async () => {
    const run = await cli(["setup", "--instance", "test"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pipe-small: built zkey, verification key and verifier/);
    const dir = `${BUILD}/pipe-small`;
    for (const f of ["pipe-small.r1cs", "pipe-small.wasm", "pipe-small.sym", "pipe-small.zkey", "pipe-small.vkey.json", "pipe-small.circom", "manifest.json"]) {
      expect(existsSync(abs(`${dir}/${f}`)), f).toBe(true);
    }
    manifest = JSON.parse(readFileSync(abs(`${dir}/manifest.json`), "utf8")) as SetupManifest;
    expect(manifest.mode).toBe("groth16");
    expect(manifest.tools.circom).toBe("2.2.3");
    expect(manifest.tools.snarkjs).toMatch(/^0\.7\./);
    expect(manifest.circuit.constraints).toBe(readR1csInfo(abs(`${dir}/pipe-small.r1cs`)).constraints);
    const known = KNOWN_PTAU.find((k) => k.name === path.basename(PTAU));
    expect(manifest.ptau).toMatchObject({ name: path.basename(PTAU), path: PTAU, known: known?.name ?? null, development: known?.kind !== "hermez", source: "HOMEOSTAT_PTAU" });
    expect(manifest.ptau!.power).toBeGreaterThanOrEqual(manifest.circuit.ptauPowerNeeded);
    if (known) expect(manifest.ptau!.blake2b).toBe(known.blake2b);
    expect(manifest.phase2!.beacon).toMatchObject({ hash: PHASE2_BEACON.hash, iterationsExp: 10 });
    expect(manifest.phase2!.contributions).toHaveLength(1);
    expect(manifest.lock).toEqual({ file: LOCK, pinned: true });
    for (const [kind, record] of Object.entries(manifest.artifacts)) {
      expect(sha256(abs(record.path)), kind).toBe(record.sha256);
    }
    const vkey = JSON.parse(readFileSync(abs(`${dir}/pipe-small.vkey.json`), "utf8")) as { protocol: string; curve: string; nPublic: number };
    expect(vkey).toMatchObject({ protocol: "groth16", curve: "bn128", nPublic: manifest.circuit.publicSignals });
    const sol = readFileSync(abs(`${GENERATED}/PipeSmallVerifier.sol`), "utf8");
    expect(manifest.artifacts.verifier!.path).toBe(`${GENERATED}/PipeSmallVerifier.sol`);
    expect(sol.startsWith("// SPDX-License-Identifier: GPL-3.0\n// GENERATED by `homeostat setup`")).toBe(true);
    expect(sol).toContain(`sha256 ${manifest.artifacts.zkey!.sha256}`);
    expect(sol).toMatch(/\ncontract PipeSmallVerifier \{/);
    expect(sol).not.toMatch(/contract Groth16Verifier/);
    expectNoLeftovers();
    built = snapshot();
  }, HEAVY);

  it("a second run says up to date, rebuilds nothing and takes seconds", async () => {
    const run = await cli(["setup", "--instance", "test", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(""); // --json: no progress
    const summary = JSON.parse(run.stdout) as SetupSummary;
    expect(summary.instances.map((r) => [r.instance, r.status])).toEqual([["pipe-small", "up-to-date"]]);
    expect(summary.durationMs).toBeLessThan(10_000); // hashes only (the ptau hash is cached); a build takes far longer
    expect(snapshot()).toEqual(built);
    const human = await cli(["setup", "--instance", "pipe-small"]);
    expect(human.stdout).toMatch(/^pipe-small: up to date/m);
  });

  it("--all skips the dev group; a dev instance by name is compiled only (no keys)", async () => {
    const all = await cli(["setup", "--all", "--json"]);
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as SetupSummary).instances.map((r) => r.instance)).toEqual(["pipe-small"]);

    const dev = await cli(["setup", "--instance", "pipe-dev"]);
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stderr).toMatch(/pipe-dev: not pinned in .*circuits\.lock\.json; run `npm run circuits:lock`/);
    expect(dev.stdout).toMatch(/pipe-dev: compiled \(dev instance: no keys\)/);
    const devManifest = JSON.parse(readFileSync(abs(`${BUILD}/pipe-dev/manifest.json`), "utf8")) as SetupManifest;
    expect(devManifest.mode).toBe("compile-only");
    expect(Object.keys(devManifest.artifacts).sort()).toEqual(["r1cs", "sym", "wasm"]);
    expect(devManifest.ptau).toBeUndefined();
    expect(existsSync(abs(`${BUILD}/pipe-dev/pipe-dev.zkey`))).toBe(false);
    expect(existsSync(abs(`${GENERATED}/PipeDevVerifier.sol`))).toBe(false);
    // Same circuit, so the same r1cs as the Groth16 instance: compilation is deterministic.
    expect(devManifest.artifacts.r1cs!.sha256).toBe(manifest.artifacts.r1cs!.sha256);
    built = snapshot();
  }, HEAVY);

  it("refuses a ptau too small for the circuit (a 2^8 one made here), keeping the previous build", async () => {
    const tiny = await tinyPtau();
    const run = await cli(["setup", "--instance", "pipe-small", "--ptau", tiny]);
    expect(run.code).toBe(1);
    const need = manifest.circuit.ptauPowerNeeded;
    expect(need).toBeGreaterThan(8);
    expect(errorLine(run)).toBe(
      `homeostat: ${tiny}: ptau too small: instance "pipe-small" has ${manifest.circuit.constraints} constraints and ` +
        `${manifest.circuit.publicSignals} public signals, so it needs a powers of tau of 2^${need} or more, and tiny_08.ptau is 2^8`,
    );
    expect(snapshot()).toEqual(built);
    expectNoLeftovers();

    // The same rule applies after compiling (the path taken when the lock has no entry): snarkjs's own.
    const info = readR1csInfo(abs(`${BUILD}/pipe-small/pipe-small.r1cs`));
    expect(requiredPtauPower(info)).toBe(need);
    expect(() => assertPtauFits({ power: 8, name: "tiny_08.ptau", shownPath: tiny }, "pipe-small", info)).toThrow(/ptau too small/);
    expect(() => assertPtauFits({ power: need, name: "x.ptau", shownPath: "x" }, "pipe-small", info)).not.toThrow();
  }, HEAVY);

  it("refuses a compiled circuit that differs from the lock, naming the instance and the refresh command", async () => {
    const lockText = readFileSync(abs(LOCK), "utf8");
    const lock = JSON.parse(lockText) as { instances: Record<string, { r1cs: string }> };
    lock.instances["pipe-small"]!.r1cs = "0".repeat(64);
    writeFileSync(abs(LOCK), JSON.stringify(lock, null, 2));
    try {
      const run = await cli(["setup", "--instance", "pipe-small"]);
      expect(run.code).toBe(1);
      const line = errorLine(run);
      expect(line).toContain(`instance "pipe-small" does not match the circuit lock: r1cs sha256`);
      expect(line).toContain("npm run circuits:lock");
      expect(snapshot()).toEqual(built);
      expectNoLeftovers();
    } finally {
      writeFileSync(abs(LOCK), lockText);
    }
  }, HEAVY);
});

describe("setup: the artifact cache and deferred phase-2 verification", () => {
  /** The pipe-small files of a snapshot (the dev instance is not asked for below). */
  const pipeSmall = (snap: Record<string, string>) => Object.fromEntries(Object.entries(snap).filter(([f]) => !f.includes("pipe-dev")));

  it("a cleaned build folder (a fresh clone on this machine) is restored from the cache in seconds, byte for byte", async () => {
    const before = pipeSmall(snapshot());
    expect(Object.keys(before).some((f) => f.endsWith("pipe-small.zkey"))).toBe(true);
    expect(readdirSync(path.join(cacheDir, "artifacts")).filter((e) => !e.startsWith(".")).length).toBeGreaterThan(0);
    rmSync(abs(BUILD), { recursive: true, force: true });
    rmSync(abs(GENERATED), { recursive: true, force: true });
    const run = await cli(["setup", "--instance", "test", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as SetupSummary;
    expect(summary.instances.map((r) => [r.instance, r.status])).toEqual([["pipe-small", "restored"]]);
    expect(summary.durationMs).toBeLessThan(10_000);
    expect(pipeSmall(snapshot())).toEqual(before);
    const again = await cli(["setup", "--instance", "pipe-small"]);
    expect(again.stdout).toMatch(/^pipe-small: up to date/m);
  }, HEAVY);

  it("a damaged cache entry is dropped with a warning and the instance is built again", async () => {
    const entries = readdirSync(path.join(cacheDir, "artifacts")).filter((e) => !e.startsWith("."));
    const withZkey = entries.map((e) => path.join(cacheDir, "artifacts", e)).filter((d) => existsSync(path.join(d, "zkey")));
    expect(withZkey).toHaveLength(1);
    const zkey = path.join(withZkey[0]!, "zkey");
    const fd = openSync(zkey, "r+");
    writeSync(fd, Buffer.from([0xff, 0xfe]), 0, 2, 4096);
    closeSync(fd);
    rmSync(abs(BUILD), { recursive: true, force: true });
    const run = await cli(["setup", "--instance", "pipe-small"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/pipe-small: damaged artifact cache entry \(zkey; removed\)/);
    expect(run.stdout).toMatch(/pipe-small: built zkey, verification key and verifier/);
    // The new build replaced the entry, intact.
    const manifest = JSON.parse(readFileSync(abs(`${BUILD}/pipe-small/manifest.json`), "utf8")) as SetupManifest;
    const replaced = readdirSync(path.join(cacheDir, "artifacts")).map((e) => path.join(cacheDir, "artifacts", e, "zkey")).filter(existsSync);
    expect(replaced.map(sha256)).toEqual([manifest.artifacts.zkey!.sha256]);
    expectNoLeftovers();
  }, HEAVY);

  it("--no-verify skips zkey verify and says so in the manifest; the next verifying run verifies the installed key", async () => {
    const quick = await cli(["setup", "--instance", "pipe-small", "--force", "--no-verify"]);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stderr).not.toMatch(/zkey verify/);
    const file = abs(`${BUILD}/pipe-small/manifest.json`);
    const unverified = JSON.parse(readFileSync(file, "utf8")) as SetupManifest;
    expect(unverified.phase2!.verified).toBe(false);
    const zkeySha = sha256(abs(`${BUILD}/pipe-small/pipe-small.zkey`));

    const full = await cli(["setup", "--instance", "pipe-small"]);
    expect(full.code, full.stderr).toBe(0);
    expect(full.stderr).toMatch(/pipe-small: zkey verify \(not verified when it was built\)/);
    expect(full.stdout).toMatch(/^pipe-small: up to date/m);
    const verified = JSON.parse(readFileSync(file, "utf8")) as SetupManifest;
    expect(verified.phase2!.verified).toBe(true);
    expect(verified.inputs).toBe(unverified.inputs);
    expect(sha256(abs(`${BUILD}/pipe-small/pipe-small.zkey`))).toBe(zkeySha); // verified, not rebuilt

    const third = await cli(["setup", "--instance", "pipe-small"]);
    expect(third.stderr).not.toMatch(/zkey verify/);
  }, HEAVY);
});

describe("setup keeps a key installed by a ceremony", () => {
  // `ceremony finalize` (test/ceremony) installs a manifest with a `ceremony` record and the ceremony's own
  // inputs fingerprint. Here that manifest is simulated on the pipe-small build: the key files stay those
  // setup made, only the manifest says they came from a ceremony.
  const manifestFile = abs(`${BUILD}/pipe-small/manifest.json`);

  it("says up to date instead of replacing it; --force replaces it, with a warning", async () => {
    const original = JSON.parse(readFileSync(manifestFile, "utf8")) as SetupManifest;
    const fromCeremony = {
      ...original,
      inputs: "f".repeat(64),
      ceremony: { transcript: "/elsewhere/transcript.json", transcriptSha256: "a".repeat(64), contributions: [], finalZkeySha256: original.artifacts.zkey!.sha256 },
    };
    writeFileSync(manifestFile, `${JSON.stringify(fromCeremony, null, 2)}\n`);
    const kept = snapshot();

    const run = await cli(["setup", "--instance", "pipe-small", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const [result] = (JSON.parse(run.stdout) as SetupSummary).instances;
    expect(result).toMatchObject({ instance: "pipe-small", status: "up-to-date" });
    expect(result!.reason).toMatch(/multi-party ceremony/);
    expect(snapshot()).toEqual(kept);
    const human = await cli(["setup", "--instance", "pipe-small"]);
    expect(human.stdout).toMatch(/^pipe-small: up to date \(key from a multi-party ceremony; --force would replace it/m);

    const forced = await cli(["setup", "--instance", "pipe-small", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/pipe-small: --force: replacing the key installed by a multi-party ceremony with a development key/);
    const rebuilt = JSON.parse(readFileSync(manifestFile, "utf8")) as SetupManifest & { ceremony?: unknown };
    expect(rebuilt.ceremony).toBeUndefined();
    expect(rebuilt.artifacts.zkey!.sha256).not.toBe(original.artifacts.zkey!.sha256); // a fresh random contribution
  }, HEAVY);
});

describe("powers of tau resolution and provenance", () => {
  it("the known Hermez hashes are the ones the installed snarkjs README publishes", () => {
    const readme = readFileSync(abs("node_modules/snarkjs/README.md"), "utf8");
    const published = new Map<string, string>();
    for (const m of readme.matchAll(/\[(powersOfTau28_hez_final(?:_\d+)?\.ptau)\]\([^)]*\)\s*\|\s*([0-9a-f]{128})/g)) published.set(m[1]!, m[2]!);
    const hermez = KNOWN_PTAU.filter((k) => k.kind === "hermez");
    expect(hermez.length).toBe(21);
    for (const k of hermez) expect(published.get(k.name), k.name).toBe(k.blake2b);
  });

  it.skipIf(!SHARED_PTAU_PRESENT)("the 2^16 hashes are the ones ../shared/ptau/README.md quotes (needs ../shared)", () => {
    const hermez = KNOWN_PTAU.filter((k) => k.kind === "hermez");
    const shared = readFileSync(path.join(path.dirname(SHARED_PTAU), "README.md"), "utf8");
    expect(shared).toContain(hermez.find((k) => k.power === 16)!.blake2b);
    const dev = KNOWN_PTAU.find((k) => k.name === "pot16_final.ptau")!;
    expect(shared).toContain(dev.blake2b);
    expect(shared).toContain(dev.sha256!);
  });

  it("the documented beacon is sha256 of its documented text", () => {
    const h = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(PHASE2_BEACON.hash).toBe(h("homeostat phase-2 beacon v1"));
  });

  it("without an explicit file: a cached file that fits is used; offline, the download fails with a clear note and falls through", async () => {
    const cache = path.join(tmp, "resolve-cache");
    mkdirSync(path.join(cache, "ptau"), { recursive: true });
    copyFileSync(await tinyPtau(), path.join(cache, "ptau", devPtauName(8)));
    const warnings: string[] = [];
    const reporter = { ...createReporter({ quiet: true }), warn: (m: string) => void warnings.push(m) };

    const cached = await resolvePtau({ power: 8, cacheDir: cache, reporter, download: false, generate: false, extraDirs: [] });
    expect(cached).toMatchObject({ source: "cache", power: 8, development: true, name: devPtauName(8) });
    expect(warnings.join("\n")).toMatch(/GENERATED ON THIS MACHINE/);

    warnings.length = 0;
    await expect(resolvePtau({ power: 12, cacheDir: cache, reporter, download: false, generate: false, extraDirs: [] })).rejects.toThrow(
      /no powers of tau of 2\^12 or more: pass --ptau FILE, set HOMEOSTAT_PTAU/,
    );
    // A download attempt (this machine is offline; elsewhere it would fetch and check the blake2b).
    const fetchBefore = globalThis.fetch;
    globalThis.fetch = () => Promise.reject(new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } }));
    try {
      await expect(resolvePtau({ power: 12, cacheDir: cache, reporter, download: true, generate: false, extraDirs: [] })).rejects.toThrow(/no powers of tau/);
    } finally {
      globalThis.fetch = fetchBefore;
    }
    expect(warnings.join("\n")).toMatch(/could not download powersOfTau28_hez_final_12\.ptau from https:\/\/storage\.googleapis\.com\/zkevm\/ptau\/.*ENOTFOUND.*trying the next source/);
    expect(readdirSync(path.join(cache, "ptau"))).toEqual([devPtauName(8)]); // no partial download left
    expect(statSync(path.join(cache, "ptau-hashes.json")).isFile()).toBe(true);
  }, HEAVY);
});

describe("setup on a machine with no powers of tau at all (no ../shared, no cache, offline)", () => {
  it("generates one development ptau, of the largest power the instances need, warns, and builds and verifies every key on it", async () => {
    // A second Groth16 instance that needs a larger power than pipe-small: an inclusion circuit of depth 8
    // (about 3,500 constraints: a 2^12 domain, where the hash vectors need 2^11).
    const table = JSON.parse(readFileSync(abs(CIRCUITS), "utf8")) as Record<string, unknown>;
    table["pipe-incl"] = { file: "inclusion", template: "Inclusion", params: [8], pubs: ["liabilitiesRoot", "leafHash"], group: "gen" };
    table["pipe-small-gen"] = { file: "test/hash_vectors", template: "HashVectors", params: [], pubs: [], group: "gen" };
    writeFileSync(abs(CIRCUITS), JSON.stringify(table));
    const lock = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, ["scripts/lock.ts", "pipe-incl", "pipe-small-gen"], { cwd: PROJECT_ROOT, env: { ...process.env, HOMEOSTAT_CIRCUITS: CIRCUITS, HOMEOSTAT_BUILD_DIR: BUILD }, stdio: "ignore" }).on(
        "close",
        resolve,
      ),
    );
    expect(lock).toBe(0);
    const home = path.join(tmp, "fresh-home");
    const freshCache = path.join(tmp, "fresh-cache");
    const run = await cli(["setup", "--instance", "gen", "--json"], {
      HOME: home,
      HOMEOSTAT_CACHE_DIR: freshCache,
      HOMEOSTAT_PTAU: undefined,
      HOMEOSTAT_PTAU_DIRS: "",
      HOMEOSTAT_PTAU_GENERATE: undefined,
      HOMEOSTAT_BUILD_DIR: `${WORK}/build-gen`,
      HOMEOSTAT_VERIFIER_DIR: `${WORK}/generated-gen`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/WARNING: using a powers of tau GENERATED ON THIS MACHINE/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const summary = JSON.parse(run.stdout) as SetupSummary;
    const needs = summary.instances.map((r) => r.ptauPowerNeeded);
    expect(new Set(needs).size, "the two instances need different powers").toBe(2);
    const max = Math.max(...needs);
    // One file, of the larger power, used by both.
    expect(readdirSync(path.join(freshCache, "ptau")).filter((f) => f.endsWith(".ptau"))).toEqual([devPtauName(max)]);
    for (const r of summary.instances) {
      expect(r.status).toBe("built");
      expect(r.ptau).toMatchObject({ name: devPtauName(max), power: max, development: true });
      const m = JSON.parse(readFileSync(abs(r.manifest), "utf8")) as SetupManifest;
      expect(m.phase2!.verified).toBe(true);
    }
  }, HEAVY);
});
