/**
 * The `homeostat` command line: one binary, one subcommand per file in cli/commands/. Each command
 * module exports `register(program)`. Every error that reaches the top goes through `errorReport`, the one
 * place that turns it into one line (a user error as it is; anything else naming the command, the file
 * and the reason), with the stack only under `--debug`. snarkjs worker threads are stopped on the way
 * out so the process ends.
 */
import { Command, CommanderError } from "commander";
import { isUserError, systemErrorReason } from "../core/errors.ts";

type CommandModule = { register(program: Command): void };

/** Subcommand modules, loaded lazily so `homeostat --help` stays fast. Order = order in --help. */
const COMMANDS: Array<() => Promise<CommandModule>> = [
  () => import("./commands/setup.ts"),
  () => import("./commands/check.ts"),
  () => import("./commands/prove.ts"),
  () => import("./commands/verify.ts"),
  () => import("./commands/liabilities.ts"),
  () => import("./commands/inclusion.ts"),
  () => import("./commands/worker.ts"),
  () => import("./commands/deploy.ts"),
  () => import("./commands/governance.ts"),
  () => import("./commands/snapshot.ts"),
  () => import("./commands/publish.ts"),
  () => import("./commands/rebalance.ts"),
  () => import("./commands/payout.ts"),
  () => import("./commands/attestor.ts"),
  () => import("./commands/ceremony.ts"),
  () => import("./commands/audit.ts"),
  () => import("./commands/serve.ts"),
  () => import("./commands/keeper.ts"),
  () => import("./commands/simulate.ts"),
  () => import("./commands/demo.ts"),
];

async function stopCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}

/** True when the arguments (before a `--`) or HOMEOSTAT_DEBUG ask for stacks. Read before parsing, which may fail. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--debug") || ["1", "true"].includes((env.HOMEOSTAT_DEBUG ?? "").toLowerCase());
}

/** The name a command is typed with: `prove solvency`, `inclusion verify`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** What `errorReport` prints and the exit code. */
export interface ErrorReport {
  text: string;
  exitCode: number;
}

/**
 * The one place that reports an error: a UserError as its line (`homeostat: where: reason`); any other
 * error as `homeostat: COMMAND: FILE: reason` (the file a system error names, the reason in words), exit 1.
 * The stack (and the causes') follows only with `debug`.
 */
export function errorReport(e: unknown, options: { command?: string; debug?: boolean } = {}): ErrorReport {
  const stack = options.debug ? stackOf(e) : "";
  if (isUserError(e)) return { text: `homeostat: ${e.message}\n${stack}`, exitCode: e.exitCode };
  const error = e as NodeJS.ErrnoException & { dest?: string };
  const system = systemErrorReason(e);
  // A rename names both paths; the destination is the one the user asked for.
  const file = system ? (error.dest ?? error.path) : undefined;
  const reason = system ?? `internal error: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}${options.debug ? "" : " (run again with --debug for the stack)"}`;
  const parts = ["homeostat", options.command || undefined, file, reason].filter((p): p is string => p !== undefined);
  return { text: `${parts.join(": ")}\n${stack}`, exitCode: 1 };
}

function stackOf(e: unknown): string {
  const lines: string[] = [];
  for (let x: unknown = e, depth = 0; x !== undefined && depth < 5; x = (x as { cause?: unknown } | null)?.cause, depth++) {
    lines.push(`${depth ? "caused by: " : ""}${x instanceof Error ? (x.stack ?? x.message) : String(x)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The command running (set before its action), for errors that escape it asynchronously. */
let running: string | undefined;

/** Prints the report of an error that escaped everything (bin/homeostat.mjs's last resort); returns the exit code. */
export function reportFatal(e: unknown, argv: readonly string[]): number {
  const report = errorReport(e, { ...(running ? { command: running } : {}), debug: debugRequested(argv) });
  process.stderr.write(report.text);
  return report.exitCode;
}

export async function main(argv: string[]): Promise<number> {
  running = undefined;
  const program = new Command("homeostat")
    .description("Keep a protocol treasury inside its risk policy, and prove it in zero knowledge.")
    .option("--debug", "on an error, print the stack trace too (also HOMEOSTAT_DEBUG=1)")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .hook("preAction", (_program, action) => {
      running = commandPath(action);
    });
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportFatal(e, argv);
  } finally {
    await stopCurves();
  }
}
