/**
 * The input flags `check` and `prove` share (--treasury, --policy, --prices, --liabilities, or --dir for a
 * folder holding treasury.json, policy.json, prices.json and users.csv / liabilities.json), and loading
 * them into domain types. Missing flags and unreadable files are UserErrors naming the flag or file.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UserError } from "../core/errors.ts";
import { BUILD_DIR, PROJECT_ROOT } from "../core/node/instances.ts";
import type { CommandInput } from "../core/node/output-paths.ts";
import { randomFieldElement, type PrivateState, liabilitySalts } from "../prover/state.ts";
import { loadLiabilities, loadTreasury, type Liabilities, type Treasury } from "../prover/treasury.ts";

/** The flags as commander parses them. */
export interface TreasuryFlags {
  dir?: string;
  treasury?: string;
  policy?: string;
  prices?: string;
  liabilities?: string;
}

/** Adds the input flags to a command. */
export function addTreasuryOptions(command: Command): Command {
  return command
    .option("--treasury <file>", "treasury file: assets (token, feed) and positions (JSON)")
    .option("--policy <file>", "risk policy file: caps, haircuts, liquidity, feeds, scenarios (JSON)")
    .option("--prices <file>", "price snapshot: feed answers or USD prices at one time (JSON)")
    .option("--liabilities <file>", "liabilities: a commitment from `homeostat liabilities build` (root.json or its folder), or a users CSV/JSON (user,balance)")
    .option("--dir <folder>", "take treasury.json, policy.json, prices.json and liabilities (root.json, liabilities/, users.csv or users.json) from one folder");
}

/** Resolved input file paths. */
export interface TreasuryPaths {
  treasury: string;
  policy: string;
  prices: string;
  liabilities: string;
}

/** Resolves the flags into four paths; a missing one is a UserError naming its flag. */
export function resolveTreasuryPaths(flags: TreasuryFlags): TreasuryPaths {
  if (flags.dir !== undefined && !existsSync(flags.dir)) throw new UserError("no such folder", { where: flags.dir });
  const fromDir = (name: string): string | undefined => (flags.dir ? path.join(flags.dir, name) : undefined);
  const liabilitiesInDir = flags.dir
    ? ["root.json", "liabilities", "liabilities.json", "users.csv", "users.json"].map((n) => path.join(flags.dir!, n)).find((p) => existsSync(p))
    : undefined;
  const pick = (value: string | undefined, fallback: string | undefined, flag: string): string => {
    const chosen = value ?? fallback;
    if (!chosen) throw new UserError(`missing: give ${flag} FILE (or --dir FOLDER)`, { where: flag, exitCode: 2 });
    return chosen;
  };
  return {
    treasury: pick(flags.treasury, fromDir("treasury.json"), "--treasury"),
    policy: pick(flags.policy, fromDir("policy.json"), "--policy"),
    prices: pick(flags.prices, fromDir("prices.json"), "--prices"),
    liabilities: pick(flags.liabilities, liabilitiesInDir, "--liabilities"),
  };
}

/**
 * The inputs as output checks see them (core/node/output-paths.ts): the three files, the liabilities (a
 * tree folder protects everything in it) and the circuit keys.
 */
export function treasuryInputs(paths: TreasuryPaths): CommandInput[] {
  let tree: string | undefined;
  try {
    tree = statSync(paths.liabilities).isDirectory() ? paths.liabilities : path.basename(paths.liabilities) === "root.json" ? path.dirname(paths.liabilities) : undefined;
  } catch {
    tree = undefined; // a missing file is refused when it is read
  }
  return [
    { path: paths.treasury, what: "the treasury file (--treasury)" },
    { path: paths.policy, what: "the policy file (--policy)" },
    { path: paths.prices, what: "the prices file (--prices)" },
    tree ? { path: tree, what: "the liabilities tree (--liabilities)", folder: true } : { path: paths.liabilities, what: "the liabilities file (--liabilities)" },
    { path: path.resolve(PROJECT_ROOT, BUILD_DIR), what: "the circuit build folder", folder: true },
  ];
}

/**
 * Loads the treasury and the liabilities. With a state, an in-memory liabilities tree reuses (and records)
 * its salts there; without one (e.g. `check`, where the root does not matter) they are fresh.
 */
export function loadInputs(paths: TreasuryPaths, state?: PrivateState): { treasury: Treasury; liabilities: Liabilities } {
  const treasury = loadTreasury(paths);
  const salts = state
    ? (key: string, count: number) => liabilitySalts(state, key, count)
    : (_key: string, count: number) => Array.from({ length: count }, randomFieldElement);
  const liabilities = loadLiabilities(paths.liabilities, treasury.policy, salts);
  return { treasury, liabilities };
}
