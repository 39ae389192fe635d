/**
 * The circuit lock, `circuits/circuits.lock.json` (committed): per instance, its spec, the sha256 of every
 * project source it includes, the versions of included npm libraries (circomlib), its constraint count and
 * the sha256 of the r1cs and wasm circom makes from them (compilation is deterministic). The fast check
 * (`checkLockSources`) hashes sources only and runs in the test suite; `setup` checks the compiled r1cs and
 * wasm against it; `refreshLock` (`npm run circuits:lock`) recompiles and rewrites it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { compileInstance } from "./compile.ts";
import { sha256File, writeFileAtomic } from "./files.ts";
import { BUILD_DIR, CIRCUITS_JSON, PROJECT_ROOT, loadInstances, selectInstances, type InstanceSpec, type InstanceTable } from "../core/node/instances.ts";
import type { Reporter } from "./progress.ts";
import { readR1csInfo } from "./r1cs-info.ts";
import { collectSources, type InstanceSources } from "./sources.ts";
import { packageVersion, toolVersions } from "./tools.ts";

export const LOCK_FORMAT = "homeostat-circuits-lock/1";
/** The command that rewrites the lock; every lock message names it. */
export const LOCK_REFRESH_COMMAND = "npm run circuits:lock";

/** The parts of a spec that change the circuit (the group does not). */
export type LockedSpec = Pick<InstanceSpec, "file" | "template" | "params" | "pubs">;

export interface LockEntry {
  spec: LockedSpec;
  /** Project-relative source path -> sha256. */
  sources: Record<string, string>;
  /** Included npm package -> version. */
  libraries: Record<string, string>;
  constraints: number;
  publicSignals: number;
  r1cs: string;
  wasm: string;
}

export interface CircuitsLock {
  format: typeof LOCK_FORMAT;
  comment: string;
  tools: { circom: string; circom2: string };
  instances: Record<string, LockEntry>;
}

export interface LockProblem {
  instance: string;
  /** The source file concerned, when there is one. */
  file?: string;
  reason: string;
}

/** The lock that belongs to an instances file: `X.json` -> `X.lock.json`, in the same folder. */
export function lockFileFor(circuitsJson: string = CIRCUITS_JSON): string {
  return circuitsJson.replace(/\.json$/, "") + ".lock.json";
}

/** Reads the lock (undefined when there is none yet); a malformed lock is a UserError. */
export function readLock(root: string = PROJECT_ROOT, file: string = lockFileFor()): CircuitsLock | undefined {
  const abs = path.join(root, file);
  if (!existsSync(abs)) return undefined;
  let lock: CircuitsLock;
  try {
    lock = JSON.parse(readFileSync(abs, "utf8")) as CircuitsLock;
  } catch (e) {
    throw new UserError(`cannot read the circuit lock (${(e as Error).message}); refresh it with ${LOCK_REFRESH_COMMAND}`, { where: file });
  }
  if (lock.format !== LOCK_FORMAT || typeof lock.instances !== "object" || lock.instances === null) {
    throw new UserError(`not a ${LOCK_FORMAT} file; refresh it with ${LOCK_REFRESH_COMMAND}`, { where: file });
  }
  return lock;
}

function lockedSpec(spec: InstanceSpec): LockedSpec {
  return { file: spec.file, template: spec.template, params: [...spec.params], pubs: [...spec.pubs] };
}

const short = (h: string | undefined) => (h ? h.slice(0, 12) : "none");

/**
 * Differences between an instance's current spec and sources and its lock entry (empty when they agree).
 * Pure: tests call it with edited source maps.
 */
export function compareSources(name: string, spec: InstanceSpec, current: InstanceSources, entry: LockEntry | undefined): LockProblem[] {
  if (!entry) return [{ instance: name, reason: "is not in the lock" }];
  const problems: LockProblem[] = [];
  const want = JSON.stringify(lockedSpec(spec));
  if (JSON.stringify(lockedSpec(entry.spec as InstanceSpec)) !== want) {
    problems.push({ instance: name, reason: `spec changed (lock ${JSON.stringify(entry.spec)}, now ${want})` });
  }
  for (const [file, hash] of Object.entries(current.files)) {
    const locked = entry.sources[file];
    if (locked === undefined) problems.push({ instance: name, file, reason: "is a new include, not in the lock" });
    else if (locked !== hash) problems.push({ instance: name, file, reason: `changed (sha256 ${short(locked)}… in the lock, ${short(hash)}… now)` });
  }
  for (const file of Object.keys(entry.sources)) {
    if (current.files[file] === undefined) problems.push({ instance: name, file, reason: "is in the lock but no longer included" });
  }
  for (const [pkg, version] of Object.entries(current.libraries)) {
    if (entry.libraries[pkg] !== version) {
      problems.push({ instance: name, file: `node_modules/${pkg}`, reason: `version ${version} installed, ${entry.libraries[pkg] ?? "none"} in the lock` });
    }
  }
  return problems;
}

/**
 * The fast lock check: hashes every instance's sources (no compilation) and compares them with the lock.
 * Also reports instances missing from the lock and lock entries with no instance.
 */
