/**
 * `homeostat inclusion prove|verify`: per-user liability inclusion proofs (S3) from a tree built by
 * `homeostat liabilities build`. `prove --user ID` makes one proof; `prove --all --out DIR` makes every
 * user's proof with a pool of worker processes, resumably. `verify FILE` checks a user's proof file with
 * the browser-safe verifier (verifier/inclusion.ts). Progress on stderr, results on stdout.
 */
import path from "node:path";
import { positiveInteger } from "../options.ts";
import type { Command } from "commander";
import { writeFileAtomic } from "../../core/node/atomic-write.ts";
import { checkOutputFile, checkOutputFolder, type CommandInput } from "../../core/node/output-paths.ts";
import { UserError } from "../../core/errors.ts";
import { findUser, inclusionArtifacts, inclusionInstanceForDepth, InclusionProver, proofFileName } from "../../liabilities/inclusion.ts";
import { formatDuration, progressLine } from "../../liabilities/progress.ts";
import type { ProveAllProgress, ProveAllResult } from "../../liabilities/pool.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { loadVerificationKeys, readBundleFile, readVkeyFile, useSingleThreadedCurve, DEFAULT_CIRCUITS_DIR } from "../../verifier/node.ts";
import type { VerificationKeys } from "../../verifier/verify.ts";

/** Exit code of `inclusion verify` for a proof that does not verify (as `homeostat verify`). */
export const EXIT_INVALID = 3;

interface ProveFlags {
  tree: string;
  user?: string;
  balance?: string;
  all?: boolean;
  out?: string;
  workers?: string;
  queue?: string;
  chunk?: string;
  epoch?: string;
  limit?: string;
  verifyExisting?: boolean;
  instance?: string;
  keys?: string;
  json?: boolean;
}

interface VerifyFlags {
  root?: string;
  user?: string;
  vkey?: string;
  keys?: string;
  json?: boolean;
}

/** The inputs an output must not land on: the tree (everything in it) and the keys. */
function inclusionInputs(flags: ProveFlags): CommandInput[] {
  return [
    { path: flags.tree, what: "the liabilities tree (--tree)", folder: true },
    { path: flags.keys ?? DEFAULT_CIRCUITS_DIR, what: "the circuit keys folder", folder: true },
  ];
}

