// Pins the exact conversions of core/units.ts: decimal strings to base units and back, percentages to
// basis points, feed answers to unit prices. Nothing rounds on the way in; too-precise input is refused.
import { describe, expect, it } from "vitest";
import { ceilDiv, formatAmountAtLeast, formatBps, formatDecimal, formatUsd, formatUsdAtLeast, parseBps, parseDecimal, unitPriceFromAnswer } from "../../core/units.ts";

describe("parseDecimal", () => {
  it("converts exactly to base units", () => {
    expect(parseDecimal("1234.5", 6)).toBe(1_234_500_000n);
    expect(parseDecimal("0.000001", 6)).toBe(1n);
    expect(parseDecimal("1,000,000", 6)).toBe(1_000_000_000_000n);
    expect(parseDecimal("1_000.10", 2)).toBe(100_010n);
    expect(parseDecimal("7", 0)).toBe(7n);
    expect(parseDecimal("3.100", 1)).toBe(31n); // trailing zeros are not precision
    expect(parseDecimal("123456789.123456789123456789", 18)).toBe(123456789123456789123456789n);
  });
  it("refuses more decimals than the unit holds", () => {
    expect(() => parseDecimal("0.0000001", 6)).toThrow(/7 decimals; at most 6/);
    expect(() => parseDecimal("1.5", 0)).toThrow(/at most 0/);
  });
  it("refuses what is not a non-negative decimal", () => {
    for (const bad of ["", "-1", "1e6", "0x10", "1.2.3", "abc", ".5", "5."]) expect(() => parseDecimal(bad, 6), bad).toThrow(/not a non-negative decimal/);
  });
});

describe("parseBps", () => {
  it("reads percentages (two decimals) and basis points", () => {
    expect(parseBps("35%")).toBe(3500n);
    expect(parseBps("12.5%")).toBe(1250n);
    expect(parseBps("0.01%")).toBe(1n);
    expect(parseBps("3500bps")).toBe(3500n);
    expect(parseBps("3500 bps")).toBe(3500n);
  });
  it("refuses bare numbers and sub-basis-point precision", () => {
    expect(() => parseBps("35")).toThrow(/percentage/);
    expect(() => parseBps("12.345%")).toThrow(/3 decimals/);
  });
});

describe("unit prices", () => {
  it("scales an 8-decimal answer to USD per base unit x 10^36", () => {
    // USDC: 6 decimals, answer 0.9999 -> 0.9999e-6 USD per base unit.
    expect(unitPriceFromAnswer(99_990_000n, 8, 6)).toBe(99_990_000n * 10n ** 22n);
    // WETH: 18 decimals -> answer * 10^10.
    expect(unitPriceFromAnswer(341_255_000_000n, 8, 18)).toBe(341_255_000_000n * 10n ** 10n);
    // 1 WETH at $3412.55 is worth exactly 3412.55 x 10^36.
    expect(10n ** 18n * unitPriceFromAnswer(341_255_000_000n, 8, 18)).toBe(341_255n * 10n ** 34n);
  });
  it("refuses decimals that cannot be scaled exactly", () => {
    expect(() => unitPriceFromAnswer(1n, 18, 19)).toThrow(/exceed 36/);
  });
});

describe("formatting", () => {
  it("formats amounts, bps and USD", () => {
    expect(formatDecimal(1_234_500_000n, 6, { group: true })).toBe("1,234.5");
    expect(formatBps(3550n)).toBe("35.5%");
    expect(formatUsd(123_456n * 10n ** 34n)).toBe("$1,234.56");
    expect(formatUsd(-5n * 10n ** 35n)).toBe("-$0.50");
  });
  it("rounds 'at least' amounts up so they stay sufficient", () => {
    expect(formatUsdAtLeast(10n ** 34n + 1n)).toBe("$0.02");
    expect(formatAmountAtLeast(1_000_000_000_000_000_001n, 18)).toBe("1.000001");
    expect(formatAmountAtLeast(1_500_000n, 6)).toBe("1.5");
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
    expect(ceilDiv(0n, 5n)).toBe(0n);
  });
});
