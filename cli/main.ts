/**
 * The `homeostat` command line: one binary, one subcommand per file in cli/commands/. Each command
 * module exports `register(program)`. User errors print one line and exit non-zero; snarkjs worker
 * threads are stopped on the way out so the process ends.
 */
import { Command, CommanderError } from "commander";
import { isUserError } from "../core/errors.ts";

type CommandModule = { register(program: Command): void };

/** Subcommand modules, loaded lazily so `homeostat --help` stays fast. Order = order in --help. */
const COMMANDS: Array<() => Promise<CommandModule>> = [
  () => import("./commands/setup.ts"),
  () => import("./commands/check.ts"),
  () => import("./commands/prove.ts"),
  () => import("./commands/verify.ts"),
  () => import("./commands/liabilities.ts"),
  () => import("./commands/inclusion.ts"),
  () => import("./commands/deploy.ts"),
  () => import("./commands/snapshot.ts"),
  () => import("./commands/publish.ts"),
  () => import("./commands/rebalance.ts"),
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

export async function main(argv: string[]): Promise<number> {
  const program = new Command("homeostat")
    .description("Keep a protocol treasury inside its risk policy, and prove it in zero knowledge.")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const load of COMMANDS) (await load()).register(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isUserError(e)) {
      process.stderr.write(`homeostat: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  } finally {
    await stopCurves();
  }
}
