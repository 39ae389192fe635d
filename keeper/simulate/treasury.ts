/**
 * The simulation's starting treasury from the operator's files (prover/treasury.ts `loadTreasury` and a
 * liabilities total): assets in policy order with their feeds' current answers, holdings as position slots,
 * and pools of each asset against the liability asset and the other liquid stablecoins (haircut <= 3%). Pool depths are market data, not treasury data: they
 * come from the scenario (`pools`), else a default of five times the treasury's holding, at least $2M a side.
 */
import { parseDecimal } from "../../core/units.ts";
import type { Position } from "../../core/types.ts";
import { policyFields, type Treasury } from "../../prover/treasury.ts";
import { UserError } from "../../core/errors.ts";
import { VALUE_SCALE } from "../format.ts";
import type { Scenario } from "./scenario.ts";
import type { SimTreasury } from "./types.ts";

/** Liquid assets with at most this haircut count as stablecoins that risk assets also trade against. */
export const STABLE_HAIRCUT_BPS = 300n;

/** Default pool depth: this many times the treasury's holding of the asset... */
export const DEFAULT_POOL_DEPTH_MULTIPLE = 5n;
/** ...but at least this many dollars a side. */
export const DEFAULT_MIN_POOL_DEPTH_USD = 2_000_000n;

/** Position slots for holdings: one slot per holding, padded with empty slots to `slots` (a power of two). */
export function slotsFor(holdings: ReadonlyArray<{ assetIndex: number; amount: bigint }>, slots: number): Position[] {
  if (slots < holdings.length || (slots & (slots - 1)) !== 0) {
    throw new UserError(`${holdings.length} positions need a power-of-two slot count of at least ${holdings.length}, got ${slots}`, { where: "slots" });
  }
  // salts are placeholders: the pure simulation never commits; the chain-backed run uses the private state's salts
  const positions: Position[] = holdings.map((h, i) => ({ assetIndex: BigInt(h.assetIndex), amount: h.amount, salt: BigInt(i + 1) }));
  while (positions.length < slots) positions.push({ assetIndex: 0n, amount: 0n, salt: BigInt(positions.length + 1) });
  return positions;
}

/** The simulation treasury for a loaded treasury and its liabilities total (base units of the liability asset). */
export function simTreasuryFrom(treasury: Treasury, liabilitiesTotal: bigint, options: { slots?: number } = {}): SimTreasury {
  const policy = treasury.policy;
  const holdings = treasury.holdings;
  const positions = slotsFor(holdings, options.slots ?? 32);
  const held = policy.assets.map(() => 0n);
  for (const h of holdings) held[h.assetIndex] = held[h.assetIndex]! + h.amount * treasury.prices.assets[h.assetIndex]!.unitPrice;
  return {
    name: treasury.name ?? "treasury",
    assets: policy.assets.map((asset, a) => {
      const depth = (held[a]! * DEFAULT_POOL_DEPTH_MULTIPLE) / VALUE_SCALE;
      return {
        symbol: asset.symbol,
        decimals: asset.decimals,
        feedDecimals: asset.feedDecimals,
        answer: treasury.prices.assets[a]!.answer,
        poolDepthUsd: depth > DEFAULT_MIN_POOL_DEPTH_USD ? depth : DEFAULT_MIN_POOL_DEPTH_USD,
      };
    }),
    positions,
    policy: policyFields(policy),
    scenarioNames: policy.scenarios.map((s) => s.name),
    liabilitiesTotal,
    quoteAsset: policy.liabilityAsset,
    extraQuoteAssets: policy.assets.flatMap((asset, a) =>
      a !== policy.liabilityAsset && asset.liquid && asset.haircutBps <= STABLE_HAIRCUT_BPS ? [a] : [],
    ),
  };
}

/** The treasury with the scenario's pool depths (USD a side, by symbol) applied. */
export function withScenarioPools(treasury: SimTreasury, scenario: Scenario): SimTreasury {
  const pools = scenario.spec.pools;
  if (!pools) return treasury;
  const assets = treasury.assets.map((a) => ({ ...a }));
  for (const [symbol, depth] of Object.entries(pools)) {
    const asset = assets.find((a) => a.symbol === symbol);
    if (!asset) throw new UserError(`${symbol} is not an asset of treasury ${treasury.name}`, { where: `${scenario.file}: pools.${symbol}` });
    asset.poolDepthUsd = parseDecimal(depth, 0);
  }
  return { ...treasury, assets };
}
