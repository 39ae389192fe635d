/**
 * Rebuilds the exact field lists of a bundle's policy and prices from their readable form, so a verifier
 * can check that what a reader sees is what the proof is bound to: readable form -> field list -> Poseidon
 * hash -> public signal. Each function returns either the fields or the reason they cannot be rebuilt.
 * Browser-safe.
 */
import { addressToField, policyFieldList, priceFieldList, rulesDigest, tokensDigest, type PolicyFields } from "../core/hash.ts";
import type { BundlePolicy, BundlePrices } from "../core/bundle-schema.ts";

/** Either a value or the reason it could not be computed. */
export type Rebuilt<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The policy of a bundle as hash input, from its readable form (assets in index order). */
export function policyFromBundle(policy: BundlePolicy): Rebuilt<PolicyFields> {
  const assetCount = policy.assets.length;
  if (policy.liabilityAsset >= assetCount) {
    return { ok: false, reason: `policy.liabilityAsset ${policy.liabilityAsset} is not an asset index (the policy has ${assetCount} assets)` };
  }
  for (const [s, scenario] of policy.scenarios.entries()) {
    if (scenario.shockBps.length !== assetCount) {
      return { ok: false, reason: `policy.scenarios[${s}] has ${scenario.shockBps.length} shocks for ${assetCount} assets` };
    }
  }
  let digest: bigint;
  let tokens: bigint;
  try {
    tokens = tokensDigest(policy.assets.map((a) => a.token));
    // Symbols, tokens, feeds and their rules are hashed into the policy hash: what the page shows is proven.
    digest = rulesDigest({
      assets: policy.assets.map((a) => ({
        symbol: a.symbol,
        token: a.token,
        tokenDecimals: a.decimals,
        feed: a.feed,
        feedDecimals: a.feedDecimals,
        maxAge: a.maxAge,
        minAnswer: BigInt(a.minAnswer),
        maxAnswer: BigInt(a.maxAnswer),
      })),
      maxSnapshotAge: policy.maxSnapshotAge,
      liabilitiesDelay: policy.liabilitiesDelay,
      sequencerFeed: policy.sequencerFeed,
      sequencerGracePeriod: policy.sequencerGracePeriod,
    });
  } catch (e) {
    return { ok: false, reason: `policy rules: ${(e as Error).message}` };
  }
  return {
    ok: true,
    value: {
      chainId: BigInt(policy.chainId),
      vault: addressToField(policy.vault, "policy.vault"),
      liabilityAsset: BigInt(policy.liabilityAsset),
      minCoverageBps: BigInt(policy.minCoverageBps),
      minLiquidityBps: BigInt(policy.minLiquidityBps),
      maxSlippageBps: BigInt(policy.maxSlippageBps),
      maxAttestationAge: BigInt(policy.maxAttestationAge),
      tokensDigest: tokens,
      rulesDigest: digest,
      capBps: policy.assets.map((a) => BigInt(a.capBps)),
      haircutBps: policy.assets.map((a) => BigInt(a.haircutBps)),
      liquid: policy.assets.map((a) => (a.liquid ? 1n : 0n)),
      attestorKeys: policy.attestors.map((a) => [BigInt(a.publicKey[0]), BigInt(a.publicKey[1])] as const),
      shockBps: policy.scenarios.map((s) => s.shockBps.map(BigInt)),
    },
  };
}

/** The field list of a bundle's policy, checked against the list the bundle carries. */
export function policyFieldsFromBundle(policy: BundlePolicy): Rebuilt<bigint[]> {
  const rebuilt = policyFromBundle(policy);
  if (!rebuilt.ok) return rebuilt;
  const fields = policyFieldList(rebuilt.value);
  const mismatch = firstMismatch(fields, policy.fields);
  if (mismatch !== undefined) return { ok: false, reason: `policy.fields ${mismatch} does not match the readable policy` };
  return { ok: true, value: fields };
}

/**
 * The field list of a bundle's prices, checked against the list the bundle carries. Each readable unit
 * price must equal `answer * 10^(36 - feedDecimals - tokenDecimals)` with the token's decimals from the policy.
 */
export function priceFieldsFromBundle(prices: BundlePrices, policy: BundlePolicy): Rebuilt<bigint[]> {
  if (prices.assets.length !== policy.assets.length) {
    return { ok: false, reason: `prices has ${prices.assets.length} assets, the policy ${policy.assets.length}` };
  }
  for (const [i, price] of prices.assets.entries()) {
    const asset = policy.assets[i]!;
    if (price.symbol !== asset.symbol) return { ok: false, reason: `prices.assets[${i}] is ${price.symbol}, the policy's asset ${i} is ${asset.symbol}` };
    if (price.feedDecimals !== asset.feedDecimals) {
      return { ok: false, reason: `prices.assets[${i}] (${price.symbol}) has ${price.feedDecimals} feed decimals, the policy ${asset.feedDecimals}` };
    }
    const shift = 36 - price.feedDecimals - asset.decimals;
    if (shift < 0 || BigInt(price.answer) * 10n ** BigInt(shift) !== BigInt(price.unitPrice)) {
      return { ok: false, reason: `prices.assets[${i}] (${price.symbol}): unitPrice is not answer x 10^(36 - feedDecimals - decimals)` };
    }
  }
  const fields = priceFieldList({ timestamp: BigInt(prices.timestamp), unitPrices: prices.assets.map((p) => BigInt(p.unitPrice)) });
  const mismatch = firstMismatch(fields, prices.fields);
  if (mismatch !== undefined) return { ok: false, reason: `prices.fields ${mismatch} does not match the readable prices` };
  return { ok: true, value: fields };
}

function firstMismatch(expected: readonly bigint[], given: readonly string[]): string | undefined {
  if (expected.length !== given.length) return `(length ${given.length}, expected ${expected.length})`;
  const i = expected.findIndex((v, k) => v !== BigInt(given[k]!));
  return i < 0 ? undefined : `[${i}]`;
}
