/**
 * Benchmark section: the inclusion-proving cluster (liabilities/cluster.ts, issue 17). On a Redis started here
 * (Debian's redis-server, loopback, no persistence):
 *  - the queue's own cost per job: jobs whose processor does nothing, added and collected the way the
 *    coordinator does (addBulk, then getJobs(completed) and remove), once with an in-process processor and
 *    once with a sandboxed one (a child process, as the cluster's workers run);
 *  - proofs per second with 1 and 2 `homeostat worker` processes on the standard instance (D=20);
 *  - core-seconds per user proof and per tree leaf, beside published figures of other systems.
 *
 * Run alone: `npm run bench -- cluster` (PROOF_USERS=N for the throughput runs, default 48).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { TestRedis } from "../lib/redis.ts";
import { writeSyntheticUsers } from "./liabilities.ts";

const NOOP_JOBS = 2_000;
const DEPTH = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds per job of `jobs` no-op jobs through `queueName`, added in bulk and collected as the coordinator does. */
async function queueOverhead(url: string, processor: string | (() => Promise<unknown>), label: string, jobs: number): Promise<{ label: string; msPerJob: number }> {
  const { Queue, Worker } = await import("bullmq");
  const { redisOptions } = await import("../../liabilities/cluster.ts");
  const connection = redisOptions(url);
  const name = `bench-${label.replace(/\W+/g, "-")}`;
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, typeof processor === "string" ? processor : async () => processor(), { connection, concurrency: 1, useWorkerThreads: false });
  await worker.waitUntilReady();
  // Warm-up: the first job starts the sandbox's child process.
  await queue.add("warm", {}, { jobId: "warm" });
  while (((await queue.getJobCounts("completed")).completed ?? 0) < 1) await sleep(10);
  await (await queue.getJob("warm"))?.remove();
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: "noop", data: { indexes: [i + k] }, opts: { jobId: `j${i + k}`, attempts: 5, removeOnComplete: false } })));
  }
  let collected = 0;
  while (collected < jobs) {
    const done = await queue.getJobs(["completed"], 0, 199);
    for (const job of done) {
      await job.remove();
      collected++;
    }
    if (done.length === 0) await sleep(5);
  }
  const ms = performance.now() - t0;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { label, msPerJob: ms / jobs };
}

interface ThroughputRun {
  workers: number;
  users: number;
  seconds: number;
  rate: number;
}

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(PROJECT_ROOT, "bin/homeostat.mjs"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
}

/** `inclusion prove --all --queue` with `workers` worker processes already serving the tree. */
async function throughput(url: string, treeDir: string, dir: string, workers: number, users: number): Promise<ThroughputRun> {
  // Each worker proves one job at a time on one core: proofs/s per worker, and how it scales with workers.
  const procs = Array.from({ length: workers }, (_, k) => start(["worker", "--queue", url, "--tree", treeDir, "--name", `bench-${k}`, "--concurrency", "1", "--single-thread", "--json"]));
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => p.stdout!.on("data", (d: Buffer) => d.toString().includes('"event":"ready"') && resolve()))));
  // Warm: each worker's sandbox loads snarkjs and the zkey on its first job; measure after that.
  const warm = path.join(dir, `warm-${workers}`);
  await homeostatOutput(["inclusion", "prove", "--tree", treeDir, "--all", "--out", warm, "--queue", url, "--limit", String(2 * workers), "--chunk", "1", "--json"]);
  const out = path.join(dir, `proofs-${workers}`);
  const summary = JSON.parse(await homeostatOutput(["inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--queue", url, "--limit", String(users), "--chunk", "2", "--json"])) as { proved: number; rate: number; elapsedMs: number };
  for (const p of procs) p.kill("SIGTERM");
  await Promise.all(procs.map((p) => new Promise((resolve) => p.once("exit", resolve))));
  return { workers, users: summary.proved, seconds: summary.elapsedMs / 1000, rate: summary.rate };
}

async function homeostatOutput(args: string[]): Promise<string> {
  const child = start(args);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? -1)));
  if (code !== 0) throw new Error(`homeostat ${args.slice(0, 2).join(" ")} exited ${code}`);
  return out;
}

