/**
 * Domain types shared by the prover, the circuits' witness builders, the contracts glue and the keeper.
 * All values are exact integers (DESIGN section 2). Browser-safe.
 */
export type { PolicyFields, PriceFields, SumNode } from "./hash.ts";

/** One committed position: a slot of the positions tree. */
export interface Position {
  assetIndex: bigint;
  /** Who holds it: 0 (or absent) = the vault contract itself, c in 1..C = the policy's attestor c. */
  custody?: bigint;
  /** Token base units, < 2^96. */
  amount: bigint;
  /** Random field element, kept private. */
  salt: bigint;
}

/** The two children of the liabilities root; their sums add up to the (private) liabilities total. */
export interface LiabilitiesOpening {
  leftHash: bigint;
  leftSum: bigint;
  rightHash: bigint;
  rightSum: bigint;
}

/** A swap the vault may make: sell `amountIn` of `assetIn` for at least `minAmountOut` of `assetOut`. */
export interface RebalanceAction {
  assetIn: bigint;
  amountIn: bigint;
  assetOut: bigint;
  minAmountOut: bigint;
}

/** A payout (S4): `amount` of asset `asset` leaves the vault for `recipient` (an address as an integer < 2^160). */
export interface PayoutAction {
  asset: bigint;
  amount: bigint;
  recipient: bigint;
}

/**
 * One attestor slot's custody statement as the circuits take it (core/attestation.ts has the file format):
 * the statement's time, the amount of each asset it signs (policy order) and its EdDSA-Poseidon signature.
 */
export interface SignedCustody {
  timestamp: bigint;
  amounts: readonly bigint[];
  r8x: bigint;
  r8y: bigint;
  s: bigint;
}

/** Circuit instance sizes. */
export interface InstanceSize {
  /** Position slots (power of two). */
  N: number;
  /** Assets. */
  A: number;
  /** Stress scenarios. */
  K: number;
  /** Attestor slots (custodians other than the vault). */
  C: number;
}
