/**
 * The liabilities tree on disk, and reading it back to make inclusion proofs without rebuilding.
 * The folder is private operator data (mode 0700): it holds every user's balance and salt.
 *
 * Layout of a tree folder (format `homeostat-liabilities/1`; all integers big-endian unless noted):
 *  - `root.json`    summary: root hash, total, user count, depth, decimals, the root's two children
 *                   (`leftHash, leftSum, rightHash, rightSum`: the S1/S2 opening), file sizes.
 *  - `levels/LL.bin` level LL of the sum tree (00 = leaves, `depth` = root), 48-byte records
 *                   `hash (32) | sum (16)`. Only the first ceil(n / 2^LL) nodes are stored: every node to
 *                   their right is the padding subtree of that level (below).
 *  - `leaves.bin`   per leaf: `userIdHash (32) | salt (32)`.
 *  - `users.idx`    per leaf, sorted by userIdHash: `userIdHash (32) | leaf index (u32)`: binary search.
 *  - `ids.bin`, `ids.off` the canonical UTF-8 ids concatenated, and n + 1 offsets (u64) into it.
 *
 * Padding: a slot with no user holds the padding leaf `(hash 0, sum 0)`; the padding subtree of level k
 * is `Z_0 = (0, 0)`, `Z_k = sumNode(Z_{k-1}, Z_{k-1})`. A padding leaf cannot be proven as a user: that
 * would need a Poseidon preimage of 0.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { sumNode, type SumNode } from "../core/hash.ts";
import { NODE_BYTES, readField } from "./hasher.ts";
import { readU128 } from "./reader.ts";
import { readSummary, type TreeSummary } from "../prover/liabilities-root.ts";

export { MAX_DEPTH, TREE_FORMAT, loadLiabilitiesOpening, type LiabilitiesCommitment, type TreeSummary } from "../prover/liabilities-root.ts";

/** Bytes per record of leaves.bin and users.idx. */
export const LEAF_RECORD_BYTES = 64;
export const INDEX_RECORD_BYTES = 36;
/** The padding subtrees `Z_0 .. Z_depth` (see the module header). */
export function paddingNodes(depth: number): SumNode[] {
  const zeros: SumNode[] = [{ hash: 0n, sum: 0n }];
  for (let k = 1; k <= depth; k++) zeros.push(sumNode(zeros[k - 1]!, zeros[k - 1]!));
  return zeros;
}

/** Number of stored (non-padding) nodes of `level` for `userCount` leaves. */
export function storedCount(userCount: number, level: number): number {
  return Math.ceil(userCount / 2 ** level);
}

/** File name of a level. */
export function levelFile(level: number): string {
  return `levels/${String(level).padStart(2, "0")}.bin`;
}

/** One user's leaf, as stored. */
export interface StoredLeaf {
  index: number;
  id: string;
  userIdHash: bigint;
  balance: bigint;
  salt: bigint;
  leafHash: bigint;
}

/** The Merkle path of a leaf, bottom-up, in the S3 circuit's terms. */
export interface SumPath {
  /** Bit k: 1 when the path node at level k is the right child. */
  pathIndices: number[];
  siblingHash: bigint[];
  siblingSum: bigint[];
}

/** A stored tree opened for reading (random access; nothing is loaded whole). Call `close()` when done. */
export class LiabilitiesTree {
  private readonly fds = new Map<string, number>();
  private readonly zeros: SumNode[];

  private constructor(
    readonly dir: string,
    readonly summary: TreeSummary,
  ) {
    this.zeros = paddingNodes(summary.depth);
  }

  /** Opens a tree folder, checking its summary and file sizes. */
  static open(dir: string): LiabilitiesTree {
    const summary = readSummary(dir);
    const tree = new LiabilitiesTree(dir, summary);
    try {
      const n = summary.userCount;
      const expected: Record<string, number> = {
        "leaves.bin": n * LEAF_RECORD_BYTES,
        "users.idx": n * INDEX_RECORD_BYTES,
        "ids.off": (n + 1) * 8,
      };
      for (let k = 0; k <= summary.depth; k++) expected[levelFile(k)] = storedCount(n, k) * NODE_BYTES;
      for (const [name, size] of Object.entries(expected)) {
        const actual = fstatSync(tree.fd(name)).size;
        if (actual !== size) throw new UserError(`${name} has ${actual} bytes, expected ${size} (truncated or corrupt tree)`, { where: dir });
      }
    } catch (e) {
      tree.close();
      throw e;
    }
    return tree;
  }

