/**
 * Builds the liabilities Merkle sum tree (DESIGN section 3) from validated rows and stores it (layout in
 * store.ts). Leaf i is row i: `(liabilityLeaf(userIdHash(id), balance, salt), balance)`, with a fresh
 * CSPRNG salt per user; slots past the last user are padding leaves `(0, 0)`. Everything is written to a
 * temporary folder beside the target and renamed into place at the end, so a failure leaves no partial
 * tree and an existing tree is only replaced when asked to.
 */
import { randomFillSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { checkOutputFolder, type CommandInput } from "../core/node/output-paths.ts";
import { FIELD_MODULUS } from "../core/field.ts";
import { createTreeHasher, NODE_BYTES, readField, type TreeHasher, writeField } from "./hasher.ts";
import { readU128, type LiabilitiesTable } from "./reader.ts";
import { INDEX_RECORD_BYTES, LEAF_RECORD_BYTES, levelFile, MAX_DEPTH, paddingNodes, TREE_FORMAT, type TreeSummary } from "./store.ts";
import { readSummary } from "../prover/liabilities-root.ts";

/** Users hashed per native call; progress is reported between calls. */
const CHUNK = 1 << 15;

export type BuildPhase = "ids" | "leaves" | "tree" | "write";

export interface BuildOptions {
  depth: number;
  decimals: number;
  /** Target folder; must not exist unless `replace` is set. */
  outDir: string;
  replace?: boolean;
  hasher?: TreeHasher;
  /** The input file: recorded in root.json, and never inside the folder replaced. */
  source?: string;
  /** Work done so far out of the total, in hash-call units. */
  onProgress?: (done: number, total: number, phase: BuildPhase) => void;
}

export interface BuildResult {
  summary: TreeSummary;
  root: bigint;
  total: bigint;
  engine: string;
  /** Why the native engine was not used, when it was not. */
  engineNote: string;
}

/** `count` uniformly random field elements (rejection sampling over 254-bit strings), 32 bytes big-endian each. */
export function randomSalts(count: number): Uint8Array {
  const out = new Uint8Array(32 * count);
  randomFillSync(out);
  const one = new Uint8Array(32);
  for (let i = 0; i < count; i++) {
    for (;;) {
      out[32 * i] = out[32 * i]! & 0x3f;
      // p starts with byte 0x30: a smaller first byte is below p, the full compare is rarely needed.
      if (out[32 * i]! < 0x30 || (out[32 * i] === 0x30 && readField(out, 32 * i) < FIELD_MODULUS)) break;
      randomFillSync(one);
      out.set(one, 32 * i);
    }
  }
  return out;
}

/**
 * Checks the output folder before any work (and again when writing): a folder that holds no input, and
 * an existing one only when it is to be replaced and is a tree folder (or empty): replacing removes it
 * whole, so `--force` never removes anything else.
 */
export function checkOutDir(outDir: string, replace: boolean, inputs: readonly CommandInput[] = []): void {
  checkOutputFolder(outDir, { flag: "--out", inputs, replaces: true });
  if (!existsSync(path.resolve(outDir))) return;
  if (!replace) {
    throw new UserError("already exists: choose a new folder, or replace it with --force (proofs made from the old tree will no longer match its root)", { where: outDir, exitCode: 2 });
  }
  if (readdirSync(outDir).length > 0 && !isTreeFolder(outDir)) {
    throw new UserError(`is not a liabilities tree folder (no root.json of ${TREE_FORMAT}): --force replaces only a tree folder or an empty one`, { where: outDir, exitCode: 2 });
  }
}

function isTreeFolder(dir: string): boolean {
  try {
    readSummary(dir);
    return true;
  } catch {
    return false;
  }
}

/** Validates a depth option. */
export function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw new UserError(`depth must be an integer from 1 to ${MAX_DEPTH}, got ${depth}`, { where: "--depth", exitCode: 2 });
  }
}

function compareBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** users.idx: (userIdHash, leaf index) sorted by hash. */
function buildIndex(idHashes: Uint8Array, count: number): Uint8Array {
  const order = new Uint32Array(count);
  const keys = new Float64Array(count); // first 6 bytes, exact in a double: most comparisons stop here
  for (let i = 0; i < count; i++) {
    order[i] = i;
    let k = 0;
    for (let b = 0; b < 6; b++) k = k * 256 + idHashes[32 * i + b]!;
    keys[i] = k;
  }
  order.sort((a, b) => keys[a]! - keys[b]! || compareBytes(idHashes, 32 * a, idHashes, 32 * b, 32));
  const out = new Uint8Array(INDEX_RECORD_BYTES * count);
  const view = new DataView(out.buffer);
  for (let r = 0; r < count; r++) {
    const i = order[r]!;
    out.set(idHashes.subarray(32 * i, 32 * i + 32), INDEX_RECORD_BYTES * r);
    view.setUint32(INDEX_RECORD_BYTES * r + 32, i);
    if (r > 0 && compareBytes(out, INDEX_RECORD_BYTES * (r - 1), out, INDEX_RECORD_BYTES * r, 32) === 0) {
      throw new Error("two different user ids have the same userIdHash (a Poseidon collision?)");
    }
  }
  return out;
}

/**
 * Hashes every user, builds the sum tree and writes the tree folder. Returns the root, the total and
 * root.json's content.
 */
