/**
 * Benchmark section: a 2^24-user liabilities tree (16.7 million users; issue 17), built streaming as
 * `homeostat liabilities build` does, in a child process whose peak RSS is the build's own. Target: peak
 * memory under 1.5 GiB. The synthetic CSV (about 0.6 GiB) and the tree (about 3.6 GiB) go to a temporary
 * folder (BIGTREE_DIR to choose where) and are removed afterwards.
 *
 * Run alone: `npm run bench -- bigtree` (USERS=N for a smaller file; the depth is the smallest that fits).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSynthetic } from "./liabilities.ts";

const USERS = 2 ** 24;
const MEMORY_TARGET_MIB = 1536;

const s = (ms: number) => (ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

/** The markdown section. */
export async function run(): Promise<string> {
  const users = Number(process.env.USERS ?? USERS);
  const depth = Math.max(1, Math.ceil(Math.log2(users)));
  const dir = mkdtempSync(path.join(process.env.BIGTREE_DIR ?? os.tmpdir(), "homeostat-bench-bigtree-"));
  try {
    const { csv, treeDir, genMs, build } = await buildSynthetic(dir, users, depth);
    const files = ["leaves.bin", "users.idx", "ids.bin", "ids.off"].map((f) => statSync(path.join(treeDir, f)).size);
    let levels = 0;
    for (let k = 0; k <= depth; k++) levels += statSync(path.join(treeDir, "levels", `${String(k).padStart(2, "0")}.bin`)).size;
    const treeGiB = (files.reduce((a, b) => a + b, 0) + levels) / 2 ** 30;
    const total = build.readMs + build.indexMs + build.levelsMs;
    return [
      "## Liabilities at scale: a 2^24-user tree, streamed",
      "",
      `Synthetic file: ${users.toLocaleString("en-US")} users, ${(statSync(csv).size / 2 ** 30).toFixed(2)} GiB CSV (generated in ${s(genMs)}); depth ${depth}; ${build.engine} Poseidon; the build as \`homeostat liabilities build\` runs it (liabilities/tree.ts), in a child process.`,
      "",
      "| what | measured | target |",
      "|---|---|---|",
      `| read, validate, hash and write the leaves (one streamed pass over the file) | ${s(build.readMs)} | |`,
      `| sort the id index (256 hash buckets on disk) | ${s(build.indexMs)} | |`,
      `| hash and write the ${depth} levels above the leaves | ${s(build.levelsMs)} | |`,
      `| **build, total** | **${s(total)}** | |`,
      `| build, CPU time of all threads | ${s(build.cpuMs)} | |`,
      `| **build, peak RSS** (the whole Node process) | **${build.maxRssMiB.toFixed(0)} MiB** | ${MEMORY_TARGET_MIB} MiB ${build.maxRssMiB <= MEMORY_TARGET_MIB ? "ok" : "OVER"} |`,
      `| tree folder on disk | ${treeGiB.toFixed(2)} GiB (${Math.round((treeGiB * 2 ** 30) / users)} bytes per user) | |`,
      "",
      "Memory does not grow with the file: rows are read in chunks of 2^15, hashed and appended to the level-0, leaves",
      "and ids files; each level is computed from the one below read back in blocks; the id index is sorted one hash",
      "bucket at a time, which is also where duplicate ids are found. Disk is the limit instead (the row above). With the",
      "machine loaded, compare the CPU time rather than the wall time.",
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
