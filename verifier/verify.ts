/**
 * Verifies a proof bundle: schema (with canonical encodings: every proof coordinate below the base field
 * modulus q, which snarkjs alone does not insist on), instance, verification-key fingerprint, the
 * policy/prices/action it shows against the public signals it proves, the packed proof, and finally the
 * Groth16 proof itself.
 * Runs in Node and in the browser (no `node:` imports on this path: WebCrypto for sha256, snarkjs's
 * browser build for the pairing check). Never throws on bad input: it returns `{valid, reasons}`.
 */
import { groth16 } from "snarkjs";
import { listHash } from "../core/hash.ts";
import { describeZodError } from "../core/schemas.ts";
import { policyFieldsFromBundle, priceFieldsFromBundle } from "./bundle-fields.ts";
import { vkeyHash } from "../core/canonical.ts";
import { packProof } from "../core/packed-proof.ts";
import { bundleSchema, type ProofBundle } from "../core/bundle-schema.ts";
import { publicSignalNamesFor, statementOfInstance } from "../core/signals.ts";
import { formatDecimal } from "../core/units.ts";

/** A snarkjs Groth16 verification key (only the members the verifier reads are typed). */
export interface VerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  [member: string]: unknown;
}

/** Verification keys by instance name (`solvency-test`, ...). */
export type VerificationKeys = Readonly<Record<string, VerificationKey>>;

/** The verdict: `valid` only when every check passed; `reasons` says why not, one line each. */
export interface VerifyResult {
  valid: boolean;
  reasons: string[];
  /** The parsed bundle, when it passed the schema. */
  bundle?: ProofBundle;
  /**
   * Whether the Groth16 pairing check alone passed, when it ran: a bundle can carry a valid proof and still
   * be invalid (its readable policy or prices do not match what was proven), and a page says which.
   */
  proofValid?: boolean;
}

/**
 * Checks `bundle` (any parsed JSON) against the trusted `vkeys`. The Groth16 check always runs when the
 * bundle is well-formed and its instance is known, so a bundle with several faults reports all of them.
 */
