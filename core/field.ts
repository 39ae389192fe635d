/**
 * The BN254 scalar field and the integer bounds of DESIGN section 2, shared by every module that
 * builds or checks values. Pure TypeScript (browser-safe): no `node:` imports.
 */

/** The BN254 scalar field modulus (the field circom and Groth16 work in). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * The BN254 base field modulus q: curve point coordinates (a proof's pi_a, pi_b, pi_c) live below it. snarkjs
 * reduces a coordinate modulo q before the pairing, so `x + q` would verify as `x`: a second encoding of the
 * same proof. Canonical encodings keep every coordinate below q (and the contracts refuse the rest).
 */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Amounts are token base units below 2^96. */
export const AMOUNT_BITS = 96;
/** Unit prices (USD per base unit x 10^36) are below 2^128 and positive. */
export const PRICE_BITS = 128;
/** Basis points: 10,000 = 100%. */
export const BPS = 10_000n;

/** True when `x` is a canonical field element (0 <= x < p). */
export function isFieldElement(x: bigint): boolean {
  return x >= 0n && x < FIELD_MODULUS;
}

/** Parses a decimal or 0x-hex string / number / bigint into a canonical field element, or throws naming `field`. */
export function toField(x: unknown, field = "value"): bigint {
  let v: bigint;
  try {
    if (typeof x === "bigint") v = x;
    else if (typeof x === "number" && Number.isSafeInteger(x)) v = BigInt(x);
    else if (typeof x === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(x.trim())) v = BigInt(x.trim());
    else throw new Error();
  } catch {
    throw new RangeError(`${field}: expected a non-negative integer, got ${JSON.stringify(String(x))}`);
  }
  if (!isFieldElement(v)) throw new RangeError(`${field}: ${v} is not below the BN254 field modulus`);
  return v;
}
