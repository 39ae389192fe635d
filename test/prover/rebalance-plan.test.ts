// Pins how an S2 action is laid onto the committed slots (no keys needed): the sold slot is the smallest
// position that holds enough, the bought asset lands in its largest position or else an empty slot, and a
// refused swap comes with the largest swap at the same rate that keeps every bound.
import { describe, expect, it } from "vitest";
import { chooseSlots, largestSafeSwap, parseRebalanceRequest } from "../../prover/prove.ts";
import { exactCheck } from "../../prover/rules.ts";
import { policyFields } from "../../prover/treasury.ts";
import type { Position } from "../../core/types.ts";
import { loadExample } from "./small-example.ts";

const slot = (assetIndex: bigint, amount: bigint): Position => ({ assetIndex, amount, salt: 1n });
const SYMBOLS = ["USDC", "DAI", "WETH", "WBTC"];
const DECIMALS = [6, 18, 18, 8];

describe("chooseSlots", () => {
  const slots = [slot(0n, 100n), slot(2n, 50n), slot(2n, 20n), slot(0n, 300n), slot(0n, 0n), slot(0n, 0n)];
  it("sells from the smallest position that holds enough and buys into the largest position of the asset", () => {
    expect(chooseSlots(slots, { assetIn: 2n, amountIn: 15n, assetOut: 0n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toEqual({ slotIn: 2, slotOut: 3 });
    expect(chooseSlots(slots, { assetIn: 2n, amountIn: 30n, assetOut: 0n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toEqual({ slotIn: 1, slotOut: 3 });
  });
  it("buys into an empty slot when no position holds the asset", () => {
    expect(chooseSlots(slots, { assetIn: 0n, amountIn: 10n, assetOut: 3n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toEqual({ slotIn: 0, slotOut: 4 });
  });
  it("refuses what one slot cannot do", () => {
    expect(() => chooseSlots(slots, { assetIn: 2n, amountIn: 60n, assetOut: 0n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toThrow(/no single WETH position holds that much/);
    expect(() => chooseSlots(slots, { assetIn: 3n, amountIn: 1n, assetOut: 0n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toThrow(/holds no WBTC/);
    const full = [slot(0n, 1n), slot(2n, 5n)];
    expect(() => chooseSlots(full, { assetIn: 2n, amountIn: 1n, assetOut: 3n, minAmountOut: 1n }, SYMBOLS, DECIMALS)).toThrow(/every slot is in use and none holds WBTC/);
  });
});

describe("largestSafeSwap", () => {
  it("finds the largest amount at the same rate that keeps every bound, and one unit more breaks one", () => {
    const { treasury, liabilities } = loadExample();
    const action = parseRebalanceRequest(treasury, { sell: "WBTC", amount: "6", buy: "WETH", minOut: "170" });
    const slots = treasury.holdings.map((h) => slot(BigInt(h.assetIndex), h.amount)).concat([slot(0n, 0n), slot(0n, 0n)]);
    const { slotIn, slotOut } = chooseSlots(slots, action, SYMBOLS, DECIMALS);
    const safe = largestSafeSwap(slots, action, slotIn, slotOut, treasury, liabilities.total)!;
    expect(safe.amountIn).toBeGreaterThan(0n);
    expect(safe.amountIn).toBeLessThan(action.amountIn);
    const apply = (amountIn: bigint) =>
      slots.map((p, i) =>
        i === slotIn ? { ...p, amount: p.amount - amountIn } : i === slotOut ? { ...p, amount: p.amount + (action.minAmountOut * amountIn) / action.amountIn } : p,
      );
    const prices = treasury.prices.assets.map((p) => p.unitPrice);
    expect(exactCheck(apply(safe.amountIn), prices, policyFields(treasury.policy), liabilities.total).ok).toBe(true);
    expect(exactCheck(apply(safe.amountIn + 1n), prices, policyFields(treasury.policy), liabilities.total)).toEqual({ ok: false, failed: ["cap:2"] });
  });
});