  get root(): bigint {
    return BigInt(this.summary.root);
  }

  get depth(): number {
    return this.summary.depth;
  }

  get userCount(): number {
    return this.summary.userCount;
  }

  private fd(name: string): number {
    let fd = this.fds.get(name);
    if (fd === undefined) {
      const file = path.join(this.dir, name);
      try {
        fd = openSync(file, "r");
      } catch (e) {
        throw new UserError(`missing tree file ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { where: this.dir });
      }
      this.fds.set(name, fd);
    }
    return fd;
  }

  private read(name: string, offset: number, length: number): Uint8Array {
    const buf = new Uint8Array(length);
    const got = readSync(this.fd(name), buf, 0, length, offset);
    if (got !== length) throw new UserError(`short read in ${name} (corrupt tree)`, { where: this.dir });
    return buf;
  }

  /** Node `index` of `level` (a padding subtree beyond the stored ones). */
  node(level: number, index: number): SumNode {
    if (index >= storedCount(this.userCount, level)) return this.zeros[level]!;
    const rec = this.read(levelFile(level), index * NODE_BYTES, NODE_BYTES);
    return { hash: readField(rec, 0), sum: readU128(rec, 32) };
  }

  /** Leaf index of a user id hash, or undefined when no such user is in the tree. */
  findLeaf(idHash: bigint): number | undefined {
    let lo = 0;
    let hi = this.userCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const rec = this.read("users.idx", mid * INDEX_RECORD_BYTES, INDEX_RECORD_BYTES);
      const h = readField(rec, 0);
      if (h === idHash) return ((rec[32]! << 24) | (rec[33]! << 16) | (rec[34]! << 8) | rec[35]!) >>> 0;
      if (h < idHash) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The canonical id of leaf `index`. */
  id(index: number): string {
    const off = this.read("ids.off", index * 8, 16);
    const view = new DataView(off.buffer);
    const start = Number(view.getBigUint64(0));
    const end = Number(view.getBigUint64(8));
    return new TextDecoder().decode(this.read("ids.bin", start, end - start));
  }

  /** Everything stored about leaf `index`. */
  leaf(index: number): StoredLeaf {
    if (!Number.isInteger(index) || index < 0 || index >= this.userCount) throw new RangeError(`leaf index ${index} out of range`);
    const rec = this.read("leaves.bin", index * LEAF_RECORD_BYTES, LEAF_RECORD_BYTES);
    const node = this.node(0, index);
    return { index, id: this.id(index), userIdHash: readField(rec, 0), salt: readField(rec, 32), balance: node.sum, leafHash: node.hash };
  }

  /** User id hashes and leaf hashes of leaves `from .. from + count - 1` (two block reads). */
  leafHashes(from: number, count: number): { idHashes: bigint[]; leafHashes: bigint[] } {
    const leaves = this.read("leaves.bin", from * LEAF_RECORD_BYTES, count * LEAF_RECORD_BYTES);
    const nodes = this.read(levelFile(0), from * NODE_BYTES, count * NODE_BYTES);
    const idHashes: bigint[] = [];
    const leafHashes: bigint[] = [];
    for (let i = 0; i < count; i++) {
      idHashes.push(readField(leaves, i * LEAF_RECORD_BYTES));
      leafHashes.push(readField(nodes, i * NODE_BYTES));
    }
    return { idHashes, leafHashes };
  }

  /** The siblings from the leaf up to (not including) the root. */
  path(index: number): SumPath {
    const p: SumPath = { pathIndices: [], siblingHash: [], siblingSum: [] };
    for (let k = 0; k < this.depth; k++) {
      const at = Math.floor(index / 2 ** k);
      const bit = at % 2;
      const sibling = this.node(k, bit ? at - 1 : at + 1);
      p.pathIndices.push(bit);
      p.siblingHash.push(sibling.hash);
      p.siblingSum.push(sibling.sum);
    }
    return p;
  }

  /** Closes the open files. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** Recomputes the root from a leaf and its path (what the S3 circuit does, without the range checks). */
export function rootFromPath(leaf: SumNode, p: SumPath): SumNode {
  let node = leaf;
  for (let k = 0; k < p.pathIndices.length; k++) {
    const sibling = { hash: p.siblingHash[k]!, sum: p.siblingSum[k]! };
    node = p.pathIndices[k] ? sumNode(sibling, node) : sumNode(node, sibling);
  }
  return node;
}
