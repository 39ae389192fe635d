/**
 * Circuit instances as declared in circuits/circuits.json (circomkit style: `{file, template, params,
 * pubs, group}`). `component main` is generated per instance from this file, never written by hand.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.ts";

/** Project root (the folder holding package.json); circom2 must run from here with relative paths. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A project-relative folder taken from an environment variable (relative values are read from the
 * current directory). circom2 only sees files under the project root, so anything outside is refused.
 */
function projectPathFromEnv(variable: string, fallback: string): string {
  const value = process.env[variable];
  if (!value) return fallback;
  const rel = path.relative(PROJECT_ROOT, path.resolve(value)).split(path.sep).join("/");
  if (rel === "" || rel.startsWith("../") || rel === ".." || path.isAbsolute(rel)) {
    // Reported by loadInstances (every pipeline starts there), not at import, so the CLI prints one line.
    envPathError ??= new UserError(`must name a path inside the project (${PROJECT_ROOT}), got "${value}"`, { where: variable });
    return fallback;
  }
  return rel;
}
let envPathError: UserError | undefined;

/** The instances file, relative to the project root (`HOMEOSTAT_CIRCUITS` overrides it, e.g. in tests). */
export const CIRCUITS_JSON = projectPathFromEnv("HOMEOSTAT_CIRCUITS", "circuits/circuits.json");
/** Where generated circuit artifacts go (gitignored), relative to the project root (`HOMEOSTAT_BUILD_DIR`). */
export const BUILD_DIR = projectPathFromEnv("HOMEOSTAT_BUILD_DIR", "build/circuits");
/** Where generated Solidity verifiers go (gitignored, compiled by Hardhat) (`HOMEOSTAT_VERIFIER_DIR`). */
export const VERIFIER_DIR = projectPathFromEnv("HOMEOSTAT_VERIFIER_DIR", "contracts/generated");

export interface InstanceSpec {
  /** Template file under circuits/, without the .circom extension. */
  file: string;
  template: string;
  params: number[];
  /** Public input signal names, in the order the template declares them. */
  pubs: string[];
  /** Group selected by `setup --instance GROUP` (e.g. `test`, `standard`). */
  group: string;
}

export type InstanceTable = Record<string, InstanceSpec>;

/** Instance names become file and contract names, so they stay lowercase kebab-case. */
const INSTANCE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Reads and checks circuits/circuits.json (or `file`, relative to `root`); a malformed entry names its field. */
export function loadInstances(root = PROJECT_ROOT, file: string = CIRCUITS_JSON): InstanceTable {
  if (envPathError) throw envPathError;
  let table: unknown;
  try {
    table = JSON.parse(readFileSync(path.join(root, file), "utf8"));
  } catch (e) {
    throw new UserError(`cannot read the circuit instances: ${(e as Error).message}`, { where: file });
  }
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new UserError("expected an object mapping instance names to {file, template, params, pubs, group}", { where: file });
  }
  for (const [name, spec] of Object.entries(table as Record<string, unknown>)) {
    const where = `${file}: ${name}`;
    if (!INSTANCE_NAME.test(name)) throw new UserError("instance names are lowercase kebab-case (a-z, 0-9, -)", { where });
    const s = spec as Partial<Record<keyof InstanceSpec, unknown>>;
    const isName = (v: unknown) => typeof v === "string" && /^[A-Za-z0-9_][A-Za-z0-9_/.-]*$/.test(v) && !v.includes("..");
    if (typeof s !== "object" || s === null) throw new UserError("expected {file, template, params, pubs, group}", { where });
    if (!isName(s.file)) throw new UserError(`.file must be a path under circuits/ without .circom, got ${JSON.stringify(s.file)}`, { where });
    if (typeof s.template !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.template)) {
      throw new UserError(`.template must be a template name, got ${JSON.stringify(s.template)}`, { where });
    }
    if (!Array.isArray(s.params) || !s.params.every((p) => Number.isSafeInteger(p))) {
      throw new UserError(`.params must be a list of integers, got ${JSON.stringify(s.params)}`, { where });
    }
    if (!Array.isArray(s.pubs) || !s.pubs.every((p) => typeof p === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
      throw new UserError(`.pubs must be a list of signal names, got ${JSON.stringify(s.pubs)}`, { where });
    }
    if (typeof s.group !== "string" || s.group === "") throw new UserError(`.group must be a non-empty string`, { where });
  }
  return table as InstanceTable;
}

/** Group whose instances are compile-only (test circuits): `setup` compiles them but makes no keys. */
export const DEV_GROUP = "dev";

/** Resolves an instance name or a group name into instance names; unknown names are refused. */
export function selectInstances(table: InstanceTable, nameOrGroup: string): string[] {
  if (table[nameOrGroup]) return [nameOrGroup];
  const members = Object.keys(table).filter((n) => table[n]!.group === nameOrGroup);
  if (members.length === 0) {
    const groups = [...new Set(Object.values(table).map((s) => s.group))];
    throw new UserError(
      `unknown instance "${nameOrGroup}" (instances: ${Object.keys(table).join(", ")}; groups: ${groups.join(", ")})`,
      { where: "--instance", exitCode: 2 },
    );
  }
  return members;
}

/** Build folder of one instance, relative to the project root (`buildDir` defaults to BUILD_DIR). */
export function instanceDir(name: string, buildDir: string = BUILD_DIR): string {
  return `${buildDir}/${name}`;
}
