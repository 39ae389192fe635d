/**
 * `homeostat worker --queue redis://HOST:PORT --tree DIR`: a proving worker of the inclusion cluster
 * (liabilities/cluster.ts). It serves the queue of its tree's root until stopped (Ctrl-C or SIGTERM: the jobs
 * in hand finish first). Run one per machine, each with a copy of the tree (or a shared folder) and the same
 * keys; `homeostat inclusion prove --all --queue URL` on any machine with the tree feeds them.
 */
import type { Command } from "commander";
import { formatDuration } from "../../liabilities/progress.ts";
import { positiveInteger } from "../options.ts";

interface WorkerFlags {
  queue: string;
  tree: string;
  keys?: string;
  concurrency?: string;
  singleThread?: boolean;
  lock?: string;
  name?: string;
  json?: boolean;
}

/** Registers `worker` on the program. */
export function register(program: Command): void {
  program
    .command("worker")
    .description("prove inclusion jobs from a Redis queue (one worker per machine; see `inclusion prove --all --queue`)")
    .requiredOption("--queue <url>", "the Redis the coordinator uses, e.g. redis://10.0.0.5:6379")
    .requiredOption("--tree <dir>", "this machine's copy of the tree folder (`homeostat liabilities build`), or a shared folder")
    .option("--keys <folder>", "folder of NAME/NAME.{wasm,zkey,vkey.json} (default: build/circuits); the same keys as the coordinator's")
    .option("--concurrency <n>", "jobs proven at once, each in its own process (default: one per core, each proving on one core)")
    .option("--single-thread", "prove on one core per job even with --concurrency 1 (when the machine runs other workers too)")
    .option("--lock <ms>", "how long a job stays this worker's without a heartbeat before another worker takes it over (default 30000)")
    .option("--name <name>", "this worker's name in the queue and its logs (default: host:pid)")
    .option("--json", "one JSON object per event on stdout (ready, completed, failed, error)")
    .addHelpText(
      "after",
      [
        "",
        "Each job is a chunk of users of one liabilities root; the worker proves them in a separate process and",
        "returns the proof files to the coordinator, which verifies and writes them. A worker only takes jobs for",
        "the root of its own tree. Stop it with Ctrl-C or SIGTERM: the jobs in hand finish first; if it is killed",
        "instead, its jobs go back to the queue once their lock lapses.",
        "",
        "Example: homeostat worker --queue redis://10.0.0.5:6379 --tree /data/liabilities",
      ].join("\n"),
    )
    .action(async (flags: WorkerFlags) => {
      const { startWorker } = await import("../../liabilities/cluster.ts");
      const concurrency = flags.concurrency ? positiveInteger(flags.concurrency, "--concurrency") : undefined;
      const lockMs = flags.lock ? positiveInteger(flags.lock, "--lock") : undefined;
      const log = (line: string, json: Record<string, unknown>) => {
        if (flags.json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...json })}\n`);
        else process.stderr.write(`homeostat worker: ${line}\n`);
      };
      let proofs = 0;
      const started = performance.now();
      const worker = await startWorker({
        queue: flags.queue,
        treeDir: flags.tree,
        ...(concurrency ? { concurrency } : {}),
        ...(flags.singleThread ? { singleThread: true } : {}),
        ...(flags.keys ? { buildDir: flags.keys } : {}),
        ...(lockMs ? { lockMs } : {}),
        ...(flags.name ? { name: flags.name } : {}),
        onEvent: (e) => {
          if (e.kind === "ready") log(`${e.name}: serving ${e.users.toLocaleString("en-US")} users of root ${e.root} (${e.instance}) on ${flags.queue}, ${e.concurrency} at a time; Ctrl-C to stop`, { event: "ready", ...e });
          else if (e.kind === "completed") {
            proofs += e.proofs;
            log(`job ${e.job}: ${e.proofs} proof(s)${e.failed ? `, ${e.failed} failed` : ""} in ${(e.ms / 1000).toFixed(1)} s (${proofs.toLocaleString("en-US")} in ${formatDuration(performance.now() - started)})`, { event: "completed", ...e });
          } else if (e.kind === "failed") log(`job ${e.job} failed (attempt ${e.attempt}): ${e.reason}`, { event: "failed", ...e });
          else log(`error: ${e.message}`, { event: "error", message: e.message });
        },
      });
      await new Promise<void>((resolve) => {
        const stop = () => {
          log("stopping: finishing the jobs in hand", { event: "stopping" });
          void worker.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
