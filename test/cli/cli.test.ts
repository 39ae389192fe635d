// Pins the CLI `check`, `prove` and `verify` as a user meets them (the real binary, in a child process):
// the examples check, prove and verify (S1 and an S2 swap; the standard instance for the 8-asset example);
// a treasury that breaks a bound is refused naming the bound; bad input gives one line on stderr, a
// non-zero exit and no output file (an existing one is left intact); --json and --help work.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { isSetUp, MERIDIAN, SMALL, SMALL_SWAP } from "../prover/small-example.ts";

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, "bin", "homeostat.mjs");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function homeostat(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** A copy of an example folder, optionally with one JSON file edited. */
function copyExample(from: string, edit?: { file: string; change: (json: any) => void }): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const dir = mkdtempSync(path.join(tmpdir(), "homeostat-cli-"));
  cpSync(from, dir, { recursive: true });
  if (edit) {
    const file = path.join(dir, edit.file);
    const json = JSON.parse(readFileSync(file, "utf8"));
    edit.change(json);
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
  return dir;
}

describe("homeostat check", () => {
  it("passes the examples (exit 0) and prints the report", async () => {
    const small = await homeostat("check", "--dir", SMALL);
    expect(small.code).toBe(0);
    expect(small.stdout).toMatch(/every bound holds/);
    expect(small.stdout).toMatch(/ok {2}cap WETH/);
    const meridian = await homeostat("check", "--dir", MERIDIAN, "--json");
    expect(meridian.code).toBe(0);
    const json = JSON.parse(meridian.stdout) as { ok: boolean; report: { checks: unknown[] } };
    expect(json.ok).toBe(true);
    expect(json.report.checks).toHaveLength(8 + 8 + 2 + 4); // feeds, caps, coverage + liquidity, scenarios
  });

  it("fails (exit 3) on a treasury that breaks a bound, naming it and a fix", async () => {
    const dir = copyExample(SMALL, { file: "treasury.json", change: (t) => t.positions.push({ asset: "WETH", amount: "200", venue: "new" }) });
    const out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/FAIL {2}cap WETH/);
    expect(out.stdout).toMatch(/✗ cap WETH: .* above its 35% cap by/);
    expect(out.stdout).toMatch(/fix: sell ≥ [\d,.]+ WETH \(≈\$[\d,.]+\) into USDC/);
  });

  it("refuses bad input with one line naming the file and field (exit 1)", async () => {
    const dir = copyExample(SMALL, { file: "treasury.json", change: (t) => (t.positions[0].amount = "12.3456789") });
    const out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(/^homeostat: .*treasury\.json: positions\[0\]\.amount: "12\.3456789" has 7 decimals; at most 6 fit exactly/);
  });

  it("explains itself in --help", async () => {
    const help = await homeostat("check", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 every bound holds; 3 a bound fails/);
  });
});

describe("homeostat prove: refusals write nothing", () => {
  it("refuses a breaking treasury before proving (exit 3), naming the bound; no bundle, no state", async () => {
    const dir = copyExample(SMALL, { file: "treasury.json", change: (t) => t.positions.push({ asset: "WETH", amount: "200", venue: "new" }) });
    const out = path.join(dir, "bundle.json");
    const result = await homeostat("prove", "solvency", "--dir", dir, "--out", out);
    expect(result.code).toBe(3);
    const last = result.stderr.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^homeostat: .*treasury\.json: the treasury breaks the policy, nothing was proven: cap WETH: .* fix: sell ≥/);
    expect(result.stderr).toMatch(/✗ cap WETH/); // the full report goes to stderr first
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, ".homeostat"))).toBe(false);
  });

  it("refuses bad input with one line and leaves an existing output intact", async () => {
    const dir = copyExample(SMALL, { file: "policy.json", change: (p) => (p.assets[1].haircut = "2") });
    const out = path.join(dir, "bundle.json");
    writeFileSync(out, "previous bundle");
    const result = await homeostat("prove", "solvency", "--dir", dir, "--out", out);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^homeostat: .*policy\.json: assets\[1\]\.haircut: "2" is not a percentage like "35%"/)]);
    expect(readFileSync(out, "utf8")).toBe("previous bundle");
  });

  it("refuses a missing flag and an unknown asset in one line", async () => {
    const missing = await homeostat("prove", "solvency", "--treasury", `${SMALL}/treasury.json`, "--out", "/tmp/x.json");
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("homeostat: --policy: missing: give --policy FILE (or --dir FOLDER)");
    const dir = copyExample(SMALL);
    const unknown = await homeostat("prove", "rebalance", "--dir", dir, "--sell", "DOGE", "--amount", "1", "--buy", "USDC", "--min-out", "1", "--out", path.join(dir, "b.json"));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe("homeostat: --sell: DOGE is not an asset of the policy (USDC, DAI, WETH, WBTC)");
    expect(existsSync(path.join(dir, "b.json"))).toBe(false);
  });

  it("explains both statements in --help", async () => {
    expect((await homeostat("prove", "solvency", "--help")).stdout).toMatch(/refuses \(exit 3\) without proving/);
    expect((await homeostat("prove", "rebalance", "--help")).stdout).toMatch(/--min-out <decimal>/);
    expect((await homeostat("verify", "--help")).stdout).toMatch(/Exit codes: 0 valid; 3 invalid/);
  });
});

