/**
 * `homeostat prove solvency|rebalance|payout`: evaluate, refuse with the health report if a bound fails, else
 * prove with snarkjs and write the proof bundle atomically to --out. Progress goes to stderr; the result
 * (a summary, or JSON with --json) to stdout. The private state (salts) is kept in
 * `.homeostat/state.json` next to the treasury unless --state says otherwise.
 */
import type { Command } from "commander";
import { writeBundle } from "../../prover/bundle.ts";
import { formatReport, reportToJson } from "../../prover/report.ts";
import { PolicyViolationError, provePayout, proveRebalance, proveSolvency, type ProveResult, type ProveStage } from "../../prover/prove.ts";
import { defaultStatePath, loadState } from "../../prover/state.ts";
import { UserError } from "../../core/errors.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import { addTreasuryOptions, loadInputs, resolveTreasuryPaths, treasuryInputs, type TreasuryFlags } from "../treasury-inputs.ts";
import { EXIT_POLICY_FAILS } from "./check.ts";

interface ProveFlags extends TreasuryFlags {
  out: string;
  state?: string;
  instance?: string;
  freshSalts?: boolean;
  sequence?: string;
  json?: boolean;
}

interface PayoutFlags extends ProveFlags {
  asset: string;
  amount: string;
  to: string;
}

interface RebalanceFlags extends ProveFlags {
  sell: string;
  amount: string;
  buy: string;
  minOut: string;
}

const STAGE_LABEL: Record<ProveStage, string> = {
  evaluate: "evaluating the policy",
  witness: "computing the witness",
  prove: "computing the Groth16 proof",
  check: "checking the public signals",
};

/** Prints each stage on stderr with the time the previous one took; on a terminal a live clock too. */
function stagePrinter(quiet: boolean): { onStage: (stage: ProveStage) => void; done: () => void } {
  const stream = process.stderr;
  const live = !quiet && stream.isTTY === true;
  let current: { label: string; start: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (!current) return;
    if (timer) clearInterval(timer);
    if (live) stream.write("\r\x1b[2K");
    if (!quiet) stream.write(`homeostat prove: ${current.label}: ${((performance.now() - current.start) / 1000).toFixed(2)} s\n`);
    current = undefined;
  };
  return {
    onStage(stage) {
      finish();
      current = { label: STAGE_LABEL[stage], start: performance.now() };
      if (live) {
        const c = current;
        const draw = () => stream.write(`\r\x1b[2Khomeostat prove: ${c.label}… ${((performance.now() - c.start) / 1000).toFixed(1)} s`);
        draw();
        timer = setInterval(draw, 250);
        timer.unref();
      }
    },
    done: finish,
  };
}

/** The health report's title when a proof is refused: the state it describes. */
const REPORT_TITLE: Partial<Record<"solvency" | "rebalance" | "payout", string>> = { rebalance: "After the swap", payout: "After the payout" };

/** Shared flags of every subcommand. */
function addProveOptions(command: Command): Command {
  return addTreasuryOptions(command)
    .requiredOption("--out <file>", "where to write the proof bundle (JSON; written only when the proof is complete)")
    .option("--state <file>", "private state file holding the salts (default: .homeostat/state.json next to the treasury file)")
    .option("--instance <name|group>", "circuit instance or group (test, standard); default: the smallest that fits the policy")
    .option("--fresh-salts", "commit with fresh salts instead of reopening the stored commitment of the same positions")
    .option("--sequence <n>", "the registry's sequence number the proof is for (`head().sequence` on chain; default 0)")
    .option("--json", "print the result as JSON on stdout; no progress on stderr");
}

/** `--sequence`: a decimal integer in [0, 2^64). */
function parseSequence(text: string | undefined): bigint {
  if (text === undefined) return 0n;
  if (!/^\d{1,20}$/.test(text) || BigInt(text) >= 1n << 64n) throw new UserError(`expected an integer in [0, 2^64), got ${JSON.stringify(text)}`, { where: "--sequence" });
  return BigInt(text);
}

