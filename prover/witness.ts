/**
 * Witness builders for S1 (Solvency) and S2 (Rebalance): turn the domain types into the circuits' input
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
import type { InstanceSize, LiabilitiesOpening, PolicyFields, Position, PriceFields, RebalanceAction } from "../core/types.ts";
import { PUBLIC_SIGNALS, type Statement } from "../core/signals.ts";

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
  rulesDigest: Dec;
  capBps: Dec[];
  haircutBps: Dec[];
  liquid: Dec[];
  shockBps: Dec[][];
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
}

/** The complete input of `Solvency(N, A, K)`. */
export type SolvencyInput = PolicyPricesLiabilitiesInput & {
  positionsRoot: Dec;
  liabilitiesRoot: Dec;
  policyHash: Dec;
  pricesHash: Dec;
  sequence: Dec;
  assetIndex: Dec[];
  amount: Dec[];
  salt: Dec[];
};

/** The complete input of `Rebalance(N, A, K)`. */
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
  assetIndex: Dec[];
  amount: Dec[];
  salt: Dec[];
  oldLeaf: Dec[];
  slotIn: Dec;
  oldAmountIn: Dec;
  oldSaltIn: Dec;
  slotOut: Dec;
  oldAssetOut: Dec;
  oldAmountOut: Dec;
  oldSaltOut: Dec;
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
}

/** Public signal names of a statement, in the order the circuit declares them (and snarkjs lists them). */
export function publicSignalNames(statement: Statement): readonly string[] {
  const names = PUBLIC_SIGNALS[statement];
  if (!names) throw new UserError(`unknown statement ${JSON.stringify(statement)} (expected solvency or rebalance)`, { where: "statement" });
  return names;
}

/** Public signals as snarkjs returns them: decimal strings in declaration order. */
export function publicSignalList(statement: "solvency", signals: SolvencyPublicSignals): string[];
export function publicSignalList(statement: "rebalance", signals: RebalancePublicSignals): string[];
export function publicSignalList(statement: Statement, signals: SolvencyPublicSignals | RebalancePublicSignals): string[] {
  const named = signals as unknown as Record<string, bigint>;
  return publicSignalNames(statement).map((name) => {
    const value = named[name];
    if (value === undefined) throw new UserError(`missing public signal ${name}`, { where: `publicSignals.${name}` });
    return value.toString();
  });
}

/** Root of the positions tree over `positions`. */
export function positionsRoot(positions: readonly Position[]): bigint {
  return merkleRoot(positions.map((p) => positionLeaf(p.assetIndex, p.amount, p.salt)));
}

/** The liabilities root opened by its two children: `Poseidon(l.hash, l.sum, r.hash, r.sum)`. */
export function liabilitiesRoot(opening: LiabilitiesOpening): bigint {
  return sumNode({ hash: opening.leftHash, sum: opening.leftSum }, { hash: opening.rightHash, sum: opening.rightSum }).hash;
}

/** The public signals S1 exposes for this data, computed in TypeScript. */
export function solvencyPublicSignals(args: SolvencyWitnessArgs): SolvencyPublicSignals {
  checkShared(args.size, args.policy, args.prices, args.liabilities);
  checkSequence(args.sequence);
  checkPositions(args.size, args.positions, "positions");
  return {
    positionsRoot: positionsRoot(args.positions),
    liabilitiesRoot: liabilitiesRoot(args.liabilities),
    policyHash: policyHash(args.policy),
    pricesHash: pricesHash(args.prices),
    sequence: args.sequence,
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
  };
}

/** The input object of `Solvency(N, A, K)` (public signals computed from the same data). */
export function solvencyInput(args: SolvencyWitnessArgs): SolvencyInput {
  const pub = solvencyPublicSignals(args);
  return {
    positionsRoot: dec(pub.positionsRoot),
    liabilitiesRoot: dec(pub.liabilitiesRoot),
    policyHash: dec(pub.policyHash),
    pricesHash: dec(pub.pricesHash),
    sequence: dec(pub.sequence),
    assetIndex: args.positions.map((p) => dec(p.assetIndex)),
    amount: args.positions.map((p) => dec(p.amount)),
    salt: args.positions.map((p) => dec(p.salt)),
    ...sharedInput(args.policy, args.prices, args.liabilities),
  };
}

