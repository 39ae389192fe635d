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
export const CIRCUITS_JSON = "circuits/circuits.json";
/** Where generated circuit artifacts go (gitignored), relative to the project root. */
export const BUILD_DIR = "build/circuits";

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

/** Reads circuits/circuits.json. */
export function loadInstances(root = PROJECT_ROOT): InstanceTable {
  const file = path.join(root, CIRCUITS_JSON);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as InstanceTable;
  } catch (e) {
    throw new UserError(`cannot read the circuit instances: ${(e as Error).message}`, { where: CIRCUITS_JSON });
  }
}

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

/** Build folder of one instance, relative to the project root. */
export function instanceDir(name: string): string {
  return `${BUILD_DIR}/${name}`;
}
