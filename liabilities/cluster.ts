/**
 * Inclusion proofs on a cluster (issue 17): BullMQ queues on one Redis, any number of worker processes on any
 * number of machines. The coordinator (`homeostat inclusion prove --all --queue URL`) scans the output folder
 * as the local pool does (pool.ts `pendingUsers`), puts the users still to prove into chunks, and writes each
 * proof file itself as results come back; workers (`homeostat worker --queue URL --tree DIR`) prove chunks
 * with their own copy of the tree and return the proof files in the job's result.
 *
 * Design
 *  - One queue per liabilities root (`inclusion-<root hex>`): a worker serves the root of the tree it holds,
 *    so a job never reaches a machine without its tree.
 *  - Sandboxed processors (cluster-processor.mjs, a child process per concurrent job): a long proof never
 *    blocks the worker's event loop, so BullMQ keeps renewing the job's lock.
 *  - Results keyed by (root, user): the file is `<out>/<userIdHash hex>.json` of the root's folder, written
 *    once, atomically, and only after the coordinator has verified the proof against the tree's leaf and
 *    the verification key. A retried or duplicated job (two workers, a re-added chunk) proves the same user
 *    again at worst; the file is still written once.
 *  - Failures: attempts with exponential backoff; a job whose worker died (killed, machine lost) is
 *    recovered by BullMQ's stalled-job check once its lock lapses; a user whose proof fails is reported
 *    with the reason. If Redis loses the queue (restarted without persistence), the coordinator notices
 *    that its chunks are gone and adds them again.
 */
import { createHash } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, Worker, type Job, type RedisOptions } from "bullmq";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { verifyInclusionProof } from "../verifier/inclusion.ts";
import { inclusionArtifacts, inclusionInstanceForDepth, proofFileName } from "./inclusion.ts";
import { pendingUsers, writeProofsIndex, type ProveAllOptions, type ProveAllResult } from "./pool.ts";
import { LiabilitiesTree } from "./store.ts";

/** Users per job: small enough to spread evenly, large enough that the queue's own cost is negligible. */
export const DEFAULT_CHUNK = 8;
/** A job's lock: a worker that stops renewing it for this long (killed, cut off) loses the job. */
export const DEFAULT_LOCK_MS = 30_000;
/** Attempts per job (the first included) before its users are reported as failed. */
const ATTEMPTS = 5;
const BACKOFF_MS = 1_000;
/** Times a user whose job failed for good (a machine fault: user errors come back in a result) goes out again. */
const REQUEUES_PER_USER = 3;
/** Every this many sweeps, each chunk's job is looked up even when Redis's job counts look complete. */
const FULL_CHECK_EVERY = 5;

/** The queue of one liabilities root. */
export function queueNameFor(root: bigint | string): string {
  return `inclusion-${BigInt(root).toString(16).padStart(64, "0")}`;
}

/** A chunk's job id: its first leaf and a digest of its leaves, so the same chunk always has the same id. */
export function chunkJobId(indexes: readonly number[]): string {
  const digest = createHash("sha256").update(indexes.join(",")).digest("hex").slice(0, 16);
  return `leaf${indexes[0]}-${indexes.length}-${digest}`;
}

/** What a job carries: the tree it is for and the leaves to prove. */
export interface ClusterJobData {
  root: string;
  instance: string;
  vkeyHash: string;
  indexes: number[];
}

/** What a worker returns for a job: each user's proof file (JSON text), and the users it could not prove. */
export interface ClusterJobResult {
  /** The job the worker proved: a result recorded under another job is recognised as such. */
  jobId: string;
  proofs: { index: number; file: string }[];
  failed: { index: number; message: string }[];
  worker: string;
  ms: number;
}

/**
 * Connection options for `redis://[user:password@]host:port[/db]`: ioredis with no per-command retry limit
 * (BullMQ's requirement for workers) and a capped reconnect backoff, so a restarted Redis is found again.
 */
export function redisOptions(url: string, where = "--queue"): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`expected a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`, { where, exitCode: 2 });
  }
  if (u.protocol !== "redis:") throw new UserError(`expected a redis:// URL, got ${u.protocol}//`, { where, exitCode: 2 });
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new UserError(`the database after the port must be a number, got ${JSON.stringify(db)}`, { where, exitCode: 2 });
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2_000),
  };
}

