/**
 * Witness builders for S1 (Solvency), S2 (Rebalance) and S4 (Payout): turn the domain types into the circuits' input
 * objects, with the signal names of docs/ARCHITECTURE.md ("Statements"), and compute in TypeScript the
 * public signals the circuit will expose, from the same data and the same hashing module (core/hash.ts).
 *
 * The builders check shapes only: sizes against the instance (N, A, K), slot indexes, and that every value
 * is a canonical field element; a mismatch is a `UserError` naming the field. They do NOT check ranges or
 * policy bounds: the circuit enforces those (and prover/evaluate.ts reports them before proving), which is
 * also what lets the soundness tests feed out-of-bound values straight to the circuit.
 * Browser-safe: no `node:` imports.
 */
import { UserError } from "../core/errors.ts";
import { isFieldElement } from "../core/field.ts";
import { merkleRoot, policyHash, positionLeaf, pricesHash, sumNode } from "../core/hash.ts";
import type { InstanceSize, LiabilitiesOpening, PayoutAction, PolicyFields, Position, PriceFields, RebalanceAction, SignedCustody } from "../core/types.ts";
import { packVaultTotals, publicSignalNamesFor, type Statement } from "../core/signals.ts";

export type { Statement } from "../core/signals.ts";

/** A circuit input value as snarkjs and the witness calculator take it: decimal strings. */
type Dec = string;

// The input shapes are type aliases (not interfaces) so they are assignable to `Record<string, unknown>`,
// the type witness calculators and snarkjs take.

/** Policy, prices and liabilities inputs, shared by both statements. */
export type PolicyPricesLiabilitiesInput = {
  chainId: Dec;
  vault: Dec;
  liabilityAsset: Dec;
  minCoverageBps: Dec;
  minLiquidityBps: Dec;
  maxSlippageBps: Dec;
  maxAttestationAge: Dec;
  tokensDigest: Dec;
  rulesDigest: Dec;
  capBps: Dec[];
  haircutBps: Dec[];
  liquid: Dec[];
  attestorKey: Dec[][];
  shockBps: Dec[][];
  stEnabled: Dec[];
  stTimestamp: Dec[];
  stAmount: Dec[][];
  stR8x: Dec[];
  stR8y: Dec[];
  stS: Dec[];
  priceTimestamp: Dec;
  unitPrice: Dec[];
  liabLeftHash: Dec;
  liabLeftSum: Dec;
  liabRightHash: Dec;
  liabRightSum: Dec;
};

/** Public signals of S1, in declaration order. */
export interface SolvencyPublicSignals {
  positionsRoot: bigint;
  liabilitiesRoot: bigint;
  policyHash: bigint;
  pricesHash: bigint;
  sequence: bigint;
  /** The vault-held total of each asset, packed two per signal (`packVaultTotals`). */
  vaultTotals: bigint[];
}

/** Public signals of S2, in declaration order. */
export interface RebalancePublicSignals {
  oldRoot: bigint;
  newRoot: bigint;
  liabilitiesRoot: bigint;
  policyHash: bigint;
  pricesHash: bigint;
  assetIn: bigint;
  amountIn: bigint;
  assetOut: bigint;
  minAmountOut: bigint;
  sequence: bigint;
  /** The NEW state's vault-held totals, packed two per signal. */
  vaultTotals: bigint[];
}

/** Public signals of S4, in declaration order. */
export interface PayoutPublicSignals {
  oldRoot: bigint;
  newRoot: bigint;
  liabilitiesRoot: bigint;
  policyHash: bigint;
  pricesHash: bigint;
  asset: bigint;
  amount: bigint;
  recipient: bigint;
  sequence: bigint;
  /** The NEW state's vault-held totals, packed two per signal. */
  vaultTotals: bigint[];
}

/** The complete input of `Solvency(N, A, K, C)`. */
export type SolvencyInput = PolicyPricesLiabilitiesInput & {
  positionsRoot: Dec;
  liabilitiesRoot: Dec;
  policyHash: Dec;
  pricesHash: Dec;
  sequence: Dec;
  vaultTotals: Dec[];
  assetIndex: Dec[];
  custody: Dec[];
  amount: Dec[];
  salt: Dec[];
};

