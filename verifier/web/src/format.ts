/**
 * Display formatting for the page: percentages, prices, times and long hashes. Display only; no value
 * path goes through here.
 */
import { formatBps, formatDecimal, PRICE_SCALE_DECIMALS } from "../../../core/units.ts";

/** `"12000"` (bps) -> `"120%"`. */
export function pct(bps: string | bigint): string {
  return formatBps(BigInt(bps));
}

/**
 * USD price of one whole token from its unit price (USD per base unit x 10^36): two decimals from $1 up,
 * four significant digits below.
 */
export function tokenPrice(unitPrice: string, decimals: number): string {
  const perToken = BigInt(unitPrice) * 10n ** BigInt(decimals); // USD x 10^36
  const scale = 10n ** BigInt(PRICE_SCALE_DECIMALS);
  if (perToken >= scale) return `$${formatDecimal(perToken, PRICE_SCALE_DECIMALS, { group: true, maxFraction: 2 })}`;
  // Below $1: enough fraction digits for four significant ones.
  let digits = 4;
  for (let v = perToken * 10n; v < scale && digits < PRICE_SCALE_DECIMALS; v *= 10n) digits++;
  return `$${formatDecimal(perToken, PRICE_SCALE_DECIMALS, { maxFraction: Math.min(digits, PRICE_SCALE_DECIMALS) })}`;
}

/** Unix seconds -> `2025-06-01 12:00:00 UTC`. */
export function utcTime(seconds: string | bigint): string {
  const ms = Number(BigInt(seconds)) * 1000;
  if (!Number.isFinite(ms)) return String(seconds);
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

/** A decimal integer as 0x-hex of at least `digits` digits (the input itself when it is not an integer). */
function hex(decimal: string, digits: number): string {
  try {
    return `0x${BigInt(decimal).toString(16).padStart(digits, "0")}`;
  } catch {
    return decimal;
  }
}

/** A field element as 0x-hex, 64 digits (how commitments are usually written). */
export function hex32(decimal: string): string {
  return hex(decimal, 64);
}

/** An address-sized field element (a payout's recipient) as 0x-hex, 40 digits. */
export function hexAddress(decimal: string): string {
  return hex(decimal, 40);
}

/** A decimal amount as written (`1500000.25`) with its whole part grouped: `1,500,000.25`. */
export function grouped(amount: string): string {
  const [whole = "", fraction] = amount.split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction ? `.${fraction}` : ""}`;
}

/** `0x1234…abcd` for tight spots; the full value goes in the element's title. */
export function short(text: string, keep = 10): string {
  return text.length <= 2 * keep + 1 ? text : `${text.slice(0, keep)}…${text.slice(-keep + 2)}`;
}

/** Milliseconds with one decimal. */
export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}
