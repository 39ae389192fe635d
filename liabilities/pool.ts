/**
 * Proves inclusion for every user of a stored tree (`homeostat inclusion prove --all`): a pool of
 * worker processes (worker.ts; processes, not worker_threads, because snarkjs cannot prove inside a
 * worker thread: see worker.ts), one per core by default, each with its own prover. Resumable: a user whose
 * proof file already exists and belongs to this tree (same root, leaf hash, instance and key) is skipped,
 * so an interrupted run restarts where it stopped. Files are written atomically (temp file + rename), so
 * an interruption leaves finished files and nothing half-written; stale temp files are removed on start.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { verifyInclusionProof } from "../verifier/inclusion.ts";
import { vkeyHash } from "../core/canonical.ts";
import { inclusionArtifacts, inclusionInstanceForDepth, proofFileName } from "./inclusion.ts";
import { LiabilitiesTree } from "./store.ts";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./worker.ts";

export interface ProveAllOptions {
  treeDir: string;
  outDir: string;
  /** Worker processes (default: os.availableParallelism()). */
  workers?: number;
  /** Instance to prove with (default: the inclusion instance of the tree's depth). */
  instance?: string;
  /** Folder holding NAME/NAME.{wasm,zkey,vkey.json} (default build/circuits). */
  buildDir?: string;
  /** Prove at most this many missing users in this run (the rest stays for the next run). */
  limit?: number;
  /** Run the full Groth16 check on existing files before skipping them (default: check they belong to this tree). */
  verifyExisting?: boolean;
  /** The liabilities epoch the tree's root was published as, recorded in every proof file and the index. */
  epoch?: number;
  onProgress?: (progress: ProveAllProgress) => void;
}

export interface ProveAllProgress {
  /** Proofs made in this run so far, out of `toProve`. */
  proved: number;
  toProve: number;
  failed: number;
  /** Users already proven before this run. */
  skipped: number;
  elapsedMs: number;
  /** Estimated time left, from the rate so far (undefined before the first proof). */
  etaMs: number | undefined;
}

export interface ProveAllResult {
  instance: string;
  users: number;
  skipped: number;
  proved: number;
  /** Users left for a later run (with `limit`). */
  remaining: number;
  failed: Array<{ index: number; message: string }>;
  /** Worker processes of the local pool; for the cluster, the workers seen on the queue at the end (CLIENT LIST). */
  workers: number;
  elapsedMs: number;
  /** Proofs per second in this run. */
  rate: number;
}

const BOOTSTRAP = fileURLToPath(new URL("./worker-bootstrap.mjs", import.meta.url));
/** Leaves sent to a worker at a time: small, so the last batches spread evenly. */
const BATCH = 2;
const SCAN_CHUNK = 4096;

/** True when `file` is a proof for this tree's leaf (and, with `full`, verifies). */
async function isCurrentProof(
  file: string,
  expected: { root: string; leafHash: string; instance: string; vkeyHash: string; epoch?: number },
  full: { vkey: Record<string, unknown> } | undefined,
): Promise<boolean> {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (parsed.root !== expected.root || parsed.leafHash !== expected.leafHash || parsed.instance !== expected.instance || parsed.vkeyHash !== expected.vkeyHash) {
    return false;
  }
  // A file without the epoch (or with another one) is made again when an epoch is asked for.
  if (expected.epoch !== undefined && parsed.epoch !== expected.epoch) return false;
  if (!full) return true;
  const result = await verifyInclusionProof(parsed, { [expected.instance]: full.vkey as never });
  return result.valid;
}

/** What is left to prove for one tree and output folder. */
export interface PendingUsers {
  instance: string;
  /** The tree's root (decimal) and the verifying key's fingerprint the proof files must carry. */
  root: string;
  vkeyHash: string;
  /** The verifying key itself (read once here; the cluster's coordinator checks returned proofs with it). */
  vkey: Record<string, unknown>;
  users: number;
  /** Leaf indexes with no current proof file, in order. */
  todo: number[];
  /** Users whose proof file is already there and belongs to this tree. */
  skipped: number;
}

