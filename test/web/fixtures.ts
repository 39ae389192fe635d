/**
 * Bundles and inclusion proofs for the browser tests: one valid attestation, rebalance, payout and inclusion proof,
 * and forgeries derived from them by editing the JSON (a changed public signal, a policy that no longer
 * matches its hash, a key that is not pinned, a proof coordinate plus the base field modulus q, a payout
 * redirected to another recipient, a payout claiming more than was proven, a changed balance, a proof for
 * another root).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BASE_FIELD_MODULUS } from "../../core/field.ts";
import { formatDecimal } from "../../core/units.ts";

type Json = Record<string, unknown>;

/** Paths of the fixture files (inside the served bundles folder) and facts the tests check against. */
export interface Fixtures {
  /** Folder of the keys to pin into the page. */
  keysDir: string;
  valid: string;
  /** A valid rebalance (S2) bundle. */
  rebalance: string;
  /** A valid payout (S4) bundle. */
  payout: string;
  /** The payout bundle sent to `REDIRECTED_TO`: signal and readable payout agree, only the proof can tell. */
  payoutRedirected: string;
  /** The payout bundle showing twice the proven amount (amount and units agree, the signal does not). */
  payoutInflated: string;
  changedSignal: string;
  policyMismatch: string;
  unpinnedKey: string;
  /** The valid bundle with q added to proof.pi_a[0] and packedProof[0]: the same proof, a non-canonical encoding. */
  nonCanonical: string;
  inclusionValid: string;
  inclusionChangedBalance: string;
  inclusionOtherRoot: string;
  bundle: Json;
  rebalanceBundle: Json;
  payoutBundle: Json;
  inclusion: Json;
}

function write(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

const clone = <T>(x: T): T => structuredClone(x);

/** The recipient a forger redirects the payout fixture to. */
export const REDIRECTED_TO = "0x000000000000000000000000000000000000dead";

/** A payout bundle's readable payout, as core/bundle-schema.ts writes it. */
interface Payout {
  asset: string;
  amount: string;
  recipient: string;
  symbol: string;
  units: string;
  to: string;
}

/**
 * Writes the fixtures into `dir` from a valid bundle, a valid rebalance bundle, a valid inclusion proof of a user under the bundle's
 * liabilities root, a valid inclusion proof under another root (parsed JSON), and the folder of the keys
 * they verify against.
 */
export function writeFixtures(dir: string, sources: { bundle: Json; rebalance: Json; payout: Json; inclusion: Json; otherTreeInclusion: Json; keysDir: string }): Fixtures {
  const { bundle, rebalance, payout, inclusion, otherTreeInclusion, keysDir } = sources;
  const changedSignal = clone(bundle);
  const signals = changedSignal.publicSignals as Record<string, string>;
  signals.positionsRoot = (BigInt(signals.positionsRoot!) + 1n).toString();

  // A forger shows a stricter-looking policy: readable form and field list agree, the hash does not.
  const policyMismatch = clone(bundle);
  const policy = policyMismatch.policy as { minCoverageBps: string; fields: string[] };
  const raised = (BigInt(policy.minCoverageBps) + 5000n).toString();
  policy.minCoverageBps = raised;
  policy.fields[6] = raised;

  const unpinnedKey = clone(bundle);
  unpinnedKey.vkeyHash = "ab".repeat(32);

  const nonCanonical = clone(bundle);
  const plusQ = (x: string) => (BigInt(x) + BASE_FIELD_MODULUS).toString();
  const proof = nonCanonical.proof as { pi_a: string[] };
  proof.pi_a[0] = plusQ(proof.pi_a[0]!);
  const packed = nonCanonical.packedProof as string[];
  packed[0] = plusQ(packed[0]!);

  // A forger sends the proven payout elsewhere, changing the recipient everywhere the bundle names it.
  const payoutRedirected = clone(payout);
  const redirected = payoutRedirected.payout as Payout;
  redirected.recipient = BigInt(REDIRECTED_TO).toString();
  redirected.to = REDIRECTED_TO;
  (payoutRedirected.publicSignals as Record<string, string>).recipient = redirected.recipient;

  // A bundle showing twice the proven amount (its amount and units agree with each other, not with the proof).
  const payoutInflated = clone(payout);
  const inflated = payoutInflated.payout as Payout;
  const decimals = (payout.policy as { assets: Array<{ decimals: number }> }).assets[Number(inflated.asset)]!.decimals;
  inflated.amount = (BigInt(inflated.amount) * 2n).toString();
  inflated.units = formatDecimal(BigInt(inflated.amount), decimals);

  // The user claims one more base unit than was proven (balance and base units kept consistent).
  const changedBalance = clone(inclusion);
  const user = changedBalance.user as { balance: string; balanceBaseUnits: string; decimals: number };
  user.balanceBaseUnits = (BigInt(user.balanceBaseUnits) + 1n).toString();
  const scale = 10n ** BigInt(user.decimals);
  const units = BigInt(user.balanceBaseUnits);
  user.balance = user.decimals ? `${units / scale}.${(units % scale).toString().padStart(user.decimals, "0")}` : units.toString();

  return {
    keysDir,
    valid: write(dir, "bundle-valid.json", bundle),
    rebalance: write(dir, "bundle-rebalance.json", rebalance),
    payout: write(dir, "bundle-payout.json", payout),
    payoutRedirected: write(dir, "bundle-payout-redirected.json", payoutRedirected),
    payoutInflated: write(dir, "bundle-payout-inflated.json", payoutInflated),
    changedSignal: write(dir, "bundle-changed-signal.json", changedSignal),
    policyMismatch: write(dir, "bundle-policy-mismatch.json", policyMismatch),
    unpinnedKey: write(dir, "bundle-unpinned-key.json", unpinnedKey),
    nonCanonical: write(dir, "bundle-non-canonical.json", nonCanonical),
    inclusionValid: write(dir, "inclusion-valid.json", inclusion),
    inclusionChangedBalance: write(dir, "inclusion-changed-balance.json", changedBalance),
    inclusionOtherRoot: write(dir, "inclusion-other-tree.json", otherTreeInclusion),
    bundle,
    rebalanceBundle: rebalance,
    payoutBundle: payout,
    inclusion,
  };
}

/** Reads a JSON file. */
export function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, "utf8")) as Json;
}
