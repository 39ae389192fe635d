// The inclusion cluster (liabilities/cluster.ts) as issue 17 asks to show it: one Redis, two `homeostat worker`
// processes with separate working folders (each its own copy of the tree: two machines), and the coordinator
// `homeostat inclusion prove --all --queue`. During the run one worker is killed (SIGKILL, with its sandboxed
// children) while it proves, and its job is seen to come back through BullMQ's stalled-job check; later Redis is
// killed and restarted empty. At the end every user has exactly one proof file (labelled with the epoch) and
// every file verifies; the folder's index says the run is complete.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { queueNameFor, redisOptions, type ClusterJobData } from "../../liabilities/cluster.ts";
import { proofFileName } from "../../liabilities/inclusion.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { verifyInclusionProof } from "../../verifier/inclusion.ts";
import { loadVerificationKeys, useSingleThreadedCurve } from "../../verifier/node.ts";
import { isSetUp } from "../prover/small-example.ts";
import { redisInstalled, TestRedis } from "../../scripts/lib/redis.ts";

/** Users of the run and the instance proving them (the depth of its tree). */
const USERS = Number(process.env["HOMEOSTAT_CLUSTER_USERS"] ?? 2_000);
const INSTANCE = "inclusion-small";
const DEPTH = 11;
const LOCK_MS = 2_000;

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-cluster-"));
const children = new Set<ChildProcess>();

interface Spawned {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number>;
}

/** Starts `homeostat ...args` in its own process group (so a kill takes its sandboxed children too). */
function homeostat(args: string[], cwd = PROJECT_ROOT): Spawned {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin/homeostat.mjs"), ...args], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const lines: string[] = [];
  let buffered = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (code !== 0 && signal !== "SIGKILL") process.stderr.write(`homeostat ${args[0]} exited ${code ?? signal}: ${stderr.slice(-2000)}\n`);
      resolve(code ?? -1);
    }),
  );
  return { child, lines, exited };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const proofCount = (out: string) => (existsSync(out) ? readdirSync(out).filter((n) => n.endsWith(".json")).length : 0);

describe.runIf(isSetUp(INSTANCE) && (redisInstalled() || process.env["CI"]))("inclusion proofs on a BullMQ cluster (two workers, one Redis)", () => {
  let redis: TestRedis;
  let treeDir: string;

  beforeAll(async () => {
    redis = await TestRedis.start();
    const csv = path.join(dir, "users.csv");
    writeFileSync(csv, `user,balance\n${Array.from({ length: USERS }, (_, i) => `user-${i}@example.com,${(i % 997) + 1}.${i % 100}`).join("\n")}\n`);
    treeDir = path.join(dir, "tree");
    await buildTree(await readLiabilities(csv, { decimals: 6 }), { depth: DEPTH, decimals: 6, outDir: treeDir });
    // Two machines: each worker has its own working folder with its own copy of the tree.
    for (const w of ["machine-a", "machine-b"]) cpSync(treeDir, path.join(dir, w, "tree"), { recursive: true });
  });

  afterAll(async () => {
    for (const c of children) killGroup(c, "SIGKILL");
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
  });

  it(`proves ${USERS.toLocaleString("en-US")} users through a worker kill and a Redis restart: one verified file per user`, async () => {
    const out = path.join(dir, "proofs");
    const worker = (name: string) =>
      // One job at a time on one core each: the two "machines" share this machine's cores.
      homeostat(["worker", "--queue", redis.url, "--tree", path.join(dir, name, "tree"), "--name", name, "--lock", String(LOCK_MS), "--concurrency", "1", "--single-thread", "--json"]);
    let a = worker("machine-a");
    const b = worker("machine-b");
    await until("both workers ready", () => [a, b].every((w) => w.lines.some((l) => l.includes('"event":"ready"'))), 60_000);
    const coordinator = homeostat(["inclusion", "prove", "--tree", treeDir, "--all", "--out", out, "--queue", redis.url, "--epoch", "7", "--json"]);

    // Worker A is killed (with its sandboxed prover) in the middle of a job once it has finished a few.
    await until("worker A's first jobs", () => a.lines.filter((l) => l.includes('"event":"completed"')).length >= 3, 300_000);
    const queue = new Queue<ClusterJobData>(queueNameFor(LiabilitiesTree.open(treeDir).root), { connection: redisOptions(redis.url) });
    let inHand: ClusterJobData | undefined;
    await until("a job in worker A's hands", async () => {
      const active = await queue.getJobs(["active"]);
      inHand = active.find((j) => j.processedBy === "machine-a")?.data;
      return inHand !== undefined;
    }, 60_000);
    killGroup(a.child, "SIGKILL");
    await a.exited;
    // Its job comes back (stalled-job check by worker B once the lock lapses) and its users get their files.
    const tree = LiabilitiesTree.open(treeDir);
    const files = inHand!.indexes.map((i) => path.join(out, proofFileName(tree.leaf(i).userIdHash)));
    await until("the killed worker's users proven by another worker", () => files.every((f) => existsSync(f)), 120_000);
    await queue.close();
    // The machine comes back.
    a = worker("machine-a");

    // Later, Redis dies and comes back empty: the coordinator adds the lost chunks again.
    await until("a third of the users", () => proofCount(out) >= USERS / 3, 1_800_000);
    expect(proofCount(out)).toBeLessThan(USERS);
    await redis.restart();

    expect(await coordinator.exited).toBe(0);
    const summary = JSON.parse(coordinator.lines.join("\n")) as { proved: number; users: number; failed: unknown[]; requeued: number };
    expect(summary).toMatchObject({ users: USERS, proved: USERS, failed: [] });
    expect(summary.requeued).toBeGreaterThan(0);
    for (const w of [a, b]) killGroup(w.child, "SIGTERM");

    // Exactly one file per user, named by the user's id hash, and every one verifies against the tree's root.
    const expected = new Set(Array.from({ length: USERS }, (_, i) => proofFileName(tree.leaf(i).userIdHash)));
    const names = readdirSync(out).filter((n) => n !== "index.json");
    expect(names.length).toBe(USERS);
    expect(JSON.parse(readFileSync(path.join(out, "index.json"), "utf8"))).toMatchObject({ root: tree.root.toString(), epoch: 7, users: USERS, proofs: USERS, complete: true });
    expect(new Set(names)).toEqual(expected);
    await useSingleThreadedCurve();
    const vkeys = loadVerificationKeys();
    let valid = 0;
    for (const name of names) {
      const file = JSON.parse(readFileSync(path.join(out, name), "utf8")) as { epoch?: number };
      const result = await verifyInclusionProof(file, vkeys, { root: tree.root });
      if (result.valid && file.epoch === 7) valid++;
      else expect.fail(`${name}: ${result.reasons.join("; ")}`);
    }
    expect(valid).toBe(USERS);
    tree.close();
  }, 3_600_000);
});
