/**
 * Builds the liabilities Merkle sum tree (DESIGN section 3) from validated rows and stores it (layout in
 * store.ts). Leaf i is row i: `(liabilityLeaf(userIdHash(id), balance, salt), balance)`, with a fresh
 * CSPRNG salt per user; slots past the last user are padding leaves `(0, 0)`. Everything is written to a
 * temporary folder beside the target and renamed into place at the end, so a failure leaves no partial
 * tree and an existing tree is only replaced when asked to.
 */
import { randomFillSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { checkOutputFolder, type CommandInput } from "../core/node/output-paths.ts";
import { FIELD_MODULUS } from "../core/field.ts";
import { createTreeHasher, NODE_BYTES, readField, type TreeHasher, writeField } from "./hasher.ts";
import { LiabilitiesTable, readU128 } from "./reader.ts";
import { INDEX_RECORD_BYTES, LEAF_RECORD_BYTES, levelFile, MAX_DEPTH, paddingNodes, storedCount, TREE_FORMAT, type TreeSummary } from "./store.ts";
import { readSummary } from "../prover/liabilities-root.ts";

/** Users hashed per native call; progress is reported between calls. */
const CHUNK = 1 << 15;

/**
 * Progress phases: `leaves` (rows hashed so far, out of the tree's capacity: a streamed file's row count
 * is known only at its end), `index` (id records sorted, out of the users), `tree` (parents hashed, out
 * of every parent), `write` (root.json).
 */
export type BuildPhase = "leaves" | "index" | "tree" | "write";

export interface BuildOptions {
  depth: number;
  decimals: number;
  /** Target folder; must not exist unless `replace` is set. */
  outDir: string;
  replace?: boolean;
  hasher?: TreeHasher;
  /** The input file: recorded in root.json, and never inside the folder replaced. */
  source?: string;
  /** Rows hashed per call and level records per block (default 2^15; tests make it small to cross blocks). */
  blockRows?: number;
  /** Work done so far out of the total, in the phase's units (see BuildPhase). */
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

/** A file written front to back through a buffer (synchronous writes: the build is the only work). */
class Appender {
  private readonly fd: number;
  private readonly buffer: Uint8Array;
  private used = 0;
  private closed = false;
  /** Bytes written so far (buffered included). */
  size = 0;

  constructor(file: string, bufferBytes = 1 << 20) {
    this.fd = openSync(file, "wx", 0o600);
    this.buffer = new Uint8Array(bufferBytes);
  }

  append(data: Uint8Array): void {
    this.size += data.length;
    if (this.used + data.length > this.buffer.length) {
      this.flush();
      if (data.length > this.buffer.length) {
        writeAll(this.fd, data);
        return;
      }
    }
    this.buffer.set(data, this.used);
    this.used += data.length;
  }

  flush(): void {
    if (this.used > 0) writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes and closes; a second call does nothing (the descriptor may belong to another file by then). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

/** Reads `length` bytes at `position` of an open file into a new buffer; throws when the file is shorter. */
function readAt(fd: number, position: number, length: number, what: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; ) {
    const n = readSync(fd, out, at, length - at, position + at);
    if (n === 0) throw new Error(`${what} ended early (${position + at} bytes)`);
    at += n;
  }
  return out;
}

/**
 * users.idx without holding every id hash: records `(userIdHash, leaf index, line)` are spread over
 * SORT_BUCKETS files by the hash's leading 32 bits (each bucket a contiguous range of hashes), and each
 * bucket is then sorted alone. Peak memory is one bucket (n / 256 records of 40 bytes). Equal hashes
 * end up side by side: that is how a duplicate id is found when the rows were read in chunks.
 */
const SORT_BUCKETS = 256;
const SORT_RECORD_BYTES = 40; // userIdHash (32) | leaf index (u32) | line (u32)
/** Leading 32 bits of the field modulus, plus one: the leading 32 bits of any hash are below it. */
const HASH_TOP_LIMIT = Number(FIELD_MODULUS >> 224n) + 1;

class IdSorter {
  private readonly files: (Appender | undefined)[] = new Array<Appender | undefined>(SORT_BUCKETS).fill(undefined);
  private readonly record = new Uint8Array(SORT_RECORD_BYTES);
  private readonly recordView = new DataView(this.record.buffer);

  constructor(private readonly dir: string) {
    mkdirSync(dir);
  }

  private bucketFile(b: number): string {
    return path.join(this.dir, `${String(b).padStart(3, "0")}.bin`);
  }

  add(idHashes: Uint8Array, firstIndex: number, lines: Uint32Array): void {
    const view = new DataView(idHashes.buffer, idHashes.byteOffset, idHashes.byteLength);
    for (let i = 0; i < lines.length; i++) {
      const top = view.getUint32(32 * i);
      const b = Math.floor((top * SORT_BUCKETS) / HASH_TOP_LIMIT);
      this.record.set(idHashes.subarray(32 * i, 32 * i + 32), 0);
      this.recordView.setUint32(32, firstIndex + i);
      this.recordView.setUint32(36, lines[i]!);
      let file = this.files[b];
      if (!file) file = this.files[b] = new Appender(this.bucketFile(b), 1 << 15);
      file.append(this.record);
    }
  }

  /**
   * Writes users.idx (`userIdHash | leaf index`, sorted by hash) and returns the duplicate pair whose
   * second row comes first in the file, if any.
   */
  writeIndex(out: Appender, onBucket: (records: number) => Promise<void>): Promise<{ index: number; line: number; firstIndex: number; firstLine: number } | undefined> {
    for (const f of this.files) f?.close();
    return this.sortBuckets(out, onBucket);
  }

  private async sortBuckets(out: Appender, onBucket: (records: number) => Promise<void>) {
    let duplicate: { index: number; line: number; firstIndex: number; firstLine: number } | undefined;
    const entry = new Uint8Array(INDEX_RECORD_BYTES);
    const entryView = new DataView(entry.buffer);
    for (let b = 0; b < SORT_BUCKETS; b++) {
      if (!this.files[b]) continue;
      const file = this.bucketFile(b);
      const data = new Uint8Array(readFileSync(file));
      rmSync(file);
      const count = data.length / SORT_RECORD_BYTES;
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const order = new Uint32Array(count);
      const keys = new Float64Array(count); // first 6 bytes, exact in a double: most comparisons stop here
      for (let r = 0; r < count; r++) {
        order[r] = r;
        keys[r] = view.getUint32(SORT_RECORD_BYTES * r) * 65536 + view.getUint16(SORT_RECORD_BYTES * r + 4);
      }
      order.sort((x, y) => keys[x]! - keys[y]! || compareBytes(data, SORT_RECORD_BYTES * x, data, SORT_RECORD_BYTES * y, 32) || x - y);
      for (let k = 0; k < count; k++) {
        const r = SORT_RECORD_BYTES * order[k]!;
        if (k > 0) {
          const p = SORT_RECORD_BYTES * order[k - 1]!;
          if (compareBytes(data, p, data, r, 32) === 0) {
            const [a, c] = view.getUint32(p + 32) < view.getUint32(r + 32) ? [p, r] : [r, p];
            const found = { index: view.getUint32(c + 32), line: view.getUint32(c + 36), firstIndex: view.getUint32(a + 32), firstLine: view.getUint32(a + 36) };
            if (!duplicate || found.index < duplicate.index) duplicate = found;
            continue;
          }
        }
        entry.set(data.subarray(r, r + 32), 0);
        entryView.setUint32(32, view.getUint32(r + 32));
        out.append(entry);
      }
      await onBucket(count);
    }
    return duplicate;
  }
}

/** Where the rows come from: one table read whole, or chunks streamed from the file (`readLiabilityChunks`). */
export type TreeSource = LiabilitiesTable | AsyncIterable<LiabilitiesTable>;

async function* chunksOf(source: TreeSource): AsyncGenerator<LiabilitiesTable> {
  if (source instanceof LiabilitiesTable) yield source;
  else yield* source;
}

/**
 * Hashes every user, builds the sum tree and writes the tree folder, streaming: rows are hashed chunk by
 * chunk as they arrive and appended to the level-0, leaves and ids files; each level above is computed
 * from the one below read back in blocks; users.idx is sorted in hash buckets (IdSorter). Memory stays
 * a few chunks whatever the number of users (a 2^24-user build: BENCHMARKS.md). Returns the root, the
 * total and root.json's content.
 */
export async function buildTree(source: TreeSource, options: BuildOptions): Promise<BuildResult> {
  const { depth, outDir } = options;
  checkDepth(depth);
  const capacity = 2 ** depth;
  const target = path.resolve(outDir);
  checkOutDir(outDir, options.replace === true, options.source ? [{ path: options.source, what: "the liabilities file" }] : []);
  const hasher = options.hasher ?? createTreeHasher();
  const block = options.blockRows ?? CHUNK;
  if (!Number.isInteger(block) || block < 1) throw new RangeError(`blockRows must be a positive integer, got ${block}`);
  const report = async (done: number, total: number, phase: BuildPhase) => {
    options.onProgress?.(done, total, phase);
    await new Promise((resolve) => setImmediate(resolve)); // let a progress bar repaint
  };

  const parent = path.dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(path.join(parent, `.${path.basename(target)}.building-`));
  /** Every file opened for writing, closed once done (closing is idempotent) and again on any error. */
  const opened: Appender[] = [];
  const appender = (name: string) => {
    const a = new Appender(path.join(tmp, name));
    opened.push(a);
    return a;
  };
  try {
    mkdirSync(path.join(tmp, "levels"));
    // 1. rows, chunk by chunk: id hashes, salts, leaves (level 0), private leaf data, ids, sort records
    const level0 = appender(levelFile(0));
    const leavesFile = appender("leaves.bin");
    const idsFile = appender("ids.bin");
    const offsetsFile = appender("ids.off");
    const sorter = new IdSorter(path.join(tmp, "sort"));
    const offsetRecord = new Uint8Array(8);
    const offsetView = new DataView(offsetRecord.buffer);
    offsetsFile.append(offsetRecord); // ids.off starts with 0
    let n = 0;
    let rowsTotal = 0n;
    for await (const chunk of chunksOf(source)) {
      if (chunk.first !== n) throw new Error(`chunk starts at row ${chunk.first}, expected ${n}`);
      if (n + chunk.count > capacity) throw new UserError(`${n + chunk.count}${source instanceof LiabilitiesTable ? "" : " or more"} users do not fit a depth-${depth} tree (at most ${capacity})`, { where: "--depth", exitCode: 2 });
      rowsTotal += chunk.total;
      for (let from = 0; from < chunk.count; from += block) {
        const to = Math.min(chunk.count, from + block);
        const m = to - from;
        const ids: Uint8Array[] = [];
        for (let i = from; i < to; i++) ids.push(chunk.idAt(i));
        const idHashes = hasher.userIdHashes(ids);
        const salts = randomSalts(m);
        const leaves = new Uint8Array(NODE_BYTES * m);
        hasher.leaves(idHashes, chunk.balances.subarray(16 * from, 16 * to), salts, m, leaves);
        level0.append(leaves);
        const records = new Uint8Array(LEAF_RECORD_BYTES * m);
        for (let i = 0; i < m; i++) {
          records.set(idHashes.subarray(32 * i, 32 * i + 32), LEAF_RECORD_BYTES * i);
          records.set(salts.subarray(32 * i, 32 * i + 32), LEAF_RECORD_BYTES * i + 32);
        }
        leavesFile.append(records);
        const idStart = chunk.idOffsets[from]!;
        const idBase = idsFile.size - idStart;
        idsFile.append(chunk.idBytes.subarray(idStart, chunk.idOffsets[to]!));
        for (let i = from + 1; i <= to; i++) {
          offsetView.setBigUint64(0, BigInt(idBase + chunk.idOffsets[i]!));
          offsetsFile.append(offsetRecord);
        }
        sorter.add(idHashes, n + from, chunk.lines.subarray(from, to));
        await report(n + to, capacity, "leaves");
      }
      n += chunk.count;
    }
    if (n === 0) throw new UserError("no users to build a tree from", { where: options.source ?? "the liabilities file" });
    for (const a of [level0, leavesFile, idsFile, offsetsFile]) a.close();

    // 2. users.idx, and the duplicate ids a chunked read cannot see
    const index = appender("users.idx");
    let sorted = 0;
    const duplicate = await sorter.writeIndex(index, (records) => report((sorted += records), n, "index"));
    if (duplicate) {
      const offsets = openSync(path.join(tmp, "ids.off"), "r");
      const ids = openSync(path.join(tmp, "ids.bin"), "r");
      const idText = (i: number) => {
        const bounds = new DataView(readAt(offsets, 8 * i, 16, "ids.off").buffer);
        const start = Number(bounds.getBigUint64(0));
        return new TextDecoder().decode(readAt(ids, start, Number(bounds.getBigUint64(8)) - start, "ids.bin"));
      };
      let second: string, first: string;
      try {
        [second, first] = [idText(duplicate.index), idText(duplicate.firstIndex)];
      } finally {
        closeSync(ids);
        closeSync(offsets);
      }
      if (second !== first) throw new Error(`user ids ${JSON.stringify(first)} and ${JSON.stringify(second)} have the same userIdHash (a Poseidon collision?)`);
      throw new UserError(`duplicate user id ${JSON.stringify(second)} (first on line ${duplicate.firstLine})`, { where: options.source ? `${options.source}:${duplicate.line}` : `row ${duplicate.index + 1}` });
    }
    rmSync(path.join(tmp, "sort"), { recursive: true, force: true });
    index.close();

    // 3. the levels above, each read back in blocks from the one below
    const zeros = paddingNodes(depth);
    let treeWork = 0;
    for (let k = 1; k <= depth; k++) treeWork += storedCount(n, k);
    let treeDone = 0;
    let left = new Uint8Array(NODE_BYTES);
    let right = new Uint8Array(NODE_BYTES);
    const padding = (k: number) => {
      const node = new Uint8Array(NODE_BYTES);
      writeField(node, 0, zeros[k]!.hash); // every padding subtree's sum is 0
      return node;
    };
    let top = new Uint8Array(0);
    for (let k = 1; k <= depth; k++) {
      const below = storedCount(n, k - 1);
      const parents = storedCount(n, k);
      const input = openSync(path.join(tmp, levelFile(k - 1)), "r");
      const output = appender(levelFile(k));
      try {
        for (let from = 0; from < parents; from += block) {
          const to = Math.min(parents, from + block);
          const have = Math.min(below, 2 * to) - 2 * from;
          const children = new Uint8Array(2 * NODE_BYTES * (to - from));
          children.set(readAt(input, 2 * NODE_BYTES * from, NODE_BYTES * have, levelFile(k - 1)));
          // The right neighbour of the last stored node is the padding subtree Z_{k-1}.
          if (have % 2 === 1) children.set(padding(k - 1), NODE_BYTES * have);
          if (k === depth) {
            left = children.slice(0, NODE_BYTES);
            right = children.slice(NODE_BYTES, 2 * NODE_BYTES);
          }
          const out = new Uint8Array(NODE_BYTES * (to - from));
          hasher.sumLevel(children, to - from, out);
          output.append(out);
          if (k === depth) top = out;
          treeDone += to - from;
          await report(treeDone, treeWork, "tree");
        }
      } finally {
        closeSync(input);
      }
      output.close();
    }
    const root = readField(top, 0);
    const total = readU128(top, 32);
    if (total !== rowsTotal) throw new Error(`tree total ${total} differs from the rows' total ${rowsTotal}`);

    options.onProgress?.(treeWork, treeWork, "write");
    const files: Record<string, number> = {};
    for (let k = 0; k <= depth; k++) files[levelFile(k)] = NODE_BYTES * storedCount(n, k);
    Object.assign(files, { "leaves.bin": LEAF_RECORD_BYTES * n, "users.idx": INDEX_RECORD_BYTES * n, "ids.bin": statSync(path.join(tmp, "ids.bin")).size, "ids.off": 8 * (n + 1) });
    for (const [name, size] of Object.entries(files)) {
      const actual = statSync(path.join(tmp, name)).size;
      if (actual !== size) throw new Error(`${name} has ${actual} bytes after the build, expected ${size}`);
    }

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

    // 4. into place (an existing tree is moved aside first and removed once the new one is in)
    let aside: string | undefined;
    if (existsSync(target)) {
      aside = `${tmp}.old`;
      renameSync(target, aside);
    }
    renameSync(tmp, target);
    if (aside) rmSync(aside, { recursive: true, force: true });
    return { summary, root, total, engine: hasher.description, engineNote: hasher.note };
  } finally {
    for (const a of opened) {
      try {
        a.close();
      } catch {
        // already failing: the folder is removed below
      }
    }
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
}
