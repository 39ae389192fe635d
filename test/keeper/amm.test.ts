// Pins keeper/amm.ts to Uniswap V2: getAmountOut against the v2-core pair test vectors (UniswapV2Pair.spec.ts
// "getInputPrice"), getAmountIn against UniswapV2Library's formula, the router's round-trip property, price
// impact, and the fee-aware arbitrage that keeps the simulated pools at the oracle.
import { describe, expect, it } from "vitest";
import {
  AmmError,
  applySwap,
  arbitrageToOracle,
  getAmountIn,
  getAmountOut,
  isqrt,
  minAmountOut,
  poolAtPrice,
  priceImpactBps,
  quoteSwap,
} from "../../keeper/amm.ts";

const E18 = 10n ** 18n;

describe("getAmountOut", () => {
  // [amountIn, reserveIn, reserveOut, expected out], amounts x 10^18: the v2-core swap test cases
  const vectors: Array<[bigint, bigint, bigint, bigint]> = [
    [1n, 5n, 10n, 1662497915624478906n],
    [1n, 10n, 5n, 453305446940074565n],
    [2n, 5n, 10n, 2851015155847869602n],
    [2n, 10n, 5n, 831248957812239453n],
    [1n, 10n, 10n, 906610893880149131n],
    [1n, 100n, 100n, 987158034397061298n],
    [1n, 1000n, 1000n, 996006981039903216n],
  ];
  it.each(vectors)("in %s into %s/%s pays the pair's maximum", (amountIn, reserveIn, reserveOut, expected) => {
    expect(getAmountOut(amountIn * E18, reserveIn * E18, reserveOut * E18)).toBe(expected);
  });

  it("pays 9.871580343970612988 for 10 into 1000/1000 (0.3% fee, then the curve)", () => {
    // 10 * 997 * 1000 / (1000 * 1000 + 10 * 997), floored in wei
    expect(getAmountOut(10n * E18, 1000n * E18, 1000n * E18)).toBe(9_871580343970612988n);
  });

  it("reverts like the library on zero input or empty reserves", () => {
    expect(() => getAmountOut(0n, 1n, 1n)).toThrow(AmmError);
    expect(() => getAmountOut(0n, 1n, 1n)).toThrow("INSUFFICIENT_INPUT_AMOUNT");
    expect(() => getAmountOut(1n, 0n, 1n)).toThrow("INSUFFICIENT_LIQUIDITY");
  });
});

describe("getAmountIn", () => {
  it("matches the library formula exactly", () => {
    // 100e18 * 1e18 * 1000 / ((100e18 - 1e18) * 997) + 1
    expect(getAmountIn(E18, 100n * E18, 100n * E18)).toBe(1013140431395195689n);
  });

  it("round-trips: paying getAmountIn yields at least the amount asked for, one wei less does not", () => {
    for (const [want, rIn, rOut] of [
      [E18, 100n * E18, 100n * E18],
      [1_234_567_890n, 2_000n * E18, 5_000_000_000_000n], // 1,234.56789 USDC out of a WETH/USDC pool
      [7n * E18, 9n * E18, 30n * E18],
    ] as const) {
      const amountIn = getAmountIn(want, rIn, rOut);
      expect(getAmountOut(amountIn, rIn, rOut)).toBeGreaterThanOrEqual(want);
      expect(getAmountOut(amountIn - 2n, rIn, rOut)).toBeLessThan(want);
    }
  });

  it("refuses to drain the pool", () => {
    expect(() => getAmountIn(100n, 1000n, 100n)).toThrow("INSUFFICIENT_LIQUIDITY");
  });
});

describe("price impact and slippage", () => {
  it("is the fee for a tiny trade (30 bps, rounded up to 31)", () => {
    const amountIn = 10n ** 15n;
    const out = getAmountOut(amountIn, 100n * E18, 100n * E18);
    expect(out).toBe(996990060009101n);
    expect(priceImpactBps(amountIn, out, 100n * E18, 100n * E18)).toBe(31n);
  });

  it("grows with the trade: 10% of the reserve costs about 9.3%", () => {
    const out = getAmountOut(10n * E18, 100n * E18, 100n * E18);
    expect(priceImpactBps(10n * E18, out, 100n * E18, 100n * E18)).toBe(934n); // 1 - 9.0661/10, rounded up
  });

  it("minAmountOut floors the tolerance", () => {
    expect(minAmountOut(1_000_001n, 50n)).toBe(995_000n);
    expect(() => minAmountOut(1n, 10_001n)).toThrow(RangeError);
  });

  it("quoteSwap moves the pool by exactly what it pays", () => {
    const pool = { asset0: 3, asset1: 0, reserve0: 100n * E18, reserve1: 300_000n * 10n ** 6n };
    const q = quoteSwap(pool, 3, E18, 50n);
    expect(q.assetOut).toBe(0);
    expect(q.poolAfter.reserve0).toBe(pool.reserve0 + E18);
    expect(q.poolAfter.reserve1).toBe(pool.reserve1 - q.amountOut);
    expect(applySwap(pool, 3, E18, q.amountOut)).toEqual(q.poolAfter);
    // constant product never falls (the fee stays in the pool)
    expect(q.poolAfter.reserve0 * q.poolAfter.reserve1).toBeGreaterThan(pool.reserve0 * pool.reserve1);
  });
});

describe("isqrt", () => {
  it("is the exact floor square root", () => {
    for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 40n, 10n ** 40n - 1n, (1n << 300n) + 12345n]) {
      const root = isqrt(n);
      expect(root * root <= n).toBe(true);
      expect((root + 1n) * (root + 1n) > n).toBe(true);
    }
  });
});

describe("arbitrageToOracle", () => {
  // WETH (18 decimals) against USDC (6 decimals); unit prices are USD per base unit x 10^36
  const usdc = 10n ** 30n; // $1 per 10^6 base units
  const weth = (usd: bigint): bigint => usd * 10n ** 18n; // $usd per 10^18 base units

  it("moves a pool to the oracle price, to within the 0.3% fee band", () => {
    const pool = poolAtPrice(3, 0, 30_000_000n * 10n ** 6n, weth(3000n), usdc);
    for (const price of [1800n, 2500n, 3000n, 4100n]) {
      const { pool: after, trade } = arbitrageToOracle(pool, weth(price), usdc);
      if (price !== 3000n) expect(trade).toBeDefined();
      // pool mid price of WETH in USD
      const mid = Number((after.reserve1 * 10n ** 12n * 1_000_000n) / after.reserve0) / 1_000_000;
      expect(Math.abs(mid / Number(price) - 1)).toBeLessThan(0.0031);
    }
  });

  it("never trades inside the fee band and the arbitrage is profitable at the oracle", () => {
    const pool = poolAtPrice(3, 0, 30_000_000n * 10n ** 6n, weth(3000n), usdc);
    expect(arbitrageToOracle(pool, weth(3005n), usdc).trade).toBeUndefined();
    const { trade } = arbitrageToOracle(pool, weth(2000n), usdc);
    // selling WETH that is dear in the pool: the USDC received is worth more than the WETH at the oracle
    expect(trade!.assetIn).toBe(3);
    expect(trade!.amountOut * usdc).toBeGreaterThan(trade!.amountIn * weth(2000n));
  });
});
