/**
 * Integer command-line options, parsed one way for every command: decimal digits only (no sign, exponent
 * or fraction, surrounding blanks ignored), within bounds, else a usage error (exit 2) naming the flag.
 */
import { UserError } from "../core/errors.ts";

/** `text` as an integer from `min` (default 0) to `max` (default none), or a UserError naming `flag`. */
export function integerOption(text: string, flag: string, bounds: { min?: number; max?: number } = {}): number {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || n < min || n > max) {
    const expected =
      bounds.max !== undefined ? `an integer from ${min} to ${max}` : min === 1 ? "a positive integer" : min === 0 ? "a non-negative integer" : `an integer of at least ${min}`;
    throw new UserError(`expected ${expected}, got ${JSON.stringify(text)}`, { where: flag, exitCode: 2 });
  }
  return n;
}

/** A positive integer option (`--workers`, `--limit`, `--epoch`, ...). */
export function positiveInteger(text: string, flag: string): number {
  return integerOption(text, flag, { min: 1 });
}