/** The complete input of `Rebalance(N, A, K, C)`. */
export type RebalanceInput = PolicyPricesLiabilitiesInput & {
  oldRoot: Dec;
  newRoot: Dec;
  liabilitiesRoot: Dec;
  policyHash: Dec;
  pricesHash: Dec;
  assetIn: Dec;
  amountIn: Dec;
  assetOut: Dec;
  minAmountOut: Dec;
  sequence: Dec;
  vaultTotals: Dec[];
  assetIndex: Dec[];
  custody: Dec[];
  amount: Dec[];
  salt: Dec[];
  oldLeaf: Dec[];
  slotIn: Dec;
  oldAmountIn: Dec;
  oldSaltIn: Dec;
  slotOut: Dec;
  oldAssetOut: Dec;
  oldCustodyOut: Dec;
  oldAmountOut: Dec;
  oldSaltOut: Dec;
};

/**
 * The complete input of `Payout(N, A, K, C)`. `amount` is the public payout, so the new positions' amounts
 * are `positionAmount`.
 */
export type PayoutInput = PolicyPricesLiabilitiesInput & {
  oldRoot: Dec;
  newRoot: Dec;
  liabilitiesRoot: Dec;
  policyHash: Dec;
  pricesHash: Dec;
  asset: Dec;
  amount: Dec;
  recipient: Dec;
  sequence: Dec;
  vaultTotals: Dec[];
  assetIndex: Dec[];
  custody: Dec[];
  positionAmount: Dec[];
  salt: Dec[];
  oldLeaf: Dec[];
  slot: Dec;
  oldAmount: Dec;
  oldSalt: Dec;
};

/** What S1 is proven over. */
export interface SolvencyWitnessArgs {
  /** The circuit instance's sizes; every list below must match them. */
  size: InstanceSize;
  /** Exactly N slots (unused ones are padding: amount 0, a fresh salt). */
  positions: readonly Position[];
  policy: PolicyFields;
  prices: PriceFields;
  liabilities: LiabilitiesOpening;
  /** The registry's sequence number the proof is for (its current value when the proof is used). */
  sequence: bigint;
  /** One entry per attestor slot (C): its signed statement, or null for none. Absent = none at all. */
  statements?: readonly (SignedCustody | null)[];
}

/** What S2 is proven over: the old and the new slots, the action and the two slots it touches. */
export interface RebalanceWitnessArgs {
  size: InstanceSize;
  /** The N slots committed in the current (old) root. */
  oldPositions: readonly Position[];
  /** The N slots after the action (see `applyAction`). */
  newPositions: readonly Position[];
  action: RebalanceAction;
  /** Slot that gives up `amountIn` of `assetIn`. */
  slotIn: number;
  /** Slot that receives `minAmountOut` of `assetOut` (it holds `assetOut` already, or is empty). */
  slotOut: number;
  policy: PolicyFields;
  prices: PriceFields;
  liabilities: LiabilitiesOpening;
  /** The registry's sequence number the proof is for. */
  sequence: bigint;
  /** Custody statements for the NEW state, as in `SolvencyWitnessArgs`. */
  statements?: readonly (SignedCustody | null)[];
}

/** What S4 is proven over: the old and the new slots, the payout and the slot that pays it. */
export interface PayoutWitnessArgs {
  size: InstanceSize;
  /** The N slots committed in the current (old) root. */
  oldPositions: readonly Position[];
  /** The N slots after the payout (see `applyPayout`). */
  newPositions: readonly Position[];
  payout: PayoutAction;
  /** The vault-held slot of `payout.asset` that gives up `payout.amount`. */
  slot: number;
  policy: PolicyFields;
  prices: PriceFields;
  liabilities: LiabilitiesOpening;
  /** The registry's sequence number the proof is for. */
  sequence: bigint;
  /** Custody statements for the NEW state, as in `SolvencyWitnessArgs`. */
  statements?: readonly (SignedCustody | null)[];
}

/** Public signal names of a statement over `assetCount` assets, in the circuit's declaration order. */
export function publicSignalNames(statement: Statement, assetCount: number): readonly string[] {
  if (statement !== "solvency" && statement !== "rebalance" && statement !== "payout") {
    throw new UserError(`unknown statement ${JSON.stringify(statement)} (expected solvency, rebalance or payout)`, { where: "statement" });
  }
  return publicSignalNamesFor(statement, assetCount);
}

