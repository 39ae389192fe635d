/**
 * The operator's private state: the salts that open each positions commitment (and, when the liabilities
 * come from a plain users file, the salts of that small sum tree). Without them a published root can never
 * be reopened, so every commitment ever proven is kept, keyed by its root. Salts are field elements drawn
 * from the OS CSPRNG by rejection sampling (uniform below p). Default location: `.homeostat/state.json`
 * next to the treasury file; written atomically with mode 0600. Keep it secret and backed up.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { UserError } from "../core/errors.ts";
import { FIELD_MODULUS } from "../core/field.ts";
import { merkleRoot, positionLeaf } from "../core/hash.ts";
import { describeZodError } from "../core/schemas.ts";
import type { Position } from "../core/types.ts";

/** Format tag of the state file. */
export const STATE_FORMAT = "homeostat-state/1";

/** A uniformly random BN254 field element from the OS CSPRNG (rejection sampling over 254-bit draws). */
export function randomFieldElement(): bigint {
  for (;;) {
    const bytes = randomBytes(32);
    bytes[0] = bytes[0]! & 0x3f; // keep 254 bits: p > 2^253, so at least 3 draws in 4 are accepted
    const candidate = BigInt(`0x${bytes.toString("hex")}`);
    if (candidate < FIELD_MODULUS) return candidate;
  }
}

const decimal = z.string().regex(/^\d+$/, "expected a decimal integer string");

const slotSchema = z.object({ assetIndex: decimal, custody: decimal.optional(), amount: decimal, salt: decimal }).strict();

const commitmentSchema = z
  .object({
    createdAt: z.string(),
    slots: z.array(slotSchema).min(1),
    /** For a rebalance: the root this commitment was derived from. */
    parent: decimal.optional(),
    note: z.string().optional(),
  })
  .strict();

const stateSchema = z
  .object({
    format: z.literal(STATE_FORMAT),
    warning: z.string().optional(),
    current: decimal.optional(),
    commitments: z.record(decimal, commitmentSchema),
    liabilities: z.record(z.string(), z.object({ salts: z.array(decimal) }).strict()).optional(),
  })
  .strict();

type StateJson = z.infer<typeof stateSchema>;

/** One stored commitment: its slots (asset, amount, salt) and where it came from. */
export interface StoredCommitment {
  root: bigint;
  slots: Position[];
  createdAt: string;
  parent?: bigint;
  note?: string;
}

/** The private state, in memory. Change it with the functions below, then `saveState`. */
export interface PrivateState {
  file: string;
  current?: bigint;
  commitments: Map<bigint, StoredCommitment>;
  /** Salts of in-memory liability trees, keyed by the sha256 of the users file they were built from. */
  liabilitySalts: Map<string, bigint[]>;
}

/** `.homeostat/state.json` in the treasury file's folder. */
export function defaultStatePath(treasuryFile: string): string {
  return path.join(path.dirname(path.resolve(treasuryFile)), ".homeostat", "state.json");
}

