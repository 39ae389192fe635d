// Pins `homeostat audit` (audit/): a clean audit of the small example (test instance) passes, and each
// tampering fails with the right check named: a position amount, a salt, the policy, a verifier contract for
// another key, a changed circuit source. Expensive checks (recompile, zkey verify) are selected per test.
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAudit, type AuditOptions, type AuditReport } from "../../audit/index.ts";
import { proveSolvency } from "../../prover/prove.ts";
import { writeBundle } from "../../prover/bundle.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { liabilitySalts, loadState } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury } from "../../prover/treasury.ts";
import { SMALL, isSetUp } from "../prover/small-example.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { writeDevPtau } from "../../setup/dev-ptau.ts";
import { makeSnarkjsLogger } from "../../setup/progress.ts";
import { loadSnarkjs } from "../../setup/snarkjs.ts";
import { spawnSync } from "node:child_process";
import { projectPtau } from "../helpers/ptau.ts";

const ready = isSetUp("solvency-test");
const treeReady = ready && isSetUp("inclusion-test");
/** The development powers of tau the keys were made from (DESIGN section 8). */
const PTAU = projectPtau();
const CHEAP = ["positions-root", "liabilities-root", "policy-hash", "prices-hash", "published-proof", "inclusion-sample", "circuit-sources", "verifier-contract"];

let dir: string;

