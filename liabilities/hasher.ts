/**
 * Batch hashing for the liabilities tree: the layouts of core/hash.ts (`userIdHash`, `liabilityLeaf`,
 * `sumNode`) applied to many users at once over byte buffers. Two engines give identical results
 * (test/liabilities/hasher.test.ts checks them against core/hash.ts): the native Poseidon of
 * native.ts, split over the machine's cores, and a fallback that calls core/hash.ts itself.
 *
 * Buffer layouts (all big-endian): a field element is 32 bytes, a sum or balance 16 bytes, a sum-tree
 * node record 48 bytes (hash | sum).
 */
import { availableParallelism } from "node:os";
import { LIST_RATE, liabilityLeaf, sumNode, userIdHash } from "../core/hash.ts";
import { ENGINES, loadNativePoseidon, type NativePoseidon } from "../prover/native.ts";
import { readU128, writeU128 } from "./reader.ts";

/** Size of one sum-tree node record: 32-byte hash + 16-byte sum. */
export const NODE_BYTES = 48;
/** Ids up to this many bytes hash with one Poseidon8 call (`[length, byteLength, 6 chunks of 31]`). */
export const SHORT_ID_BYTES = (LIST_RATE - 1) * 31;

/** Reads a 32-byte big-endian field element. */
export function readField(bytes: Uint8Array, offset: number): bigint {
  let v = 0n;
  for (let k = 0; k < 32; k += 4) {
    const word = ((bytes[offset + k]! << 24) | (bytes[offset + k + 1]! << 16) | (bytes[offset + k + 2]! << 8) | bytes[offset + k + 3]!) >>> 0;
    v = (v << 32n) | BigInt(word);
  }
  return v;
}

/** Writes a field element as 32 bytes big-endian. */
export function writeField(bytes: Uint8Array, offset: number, value: bigint): void {
  for (let k = 31; k >= 0; k--) {
    bytes[offset + k] = Number(value & 0xffn);
    value >>= 8n;
  }
}

/** The hashing engine the tree builder uses. */
export interface TreeHasher {
  /** `native` (C addon, `threads` cores) or `js` (core/hash.ts, one core). */
  readonly kind: "native" | "js";
  readonly threads: number;
  /** Why the native engine is not used, when it is not. */
  readonly note: string;
  /** For people: engine, arithmetic and threads, e.g. `native (AVX-512 IFMA, 8 lanes; 2 threads)`. */
  readonly description: string;
  /** `userIdHash` of each canonical id (UTF-8 bytes), 32 bytes each. */
  userIdHashes(ids: readonly Uint8Array[]): Uint8Array;
  /** `liabilityLeaf(userIdHash, balance, salt)` for `count` users, written as 48-byte node records (hash | balance). */
  leaves(idHashes: Uint8Array, balances: Uint8Array, salts: Uint8Array, count: number, out: Uint8Array): void;
  /** Parents of `2 * count` node records. */
  sumLevel(children: Uint8Array, count: number, out: Uint8Array): void;
}

function decodeId(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

class NativeHasher implements TreeHasher {
  readonly kind = "native" as const;
  readonly note = "";
  constructor(
    private readonly addon: NativePoseidon,
    readonly threads: number,
  ) {}

  get description(): string {
    return `native (${ENGINES[this.addon.engine()] ?? "unknown arithmetic"}; ${this.threads} thread${this.threads === 1 ? "" : "s"})`;
  }

  userIdHashes(ids: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(32 * ids.length);
    const batch = new Uint8Array(8 * 32 * ids.length);
    const long: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const bytes = ids[i]!;
      if (bytes.length > SHORT_ID_BYTES) {
        long.push(i);
        continue;
      }
      // listHash([byteLength, chunk_0 .. chunk_{k-1}]) with k <= 6: one call on [k + 1, byteLength, chunks, 0...].
      const chunks = Math.ceil(bytes.length / 31);
      const base = i * 8 * 32;
      batch[base + 31] = chunks + 1; // both below 256: one byte each
      batch[base + 63] = bytes.length;
      for (let c = 0; c < chunks; c++) {
        const chunk = bytes.subarray(c * 31, Math.min(bytes.length, (c + 1) * 31));
        batch.set(chunk, base + 64 + c * 32 + (32 - chunk.length)); // right-aligned: the chunk's big-endian value
      }
    }
    this.addon.hash(8, batch, out, ids.length, this.threads);
    for (const i of long) writeField(out, 32 * i, userIdHash(decodeId(ids[i]!)));
    return out;
  }

  leaves(idHashes: Uint8Array, balances: Uint8Array, salts: Uint8Array, count: number, out: Uint8Array): void {
    const input = new Uint8Array(96 * count);
    const hashes = new Uint8Array(32 * count);
    for (let i = 0; i < count; i++) {
      input.set(idHashes.subarray(32 * i, 32 * i + 32), 96 * i);
      input.set(balances.subarray(16 * i, 16 * i + 16), 96 * i + 48);
      input.set(salts.subarray(32 * i, 32 * i + 32), 96 * i + 64);
    }
    this.addon.hash(3, input, hashes, count, this.threads);
    for (let i = 0; i < count; i++) {
      out.set(hashes.subarray(32 * i, 32 * i + 32), NODE_BYTES * i);
      out.set(balances.subarray(16 * i, 16 * i + 16), NODE_BYTES * i + 32);
    }
  }

  sumLevel(children: Uint8Array, count: number, out: Uint8Array): void {
    this.addon.sumLevel(children, out, count, this.threads);
  }
}

class JsHasher implements TreeHasher {
  readonly kind = "js" as const;
  readonly threads = 1;
  readonly description = "js (poseidon-lite, 1 thread)";
  constructor(readonly note: string) {}

  userIdHashes(ids: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(32 * ids.length);
    ids.forEach((bytes, i) => writeField(out, 32 * i, userIdHash(decodeId(bytes))));
    return out;
  }

  leaves(idHashes: Uint8Array, balances: Uint8Array, salts: Uint8Array, count: number, out: Uint8Array): void {
    for (let i = 0; i < count; i++) {
      const balance = readU128(balances, 16 * i);
      writeField(out, NODE_BYTES * i, liabilityLeaf(readField(idHashes, 32 * i), balance, readField(salts, 32 * i)));
      writeU128(out, NODE_BYTES * i + 32, balance);
    }
  }

  sumLevel(children: Uint8Array, count: number, out: Uint8Array): void {
    for (let i = 0; i < count; i++) {
      const l = 2 * i * NODE_BYTES;
      const r = l + NODE_BYTES;
      const parent = sumNode(
        { hash: readField(children, l), sum: readU128(children, l + 32) },
        { hash: readField(children, r), sum: readU128(children, r + 32) },
      );
      writeField(out, NODE_BYTES * i, parent.hash);
      writeU128(out, NODE_BYTES * i + 32, parent.sum);
    }
  }
}

/**
 * The fastest available engine: native over `threads` cores (default: all), else the core/hash.ts
 * fallback (with `note` saying why).
 */
export function createTreeHasher(options: { threads?: number; engine?: "native" | "js" } = {}): TreeHasher {
  if (options.engine === "js") return new JsHasher("JS engine requested");
  const { addon, reason } = loadNativePoseidon();
  if (!addon) return new JsHasher(reason);
  return new NativeHasher(addon, Math.max(1, options.threads ?? availableParallelism()));
}
