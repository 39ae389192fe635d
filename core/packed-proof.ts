/**
 * The packed `uint256[8]` form of a Groth16 proof that the snarkjs-generated Solidity verifier takes:
 * `[a0, a1, b01, b00, b11, b10, c0, c1]` where `bij = proof.pi_b[i][j]`. The G2 coordinates are swapped
 * because snarkjs stores an Fp2 element as (c0, c1) while the EVM pairing precompile (EIP-197) expects
 * (c1, c0). Same order as `snarkjs groth16 exportsoliditycalldata`. Browser-safe.
 */

/** The parts of a snarkjs proof the packing reads (projective coordinates; the third is 1). */
export interface ProofPoints {
  pi_a: readonly string[];
  pi_b: readonly (readonly string[])[];
  pi_c: readonly string[];
}

/** Packs a snarkjs Groth16 proof into the eight decimal strings the Solidity verifier takes. */
export function packProof(proof: ProofPoints): string[] {
  const a = proof.pi_a;
  const b = proof.pi_b;
  const c = proof.pi_c;
  const packed = [a[0], a[1], b[0]?.[1], b[0]?.[0], b[1]?.[1], b[1]?.[0], c[0], c[1]];
  if (packed.some((x) => x === undefined)) throw new RangeError("packProof: the proof is missing coordinates");
  return packed.map((x) => BigInt(x!).toString());
}