/** Public signals as snarkjs returns them: decimal strings in declaration order. */
export function publicSignalList(statement: "solvency", signals: SolvencyPublicSignals): string[];
export function publicSignalList(statement: "rebalance", signals: RebalancePublicSignals): string[];
export function publicSignalList(statement: "payout", signals: PayoutPublicSignals): string[];
export function publicSignalList(statement: Statement, signals: SolvencyPublicSignals | RebalancePublicSignals | PayoutPublicSignals): string[] {
  const named: Record<string, bigint> = { ...(signals as unknown as Record<string, bigint>) };
  signals.vaultTotals.forEach((v, j) => (named[`vaultTotals[${j}]`] = v));
  return publicSignalNames(statement, signals.vaultTotals.length * 2).map((name) => {
    const value = named[name];
    if (value === undefined) throw new UserError(`missing public signal ${name}`, { where: `publicSignals.${name}` });
    return value.toString();
  });
}

/** The leaf of one position (an absent custody is the vault's, 0). */
export function leafOf(p: Position): bigint {
  return positionLeaf(p.assetIndex, p.custody ?? 0n, p.amount, p.salt);
}

/** Root of the positions tree over `positions`. */
export function positionsRoot(positions: readonly Position[]): bigint {
  return merkleRoot(positions.map(leafOf));
}

/** The committed amount of each of `assetCount` assets held by the vault itself (custody 0). */
export function vaultTotalsOf(positions: readonly Position[], assetCount: number): bigint[] {
  const totals = Array.from({ length: assetCount }, () => 0n);
  for (const p of positions) {
    const a = Number(p.assetIndex);
    if ((p.custody ?? 0n) === 0n && a >= 0 && a < assetCount) totals[a] = totals[a]! + p.amount;
  }
  return totals;
}

/** The liabilities root opened by its two children: `Poseidon(l.hash, l.sum, r.hash, r.sum)`. */
export function liabilitiesRoot(opening: LiabilitiesOpening): bigint {
  return sumNode({ hash: opening.leftHash, sum: opening.leftSum }, { hash: opening.rightHash, sum: opening.rightSum }).hash;
}

/** The public signals S1 exposes for this data, computed in TypeScript. */
export function solvencyPublicSignals(args: SolvencyWitnessArgs): SolvencyPublicSignals {
  checkShared(args.size, args.policy, args.prices, args.liabilities);
  checkStatements(args.size, args.statements);
  checkSequence(args.sequence);
  checkPositions(args.size, args.positions, "positions");
  return {
    positionsRoot: positionsRoot(args.positions),
    liabilitiesRoot: liabilitiesRoot(args.liabilities),
    policyHash: policyHash(args.policy),
    pricesHash: pricesHash(args.prices),
    sequence: args.sequence,
    vaultTotals: packVaultTotals(vaultTotalsOf(args.positions, args.size.A)),
  };
}

/** The public signals S2 exposes for this data, computed in TypeScript. */
export function rebalancePublicSignals(args: RebalanceWitnessArgs): RebalancePublicSignals {
  checkRebalance(args);
  return {
    oldRoot: positionsRoot(args.oldPositions),
    newRoot: positionsRoot(args.newPositions),
    liabilitiesRoot: liabilitiesRoot(args.liabilities),
    policyHash: policyHash(args.policy),
    pricesHash: pricesHash(args.prices),
    assetIn: args.action.assetIn,
    amountIn: args.action.amountIn,
    assetOut: args.action.assetOut,
    minAmountOut: args.action.minAmountOut,
    sequence: args.sequence,
    vaultTotals: packVaultTotals(vaultTotalsOf(args.newPositions, args.size.A)),
  };
}

/** The public signals S4 exposes for this data, computed in TypeScript. */
export function payoutPublicSignals(args: PayoutWitnessArgs): PayoutPublicSignals {
  checkPayout(args);
  return {
    oldRoot: positionsRoot(args.oldPositions),
    newRoot: positionsRoot(args.newPositions),
    liabilitiesRoot: liabilitiesRoot(args.liabilities),
    policyHash: policyHash(args.policy),
    pricesHash: pricesHash(args.prices),
    asset: args.payout.asset,
    amount: args.payout.amount,
    recipient: args.payout.recipient,
    sequence: args.sequence,
    vaultTotals: packVaultTotals(vaultTotalsOf(args.newPositions, args.size.A)),
  };
}

