// Pins `homeostat ceremony`: a three-contributor phase 2 on the hash-vectors instance, run through the
// CLI (init, contribute x3, verify, finalize --out), whose final key then proves and verifies the hash
// vectors; the transcript checks catch an edited contributor name, a zkey swapped for one from a fresh
// init, a stale lock entry; a failed finalize leaves nothing behind; bad input gets one line and a
// non-zero exit. Runs in a scratch project space (HOMEOSTAT_CIRCUITS / _BUILD_DIR / _VERIFIER_DIR /
// _CACHE_DIR under test-output/) so it neither reads nor writes other engineers' builds.
import { VECTORS } from "../helpers/hash-vectors.ts";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as CeremonyModule from "../../ceremony/index.ts";
import type * as HashModule from "../../core/hash.ts";
import { projectPtau } from "../helpers/ptau.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PTAU = projectPtau();
const SCRATCH_REL = `test-output/ceremony-${process.pid}-${randomBytes(3).toString("hex")}`;
const SCRATCH = path.join(ROOT, SCRATCH_REL);
const INSTANCE = "hash-vectors";


type Main = (argv: string[]) => Promise<number>;
let main: Main;
let ceremony: typeof CeremonyModule;
let hash: typeof HashModule;

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const dirOf = (name: string) => path.join(SCRATCH, name);

