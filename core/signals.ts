/**
 * Public signal names of each statement, in the order the circuits declare them (docs/ARCHITECTURE.md,
 * "Statements"). The verifier orders a bundle's named signals by this list, never by the bundle's own
 * key order, so a reordered bundle cannot pass a signal under another name. Browser-safe.
 */
import { FIELD_MODULUS } from "./field.ts";

/** The statements a bundle may carry. */
export const STATEMENTS = ["solvency", "rebalance", "payout"] as const;
export type Statement = (typeof STATEMENTS)[number];

/** Public signals of S1, S2 and S4, in declaration order. */
export const PUBLIC_SIGNALS: Readonly<Record<Statement, readonly string[]>> = {
  solvency: ["positionsRoot", "liabilitiesRoot", "policyHash", "pricesHash", "sequence"],
  rebalance: [
    "oldRoot",
    "newRoot",
    "liabilitiesRoot",
    "policyHash",
    "pricesHash",
    "assetIn",
    "amountIn",
    "assetOut",
    "minAmountOut",
    "sequence",
  ],
  payout: ["oldRoot", "newRoot", "liabilitiesRoot", "policyHash", "pricesHash", "asset", "amount", "recipient", "sequence"],
};

const mod = (x: bigint): bigint => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

/** Bits of one vault-total lane: the circuits pack two vault totals per public signal (PackTotals). */
export const VAULT_LANE_BITS = 128n;

/** How many packed vault-total signals a statement over `assetCount` assets ends with. */
export function vaultTotalsSignalCount(assetCount: number): number {
  return Math.ceil(assetCount / 2);
}

/**
 * Every public signal name of a statement over `assetCount` assets, in declaration order: the scalar
 * signals of `PUBLIC_SIGNALS`, then `vaultTotals[0]`, `vaultTotals[1]`, ... (two assets per signal).
 */
export function publicSignalNamesFor(statement: Statement, assetCount: number): string[] {
  const packed = Array.from({ length: vaultTotalsSignalCount(assetCount) }, (_, j) => `vaultTotals[${j}]`);
  return [...PUBLIC_SIGNALS[statement], ...packed];
}

/**
 * Packs per-asset vault totals two per field element, `t[2j] + t[2j+1] * 2^128 (mod p)`, as the circuits do.
 * One-to-one when every total is below 2^128 (the circuits keep them below 2^101); out-of-range totals are
 * packed as the circuit would compute them (the witness builders leave ranges to the circuits).
 */
export function packVaultTotals(totals: readonly bigint[]): bigint[] {
  const lane = 1n << VAULT_LANE_BITS;
  const packed: bigint[] = [];
  for (let j = 0; j < totals.length; j += 2) packed.push(mod(totals[j]! + (totals[j + 1] ?? 0n) * lane));
  return packed;
}

/** The inverse of `packVaultTotals`: `assetCount` totals from the packed signals. */
export function unpackVaultTotals(packed: readonly bigint[], assetCount: number): bigint[] {
  const mask = (1n << VAULT_LANE_BITS) - 1n;
  return Array.from({ length: assetCount }, (_, a) => ((packed[a >> 1] ?? 0n) >> (VAULT_LANE_BITS * BigInt(a & 1))) & mask);
}

/**
 * SolvencyRegistry's `Attestation` struct as an ABI tuple: the registry stores the keccak hash of its ABI
 * encoding and emits it in `AttestationPublished`; readers (chain/gate.ts, the page) check one against the other.
 */
export const ATTESTATION_TUPLE =
  "tuple(uint256 positionsRoot, uint256 liabilitiesRoot, uint256 policyHash, uint256 pricesHash, uint64 sequence, uint64 snapshotId, uint64 liabilitiesEpoch, uint64 policyVersion, uint64 publishedAt)";

/** The statement an instance proves, from its name (`solvency-test` -> `solvency`), or undefined. */
export function statementOfInstance(instance: string): Statement | undefined {
  return STATEMENTS.find((s) => instance === s || instance.startsWith(`${s}-`));
}