export function checkLockSources(table: InstanceTable, lock: CircuitsLock | undefined, root: string = PROJECT_ROOT): LockProblem[] {
  const problems: LockProblem[] = [];
  for (const [name, spec] of Object.entries(table)) {
    problems.push(...compareSources(name, spec, collectSources(spec, root), lock?.instances[name]));
  }
  for (const name of Object.keys(lock?.instances ?? {})) {
    if (!table[name]) problems.push({ instance: name, reason: "is in the lock but not in the instances file" });
  }
  const circom2 = packageVersion("circom2");
  if (lock && lock.tools.circom2 !== circom2) {
    problems.push({ instance: "(all)", file: "node_modules/circom2", reason: `version ${circom2} installed, ${lock.tools.circom2} in the lock` });
  }
  return problems;
}

/** One readable message for lock problems, naming each file and the refresh command. */
export function formatLockProblems(problems: LockProblem[], lockFile: string = lockFileFor()): string {
  const lines = problems.map((p) => `  - ${p.instance}: ${p.file ? `${p.file} ` : ""}${p.reason}`);
  return [
    `circuit sources and ${lockFile} disagree:`,
    ...lines,
    `If the change is intended, refresh the lock with \`${LOCK_REFRESH_COMMAND}\` (it recompiles the circuits and pins the new r1cs/wasm hashes) and commit it.`,
  ].join("\n");
}

/** Refuses compiled artifacts whose hashes differ from the lock entry (one line naming the instance). */
export function assertCompiledMatchesLock(name: string, entry: LockEntry, compiled: { r1cs: string; wasm: string }, lockFile: string = lockFileFor()): void {
  const bad = (["r1cs", "wasm"] as const).filter((k) => entry[k] !== compiled[k]);
  if (bad.length === 0) return;
  const detail = bad.map((k) => `${k} sha256 ${short(compiled[k])}… but the lock pins ${short(entry[k])}…`).join(", ");
  throw new UserError(
    `instance "${name}" does not match the circuit lock: ${detail}; if the circuit change is intended, run \`${LOCK_REFRESH_COMMAND}\` and commit ${lockFile}`,
    { where: lockFile },
  );
}

export interface RefreshOptions {
  /** Instance or group names to refresh (default: all); other entries are kept. */
  names?: string[];
  /** Compare only: compile and report differences, write nothing. */
  check?: boolean;
  reporter: Reporter;
  root?: string;
}

export interface RefreshResult {
  lock: CircuitsLock;
  /** Instances whose entry changed (or would change, with `check`). */
  changed: string[];
  lockFile: string;
}

/**
 * Recompiles instances from the current sources (in a scratch folder; build outputs are not touched) and
 * rewrites the lock with their source hashes and r1cs/wasm sha256. Entries for instances that no longer
 * exist are dropped.
 */
export async function refreshLock(options: RefreshOptions): Promise<RefreshResult> {
  const root = options.root ?? PROJECT_ROOT;
  const lockFile = lockFileFor();
  const table = loadInstances(root);
  const names = options.names?.length ? [...new Set(options.names.flatMap((n) => selectInstances(table, n)))] : Object.keys(table);
  const old = readLock(root, lockFile);
  const tools = await toolVersions();
  const instances: Record<string, LockEntry> = {};
  for (const [name, entry] of Object.entries(old?.instances ?? {})) if (table[name] && !names.includes(name)) instances[name] = entry;

  mkdirSync(path.join(root, BUILD_DIR), { recursive: true });
  const scratchAbs = mkdtempSync(path.join(root, BUILD_DIR, ".lock-"));
  const scratch = path.relative(root, scratchAbs).split(path.sep).join("/");
  const changed: string[] = [];
  try {
    for (const name of names) {
      const spec = table[name]!;
      const sources = collectSources(spec, root);
      const compiled = await options.reporter.step(`${name}: compiling`, () => compileInstance(name, spec, scratch));
      const info = readR1csInfo(path.join(root, compiled.r1cs));
      const entry: LockEntry = {
        spec: lockedSpec(spec),
        sources: sources.files,
        libraries: sources.libraries,
        constraints: info.constraints,
        publicSignals: info.publicSignals,
        r1cs: sha256File(path.join(root, compiled.r1cs)),
        wasm: sha256File(path.join(root, compiled.wasm)),
      };
      if (JSON.stringify(entry) !== JSON.stringify(old?.instances[name])) changed.push(name);
      instances[name] = entry;
    }
  } finally {
    rmSync(scratchAbs, { recursive: true, force: true });
  }
  const sorted = Object.fromEntries(Object.entries(instances).sort(([a], [b]) => (a < b ? -1 : 1)));
  const lock: CircuitsLock = {
    format: LOCK_FORMAT,
    comment: `Generated by \`${LOCK_REFRESH_COMMAND}\` (scripts/lock.ts) from ${CIRCUITS_JSON}; do not edit. The test suite fails when a source differs.`,
    tools: { circom: tools.circom, circom2: tools.circom2 },
    instances: sorted,
  };
  if (!options.check) writeFileAtomic(path.join(root, lockFile), `${JSON.stringify(lock, null, 2)}\n`);
  return { lock, changed, lockFile };
}