export interface ClusterProveOptions extends ProveAllOptions {
  /** redis://host:port of the queue. */
  queue: string;
  /** Users per job (default DEFAULT_CHUNK). */
  chunk?: number;
  /** How often the coordinator collects results (ms, default 250). */
  pollMs?: number;
  /** Called when the coordinator re-adds chunks Redis lost. */
  onRequeue?: (chunks: number) => void;
}

export interface ClusterProveResult extends ProveAllResult {
  queue: string;
  /** Jobs added (chunks), and re-added after Redis lost them. */
  jobs: number;
  requeued: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a command waits for Redis to answer at start before it gives up with a clear error. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Waits for `ready` (a queue's or a worker's connection); a Redis that does not answer in time is a UserError. */
async function connected(ready: Promise<unknown>, url: string, close: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), CONNECT_TIMEOUT_MS)));
  try {
    const outcome = await Promise.race([ready.then(() => "ready" as const), timeout]);
    if (outcome === "timeout") {
      await close().catch(() => {});
      throw new UserError(`cannot reach Redis at ${url}: no answer in ${CONNECT_TIMEOUT_MS / 1000} s (is redis-server running there?)`, { where: "--queue" });
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    await close().catch(() => {});
    throw new UserError(`cannot reach Redis at ${url}: ${(e as Error).message}`, { where: "--queue" });
  } finally {
    clearTimeout(timer);
  }
}

