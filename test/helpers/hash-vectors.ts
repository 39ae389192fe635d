/** Shared Poseidon test vectors: checked in TS, in a circuit witness and in Solidity. */
export const VECTORS = {
  leafIn: [3n, 2n, 1_000_000n, 123456789n] as const,
  nodeIn: [11n, 22n] as const,
  sumIn: [5n, 100n, 6n, 250n] as const,
  list: [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n],
};
