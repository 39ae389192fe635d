// Pins per-user inclusion proofs (liabilities/inclusion.ts, pool.ts, verifier/inclusion.ts and the
// `homeostat inclusion` CLI) on the inclusion-test instance (D=4; set up by `homeostat setup`): a proof
// verifies; a user not in the tree or a changed balance cannot be proven (clear error); forged proof files
// (changed balance, salt, id, leafHash, root, a coordinate + q) fail verification; `prove --all` killed midway and restarted
// finishes without redoing finished users (their files untouched) and every file verifies.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_FIELD_MODULUS } from "../../core/field.ts";
import { liabilityLeaf } from "../../core/hash.ts";
import { findUser, inclusionArtifacts, InclusionProver, proofFileName } from "../../liabilities/inclusion.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { verifyInclusionProof, type InclusionProof } from "../../verifier/inclusion.ts";
import { loadVerificationKeys } from "../../verifier/node.ts";
import type { VerificationKeys } from "../../verifier/verify.ts";

const BIN = path.join(PROJECT_ROOT, "bin/homeostat.mjs");
const dir = mkdtempSync(path.join(tmpdir(), "homeostat-inclusion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const USERS = Array.from({ length: 16 }, (_, i) => [`user-${i}@example.com`, `${i * 3}.${i}`] as const);

/** Runs the CLI; resolves with its exit code and output (never rejects). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("inclusion proofs", () => {
  let treeDir: string;
  let tree: LiabilitiesTree;
  let prover: InclusionProver;
  let vkeys: VerificationKeys;
  let proof: InclusionProof;

  beforeAll(async () => {
    const file = path.join(dir, "users.csv");
    writeFileSync(file, `user,balance\n${USERS.map(([u, b]) => `${u},${b}`).join("\n")}\n`);
    treeDir = path.join(dir, "tree");
    await buildTree(await readLiabilities(file, { decimals: 6 }), { depth: 4, decimals: 6, outDir: treeDir });
    tree = LiabilitiesTree.open(treeDir);
    prover = await InclusionProver.load(inclusionArtifacts("inclusion-test"));
    vkeys = loadVerificationKeys();
    proof = await prover.prove(tree, findUser(tree, "user-5@example.com", "15.5"));
  });
  afterAll(() => tree?.close());

  it("makes a proof that verifies and shows the user's own balance", async () => {
    expect(proof).toMatchObject({ format: "homeostat-inclusion/1", instance: "inclusion-test", root: tree.root.toString() });
    expect(proof.user).toMatchObject({ id: "user-5@example.com", balance: "15.5", balanceBaseUnits: "15500000", decimals: 6 });
    const result = await verifyInclusionProof(proof, vkeys, { root: tree.root, userId: "user-5@example.com", balanceBaseUnits: 15_500_000n });
    expect(result.reasons).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("refuses to prove a user who is not in the tree, or a changed balance", () => {
    expect(() => findUser(tree, "mallory@example.com")).toThrow(/user "mallory@example.com" is not in this liabilities tree/);
    expect(() => findUser(tree, "user-5@example.com", "15.6")).toThrow(/has balance 15.5 in the tree, not 15.6/);
    expect(() => findUser(tree, "user-5@example.com", "15.5000001")).toThrow(/7 decimals/);
    expect(findUser(tree, "  user-5@example.com ", "15.50").index).toBe(5); // canonical id, exact balance
  });

  it("rejects forged proof files", async () => {
    const forge = (edit: (f: InclusionProof) => void): InclusionProof => {
      const f = structuredClone(proof);
      edit(f);
      return f;
    };
    const cases: Array<[string, InclusionProof, RegExp]> = [
      ["a higher balance", forge((f) => ((f.user.balance = "150.5"), (f.user.balanceBaseUnits = "150500000"))), /leafHash is not Poseidon/],
      ["another user's id", forge((f) => (f.user.id = "user-6@example.com")), /userIdHash is not the hash of user.id/],
      ["another salt", forge((f) => (f.user.salt = "1")), /leafHash is not Poseidon/],
      [
        "a leaf hash recomputed for a higher balance",
        forge((f) => {
          f.user.balance = "150.5";
          f.user.balanceBaseUnits = "150500000";
          f.leafHash = f.publicSignals.leafHash = liabilityLeaf(BigInt(f.user.userIdHash), 150_500_000n, BigInt(f.user.salt)).toString();
        }),
        /Groth16 proof does not verify/,
      ],
      ["another root", forge((f) => (f.root = f.publicSignals.liabilitiesRoot = "12345")), /Groth16 proof does not verify/],
      ["a balance that disagrees with its base units", forge((f) => (f.user.balance = "15.4")), /is not 15500000 base units/],
      ["another key fingerprint", forge((f) => (f.vkeyHash = "0".repeat(64))), /vkeyHash/],
      ["an unknown instance", forge((f) => (f.instance = "inclusion-huge")), /unknown instance/],
      // The same proof, another encoding: snarkjs alone would reduce the coordinate and accept it.
      ["a coordinate plus the base field modulus q", forge((f) => (f.proof.pi_a[0] = (BigInt(f.proof.pi_a[0]) + BASE_FIELD_MODULUS).toString())), /proof\.pi_a\[0\]: not below the BN254 base field modulus q/],
    ];
    for (const [label, forged, reason] of cases) {
      const result = await verifyInclusionProof(forged, vkeys);
      expect({ label, valid: result.valid }).toEqual({ label, valid: false });
      expect(result.reasons.join("\n"), label).toMatch(reason);
    }
    expect((await verifyInclusionProof(proof, vkeys, { root: 1n })).reasons.join()).toMatch(/not the published root/);
    expect((await verifyInclusionProof({ format: "nope" }, vkeys)).reasons[0]).toMatch(/malformed inclusion proof/);
  });

  it("CLI: a non-member or changed balance is one clear line and a non-zero exit; a forged file exits 3", async () => {
    const missing = await cli(["inclusion", "prove", "--tree", treeDir, "--user", "mallory"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('homeostat: --user: user "mallory" is not in this liabilities tree');
    const changed = await cli(["inclusion", "prove", "--tree", treeDir, "--user", "user-1@example.com", "--balance", "99"]);
    expect(changed.code).toBe(1);
    expect(changed.stderr.trim()).toMatch(/^homeostat: --balance: user "user-1@example.com" has balance 3.1 in the tree, not 99/);
    const forgedFile = path.join(dir, "forged.json");
    writeFileSync(forgedFile, JSON.stringify({ ...proof, user: { ...proof.user, balance: "99", balanceBaseUnits: "99000000" } }));
    const verdict = await cli(["inclusion", "verify", forgedFile, "--json"]);
    expect(verdict.code).toBe(3);
    expect(JSON.parse(verdict.stdout)).toMatchObject({ valid: false });
  });

  it("CLI: `prove --all` killed midway, then restarted, finishes without redoing finished users", async () => {
    const out = path.join(dir, "proofs");
    // First run: killed (SIGKILL, no clean-up) as soon as two proofs are on disk.
    const child = spawn(process.execPath, [BIN, "inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--workers", "2", "--json"], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const proofs = () => {
      try {
        return readdirSync(out).filter((n) => n.endsWith(".json") && n !== "index.json");
      } catch {
        return [];
      }
    };
    while (proofs().length < 2) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await exited;
    // The workers notice that the pool is gone and stop (without writing the proof they were making): wait
    // until the folder has been still for a second.
    for (let last = proofs().join(), i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = proofs().join();
      if (now === last) break;
      last = now;
    }
    const before = new Map(proofs().map((n) => [n, { mtime: statSync(path.join(out, n)).mtimeMs, content: readFileSync(path.join(out, n), "utf8") }]));
    expect(before.size).toBeGreaterThanOrEqual(2);
    expect(before.size).toBeLessThan(USERS.length);

    // Second run: only the missing users are proven.
    const second = await cli(["inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--workers", "2", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout) as { skipped: number; proved: number; users: number; failed: unknown[] };
    const done = new Set(proofs());
    expect(summary.users).toBe(USERS.length);
    expect(summary.failed).toEqual([]);
    // Files present after the kill were finished proofs (atomic writes): all are skipped, none rewritten.
    expect(summary.skipped).toBe(before.size);
    expect(summary.proved).toBe(USERS.length - before.size);
    for (const [name, was] of before) {
      expect(statSync(path.join(out, name)).mtimeMs).toBe(was.mtime);
      expect(readFileSync(path.join(out, name), "utf8")).toBe(was.content);
    }
    // One file per user, named by the user id hash, and every one verifies; no temp files are left.
    expect(readdirSync(out).sort()).toEqual([...USERS.map((_, i) => proofFileName(tree.leaf(i).userIdHash)), "index.json"].sort());
    expect(done.size).toBe(USERS.length);
    for (let i = 0; i < USERS.length; i++) {
      const leaf = tree.leaf(i);
      const file = JSON.parse(readFileSync(path.join(out, proofFileName(leaf.userIdHash)), "utf8")) as unknown;
      const result = await verifyInclusionProof(file, vkeys, { root: tree.root, userId: USERS[i]![0] });
      expect(result.reasons).toEqual([]);
    }

    // A third run has nothing to do.
    const third = await cli(["inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--json"]);
    expect(JSON.parse(third.stdout)).toMatchObject({ skipped: USERS.length, proved: 0 });
    expect(JSON.parse(readFileSync(path.join(out, "index.json"), "utf8"))).toMatchObject({ format: "homeostat-inclusion-index/1", root: tree.root.toString(), users: USERS.length, proofs: USERS.length, complete: true });

    // Naming the epoch the root was published as: every file is made again with it, and the index says it.
    const labelled = await cli(["inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--epoch", "3", "--json"]);
    expect(JSON.parse(labelled.stdout)).toMatchObject({ skipped: 0, proved: USERS.length });
    expect(JSON.parse(readFileSync(path.join(out, "index.json"), "utf8"))).toMatchObject({ root: tree.root.toString(), epoch: 3, proofs: USERS.length, complete: true });
    const one = JSON.parse(readFileSync(path.join(out, proofFileName(tree.leaf(5).userIdHash)), "utf8")) as { epoch?: number };
    expect(one.epoch).toBe(3);
    expect((await verifyInclusionProof(one, vkeys, { root: tree.root })).valid).toBe(true);
    const shown = await cli(["inclusion", "verify", path.join(out, proofFileName(tree.leaf(5).userIdHash))]);
    expect(shown.stdout).toMatch(/\(epoch 3, as the operator labels it\)/);
    expect((await cli(["inclusion", "prove", "--tree", treeDir, "--user", USERS[0]![0], "--epoch", "0"])).stderr).toMatch(/--epoch: expected a positive integer/);
  });
});
