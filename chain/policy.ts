/**
 * The risk policy as RiskPolicy.sol stores it (per-asset token, feed and feed rules, risk parameters,
 * scenarios, minimums), its conversion to the hashed `PolicyFields` of core/hash.ts, and reading it back
 * from a deployed contract. Values are exact integers throughout.
 */
import type { Contract } from "ethers";
import type { PolicyFields } from "../core/hash.ts";
import { addressToField } from "../core/hash.ts";

/** One asset's rules (RiskPolicy.AssetRules). */
export interface AssetRules {
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
  /** Oldest snapshot (seconds) a rebalance may act on; not hashed. */
  maxSnapshotAge: number;
}

/** The hashed view of a policy for a given deployment (chain id and vault). */
export function policyFieldsOf(policy: OnchainPolicy, chainId: bigint, vault: string): PolicyFields {
  return {
    chainId,
    vault: addressToField(vault, "vault"),
    liabilityAsset: BigInt(policy.liabilityAsset),
    minCoverageBps: BigInt(policy.minCoverageBps),
    minLiquidityBps: BigInt(policy.minLiquidityBps),
    capBps: policy.assets.map((a) => BigInt(a.capBps)),
    haircutBps: policy.assets.map((a) => BigInt(a.haircutBps)),
    liquid: policy.assets.map((a) => (a.liquid ? 1n : 0n)),
    shockBps: policy.shockBps.map((row) => row.map(BigInt)),
  };
}

/** A deep copy (policies are edited in tests and by the keeper). */
export function clonePolicy(policy: OnchainPolicy): OnchainPolicy {
  return {
    ...policy,
    assets: policy.assets.map((a) => ({ ...a })),
    shockBps: policy.shockBps.map((row) => [...row]),
  };
}

interface AssetRulesResult {
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
    maxSnapshotAge: bigint;
  };
  return {
    assets: p.assets.map((a) => ({
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
    maxSnapshotAge: Number(p.maxSnapshotAge),
  };
}