/** The input object of `Rebalance(N, A, K)` (public signals computed from the same data). */
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
    assetIndex: args.newPositions.map((p) => dec(p.assetIndex)),
    amount: args.newPositions.map((p) => dec(p.amount)),
    salt: args.newPositions.map((p) => dec(p.salt)),
    oldLeaf: before.map((p) => dec(positionLeaf(p.assetIndex, p.amount, p.salt))),
    slotIn: String(args.slotIn),
    oldAmountIn: dec(slotInBefore.amount),
    oldSaltIn: dec(slotInBefore.salt),
    slotOut: String(args.slotOut),
    oldAssetOut: dec(slotOutBefore.assetIndex),
    oldAmountOut: dec(slotOutBefore.amount),
    oldSaltOut: dec(slotOutBefore.salt),
    ...sharedInput(args.policy, args.prices, args.liabilities),
  };
}

/**
 * The slots after `action`: `slotIn` keeps `assetIn` with `amountIn` less, `slotOut` takes `assetOut` with
 * `minAmountOut` more (an empty slot may change asset), both with the given fresh salts; every other slot is
 * copied unchanged. Refuses (UserError) exactly what the circuit would refuse about the transition itself.
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
  if (from.amount < action.amountIn) {
    throw new UserError(`slot ${slotIn} holds ${from.amount}, less than amountIn ${action.amountIn}`, { where: "action.amountIn" });
  }
  if (to.amount !== 0n && to.assetIndex !== action.assetOut) {
    throw new UserError(`slot ${slotOut} holds asset ${to.assetIndex}, not assetOut ${action.assetOut}, and is not empty`, { where: "slotOut" });
  }
  return oldPositions.map((p, i) => {
    if (i === slotIn) return { assetIndex: p.assetIndex, amount: p.amount - action.amountIn, salt: freshSalts.saltIn };
    if (i === slotOut) return { assetIndex: action.assetOut, amount: p.amount + action.minAmountOut, salt: freshSalts.saltOut };
    return { ...p };
  });
}

// ---- shape checks (sizes against the instance; canonical field elements) ----

function dec(x: bigint): Dec {
  return x.toString();
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
  const { N, A, K } = size;
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new UserError(`N must be a power of two >= 2, got ${N}`, { where: "size.N" });
  if (!Number.isInteger(A) || A < 1) throw new UserError(`A must be a positive integer, got ${A}`, { where: "size.A" });
  if (!Number.isInteger(K) || K < 0) throw new UserError(`K must be a non-negative integer, got ${K}`, { where: "size.K" });
}

function checkPositions(size: InstanceSize, positions: readonly Position[], where: string): void {
  checkLength(positions, size.N, where, "position slots (pad unused slots with amount 0 and a fresh salt)");
  positions.forEach((p, i) => {
    checkField(p.assetIndex, `${where}[${i}].assetIndex`);
    checkField(p.amount, `${where}[${i}].amount`);
    checkField(p.salt, `${where}[${i}].salt`);
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
  checkField(policy.rulesDigest, "policy.rulesDigest");
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

function checkRebalance(args: RebalanceWitnessArgs): void {
  checkShared(args.size, args.policy, args.prices, args.liabilities);
  checkSequence(args.sequence);
  checkPositions(args.size, args.oldPositions, "oldPositions");
  checkPositions(args.size, args.newPositions, "newPositions");
  checkSlot(args.slotIn, args.size.N, "slotIn");
  checkSlot(args.slotOut, args.size.N, "slotOut");
  checkField(args.action.assetIn, "action.assetIn");
  checkField(args.action.amountIn, "action.amountIn");
  checkField(args.action.assetOut, "action.assetOut");
  checkField(args.action.minAmountOut, "action.minAmountOut");
}

function sharedInput(policy: PolicyFields, prices: PriceFields, liabilities: LiabilitiesOpening): PolicyPricesLiabilitiesInput {
  return {
    chainId: dec(policy.chainId),
    vault: dec(policy.vault),
    liabilityAsset: dec(policy.liabilityAsset),
    minCoverageBps: dec(policy.minCoverageBps),
    minLiquidityBps: dec(policy.minLiquidityBps),
    maxSlippageBps: dec(policy.maxSlippageBps),
    rulesDigest: dec(policy.rulesDigest),
    capBps: policy.capBps.map(dec),
    haircutBps: policy.haircutBps.map(dec),
    liquid: policy.liquid.map(dec),
    shockBps: policy.shockBps.map((row) => row.map(dec)),
    priceTimestamp: dec(prices.timestamp),
    unitPrice: prices.unitPrices.map(dec),
    liabLeftHash: dec(liabilities.leftHash),
    liabLeftSum: dec(liabilities.leftSum),
    liabRightHash: dec(liabilities.rightHash),
    liabRightSum: dec(liabilities.rightSum),
  };
}
