/**
 * The job of a cluster worker (a sandboxed BullMQ processor, one child process per concurrent job slot; see
 * cluster.ts): proves the chunk's leaves with this machine's copy of the tree and returns each user's proof
 * file. The tree and the prover are opened once per child and kept for the next jobs.
 */
import type { SandboxedJob } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { inclusionArtifacts, InclusionProver } from "./inclusion.ts";
import { LiabilitiesTree } from "./store.ts";
import type { ClusterJobData, ClusterJobResult } from "./cluster.ts";

let tree: LiabilitiesTree | undefined;
let prover: InclusionProver | undefined;

// The worker process gone (killed): stop rather than prove for nobody.
process.on("disconnect", () => process.exit(0));

export async function proveChunk(job: SandboxedJob<ClusterJobData, ClusterJobResult>): Promise<ClusterJobResult> {
  const started = performance.now();
  const treeDir = process.env["HOMEOSTAT_CLUSTER_TREE"];
  if (!treeDir) throw new UnrecoverableError("HOMEOSTAT_CLUSTER_TREE is not set: start workers with `homeostat worker`");
  tree ??= LiabilitiesTree.open(treeDir);
  if (tree.root.toString() !== job.data.root) {
    throw new UnrecoverableError(`this worker's tree (${treeDir}) has root ${tree.root}, the job is for root ${job.data.root}`);
  }
  if (prover?.artifacts.instance !== job.data.instance) {
    prover = await InclusionProver.load(inclusionArtifacts(job.data.instance, process.env["HOMEOSTAT_CLUSTER_KEYS"]), {
      singleThread: process.env["HOMEOSTAT_CLUSTER_SINGLE_THREAD"] === "1",
    });
  }
  if (prover.vkeyHash !== job.data.vkeyHash) {
    throw new UnrecoverableError(`this worker's ${job.data.instance} key has fingerprint ${prover.vkeyHash}, the job wants ${job.data.vkeyHash}: both sides need the same setup`);
  }
  const proofs: ClusterJobResult["proofs"] = [];
  const failed: ClusterJobResult["failed"] = [];
  for (const index of job.data.indexes) {
    try {
      const proof = await prover.prove(tree, tree.leaf(index));
      proofs.push({ index, file: `${JSON.stringify(proof, null, 2)}\n` });
    } catch (e) {
      const err = e as Error;
      if (err.name !== "UserError") throw err; // a machine problem: the job is retried (elsewhere, maybe)
      failed.push({ index, message: err.message });
    }
    // No job.updateProgress here: in BullMQ 6.7 a progress update that fails in the parent (the job's key gone
    // after a Redis restart) rejects the job while this child keeps working, the child is handed the next job
    // while busy, and a later result can be recorded under another job (seen in the cluster test).
  }
  return { jobId: job.id!, proofs, failed, worker: process.env["HOMEOSTAT_CLUSTER_WORKER"] ?? String(process.pid), ms: performance.now() - started };
}
