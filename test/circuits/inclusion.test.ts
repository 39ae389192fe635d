// Pins S3 (circuits/inclusion.circom, `Inclusion(D)`): a stored tree's leaf and path prove; the public
// signals are (liabilitiesRoot, leafHash) as circuits.json says; constraint counts per instance; and the
// soundness cases: a tampered sibling sum, a negative (wrapped, p - 1) balance or sibling sum, a balance or
// sibling sum of 2^96 or more (at any level), a non-boolean path bit, and tampered witness signals are all
// rejected; path sums above 2^96 are exact (nothing can wrap, see the circuit's header).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { liabilityLeaf, sumNode, userIdHash, type SumNode } from "../../core/hash.ts";
import { inclusionInput } from "../../liabilities/inclusion.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { loadInstances } from "../../core/node/instances.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";

/** Constraint counts (circom 2.2.3, --O2). A change here is a change of the statement: review it. */
const CONSTRAINTS = { "inclusion-test": 1_941, "inclusion-small": 4_713, "inclusion-standard": 8_277 };

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-s3-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function storedTree(depth: number): Promise<LiabilitiesTree> {
  const file = path.join(dir, `users-${depth}.csv`);
  writeFileSync(file, "user,balance\nalice,10.5\nbob,3\ncarol,0\ndave,7.25\neve,1\n");
  const out = path.join(dir, `tree-${depth}`);
  await buildTree(await readLiabilities(file, { decimals: 6 }), { depth, decimals: 6, outDir: out });
  return LiabilitiesTree.open(out);
}

const mod = (x: bigint) => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

/** A sum-tree parent computed the way a cheating prover would: sums wrap modulo p. */
function wrappingParent(left: SumNode, right: SumNode): SumNode {
  return { hash: sumNode({ hash: left.hash, sum: left.sum }, { hash: right.hash, sum: right.sum }).hash, sum: mod(left.sum + right.sum) };
}

/**
 * An input whose hashes are all consistent (the root really is the fold of the path) but whose sums are
 * chosen by the caller, so only the range checks can stop it.
 */
function craftedInput(depth: number, balance: bigint, siblingSums: bigint[]): Record<string, string | string[]> {
  const idHash = userIdHash("mallory");
  const salt = 12345n;
  let node: SumNode = { hash: liabilityLeaf(idHash, balance, salt), sum: balance };
  const leafHash = node.hash;
  const siblings: SumNode[] = siblingSums.map((sum, k) => ({ hash: liabilityLeaf(BigInt(k + 1), sum, 7n), sum }));
  for (const s of siblings) node = wrappingParent(node, s);
  return {
    liabilitiesRoot: node.hash.toString(),
    leafHash: leafHash.toString(),
    userIdHash: idHash.toString(),
    balance: balance.toString(),
    salt: salt.toString(),
    pathIndices: siblings.map(() => "0"),
    siblingHash: siblings.map((s) => s.hash.toString()),
    siblingSum: siblings.map((s) => s.sum.toString()),
  };
}

/** Asserts the witness generator refuses `input` in a range check (not in a hash comparison). */
async function expectRangeCheckFail(tester: CircuitTester, input: object): Promise<void> {
  await expect(tester.witness(input as Record<string, unknown>)).rejects.toThrow(/RangeCheck/);
}

