/**
 * Exact Uniswap V2 constant-product math in bigint, matching `UniswapV2Library` (v2-periphery) to the
 * wei: the keeper's planner quotes swaps with it, the market simulation moves its pools with it, and the
 * chain-backed run can check a quote against the router's `getAmountsOut`. Pure and browser-safe.
 *
 * A pool is identified by two asset indexes (the policy's asset order), not by token addresses; the
 * chain glue maps indexes to the pair's token0/token1.
 */
import { BPS } from "../core/field.ts";

/** Uniswap V2 swap fee numerator: 0.3% fee means 997/1000 of the input is traded. */
export const FEE_NUMERATOR = 997n;
/** Uniswap V2 fee denominator. */
export const FEE_DENOMINATOR = 1000n;
/** A pair's reserves are `uint112` on chain. */
export const MAX_RESERVE = (1n << 112n) - 1n;

/** Errors with the same reasons UniswapV2Library reverts with. */
export class AmmError extends Error {
  constructor(reason: string) {
    super(`UniswapV2Library: ${reason}`);
    this.name = "AmmError";
  }
}

/** A constant-product pool between two assets (indexes into the policy's asset list). */
export interface Pool {
  asset0: number;
  asset1: number;
  reserve0: bigint;
  reserve1: bigint;
}

/**
 * Output for `amountIn` of the input token: `amountIn*997*reserveOut / (reserveIn*1000 + amountIn*997)`,
 * floored, exactly as `UniswapV2Library.getAmountOut`.
 */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n) throw new AmmError("INSUFFICIENT_INPUT_AMOUNT");
  if (reserveIn <= 0n || reserveOut <= 0n) throw new AmmError("INSUFFICIENT_LIQUIDITY");
  const amountInWithFee = amountIn * FEE_NUMERATOR;
  return (amountInWithFee * reserveOut) / (reserveIn * FEE_DENOMINATOR + amountInWithFee);
}

/**
 * Input needed to receive `amountOut`: `reserveIn*amountOut*1000 / ((reserveOut-amountOut)*997) + 1`,
 * exactly as `UniswapV2Library.getAmountIn` (which reverts when `amountOut >= reserveOut`).
 */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut <= 0n) throw new AmmError("INSUFFICIENT_OUTPUT_AMOUNT");
  if (reserveIn <= 0n || reserveOut <= 0n) throw new AmmError("INSUFFICIENT_LIQUIDITY");
  if (amountOut >= reserveOut) throw new AmmError("INSUFFICIENT_LIQUIDITY");
  return (reserveIn * amountOut * FEE_DENOMINATOR) / ((reserveOut - amountOut) * FEE_NUMERATOR) + 1n;
}

/** `UniswapV2Library.quote`: the amount of the other token of equal value at the pool's mid price. */
export function quote(amountA: bigint, reserveA: bigint, reserveB: bigint): bigint {
  if (amountA <= 0n) throw new AmmError("INSUFFICIENT_AMOUNT");
  if (reserveA <= 0n || reserveB <= 0n) throw new AmmError("INSUFFICIENT_LIQUIDITY");
  return (amountA * reserveB) / reserveA;
}

/**
 * Price impact of a trade in basis points, rounded up, measured as the Uniswap SDK does: the shortfall of
 * the output against the mid-price quote, `1 - amountOut*reserveIn / (amountIn*reserveOut)`. It includes
 * the 0.3% fee, so even a tiny trade shows 30 bps.
 */
export function priceImpactBps(amountIn: bigint, amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const quoted = amountIn * reserveOut;
  const shortfall = quoted - amountOut * reserveIn;
  if (shortfall <= 0n) return 0n;
  return (shortfall * BPS + quoted - 1n) / quoted;
}

/** The least output accepted with a slippage tolerance: `floor(amountOut * (10^4 - slippageBps) / 10^4)`. */
export function minAmountOut(amountOut: bigint, slippageBps: bigint): bigint {
  if (slippageBps < 0n || slippageBps > BPS) throw new RangeError(`slippageBps: ${slippageBps} is not in [0, 10000]`);
  return (amountOut * (BPS - slippageBps)) / BPS;
}

/** True when the pool trades `asset`. */
export function poolHas(pool: Pool, asset: number): boolean {
  return pool.asset0 === asset || pool.asset1 === asset;
}

/** The pool's reserves oriented for selling `assetIn`; throws when the pool does not trade it. */
export function reservesFor(pool: Pool, assetIn: number): { reserveIn: bigint; reserveOut: bigint; assetOut: number } {
  if (pool.asset0 === assetIn) return { reserveIn: pool.reserve0, reserveOut: pool.reserve1, assetOut: pool.asset1 };
  if (pool.asset1 === assetIn) return { reserveIn: pool.reserve1, reserveOut: pool.reserve0, assetOut: pool.asset0 };
  throw new RangeError(`pool ${pool.asset0}/${pool.asset1} does not trade asset ${assetIn}`);
}