export async function verifyBundle(bundle: unknown, vkeys: VerificationKeys): Promise<VerifyResult> {
  const parsed = bundleSchema.safeParse(bundle);
  if (!parsed.success) return { valid: false, reasons: [`malformed bundle: ${describeZodError(parsed.error)}`] };
  const b = parsed.data;
  const reasons: string[] = [];

  if (statementOfInstance(b.instance) !== b.statement) {
    reasons.push(`instance ${b.instance} does not prove the ${b.statement} statement`);
  }
  const names = publicSignalNamesFor(b.statement, b.policy.assets.length);
  const given = Object.keys(b.publicSignals);
  const missing = names.filter((n) => !(n in b.publicSignals));
  const extra = given.filter((n) => !names.includes(n));
  if (missing.length || extra.length) {
    reasons.push(
      `public signals of a ${b.statement} bundle are ${names.join(", ")}` +
        (missing.length ? `; missing ${missing.join(", ")}` : "") +
        (extra.length ? `; unexpected ${extra.join(", ")}` : ""),
    );
    return { valid: false, reasons, bundle: b };
  }
  const signals = names.map((n) => b.publicSignals[n]!);
  const signal = (name: string): bigint => BigInt(b.publicSignals[name]!);

  // What the reader sees must be what the proof is bound to.
  const policyFields = policyFieldsFromBundle(b.policy);
  if (!policyFields.ok) reasons.push(policyFields.reason);
  else if (listHash(policyFields.value) !== signal("policyHash")) {
    reasons.push("the policy in the bundle does not hash to the proven policyHash");
  }
  const priceFields = priceFieldsFromBundle(b.prices, b.policy);
  if (!priceFields.ok) reasons.push(priceFields.reason);
  else if (listHash(priceFields.value) !== signal("pricesHash")) {
    reasons.push("the prices in the bundle do not hash to the proven pricesHash");
  }
  if (b.statement === "rebalance") checkAction(b, signal, reasons);
  else if (b.action) reasons.push(`a ${b.statement} bundle carries no action`);
  if (b.statement === "payout") checkPayout(b, signal, reasons);
  else if (b.payout) reasons.push(`a ${b.statement} bundle carries no payout`);

  let packed: string[] | undefined;
  try {
    packed = packProof(b.proof);
  } catch {
    packed = undefined;
  }
  if (!packed || packed.some((x, i) => x !== b.packedProof[i])) {
    reasons.push("packedProof is not the packed form of proof (a0, a1, b01, b00, b11, b10, c0, c1)");
  }

  const vkey = Object.hasOwn(vkeys, b.instance) ? vkeys[b.instance] : undefined;
  if (!vkey) {
    const known = Object.keys(vkeys);
    reasons.push(`unknown instance ${b.instance} (trusted keys: ${known.length ? known.join(", ") : "none"})`);
    return { valid: false, reasons, bundle: b };
  }
  let keyHash: string | undefined;
  try {
    keyHash = await vkeyHash(vkey);
  } catch {
    keyHash = undefined;
  }
  if (keyHash !== b.vkeyHash) {
    reasons.push(`vkeyHash ${b.vkeyHash.slice(0, 12)}... is not the hash of the trusted ${b.instance} key (${keyHash?.slice(0, 12) ?? "?"}...)`);
  }
  if (vkey.protocol !== "groth16" || vkey.curve !== "bn128" || vkey.nPublic !== signals.length) {
    reasons.push(`the trusted ${b.instance} key is not a bn128 Groth16 key with ${signals.length} public inputs`);
    return { valid: false, reasons, bundle: b };
  }

  let proofOk = false;
  try {
    proofOk = (await groth16.verify(vkey, signals, b.proof)) === true;
  } catch {
    proofOk = false;
  }
  if (!proofOk) reasons.push(`the Groth16 proof does not verify against the ${b.instance} key and the public signals`);
  return { valid: reasons.length === 0, reasons, bundle: b, proofValid: proofOk };
}

/** A rebalance bundle's action must be the proven action, and name the policy's assets. */
function checkAction(b: ProofBundle, signal: (name: string) => bigint, reasons: string[]): void {
  const action = b.action;
  if (!action) {
    reasons.push("a rebalance bundle must carry its action");
    return;
  }
  for (const key of ["assetIn", "amountIn", "assetOut", "minAmountOut"] as const) {
    if (BigInt(action[key]) !== signal(key)) reasons.push(`action.${key} is not the proven ${key}`);
  }
  const sold = b.policy.assets[Number(action.assetIn)];
  const bought = b.policy.assets[Number(action.assetOut)];
  if (sold?.symbol !== action.sell || bought?.symbol !== action.buy) {
    reasons.push("action.sell/buy do not name the policy's assets at assetIn/assetOut");
  }
}

/**
 * A payout bundle's payout must be the proven one: asset, amount and recipient equal the public signals, and
 * what a reader sees (symbol, token units, the recipient's address) says the same.
 */
function checkPayout(b: ProofBundle, signal: (name: string) => bigint, reasons: string[]): void {
  const payout = b.payout;
  if (!payout) {
    reasons.push("a payout bundle must carry its payout");
    return;
  }
  for (const key of ["asset", "amount", "recipient"] as const) {
    if (BigInt(payout[key]) !== signal(key)) reasons.push(`payout.${key} is not the proven ${key}`);
  }
  if (BigInt(payout.to) !== BigInt(payout.recipient)) reasons.push("payout.to is not the address of payout.recipient");
  const asset = b.policy.assets[Number(payout.asset)];
  if (!asset || asset.symbol !== payout.symbol) {
    reasons.push("payout.symbol does not name the policy's asset at payout.asset");
  } else if (formatDecimal(BigInt(payout.amount), asset.decimals) !== payout.units) {
    reasons.push(`payout.units is not payout.amount in ${asset.symbol} units`);
  }
}
