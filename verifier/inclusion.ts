/**
 * A user's liability inclusion proof (`homeostat-inclusion/1`, statement S3) and its verification.
 * The file carries what a user needs to check, alone, that their balance is counted: the liabilities
 * root, their leaf hash, the Groth16 proof, and the fields the leaf hash is recomputed from (their id,
 * balance and salt). Verification recomputes `userIdHash(id)` and `liabilityLeaf(userIdHash, balance,
 * salt)` with core/hash.ts, checks them against the proven public signals, then runs the Groth16
 * check. Browser-safe: no `node:` imports (WebCrypto for the key fingerprint, snarkjs for the pairing).
 * Never throws on bad input: it returns `{valid, reasons}`.
 */
import { groth16 } from "snarkjs";
import { z } from "zod";
import { liabilityLeaf, userIdHash } from "../core/hash.ts";
import { describeZodError } from "../core/schemas.ts";
import { vkeyHash } from "../core/canonical.ts";
import { fieldString, groth16ProofSchema } from "../core/bundle-schema.ts";
import type { VerificationKeys } from "./verify.ts";

/** Format tag of an inclusion proof file. */
export const INCLUSION_FORMAT = "homeostat-inclusion/1";
/** Public signals of S3, in declaration order (docs/ARCHITECTURE.md). */
export const INCLUSION_SIGNALS = ["liabilitiesRoot", "leafHash"] as const;

/** An inclusion proof file. Integers are decimal strings. */
export const inclusionProofSchema = z
  .object({
    format: z.literal(INCLUSION_FORMAT),
    statement: z.literal("inclusion"),
    instance: z.string().regex(/^inclusion(-[a-z0-9-]+)?$/, "not an inclusion instance name"),
    vkeyHash: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 hex digits"),
    /** The liabilities root (the published liabilities commitment). */
    root: fieldString,
    /** The user's leaf hash. */
    leafHash: fieldString,
    /**
     * The liabilities epoch the root was published as (SolvencyRegistry `liabilitiesRootOf(epoch)`), when the
     * operator named it. A label, not proven: the on-chain check compares the root with that epoch's root.
     */
    epoch: z.number().int().min(1).max(2 ** 32 - 1).optional(),
    user: z
      .object({
        /** The user id as in the liabilities file (canonical form: NFC, trimmed). */
        id: z.string().min(1),
        userIdHash: fieldString,
        /** Balance in the liability unit, e.g. "10.5". */
        balance: z.string().regex(/^\d+(\.\d+)?$/, "expected a decimal number"),
        /** The same balance in base units. */
        balanceBaseUnits: fieldString,
        decimals: z.number().int().min(0).max(36),
        salt: fieldString,
      })
      .strict(),
    publicSignals: z.object({ liabilitiesRoot: fieldString, leafHash: fieldString }).strict(),
    proof: groth16ProofSchema,
    createdAt: z.string(),
  })
  .strict();

export type InclusionProof = z.infer<typeof inclusionProofSchema>;

/** The verdict: `valid` only when every check passed; `reasons` says why not, one line each. */
export interface InclusionVerifyResult {
  valid: boolean;
  reasons: string[];
  /** The parsed file, when it passed the schema. */
  file?: InclusionProof;
}

/** What the verifier is told from outside the file. */
export interface InclusionExpectations {
  /** The published liabilities root: the proof must be for this root. */
  root?: string | bigint;
  /** The user's own id: the proof must be about this user. */
  userId?: string;
  /** The user's own balance in base units. */
  balanceBaseUnits?: string | bigint;
}

/** Base units of a decimal balance string with `decimals` decimals, or undefined when it does not fit exactly. */
function baseUnits(balance: string, decimals: number): bigint | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(balance);
  if (!m) return undefined;
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) return undefined;
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/**
 * Checks an inclusion proof file (any parsed JSON) against the trusted verification keys. Every check
 * runs even after one fails, so a forged file reports all its faults.
 */