/** The pool after `amountIn` of `assetIn` went in and `amountOut` of the other asset came out. */
export function applySwap(pool: Pool, assetIn: number, amountIn: bigint, amountOut: bigint): Pool {
  const { reserveOut } = reservesFor(pool, assetIn);
  if (amountOut >= reserveOut) throw new AmmError("INSUFFICIENT_LIQUIDITY");
  return pool.asset0 === assetIn
    ? { ...pool, reserve0: pool.reserve0 + amountIn, reserve1: pool.reserve1 - amountOut }
    : { ...pool, reserve0: pool.reserve0 - amountOut, reserve1: pool.reserve1 + amountIn };
}

/** A swap quoted against a pool's current reserves. */
export interface SwapQuote {
  assetIn: number;
  assetOut: number;
  amountIn: bigint;
  /** What the router would pay now (`getAmountOut`). */
  amountOut: bigint;
  /** `amountOut` less the slippage tolerance: the `amountOutMin` the vault passes to the router. */
  minAmountOut: bigint;
  /** Price impact including the fee, bps, rounded up. */
  priceImpactBps: bigint;
  /** The pool once the swap is done at `amountOut`. */
  poolAfter: Pool;
}

/** Quotes selling `amountIn` of `assetIn` into `pool` with a slippage tolerance. */
export function quoteSwap(pool: Pool, assetIn: number, amountIn: bigint, slippageBps: bigint): SwapQuote {
  const { reserveIn, reserveOut, assetOut } = reservesFor(pool, assetIn);
  const amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
  return {
    assetIn,
    assetOut,
    amountIn,
    amountOut,
    minAmountOut: minAmountOut(amountOut, slippageBps),
    priceImpactBps: priceImpactBps(amountIn, amountOut, reserveIn, reserveOut),
    poolAfter: applySwap(pool, assetIn, amountIn, amountOut),
  };
}

/** Integer square root: the largest `r` with `r*r <= n`. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt: negative input");
  if (n < 2n) return n;
  // start at a power of two >= sqrt(n); Newton's iteration then decreases monotonically to floor(sqrt(n))
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** One arbitrage trade that moved a pool toward the oracle. */
export interface ArbitrageTrade {
  assetIn: number;
  amountIn: bigint;
  amountOut: bigint;
}

/**
 * The profit-maximising arbitrage against an external (oracle) price, with the 0.3% fee: the arbitrageur
 * sells into the pool until its marginal output rate `gamma * reserveOut' / reserveInEff'` equals the
 * oracle rate, which with `gamma = 997/1000` and `k = reserve0 * reserve1` gives the closed form
 * `effectiveReserveIn' = sqrt(gamma * k * rateOut/rateIn)`. Pools therefore sit inside the fee band
 * around the oracle, as real V2 pools do. `unitPrice0`/`unitPrice1` are the assets' oracle unit prices
 * (any common scale). Returns the pool unchanged and no trade when it is already inside the band.
 */
export function arbitrageToOracle(pool: Pool, unitPrice0: bigint, unitPrice1: bigint): { pool: Pool; trade?: ArbitrageTrade } {
  const { reserve0: x, reserve1: y } = pool;
  if (x <= 0n || y <= 0n || unitPrice0 <= 0n || unitPrice1 <= 0n) return { pool };
  // token0 is dear in the pool (the pool pays more token1 per token0 than the oracle values it): sell token0
  if (FEE_NUMERATOR * y * unitPrice1 > FEE_DENOMINATOR * x * unitPrice0) {
    const effectiveX = isqrt((FEE_NUMERATOR * x * y * unitPrice1) / (FEE_DENOMINATOR * unitPrice0));
    const amountIn = ((effectiveX - x) * FEE_DENOMINATOR) / FEE_NUMERATOR;
    if (amountIn <= 0n) return { pool };
    const amountOut = getAmountOut(amountIn, x, y);
    if (amountOut <= 0n) return { pool };
    return { pool: applySwap(pool, pool.asset0, amountIn, amountOut), trade: { assetIn: pool.asset0, amountIn, amountOut } };
  }
  // token0 is cheap in the pool: buy it with token1
  if (FEE_NUMERATOR * x * unitPrice0 > FEE_DENOMINATOR * y * unitPrice1) {
    const effectiveY = isqrt((FEE_NUMERATOR * x * y * unitPrice0) / (FEE_DENOMINATOR * unitPrice1));
    const amountIn = ((effectiveY - y) * FEE_DENOMINATOR) / FEE_NUMERATOR;
    if (amountIn <= 0n) return { pool };
    const amountOut = getAmountOut(amountIn, y, x);
    if (amountOut <= 0n) return { pool };
    return { pool: applySwap(pool, pool.asset1, amountIn, amountOut), trade: { assetIn: pool.asset1, amountIn, amountOut } };
  }
  return { pool };
}

/** A pool seeded at the oracle price with `reserve1` of asset1 and the matching value of asset0. */
export function poolAtPrice(asset0: number, asset1: number, reserve1: bigint, unitPrice0: bigint, unitPrice1: bigint): Pool {
  const reserve0 = (reserve1 * unitPrice1) / unitPrice0;
  if (reserve0 <= 0n || reserve1 <= 0n) throw new RangeError(`pool ${asset0}/${asset1}: reserves round to zero`);
  if (reserve0 > MAX_RESERVE || reserve1 > MAX_RESERVE) throw new RangeError(`pool ${asset0}/${asset1}: reserves exceed uint112`);
  return { asset0, asset1, reserve0, reserve1 };
}
