/**
 * The page's link to the verifier library: a bundle, and a user's inclusion proof, against the pinned keys.
 * Runs in the worker, against the keys pinned at build time only. Bundles go through the verifier library
 * (verifier/verify.ts) and inclusion proofs through verifier/inclusion.ts: the same code the CLI runs in Node.
 */
import { liabilityLeaf, userIdHash } from "../../../core/hash.ts";
import { verifyInclusionProof } from "../../inclusion.ts";
import { verifyBundle, type VerificationKey, type VerificationKeys } from "../../verify.ts";
import type { PinnedKeyRecord } from "../pinned-keys-plugin.ts";

type Json = Record<string, unknown>;

/** The verdict of one Groth16 check with the bundle checks around it. */
export interface ProofCheck {
  valid: boolean;
  reasons: string[];
  /** Time spent in the library check (ms): schema, hashes, key fingerprint and pairing. */
  verifyMs: number;
  /** Whether the Groth16 pairing check alone passed, when it ran. */
  proofValid?: boolean;
}

function isObject(x: unknown): x is Json {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

function findKey(keys: readonly PinnedKeyRecord[], vkeyHash: unknown): PinnedKeyRecord | undefined {
  return typeof vkeyHash === "string" ? keys.find((k) => k.vkeyHash === vkeyHash.toLowerCase()) : undefined;
}

/** The pinned keys in the form verifier/verify.ts takes: by instance name. */
function keysByInstance(keys: readonly PinnedKeyRecord[]): VerificationKeys {
  return Object.fromEntries(keys.map((k) => [k.instance, k.vkey as unknown as VerificationKey]));
}

/**
 * Checks an attestation bundle with the verifier library (schema, instance, key fingerprint, policy and
 * prices against their signals, packed proof, Groth16), against the pinned keys only. A bundle whose
 * `vkeyHash` is not a pinned key is refused with that reason first. Never throws.
 */
export async function verifyAttestation(bundle: unknown, keys: readonly PinnedKeyRecord[]): Promise<ProofCheck> {
  const start = performance.now();
  const result = await verifyBundle(bundle, keysByInstance(keys));
  const verifyMs = performance.now() - start;
  const reasons = [...result.reasons];
  const named = isObject(bundle) ? bundle.vkeyHash : undefined;
  if (result.bundle && !findKey(keys, named)) {
    // Said once, in the page's terms, instead of the library's per-instance wording.
    const rest = reasons.filter((r) => !r.startsWith("vkeyHash "));
    reasons.splice(0, reasons.length, `vkeyHash ${String(named)} is not one of the verification keys pinned in this page`, ...rest);
  }
  return { valid: result.valid && reasons.length === 0, reasons, verifyMs, ...(result.proofValid !== undefined ? { proofValid: result.proofValid } : {}) };
}

/** What a user's inclusion proof file says, once read. */
export interface InclusionFields {
  userId?: string;
  /** Balance in the liability unit, as the file writes it (e.g. "1500.25"). */
  balance?: string;
  root?: string;
  /** The liabilities epoch the operator labels the root with (not proven). */
  epoch?: number;
}

/** Result of checking a user's inclusion proof file. */
export interface InclusionCheck extends ProofCheck {
  fields: InclusionFields;
  /** Leaf hash recomputed from id, balance and salt equals the proven leaf hash. */
  leafMatches: boolean;
}

/**
 * Checks a user's inclusion proof file with the verifier library (schema, leaf hash recomputed from the
 * user's id, balance and salt, key fingerprint, Groth16) against the pinned keys. The comparison with the
 * attestation's root is left to the caller. Never throws.
 */
export async function verifyInclusionFile(file: unknown, keys: readonly PinnedKeyRecord[]): Promise<InclusionCheck> {
  const start = performance.now();
  const result = await verifyInclusionProof(file, keysByInstance(keys));
  const verifyMs = performance.now() - start;
  const f = result.file;
  let leafMatches = false;
  if (f) {
    try {
      leafMatches = liabilityLeaf(userIdHash(f.user.id), BigInt(f.user.balanceBaseUnits), BigInt(f.user.salt)) === BigInt(f.leafHash);
    } catch {
      leafMatches = false;
    }
  }
  const reasons = [...result.reasons];
  if (f && !findKey(keys, f.vkeyHash)) {
    const rest = reasons.filter((r) => !r.startsWith("vkeyHash "));
    reasons.splice(0, reasons.length, `vkeyHash ${f.vkeyHash} is not one of the verification keys pinned in this page`, ...rest);
  }
  return {
    valid: result.valid && reasons.length === 0,
    reasons,
    verifyMs,
    leafMatches,
    fields: f ? { userId: f.user.id, balance: f.user.balance, root: f.root, ...(f.epoch !== undefined ? { epoch: f.epoch } : {}) } : {},
  };
}
