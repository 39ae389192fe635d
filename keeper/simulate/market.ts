/**
 * The simulated venue: Uniswap V2 constant-product pools of each asset against the quote assets, an
 * arbitrageur that trades each pool back to the oracle price every step (inside the 0.3% fee band, as real
 * arbitrage leaves it), and swaps that pay exactly what the V2 router would. Each strategy gets its own
 * market on the same price path, so one treasury's trades never move another's pools.
 */
import type { Position } from "../../core/types.ts";
import { unitPriceFromAnswer } from "../../core/units.ts";
import { type Pool, AmmError, applySwap, arbitrageToOracle, getAmountOut, poolAtPrice, reservesFor } from "../amm.ts";
import type { SimTreasury } from "./types.ts";

/** Unit prices (USD per base unit x 10^36) from one step's feed answers. */
export function unitPricesAt(treasury: SimTreasury, answers: readonly bigint[]): bigint[] {
  return treasury.assets.map((asset, a) => unitPriceFromAnswer(answers[a]!, asset.feedDecimals, asset.decimals));
}

/**
 * Pools as the simulation starts, at the oracle price: each asset with a depth gets a pool against the main
 * quote asset and against each extra quote asset (each pool `poolDepthUsd` a side); the extra quotes also
 * trade against the main one (their own depth).
 */
export function initialPools(treasury: SimTreasury, unitPrices: readonly bigint[]): Pool[] {
  const quotes = [treasury.quoteAsset, ...treasury.extraQuoteAssets];
  const pools: Pool[] = [];
  const paired = new Set<string>();
  treasury.assets.forEach((asset, a) => {
    if (a === treasury.quoteAsset || asset.poolDepthUsd <= 0n) return;
    for (const quote of quotes) {
      if (quote === a || paired.has(`${quote}/${a}`)) continue;
      const quoteReserve = (asset.poolDepthUsd * 10n ** 36n) / unitPrices[quote]!;
      pools.push(poolAtPrice(a, quote, quoteReserve, unitPrices[a]!, unitPrices[quote]!));
      paired.add(`${a}/${quote}`);
    }
  });
  return pools;
}

/** A market: pools that the arbitrageur keeps near the oracle and a strategy trades against. */
export class SimMarket {
  pools: Pool[];

  constructor(pools: readonly Pool[]) {
    this.pools = pools.map((p) => ({ ...p }));
  }

  /** Moves every pool to the oracle prices (the arbitrageur's step). */
  arbitrage(unitPrices: readonly bigint[]): void {
    this.pools = this.pools.map((pool) => arbitrageToOracle(pool, unitPrices[pool.asset0]!, unitPrices[pool.asset1]!).pool);
  }

  /** The index of the pool trading `assetA` against `assetB`, or -1. */
  poolIndex(assetA: number, assetB: number): number {
    return this.pools.findIndex((p) => (p.asset0 === assetA && p.asset1 === assetB) || (p.asset0 === assetB && p.asset1 === assetA));
  }

  /** What selling `amountIn` of `assetIn` for `assetOut` would pay now. */
  quote(assetIn: number, assetOut: number, amountIn: bigint): bigint {
    const i = this.poolIndex(assetIn, assetOut);
    if (i < 0) throw new AmmError(`no pool for ${assetIn}/${assetOut}`);
    const { reserveIn, reserveOut } = reservesFor(this.pools[i]!, assetIn);
    return getAmountOut(amountIn, reserveIn, reserveOut);
  }

  /**
   * Swaps like `router.swapExactTokensForTokens` on a direct pair: pays `getAmountOut` at the current
   * reserves, or throws (as the router reverts with INSUFFICIENT_OUTPUT_AMOUNT) when that is below `minAmountOut`.
   */
  swap(assetIn: number, assetOut: number, amountIn: bigint, minAmountOut: bigint): bigint {
    const i = this.poolIndex(assetIn, assetOut);
    if (i < 0) throw new AmmError(`no pool for ${assetIn}/${assetOut}`);
    const pool = this.pools[i]!;
    const { reserveIn, reserveOut } = reservesFor(pool, assetIn);
    const amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
    if (amountOut < minAmountOut) throw new AmmError("INSUFFICIENT_OUTPUT_AMOUNT");
    this.pools[i] = applySwap(pool, assetIn, amountIn, amountOut);
    return amountOut;
  }
}

/** Copies position slots (they are small objects; strategies mutate their own copy). */
export function clonePositions(positions: readonly Position[]): Position[] {
  return positions.map((p) => ({ ...p }));
}
