/**
 * Messages between the page (main thread) and its verification worker, and the reports the worker
 * returns. All cryptography runs in the worker; the page only renders these plain-data reports.
 */

/** A pinned verification key as listed on the page. */
export interface PinnedKeyInfo {
  instance: string;
  vkeyHash: string;
}

/** Outcome of recomputing a hash from the data shown and comparing it with a public signal. */
export interface HashCheck {
  /** `match`: recomputed == public signal; `mismatch`: they differ; `unreadable`: the data could not be read. */
  status: "match" | "mismatch" | "unreadable";
  /** The public signal of the proof (decimal), when present. */
  proven?: string;
  /** The hash recomputed from the data in the bundle (decimal), when it could be computed. */
  recomputed?: string;
  /** Why the data could not be read. */
  error?: string;
}

/** One asset of the policy, as shown. */
export interface AssetView {
  index: number;
  symbol: string;
  decimals?: number;
  /** ERC-20 token and price feed addresses (hashed into the policy). */
  token?: string;
  feed?: string;
  capBps: string;
  haircutBps: string;
  liquid: boolean;
  /** Unit price (USD per base unit x 10^36), decimal. */
  unitPrice?: string;
}

/** One stress scenario, as shown. */
export interface ScenarioView {
  name: string;
  /** Price drop per asset, basis points, in asset order. */
  shockBps: string[];
}

/** The policy and prices, normalised for display. Only trusted when the matching HashCheck says `match`. */
export interface StatementView {
  chainId?: string;
  vault?: string;
  liabilityAsset?: number;
  minCoverageBps?: string;
  minLiquidityBps?: string;
  /** Largest price concession a swap may make against the snapshot (bps). */
  maxSlippageBps?: string;
  assets: AssetView[];
  scenarios: ScenarioView[];
  /** Snapshot time, unix seconds (decimal). */
  priceTimestamp?: string;
  /** Oldest custody statement (seconds before the snapshot) the proof accepts. */
  maxAttestationAge?: number;
  /** The policy's attestors (non-empty slots): custody number, name, BabyJubjub public key. */
  attestors?: { slot: number; name: string; publicKey: [string, string] }[];
}

/** Everything the page needs to show about one attestation bundle. */
export interface BundleReport {
  /** `verified`: every check of the verifier library passed (which includes the policy and prices
   * shown matching their hashes); `invalid` otherwise. */
  verdict: "verified" | "invalid";
  /** Why the bundle is not verified (empty when verified). */
  reasons: string[];
  /** Whether the Groth16 pairing check alone passed (when it ran): a valid proof can come in a bundle
   * whose readable policy or prices are not the ones it proves. */
  proofValid?: boolean;
  statement?: string;
  instance?: string;
  createdAt?: string;
  vkeyHash?: string;
  /** Whether `vkeyHash` is one of the keys pinned in this page. */
  vkeyPinned: boolean;
  /** Public signals by name, in declaration order. */
  publicSignals: Array<[string, string]>;
  policy: HashCheck;
  prices: HashCheck;
  view?: StatementView;
  /** The swap of a rebalance bundle, in words (`sell`, `amount`, `buy`, `minOut`) as the bundle writes it. */
  action?: { sell: string; amount: string; buy: string; minOut: string };
  /** The payout of a payout bundle as the bundle writes it: asset symbol, amount in token units, recipient address. */
  payout?: { symbol: string; units: string; to: string };
  timings: { verifyMs: number; totalMs: number };
}

/** What the page shows about a user's inclusion proof. */
export interface InclusionReport {
  /** `counted`: valid proof, leaf matches the user's data, and (when an attestation is loaded) same root. */
  verdict: "counted" | "not-counted";
  /** Each failed check, in plain words. */
  reasons: string[];
  proofValid: boolean;
  /** Leaf hash recomputed from id, balance and salt equals the proof's leaf hash. */
  leafMatches: boolean;
  /** `same`, `different`, or `unknown` when no attestation is loaded. */
  rootComparison: "same" | "different" | "unknown";
  userId?: string;
  /** Balance in the liability unit, as the proof file writes it (e.g. "1500.25"). */
  balance?: string;
  root?: string;
  /** The liabilities epoch the file names (the operator's label; the on-chain check compares it). */
  epoch?: number;
  attestationRoot?: string;
  timings: { verifyMs: number };
}

/** Page -> worker. */
export type WorkerRequest =
  | { type: "verify-bundle"; id: number; text: string }
  | { type: "verify-inclusion"; id: number; text: string; attestationRoot?: string };

/** Worker -> page. */
export type WorkerResponse =
  | { type: "ready"; keys: PinnedKeyInfo[]; initMs: number }
  | { type: "init-failed"; error: string }
  | { type: "bundle-result"; id: number; report: BundleReport }
  | { type: "inclusion-result"; id: number; report: InclusionReport }
  | { type: "error"; id: number; error: string };
