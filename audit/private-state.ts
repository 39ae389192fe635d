/**
 * A lenient reader of the operator's private state file for the auditor. `prover/state.ts` refuses a state
 * whose salts no longer open their root (right for an operator); an audit must instead REPORT that as a
 * failed check, so this reader only checks the file's shape and leaves the opening to the checks.
 */
import { readFileSync } from "node:fs";
import { UserError } from "../core/errors.ts";
import { STATE_FORMAT } from "../prover/state.ts";
import type { Position } from "../core/types.ts";

/** The state as written, decoded to integers, without checking that salts open their roots. */
export interface RawState {
  file: string;
  current?: bigint;
  /** Commitments by the root they are recorded under (what the operator claims they open). */
  commitments: Map<bigint, { slots: Position[]; parent?: bigint; createdAt: string }>;
  liabilitySalts: Map<string, bigint[]>;
}

const isDecimal = (v: unknown): v is string => typeof v === "string" && /^\d+$/.test(v);

/** Reads the state file; an unreadable or malformed file is a UserError naming it. */
export function readRawState(file: string): RawState {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? "no such state file (give --state FILE)" : `not a readable JSON state file (${(e as Error).message})`, { where: file });
  }
  const data = json as { format?: unknown; current?: unknown; commitments?: unknown; liabilities?: unknown };
  if (!data || typeof data !== "object" || data.format !== STATE_FORMAT || typeof data.commitments !== "object" || data.commitments === null) {
    throw new UserError(`not a ${STATE_FORMAT} file`, { where: file });
  }
  const state: RawState = { file, commitments: new Map(), liabilitySalts: new Map() };
  if (isDecimal(data.current)) state.current = BigInt(data.current);
  for (const [root, entry] of Object.entries(data.commitments as Record<string, unknown>)) {
    const c = entry as { slots?: unknown; parent?: unknown; createdAt?: unknown };
    const slots = Array.isArray(c.slots) ? (c.slots as Array<Record<string, unknown>>) : undefined;
    if (!isDecimal(root) || !slots || !slots.every((s) => isDecimal(s.assetIndex) && isDecimal(s.amount) && isDecimal(s.salt))) {
      throw new UserError(`commitment ${root.slice(0, 12)}...: expected slots of decimal {assetIndex, amount, salt}`, { where: file });
    }
    state.commitments.set(BigInt(root), {
      slots: slots.map((s) => ({ assetIndex: BigInt(s.assetIndex as string), amount: BigInt(s.amount as string), salt: BigInt(s.salt as string) })),
      ...(isDecimal(c.parent) ? { parent: BigInt(c.parent) } : {}),
      createdAt: typeof c.createdAt === "string" ? c.createdAt : "",
    });
  }
  if (data.liabilities && typeof data.liabilities === "object") {
    for (const [key, entry] of Object.entries(data.liabilities as Record<string, { salts?: unknown }>)) {
      if (Array.isArray(entry?.salts) && entry.salts.every(isDecimal)) state.liabilitySalts.set(key, (entry.salts as string[]).map(BigInt));
    }
  }
  return state;
}
