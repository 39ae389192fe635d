// Pins the liabilities sum tree (liabilities/tree.ts, store.ts): the stored root equals a naive
// recomputation over core/hash.ts (padding leaf (0, 0)), for odd and even user counts, a full tree and a
// deep sparse one; reopening the folder gives the same root, leaves and paths; the S1/S2 opening checks out;
// salts are fresh field elements; a failed or refused build leaves no folder behind. The streamed build
// (chunks of the file, level blocks, the id index sorted in hash buckets) gives the same tree as the
// naive recomputation across many chunk and block boundaries, and finds duplicate ids across chunks.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { liabilityLeaf, sumNode, userIdHash, type SumNode } from "../../core/hash.ts";
import { createTreeHasher, readField } from "../../liabilities/hasher.ts";
import { readLiabilities, readLiabilityChunks } from "../../liabilities/reader.ts";
import { LiabilitiesTree, loadLiabilitiesOpening, paddingNodes, rootFromPath } from "../../liabilities/store.ts";
import { buildTree, randomSalts } from "../../liabilities/tree.ts";

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-tree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const USERS: Array<[string, string]> = [
  ["alice", "10.5"],
  ["bob", "3"],
  ["c,arol", "0.000001"],
  ["dave", "0"],
  ["eve", "1234567.89"],
];

function usersFile(users: Array<[string, string]>, name: string): string {
  const f = path.join(dir, `${name}.csv`);
  writeFileSync(f, `user,balance\n${users.map(([u, b]) => `"${u}",${b}`).join("\n")}\n`);
  return f;
}