describe("S3 Inclusion, test instance (D=4)", () => {
  let tester: CircuitTester;
  let tree: LiabilitiesTree;
  let input: Record<string, string | string[]>;

  beforeAll(async () => {
    tester = await CircuitTester.load("inclusion-test");
    tree = await storedTree(4);
    input = inclusionInput(tree, tree.leaf(3));
  });
  afterAll(() => tree?.close());

  it("declares liabilitiesRoot, leafHash as its public inputs, in circuits.json", () => {
    const table = loadInstances();
    for (const name of ["inclusion-test", "inclusion-small", "inclusion-standard"]) {
      expect(table[name]).toMatchObject({ file: "inclusion", template: "Inclusion", pubs: ["liabilitiesRoot", "leafHash"] });
    }
    expect(table["inclusion-test"]!.params).toEqual([4]);
    expect(table["inclusion-small"]!.params).toEqual([11]);
    expect(table["inclusion-standard"]!.params).toEqual([20]);
  });

  it("accepts every stored leaf with its stored path", async () => {
    for (let i = 0; i < tree.userCount; i++) {
      const leaf = tree.leaf(i);
      await tester.expectPass(inclusionInput(tree, leaf), { liabilitiesRoot: tree.root, leafHash: leaf.leafHash });
    }
  });

  it("has a pinned constraint count", async () => {
    expect(await tester.constraintCount()).toBe(CONSTRAINTS["inclusion-test"]);
  });

  it("rejects a tampered sibling sum, sibling hash, balance, salt, root or leaf hash", async () => {
    const siblingSum = [...(input.siblingSum as string[])];
    siblingSum[1] = (BigInt(siblingSum[1]!) + 1n).toString();
    await tester.expectFail({ ...input, siblingSum });
    const siblingHash = [...(input.siblingHash as string[])];
    siblingHash[2] = (BigInt(siblingHash[2]!) + 1n).toString();
    await tester.expectFail({ ...input, siblingHash });
    await tester.expectFail({ ...input, balance: (BigInt(input.balance as string) + 1n).toString() });
    await tester.expectFail({ ...input, salt: "1" });
    await tester.expectFail({ ...input, liabilitiesRoot: "1" });
    await tester.expectFail({ ...input, leafHash: "1" });
  });

  it("rejects a wrong path (flipped bit) and a non-boolean path bit", async () => {
    const flipped = (input.pathIndices as string[]).map((b, k) => (k === 0 ? String(1 - Number(b)) : b));
    await tester.expectFail({ ...input, pathIndices: flipped });
    const two = (input.pathIndices as string[]).map((b, k) => (k === 0 ? "2" : b));
    await expect(tester.witness({ ...input, pathIndices: two })).rejects.toThrow(/AssertBit/);
  });

  it("the crafted inputs are consistent: in-range sums pass", async () => {
    await tester.expectPass(craftedInput(4, 5n, [1n, 2n, 3n, 4n]));
  });

  it("rejects a negative balance (p - 1) that a sibling's sum would hide", async () => {
    // (p - 1) + 2 wraps to 1 at level 1: every hash matches; only the range check on the balance refuses it.
    await expectRangeCheckFail(tester, craftedInput(4, FIELD_MODULUS - 1n, [2n, 0n, 0n, 0n]));
    // The same with the negative sum on the sibling side.
    await expectRangeCheckFail(tester, craftedInput(4, 2n, [FIELD_MODULUS - 1n, 0n, 0n, 0n]));
  });

  it("rejects a balance or a sibling sum of 2^96 or more; path sums above 2^96 stay exact integers", async () => {
    const top = (1n << 96n) - 1n;
    await tester.expectPass(craftedInput(4, top, [0n, 0n, 0n, 0n]));
    await expectRangeCheckFail(tester, craftedInput(4, 1n << 96n, [0n, 0n, 0n, 0n])); // the balance itself
    await expectRangeCheckFail(tester, craftedInput(4, 1n, [0n, 1n << 96n, 0n, 0n])); // a sibling's sum
    // Every input below 2^96, their sums above it: below 5 * 2^96, nothing wraps, so the root's sum is the exact
    // total (which S1 range-checks itself).
    await tester.expectPass(craftedInput(4, top, [top, top, top, top]));
    // A "negative" sibling (p - 5) that would cancel the user's balance of 5 at the last level.
    await expectRangeCheckFail(tester, craftedInput(4, 5n, [0n, 0n, 0n, FIELD_MODULUS - 5n]));
  });

  it("rejects tampered witness signals (the constraints, not just the witness generator)", async () => {
    const w = await tester.witness(input);
    for (const [name, delta] of [
      ["leafHash", 1n],
      ["balance", 1n],
      ["computedHash[3]", 1n],
      ["leftHash[1]", 1n],
      ["leftSum[0]", 1n],
      ["pathIndices[1]", 1n],
      ["siblingSum[3]", -1n],
      ["liabilitiesRoot", 1n],
    ] as const) {
      await tester.expectUnsatisfied(tester.tamper(w, name, tester.signal(w, name) + delta));
    }
    // A wrapped sibling sum in the witness itself: the range check's bits no longer add up.
    await tester.expectUnsatisfied(tester.tamper(w, "siblingSum[0]", FIELD_MODULUS - 1n));
  });
});

describe("S3 Inclusion, standard instance (D=20)", () => {
  let tester: CircuitTester;
  let tree: LiabilitiesTree;

  beforeAll(async () => {
    tester = await CircuitTester.load("inclusion-standard");
    tree = await storedTree(20);
  });
  afterAll(() => tree?.close());

  it("accepts a stored leaf of a depth-20 tree, and has a pinned constraint count", async () => {
    await tester.expectPass(inclusionInput(tree, tree.leaf(4)), { liabilitiesRoot: tree.root });
    expect(await tester.constraintCount()).toBe(CONSTRAINTS["inclusion-standard"]);
  });

  it("rejects an out-of-range or negative sibling sum deep in the path", async () => {
    const sums = Array.from({ length: 20 }, () => 0n);
    sums[19] = (1n << 96n) - 1n;
    await tester.expectPass(craftedInput(20, 1n, sums));
    sums[19] = 1n << 96n;
    await expectRangeCheckFail(tester, craftedInput(20, 1n, sums));
    sums[19] = FIELD_MODULUS - 1n;
    await expectRangeCheckFail(tester, craftedInput(20, 1n, sums));
  });
});

describe("S3 Inclusion, small instance (D=11, 2,048 users)", () => {
  it("accepts a stored leaf of a depth-11 tree, has a pinned constraint count, at most 450 constraints per level", async () => {
    const tester = await CircuitTester.load("inclusion-small");
    const tree = await storedTree(11);
    try {
      await tester.expectPass(inclusionInput(tree, tree.leaf(2)), { liabilitiesRoot: tree.root });
      expect(await tester.constraintCount()).toBe(CONSTRAINTS["inclusion-small"]);
      // Per level: the difference between two depths (the leaf's own cost cancels out).
      const perLevel = (CONSTRAINTS["inclusion-standard"] - CONSTRAINTS["inclusion-small"]) / (20 - 11);
      expect(perLevel).toBeLessThanOrEqual(450);
      expect(CONSTRAINTS["inclusion-standard"] / 20).toBeLessThanOrEqual(450);
    } finally {
      tree.close();
    }
  });
});
