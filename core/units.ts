/**
 * Exact conversions between what people write (decimal token amounts, "35%", "$3,412.55") and the
 * integers every value path uses (DESIGN section 2). Parsing never rounds: a string with more decimals
 * than the target unit holds is refused. Formatting is for display only. Browser-safe.
 */
import { BPS } from "./field.ts";

/** Scale of a unit price: USD value of one base unit times 10^36. */
export const PRICE_SCALE_DECIMALS = 36;
/** USD values (`amount * unitPrice`) carry 36 decimals. */
export const VALUE_SCALE = 10n ** 36n;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative decimal string (`"1234.5"`, `"1_000"` and `"1,000"` separators allowed) into an
 * integer with `decimals` implied decimal places, exactly. Throws a RangeError (message without the
 * field name; callers add where) when the string is not a decimal or has too many decimals.
 */
export function parseDecimal(text: string, decimals: number): bigint {
  const cleaned = text.trim().replace(/[_,]/g, "");
  const match = DECIMAL.exec(cleaned);
  if (!match) throw new RangeError(`${JSON.stringify(text)} is not a non-negative decimal number`);
  const whole = match[1]!;
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new RangeError(`${JSON.stringify(text)} has ${fraction.length} decimals; at most ${decimals} fit exactly`);
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
}

/** Formats an integer with `decimals` implied decimal places, trimming trailing zeros (`150000, 4 -> "15"`). */
export function formatDecimal(value: bigint, decimals: number, options: { group?: boolean; maxFraction?: number } = {}): string {
  const negative = value < 0n;
  let abs = negative ? -value : value;
  let shown = decimals;
  if (options.maxFraction !== undefined && options.maxFraction < decimals) {
    // Display rounding (half up) to maxFraction digits; never used in a value path.
    const drop = 10n ** BigInt(decimals - options.maxFraction);
    abs = (abs + drop / 2n) / drop;
    shown = options.maxFraction;
  }
  const scale = 10n ** BigInt(shown);
  let whole = (abs / scale).toString();
  if (options.group) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = shown > 0 ? (abs % scale).toString().padStart(shown, "0").replace(/0+$/, "") : "";
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * Parses basis points written as a percentage (`"35%"`, `"12.5%"`, at most two decimals) or as
 * basis points (`"3500bps"`, `"3500 bps"`). Bare numbers are refused: `35` could mean either.
 */
export function parseBps(text: string): bigint {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) return parseDecimal(pct[1]!, 2);
  const bps = /^(\d+)\s*bps$/i.exec(t);
  if (bps) return BigInt(bps[1]!);
  throw new RangeError(`${JSON.stringify(text)} is not a percentage like "35%" or basis points like "3500bps"`);
}

/** Formats basis points as a percentage (`3550n -> "35.5%"`). */
export function formatBps(bps: bigint): string {
  return `${formatDecimal(bps, 2)}%`;
}

/**
 * Unit price (USD per base unit x 10^36) from a feed answer: `answer * 10^(36 - feedDecimals - tokenDecimals)`.
 * Exact; requires `feedDecimals + tokenDecimals <= 36`.
 */
export function unitPriceFromAnswer(answer: bigint, feedDecimals: number, tokenDecimals: number): bigint {
  const shift = PRICE_SCALE_DECIMALS - feedDecimals - tokenDecimals;
  if (shift < 0) throw new RangeError(`feed decimals ${feedDecimals} + token decimals ${tokenDecimals} exceed 36`);
  return answer * 10n ** BigInt(shift);
}

/** Ceiling division of non-negative bigints. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("ceilDiv: denominator must be positive");
  if (numerator <= 0n) return -((-numerator) / denominator);
  return (numerator + denominator - 1n) / denominator;
}

/** Formats a USD value carried with 36 decimals (`amount * unitPrice`) as `$1,234.56` (display rounding, half up). */
export function formatUsd(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const cents = (abs + 5n * 10n ** 33n) / 10n ** 34n;
  return `${negative ? "-" : ""}$${formatCents(cents)}`;
}

function formatCents(cents: bigint): string {
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** Formats a USD value rounded UP to cents: for "at least $X" statements, so X is always enough. */
export function formatUsdAtLeast(value: bigint): string {
  return `$${formatCents(ceilDiv(value, 10n ** 34n))}`;
}

/** `numerator / denominator` in whole basis points, rounded down; undefined when the denominator is 0. */
export function ratioBps(numerator: bigint, denominator: bigint): bigint | undefined {
  if (denominator === 0n) return undefined;
  return (numerator * BPS) / denominator;
}


/**
 * Formats base units as a token amount rounded UP to at most `maxFraction` decimals, so an "at least X"
 * statement stays sufficient (`1234567891n, 9 decimals, 4 -> "1.2346"`).
 */
export function formatAmountAtLeast(amount: bigint, decimals: number, maxFraction = 6): string {
  if (decimals <= maxFraction) return formatDecimal(amount, decimals, { group: true });
  const step = 10n ** BigInt(decimals - maxFraction);
  return formatDecimal(ceilDiv(amount, step), maxFraction, { group: true });
}