/**
 * Scans `outDir` against the tree: removes temp files an interrupted run left, and lists the leaves with no
 * current proof file (same root, leaf hash, instance and key; with `verifyExisting`, a full Groth16 check).
 */
export async function pendingUsers(options: Pick<ProveAllOptions, "treeDir" | "outDir" | "instance" | "buildDir" | "verifyExisting" | "epoch">): Promise<PendingUsers> {
  const tree = LiabilitiesTree.open(options.treeDir);
  try {
    const instance = options.instance ?? inclusionInstanceForDepth(tree.depth);
    const artifacts = inclusionArtifacts(instance, options.buildDir);
    if (artifacts.depth !== tree.depth) throw new UserError(`instance ${instance} proves depth ${artifacts.depth}; the tree has depth ${tree.depth}`, { where: "--instance", exitCode: 2 });
    const vkey = JSON.parse(readFileSync(artifacts.vkeyFile, "utf8")) as Record<string, unknown>;
    const keyHash = await vkeyHash(vkey);
    mkdirSync(options.outDir, { recursive: true });
    const existing = new Set<string>();
    for (const name of readdirSync(options.outDir)) {
      if (name.startsWith(".") && name.endsWith(".tmp")) rmSync(path.join(options.outDir, name), { force: true }); // left by an interrupted run
      else existing.add(name);
    }
    const root = tree.root.toString();
    const todo: number[] = [];
    let skipped = 0;
    for (let from = 0; from < tree.userCount; from += SCAN_CHUNK) {
      const count = Math.min(SCAN_CHUNK, tree.userCount - from);
      const { idHashes, leafHashes } = tree.leafHashes(from, count);
      for (let i = 0; i < count; i++) {
        const name = proofFileName(idHashes[i]!);
        const expected = { root, leafHash: leafHashes[i]!.toString(), instance, vkeyHash: keyHash, ...(options.epoch !== undefined ? { epoch: options.epoch } : {}) };
        if (existing.has(name) && (await isCurrentProof(path.join(options.outDir, name), expected, options.verifyExisting ? { vkey } : undefined))) skipped++;
        else todo.push(from + i);
      }
    }
    return { instance, root, vkeyHash: keyHash, vkey, users: tree.userCount, todo, skipped };
  } finally {
    tree.close();
  }
}

