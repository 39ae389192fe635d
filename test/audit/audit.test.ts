// Pins `homeostat audit` (prover/audit): a clean audit of the small example (test instance) passes, and each
// tampering fails with the right check named: a position amount, a salt, the policy, a verifier contract for
// another key, a changed circuit source. Expensive checks (recompile, zkey verify) are selected per test.
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit, type AuditOptions, type AuditReport } from "../../prover/audit/index.ts";
import { proveSolvency } from "../../prover/prove.ts";
import { writeBundle } from "../../prover/bundle.ts";
import { PROJECT_ROOT } from "../../prover/setup/instances.ts";
import { liabilitySalts, loadState } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury } from "../../prover/treasury.ts";
import { SMALL, isSetUp } from "../prover/small-example.ts";

const ready = isSetUp("solvency-test");
const CHEAP = ["positions-root", "liabilities-root", "policy-hash", "prices-hash", "published-proof", "inclusion-sample", "circuit-sources", "verifier-contract"];

let dir: string;
let base: AuditOptions;

const status = (r: AuditReport, id: string) => r.checks.find((c) => c.id === id)?.status;
const failed = (r: AuditReport) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);

describe.skipIf(!ready)("homeostat audit", () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "homeostat-audit-"));
    cpSync(SMALL, dir, { recursive: true });
    const state = loadState(path.join(dir, "state.json"));
    const files = { treasury: `${dir}/treasury.json`, policy: `${dir}/policy.json`, prices: `${dir}/prices.json` };
    const treasury = loadTreasury(files);
    const liabilities = loadLiabilities(`${dir}/users.csv`, treasury.policy, (key, n) => liabilitySalts(state, key, n));
    const result = await proveSolvency({ treasury, liabilities, state, instance: "test" });
    writeBundle(`${dir}/s1.json`, result.bundle);
    base = { ...files, liabilities: `${dir}/users.csv`, state: state.file, bundles: [`${dir}/s1.json`], sample: 3 };
  }, 240_000);

  afterAll(async () => {
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
  });

  it("passes a clean audit (commitments, policy, prices, published and regenerated proof, inclusion, sources, verifier)", async () => {
    const report = await runAudit({ ...base, only: [...CHEAP, "regenerated-proof"] });
    expect(failed(report)).toEqual([]);
    for (const id of ["positions-root", "liabilities-root", "policy-hash", "prices-hash", "published-proof", "regenerated-proof", "inclusion-sample", "circuit-sources:solvency-test", "verifier-contract:solvency-test"]) {
      expect(status(report, id), id).toBe("pass");
    }
    expect(report.ok).toBe(true);
  }, 240_000);

  it("fails positions-root when one position amount is changed", async () => {
    const t = JSON.parse(readFileSync(`${dir}/treasury.json`, "utf8")) as { positions: Array<{ amount: string }> };
    t.positions[0]!.amount = `${t.positions[0]!.amount}1`;
    writeFileSync(`${dir}/treasury-changed.json`, JSON.stringify(t));
    const report = await runAudit({ ...base, treasury: `${dir}/treasury-changed.json`, only: ["positions-root"] });
    expect(failed(report)).toEqual(["positions-root"]);
    expect(report.ok).toBe(false);
  });

  it("fails positions-root when one salt is changed", async () => {
    const s = JSON.parse(readFileSync(base.state, "utf8")) as { commitments: Record<string, { slots: Array<{ salt: string }> }> };
    const c = Object.values(s.commitments)[0]!;
    c.slots[0]!.salt = (BigInt(c.slots[0]!.salt) + 1n).toString();
    writeFileSync(`${dir}/state-changed.json`, JSON.stringify(s));
    const report = await runAudit({ ...base, state: `${dir}/state-changed.json`, only: ["positions-root"] });
    expect(failed(report)).toEqual(["positions-root"]);
  });

  it("fails policy-hash with a different policy", async () => {
    const text = readFileSync(`${dir}/policy.json`, "utf8");
    const p = JSON.parse(text) as { minCoverage: string };
    p.minCoverage = p.minCoverage === "120%" ? "121%" : "120%";
    writeFileSync(`${dir}/policy-changed.json`, JSON.stringify(p));
    const report = await runAudit({ ...base, policy: `${dir}/policy-changed.json`, only: ["policy-hash"] });
    expect(failed(report)).toEqual(["policy-hash"]);
  });

  it("fails verifier-contract when the verifier is generated for another key", async () => {
    // The inclusion-test verifier is a real snarkjs verifier of another zkey, placed as the solvency one.
    const other = path.join(PROJECT_ROOT, "contracts/generated/InclusionTestVerifier.sol");
    const vdir = path.join(dir, "verifiers");
    mkdirSync(vdir);
    copyFileSync(other, path.join(vdir, "SolvencyTestVerifier.sol"));
    const report = await runAudit({ ...base, verifierDir: vdir, only: ["verifier-contract"] });
    expect(failed(report)).toEqual(["verifier-contract:solvency-test"]);
  });

  it("fails circuit-sources when a circuit source is changed (in a copy of the sources)", async () => {
    const root = path.join(dir, "project");
    cpSync(path.join(PROJECT_ROOT, "circuits"), path.join(root, "circuits"), { recursive: true });
    symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
    const file = path.join(root, "circuits/solvency.circom");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// audited copy: one changed byte\n`);
    const report = await runAudit({ ...base, sourcesRoot: root, only: ["circuit-sources"] });
    expect(failed(report)).toEqual(["circuit-sources:solvency-test"]);
    expect(report.checks.find((c) => c.id === "circuit-sources:solvency-test")!.problems.join()).toMatch(/solvency\.circom/);
  });
});