/** Reads the state file; a missing file is an empty state. A corrupt one is refused (never overwritten). */
export function loadState(file: string): PrivateState {
  const state: PrivateState = { file, commitments: new Map(), liabilitySalts: new Map() };
  if (!existsSync(file)) return state;
  let json: unknown;
  try {
    json = readJsonInput(file);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(`the private state file is unreadable (${e.reason}); it holds salts, so it is left untouched`, { where: e.where ?? file, cause: e });
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new UserError(`not a Homeostat state file: ${describeZodError(parsed.error)}`, { where: file });
  const data = parsed.data;
  for (const [root, c] of Object.entries(data.commitments)) {
    const slots = c.slots.map((s) => ({ assetIndex: BigInt(s.assetIndex), custody: BigInt(s.custody ?? 0), amount: BigInt(s.amount), salt: BigInt(s.salt) }));
    const stored: StoredCommitment = { root: BigInt(root), slots, createdAt: c.createdAt };
    if (c.parent !== undefined) stored.parent = BigInt(c.parent);
    if (c.note !== undefined) stored.note = c.note;
    if (commitmentRoot(slots) !== stored.root) {
      throw new UserError(`commitment ${root.slice(0, 12)}... does not open to its root (the salts were edited?)`, { where: file });
    }
    state.commitments.set(stored.root, stored);
  }
  if (data.current !== undefined) state.current = BigInt(data.current);
  for (const [key, entry] of Object.entries(data.liabilities ?? {})) state.liabilitySalts.set(key, entry.salts.map(BigInt));
  return state;
}

/** Writes the state atomically (temp file + rename, mode 0600). */
export function saveState(state: PrivateState): void {
  const json: StateJson = {
    format: STATE_FORMAT,
    warning: "PRIVATE. These salts open the treasury's commitments: keep this file secret and backed up.",
    commitments: {},
  };
  if (state.current !== undefined) json.current = state.current.toString();
  for (const c of state.commitments.values()) {
    json.commitments[c.root.toString()] = {
      createdAt: c.createdAt,
      slots: c.slots.map((s) => ({ assetIndex: s.assetIndex.toString(), custody: (s.custody ?? 0n).toString(), amount: s.amount.toString(), salt: s.salt.toString() })),
      ...(c.parent !== undefined ? { parent: c.parent.toString() } : {}),
      ...(c.note !== undefined ? { note: c.note } : {}),
    };
  }
  if (state.liabilitySalts.size) {
    json.liabilities = {};
    for (const [key, salts] of state.liabilitySalts) json.liabilities[key] = { salts: salts.map(String) };
  }
  writeFileAtomic(state.file, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
}

/** Root of the positions tree over `slots`. */
export function commitmentRoot(slots: readonly Position[]): bigint {
  return merkleRoot(slots.map((s) => positionLeaf(s.assetIndex, s.custody ?? 0n, s.amount, s.salt)));
}

/** What a slot holds, without its salt: an asset, its custodian (0 or absent = the vault) and an amount. */
export interface SlotContent {
  assetIndex: number;
  custody?: number | bigint;
  amount: bigint;
}

/** The multiset of non-empty (asset, custody, amount): what a commitment says, independent of slot order. */
function contentKey(items: ReadonlyArray<{ assetIndex: bigint | number; custody?: bigint | number; amount: bigint }>): string {
  return items
    .filter((i) => i.amount !== 0n)
    .map((i) => `${i.assetIndex}:${i.custody ?? 0}:${i.amount}`)
    .sort()
    .join(",");
}

/** The result of opening the treasury's positions as a commitment. */
export interface OpenedCommitment {
  root: bigint;
  slots: Position[];
  /** True when a stored commitment was reused (same root as before); false when freshly salted. */
  reused: boolean;
}

/**
 * The commitment to `holdings` in `slotCount` slots. Reuses a stored commitment whose non-empty slots hold
 * exactly these (asset, amount) pairs, preferring the current one, so an attested root can be reopened;
 * otherwise (or with `fresh`) lays the holdings out in order, pads with empty slots and salts every slot
 * afresh. Does not modify the state: call `recordCommitment` once the commitment is used.
 */
export function openCommitment(state: PrivateState, holdings: readonly SlotContent[], slotCount: number, options: { fresh?: boolean } = {}): OpenedCommitment {
  if (holdings.length > slotCount) {
    throw new UserError(`the treasury has ${holdings.length} positions but the circuit instance has ${slotCount} slots (merge positions or use a larger instance)`);
  }
  if (!options.fresh) {
    const key = contentKey(holdings);
    const candidates = [...state.commitments.values()].filter((c) => c.slots.length === slotCount && contentKey(c.slots) === key);
    const chosen = candidates.find((c) => c.root === state.current) ?? candidates.at(-1);
    if (chosen) return { root: chosen.root, slots: chosen.slots.map((s) => ({ ...s })), reused: true };
  }
  const slots: Position[] = [];
  for (let i = 0; i < slotCount; i++) {
    const h = holdings[i];
    slots.push({ assetIndex: BigInt(h?.assetIndex ?? 0), custody: BigInt(h?.custody ?? 0), amount: h?.amount ?? 0n, salt: randomFieldElement() });
  }
  return { root: commitmentRoot(slots), slots, reused: false };
}

/** Stores a commitment (idempotent) and, unless told otherwise, makes it the current one. */
export function recordCommitment(
  state: PrivateState,
  slots: readonly Position[],
  options: { parent?: bigint; note?: string; makeCurrent?: boolean; now?: Date } = {},
): bigint {
  const root = commitmentRoot(slots);
  if (!state.commitments.has(root)) {
    const stored: StoredCommitment = { root, slots: slots.map((s) => ({ ...s })), createdAt: (options.now ?? new Date()).toISOString() };
    if (options.parent !== undefined) stored.parent = options.parent;
    if (options.note !== undefined) stored.note = options.note;
    state.commitments.set(root, stored);
  }
  if (options.makeCurrent ?? true) state.current = root;
  return root;
}

/**
 * Salts for a liability tree of `leafCount` leaves built from a users file with fingerprint `key`: the stored
 * ones when the same file was committed before (same root), fresh ones otherwise (recorded in the state).
 */
export function liabilitySalts(state: PrivateState, key: string, leafCount: number): bigint[] {
  const stored = state.liabilitySalts.get(key);
  if (stored && stored.length === leafCount) return stored;
  const salts = Array.from({ length: leafCount }, randomFieldElement);
  state.liabilitySalts.set(key, salts);
  return salts;
}