/** Proves every user of the tree at `treeDir` into `outDir` (one `<userIdHash hex>.json` per user). */
export async function proveAll(options: ProveAllOptions): Promise<ProveAllResult> {
  const started = performance.now();
  const pending = await pendingUsers(options);
  const { instance, users, skipped } = pending;
  let todo = pending.todo;
  const remaining = options.limit !== undefined && todo.length > options.limit ? todo.length - options.limit : 0;
  if (options.limit !== undefined) todo = todo.slice(0, options.limit);
  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), todo.length));
  const failed: ProveAllResult["failed"] = [];
  let proved = 0;
  const proveStart = performance.now();
  const report = () => {
    const elapsedMs = performance.now() - proveStart;
    const finished = proved + failed.length;
    options.onProgress?.({
      proved,
      toProve: todo.length,
      failed: failed.length,
      skipped,
      elapsedMs,
      etaMs: finished > 0 ? (elapsedMs / finished) * (todo.length - finished) : undefined,
    });
  };
  report();

  if (todo.length > 0) {
    const setup: WorkerSetup = {
      treeDir: path.resolve(options.treeDir),
      outDir: path.resolve(options.outDir),
      instance,
      ...(options.buildDir ? { buildDir: path.resolve(options.buildDir) } : {}),
      // Several workers: one core each. A lone worker lets snarkjs use every core for each proof.
      singleThread: workerCount > 1,
      ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
    };
    let next = 0;
    const take = (): WorkerRequest => {
      if (next >= todo.length) return { finish: true };
      const indexes = todo.slice(next, next + BATCH);
      next += indexes.length;
      return { indexes };
    };
    await new Promise<void>((resolve, reject) => {
      const workers: ChildProcess[] = [];
      let open = workerCount;
      let failedHard = false;
      const inFlight = new Map<ChildProcess, number>();
      const fail = (e: Error) => {
        if (failedHard) return;
        failedHard = true;
        for (const w of workers) w.kill();
        reject(e);
      };
      for (let k = 0; k < workerCount; k++) {
        // execArgv: [] so the parent's loader flags (tsx, vitest) are not inherited; the bootstrap loads tsx.
        const worker = fork(BOOTSTRAP, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
        workers.push(worker);
        worker.send({ setup } satisfies WorkerRequest);
        const send = () => {
          const request = take();
          if ("indexes" in request) inFlight.set(worker, request.indexes.length);
          if (worker.connected) worker.send(request);
        };
        worker.on("message", (reply: WorkerReply) => {
          if (reply.kind === "ready") return send();
          if (reply.kind === "done") proved++;
          else if (!reply.user) return fail(new Error(`worker failed on leaf ${reply.index}: ${reply.message}`));
          else failed.push({ index: reply.index, message: reply.message });
          report();
          const left = (inFlight.get(worker) ?? 1) - 1;
          inFlight.set(worker, left);
          if (left === 0) send();
        });
        worker.on("error", (e) => fail(new Error(`inclusion worker failed: ${e.message}`, { cause: e })));
        worker.on("exit", (code, signal) => {
          open--;
          if (code !== 0 && !failedHard) return fail(new Error(`an inclusion worker exited with ${signal ?? `code ${code}`}`));
          if (open === 0 && !failedHard) {
            if (proved + failed.length < todo.length) fail(new Error("inclusion workers stopped before every proof was made"));
            else resolve();
          }
        });
      }
    });
  }
  writeProofsIndex(options.outDir, pending, skipped + proved, options.epoch);
  const elapsedMs = performance.now() - started;
  const proveMs = performance.now() - proveStart;
  return { instance, users, skipped, proved, remaining, failed, workers: todo.length > 0 ? workerCount : 0, elapsedMs, rate: proved > 0 ? proved / (proveMs / 1000) : 0 };
}

/** True when a folder looks like the output of `proveAll` (used by the CLI to refuse odd targets). */
export function looksLikeProofDir(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return readdirSync(dir).every((n) => /^[0-9a-f]{64}\.json$/.test(n) || n === PROOFS_INDEX || n.startsWith("."));
}

/** The index of a proofs folder: which root and epoch its files are for, and how many there are. */
export const PROOFS_INDEX = "index.json";
export const PROOFS_INDEX_FORMAT = "homeostat-inclusion-index/1";

export interface ProofsIndex {
  format: typeof PROOFS_INDEX_FORMAT;
  root: string;
  /** The liabilities epoch the root was published as, when known. */
  epoch?: number;
  instance: string;
  vkeyHash: string;
  /** Users of the tree, and proof files of this root in the folder. */
  users: number;
  proofs: number;
  complete: boolean;
  /** How a user finds their file. */
  files: string;
  updatedAt: string;
}

/** Writes (atomically) the folder's index after a run. */
export function writeProofsIndex(outDir: string, pending: PendingUsers, proofs: number, epoch: number | undefined): ProofsIndex {
  const index: ProofsIndex = {
    format: PROOFS_INDEX_FORMAT,
    root: pending.root,
    ...(epoch !== undefined ? { epoch } : {}),
    instance: pending.instance,
    vkeyHash: pending.vkeyHash,
    users: pending.users,
    proofs,
    complete: proofs === pending.users,
    files: "<userIdHash of the user's id, as 64 hex digits>.json",
    updatedAt: new Date().toISOString(),
  };
  writeFileAtomic(path.join(outDir, PROOFS_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}