/** Runs a prove function with progress, the violation report and the bundle write. */
async function run(flags: ProveFlags, statement: "solvency" | "rebalance" | "payout", prove: (common: Parameters<typeof proveSolvency>[0]) => Promise<ProveResult>): Promise<void> {
  const paths = resolveTreasuryPaths(flags);
  const statePath = flags.state ?? defaultStatePath(paths.treasury);
  // Before any work: neither output may land on an input (or on the other), and both must be writable.
  const inputs = treasuryInputs(paths);
  checkOutputFile(flags.out, { flag: "--out", inputs: [...inputs, { path: statePath, what: "the private state file (--state)" }] });
  checkOutputFile(statePath, { flag: "--state", inputs: [...inputs, { path: flags.out, what: "the bundle output (--out)" }] });
  const sequence = parseSequence(flags.sequence);
  const state = loadState(statePath);
  const { treasury, liabilities } = loadInputs(paths, state);
  const printer = stagePrinter(flags.json === true);
  let result: ProveResult;
  try {
    result = await prove({
      treasury,
      liabilities,
      state,
      ...(flags.instance ? { instance: flags.instance } : {}),
      freshSalts: flags.freshSalts === true,
      sequence,
      onStage: printer.onStage,
    });
  } catch (e) {
    printer.done();
    if (e instanceof PolicyViolationError) {
      if (flags.json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.message, report: reportToJson(e.report) }, null, 2)}\n`);
      else process.stderr.write(`${formatReport(e.report, { title: REPORT_TITLE[statement] ?? treasury.name ?? "Treasury health" })}\n\n`);
      throw new UserError(e.message, { exitCode: EXIT_POLICY_FAILS });
    }
    throw e;
  }
  printer.done();
  writeBundle(flags.out, result.bundle);
  const summary = {
    ok: true,
    out: flags.out,
    statement,
    instance: result.bundle.instance,
    publicSignals: result.bundle.publicSignals,
    reusedCommitment: result.reusedCommitment,
    state: state.file,
    timings: { witnessMs: Math.round(result.timings.witnessMs), proveMs: Math.round(result.timings.proveMs), totalMs: Math.round(result.timings.totalMs) },
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `${statement} proof (${result.bundle.instance}) written to ${flags.out}`,
    result.oldRoot !== undefined
      ? `  old root ${result.oldRoot}\n  new root ${result.root}`
      : `  positions root ${result.root}`,
    `  witness ${(result.timings.witnessMs / 1000).toFixed(2)} s, proof ${(result.timings.proveMs / 1000).toFixed(2)} s`,
  ];
  if (!result.reusedCommitment) lines.push(`  note: committed with fresh salts (stored in ${state.file}; keep it secret and backed up)`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Registers `prove solvency`, `prove rebalance` and `prove payout` on the program. */
export function register(program: Command): void {
  const prove = program
    .command("prove")
    .description("prove solvency (S1), a rebalance (S2) or a payout (S4) in zero knowledge and write a proof bundle")
    .addHelpText("after", "\nSubcommands: `prove solvency --help`, `prove rebalance --help`, `prove payout --help`.");

  addProveOptions(prove.command("solvency").description("S1: the committed positions satisfy the policy at these prices and cover the liabilities"))
    .addHelpText(
      "after",
      [
        "",
        "Evaluates the policy first; if a bound fails, prints the health report and refuses (exit 3) without proving.",
        "Reopens the stored commitment of the same positions (same positions root) unless --fresh-salts.",
        "",
        "Example:",
        "  homeostat prove solvency --dir examples/small --out attestation.json",
      ].join("\n"),
    )
    .action((flags: ProveFlags) => run(flags, "solvency", (common) => proveSolvency(common)));

  addProveOptions(
    prove
      .command("rebalance")
      .description("S2: swapping --amount of --sell for at least --min-out of --buy moves the committed positions to a new root that satisfies the policy")
      .requiredOption("--sell <symbol>", "asset sold")
      .requiredOption("--amount <decimal>", "amount sold, in token units (e.g. 12.5)")
      .requiredOption("--buy <symbol>", "asset bought")
      .requiredOption("--min-out <decimal>", "minimum amount received, in token units (the swap's slippage bound)"),
  )
    .addHelpText(
      "after",
      [
        "",
        "The treasury file describes the positions BEFORE the swap. One position of --sell gives up --amount; the",
        "largest position of --buy (or an empty slot) receives --min-out. The positions after the swap must satisfy",
        "every bound, or nothing is proven (exit 3). The new commitment becomes the state's current one.",
        "",
        "Example:",
        "  homeostat prove rebalance --dir examples/meridian --sell WETH --amount 500 --buy USDC --min-out 1690000 --out swap.json",
      ].join("\n"),
    )
    .action((flags: RebalanceFlags) =>
      run(flags, "rebalance", (common) => proveRebalance({ ...common, request: { sell: flags.sell, amount: flags.amount, buy: flags.buy, minOut: flags.minOut } })),
    );

  addProveOptions(
    prove
      .command("payout")
      .description("S4: paying --amount of --asset from the vault to --to moves the committed positions to a new root that still satisfies the policy")
      .requiredOption("--asset <symbol>", "asset paid out")
      .requiredOption("--amount <decimal>", "amount paid, in token units (e.g. 250000)")
      .requiredOption("--to <address>", "recipient (0x and 40 hex digits); bound into the proof"),
  )
    .addHelpText(
      "after",
      [
        "",
        "The treasury file describes the positions BEFORE the payout. The smallest position of --asset held by the vault",
        "itself that holds --amount pays it. The positions left must satisfy every bound, or nothing is proven (exit 3,",
        "with the health report and the largest payout that keeps every bound). The new commitment becomes the state's",
        "current one.",
        "",
        "Example:",
        "  homeostat prove payout --dir examples/meridian --asset USDC --amount 250000 --to 0x00000000000000000000000000000000000000b0 --sequence 3 --out payout.json",
      ].join("\n"),
    )
    .action((flags: PayoutFlags) => run(flags, "payout", (common) => provePayout({ ...common, request: { asset: flags.asset, amount: flags.amount, to: flags.to } })));
}