/** The tree recomputed from scratch with core/hash.ts, using the stored salts. */
function naiveRoot(tree: LiabilitiesTree, users: Array<[string, string]>, balances: bigint[]): SumNode {
  let level: SumNode[] = [];
  for (let i = 0; i < 2 ** tree.depth; i++) {
    if (i < users.length) {
      const salt = tree.leaf(i).salt;
      level.push({ hash: liabilityLeaf(userIdHash(users[i]![0]), balances[i]!, salt), sum: balances[i]! });
    } else level.push({ hash: 0n, sum: 0n });
  }
  while (level.length > 1) {
    const next: SumNode[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sumNode(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

describe("liabilities tree", () => {
  for (const [label, users, depth] of [
    ["5 users, depth 4 (odd count, padded)", USERS, 4],
    ["4 users, depth 2 (full tree)", USERS.slice(0, 4), 2],
    ["1 user, depth 1", USERS.slice(0, 1), 1],
    ["5 users, depth 9 (deep, sparse)", USERS, 9],
  ] as const) {
    it(`${label}: root = naive recomputation; reopened paths lead to it`, async () => {
      const table = await readLiabilities(usersFile([...users], `u${depth}-${users.length}`), { decimals: 6 });
      const out = path.join(dir, `tree-${depth}-${users.length}`);
      const result = await buildTree(table, { depth, decimals: 6, outDir: out });
      const tree = LiabilitiesTree.open(out);
      try {
        const balances = users.map((_, i) => table.balance(i));
        const naive = naiveRoot(tree, [...users], balances);
        expect(tree.root).toBe(naive.hash);
        expect(result.root).toBe(naive.hash);
        expect(result.total).toBe(naive.sum);
        expect(tree.userCount).toBe(users.length);
        for (let i = 0; i < users.length; i++) {
          const leaf = tree.leaf(i);
          expect(leaf.id).toBe(users[i]![0]);
          expect(leaf.balance).toBe(balances[i]);
          expect(leaf.userIdHash).toBe(userIdHash(users[i]![0]));
          expect(leaf.leafHash).toBe(liabilityLeaf(leaf.userIdHash, leaf.balance, leaf.salt));
          expect(tree.findLeaf(userIdHash(users[i]![0]))).toBe(i);
          const p = tree.path(i);
          expect(p.pathIndices).toHaveLength(depth);
          expect(rootFromPath({ hash: leaf.leafHash, sum: leaf.balance }, p)).toEqual(naive);
        }
        expect(tree.findLeaf(userIdHash("mallory"))).toBeUndefined();
        const commitment = loadLiabilitiesOpening(out);
        expect(commitment.root).toBe(naive.hash);
        expect(commitment.total).toBe(naive.sum);
        expect(sumNode({ hash: commitment.opening.leftHash, sum: commitment.opening.leftSum }, { hash: commitment.opening.rightHash, sum: commitment.opening.rightSum })).toEqual(naive);
      } finally {
        tree.close();
      }
    });
  }

  it("stores only the non-padding nodes: a depth-20 tree of 5 users is a few kilobytes", async () => {
    const table = await readLiabilities(usersFile(USERS, "deep"), { decimals: 6 });
    const out = path.join(dir, "tree-deep20");
    await buildTree(table, { depth: 20, decimals: 6, outDir: out });
    const levels = readdirSync(path.join(out, "levels"));
    expect(levels).toHaveLength(21);
    const bytes = levels.reduce((n, f) => n + readFileSync(path.join(out, "levels", f)).length, 0);
    expect(bytes).toBe(48 * (5 + 3 + 2 + 18)); // 5 leaves, 3, 2, then one stored node per level up to the root
    const tree = LiabilitiesTree.open(out);
    const zeros = paddingNodes(20);
    expect(tree.node(5, 1)).toEqual(zeros[5]);
    expect(tree.path(4).siblingHash[0]).toBe(0n); // the padding leaf next to the last user
    tree.close();
  });

  it("gives the same root with the native and the JS engine for the same salts (via the stored leaves)", async () => {
    const table = await readLiabilities(usersFile(USERS, "engines"), { decimals: 6 });
    const a = path.join(dir, "tree-native");
    const b = path.join(dir, "tree-js");
    await buildTree(table, { depth: 3, decimals: 6, outDir: a, hasher: createTreeHasher({ threads: 2 }) });
    await buildTree(table, { depth: 3, decimals: 6, outDir: b, hasher: createTreeHasher({ engine: "js" }) });
    const ta = LiabilitiesTree.open(a);
    const tb = LiabilitiesTree.open(b);
    // Fresh salts per build: the roots differ, but each recomputes naively from its own salts.
    expect(ta.root).not.toBe(tb.root);
    const balances = USERS.map((_, i) => table.balance(i));
    expect(naiveRoot(ta, USERS, balances).hash).toBe(ta.root);
    expect(naiveRoot(tb, USERS, balances).hash).toBe(tb.root);
    ta.close();
    tb.close();
  });

  it("draws salts as uniformly random canonical field elements", () => {
    const salts = randomSalts(2000);
    const seen = new Set<bigint>();
    for (let i = 0; i < 2000; i++) {
      const s = readField(salts, 32 * i);
      expect(s < FIELD_MODULUS).toBe(true);
      seen.add(s);
    }
    expect(seen.size).toBe(2000);
  });

  it("refuses an existing folder unless told to replace it, and replaces it whole", async () => {
    const table = await readLiabilities(usersFile(USERS, "replace"), { decimals: 6 });
    const out = path.join(dir, "tree-replace");
    const first = await buildTree(table, { depth: 3, decimals: 6, outDir: out });
    await expect(buildTree(table, { depth: 3, decimals: 6, outDir: out })).rejects.toThrow(/already exists/);
    expect(loadLiabilitiesOpening(out).root).toBe(first.root);
    const second = await buildTree(table, { depth: 3, decimals: 6, outDir: out, replace: true });
    expect(loadLiabilitiesOpening(out).root).toBe(second.root);
    expect(readdirSync(dir).filter((n) => n.startsWith(".tree-replace"))).toEqual([]);
  });

  it("refuses more users than the depth holds before writing anything", async () => {
    const table = await readLiabilities(usersFile(USERS, "toomany"), { decimals: 6 });
    const out = path.join(dir, "tree-toomany");
    await expect(buildTree(table, { depth: 2, decimals: 6, outDir: out })).rejects.toThrow(/5 users do not fit a depth-2 tree/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a truncated tree folder when reopening it", async () => {
    const table = await readLiabilities(usersFile(USERS, "trunc"), { decimals: 6 });
    const out = path.join(dir, "tree-trunc");
    await buildTree(table, { depth: 3, decimals: 6, outDir: out });
    writeFileSync(path.join(out, "leaves.bin"), new Uint8Array(10));
    expect(() => LiabilitiesTree.open(out)).toThrow(/leaves.bin has 10 bytes/);
    expect(() => LiabilitiesTree.open(dir)).toThrow(/no root.json/);
  });

  describe("streamed from the file in chunks", () => {
    const many: Array<[string, string]> = Array.from({ length: 1000 }, (_, i) => [`user-${(i * 7919) % 100_003}@example.com`, `${i % 97}.${String(i % 1_000_000).padStart(6, "0")}`]);

    it("1,000 users in chunks of 37 rows, blocks of 16: root = naive recomputation, every user found by id", async () => {
      const file = usersFile(many, "streamed");
      const out = path.join(dir, "tree-streamed");
      const phases = new Set<string>();
      const result = await buildTree(readLiabilityChunks(file, { decimals: 6, maxUsers: 2 ** 11 }, 37), { depth: 11, decimals: 6, outDir: out, blockRows: 16, source: file, onProgress: (_d, _t, phase) => phases.add(phase) });
      expect([...phases].sort()).toEqual(["index", "leaves", "tree", "write"]);
      const whole = await readLiabilities(file, { decimals: 6 });
      const tree = LiabilitiesTree.open(out);
      try {
        const balances = many.map((_, i) => whole.balance(i));
        const naive = naiveRoot(tree, many, balances);
        expect(result.root).toBe(naive.hash);
        expect(result.total).toBe(whole.total);
        expect(tree.root).toBe(naive.hash);
        for (let i = 0; i < many.length; i++) {
          expect(tree.findLeaf(userIdHash(many[i]![0]))).toBe(i);
          expect(tree.leaf(i).id).toBe(many[i]![0]);
        }
        const index = readFileSync(path.join(out, "users.idx"));
        for (let r = 1; r < many.length; r++) expect(Buffer.compare(index.subarray(36 * (r - 1), 36 * r - 4), index.subarray(36 * r, 36 * r + 32))).toBe(-1);
        expect(readdirSync(out).sort()).toEqual(["ids.bin", "ids.off", "leaves.bin", "levels", "root.json", "users.idx"]);
      } finally {
        tree.close();
      }
    });

    it("finds a duplicate id in different chunks, names both lines (the earliest repeat first) and writes nothing", async () => {
      // Line 302 repeats line 252 (row 250); line 603 repeats line 12: the repeat met first is reported.
      const rows: Array<[string, string]> = [...many.slice(0, 300), [many[250]![0], "1"], ...many.slice(300, 600), [many[10]![0], "2"]];
      const file = usersFile(rows, "dup-streamed");
      const out = path.join(dir, "tree-dup-streamed");
      await expect(buildTree(readLiabilityChunks(file, { decimals: 6 }, 50), { depth: 10, decimals: 6, outDir: out, blockRows: 8, source: file })).rejects.toThrow(
        `${file}:302: duplicate user id ${JSON.stringify(many[250]![0])} (first on line 252)`,
      );
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.startsWith(".tree-dup-streamed"))).toEqual([]);
    });

    it("refuses, streaming, more users than the depth holds and writes nothing", async () => {
      const file = usersFile(many.slice(0, 40), "toomany-streamed");
      const out = path.join(dir, "tree-toomany-streamed");
      await expect(buildTree(readLiabilityChunks(file, { decimals: 6 }, 16), { depth: 5, decimals: 6, outDir: out })).rejects.toThrow(/40 or more users do not fit a depth-5 tree \(at most 32\)/);
      expect(existsSync(out)).toBe(false);
    });
  });
});
