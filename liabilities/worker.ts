/**
 * An inclusion-proving worker process (forked by pool.ts through worker-bootstrap.mjs). It opens the
 * tree and the prover once, then proves the leaf indexes the pool sends, writing each user's proof file
 * atomically, and answers with one IPC message per finished user. A process rather than a worker thread:
 * snarkjs's curve library loads the `web-worker` package, which takes over any worker thread it is
 * loaded in (it assumes the thread is one of its own), so snarkjs cannot prove inside worker_threads.
 */
import path from "node:path";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { terminateSingleThreadCurve } from "../prover/groth16.ts";
import { inclusionArtifacts, InclusionProver, proofFileName } from "./inclusion.ts";
import { LiabilitiesTree } from "./store.ts";

/** What the pool passes to a worker. */
export interface WorkerSetup {
  treeDir: string;
  outDir: string;
  instance: string;
  buildDir?: string;
  /** Prove on this process's main thread only (one worker per core). */
  singleThread: boolean;
  /** The liabilities epoch to record in each proof file. */
  epoch?: number;
}

/** Pool -> worker: first the setup, then leaves to prove, then `finish`. */
export type WorkerRequest = { setup: WorkerSetup } | { indexes: number[] } | { finish: true };
/** Worker -> pool. */
export type WorkerReply =
  | { kind: "ready" }
  | { kind: "done"; index: number; file: string; ms: number }
  | { kind: "error"; index: number; message: string; user: boolean };

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

/** Waits for the setup message. */
function receiveSetup(): Promise<WorkerSetup> {
  return new Promise((resolve) => {
    const onMessage = (request: WorkerRequest) => {
      if ("setup" in request) {
        process.off("message", onMessage);
        resolve(request.setup);
      }
    };
    process.on("message", onMessage);
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("worker.ts must run as a forked process (pool.ts)");
  // The pool going away (parent killed) ends this worker too.
  process.on("disconnect", () => process.exit(0));
  const setup = await receiveSetup();
  const tree = LiabilitiesTree.open(setup.treeDir);
  const prover = await InclusionProver.load(inclusionArtifacts(setup.instance, setup.buildDir), { singleThread: setup.singleThread });
  const queue: number[] = [];
  let finishing = false;
  let busy = false;

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const index = queue.shift()!;
      const t0 = performance.now();
      try {
        const leaf = tree.leaf(index);
        const proof = await prover.prove(tree, leaf, setup.epoch !== undefined ? { epoch: setup.epoch } : {});
        // A single-threaded proof runs start to end without an event-loop turn, so the pool's exit is only
        // seen here: let the loop poll the IPC channel, and stop without writing when the pool is gone.
        await new Promise((resolve) => setImmediate(resolve));
        if (!process.connected) process.exit(0);
        const file = path.join(setup.outDir, proofFileName(leaf.userIdHash));
        writeFileAtomic(file, `${JSON.stringify(proof, null, 2)}\n`);
        send({ kind: "done", index, file, ms: performance.now() - t0 });
      } catch (e) {
        const err = e as Error & { where?: string };
        send({ kind: "error", index, message: err.message, user: err.name === "UserError" });
      }
    }
    busy = false;
    if (finishing) await stop();
  };

  const stop = async (): Promise<void> => {
    tree.close();
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
    if (g.curve_bn128) await g.curve_bn128.terminate();
    await terminateSingleThreadCurve();
    process.disconnect();
  };

  process.on("message", (request: WorkerRequest) => {
    if ("finish" in request) {
      finishing = true;
      if (!busy) void stop();
      return;
    }
    if ("indexes" in request) {
      queue.push(...request.indexes);
      void pump();
    }
  });
  send({ kind: "ready" });
}

await main();
