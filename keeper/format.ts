/**
 * Display helpers for the keeper's reasons, logs and reports, on top of core/units.ts. Token amounts are
 * formatted from bigint digits (never through a float); floats appear only in rounded human display.
 */
import { formatBps as formatBpsTrimmed, formatDecimal, VALUE_SCALE } from "../core/units.ts";

export { VALUE_SCALE };

/** A token amount in base units with at most `fractionDigits` decimals, grouped: `41.31`, `1,250,000`. */
export function formatUnits(amount: bigint, decimals: number, fractionDigits = 4): string {
  return formatDecimal(amount, decimals, { group: true, maxFraction: fractionDigits });
}

/** Basis points as a percentage with trailing zeros trimmed: `3120n` -> `31.2%`. */
export function formatBps(bps: bigint): string {
  return formatBpsTrimmed(bps);
}

/** A value in USD x 10^36, compact: `$1.23M`, `$456.7k`, `$12.34`. */
export function formatUsdCompact(value: bigint): string {
  const dollars = usdNumber(value);
  const abs = Math.abs(dollars);
  const sign = dollars < 0 ? "-" : "";
  if (abs >= 1e9) return `${sign}$${(abs / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${sign}$${(abs / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${sign}$${(abs / 1e3).toFixed(1)}k`;
  return `${sign}$${abs.toFixed(2)}`;
}

/** A USD x 10^36 value as a float number of dollars (display and chart coordinates only). */
export function usdNumber(value: bigint): number {
  return Number((value * 100n) / VALUE_SCALE) / 100;
}

/** Basis points as a float percentage (display and chart coordinates only). */
export function bpsNumber(bps: bigint): number {
  return Number(bps) / 100;
}
