// Pins issue #18, case by case, as a careless or hostile user meets the CLI: every refusal is one line with
// no stack trace (the stack only with --debug), comes before any work, and touches no existing file; no
// output lands on an input; non-canonical proofs are invalid; ids that are not UTF-8 are refused with their
// line and byte offset; a byte-order mark is accepted; a zero price is refused by name; input files have a
// size cap. Most runs go through cli/main.ts in this process (test/cli/in-process.ts); a few through the real
// binary. (`serve` never serving private files is pinned in test/web/serve.test.ts, the contracts' canonical
// check in test/contracts/gate.test.ts, the verifier's in test/verifier/verify.test.ts, generated malformed
// files in malformed-inputs.property.test.ts.)
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorReport } from "../../cli/main.ts";
import { UserError } from "../../core/errors.ts";
import { BASE_FIELD_MODULUS } from "../../core/field.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { proveSolvency } from "../../prover/prove.ts";
import { isSetUp, loadExample, SMALL } from "../prover/small-example.ts";
import { expectOneLineRefusal, homeostatInProcess as homeostat, snapshot, type Outcome } from "./in-process.ts";

const BIN = path.join(PROJECT_ROOT, "bin", "homeostat.mjs");
let root: string;

/** The real binary in a child process. */
async function binary(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** A fresh copy of examples/small. */
function example(name: string): string {
  const dir = path.join(root, name);
  cpSync(SMALL, dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "homeostat-hostile-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("outputs are checked before any work and never land on an input", () => {
  it("prove --out the input treasury.json: refused (exit 2), the treasury intact, no private state written", async () => {
    const dir = example("out-is-input");
    const before = snapshot(dir);
    const result = await homeostat("prove", "solvency", "--dir", dir, "--out", path.join(dir, "treasury.json"));
    expectOneLineRefusal(result, 2, /treasury\.json: is the treasury file \(--treasury\): writing there would destroy it; choose another --out$/);
    expect(snapshot(dir)).toEqual(before);
    // The other inputs and the state file too.
    for (const name of ["policy.json", "prices.json", "users.csv", ".homeostat/state.json"]) {
      expectOneLineRefusal(await homeostat("prove", "solvency", "--dir", dir, "--out", path.join(dir, name)), 2, /writing there would destroy it/);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it("prove --out an existing folder: refused before proving, no state file left behind", async () => {
    const dir = example("out-is-folder");
    mkdirSync(path.join(dir, "bundles"));
    const before = snapshot(dir);
    const result = await homeostat("prove", "solvency", "--dir", dir, "--out", path.join(dir, "bundles"));
    expectOneLineRefusal(result, 2, /bundles: is a folder: --out takes a file name$/);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(path.join(dir, ".homeostat"))).toBe(false);
  });

  it("prove --out or --state under a regular file: refused before proving, nothing written", async () => {
    const dir = example("out-under-file");
    const before = snapshot(dir);
    expectOneLineRefusal(await homeostat("prove", "solvency", "--dir", dir, "--out", path.join(dir, "users.csv", "bundle.json")), 2, /users\.csv is a file, so the folder for this output cannot be made$/);
    expectOneLineRefusal(
      await homeostat("prove", "solvency", "--dir", dir, "--out", path.join(root, "b.json"), "--state", path.join(dir, "treasury.json", "state.json")),
      2,
      /treasury\.json is a file, so the folder for this output cannot be made$/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("liabilities build --out a path under a regular file: one line (no EEXIST stack)", async () => {
    const dir = example("tree-under-file");
    const result = await homeostat("liabilities", "build", "--in", path.join(dir, "users.csv"), "--out", path.join(dir, "users.csv", "tree"));
    expectOneLineRefusal(result, 2, /users\.csv is a file, so the folder for this output cannot be made$/);
  });

  it("liabilities build --force replaces only a tree folder: never a folder holding the input, nor any other folder", async () => {
    const dir = example("force");
    const before = snapshot(dir);
    expectOneLineRefusal(await homeostat("liabilities", "build", "--in", path.join(dir, "users.csv"), "--out", dir, "--force"), 2, /holds the liabilities file \(--in\)/);
    const other = path.join(root, "documents");
    mkdirSync(other);
    writeFileSync(path.join(other, "letter.txt"), "keep me");
    expectOneLineRefusal(await homeostat("liabilities", "build", "--in", path.join(dir, "users.csv"), "--out", other, "--force"), 2, /is not a liabilities tree folder/);
    expect(readFileSync(path.join(other, "letter.txt"), "utf8")).toBe("keep me");
    expect(snapshot(dir)).toEqual(before);
  });

  it("inclusion prove --out an existing folder, or into the tree: refused before proving", async () => {
    const dir = example("inclusion");
    const tree = path.join(dir, "tree");
    await buildTree(await readLiabilities(path.join(dir, "users.csv"), { decimals: 6 }), { depth: 4, decimals: 6, outDir: tree, hasher: createTreeHasher({ engine: "js" }) });
    mkdirSync(path.join(dir, "proofs"));
    const before = snapshot(dir);
    const user = ["--tree", tree, "--user", "alice@example.org"];
    expectOneLineRefusal(await homeostat("inclusion", "prove", ...user, "--out", path.join(dir, "proofs")), 2, /proofs: is a folder: --out takes a file name$/);
    expectOneLineRefusal(await homeostat("inclusion", "prove", ...user, "--out", path.join(tree, "root.json")), 2, /root\.json: is inside the liabilities tree \(--tree\)/);
    expectOneLineRefusal(await homeostat("inclusion", "prove", "--tree", tree, "--all", "--out", path.join(dir, "users.csv")), 2, /users\.csv: is a file: --out takes a folder$/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("simulate --out an existing file: one line (no EEXIST stack), the file intact", async () => {
    const file = path.join(root, "not-a-folder");
    writeFileSync(file, "keep me");
    expectOneLineRefusal(await homeostat("simulate", "--out", file), 2, /not-a-folder: is a file: --out takes a folder$/);
    expect(readFileSync(file, "utf8")).toBe("keep me");
    // Nor into the treasury folder it reads.
    const dir = example("simulate-inputs");
    expectOneLineRefusal(await homeostat("simulate", "--treasury", dir, "--out", dir), 2, /is the treasury folder \(--treasury\)/);
  });
});

describe.runIf(isSetUp("solvency-test"))("verify: canonical proofs only", () => {
  it("a valid bundle with q added to proof.pi_a[0] and packedProof[0] is invalid (exit 3), naming the coordinate", async () => {
    const { bundle } = await proveSolvency({ ...loadExample(), persistState: false });
    const valid = path.join(root, "valid.json");
    writeFileSync(valid, JSON.stringify(bundle));
    expect((await homeostat("verify", valid)).code).toBe(0);
    const shifted = structuredClone(bundle);
    shifted.proof.pi_a[0] = (BigInt(shifted.proof.pi_a[0]) + BASE_FIELD_MODULUS).toString();
    shifted.packedProof[0] = (BigInt(shifted.packedProof[0]!) + BASE_FIELD_MODULUS).toString();
    const file = path.join(root, "shifted.json");
    writeFileSync(file, JSON.stringify(shifted));
    const result = await homeostat("verify", file);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/INVALID: .*shifted\.json\n {2}- malformed bundle: proof\.pi_a\[0\]: not below the BN254 base field modulus q/);
    expect(result.stderr).toBe("");
  });
});

describe("text inputs: UTF-8 only, a byte-order mark accepted, a size cap", () => {
  it("an id with invalid UTF-8 is refused with its line and byte offset (liabilities build and check); two such ids are not 'duplicates'", async () => {
    const dir = example("utf8");
    const users = path.join(dir, "users.csv");
    // Two ids that a repairing decoder would both turn into "al\uFFFDce".
    writeFileSync(users, Buffer.concat([Buffer.from("user,balance\nal"), Buffer.from([0xff]), Buffer.from("ce,1\nal"), Buffer.from([0xfe]), Buffer.from("ce,2\n")]));
    const built = await homeostat("liabilities", "build", "--in", users, "--out", path.join(dir, "tree"), "--depth", "4");
    expectOneLineRefusal(built, 1, /users\.csv:2: not valid UTF-8: byte 0xFF at byte offset 15 of the file; save it as UTF-8$/);
    expect(existsSync(path.join(dir, "tree"))).toBe(false);
    expectOneLineRefusal(await homeostat("check", "--dir", dir), 1, /users\.csv:2: not valid UTF-8: byte 0xFF at byte offset 15/);
    // JSON can spell an id that has no UTF-8 form (an unpaired surrogate): refused the same way.
    const jsonl = path.join(dir, "users.jsonl");
    writeFileSync(jsonl, '{"user": "al\\ud800ce", "balance": "1"}\n');
    expectOneLineRefusal(await homeostat("liabilities", "build", "--in", jsonl, "--out", path.join(dir, "tree")), 1, /users\.jsonl:1: the user id holds an unpaired surrogate/);
  });

  it("a JSON input starting with a byte-order mark is accepted (check); a bad byte after it is still found", async () => {
    const dir = example("bom");
    for (const name of ["treasury.json", "policy.json", "prices.json", "users.csv"]) {
      writeFileSync(path.join(dir, name), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path.join(SMALL, name))]));
    }
    const ok = await homeostat("check", "--dir", dir);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    writeFileSync(path.join(dir, "policy.json"), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xc0, 0xaf, 0x7d]));
    expectOneLineRefusal(await homeostat("check", "--dir", dir), 1, /policy\.json:1: not valid UTF-8: byte 0xC0 at byte offset 4 of the file/);
  });

  it("check --treasury /dev/zero stops at the size cap: one line, exit 1 (the real binary)", async () => {
    const dir = example("dev-zero");
    const result = await binary("check", "--dir", dir, "--treasury", "/dev/zero");
    expectOneLineRefusal(result, 1, /^homeostat: \/dev\/zero: larger than 64 MiB, the limit for this input file$/);
  });

  it("check with a zero price for the liabilities asset is refused naming the price (never 'ok (no liabilities)')", async () => {
    const dir = example("zero-price");
    const prices = JSON.parse(readFileSync(path.join(dir, "prices.json"), "utf8")) as { prices: Record<string, unknown> };
    prices.prices.USDC = { answer: "0", updatedAt: 1763632800 };
    writeFileSync(path.join(dir, "prices.json"), JSON.stringify(prices));
    const result = await homeostat("check", "--dir", dir);
    expectOneLineRefusal(result, 1, /prices\.json: prices\.USDC: the USDC price is 0: prices must be positive$/);
    expect(result.stdout).not.toMatch(/no liabilities/);
  });
});

describe("serve", () => {
  it("serve --host 'not a host' blames --host in words, before building anything", async () => {
    expectOneLineRefusal(await homeostat("serve", "--host", "not a host", "--port", "0"), 2, /^homeostat: --host: "not a host" is not an IP address or a host name$/);
  });
});

describe("one place reports every error", () => {
  it("a system error names the command, the file and the reason in words; a bug says so; the stack only with debug", () => {
    const dir = path.join(root, "reports");
    mkdirSync(path.join(dir, "target"), { recursive: true });
    writeFileSync(path.join(dir, "file"), "x");
    let renamed: unknown;
    try {
      renameSync(path.join(dir, "file"), path.join(dir, "target"));
    } catch (e) {
      renamed = e;
    }
    expect(errorReport(renamed, { command: "prove solvency" })).toEqual({ text: `homeostat: prove solvency: ${path.join(dir, "target")}: is a folder, expected a file\n`, exitCode: 1 });
    let made: unknown;
    try {
      mkdirSync(path.join(dir, "file", "sub"), { recursive: true });
    } catch (e) {
      made = e;
    }
    expect(errorReport(made, { command: "simulate" }).text).toMatch(/^homeostat: simulate: .*file(\/sub)?: (already exists|a part of the path is a file, not a folder)\n$/);
    expect(errorReport(new TypeError("x is undefined"), { command: "check" })).toEqual({ text: "homeostat: check: internal error: x is undefined (run again with --debug for the stack)\n", exitCode: 1 });
    const debug = errorReport(new TypeError("x is undefined"), { command: "check", debug: true }).text;
    expect(debug.split("\n")[0]).toBe("homeostat: check: internal error: x is undefined");
    expect(debug).toMatch(/\n\s+at /);
    const refusal = new UserError("no such file", { where: "t.json", exitCode: 1 });
    expect(errorReport(refusal)).toEqual({ text: "homeostat: t.json: no such file\n", exitCode: 1 });
    expect(errorReport(refusal, { debug: true }).text).toMatch(/^homeostat: t\.json: no such file\nUserError: t\.json: no such file\n\s+at /);
  });

  it("--debug adds the stack to a refusal, anywhere on the command line (the real binary)", async () => {
    const plain = await binary("verify", "/nonexistent/bundle.json");
    expectOneLineRefusal(plain, 1, /^homeostat: \/nonexistent\/bundle\.json: no such file$/);
    const debug = await binary("verify", "/nonexistent/bundle.json", "--debug");
    expect(debug.code).toBe(1);
    expect(debug.stderr.split("\n")[0]).toBe("homeostat: /nonexistent/bundle.json: no such file");
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect((await binary("--help")).stdout).toMatch(/--debug/);
  });
});
