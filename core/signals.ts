/**
 * Public signal names of each statement, in the order the circuits declare them (docs/ARCHITECTURE.md,
 * "Statements"). The verifier orders a bundle's named signals by this list, never by the bundle's own
 * key order, so a reordered bundle cannot pass a signal under another name. Browser-safe.
 */

/** The statements a bundle may carry. */
export const STATEMENTS = ["solvency", "rebalance"] as const;
export type Statement = (typeof STATEMENTS)[number];

/** Public signals of S1 and S2, in declaration order. */
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
};

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