export async function verifyInclusionProof(input: unknown, vkeys: VerificationKeys, expect: InclusionExpectations = {}): Promise<InclusionVerifyResult> {
  const parsed = inclusionProofSchema.safeParse(input);
  if (!parsed.success) return { valid: false, reasons: [`malformed inclusion proof: ${describeZodError(parsed.error)}`] };
  const f = parsed.data;
  const reasons: string[] = [];

  // The leaf the proof is about must be the one the user's own data hashes to.
  let idHash: bigint | undefined;
  try {
    idHash = userIdHash(f.user.id);
  } catch {
    reasons.push("user.id is empty after trimming");
  }
  if (idHash !== undefined && idHash.toString() !== f.user.userIdHash) reasons.push("user.userIdHash is not the hash of user.id");
  const units = baseUnits(f.user.balance, f.user.decimals);
  if (units === undefined || units.toString() !== f.user.balanceBaseUnits) {
    reasons.push(`user.balance ${f.user.balance} is not ${f.user.balanceBaseUnits} base units at ${f.user.decimals} decimals`);
  }
  if (BigInt(f.user.balanceBaseUnits) >= 1n << 96n) reasons.push("user.balanceBaseUnits is not below 2^96");
  const leaf = liabilityLeaf(idHash ?? BigInt(f.user.userIdHash), BigInt(f.user.balanceBaseUnits), BigInt(f.user.salt));
  if (leaf.toString() !== f.leafHash) reasons.push("leafHash is not Poseidon(userIdHash(user.id), balance, salt): the id, balance or salt was changed");
  if (f.publicSignals.leafHash !== f.leafHash) reasons.push("publicSignals.leafHash is not leafHash");
  if (f.publicSignals.liabilitiesRoot !== f.root) reasons.push("publicSignals.liabilitiesRoot is not root");

  if (expect.root !== undefined && BigInt(expect.root) !== BigInt(f.root)) reasons.push(`the proof is for root ${f.root}, not the published root ${expect.root}`);
  if (expect.userId !== undefined && (idHash === undefined || userIdHash(expect.userId) !== idHash)) reasons.push(`the proof is about user ${JSON.stringify(f.user.id)}, not ${JSON.stringify(expect.userId)}`);
  if (expect.balanceBaseUnits !== undefined && BigInt(expect.balanceBaseUnits) !== BigInt(f.user.balanceBaseUnits)) {
    reasons.push(`the proven balance is ${f.user.balanceBaseUnits} base units, not ${expect.balanceBaseUnits}`);
  }

  const vkey = Object.hasOwn(vkeys, f.instance) ? vkeys[f.instance] : undefined;
  if (!vkey) {
    const known = Object.keys(vkeys).filter((k) => k.startsWith("inclusion"));
    reasons.push(`unknown instance ${f.instance} (trusted inclusion keys: ${known.length ? known.join(", ") : "none"})`);
    return { valid: false, reasons, file: f };
  }
  let keyHash: string | undefined;
  try {
    keyHash = await vkeyHash(vkey);
  } catch {
    keyHash = undefined;
  }
  if (keyHash !== f.vkeyHash) reasons.push(`vkeyHash ${f.vkeyHash.slice(0, 12)}... is not the hash of the trusted ${f.instance} key (${keyHash?.slice(0, 12) ?? "?"}...)`);
  if (vkey.protocol !== "groth16" || vkey.curve !== "bn128" || vkey.nPublic !== INCLUSION_SIGNALS.length) {
    reasons.push(`the trusted ${f.instance} key is not a bn128 Groth16 key with ${INCLUSION_SIGNALS.length} public inputs`);
    return { valid: false, reasons, file: f };
  }
  let proofOk = false;
  try {
    proofOk = (await groth16.verify(vkey, INCLUSION_SIGNALS.map((n) => f.publicSignals[n]), f.proof)) === true;
  } catch {
    proofOk = false;
  }
  if (!proofOk) reasons.push(`the Groth16 proof does not verify against the ${f.instance} key and the public signals`);
  return { valid: reasons.length === 0, reasons, file: f };
}
