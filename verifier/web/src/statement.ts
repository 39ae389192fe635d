/**
 * Reads the policy and prices a bundle shows, recomputes their Poseidon hashes from exactly what will be
 * shown (core/hash.ts) and compares them with the proof's `policyHash` / `pricesHash` public signals.
 * The page only presents the statement as proven when both match. Browser-safe, pure.
 */
import { policyHash, pricesHash } from "../../../core/hash.ts";
import { describeZodError } from "../../../core/schemas.ts";
import { policyFromBundle } from "../../bundle-fields.ts";
import { bundlePolicySchema, bundlePricesSchema } from "../../../core/bundle-schema.ts";
import type { HashCheck, StatementView } from "./protocol.ts";

/** Result of checking a bundle's policy and prices against its public signals. */
export interface StatementCheck {
  policy: HashCheck;
  prices: HashCheck;
  /** The readable policy and prices, when they could be read (trusted only where the checks match). */
  view?: StatementView;
}

function compare(recomputed: bigint, proven: string | undefined): HashCheck {
  if (proven === undefined || !/^\d+$/.test(proven)) {
    return { status: "unreadable", recomputed: recomputed.toString(), error: "the bundle has no readable public signal for it" };
  }
  return { status: BigInt(proven) === recomputed ? "match" : "mismatch", proven, recomputed: recomputed.toString() };
}

function unreadable(error: string, proven: string | undefined): HashCheck {
  return { status: "unreadable", error, ...(proven !== undefined ? { proven } : {}) };
}

/**
 * Recomputes the policy hash from the readable policy (`bundle.policy.assets`, `.scenarios`, minimums,
 * deployment) and the prices hash from the snapshot time and each asset's `unitPrice`, and compares them
 * with the proven signals. Never throws: unreadable data is reported as such.
 */
export function checkStatement(bundle: Record<string, unknown>, signals: Record<string, string>): StatementCheck {
  const policyParse = bundlePolicySchema.safeParse(bundle.policy);
  if (!policyParse.success) {
    return {
      policy: unreadable(`policy: ${describeZodError(policyParse.error)}`, signals.policyHash),
      prices: unreadable("prices: cannot be read without the policy's asset list", signals.pricesHash),
    };
  }
  const p = policyParse.data;
  const view: StatementView = {
    chainId: p.chainId,
    vault: p.vault,
    liabilityAsset: p.liabilityAsset,
    minCoverageBps: p.minCoverageBps,
    minLiquidityBps: p.minLiquidityBps,
    maxSlippageBps: p.maxSlippageBps,
    assets: p.assets.map((a, index) => ({ index, symbol: a.symbol, decimals: a.decimals, token: a.token, feed: a.feed, capBps: a.capBps, haircutBps: a.haircutBps, liquid: a.liquid })),
    scenarios: p.scenarios.map((s) => ({ name: s.name, shockBps: s.shockBps })),
    maxAttestationAge: p.maxAttestationAge,
    attestors: p.attestors.flatMap((a, c) => (a.publicKey[0] === "0" && a.publicKey[1] === "0" ? [] : [{ slot: c + 1, name: a.name, publicKey: a.publicKey }])),
  };

  let policy: HashCheck;
  const rebuilt = policyFromBundle(p);
  if (!rebuilt.ok) policy = unreadable(rebuilt.reason, signals.policyHash);
  else {
    try {
      policy = compare(policyHash(rebuilt.value), signals.policyHash);
    } catch (e) {
      policy = unreadable(`policy: ${(e as Error).message}`, signals.policyHash);
    }
  }

  let prices: HashCheck;
  const pricesParse = bundlePricesSchema.safeParse(bundle.prices);
  if (!pricesParse.success) prices = unreadable(`prices: ${describeZodError(pricesParse.error)}`, signals.pricesHash);
  else {
    const q = pricesParse.data;
    view.priceTimestamp = q.timestamp;
    const misnamed = q.assets.findIndex((a, i) => a.symbol !== p.assets[i]?.symbol);
    if (q.assets.length !== p.assets.length) {
      prices = unreadable(`prices: ${q.assets.length} prices for ${p.assets.length} assets`, signals.pricesHash);
    } else if (misnamed >= 0) {
      prices = unreadable(`prices.assets[${misnamed}] is ${q.assets[misnamed]!.symbol}, the policy's asset ${misnamed} is ${p.assets[misnamed]!.symbol}`, signals.pricesHash);
    } else {
      q.assets.forEach((a, i) => (view.assets[i]!.unitPrice = a.unitPrice));
      prices = compare(pricesHash({ timestamp: BigInt(q.timestamp), unitPrices: q.assets.map((a) => BigInt(a.unitPrice)) }), signals.pricesHash);
    }
  }
  return { policy, prices, view };
}
