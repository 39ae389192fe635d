/**
 * The proof bundle (`homeostat-bundle/1`, docs/ARCHITECTURE.md "Proof bundle"): what `homeostat prove`
 * writes and what the verifier, the contracts glue and the browser page read. Every integer is a decimal
 * string. The policy and prices appear twice: as the exact field lists that hash to the public signals and
 * in readable form (the verifier checks that both agree). Browser-safe (zod only).
 */
import { z } from "zod";
import { BASE_FIELD_MODULUS, FIELD_MODULUS } from "./field.ts";

/** Format tag of the current bundle version. */
export const BUNDLE_FORMAT = "homeostat-bundle/1";

/** A decimal string holding a canonical BN254 field element. */
export const fieldString = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, "expected a decimal integer string")
  .refine((s) => BigInt(s) < FIELD_MODULUS, "not below the BN254 field modulus");

/**
 * A curve point coordinate: a decimal below the base field modulus q (a different prime from the scalar
 * field's). snarkjs would reduce `x + q` to `x` and accept it: a second encoding of the same proof, which
 * canonical encodings exclude (so do the contracts, contracts/IGroth16Verifiers.sol).
 */
export const coordinateString = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, "expected a decimal integer string")
  .refine((s) => BigInt(s) < BASE_FIELD_MODULUS, "not below the BN254 base field modulus q (a non-canonical encoding)");

/** snarkjs writes points in affine form: the projective third coordinate is exactly 1 (1 + 0i for G2). */
const affine = (value: "0" | "1") => z.literal(value, { errorMap: () => ({ message: `expected "${value}" (snarkjs writes affine points, z = 1)` }) });
const g1Point = z.tuple([coordinateString, coordinateString, affine("1")]);
const g2Point = z.tuple([z.tuple([coordinateString, coordinateString]), z.tuple([coordinateString, coordinateString]), z.tuple([affine("1"), affine("0")])]);

/** A snarkjs Groth16 proof object. */
export const groth16ProofSchema = z
  .object({
    pi_a: g1Point,
    pi_b: g2Point,
    pi_c: g1Point,
    protocol: z.literal("groth16"),
    curve: z.literal("bn128"),
  })
  .strict();

const addressString = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 20-byte hex address");

/** One asset of the policy, readable form. */
export const bundlePolicyAssetSchema = z
  .object({
    symbol: z.string(),
    decimals: z.number().int().min(0).max(36),
    token: addressString,
    feed: addressString,
    feedDecimals: z.number().int().min(0).max(36),
    maxAge: z.number().int().nonnegative(),
    minAnswer: fieldString,
    maxAnswer: fieldString,
    capBps: fieldString,
    haircutBps: fieldString,
    liquid: z.boolean(),
  })
  .strict();

/** The policy used: its field list (hashed into `policyHash`) and its readable form. */
export const bundlePolicySchema = z
  .object({
    fields: z.array(fieldString).min(12),
    chainId: fieldString,
    vault: addressString,
    liabilityAsset: z.number().int().nonnegative(),
    minCoverageBps: fieldString,
    minLiquidityBps: fieldString,
    maxSlippageBps: fieldString,
    maxSnapshotAge: z.number().int().nonnegative(),
    liabilitiesDelay: z.number().int().nonnegative(),
    sequencerFeed: addressString,
    sequencerGracePeriod: z.number().int().nonnegative(),
    maxAttestationAge: z.number().int().nonnegative(),
    /** Every attestor slot in order (C of them); an empty slot has the key ("0", "0") and no name. */
    attestors: z.array(z.object({ name: z.string(), publicKey: z.tuple([fieldString, fieldString]) }).strict()).min(1),
    assets: z.array(bundlePolicyAssetSchema).min(1),
    scenarios: z.array(z.object({ name: z.string(), shockBps: z.array(fieldString) }).strict()).min(1),
  })
  .strict();

/** One asset's price, readable form. */
export const bundlePriceAssetSchema = z
  .object({
    symbol: z.string(),
    answer: fieldString,
    feedDecimals: z.number().int().min(0).max(36),
    updatedAt: fieldString.optional(),
    unitPrice: fieldString,
  })
  .strict();

/** The price snapshot used: its field list (hashed into `pricesHash`) and its readable form. */
export const bundlePricesSchema = z
  .object({
    fields: z.array(fieldString).min(2),
    timestamp: fieldString,
    assets: z.array(bundlePriceAssetSchema).min(1),
  })
  .strict();

/** The swap of a rebalance bundle, as fields and in words. */
export const bundleActionSchema = z
  .object({
    assetIn: fieldString,
    amountIn: fieldString,
    assetOut: fieldString,
    minAmountOut: fieldString,
    sell: z.string(),
    amount: z.string(),
    buy: z.string(),
    minOut: z.string(),
  })
  .strict();

/** The payout of a payout bundle (S4), as fields and in words. */
export const bundlePayoutSchema = z
  .object({
    asset: fieldString,
    amount: fieldString,
    recipient: fieldString,
    /** The asset's symbol, the amount in token units and the recipient as a checksum-free hex address. */
    symbol: z.string(),
    units: z.string(),
    to: addressString,
  })
  .strict();

/** A proof bundle. */
export const bundleSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    statement: z.enum(["solvency", "rebalance", "payout"]),
    instance: z.string().min(1),
    vkeyHash: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits (sha256)"),
    proof: groth16ProofSchema,
    packedProof: z.array(coordinateString).length(8),
    publicSignals: z.record(z.string(), fieldString),
    policy: bundlePolicySchema,
    prices: bundlePricesSchema,
    action: bundleActionSchema.optional(),
    payout: bundlePayoutSchema.optional(),
    createdAt: z.string().datetime({ offset: true }),
  })
  .strict();

/** A proof bundle as stored (all integers as decimal strings). */
export type ProofBundle = z.infer<typeof bundleSchema>;
/** The policy part of a bundle. */
export type BundlePolicy = z.infer<typeof bundlePolicySchema>;
/** The prices part of a bundle. */
export type BundlePrices = z.infer<typeof bundlePricesSchema>;
/** The action of a rebalance bundle. */
export type BundleAction = z.infer<typeof bundleActionSchema>;
/** The payout of a payout bundle. */
export type BundlePayout = z.infer<typeof bundlePayoutSchema>;
/** A snarkjs Groth16 proof. */
export type Groth16Proof = z.infer<typeof groth16ProofSchema>;