async function proveOne(flags: ProveFlags): Promise<void> {
  if (flags.out !== undefined) checkOutputFile(flags.out, { flag: "--out", inputs: inclusionInputs(flags) });
  const tree = LiabilitiesTree.open(flags.tree);
  try {
    const leaf = findUser(tree, flags.user!, flags.balance);
    const out = flags.out ?? proofFileName(leaf.userIdHash);
    if (flags.out === undefined) checkOutputFile(out, { flag: "--out", inputs: inclusionInputs(flags) });
    const instance = flags.instance ?? inclusionInstanceForDepth(tree.depth);
    const prover = await InclusionProver.load(inclusionArtifacts(instance, flags.keys));
    const started = performance.now();
    if (!flags.json) process.stderr.write(`homeostat inclusion: proving leaf ${leaf.index} with ${instance}…\n`);
    const proof = await prover.prove(tree, leaf, epochOf(flags));
    writeFileAtomic(out, `${JSON.stringify(proof, null, 2)}\n`);
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ out, instance, root: proof.root, leafHash: proof.leafHash, user: proof.user.id, balance: proof.user.balance, seconds: Number(seconds.toFixed(2)) }, null, 2)}\n`);
    } else {
      process.stdout.write(`inclusion proof for ${JSON.stringify(proof.user.id)} (balance ${proof.user.balance}) in ${seconds.toFixed(2)} s -> ${out}\n  root: ${proof.root}\n`);
    }
  } finally {
    tree.close();
  }
}

/** `--epoch N`: the liabilities epoch the tree's root was published as (recorded in the proof files). */
function epochOf(flags: ProveFlags): { epoch?: number } {
  return flags.epoch === undefined ? {} : { epoch: positiveInteger(flags.epoch, "--epoch") };
}

/** The options `--all` passes alike to the local pool and to the cluster's coordinator. */
function proveAllOptions(flags: ProveFlags, line: ReturnType<typeof progressLine>) {
  return {
    treeDir: flags.tree,
    outDir: flags.out!,
    ...(flags.limit ? { limit: positiveInteger(flags.limit, "--limit") } : {}),
    ...(flags.instance ? { instance: flags.instance } : {}),
    ...(flags.keys ? { buildDir: flags.keys } : {}),
    verifyExisting: flags.verifyExisting === true,
    ...epochOf(flags),
    onProgress: showProgress(line),
  };
}

/** The one progress line of `--all` (local pool or cluster): done / total, ETA, users already done, failures. */
function showProgress(line: ReturnType<typeof progressLine>): (p: ProveAllProgress) => void {
  return (p) => {
    const eta = p.etaMs !== undefined && p.proved + p.failed < p.toProve ? ` ETA ${formatDuration(p.etaMs)}` : "";
    const skipped = p.skipped ? ` (${p.skipped.toLocaleString("en-US")} already done)` : "";
    line.update(p.proved + p.failed, p.toProve, `${eta}${skipped}${p.failed ? ` ${p.failed} failed` : ""}`);
  };
}

async function proveEveryone(flags: ProveFlags): Promise<void> {
  if (!flags.out) throw new UserError("--all needs --out DIR (one proof file per user goes there)", { where: "--out", exitCode: 2 });
  checkOutputFolder(flags.out, { flag: "--out", inputs: inclusionInputs(flags) });
  const { proveAll, looksLikeProofDir } = await import("../../liabilities/pool.ts");
  if (!looksLikeProofDir(flags.out)) {
    throw new UserError("holds files that are not inclusion proofs (<64 hex digits>.json): choose an empty or proofs-only folder", { where: flags.out, exitCode: 2 });
  }
  const quiet = flags.json === true;
  const line = progressLine("proving", quiet);
  if (flags.queue !== undefined) return proveOnQueue(flags, line);
  const result = await proveAll({
    ...proveAllOptions(flags, line),
    ...(flags.workers ? { workers: positiveInteger(flags.workers, "--workers") } : {}),
  });
  line.finish();
  reportProveAll(flags, result, "", ` with ${result.workers} worker(s)`);
}

/** `--all --queue URL`: the users go to the cluster's workers through Redis (liabilities/cluster.ts). */
async function proveOnQueue(flags: ProveFlags, line: ReturnType<typeof progressLine>): Promise<void> {
  const { proveAllOnQueue } = await import("../../liabilities/cluster.ts");
  await useSingleThreadedCurve(); // the coordinator only verifies what workers return
  const result = await proveAllOnQueue({
    ...proveAllOptions(flags, line),
    queue: flags.queue!,
    ...(flags.chunk ? { chunk: positiveInteger(flags.chunk, "--chunk") } : {}),
    onRequeue: (n) => {
      if (!flags.json) process.stderr.write(`\nhomeostat inclusion: ${n} job(s) went missing (Redis restarted, or a result was lost); added them again\n`);
    },
  });
  line.finish();
  reportProveAll(flags, result, ` through ${result.queue}`, `, ${result.jobs.toLocaleString("en-US")} job(s)${result.requeued ? ` (${result.requeued} added again after Redis lost them)` : ""}`);
}

/** The summary of `--all` (local pool or cluster) on stdout; failed users make the command fail after it. */
function reportProveAll(flags: ProveFlags, result: ProveAllResult, via: string, how: string): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, ...result, elapsedMs: Math.round(result.elapsedMs), rate: Number(result.rate.toFixed(3)) }, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `inclusion proofs (${result.instance}) in ${flags.out}${via}: ${result.proved.toLocaleString("en-US")} made, ${result.skipped.toLocaleString("en-US")} already there, ${result.users.toLocaleString("en-US")} users`,
        `  ${formatDuration(result.elapsedMs)}${how}${result.proved ? `, ${result.rate.toFixed(2)} proofs/s` : ""}`,
        ...(result.remaining ? [`  ${result.remaining.toLocaleString("en-US")} users left (--limit): run the same command again to continue`] : []),
        ...result.failed.slice(0, 10).map((f) => `  failed: leaf ${f.index}: ${f.message}`),
        "",
      ].join("\n"),
    );
  }
  if (result.failed.length > 0) throw new UserError(`${result.failed.length} proof(s) failed (listed above); run again to retry them`, { where: flags.out! });
}

/** Registers `inclusion` on the program. */
export function register(program: Command): void {
  const inclusion = program.command("inclusion").description("per-user liability inclusion proofs (S3): prove that a user's balance is counted, verify such a proof");
  inclusion
    .command("prove")
    .description("prove that a user (--user) or every user (--all) is in a liabilities tree")
    .requiredOption("--tree <dir>", "tree folder written by `homeostat liabilities build`")
    .option("--user <id>", "the user to prove (as in the liabilities file)")
    .option("--balance <amount>", "with --user: refuse unless the user's balance in the tree is exactly this")
    .option("--all", "prove every user (worker pool, resumable); needs --out DIR")
    .option("--out <path>", "--user: the proof file (default ./<userIdHash hex>.json); --all: the folder of proof files")
    .option("--workers <n>", "--all: worker processes (default: the number of cores)")
    .option("--queue <url>", "--all: prove on a cluster instead: enqueue the users on this Redis (redis://HOST:PORT) for `homeostat worker` processes")
    .option("--chunk <n>", "--all --queue: users per job (default 8)")
    .option("--limit <n>", "--all: prove at most n more users in this run")
    .option("--verify-existing", "--all: fully verify existing proof files before skipping them (default: check they belong to this tree)")
    .option("--epoch <n>", "the liabilities epoch the tree's root was published as (the registry's number): recorded in each file and the index")
    .option("--instance <name>", "inclusion instance (default: the one whose depth is the tree's)")
    .option("--keys <folder>", "folder of NAME/NAME.{wasm,zkey,vkey.json} (default: build/circuits)")
    .option("--json", "print a JSON summary on stdout; no progress on stderr")
    .addHelpText(
      "after",
      [
        "",
        "A proof file (homeostat-inclusion/1) holds the liabilities root, the user's leaf hash, the Groth16 proof and",
        "the user's id, balance and salt, from which anyone holding it recomputes the leaf hash. It reveals nothing",
        "about other users. With --all, files are named by the user id hash (no id in a file name), written",
        "atomically; an interrupted run continues where it stopped when started again; index.json in the folder",
        "names the root, the epoch and how many users have a file. With --epoch, the page's on-chain check compares",
        "the root with that epoch's root in the registry and says whether it is the current one.",
        "",
        "Examples: homeostat inclusion prove --tree liabilities/ --user alice@example.com --out alice.json",
        "          homeostat inclusion prove --tree liabilities/ --all --out proofs/",
        "          homeostat inclusion prove --tree liabilities/ --all --out proofs/ --queue redis://10.0.0.5:6379",
        "          (with `homeostat worker --queue redis://10.0.0.5:6379 --tree liabilities/` on each proving machine)",
      ].join("\n"),
    )
    .action(async (flags: ProveFlags) => {
      if (flags.all && flags.user !== undefined) throw new UserError("give either --user ID or --all, not both", { where: "--all", exitCode: 2 });
      if (!flags.all && flags.user === undefined) throw new UserError("say whom to prove: --user ID, or --all --out DIR", { where: "--user", exitCode: 2 });
      if (flags.all && flags.balance !== undefined) throw new UserError("--balance goes with --user", { where: "--balance", exitCode: 2 });
      if (!flags.all && (flags.workers || flags.limit || flags.verifyExisting || flags.queue || flags.chunk)) throw new UserError("--workers, --queue, --chunk, --limit and --verify-existing go with --all", { where: "--all", exitCode: 2 });
      if (flags.queue !== undefined && flags.workers) throw new UserError("--workers is for the local pool; with --queue, start `homeostat worker` processes instead", { where: "--workers", exitCode: 2 });
      if (flags.chunk && flags.queue === undefined) throw new UserError("--chunk goes with --queue", { where: "--chunk", exitCode: 2 });
      epochOf(flags); // a bad --epoch is refused before any work
      if (flags.all) await proveEveryone(flags);
      else await proveOne(flags);
    });

  inclusion
    .command("verify")
    .description("verify a user's inclusion proof file: leaf hash from the id, balance and salt; key fingerprint; Groth16 proof")
    .argument("<file>", "inclusion proof file written by `homeostat inclusion prove`")
    .option("--root <root>", "the published liabilities root the proof must be for")
    .option("--user <id>", "the user the proof must be about")
    .option("--vkey <file>", "trust this verification key for the proof's instance (default: the keys under build/circuits)")
    .option("--keys <folder>", "folder of NAME/NAME.vkey.json keys (default: build/circuits)")
    .option("--json", "print {valid, reasons, ...} as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 valid; 3 invalid (reasons listed); 1 unreadable input; 2 bad usage.")
    .action(async (file: string, flags: VerifyFlags) => {
      const parsed = readBundleFile(file);
      if (flags.root !== undefined && !/^(0x[0-9a-fA-F]+|\d+)$/.test(flags.root)) throw new UserError("expected a decimal or 0x-hex integer", { where: "--root", exitCode: 2 });
      let keys: VerificationKeys;
      if (flags.vkey) {
        const instance = parsed && typeof parsed === "object" && typeof (parsed as { instance?: unknown }).instance === "string" ? (parsed as { instance: string }).instance : "";
        keys = { [instance]: readVkeyFile(flags.vkey) };
      } else {
        keys = loadVerificationKeys(flags.keys ?? DEFAULT_CIRCUITS_DIR);
        if (Object.keys(keys).length === 0) throw new UserError(`no verification keys under ${flags.keys ?? "build/circuits"}: run \`homeostat setup\` or pass --vkey FILE`, { where: "--keys" });
      }
      const { verifyInclusionProof } = await import("../../verifier/inclusion.ts");
      await useSingleThreadedCurve(); // verification only: no worker pool (faster, see verifier/node.ts)
      const result = await verifyInclusionProof(parsed, keys, {
        ...(flags.root !== undefined ? { root: BigInt(flags.root) } : {}),
        ...(flags.user !== undefined ? { userId: flags.user } : {}),
      });
      const f = result.file;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ valid: result.valid, reasons: result.reasons, ...(f ? { instance: f.instance, root: f.root, ...(f.epoch !== undefined ? { epoch: f.epoch } : {}), leafHash: f.leafHash, user: f.user.id, balance: f.user.balance } : {}) }, null, 2)}\n`,
        );
      } else if (result.valid && f) {
        process.stdout.write(`valid inclusion proof (${f.instance}): ${JSON.stringify(f.user.id)} with balance ${f.user.balance} is counted in liabilities root ${f.root}${f.epoch !== undefined ? ` (epoch ${f.epoch}, as the operator labels it)` : ""}\n`);
      } else {
        process.stdout.write(`INVALID inclusion proof ${path.basename(file)}:\n${result.reasons.map((r) => `  - ${r}`).join("\n")}\n`);
      }
      if (!result.valid) process.exitCode = EXIT_INVALID;
    });
}
