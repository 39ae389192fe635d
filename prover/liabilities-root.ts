/**
 * The public face of a liabilities tree folder (`root.json`, format `homeostat-liabilities/1`; the full
 * layout is in liabilities/store.ts): its root, total and the root's two children, which S1 and S2 open.
 * The prover reads it here; the liabilities builder (liabilities/) writes it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { sumNode } from "../core/hash.ts";
import type { LiabilitiesOpening } from "../core/types.ts";

export const TREE_FORMAT = "homeostat-liabilities/1";
/** Deepest tree accepted (leaf indexes are u32). */
export const MAX_DEPTH = 32;

/** `root.json`. Integers are decimal strings. */
export interface TreeSummary {
  format: typeof TREE_FORMAT;
  root: string;
  total: string;
  userCount: number;
  depth: number;
  decimals: number;
  leftHash: string;
  leftSum: string;
  rightHash: string;
  rightSum: string;
  padding: string;
  /** Hashing engine used ("native" or "js"): both give the same tree. */
  engine: string;
  source?: string;
  createdAt: string;
  files: Record<string, number>;
}

/** Reads and checks a tree folder's `root.json`. */
export function readSummary(dir: string): TreeSummary {
  const file = path.join(dir, "root.json");
  if (!existsSync(file)) throw new UserError("not a liabilities tree folder (no root.json): build one with `homeostat liabilities build`", { where: dir });
  const summary = readJsonInput(file) as TreeSummary;
  if (summary === null || typeof summary !== "object") throw new UserError("root.json is not a JSON object", { where: file });
  if (summary.format !== TREE_FORMAT) throw new UserError(`unknown tree format ${JSON.stringify(summary.format)} (expected ${TREE_FORMAT})`, { where: file });
  if (!Number.isInteger(summary.depth) || summary.depth < 1 || summary.depth > MAX_DEPTH || !Number.isInteger(summary.userCount) || summary.userCount < 1) {
    throw new UserError("root.json has an invalid depth or user count", { where: file });
  }
  return summary;
}

/** The S1/S2 view of a tree: its root, total and the root's two children. */
export interface LiabilitiesCommitment {
  root: bigint;
  total: bigint;
  userCount: number;
  depth: number;
  decimals: number;
  opening: LiabilitiesOpening;
}

/**
 * Reads a tree folder's root and the root's children (what S1/S2 take as `liabLeftHash, liabLeftSum,
 * liabRightHash, liabRightSum`), checking that the children hash to the root and add up to the total.
 */
export function loadLiabilitiesOpening(dir: string): LiabilitiesCommitment {
  const s = readSummary(dir);
  const where = path.join(dir, "root.json");
  let opening: LiabilitiesOpening;
  let root: bigint;
  let total: bigint;
  try {
    opening = { leftHash: BigInt(s.leftHash), leftSum: BigInt(s.leftSum), rightHash: BigInt(s.rightHash), rightSum: BigInt(s.rightSum) };
    root = BigInt(s.root);
    total = BigInt(s.total);
  } catch {
    throw new UserError("root.json: root, total and children must be decimal integers", { where });
  }
  const parent = sumNode({ hash: opening.leftHash, sum: opening.leftSum }, { hash: opening.rightHash, sum: opening.rightSum });
  if (parent.hash !== root || parent.sum !== total) throw new UserError("the root's children do not hash to the root and total (corrupt root.json)", { where });
  return { root, total, userCount: s.userCount, depth: s.depth, decimals: s.decimals, opening };
}