/** The input object of `Solvency(N, A, K, C)` (public signals computed from the same data). */
export function solvencyInput(args: SolvencyWitnessArgs): SolvencyInput {
  const pub = solvencyPublicSignals(args);
  return {
    positionsRoot: dec(pub.positionsRoot),
    liabilitiesRoot: dec(pub.liabilitiesRoot),
    policyHash: dec(pub.policyHash),
    pricesHash: dec(pub.pricesHash),
    sequence: dec(pub.sequence),
    vaultTotals: pub.vaultTotals.map(dec),
    ...positionsInput(args.positions),
    ...sharedInput(args.size, args.policy, args.prices, args.liabilities, args.statements),
  };
}

/** The input object of `Rebalance(N, A, K, C)` (public signals computed from the same data). */
export function rebalanceInput(args: RebalanceWitnessArgs): RebalanceInput {
  const pub = rebalancePublicSignals(args);
  const before = args.oldPositions;
  const slotInBefore = before[args.slotIn]!;
  const slotOutBefore = before[args.slotOut]!;
  return {
    oldRoot: dec(pub.oldRoot),
    newRoot: dec(pub.newRoot),
    liabilitiesRoot: dec(pub.liabilitiesRoot),
    policyHash: dec(pub.policyHash),
    pricesHash: dec(pub.pricesHash),
    assetIn: dec(pub.assetIn),
    amountIn: dec(pub.amountIn),
    assetOut: dec(pub.assetOut),
    minAmountOut: dec(pub.minAmountOut),
    sequence: dec(pub.sequence),
    vaultTotals: pub.vaultTotals.map(dec),
    ...positionsInput(args.newPositions),
    oldLeaf: before.map((p) => dec(leafOf(p))),
    slotIn: String(args.slotIn),
    oldAmountIn: dec(slotInBefore.amount),
    oldSaltIn: dec(slotInBefore.salt),
    slotOut: String(args.slotOut),
    oldAssetOut: dec(slotOutBefore.assetIndex),
    oldCustodyOut: dec(slotOutBefore.custody ?? 0n),
    oldAmountOut: dec(slotOutBefore.amount),
    oldSaltOut: dec(slotOutBefore.salt),
    ...sharedInput(args.size, args.policy, args.prices, args.liabilities, args.statements),
  };
}

/** The input object of `Payout(N, A, K, C)` (public signals computed from the same data). */
export function payoutInput(args: PayoutWitnessArgs): PayoutInput {
  const pub = payoutPublicSignals(args);
  const before = args.oldPositions[args.slot]!;
  return {
    oldRoot: dec(pub.oldRoot),
    newRoot: dec(pub.newRoot),
    liabilitiesRoot: dec(pub.liabilitiesRoot),
    policyHash: dec(pub.policyHash),
    pricesHash: dec(pub.pricesHash),
    asset: dec(pub.asset),
    amount: dec(pub.amount),
    recipient: dec(pub.recipient),
    sequence: dec(pub.sequence),
    vaultTotals: pub.vaultTotals.map(dec),
    ...positionsInput(args.newPositions, "positionAmount"),
    oldLeaf: args.oldPositions.map((p) => dec(leafOf(p))),
    slot: String(args.slot),
    oldAmount: dec(before.amount),
    oldSalt: dec(before.salt),
    ...sharedInput(args.size, args.policy, args.prices, args.liabilities, args.statements),
  };
}

/**
 * The slots after `payout`: `slot` keeps its asset with `payout.amount` less, held by the vault, with a fresh
 * salt; every other slot is copied unchanged. Refuses (UserError) exactly what the circuit would refuse about
 * the transition itself: only a vault-held slot of the payout's asset that holds at least the amount pays.
 */
export function applyPayout(oldPositions: readonly Position[], payout: PayoutAction, slot: number, freshSalt: bigint): Position[] {
  checkSlot(slot, oldPositions.length, "slot");
  if (payout.amount <= 0n) throw new UserError("the payout amount must be positive", { where: "payout.amount" });
  if (payout.recipient < 0n || payout.recipient >= 1n << 160n) throw new UserError("the recipient is not a 20-byte address", { where: "payout.recipient" });
  const from = oldPositions[slot]!;
  if (from.assetIndex !== payout.asset) throw new UserError(`slot ${slot} holds asset ${from.assetIndex}, not the payout's asset ${payout.asset}`, { where: "slot" });
  if ((from.custody ?? 0n) !== 0n) {
    throw new UserError(`slot ${slot} is held at attestor ${from.custody}, not by the vault: only the vault's own tokens can be paid out`, { where: "slot" });
  }
  if (from.amount < payout.amount) throw new UserError(`slot ${slot} holds ${from.amount}, less than the payout ${payout.amount}`, { where: "payout.amount" });
  return oldPositions.map((p, i) =>
    i === slot ? { assetIndex: p.assetIndex, ...(p.custody === undefined ? {} : { custody: 0n }), amount: p.amount - payout.amount, salt: freshSalt } : { ...p },
  );
}