/** Proves every user of the tree through the queue at `options.queue`; see the module comment. */
export async function proveAllOnQueue(options: ClusterProveOptions): Promise<ClusterProveResult> {
  const started = performance.now();
  const connection = redisOptions(options.queue);
  const pending = await pendingUsers(options);
  const { instance, root, vkeyHash, vkey, users, skipped } = pending;
  let todo = pending.todo;
  const remaining = options.limit !== undefined && todo.length > options.limit ? todo.length - options.limit : 0;
  if (options.limit !== undefined) todo = todo.slice(0, options.limit);
  const chunkSize = options.chunk ?? DEFAULT_CHUNK;
  const chunks = new Map<string, number[]>();
  for (let i = 0; i < todo.length; i += chunkSize) {
    const indexes = todo.slice(i, i + chunkSize);
    chunks.set(chunkJobId(indexes), indexes);
  }
  const wanted = new Set(todo);
  const written = new Set<number>();
  const failed = new Map<number, string>();
  const tree = LiabilitiesTree.open(options.treeDir);
  const queue = new Queue<ClusterJobData, ClusterJobResult>(queueNameFor(root), { connection });
  queue.on("error", () => {}); // connection errors are retried by ioredis; the loop below reports a stalled run
  let requeued = 0;
  let workersSeen = 0;
  const proveStart = performance.now();
  const report = () => {
    const elapsedMs = performance.now() - proveStart;
    const finished = written.size + failed.size;
    options.onProgress?.({ proved: written.size, toProve: todo.length, failed: failed.size, skipped, elapsedMs, etaMs: finished > 0 ? (elapsedMs / finished) * (todo.length - finished) : undefined });
  };
  const add = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += 500) {
      await queue.addBulk(
        ids.slice(i, i + 500).map((id) => ({
          name: "prove",
          data: { root, instance, vkeyHash, indexes: chunks.get(id)! },
          opts: { jobId: id, attempts: ATTEMPTS, backoff: { type: "exponential", delay: BACKOFF_MS }, removeOnComplete: false, removeOnFail: false },
        })),
      );
    }
  };
  /** Users go out again as a chunk of their own (a fresh id, so no finished job of the same users blocks it). */
  let requeueSerial = 0;
  const requeue = async (indexes: number[]) => {
    if (indexes.length === 0) return;
    const id = `${chunkJobId(indexes)}-r${++requeueSerial}`;
    chunks.set(id, indexes);
    await add([id]);
    requeued++;
    options.onRequeue?.(1);
  };
  const requeues = new Map<number, number>();
  /** Verifies and writes what a completed job returned; users it could not prove are recorded as failed. */
  const collect = async (job: Job<ClusterJobData, ClusterJobResult>) => {
    const result = typeof job.returnvalue === "string" ? (JSON.parse(job.returnvalue) as ClusterJobResult) : job.returnvalue;
    // A result recorded under another job (see cluster-job.ts) still carries verified proofs of its own leaves:
    // they are kept below (each is checked against the leaf of the index it names); this job's users go out again.
    for (const { index, file } of result?.proofs ?? []) {
      if (!wanted.has(index) || written.has(index)) continue;
      const leaf = tree.leaf(index);
      const proof = JSON.parse(file) as Record<string, unknown>;
      const verdict = await verifyInclusionProof(proof, { [instance]: vkey as never }, { root: tree.root });
      if (!verdict.valid || proof["leafHash"] !== leaf.leafHash.toString()) {
        failed.set(index, `worker ${result.worker} returned a proof that does not verify for leaf ${index}: ${verdict.reasons.join("; ") || "another leaf"}`);
        continue;
      }
      // The epoch is the coordinator's label (not proven): it goes into the file here, whatever the worker sent.
      delete proof["epoch"];
      const labelled = options.epoch !== undefined ? { ...proof, epoch: options.epoch } : proof;
      writeFileAtomic(path.join(options.outDir, proofFileName(leaf.userIdHash)), `${JSON.stringify(labelled, null, 2)}\n`);
      written.add(index);
      failed.delete(index);
    }
    const own = result?.jobId === undefined || result.jobId === job.id;
    if (own) for (const f of result?.failed ?? []) if (wanted.has(f.index) && !written.has(f.index)) failed.set(f.index, f.message);
    // Users of the job that came back with neither a proof nor a reason (a result lost or mixed up on the way)
    // go out again: a finished job never drops a user silently.
    const unanswered = (job.data?.indexes ?? []).filter((i) => wanted.has(i) && !written.has(i) && !failed.has(i));
    chunks.delete(job.id!);
    await job.remove().catch(() => {});
    await requeue(unanswered);
    report();
  };
  /** A job that failed for good: a machine fault (user errors come back in results), so its users are retried a few times. */
  const settle = async (job: Job<ClusterJobData, ClusterJobResult>) => {
    const retry: number[] = [];
    for (const index of job.data?.indexes ?? []) {
      if (!wanted.has(index) || written.has(index)) continue;
      const n = (requeues.get(index) ?? 0) + 1;
      requeues.set(index, n);
      if (n <= REQUEUES_PER_USER) retry.push(index);
      else failed.set(index, `failed after ${job.attemptsMade} attempt(s), ${REQUEUES_PER_USER} times: ${job.failedReason}`);
    }
    chunks.delete(job.id!);
    await job.remove().catch(() => {});
    await requeue(retry);
    report();
  };

  try {
    if (chunks.size > 0) {
      await connected(queue.waitUntilReady(), options.queue, () => queue.close());
      await add([...chunks.keys()]);
    }
    report();
    let lastSweep = performance.now();
    let sweeps = 0;
    while (chunks.size > 0) {
      try {
        // Every finished job in this root's queue is this tree's: collect them all, whoever added them.
        const done = await queue.getJobs(["completed"], 0, 199);
        for (const job of done) await collect(job);
        const dead = await queue.getJobs(["failed"], 0, 199);
        for (const job of dead) await settle(job);
        if (performance.now() - lastSweep > 3_000) {
          lastSweep = performance.now();
          workersSeen = (await queue.getWorkers()).length;
          // Chunks Redis no longer knows (it restarted without persistence, say) are added again.
          const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "waiting-children", "completed", "failed");
          const known = Object.values(counts).reduce((a, b) => a + b, 0);
          // The counts can hide a lost chunk behind a stale job, so every few sweeps each chunk is looked up.
          if (known < chunks.size || ++sweeps % FULL_CHECK_EVERY === 0) {
            const ids = [...chunks.keys()];
            const lost: string[] = [];
            for (let i = 0; i < ids.length; i += 200) {
              const jobs = await Promise.all(ids.slice(i, i + 200).map((id) => queue.getJob(id)));
              jobs.forEach((j, k) => {
                if (!j) lost.push(ids[i + k]!);
              });
            }
            if (lost.length > 0) {
              await add(lost);
              requeued += lost.length;
              options.onRequeue?.(lost.length);
            }
          }
        }
      } catch (e) {
        if (e instanceof UserError) throw e;
        // Redis unreachable for a moment (restarting): ioredis reconnects; try again shortly.
      }
      if (chunks.size > 0) await sleep(options.pollMs ?? 250);
    }
  } finally {
    tree.close();
    await queue.close().catch(() => {});
  }
  writeProofsIndex(options.outDir, pending, skipped + written.size, options.epoch);
  const proveMs = performance.now() - proveStart;
  return {
    instance,
    users,
    skipped,
    proved: written.size,
    remaining,
    failed: [...failed].map(([index, message]) => ({ index, message })),
    workers: workersSeen,
    elapsedMs: performance.now() - started,
    rate: written.size > 0 ? written.size / (proveMs / 1000) : 0,
    queue: options.queue,
    jobs: Math.ceil(todo.length / chunkSize),
    requeued,
  };
}

