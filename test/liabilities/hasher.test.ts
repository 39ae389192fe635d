// Pins the fast hashing engines of the liabilities tree (liabilities/hasher.ts, native/poseidon.c)
// to the reference layouts of core/hash.ts (poseidon-lite): user id hashes (one chunk, several chunks, the
// one-call limit of 186 bytes and beyond, non-ASCII), liability leaves and sum-tree parents, for every
// arithmetic of the native addon this CPU has (AVX-512 IFMA, BMI2/ADX, plain C; 1 and 2 threads) and the JS
// fallback. Batches are not multiples of 8, so the IFMA engine's partly filled last group is covered.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { canonicalUserId, liabilityLeaf, sumNode, userIdHash } from "../../core/hash.ts";
import { createTreeHasher, NODE_BYTES, readField, SHORT_ID_BYTES, writeField } from "../../liabilities/hasher.ts";
import { ENGINES, loadNativePoseidon } from "../../prover/native.ts";
import { poseidon3, poseidon4, poseidon8 } from "poseidon-lite";
import { readU128, writeU128 } from "../../liabilities/reader.ts";

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

const addon = loadNativePoseidon().addon;
const best = addon?.engine() ?? 0;
const cases: [string, { threads?: number; engine?: "js" }, number | undefined][] = [];
for (let e = best; e >= 0; e--) {
  cases.push([`native ${ENGINES[e]}, 1 thread`, { threads: 1 }, e], [`native ${ENGINES[e]}, 2 threads`, { threads: 2 }, e]);
}
cases.push(["js fallback", { engine: "js" }, undefined]);

describe("native arithmetic engines", () => {
  afterAll(() => addon?.engine(best));
  const P = FIELD_MODULUS;
  const edge = [0n, 1n, 2n, P - 1n, P - 2n, (1n << 253n) - 1n, (1n << 252n) + 12345n];
  for (const width of [3, 4, 8]) {
    it(`hashes ${width} inputs like poseidon-lite on every engine, at the edges of the field`, () => {
      const count = 203; // not a multiple of 8
      const rows = Array.from({ length: count }, (_, i) => Array.from({ length: width }, (_, k) => (i < edge.length * 2 ? edge[(i + k) % edge.length]! : randomField())));
      const input = new Uint8Array(32 * width * count);
      rows.forEach((row, i) => row.forEach((v, k) => writeField(input, 32 * (width * i + k), v)));
      const reference = { 3: poseidon3, 4: poseidon4, 8: poseidon8 }[width]!;
      const expected = rows.map((row) => reference(row));
      for (let e = best; e >= 0; e--) {
        expect(addon!.engine(e)).toBe(e);
        for (const threads of [1, 2]) {
          const out = new Uint8Array(32 * count);
          addon!.hash(width, input, out, count, threads);
          expected.forEach((h, i) => expect(readField(out, 32 * i), `engine ${ENGINES[e]}, row ${i}`).toBe(h));
        }
      }
    });
  }
});

for (const [label, options, engine] of cases) {
  describe(`tree hasher: ${label}`, () => {
    beforeAll(() => {
      if (engine !== undefined) expect(addon!.engine(engine)).toBe(engine);
    });
    afterAll(() => addon?.engine(best));
    const hasher = createTreeHasher(options);
    if (label.startsWith("native")) it("uses the native engine", () => expect(hasher.kind).toBe("native"));

    it("computes userIdHash exactly as core/hash.ts", () => {
      const many = [...IDS, ...Array.from({ length: 100 }, (_, i) => `user-${i}-${"q".repeat(i * 2)}`)];
      const out = hasher.userIdHashes(many.map(canonicalUserId));
      many.forEach((id, i) => expect(readField(out, 32 * i), id).toBe(userIdHash(id)));
    });

    it("computes liability leaves exactly as core/hash.ts", () => {
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

    it("computes sum-tree parents exactly as core/hash.ts", () => {
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
