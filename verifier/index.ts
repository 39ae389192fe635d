/**
 * The verifier library, browser-safe: bundle schema, verification, and the helpers a page needs to show
 * what a bundle proves. Node-only helpers (loading keys from build/circuits) are in verifier/node.ts.
 */
export { verifyBundle, type VerifyResult, type VerificationKey, type VerificationKeys } from "./verify.ts";
export {
  bundleSchema,
  BUNDLE_FORMAT,
  type ProofBundle,
  type BundlePolicy,
  type BundlePrices,
  type BundleAction,
  type Groth16Proof,
} from "../core/bundle-schema.ts";
export { PUBLIC_SIGNALS, STATEMENTS, statementOfInstance, type Statement } from "../core/signals.ts";
export { canonicalJson, sha256Hex, vkeyHash } from "../core/canonical.ts";
export { packProof } from "../core/packed-proof.ts";
export { policyFromBundle, policyFieldsFromBundle, priceFieldsFromBundle, type Rebuilt } from "./bundle-fields.ts";