/**
 * The slots after `action`: `slotIn` keeps `assetIn` with `amountIn` less, `slotOut` takes `assetOut` with
 * `minAmountOut` more (an empty slot may change asset), both held by the vault (custody 0) with the given
 * fresh salts; every other slot is copied unchanged. Refuses (UserError) exactly what the circuit would
 * refuse about the transition itself: only vault-held funds can be swapped.
 */
export function applyAction(
  oldPositions: readonly Position[],
  action: RebalanceAction,
  slotIn: number,
  slotOut: number,
  freshSalts: { saltIn: bigint; saltOut: bigint },
): Position[] {
  const n = oldPositions.length;
  checkSlot(slotIn, n, "slotIn");
  checkSlot(slotOut, n, "slotOut");
  if (slotIn === slotOut) throw new UserError("slotIn and slotOut must differ", { where: "slotOut" });
  if (action.assetIn === action.assetOut) throw new UserError("assetIn and assetOut must differ", { where: "action.assetOut" });
  if (action.amountIn <= 0n) throw new UserError("amountIn must be positive", { where: "action.amountIn" });
  if (action.minAmountOut < 0n) throw new UserError("minAmountOut must not be negative", { where: "action.minAmountOut" });
  const from = oldPositions[slotIn]!;
  const to = oldPositions[slotOut]!;
  if (from.assetIndex !== action.assetIn) {
    throw new UserError(`slot ${slotIn} holds asset ${from.assetIndex}, not assetIn ${action.assetIn}`, { where: "slotIn" });
  }
  if ((from.custody ?? 0n) !== 0n) {
    throw new UserError(`slot ${slotIn} is held at attestor ${from.custody}, not by the vault: only the vault's own tokens can be swapped`, { where: "slotIn" });
  }
  if (to.amount !== 0n && (to.custody ?? 0n) !== 0n) {
    throw new UserError(`slot ${slotOut} is held at attestor ${to.custody}, not by the vault, and is not empty`, { where: "slotOut" });
  }
  if (from.amount < action.amountIn) {
    throw new UserError(`slot ${slotIn} holds ${from.amount}, less than amountIn ${action.amountIn}`, { where: "action.amountIn" });
  }
  if (to.amount !== 0n && to.assetIndex !== action.assetOut) {
    throw new UserError(`slot ${slotOut} holds asset ${to.assetIndex}, not assetOut ${action.assetOut}, and is not empty`, { where: "slotOut" });
  }
  // Both touched slots end up held by the vault (an absent custody already means the vault).
  const vault = (p: Position) => (p.custody === undefined ? {} : { custody: 0n });
  return oldPositions.map((p, i) => {
    if (i === slotIn) return { assetIndex: p.assetIndex, ...vault(p), amount: p.amount - action.amountIn, salt: freshSalts.saltIn };
    if (i === slotOut) return { assetIndex: action.assetOut, ...vault(p), amount: p.amount + action.minAmountOut, salt: freshSalts.saltOut };
    return { ...p };
  });
}

// ---- shape checks (sizes against the instance; canonical field elements) ----

function dec(x: bigint): Dec {
  return x.toString();
}

/** The positions' input arrays; S4 names the amounts `positionAmount` (its `amount` is the payout). */
function positionsInput(positions: readonly Position[]): { assetIndex: Dec[]; custody: Dec[]; amount: Dec[]; salt: Dec[] };
function positionsInput(positions: readonly Position[], amountName: "positionAmount"): { assetIndex: Dec[]; custody: Dec[]; positionAmount: Dec[]; salt: Dec[] };
function positionsInput(positions: readonly Position[], amountName = "amount"): Record<string, Dec[]> {
  return {
    assetIndex: positions.map((p) => dec(p.assetIndex)),
    custody: positions.map((p) => dec(p.custody ?? 0n)),
    [amountName]: positions.map((p) => dec(p.amount)),
    salt: positions.map((p) => dec(p.salt)),
  };
}