/** The markdown section. */
export async function run(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-bench-cluster-"));
  const redis = await TestRedis.start();
  const lines = ["## Inclusion proofs on a cluster (BullMQ + Redis)", ""];
  try {
    const noop = path.join(dir, "noop.mjs");
    writeFileSync(noop, "export default async () => ({});\n");
    const inProcess = await queueOverhead(redis.url, async () => ({}), "in-process", NOOP_JOBS);
    const sandboxed = await queueOverhead(redis.url, noop, "sandboxed", NOOP_JOBS);

    const users = Number(process.env["PROOF_USERS"] ?? 48);
    const csv = path.join(dir, "users.csv");
    await writeSyntheticUsers(csv, 4 * users + 16);
    const { readLiabilities } = await import("../../liabilities/reader.ts");
    const { buildTree } = await import("../../liabilities/tree.ts");
    const treeDir = path.join(dir, "tree");
    await buildTree(await readLiabilities(csv, { decimals: 6 }), { depth: DEPTH, decimals: 6, outDir: treeDir });
    const runs: ThroughputRun[] = [];
    for (const workers of [1, 2]) runs.push(await throughput(redis.url, treeDir, dir, workers, users));

    // The tree's cost per leaf: a 2^16-user build, CPU time of every thread.
    const leaves = 1 << 16;
    const bigCsv = path.join(dir, "leaves.csv");
    await writeSyntheticUsers(bigCsv, leaves);
    const cpu0 = process.cpuUsage();
    await buildTree(await readLiabilities(bigCsv, { decimals: 6 }), { depth: DEPTH, decimals: 6, outDir: path.join(dir, "leaves-tree") });
    const cpu = process.cpuUsage(cpu0);
    const leafCoreUs = (cpu.user + cpu.system) / leaves;
    const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
    const coreSecondsPerProof = best.workers / best.rate;

    lines.push(
      `Redis ${redisVersion()} on loopback (no persistence), BullMQ ${(await import("bullmq/package.json", { with: { type: "json" } })).default.version}; the coordinator and the workers on this machine (${os.availableParallelism()} cores).`,
      "",
      "| what | measured | target |",
      "|---|---|---|",
      `| queue overhead per job, in-process no-op processor (${NOOP_JOBS.toLocaleString("en-US")} jobs: add in bulk, fetch, complete, collect, remove) | ${inProcess.msPerJob.toFixed(2)} ms | 5 ms ${inProcess.msPerJob <= 5 ? "ok" : "OVER"} |`,
      `| queue overhead per job, sandboxed no-op processor (a child process, as the workers run) | ${sandboxed.msPerJob.toFixed(2)} ms | 5 ms ${sandboxed.msPerJob <= 5 ? "ok" : "OVER"} |`,
      ...runs.map((r) => `| S3 D=20 proofs through the queue, ${r.workers} worker process${r.workers > 1 ? "es" : ""} of one core each (warm, ${r.users} users, 2 per job, the coordinator verifying each) | ${r.rate.toFixed(2)} proofs/s | |`),
      "",
      "A job carries 8 users by default (`--chunk`), so the queue's share of a proof is the per-job figure divided by 8.",
      "",
      "Cost per user next to published figures (core-seconds = cores x wall seconds; other systems as their authors",
      "report them, on their hardware, for their circuits: a rough comparison, not a like-for-like benchmark).",
      "",
      "| system | per user proof | per tree leaf | how |",
      "|---|---|---|---|",
      `| Homeostat S3 (D=20, Groth16/BN254), this machine | ${coreSecondsPerProof.toFixed(2)} core-s | ${leafCoreUs.toFixed(1)} core-µs | ${best.workers} one-core worker(s) at ${best.rate.toFixed(2)} proofs/s; leaf: CPU time of a 2^16-user tree build / 2^16 |`,
      "| Summa v1 (Halo2/KZG, on-demand inclusion proofs) | 12.9 core-s | (in the proof) | 403 ms per proof on 32 cores |",
      "| Binance proof of reserves (gnark, batches of 864 users) | 3.89 core-s | (in the batch) | about 105 s per 864-user batch on 32 cores |",
      "",
      `At ${coreSecondsPerProof.toFixed(2)} core-seconds per user, a million users cost ${((coreSecondsPerProof * 1e6) / 3600).toFixed(0)} core-hours per epoch: ${((coreSecondsPerProof * 1e6) / 3600 / 32).toFixed(0)} hours on one 32-core machine, ${((coreSecondsPerProof * 1e6) / 3600 / 320).toFixed(1)} on ten.`,
    );
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.join("\n");
}

function redisVersion(): string {
  const out = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout;
  return /v=(\S+)/.exec(out)?.[1] ?? "(unknown version)";
}
