/**
 * Builds and writes proof bundles (`homeostat-bundle/1`, docs/ARCHITECTURE.md "Proof bundle"; schema in
 * core/bundle-schema.ts): the snarkjs proof and its packed `uint256[8]` form, the named public signals, the
 * policy and prices used (exact field lists and readable form), the action of a rebalance or the payout of a
 * payout, the instance,
 * the verification key's fingerprint and the time. Bundles are written atomically.
 */
import { policyFieldList, priceFieldList } from "../core/hash.ts";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { UserError } from "../core/errors.ts";
import { policyFields, priceFields, type PriceSnapshot, type RiskPolicy } from "./treasury.ts";
import type { PayoutAction, RebalanceAction } from "../core/types.ts";
import { formatDecimal } from "../core/units.ts";
import { vkeyHash } from "../core/canonical.ts";
import { packProof } from "../core/packed-proof.ts";
import { BUNDLE_FORMAT, bundleSchema, type BundleAction, type BundlePayout, type BundlePolicy, type BundlePrices, type Groth16Proof, type ProofBundle } from "../core/bundle-schema.ts";
import { publicSignalNamesFor, type Statement } from "../core/signals.ts";

/** The readable and exact form of a policy, as a bundle carries it. */
export function bundlePolicy(policy: RiskPolicy): BundlePolicy {
  return {
    fields: policyFieldList(policyFields(policy)).map(String),
    chainId: policy.chainId.toString(),
    vault: policy.vault,
    liabilityAsset: policy.liabilityAsset,
    minCoverageBps: policy.minCoverageBps.toString(),
    minLiquidityBps: policy.minLiquidityBps.toString(),
    maxSlippageBps: policy.maxSlippageBps.toString(),
    maxSnapshotAge: policy.maxSnapshotAge,
    liabilitiesDelay: policy.liabilitiesDelay,
    sequencerFeed: policy.sequencer.feed,
    sequencerGracePeriod: policy.sequencer.gracePeriod,
    maxAttestationAge: policy.maxAttestationAge,
    attestors: Array.from({ length: policy.attestorSlots }, (_, c) => {
      const a = policy.attestors.find((x) => x.slot === c + 1);
      return a ? { name: a.name, publicKey: [a.publicKey[0].toString(), a.publicKey[1].toString()] as [string, string] } : { name: "", publicKey: ["0", "0"] as [string, string] };
    }),
    assets: policy.assets.map((a) => ({
      symbol: a.symbol,
      decimals: a.decimals,
      token: a.token,
      feed: a.feed,
      feedDecimals: a.feedDecimals,
      maxAge: a.feedMaxAge,
      minAnswer: a.minAnswer.toString(),
      maxAnswer: a.maxAnswer.toString(),
      capBps: a.capBps.toString(),
      haircutBps: a.haircutBps.toString(),
      liquid: a.liquid,
    })),
    scenarios: policy.scenarios.map((s) => ({ name: s.name, shockBps: s.shockBps.map(String) })),
  };
}

/** The readable and exact form of a price snapshot, as a bundle carries it. */
export function bundlePrices(prices: PriceSnapshot, policy: RiskPolicy): BundlePrices {
  return {
    fields: priceFieldList(priceFields(prices)).map(String),
    timestamp: prices.timestamp.toString(),
    assets: prices.assets.map((p, i) => ({
      symbol: p.symbol,
      answer: p.answer.toString(),
      feedDecimals: policy.assets[i]!.feedDecimals,
      updatedAt: p.updatedAt.toString(),
      unitPrice: p.unitPrice.toString(),
    })),
  };
}

/** The action of a rebalance bundle, as fields and in words. */
export function bundleAction(action: RebalanceAction, policy: RiskPolicy): BundleAction {
  const sold = policy.assets[Number(action.assetIn)]!;
  const bought = policy.assets[Number(action.assetOut)]!;
  return {
    assetIn: action.assetIn.toString(),
    amountIn: action.amountIn.toString(),
    assetOut: action.assetOut.toString(),
    minAmountOut: action.minAmountOut.toString(),
    sell: sold.symbol,
    amount: formatDecimal(action.amountIn, sold.decimals),
    buy: bought.symbol,
    minOut: formatDecimal(action.minAmountOut, bought.decimals),
  };
}

/** The payout of a payout bundle, as fields and in words (the recipient also as a 20-byte hex address). */
export function bundlePayout(payout: PayoutAction, policy: RiskPolicy): BundlePayout {
  const asset = policy.assets[Number(payout.asset)]!;
  return {
    asset: payout.asset.toString(),
    amount: payout.amount.toString(),
    recipient: payout.recipient.toString(),
    symbol: asset.symbol,
    units: formatDecimal(payout.amount, asset.decimals),
    to: `0x${payout.recipient.toString(16).padStart(40, "0")}`,
  };
}

/** Everything a bundle is made from. */
export interface BundleParts {
  statement: Statement;
  instance: string;
  vkey: unknown;
  proof: Groth16Proof;
  /** snarkjs's public signals: decimal strings in declaration order. */
  publicSignals: readonly string[];
  policy: RiskPolicy;
  prices: PriceSnapshot;
  action?: RebalanceAction;
  payout?: PayoutAction;
  createdAt?: Date;
}

/** Assembles a bundle and checks it against the bundle schema (a failure here is a bug, not user input). */
export async function buildBundle(parts: BundleParts): Promise<ProofBundle> {
  const names = publicSignalNamesFor(parts.statement, parts.policy.assets.length);
  if (parts.publicSignals.length !== names.length) {
    throw new Error(`buildBundle: ${parts.publicSignals.length} public signals for ${names.length} names`);
  }
  const bundle: ProofBundle = {
    format: BUNDLE_FORMAT,
    statement: parts.statement,
    instance: parts.instance,
    vkeyHash: await vkeyHash(parts.vkey),
    proof: { pi_a: parts.proof.pi_a, pi_b: parts.proof.pi_b, pi_c: parts.proof.pi_c, protocol: "groth16", curve: "bn128" },
    packedProof: packProof(parts.proof),
    publicSignals: Object.fromEntries(names.map((n, i) => [n, parts.publicSignals[i]!])),
    policy: bundlePolicy(parts.policy),
    prices: bundlePrices(parts.prices, parts.policy),
    ...(parts.action ? { action: bundleAction(parts.action, parts.policy) } : {}),
    ...(parts.payout ? { payout: bundlePayout(parts.payout, parts.policy) } : {}),
    createdAt: (parts.createdAt ?? new Date()).toISOString(),
  };
  const checked = bundleSchema.safeParse(bundle);
  if (!checked.success) throw new Error(`buildBundle: the bundle does not match its schema: ${checked.error.issues[0]?.message}`);
  return bundle;
}

/** Writes a bundle atomically (pretty JSON); an unwritable target is a UserError naming it. */
export function writeBundle(file: string, bundle: ProofBundle): void {
  try {
    writeFileAtomic(file, `${JSON.stringify(bundle, null, 2)}\n`);
  } catch (e) {
    throw new UserError(`cannot write the bundle (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { where: file, cause: e });
  }
}