function checkField(value: bigint, where: string): void {
  if (typeof value !== "bigint") throw new UserError(`expected a bigint, got ${typeof value}`, { where });
  if (!isFieldElement(value)) throw new UserError(`${value} is not a field element (0 <= x < p)`, { where });
}

function checkLength(list: readonly unknown[] | undefined, expected: number, where: string, what: string): void {
  if (!Array.isArray(list)) throw new UserError(`expected a list of ${expected} ${what}`, { where });
  if (list.length !== expected) throw new UserError(`expected ${expected} ${what} (the circuit instance's size), got ${list.length}`, { where });
}

function checkSize(size: InstanceSize): void {
  const { N, A, K, C } = size;
  if (!Number.isInteger(C) || C < 1) throw new UserError(`C must be a positive integer, got ${C}`, { where: "size.C" });
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new UserError(`N must be a power of two >= 2, got ${N}`, { where: "size.N" });
  if (!Number.isInteger(A) || A < 1) throw new UserError(`A must be a positive integer, got ${A}`, { where: "size.A" });
  if (!Number.isInteger(K) || K < 0) throw new UserError(`K must be a non-negative integer, got ${K}`, { where: "size.K" });
}

function checkPositions(size: InstanceSize, positions: readonly Position[], where: string): void {
  checkLength(positions, size.N, where, "position slots (pad unused slots with amount 0 and a fresh salt)");
  positions.forEach((p, i) => {
    checkField(p.assetIndex, `${where}[${i}].assetIndex`);
    checkField(p.custody ?? 0n, `${where}[${i}].custody`);
    checkField(p.amount, `${where}[${i}].amount`);
    checkField(p.salt, `${where}[${i}].salt`);
  });
}

function checkStatements(size: InstanceSize, statements: readonly (SignedCustody | null)[] | undefined): void {
  if (statements === undefined) return;
  checkLength(statements as unknown[], size.C, "statements", "entries, one per attestor slot (null for none)");
  statements.forEach((st, c) => {
    if (st === null) return;
    checkField(st.timestamp, `statements[${c}].timestamp`);
    checkLength(st.amounts, size.A, `statements[${c}].amounts`, "amounts, one per asset");
    st.amounts.forEach((v, a) => checkField(v, `statements[${c}].amounts[${a}]`));
    checkField(st.r8x, `statements[${c}].r8x`);
    checkField(st.r8y, `statements[${c}].r8y`);
    checkField(st.s, `statements[${c}].s`);
  });
}

function checkShared(size: InstanceSize, policy: PolicyFields, prices: PriceFields, liabilities: LiabilitiesOpening): void {
  checkSize(size);
  const { A, K } = size;
  checkField(policy.chainId, "policy.chainId");
  checkField(policy.vault, "policy.vault");
  checkField(policy.liabilityAsset, "policy.liabilityAsset");
  checkField(policy.minCoverageBps, "policy.minCoverageBps");
  checkField(policy.minLiquidityBps, "policy.minLiquidityBps");
  checkField(policy.maxSlippageBps, "policy.maxSlippageBps");
  checkField(policy.maxAttestationAge, "policy.maxAttestationAge");
  checkField(policy.tokensDigest, "policy.tokensDigest");
  checkField(policy.rulesDigest, "policy.rulesDigest");
  checkLength(policy.attestorKeys, size.C, "policy.attestorKeys", "attestor keys, one per attestor slot");
  policy.attestorKeys.forEach((key, c) => {
    checkLength(key, 2, `policy.attestorKeys[${c}]`, "coordinates (Ax, Ay)");
    key.forEach((v, j) => checkField(v, `policy.attestorKeys[${c}][${j}]`));
  });
  for (const key of ["capBps", "haircutBps", "liquid"] as const) {
    checkLength(policy[key], A, `policy.${key}`, "entries, one per asset");
    policy[key].forEach((v, a) => checkField(v, `policy.${key}[${a}]`));
  }
  checkLength(policy.shockBps, K, "policy.shockBps", "stress scenarios");
  policy.shockBps.forEach((row, s) => {
    checkLength(row, A, `policy.shockBps[${s}]`, "entries, one per asset");
    row.forEach((v, a) => checkField(v, `policy.shockBps[${s}][${a}]`));
  });
  checkField(prices.timestamp, "prices.timestamp");
  checkLength(prices.unitPrices, A, "prices.unitPrices", "unit prices, one per asset");
  prices.unitPrices.forEach((v, a) => checkField(v, `prices.unitPrices[${a}]`));
  checkField(liabilities.leftHash, "liabilities.leftHash");
  checkField(liabilities.leftSum, "liabilities.leftSum");
  checkField(liabilities.rightHash, "liabilities.rightHash");
  checkField(liabilities.rightSum, "liabilities.rightSum");
}