/** Runs the CLI in-process and captures what it prints. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The single `homeostat: ...` error line of a failed run. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.startsWith("homeostat: ") || l.startsWith("error: "));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

beforeAll(async () => {
  // A scratch instances file with hash-vectors only: its lock (absent) and build folder are ours alone.
  mkdirSync(SCRATCH, { recursive: true });
  const real = JSON.parse(readFileSync(path.join(ROOT, "circuits/circuits.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(path.join(SCRATCH, "circuits.json"), JSON.stringify({ [INSTANCE]: real[INSTANCE] }, null, 2));
  process.env.HOMEOSTAT_CIRCUITS = `${SCRATCH_REL}/circuits.json`;
  process.env.HOMEOSTAT_BUILD_DIR = `${SCRATCH_REL}/build`;
  process.env.HOMEOSTAT_VERIFIER_DIR = `${SCRATCH_REL}/contracts`;
  process.env.HOMEOSTAT_CACHE_DIR = path.join(SCRATCH, "cache");
  delete process.env.HOMEOSTAT_PTAU;
  // Imported only now: the modules read these variables when they load.
  ({ main } = (await import("../../cli/main.ts")) as { main: Main });
  ceremony = await import("../../ceremony/index.ts");
  hash = await import("../../core/hash.ts");
});

afterAll(() => {
  rmSync(SCRATCH, { recursive: true, force: true });
});

describe("ceremony: three contributors, verified, finalized, then proving", () => {
  const dir = () => dirOf("ceremony");
  const published: Record<string, string> = {};

  it("init compiles the instance and writes the initial zkey and the transcript", async () => {
    const run = await cli("ceremony", "init", "--instance", INSTANCE, "--ptau", PTAU, "--dir", dir());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`ceremony for ${INSTANCE} started`);
    expect(existsSync(path.join(SCRATCH, "build", INSTANCE, `${INSTANCE}.wasm`))).toBe(true);
    const t = ceremony.readTranscript(dir());
    expect(t.instance).toBe(INSTANCE);
    expect(t.contributions).toEqual([]);
    // The sha256 pins the file (its power included). No static import of setup/ here: it would fix the
    // build folders before this file sets HOMEOSTAT_BUILD_DIR.
    expect(t.ptau).toMatchObject({ file: path.basename(PTAU), development: true, sha256: sha256(PTAU) });
    expect(t.ptau.power).toBeGreaterThanOrEqual(12);
    expect(sha256(path.join(dir(), t.initial.file))).toBe(t.initial.sha256);
    expect(sha256(path.join(dir(), t.r1cs.file))).toBe(t.r1cs.sha256);
  });

  it("three contributors each add a contribution and get the hash to publish", async () => {
    for (const [name, extra] of [["Alice", ["--entropy", "alice's dice rolls"]], ["Bob", []], ["Carol", ["--json"]]] as const) {
      const run = await cli("ceremony", "contribute", "--dir", dir(), "--name", name, ...extra);
      expect(run.code, run.stderr).toBe(0);
      const t = ceremony.readTranscript(dir());
      const step = t.contributions.at(-1)!;
      expect(step.name).toBe(name);
      if (name === "Carol") expect(JSON.parse(run.stdout)).toEqual(step);
      else expect(run.stdout).toContain(step.contributionHash);
      published[name] = step.contributionHash;
    }
    const t = ceremony.readTranscript(dir());
    expect(t.contributions.map((s) => [s.index, s.kind, s.name])).toEqual([
      [1, "contribution", "Alice"],
      [2, "contribution", "Bob"],
      [3, "contribution", "Carol"],
    ]);
    // The zkey itself records the same names and hashes (read independently of the transcript).
    const mpc = await ceremony.readMpcParams(path.join(dir(), t.contributions[2]!.file));
    expect(mpc.contributions.map((c) => [c.name, c.contributionHash])).toEqual(Object.entries(published));
    cpSync(dir(), dirOf("before-finalize"), { recursive: true });
  });

  it("a full verify (snarkjs zkey verify) passes and lists the published hashes as snarkjs reports them", async () => {
    const run = await cli("ceremony", "verify", "--dir", dir(), "--ptau", PTAU, "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as CeremonyModule.CeremonyVerification;
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ["transcript", "pass"],
      ["instance", "pass"],
      ["r1cs", "pass"],
      ["r1cs-lock", "skip"],
      ["ptau", "pass"],
      ["zkey-0", "pass"],
      ["contribution-1", "pass"],
      ["contribution-2", "pass"],
      ["contribution-3", "pass"],
      ["snarkjs-verify", "pass"],
      ["final", "skip"],
    ]);
    const reported = String(result.checks.find((c) => c.id === "snarkjs-verify")!.evidence.contributions);
    for (const [name, h] of Object.entries(published)) expect(reported).toContain(`${name} ${h}`);
  });

  it("finalize applies the beacon, verifies with snarkjs and installs into --out", async () => {
    const out = dirOf("installed");
    const beacon = "0x" + "5a".repeat(32);
    const run = await cli("ceremony", "finalize", "--dir", dir(), "--beacon", beacon, "--ptau", PTAU, "--out", out, "--json");
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { vkeyHash: string; verification: { ok: boolean; checks: Array<{ id: string; status: string }> } };
    expect(result.verification.ok).toBe(true);
    expect(result.verification.checks.find((c) => c.id === "snarkjs-verify")?.status).toBe("pass");

    const t = ceremony.readTranscript(dir());
    const last = t.contributions.at(-1)!;
    expect(last).toMatchObject({ index: 4, kind: "beacon", beacon: { hash: "5a".repeat(32), iterationsExp: 10 } });
    expect(t.final?.zkey.sha256).toBe(last.sha256);
    expect(sha256(path.join(out, `${INSTANCE}.zkey`))).toBe(last.sha256);
    expect(readdirSync(out).sort()).toEqual(["HashVectorsVerifier.sol", `${INSTANCE}.vkey.json`, `${INSTANCE}.zkey`, "manifest.json"]);
    const verifier = readFileSync(path.join(out, "HashVectorsVerifier.sol"), "utf8");
    expect(verifier).toMatch(/^\/\/ SPDX-License-Identifier: GPL-3.0\n\/\/ Generated by `homeostat ceremony finalize`/);
    expect(verifier).toContain("contract HashVectorsVerifier");
    expect(verifier).not.toContain("Groth16Verifier");

    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as CeremonyModule.CeremonyManifest;
    expect(manifest.format).toBe("homeostat-setup-manifest/1");
    expect(manifest.ceremony.transcriptSha256).toBe(sha256(path.join(dir(), "transcript.json")));
    expect(manifest.ceremony.contributions.map((c) => [c.name, c.contributionHash])).toEqual(Object.entries(published));
    expect(manifest.artifacts.zkey?.sha256).toBe(last.sha256);
    expect(manifest.artifacts.vkey?.sha256).toBe(t.final?.vkey.sha256);
    // No temporary files or lock left anywhere.
    expect(readdirSync(dir()).filter((f) => f.startsWith("."))).toEqual([]);
    expect(readdirSync(out).filter((f) => f.startsWith("."))).toEqual([]);
    // Finalized means closed.
    const again = await cli("ceremony", "contribute", "--dir", dir(), "--name", "Mallory");
    expect(again.code).toBe(1);
    expect(errorLine(again.stderr)).toMatch(/finalized/);
  });

  it("the final key proves the hash vectors and the proof verifies", async () => {
    const snarkjs = (await import("snarkjs")) as {
      groth16: {
        fullProve(input: unknown, wasm: string, zkey: string): Promise<{ proof: unknown; publicSignals: string[] }>;
        verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
      };
    };
    const out = dirOf("installed");
    const input = { leafIn: VECTORS.leafIn, nodeIn: VECTORS.nodeIn, sumIn: VECTORS.sumIn, list: VECTORS.list };
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, path.join(SCRATCH, "build", INSTANCE, `${INSTANCE}.wasm`), path.join(out, `${INSTANCE}.zkey`));
    const expected = [
      hash.positionLeaf(...VECTORS.leafIn),
      hash.merkleNode(...VECTORS.nodeIn),
      hash.sumNode({ hash: VECTORS.sumIn[0], sum: VECTORS.sumIn[1] }, { hash: VECTORS.sumIn[2], sum: VECTORS.sumIn[3] }).hash,
      hash.listHash(VECTORS.list),
    ].map(String);
    expect(publicSignals).toEqual(expected);
    const vkey = JSON.parse(readFileSync(path.join(out, `${INSTANCE}.vkey.json`), "utf8")) as unknown;
    expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vkey, [...publicSignals.slice(0, 3), "42"], proof)).toBe(false);
  });

  it("a quick verify of the finalized folder (no ptau) checks the installed vkey and verifier too", async () => {
    const result = await ceremony.verifyTranscript(dir(), { quick: true });
    expect(ceremony.firstFailure(result)).toBeUndefined();
    expect(result.finalized).toBe(true);
    // The ptau is only compared when one is found (a cached copy in the cache folder would be): never a failure here.
    const statuses = result.checks.map((c) => [c.id, c.id === "ptau" && c.status === "pass" ? "skip" : c.status]);
    expect(statuses).toEqual([
      ["transcript", "pass"],
      ["instance", "pass"],
      ["r1cs", "pass"],
      ["r1cs-lock", "skip"],
      ["ptau", "skip"],
      ["zkey-0", "pass"],
      ["contribution-1", "pass"],
      ["contribution-2", "pass"],
      ["contribution-3", "pass"],
      ["contribution-4", "pass"],
      ["snarkjs-verify", "skip"],
      ["final", "pass"],
    ]);
    expect(result.checks.find((c) => c.id === "contribution-4")?.title).toBe("beacon #4");
  });
});

describe("ceremony: tampering is caught and named", () => {
  const copy = (name: string) => {
    const target = dirOf(name);
    cpSync(dirOf("ceremony"), target, { recursive: true });
    return target;
  };

  it("a contributor's name edited in the transcript fails naming that contribution", async () => {
    const dir = copy("tampered-name");
    const file = path.join(dir, "transcript.json");
    const t = JSON.parse(readFileSync(file, "utf8")) as CeremonyModule.CeremonyTranscript;
    t.contributions[1]!.name = "Mallory";
    writeFileSync(file, JSON.stringify(t, null, 2));

    const result = await ceremony.verifyTranscript(dir, { quick: true });
    expect(result.ok).toBe(false);
    const failed = result.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => c.id)).toEqual(["contribution-2"]);
    expect(failed[0]!.problems[0]).toBe('the transcript names it "Mallory", the zkey records "Bob"');

    const run = await cli("ceremony", "verify", "--dir", dir, "--quick");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('FAIL  contribution #2 "Mallory"');
    expect(errorLine(run.stderr)).toBe(`homeostat: ${dir}: contribution #2 "Mallory": the transcript names it "Mallory", the zkey records "Bob"`);
  });

  it("a zkey replaced by one from a fresh init fails naming that contribution", async () => {
    const fresh = dirOf("fresh");
    const init = await cli("ceremony", "init", "--instance", INSTANCE, "--ptau", PTAU, "--dir", fresh);
    expect(init.code, init.stderr).toBe(0);
    // zkey new is deterministic: anyone can remake the initial zkey from the r1cs and the ptau.
    expect(ceremony.readTranscript(fresh).initial.sha256).toBe(ceremony.readTranscript(dirOf("ceremony")).initial.sha256);

    const dir = copy("tampered-zkey");
    cpSync(path.join(fresh, `${INSTANCE}_0000.zkey`), path.join(dir, `${INSTANCE}_0002.zkey`));
    const result = await ceremony.verifyTranscript(dir, { quick: true });
    const failed = result.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => c.id)).toEqual(["contribution-2", "contribution-3"]);
    expect(failed[0]!.title).toBe('contribution #2 "Bob"');
    expect(failed[0]!.problems.join("\n")).toMatch(/sha256 .* the transcript records .*replaced or altered/);
    expect(failed[0]!.problems.join("\n")).toContain("holds 0 contributions, expected 2");
    expect(failed[1]!.problems).toEqual([`${INSTANCE}_0003.zkey does not extend the previous zkey: its contribution #1 differs`]);

    const run = await cli("ceremony", "verify", "--dir", dir, "--quick", "--json");
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { ok: boolean }).ok).toBe(false);
    expect(errorLine(run.stderr)).toMatch(/^homeostat: .*: contribution #2 "Bob": hash-vectors_0002\.zkey has sha256 /);
    // A contributor is refused when the head of the chain is swapped.
    cpSync(path.join(fresh, `${INSTANCE}_0000.zkey`), path.join(dirOf("before-finalize"), `${INSTANCE}_0003.zkey`));
    const contribute = await cli("ceremony", "contribute", "--dir", dirOf("before-finalize"), "--name", "Dave");
    expect(contribute.code).toBe(1);
    expect(errorLine(contribute.stderr)).toMatch(/the zkey of contribution #3 "Carol" has sha256 .*refusing to build on it/);
    cpSync(path.join(dirOf("ceremony"), `${INSTANCE}_0003.zkey`), path.join(dirOf("before-finalize"), `${INSTANCE}_0003.zkey`));
  });

  it("an r1cs the circuit lock does not pin fails the lock check", async () => {
    const lock = path.join(SCRATCH, "circuits.lock.json");
    writeFileSync(lock, JSON.stringify({ format: "homeostat-circuits-lock/1", comment: "", tools: {}, instances: { [INSTANCE]: { r1cs: "00".repeat(32) } } }));
    try {
      const result = await ceremony.verifyTranscript(dirOf("ceremony"), { quick: true });
      const failed = result.checks.filter((c) => c.status === "fail");
      expect(failed.map((c) => c.id)).toEqual(["r1cs-lock"]);
      expect(failed[0]!.problems[0]).toMatch(/not the one .*circuits\.lock\.json pins .*the circuit changed since the ceremony/);
    } finally {
      rmSync(lock);
    }
  });

  it("a finalize that fails verification leaves the folder and the target untouched", async () => {
    const dir = dirOf("before-finalize");
    appendFileSync(path.join(dir, `${INSTANCE}.r1cs`), "x");
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, sha256(path.join(dir, f))]));
    const out = dirOf("not-installed");
    const run = await cli("ceremony", "finalize", "--dir", dir, "--beacon", "ab".repeat(32), "--ptau", PTAU, "--out", out);
    expect(run.code).toBe(1);
    expect(errorLine(run.stderr)).toMatch(/verification after the beacon failed: circuit r1cs: hash-vectors\.r1cs has sha256 /);
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, sha256(path.join(dir, f))]))).toEqual(before);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});

describe("ceremony: bad input gets one line and a non-zero exit", () => {
  it.each([
    [["verify", "--dir", "/nonexistent/ceremony"], 2, /^homeostat: \/nonexistent\/ceremony: no such ceremony folder$/],
    [["contribute", "--dir", "/nonexistent/ceremony", "--name", "A"], 2, /no such ceremony folder$/],
    [["init", "--instance", "no-such-circuit", "--ptau", PTAU, "--dir", "x"], 2, /^homeostat: --instance: unknown instance "no-such-circuit" \(instances: hash-vectors\)$/],
    [["init", "--instance", "dev", "--ptau", PTAU, "--dir", "x"], 2, /"dev" is a group: run one ceremony per instance: hash-vectors/],
    [["verify"], 2, /^error: required option '--dir <dir>' not specified$/],
    [["finalize", "--dir", "x", "--beacon", "xyz"], 2, /^homeostat: --beacon: the beacon must be hex/],
    [["finalize", "--dir", "x", "--beacon", "abcd", "--iterations", "5"], 2, /^homeostat: --iterations: must be an integer from 10 to 63/],
  ])("ceremony %j exits %i", async (args, code, message) => {
    const run = await cli("ceremony", ...args);
    expect(run.code).toBe(code);
    expect(errorLine(run.stderr)).toMatch(message);
  });

  it("refuses a second init, a bad name, a finalize without contributions and an unreadable transcript", async () => {
    const fresh = dirOf("fresh");
    const init = await cli("ceremony", "init", "--instance", INSTANCE, "--ptau", PTAU, "--dir", fresh);
    expect(init.code).toBe(2);
    expect(errorLine(init.stderr)).toMatch(/transcript\.json: this folder already holds a ceremony/);

    const name = await cli("ceremony", "contribute", "--dir", fresh, "--name", "x".repeat(65));
    expect(name.code).toBe(2);
    expect(errorLine(name.stderr)).toMatch(/^homeostat: --name: the name is longer than 64 UTF-8 bytes/);

    const finalize = await cli("ceremony", "finalize", "--dir", fresh, "--beacon", "ab".repeat(32), "--ptau", PTAU);
    expect(finalize.code).toBe(1);
    expect(errorLine(finalize.stderr)).toMatch(/no contributions yet/);

    const broken = dirOf("broken");
    cpSync(fresh, broken, { recursive: true });
    writeFileSync(path.join(broken, "transcript.json"), "{ not json");
    const verify = await cli("ceremony", "verify", "--dir", broken, "--quick");
    expect(verify.code).toBe(1);
    expect(errorLine(verify.stderr)).toMatch(/transcript: not valid JSON/);
  });
});
