// Pins the fast hashing engines of the liabilities tree (prover/liabilities/hasher.ts, native/poseidon.c)
// to the reference layouts of prover/hash.ts (poseidon-lite): user id hashes (one chunk, several chunks, the
// one-call limit of 186 bytes and beyond, non-ASCII), liability leaves and sum-tree parents, for the native
// engine (1 and 2 threads) and the JS fallback.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../prover/field.ts";
import { canonicalUserId, liabilityLeaf, sumNode, userIdHash } from "../../prover/hash.ts";
import { createTreeHasher, NODE_BYTES, readField, SHORT_ID_BYTES, writeField } from "../../prover/liabilities/hasher.ts";
import { loadNativePoseidon } from "../../prover/liabilities/native.ts";
import { readU128, writeU128 } from "../../prover/liabilities/reader.ts";

const randomField = () => BigInt(`0x${randomBytes(32).toString("hex")}`) % FIELD_MODULUS;
const randomSum = () => BigInt(`0x${randomBytes(12).toString("hex")}`); // < 2^96

const IDS = [
  "a",
  "alice@example.com",
  "x".repeat(31),
  "x".repeat(32),
  "y".repeat(SHORT_ID_BYTES - 1),
  "z".repeat(SHORT_ID_BYTES),
  "w".repeat(SHORT_ID_BYTES + 1),
  "v".repeat(500),
  "Zoë Ünïcödé 用户 🚀",
  "\u0000\u00ff",
];

describe("native Poseidon", () => {
  it("is available on this machine (a C compiler is installed)", () => {
    const native = loadNativePoseidon();
    expect(native.reason).toBe("native");
  });
});

for (const [label, options] of [
  ["native, 1 thread", { threads: 1 }],
  ["native, 2 threads", { threads: 2 }],
  ["js fallback", { engine: "js" as const }],
] as const) {
  describe(`tree hasher: ${label}`, () => {
    const hasher = createTreeHasher(options);
    if (label.startsWith("native")) it("uses the native engine", () => expect(hasher.kind).toBe("native"));

    it("computes userIdHash exactly as prover/hash.ts", () => {
      const many = [...IDS, ...Array.from({ length: 100 }, (_, i) => `user-${i}-${"q".repeat(i * 2)}`)];
      const out = hasher.userIdHashes(many.map(canonicalUserId));
      many.forEach((id, i) => expect(readField(out, 32 * i), id).toBe(userIdHash(id)));
    });

    it("computes liability leaves exactly as prover/hash.ts", () => {
      const count = 100;
      const ids = new Uint8Array(32 * count);
      const balances = new Uint8Array(16 * count);
      const salts = new Uint8Array(32 * count);
      const expected: bigint[][] = [];
      for (let i = 0; i < count; i++) {
        const row = [randomField(), i === 0 ? 0n : i === 1 ? (1n << 96n) - 1n : randomSum(), randomField()];
        writeField(ids, 32 * i, row[0]!);
        writeU128(balances, 16 * i, row[1]!);
        writeField(salts, 32 * i, row[2]!);
        expected.push(row);
      }
      const out = new Uint8Array(NODE_BYTES * count);
      hasher.leaves(ids, balances, salts, count, out);
      expected.forEach(([id, balance, salt], i) => {
        expect(readField(out, NODE_BYTES * i)).toBe(liabilityLeaf(id!, balance!, salt!));
        expect(readU128(out, NODE_BYTES * i + 32)).toBe(balance);
      });
    });

    it("computes sum-tree parents exactly as prover/hash.ts", () => {
      const parents = 150;
      const children = new Uint8Array(NODE_BYTES * 2 * parents);
      const nodes = Array.from({ length: 2 * parents }, (_, i) => ({ hash: i === 0 ? 0n : randomField(), sum: i === 0 ? 0n : randomSum() }));
      nodes.forEach((n, i) => {
        writeField(children, NODE_BYTES * i, n.hash);
        writeU128(children, NODE_BYTES * i + 32, n.sum);
      });
      const out = new Uint8Array(NODE_BYTES * parents);
      hasher.sumLevel(children, parents, out);
      for (let i = 0; i < parents; i++) {
        const p = sumNode(nodes[2 * i]!, nodes[2 * i + 1]!);
        expect(readField(out, NODE_BYTES * i)).toBe(p.hash);
        expect(readU128(out, NODE_BYTES * i + 32)).toBe(p.sum);
      }
    });
  });
}

describe("native addon arguments", () => {
  it("refuses buffers that are too small instead of reading past them", () => {
    const { addon } = loadNativePoseidon();
    expect(() => addon!.hash(3, new Uint8Array(64), new Uint8Array(32), 1, 1)).toThrow(/too small/);
    expect(() => addon!.sumLevel(new Uint8Array(48), new Uint8Array(48), 1, 1)).toThrow(/too small/);
  });
});