function checkSequence(sequence: bigint): void {
  if (typeof sequence !== "bigint" || sequence < 0n || sequence >= 1n << 64n) {
    throw new UserError(`expected an integer in [0, 2^64), got ${String(sequence)}`, { where: "sequence" });
  }
}

function checkSlot(slot: number, n: number, where: string): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= n) throw new UserError(`slot ${slot} is not in [0, ${n})`, { where });
}

/** The checks every transition (S2, S4) shares: context, statements, sequence, old and new slots. */
function checkTransition(args: RebalanceWitnessArgs | PayoutWitnessArgs): void {
  checkShared(args.size, args.policy, args.prices, args.liabilities);
  checkStatements(args.size, args.statements);
  checkSequence(args.sequence);
  checkPositions(args.size, args.oldPositions, "oldPositions");
  checkPositions(args.size, args.newPositions, "newPositions");
}

function checkRebalance(args: RebalanceWitnessArgs): void {
  checkTransition(args);
  checkSlot(args.slotIn, args.size.N, "slotIn");
  checkSlot(args.slotOut, args.size.N, "slotOut");
  checkField(args.action.assetIn, "action.assetIn");
  checkField(args.action.amountIn, "action.amountIn");
  checkField(args.action.assetOut, "action.assetOut");
  checkField(args.action.minAmountOut, "action.minAmountOut");
}

/**
 * A slot without a statement: enabled = 0 (the circuit then requires nothing to be held there) with
 * placeholder values the signature verifier can compute over (R8 = the identity point (0, 1), S = 0).
 */
const NO_STATEMENT = { r8x: 0n, r8y: 1n, s: 0n, timestamp: 0n };

function sharedInput(
  size: InstanceSize,
  policy: PolicyFields,
  prices: PriceFields,
  liabilities: LiabilitiesOpening,
  statements: readonly (SignedCustody | null)[] | undefined,
): PolicyPricesLiabilitiesInput {
  const slots = Array.from({ length: size.C }, (_, c) => statements?.[c] ?? null);
  return {
    chainId: dec(policy.chainId),
    vault: dec(policy.vault),
    liabilityAsset: dec(policy.liabilityAsset),
    minCoverageBps: dec(policy.minCoverageBps),
    minLiquidityBps: dec(policy.minLiquidityBps),
    maxSlippageBps: dec(policy.maxSlippageBps),
    maxAttestationAge: dec(policy.maxAttestationAge),
    tokensDigest: dec(policy.tokensDigest),
    rulesDigest: dec(policy.rulesDigest),
    capBps: policy.capBps.map(dec),
    haircutBps: policy.haircutBps.map(dec),
    liquid: policy.liquid.map(dec),
    attestorKey: policy.attestorKeys.map((key) => key.map(dec)),
    shockBps: policy.shockBps.map((row) => row.map(dec)),
    stEnabled: slots.map((st) => (st ? "1" : "0")),
    stTimestamp: slots.map((st) => dec((st ?? NO_STATEMENT).timestamp)),
    stAmount: slots.map((st) => (st ? st.amounts.map(dec) : Array.from({ length: size.A }, () => "0"))),
    stR8x: slots.map((st) => dec((st ?? NO_STATEMENT).r8x)),
    stR8y: slots.map((st) => dec((st ?? NO_STATEMENT).r8y)),
    stS: slots.map((st) => dec((st ?? NO_STATEMENT).s)),
    priceTimestamp: dec(prices.timestamp),
    unitPrice: prices.unitPrices.map(dec),
    liabLeftHash: dec(liabilities.leftHash),
    liabLeftSum: dec(liabilities.leftSum),
    liabRightHash: dec(liabilities.rightHash),
    liabRightSum: dec(liabilities.rightSum),
  };
}

function checkPayout(args: PayoutWitnessArgs): void {
  checkTransition(args);
  checkSlot(args.slot, args.size.N, "slot");
  checkField(args.payout.asset, "payout.asset");
  checkField(args.payout.amount, "payout.amount");
  checkField(args.payout.recipient, "payout.recipient");
}
