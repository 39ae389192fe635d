/**
 * The risk policy as RiskPolicy.sol stores it (per-asset token, feed and feed rules, risk parameters,
 * scenarios, minimums), its conversion to the hashed `PolicyFields` of core/hash.ts, and reading it back
 * from a deployed contract. Values are exact integers throughout.
 */
import type { Contract } from "ethers";
import type { PolicyFields, PolicyRules } from "../core/hash.ts";
import { addressToField, rulesDigest, symbolFromField, symbolToField, tokensDigest } from "../core/hash.ts";

/** One asset's rules (RiskPolicy.AssetRules). */
export interface AssetRules {
  /** The symbol users read (1-16 printable ASCII characters; stored as bytes16). */
  symbol: string;
  token: string;
  tokenDecimals: number;
  capBps: number;
  haircutBps: number;
  liquid: boolean;
  feed: string;
  feedDecimals: number;
  /** Maximum age of the feed's answer, seconds. */
  maxAge: number;
  /** Feed answers outside [minAnswer, maxAnswer] are refused (raw feed integers). */
  minAnswer: bigint;
  maxAnswer: bigint;
}

/** A whole policy (RiskPolicy.Policy). */
export interface OnchainPolicy {
  assets: AssetRules[];
  /** [K][A] price drops in bps. */
  shockBps: number[][];
  liabilityAsset: number;
  minCoverageBps: number;
  minLiquidityBps: number;
  /** Largest price concession of a swap's minimum against the snapshot, bps. */
  maxSlippageBps: number;
  /** Oldest snapshot (seconds) an attestation or a rebalance may use. */
  maxSnapshotAge: number;
  /** Seconds a new liabilities root waits before it backs attestations. */
  liabilitiesDelay: number;
  /** Oldest custody statement (seconds before the snapshot) a proof may rely on. */
  maxAttestationAge: number;
  /** The L2 sequencer uptime feed (zero address: none) and its grace period; set apart from the policy. */
  sequencer: { feed: string; gracePeriod: number };
  /** One BabyJubjub key per attestor slot ((0, 0) = empty); set apart from the policy (setAttestor). */
  attestorKeys: (readonly [bigint, bigint])[];
}

/** A symbol as RiskPolicy stores it: bytes16, left-aligned, zero-padded. */
export function symbolBytes16(symbol: string): string {
  return `0x${symbolToField(symbol).toString(16).padStart(32, "0")}`;
}

/** The rules of a policy the circuits do not evaluate (hashed as `rulesDigest`). */
export function onchainPolicyRules(policy: OnchainPolicy): PolicyRules {
  return {
    assets: policy.assets, // AssetRules carries every AssetIdentity field under the same name
    maxSnapshotAge: policy.maxSnapshotAge,
    liabilitiesDelay: policy.liabilitiesDelay,
    sequencerFeed: policy.sequencer.feed,
    sequencerGracePeriod: policy.sequencer.gracePeriod,
  };
}

/** The policy as RiskPolicy.setPolicy takes it (symbols as bytes16, no sequencer, no attestors). */
export function policyCallArg(policy: OnchainPolicy): unknown {
  const { sequencer: _sequencer, attestorKeys: _attestorKeys, ...rest } = policy;
  return { ...rest, assets: policy.assets.map((a) => ({ ...a, symbol: symbolBytes16(a.symbol) })) };
}

/** The hashed view of a policy for a given deployment (chain id and vault). */
export function policyFieldsOf(policy: OnchainPolicy, chainId: bigint, vault: string): PolicyFields {
  return {
    chainId,
    vault: addressToField(vault, "vault"),
    liabilityAsset: BigInt(policy.liabilityAsset),
    minCoverageBps: BigInt(policy.minCoverageBps),
    minLiquidityBps: BigInt(policy.minLiquidityBps),
    maxSlippageBps: BigInt(policy.maxSlippageBps),
    maxAttestationAge: BigInt(policy.maxAttestationAge),
    tokensDigest: tokensDigest(policy.assets.map((a) => a.token)),
    rulesDigest: rulesDigest(onchainPolicyRules(policy)),
    capBps: policy.assets.map((a) => BigInt(a.capBps)),
    haircutBps: policy.assets.map((a) => BigInt(a.haircutBps)),
    liquid: policy.assets.map((a) => (a.liquid ? 1n : 0n)),
    attestorKeys: policy.attestorKeys.map((k) => [k[0], k[1]] as const),
    shockBps: policy.shockBps.map((row) => row.map(BigInt)),
  };
}

/** A deep copy (policies are edited in tests and by the keeper). */
export function clonePolicy(policy: OnchainPolicy): OnchainPolicy {
  return {
    ...policy,
    assets: policy.assets.map((a) => ({ ...a })),
    shockBps: policy.shockBps.map((row) => [...row]),
    sequencer: { ...policy.sequencer },
    attestorKeys: policy.attestorKeys.map((k) => [k[0], k[1]] as const),
  };
}

interface AssetRulesResult {
  symbol: string;
  token: string;
  tokenDecimals: bigint;
  capBps: bigint;
  haircutBps: bigint;
  liquid: boolean;
  feed: string;
  feedDecimals: bigint;
  maxAge: bigint;
  minAnswer: bigint;
  maxAnswer: bigint;
}

/** Reads the current policy of a deployed RiskPolicy. */
export async function readPolicy(riskPolicy: Contract): Promise<OnchainPolicy> {
  const p = (await riskPolicy.getFunction("getPolicy").staticCall()) as {
    assets: AssetRulesResult[];
    shockBps: bigint[][];
    liabilityAsset: bigint;
    minCoverageBps: bigint;
    minLiquidityBps: bigint;
    maxSlippageBps: bigint;
    maxSnapshotAge: bigint;
    liabilitiesDelay: bigint;
    maxAttestationAge: bigint;
  };
  const keys = (await riskPolicy.getFunction("attestorKeys").staticCall()) as bigint[][];
  const feed = (await riskPolicy.getFunction("sequencerUptimeFeed").staticCall()) as string;
  const gracePeriod = (await riskPolicy.getFunction("sequencerGracePeriod").staticCall()) as bigint;
  return {
    assets: p.assets.map((a) => ({
      symbol: symbolFromField(BigInt(a.symbol)),
      token: a.token,
      tokenDecimals: Number(a.tokenDecimals),
      capBps: Number(a.capBps),
      haircutBps: Number(a.haircutBps),
      liquid: a.liquid,
      feed: a.feed,
      feedDecimals: Number(a.feedDecimals),
      maxAge: Number(a.maxAge),
      minAnswer: a.minAnswer,
      maxAnswer: a.maxAnswer,
    })),
    shockBps: p.shockBps.map((row) => row.map(Number)),
    liabilityAsset: Number(p.liabilityAsset),
    minCoverageBps: Number(p.minCoverageBps),
    minLiquidityBps: Number(p.minLiquidityBps),
    maxSlippageBps: Number(p.maxSlippageBps),
    maxSnapshotAge: Number(p.maxSnapshotAge),
    liabilitiesDelay: Number(p.liabilitiesDelay),
    maxAttestationAge: Number(p.maxAttestationAge),
    sequencer: { feed, gracePeriod: Number(gracePeriod) },
    attestorKeys: keys.map((k) => [BigInt(k[0]!), BigInt(k[1]!)] as const),
  };
}