export async function buildTree(table: LiabilitiesTable, options: BuildOptions): Promise<BuildResult> {
  const { depth, outDir } = options;
  checkDepth(depth);
  const n = table.count;
  if (n > 2 ** depth) throw new UserError(`${n} users do not fit a depth-${depth} tree (at most ${2 ** depth})`, { where: "--depth", exitCode: 2 });
  const target = path.resolve(outDir);
  checkOutDir(outDir, options.replace === true, options.source ? [{ path: options.source, what: "the liabilities file" }] : []);
  const hasher = options.hasher ?? createTreeHasher();
  // Hash-call units: a Poseidon8 id hash costs about two leaf hashes.
  let treeWork = 0;
  for (let k = 1, c = n; k <= depth; k++) treeWork += c = Math.ceil(c / 2);
  const totalWork = 2 * n + n + treeWork;
  let done = 0;
  const tick = async (units: number, phase: BuildPhase) => {
    done += units;
    options.onProgress?.(done, totalWork, phase);
    await new Promise((resolve) => setImmediate(resolve)); // let a progress bar repaint
  };

  // 1. user id hashes
  const idHashes = new Uint8Array(32 * n);
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    const ids: Uint8Array[] = [];
    for (let i = from; i < to; i++) ids.push(table.idAt(i));
    idHashes.set(hasher.userIdHashes(ids), 32 * from);
    await tick(2 * (to - from), "ids");
  }

  // 2. leaves (level 0), one spare record for the padding leaf when n is odd
  const salts = randomSalts(n);
  let level = new Uint8Array(NODE_BYTES * (n + 1));
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    const out = new Uint8Array(NODE_BYTES * (to - from));
    hasher.leaves(idHashes.subarray(32 * from, 32 * to), table.balances.subarray(16 * from, 16 * to), salts.subarray(32 * from, 32 * to), to - from, out);
    level.set(out, NODE_BYTES * from);
    await tick(to - from, "leaves");
  }

  const parent = path.dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(path.join(parent, `.${path.basename(target)}.building-`));
  try {
    mkdirSync(path.join(tmp, "levels"));
    const files: Record<string, number> = {};
    const write = (name: string, data: Uint8Array) => {
      writeFileSync(path.join(tmp, name), data);
      files[name] = data.length;
    };

    // 3. the levels above, each written as soon as it is complete
    const zeros = paddingNodes(depth);
    let count = n;
    write(levelFile(0), level.subarray(0, NODE_BYTES * count));
    let left = new Uint8Array(NODE_BYTES);
    let right = new Uint8Array(NODE_BYTES);
    for (let k = 1; k <= depth; k++) {
      if (count % 2 === 1) {
        // The right neighbour of the last stored node is the padding subtree Z_{k-1} (its sum is 0).
        writeField(level, NODE_BYTES * count, zeros[k - 1]!.hash);
        level.fill(0, NODE_BYTES * count + 32, NODE_BYTES * (count + 1));
      }
      if (k === depth) {
        left = level.slice(0, NODE_BYTES);
        right = level.slice(NODE_BYTES, 2 * NODE_BYTES);
      }
      const parents = Math.ceil(count / 2);
      const next = new Uint8Array(NODE_BYTES * (parents + 1));
      for (let from = 0; from < parents; from += CHUNK) {
        const to = Math.min(parents, from + CHUNK);
        const out = next.subarray(NODE_BYTES * from, NODE_BYTES * to);
        hasher.sumLevel(level.subarray(2 * NODE_BYTES * from, 2 * NODE_BYTES * to), to - from, out);
        await tick(to - from, "tree");
      }
      level = next;
      count = parents;
      write(levelFile(k), level.subarray(0, NODE_BYTES * count));
    }
    const root = readField(level, 0);
    const total = readU128(level, 32);
    if (total !== table.total) throw new Error(`tree total ${total} differs from the rows' total ${table.total}`);

    // 4. private per-leaf data, the id index, the ids
    options.onProgress?.(done, totalWork, "write");
    const leaves = new Uint8Array(LEAF_RECORD_BYTES * n);
    for (let i = 0; i < n; i++) {
      leaves.set(idHashes.subarray(32 * i, 32 * i + 32), LEAF_RECORD_BYTES * i);
      leaves.set(salts.subarray(32 * i, 32 * i + 32), LEAF_RECORD_BYTES * i + 32);
    }
    write("leaves.bin", leaves);
    write("users.idx", buildIndex(idHashes, n));
    write("ids.bin", table.idBytes);
    const offsets = new Uint8Array(8 * (n + 1));
    const view = new DataView(offsets.buffer);
    for (let i = 0; i <= n; i++) view.setBigUint64(8 * i, BigInt(table.idOffsets[i]!));
    write("ids.off", offsets);

    const summary: TreeSummary = {
      format: TREE_FORMAT,
      root: root.toString(),
      total: total.toString(),
      userCount: n,
      depth,
      decimals: options.decimals,
      leftHash: readField(left, 0).toString(),
      leftSum: readU128(left, 32).toString(),
      rightHash: readField(right, 0).toString(),
      rightSum: readU128(right, 32).toString(),
      padding: "leaf (hash 0, sum 0); Z_k = sumNode(Z_{k-1}, Z_{k-1})",
      engine: hasher.kind,
      ...(options.source ? { source: options.source } : {}),
      createdAt: new Date().toISOString(),
      files,
    };
    writeFileSync(path.join(tmp, "root.json"), `${JSON.stringify(summary, null, 2)}\n`);

    // 5. into place (an existing tree is moved aside first and removed once the new one is in)
    let aside: string | undefined;
    if (existsSync(target)) {
      aside = `${tmp}.old`;
      renameSync(target, aside);
    }
    renameSync(tmp, target);
    if (aside) rmSync(aside, { recursive: true, force: true });
    return { summary, root, total, engine: hasher.description, engineNote: hasher.note };
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}