async function terminateCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  await g.curve_bn128?.terminate();
  delete g.curve_bn128;
}
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

  afterAll(terminateCurve);

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

  it("command line: refuses a missing bundle with one line and a non-zero exit", () => {
    const r = spawnSync(process.execPath, ["bin/homeostat.mjs", "audit", "--dir", SMALL, "--bundle", "/nonexistent/s1.json"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual(["homeostat: /nonexistent/s1.json: no such file"]);
  }, 60_000);

  it("command line: prints the JSON report and exits 1 when a check fails, writing both report files", () => {
    const out = path.join(dir, "report");
    const p = JSON.parse(readFileSync(`${dir}/policy.json`, "utf8")) as { minCoverage: string };
    writeFileSync(`${dir}/policy-changed.json`, JSON.stringify({ ...p, minCoverage: p.minCoverage === "120%" ? "121%" : "120%" }));
    const r = spawnSync(
      process.execPath,
      ["bin/homeostat.mjs", "audit", "--treasury", base.treasury, "--policy", `${dir}/policy-changed.json`, "--prices", base.prices, "--liabilities", base.liabilities,
        "--state", base.state, "--bundle", base.bundles[0]!, "--checks", "policy-hash,positions-root", "--json", "--out", out],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as AuditReport;
    expect(failed(report)).toEqual(["policy-hash"]);
    expect(status(report, "positions-root")).toBe("pass");
    expect(JSON.parse(readFileSync(path.join(out, "audit-report.json"), "utf8"))).toEqual(report);
    expect(readFileSync(path.join(out, "audit-report.md"), "utf8")).toMatch(/FAIL \| `policy-hash`/);
  }, 60_000);
});

describe.skipIf(!treeReady)("homeostat audit: liabilities tree, S3 inclusion proofs and keys", () => {
  let tdir: string;
  let opts: AuditOptions;

  beforeAll(async () => {
    tdir = mkdtempSync(path.join(tmpdir(), "homeostat-audit-tree-"));
    cpSync(SMALL, tdir, { recursive: true });
    const table = await readLiabilities(`${tdir}/users.csv`, { decimals: 6 });
    await buildTree(table, { depth: 4, decimals: 6, outDir: `${tdir}/tree`, hasher: createTreeHasher({ engine: "js" }) });
    const state = loadState(path.join(tdir, "state.json"));
    const files = { treasury: `${tdir}/treasury.json`, policy: `${tdir}/policy.json`, prices: `${tdir}/prices.json` };
    const treasury = loadTreasury(files);
    const liabilities = loadLiabilities(`${tdir}/tree`, treasury.policy, () => []);
    const result = await proveSolvency({ treasury, liabilities, state, instance: "test" });
    writeBundle(`${tdir}/s1.json`, result.bundle);
    opts = { ...files, liabilities: `${tdir}/tree`, state: state.file, bundles: [`${tdir}/s1.json`], sample: 2, ptau: PTAU };
  }, 240_000);

  afterAll(terminateCurve);

  it("passes with S3 proofs of sampled users, the recomputed tree root and the inclusion key, verifier and recompiled circuit", async () => {
    const report = await runAudit({ ...opts, only: ["liabilities-root", "inclusion-sample", "published-proof", "zkey:inclusion-test", "verifier-contract", "circuit-compile:inclusion-test"] });
    expect(failed(report)).toEqual([]);
    expect(report.checks.find((c) => c.id === "inclusion-sample")!.evidence.kind).toBe("S3 proofs");
    for (const id of ["liabilities-root", "inclusion-sample", "zkey:inclusion-test", "verifier-contract:inclusion-test", "circuit-compile:inclusion-test"]) expect(status(report, id), id).toBe("pass");
  }, 600_000);

  it("fails zkey:inclusion-test for a zkey made from another powers of tau", async () => {
    // A real "other ptau": a 2^12 one (inclusion-test needs 2^12, so it fits) from another secret than the
    // development one (which may be the project's ptau on a machine without ../shared), and a zkey of the
    // same r1cs made from it, put in place of the instance's zkey in a copy of its artifacts. Its
    // verification key is then exported from it, so only the ptau differs from a genuine build.
    const ptau12 = path.join(tdir, "other12.ptau");
    await writeDevPtau(12, ptau12, { secretSeed: "homeostat audit test: another secret" });
    const artifacts = path.join(tdir, "circuits");
    cpSync(path.join(PROJECT_ROOT, "build/circuits/inclusion-test"), path.join(artifacts, "inclusion-test"), { recursive: true });
    const zkey = path.join(artifacts, "inclusion-test/inclusion-test.zkey");
    const snarkjs = await loadSnarkjs();
    const quiet = makeSnarkjsLogger(() => {});
    await snarkjs.zKey.newZKey(path.join(artifacts, "inclusion-test/inclusion-test.r1cs"), ptau12, zkey, quiet);
    writeFileSync(path.join(artifacts, "inclusion-test/inclusion-test.vkey.json"), JSON.stringify(await snarkjs.zKey.exportVerificationKey(zkey, quiet)));
    const report = await runAudit({ ...opts, circuitsDir: artifacts, only: ["zkey:inclusion-test"] });
    expect(failed(report)).toEqual(["zkey:inclusion-test"]);
    expect(report.checks.find((c) => c.id === "zkey:inclusion-test")!.evidence.zkeyVerify).toBe(false);
  }, 600_000);
});

describe("homeostat audit: custody statements (examples/harbor)", () => {
  const files = (d: string) => ({ treasury: `${d}/treasury.json`, policy: `${d}/policy.json`, prices: `${d}/prices.json` });
  const HARBOR = path.join(path.dirname(SMALL), "harbor");

  it("passes the example's statement and fails an altered one, a stale one and a missing one", async () => {
    const { checkCustodyStatements } = await import("../../audit/checks.ts");
    const d = mkdtempSync(path.join(tmpdir(), "homeostat-audit-harbor-"));
    cpSync(HARBOR, d, { recursive: true });
    const clean = await checkCustodyStatements(loadTreasury(files(d)));
    expect(clean).toMatchObject({ status: "pass", evidence: { attestors: 1, statements: 1, "Harbor Custody.timestamp": 1_763_640_000 } });

    const statement = JSON.parse(readFileSync(`${d}/harbor-statement.json`, "utf8")) as { assets: Array<{ amount: string }>; timestamp: number };
    statement.assets[3]!.amount = "630000000";
    writeFileSync(`${d}/harbor-statement.json`, JSON.stringify(statement));
    const altered = await checkCustodyStatements(loadTreasury(files(d)));
    expect(altered.status).toBe("fail");
    expect(altered.problems.join("\n")).toMatch(/harbor-statement\.json: .*signature/i);

    cpSync(HARBOR, d, { recursive: true });
    const prices = JSON.parse(readFileSync(`${d}/prices.json`, "utf8")) as { timestamp: string };
    prices.timestamp = "2025-11-22T12:00:00Z";
    writeFileSync(`${d}/prices.json`, JSON.stringify(prices));
    const stale = await checkCustodyStatements(loadTreasury(files(d)));
    expect(stale.problems.join("\n")).toMatch(/older than the snapshot/);

    // A snapshot 5 minutes before the statement, under a policy allowing 60 s either side.
    prices.timestamp = "2025-11-20T11:55:00Z";
    writeFileSync(`${d}/prices.json`, JSON.stringify(prices));
    const policy = JSON.parse(readFileSync(`${d}/policy.json`, "utf8")) as { maxAttestationAge: string };
    policy.maxAttestationAge = "60s";
    writeFileSync(`${d}/policy.json`, JSON.stringify(policy));
    const early = await checkCustodyStatements(loadTreasury(files(d)));
    expect(early.problems.join("\n")).toMatch(/300 s in the future/);

    cpSync(HARBOR, d, { recursive: true });
    const treasury = JSON.parse(readFileSync(`${d}/treasury.json`, "utf8")) as { statements: string[] };
    treasury.statements = [];
    writeFileSync(`${d}/treasury.json`, JSON.stringify(treasury));
    const missing = await checkCustodyStatements(loadTreasury(files(d)));
    expect(missing.problems.join("\n")).toMatch(/95\.5 WETH held at Harbor Custody, but no statement/);
  });
});
