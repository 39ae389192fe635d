/**
 * Benchmark section: the liabilities tree and inclusion proofs (DESIGN section 9: a 2^20-user tree within
 * 60 s, an S3 depth-20 proof within 1.5 s). Generates a synthetic 2^20-user CSV (streamed to a temp file),
 * builds the tree in a child process (so its peak RSS is the build's own), then on that tree: one D=20
 * proof (median of warm runs), warm verification, and `prove --all` throughput with 1 and 2 worker
 * processes on a small batch. `run()` returns markdown; temp files are removed.
 *
 * Run alone: `npm run bench -- liabilities` (or with USERS=N for a smaller file).
 */
import { execFile } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

const TREE_BUDGET_MS = 60_000;
const PROOF_BUDGET_MS = 1_500;
const DEPTH = 20;
/** Proofs measured after one warm-up; users proven per batch-throughput run. */
const PROOF_RUNS = 5;
const BATCH = 16;

/** Writes `count` synthetic users (`user-<i>@example.com`, balances with up to 6 decimals) as CSV, streamed. */
export async function writeSyntheticUsers(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (chunk: string) => (out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once("drain", () => resolve())));
  await write("user,balance\n");
  let buffer = "";
  for (let i = 0; i < count; i++) {
    const whole = (i * 7919) % 100_000;
    buffer += `user-${i}@example.com,${whole}.${String((i * 104729) % 1_000_000).padStart(6, "0")}\n`;
    if (buffer.length > 1 << 16) {
      await write(buffer);
      buffer = "";
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

export interface BuildReport {
  users: number;
  /** Read, validate, hash and write the leaves (one streaming pass over the file). */
  readMs: number;
  /** Sort the id index. */
  indexMs: number;
  /** Hash and write the levels above the leaves. */
  levelsMs: number;
  maxRssMiB: number;
  cpuMs: number;
  engine: string;
  root: string;
}

/** Child-process side: the streamed build `homeostat liabilities build` runs, then its timings and this process's peak RSS as JSON. */
async function buildChild(input: string, outDir: string, depth: number): Promise<void> {
  const { readLiabilityChunks } = await import("../../liabilities/reader.ts");
  const { buildTree } = await import("../../liabilities/tree.ts");
  const t0 = performance.now();
  const marks: Record<string, number> = {};
  const result = await buildTree(readLiabilityChunks(input, { decimals: 6, maxUsers: 2 ** depth }), {
    depth,
    decimals: 6,
    outDir,
    onProgress: (_done, _total, phase) => {
      marks[phase] ??= performance.now();
    },
  });
  const t1 = performance.now();
  const indexStart = marks.index ?? t1;
  const treeStart = marks.tree ?? t1;
  const report: BuildReport = {
    users: result.summary.userCount,
    readMs: indexStart - t0,
    indexMs: treeStart - indexStart,
    levelsMs: t1 - treeStart,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    engine: result.engine,
    root: result.root.toString(),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Writes `users` synthetic users into `dir`/users.csv and builds them into `dir`/tree (measureBuild). */
export async function buildSynthetic(dir: string, users: number, depth: number): Promise<{ csv: string; treeDir: string; genMs: number; build: BuildReport }> {
  const csv = path.join(dir, "users.csv");
  const g0 = performance.now();
  await writeSyntheticUsers(csv, users);
  const genMs = performance.now() - g0;
  const treeDir = path.join(dir, "tree");
  return { csv, treeDir, genMs, build: await measureBuild(csv, treeDir, depth) };
}

/** Builds `csv` into `treeDir` in a child process of its own, so that its peak RSS is the build's alone. */
export async function measureBuild(csv: string, treeDir: string, depth: number): Promise<BuildReport> {
  const self = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", self, "build-child", csv, treeDir, String(depth)], {
    cwd: PROJECT_ROOT,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as BuildReport;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The markdown section. */
export async function run(): Promise<string> {
  const users = Number(process.env.USERS ?? 2 ** DEPTH);
  const dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-bench-liabilities-"));
  const lines: string[] = ["## Liabilities: sum tree and inclusion proofs (S3)", ""];
  try {
    const { csv, treeDir, genMs, build } = await buildSynthetic(dir, users, DEPTH);
    const total = build.readMs + build.indexMs + build.levelsMs;
    lines.push(
      `Synthetic file: ${users.toLocaleString("en-US")} users, ${(statSync(csv).size / 2 ** 20).toFixed(1)} MiB CSV (generated in ${s(genMs)}); depth ${DEPTH}; ${build.engine} Poseidon.`,
      "",
      "| what | measured | budget |",
      "|---|---|---|",
      `| tree build: read, validate, hash and write the leaves (one streamed pass) | ${s(build.readMs)} | |`,
      `| tree build: sort the id index, hash and write the levels | ${s(build.indexMs + build.levelsMs)} | |`,
      `| tree build, total (${users.toLocaleString("en-US")} users) | ${s(total)} | ${users === 2 ** DEPTH ? `${s(TREE_BUDGET_MS)} ${total <= TREE_BUDGET_MS ? "ok" : "OVER"}` : "(budget is for 2^20)"} |`,
      `| tree build, CPU time of all threads (a load-independent measure) | ${s(build.cpuMs)} | |`,
      `| tree build, peak RSS (child process) | ${build.maxRssMiB.toFixed(0)} MiB | bounded |`,
    );

    // One proof at D=20 on that tree, warm.
    const { LiabilitiesTree } = await import("../../liabilities/store.ts");
    const { inclusionArtifacts, InclusionProver, findUser } = await import("../../liabilities/inclusion.ts");
    const { verifyInclusionProof } = await import("../../verifier/inclusion.ts");
    const { readVkeyFile, useSingleThreadedCurve } = await import("../../verifier/node.ts");
    const artifacts = inclusionArtifacts("inclusion-standard");
    const tree = LiabilitiesTree.open(treeDir);
    try {
      const prover = await InclusionProver.load(artifacts);
      const leaf = findUser(tree, `user-${Math.floor(users / 3)}@example.com`);
      let proof = await prover.prove(tree, leaf); // warm-up (curve, wasm)
      const proveTimes: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < PROOF_RUNS; i++) {
        const t0 = performance.now();
        proof = await prover.prove(tree, leaf);
        proveTimes.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      const cpuPerProofMs = (cpu.user + cpu.system) / 1000 / PROOF_RUNS;
      const vkeys = { [artifacts.instance]: readVkeyFile(artifacts.vkeyFile) };
      // Verification as `homeostat inclusion verify` does it: on a single-threaded curve (verifier/node.ts).
      // The prover's threaded curve is set aside meanwhile and terminated afterwards.
      const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
      const provingCurve = g.curve_bn128;
      delete g.curve_bn128;
      await useSingleThreadedCurve();
      const verifyTimes: number[] = [];
      try {
        for (let i = 0; i < 12; i++) {
          const t0 = performance.now();
          const result = await verifyInclusionProof(proof, vkeys);
          verifyTimes.push(performance.now() - t0);
          if (!result.valid) throw new Error(`benchmark proof does not verify: ${result.reasons.join("; ")}`);
        }
      } finally {
        delete g.curve_bn128;
        if (provingCurve) await provingCurve.terminate();
      }
      const proveMs = median(proveTimes);
      lines.push(
        `| S3 D=20 proof (witness + Groth16, warm, median of ${PROOF_RUNS}) | ${s(proveMs)} | ${s(PROOF_BUDGET_MS)} ${proveMs <= PROOF_BUDGET_MS ? "ok" : "OVER"} |`,
        `| S3 D=20 proof, CPU time of all threads (a load-independent measure) | ${s(cpuPerProofMs)} | |`,
        `| S3 verification in Node (warm, single-threaded curve as \`inclusion verify\`, median of 10) | ${median(verifyTimes.slice(2)).toFixed(1)} ms | 20 ms ${median(verifyTimes.slice(2)) <= 20 ? "ok" : "OVER"} |`,
      );
    } finally {
      tree.close();
    }

    // Batch throughput: `prove --all` on a small batch (includes starting the worker processes).
    const { proveAll } = await import("../../liabilities/pool.ts");
    for (const workers of [1, 2]) {
      const out = path.join(dir, `proofs-${workers}`);
      const result = await proveAll({ treeDir, outDir: out, workers, limit: BATCH });
      lines.push(
        `| \`prove --all\`, ${workers} worker${workers > 1 ? "s" : ""}${workers > 1 ? " (single-threaded each)" : " (every core per proof)"}, ${BATCH} users | ${result.rate.toFixed(2)} proofs/s (${s(result.elapsedMs)} incl. start-up and the scan of existing files) | |`,
      );
    }
    lines.push(
      "",
      "The tree is built by the native Poseidon (prover/native/poseidon.c, compiled on first use; AVX-512 IFMA",
      "hashes 8 inputs per instruction stream when the CPU has it) on every core. Proofs use prover/groth16.ts (snarkjs's",
      "steps with the QAP evaluation and the multi-exponentiations in the native addon). Batch throughput counts worker start-up (loading snarkjs and",
      "the zkey), so larger batches do better.",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
  return lines.join("\n");
}

if (process.argv[2] === "build-child" && existsSync(process.argv[3] ?? "")) {
  await buildChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5] ?? DEPTH));
}
