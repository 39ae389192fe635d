// Pins proving S4 (payout) on examples/small: a payout that would break a bound is refused before proving
// (no instance needed: the library throws PolicyViolationError with the health report and the largest payout
// that keeps every bound, the state file untouched; the CLI prints the report and exits 3, writing nothing);
// bad flags are refused in one line naming the flag; and, with payout-test set up, a payout from the attested
// root proves, moves the state's commitment and its bundle verifies.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { PolicyViolationError, preparePayout, provePayout, proveSolvency } from "../../prover/prove.ts";
import { loadState } from "../../prover/state.ts";
import { loadVerificationKeys } from "../../verifier/node.ts";
import { verifyBundle } from "../../verifier/verify.ts";
import { isSetUp, loadExample, SMALL } from "./small-example.ts";

const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** Keeps every bound: 100,000 of the small treasury's 1,600,000 USDC. */
const SMALL_PAYOUT = { asset: "USDC", amount: "100000", to: RECIPIENT };
/** Breaks coverage: 1,000,000 USDC leaves haircut-adjusted assets below 130% of the liabilities. */
const BREAKING_PAYOUT = { asset: "USDC", amount: "1000000", to: RECIPIENT };

describe("prove payout refuses before proving", () => {
  it("a payout that breaks a bound: PolicyViolationError with the report and the largest safe payout; state untouched", () => {
    const example = loadExample();
    const error = (() => {
      try {
        preparePayout({ ...example, request: BREAKING_PAYOUT });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PolicyViolationError);
    const violation = error as PolicyViolationError;
    expect(violation.where).toBe("--amount");
    expect(violation.message).toMatch(/^--amount: the treasury after this payout breaks the policy, nothing was proven: coverage/);
    expect(violation.report.failures.map((f) => f.id)).toEqual(["coverage"]);
    const hint = /the largest USDC payout that keeps every bound: --amount ([\d.]+)$/.exec(violation.message);
    expect(hint).not.toBeNull();
    // check's coverage margin is $867,399.95 at a USDC price just under $1: the largest payout is just above it.
    expect(Number(hint![1])).toBeGreaterThan(867_000);
    expect(Number(hint![1])).toBeLessThan(1_000_000);
    // The hinted payout itself passes the evaluation (and one base unit more would not).
    const fits = preparePayout.bind(undefined, { ...loadExample(), persistState: false, request: { ...BREAKING_PAYOUT, amount: hint![1]! } });
    if (isSetUp("payout-test")) expect(fits).not.toThrow();
    expect(existsSync(example.state.file)).toBe(false);
  });

  it("more than one vault position holds, an unknown asset, a bad or zero address, nothing: named by flag", () => {
    const example = loadExample();
    const refuse = (request: typeof SMALL_PAYOUT) => () => preparePayout({ ...example, persistState: false, request });
    expect(refuse({ ...SMALL_PAYOUT, amount: "1300000" })).toThrow(/no single USDC position held by the vault holds that much \(largest: 1,200,000 USDC\)/);
    expect(refuse({ ...SMALL_PAYOUT, asset: "DOGE" })).toThrow(/DOGE is not an asset of the policy/);
    expect(refuse({ ...SMALL_PAYOUT, to: "0x1234" })).toThrow(/"0x1234" is not a 20-byte hex address/);
    expect(refuse({ ...SMALL_PAYOUT, to: `0x${"0".repeat(40)}` })).toThrow(/the zero address cannot receive a payout/);
    expect(refuse({ ...SMALL_PAYOUT, amount: "0" })).toThrow(/the amount paid out must be positive/);
  });
});

describe("homeostat prove payout (the CLI)", () => {
  const run = promisify(execFile);
  const homeostat = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: "1" } });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
    }
  };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "homeostat-payout-"));
    cpSync(SMALL, dir, { recursive: true });
  });

  it("refuses a breaking payout with the health report `check` prints (exit 3); no bundle, no state", async () => {
    const out = path.join(dir, "payout.json");
    const p = BREAKING_PAYOUT;
    const result = await homeostat("prove", "payout", "--dir", dir, "--asset", p.asset, "--amount", p.amount, "--to", p.to, "--sequence", "4", "--out", out);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/After the payout/);
    expect(result.stderr).toMatch(/FAIL +coverage/);
    expect(result.stderr).toMatch(/ok +cap USDC/);
    const last = result.stderr.trim().split("\n").at(-1)!;
    expect(last).toMatch(/^homeostat: --amount: the treasury after this payout breaks the policy, nothing was proven: coverage.*--amount [\d.]+$/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, ".homeostat"))).toBe(false);
  });

  it("refuses a malformed --to in one line (exit 2) and explains itself in --help", async () => {
    const result = await homeostat("prove", "payout", "--dir", dir, "--asset", "USDC", "--amount", "1", "--to", "alice", "--out", path.join(dir, "p.json"));
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('homeostat: --to: "alice" is not a 20-byte hex address (0x and 40 hex digits)');
    const help = await homeostat("prove", "payout", "--help");
    expect(help.stdout).toMatch(/--to <address>/);
    expect(help.stdout).toMatch(/exit 3/);
  });
});

describe.runIf(isSetUp("solvency-test") && isSetUp("payout-test"))("prove payout on the test instance", () => {
  it("proves a payout from the attested root; the state moves to the new root; the bundle verifies", async () => {
    const example = loadExample();
    const s1 = await proveSolvency({ ...example, sequence: 3n });
    const state = loadState(example.state.file);
    const s4 = await provePayout({ ...example, state, sequence: 4n, request: SMALL_PAYOUT });
    expect(s4.oldRoot).toBe(s1.root);
    expect(s4.reusedCommitment).toBe(true);
    expect(s4.bundle.statement).toBe("payout");
    expect(s4.bundle.instance).toBe("payout-test");
    expect(s4.bundle.publicSignals).toMatchObject({
      oldRoot: s1.root.toString(),
      newRoot: s4.root.toString(),
      asset: "0",
      amount: (100_000n * 10n ** 6n).toString(),
      recipient: BigInt(RECIPIENT).toString(),
      sequence: "4",
    });
    expect(s4.bundle.payout).toEqual({
      asset: "0",
      amount: "100000000000",
      recipient: BigInt(RECIPIENT).toString(),
      symbol: "USDC",
      units: "100000",
      to: RECIPIENT.toLowerCase(),
    });
    expect(await verifyBundle(s4.bundle, loadVerificationKeys())).toMatchObject({ valid: true, reasons: [] });
    const saved = loadState(example.state.file);
    expect(saved.current).toBe(s4.root);
    expect(saved.commitments.get(s4.root)!.parent).toBe(s1.root);
    const usdc = saved.commitments.get(s4.root)!.slots.filter((s) => s.assetIndex === 0n).reduce((t, s) => t + s.amount, 0n);
    expect(usdc).toBe(1_500_000n * 10n ** 6n);
    expect(JSON.parse(readFileSync(example.state.file, "utf8"))).toBeTruthy();
  });
});