export interface WorkerOptions {
  queue: string;
  treeDir: string;
  /** Folder of NAME/NAME.{wasm,zkey,vkey.json} (default build/circuits). */
  buildDir?: string;
  /** Jobs proven at once, each in its own process (default: one per core). */
  concurrency?: number;
  /** Prove each job on one core (default: when several jobs run at once). */
  singleThread?: boolean;
  lockMs?: number;
  /** This worker's name in the queue (a job's `processedBy`; default host:pid). */
  name?: string;
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { kind: "ready"; queue: string; root: string; users: number; instance: string; concurrency: number; name: string }
  | { kind: "completed"; job: string; proofs: number; failed: number; ms: number }
  | { kind: "failed"; job: string; reason: string; attempt: number }
  | { kind: "error"; message: string };

/** A running worker: `close()` lets the jobs in hand finish, then disconnects. */
export interface RunningWorker {
  close(): Promise<void>;
}

const PROCESSOR = fileURLToPath(new URL("./cluster-processor.mjs", import.meta.url));

/** Starts a worker for the tree at `treeDir` on the queue of its root. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const connection = redisOptions(options.queue);
  const tree = LiabilitiesTree.open(options.treeDir);
  const root = tree.root;
  const users = tree.userCount;
  const instance = inclusionInstanceForDepth(tree.depth);
  tree.close();
  inclusionArtifacts(instance, options.buildDir); // refuse at once when the keys are missing
  const concurrency = options.concurrency ?? availableParallelism();
  const singleThread = options.singleThread ?? concurrency > 1;
  // The sandboxed processors are child processes: they read their settings from the environment.
  process.env["HOMEOSTAT_CLUSTER_TREE"] = path.resolve(options.treeDir);
  if (options.buildDir) process.env["HOMEOSTAT_CLUSTER_KEYS"] = path.resolve(options.buildDir);
  process.env["HOMEOSTAT_CLUSTER_SINGLE_THREAD"] = singleThread ? "1" : "0";
  process.env["HOMEOSTAT_CLUSTER_WORKER"] = options.name ?? `${hostname()}:${process.pid}`;
  const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  const worker = new Worker<ClusterJobData, ClusterJobResult>(queueNameFor(root), PROCESSOR, {
    connection,
    name: options.name ?? process.env["HOMEOSTAT_CLUSTER_WORKER"],
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: ATTEMPTS,
    useWorkerThreads: false,
  });
  worker.on("completed", (job, result) => options.onEvent?.({ kind: "completed", job: job.id!, proofs: result?.proofs?.length ?? 0, failed: result?.failed?.length ?? 0, ms: Math.round(result?.ms ?? 0) }));
  worker.on("failed", (job, e) => options.onEvent?.({ kind: "failed", job: job?.id ?? "?", reason: e.message, attempt: job?.attemptsMade ?? 0 }));
  // Connection errors repeat while ioredis reconnects: each distinct one is reported once a minute at most, and
  // none before the first connection (a Redis that never answers is one clear error below).
  let ready = false;
  const lastReported = new Map<string, number>();
  worker.on("error", (e) => {
    const now = Date.now();
    if (!ready || now - (lastReported.get(e.message) ?? 0) < 60_000) return;
    lastReported.set(e.message, now);
    options.onEvent?.({ kind: "error", message: e.message });
  });
  await connected(worker.waitUntilReady(), options.queue, () => worker.close(true));
  ready = true;
  options.onEvent?.({ kind: "ready", queue: queueNameFor(root), root: root.toString(), users, instance, concurrency, name: options.name ?? process.env["HOMEOSTAT_CLUSTER_WORKER"] });
  return { close: () => worker.close() };
}