describe("homeostat verify: bad input", () => {
  it("gives one line for a missing or non-JSON bundle (exit 1)", async () => {
    const missing = await homeostat("verify", "/nonexistent/bundle.json");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("homeostat: /nonexistent/bundle.json: no such file");
    const dir = mkdtempSync(path.join(tmpdir(), "homeostat-cli-"));
    writeFileSync(path.join(dir, "b.json"), "not json");
    const bad = await homeostat("verify", path.join(dir, "b.json"));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe.runIf(isSetUp("solvency-test") && isSetUp("rebalance-test"))("small example through the CLI (test instance)", () => {
  let dir: string;
  beforeAll(() => {
    dir = copyExample(SMALL);
  });

  it("proves S1 and verifies it", async () => {
    const out = path.join(dir, "attestation.json");
    const proved = await homeostat("prove", "solvency", "--dir", dir, "--out", out, "--instance", "test");
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.stdout).toMatch(/solvency proof \(solvency-test\) written to/);
    expect(proved.stderr).toMatch(/computing the Groth16 proof: [\d.]+ s/);
    expect(existsSync(path.join(dir, ".homeostat", "state.json"))).toBe(true);
    const verified = await homeostat("verify", out);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^valid solvency proof \(solvency-test\)/);

    const json = await homeostat("verify", out, "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, reasons: [], proofValid: true, instance: "solvency-test" });
  });

  it("proves an S2 swap from the attested root and verifies it", async () => {
    const out = path.join(dir, "swap.json");
    const s = SMALL_SWAP;
    const proved = await homeostat("prove", "rebalance", "--dir", dir, "--sell", s.sell, "--amount", s.amount, "--buy", s.buy, "--min-out", s.minOut, "--out", out, "--json");
    expect(proved.code, proved.stderr).toBe(0);
    const summary = JSON.parse(proved.stdout) as { reusedCommitment: boolean; publicSignals: Record<string, string> };
    expect(summary.reusedCommitment).toBe(true);
    const attested = JSON.parse(readFileSync(path.join(dir, "attestation.json"), "utf8")) as { publicSignals: { positionsRoot: string } };
    expect(summary.publicSignals.oldRoot).toBe(attested.publicSignals.positionsRoot);
    const verified = await homeostat("verify", out);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/action: sell 50 WETH for at least 170,?000 USDC/);
  });

  it("reports a tampered bundle as invalid with reasons (exit 3)", async () => {
    const bundle = JSON.parse(readFileSync(path.join(dir, "attestation.json"), "utf8")) as { publicSignals: Record<string, string> };
    bundle.publicSignals.pricesHash = "12345";
    const file = path.join(dir, "tampered.json");
    writeFileSync(file, JSON.stringify(bundle));
    const result = await homeostat("verify", file);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^INVALID: /);
    expect(result.stdout).toMatch(/- the prices in the bundle do not hash to the proven pricesHash/);
    expect(result.stdout).toMatch(/- the Groth16 proof does not verify/);
  });
});

describe.runIf(isSetUp("solvency-standard") && isSetUp("rebalance-standard"))("8-asset example through the CLI (standard instance)", () => {
  it("proves S1 and an S2 swap and verifies both", async () => {
    const dir = copyExample(MERIDIAN);
    const attestation = path.join(dir, "attestation.json");
    const s1 = await homeostat("prove", "solvency", "--dir", dir, "--out", attestation);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toMatch(/\(solvency-standard\)/);
    expect((await homeostat("verify", attestation)).code).toBe(0);
    const swap = path.join(dir, "swap.json");
    const s2 = await homeostat("prove", "rebalance", "--dir", dir, "--sell", "WETH", "--amount", "500", "--buy", "USDC", "--min-out", "1690000", "--out", swap);
    expect(s2.code, s2.stderr).toBe(0);
    expect(s2.stdout).toMatch(/\(rebalance-standard\)/);
    const verified = await homeostat("verify", swap);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/action: sell 500 WETH for at least 1690000 USDC/);
  });
});
