// Keeper test fixtures: a controlled 8-asset treasury (USDC, USDT, DAI, WETH, WBTC, wstETH, a governance token
// MRD, a tokenized T-bill USTB; the symbols of examples/meridian, so the bundled scenarios apply) with its policy (caps, haircuts, liquidity flags, 4 stress scenarios), liabilities and
// pool depths. Exact integers; prices as 8-decimal feed answers like Chainlink's USD feeds.
import type { PolicyFields } from "../../core/hash.ts";
import type { Position } from "../../core/types.ts";
import { parseDecimal } from "../../core/units.ts";
import type { SimAsset, SimTreasury } from "../../keeper/simulate/types.ts";

/** Asset order = policy order. */
export const SYMBOLS = ["USDC", "USDT", "DAI", "WETH", "WBTC", "wstETH", "MRD", "USTB"] as const;
export const [USDC, USDT, DAI, WETH, WBTC, WSTETH, MRD, USTB] = [0, 1, 2, 3, 4, 5, 6, 7] as const;

const DECIMALS = [6, 6, 18, 18, 8, 18, 18, 6];
const USD_PRICES = ["1", "1", "1", "3000", "62500", "3500", "5", "10"];
const POOL_DEPTH_USD = [0n, 30_000_000n, 20_000_000n, 60_000_000n, 40_000_000n, 25_000_000n, 6_000_000n, 10_000_000n];

/** Holdings spread over venues: [asset, decimal amount]. */
const HOLDINGS: Array<[number, string]> = [
  [USDC, "12000000"], [USDC, "6000000"], [USDT, "8000000"], [DAI, "6000000"],
  [WETH, "5000"], [WETH, "3000"], [WBTC, "160"], [WSTETH, "4000"], [MRD, "2400000"], [USTB, "800000"],
];

/** Position slots in the circuit's `standard` size (N = 32), padding slots empty. */
export function fixturePositions(holdings: ReadonlyArray<[number, string]> = HOLDINGS, slots = 32): Position[] {
  const positions: Position[] = holdings.map(([asset, text], i) => ({
    assetIndex: BigInt(asset),
    amount: parseDecimal(text, DECIMALS[asset]!),
    salt: BigInt(1000 + i),
  }));
  while (positions.length < slots) positions.push({ assetIndex: 0n, amount: 0n, salt: BigInt(1000 + positions.length) });
  return positions;
}

/** The policy: caps, haircuts, liquid flags, 125% coverage, 80% liquidity, 4 scenarios. */
export function fixturePolicy(): PolicyFields {
  return {
    chainId: 31337n,
    vault: 0x5fbdb2315678afecb367f032d93f642f64180aa3n,
    liabilityAsset: BigInt(USDC),
    minCoverageBps: 12_500n,
    minLiquidityBps: 8_000n,
    // no fair-price limit, so that the planner tests are about the bounds (and pool depth); the fair-price
    // tests of test/keeper/planner.test.ts set a real one
    maxSlippageBps: 10_000n,
    maxAttestationAge: 86_400n,
    tokensDigest: 0x70cen,
    attestorKeys: [[0n, 0n], [0n, 0n]],
    rulesDigest: 0x2a5e5n, // stands for the digest of the rules the circuits do not evaluate
    //        USDC    USDT   DAI    WETH   WBTC   wstETH MRD    USTB
    capBps: [6000n, 2000n, 2000n, 3000n, 2000n, 2000n, 1500n, 2500n],
    haircutBps: [0n, 200n, 300n, 2000n, 2000n, 2500n, 5000n, 500n],
    liquid: [1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n],
    shockBps: [
      [0n, 100n, 200n, 5000n, 4000n, 5500n, 7000n, 100n], // crypto crash
      [1000n, 3000n, 2000n, 1500n, 1000n, 1500n, 3000n, 200n], // stablecoin depeg
      [0n, 0n, 0n, 2000n, 1500n, 2000n, 4000n, 1500n], // rates shock
      [0n, 0n, 0n, 1000n, 500n, 1500n, 9000n, 0n], // governance token collapse
    ],
  };
}

export const SCENARIO_NAMES = ["crypto crash", "stablecoin depeg", "rates shock", "governance token collapse"];

/** 8-decimal feed answers for USD prices. */
export function answersFor(usd: readonly string[] = USD_PRICES): bigint[] {
  return usd.map((p) => parseDecimal(p, 8));
}

/** Unit prices (USD per base unit x 10^36) for 8-decimal answers. */
export function unitPricesFor(answers: readonly bigint[]): bigint[] {
  return answers.map((answer, a) => answer * 10n ** BigInt(28 - DECIMALS[a]!));
}

/** The whole treasury as the simulation takes it: $100M of assets against $55M of USDC liabilities. */
export function fixtureTreasury(): SimTreasury {
  const answers = answersFor();
  const assets: SimAsset[] = SYMBOLS.map((symbol, a) => ({
    symbol,
    decimals: DECIMALS[a]!,
    feedDecimals: 8,
    answer: answers[a]!,
    poolDepthUsd: POOL_DEPTH_USD[a]!,
  }));
  return {
    name: "fixture-8",
    assets,
    positions: fixturePositions(),
    policy: fixturePolicy(),
    scenarioNames: SCENARIO_NAMES,
    liabilitiesTotal: parseDecimal("55000000", 6),
    quoteAsset: USDC,
    extraQuoteAssets: [USDT, DAI],
  };
}

export { DECIMALS, HOLDINGS };
