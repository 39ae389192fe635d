// Pins S2 (circuits/rebalance.circom, `Rebalance(N, A, K, C)`, with the debit and untouched leaves of lib/transition.circom): valid swaps (into a slot of the same asset,
// into an empty slot, emptying a slot) prove with exactly the public signals TypeScript computes; each way
// of cheating on the transition (touching another leaf, underflowing, the wrong asset in a touched slot,
// a free or negative trade, equal slots or assets, a wrong old or new root, a minimum below the fair price
// less maxSlippageBps: exactly at the bound passes, one base unit below has no witness) and a new state that
// breaks a bound is refused by the check aimed at; tampered witnesses break a constraint; constraint counts.
import { beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { loadInstances } from "../../core/node/instances.ts";
import type { Position, RebalanceAction } from "../../core/types.ts";
import {
  applyAction,
  publicSignalList,
  publicSignalNames,
  rebalanceInput,
  rebalancePublicSignals,
  positionsRoot,
  type RebalanceWitnessArgs,
} from "../../prover/witness.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";
import {
  SITES,
  SWAP_USDC_FOR_GOV_OVER_CAP,
  SWAP_USDC_FOR_WBTC_INTO_EMPTY,
  SWAP_WETH_FOR_USDC,
  USDC,
  WBTC,
  WETH,
  evaluate,
  expectRejectedAt,
  patchedSlots,
  rebalanceOf,
  testTreasury,
  tokens,
  type Site,
} from "./fixtures.ts";

/** Constraint counts (circom 2.2.3, --O2). A change here is a change of the statement: review it. */
const CONSTRAINTS = { "rebalance-test": 19_553, "rebalance-standard": 54_663 };
/** The standard instance must fit the 2^16 ptau with this much room left. */
const HEADROOM = 8_192;

const base = testTreasury();
const valid = rebalanceOf(base, SWAP_WETH_FOR_USDC, 1, 2);

/** A transition with a hand-made new state (what a cheating prover would try). */
function cheat(action: RebalanceAction, slotIn: number, slotOut: number, newPositions: Position[]): RebalanceWitnessArgs {
  return { ...valid, action, slotIn, slotOut, newPositions };
}

/** The new state alone passes every S1 bound: a refusal is about the transition, not the policy. */
function expectNewStateValid(args: RebalanceWitnessArgs): void {
  expect(evaluate(args.newPositions, args.policy, args.prices, args.liabilities).failures).toEqual([]);
}

describe("S2 Rebalance, test instance (N=8, A=4, K=2)", () => {
  let tester: CircuitTester;
  const rejects = (args: RebalanceWitnessArgs | object, site: Site) =>
    expectRejectedAt(tester, "size" in args ? rebalanceInput(args as RebalanceWitnessArgs) : args, site, "Rebalance");

  beforeAll(async () => {
    tester = await CircuitTester.load("rebalance-test");
  });

  it("declares its public inputs in the order of publicSignalNames, in circuits.json", () => {
    const table = loadInstances();
    expect(publicSignalNames("rebalance", 4)).toEqual([
      "oldRoot",
      "newRoot",
      "liabilitiesRoot",
      "policyHash",
      "pricesHash",
      "assetIn",
      "amountIn",
      "assetOut",
      "minAmountOut",
      "sequence",
      "vaultTotals[0]",
      "vaultTotals[1]",
    ]);
    const declared = (names: readonly string[]) => [...new Set(names.map((n) => n.replace(/\[\d+\]$/, "")))];
    expect(table["rebalance-test"]!.pubs).toEqual(declared(publicSignalNames("rebalance", 4)));
    expect(table["rebalance-standard"]!.pubs).toEqual(declared(publicSignalNames("rebalance", 8)));
    expect(table["rebalance-test"]!.params).toEqual([8, 4, 2, 1]);
    expect(table["rebalance-standard"]!.params).toEqual([32, 8, 4, 2]);
  });

  it("pins the constraint count", async () => {
    expect(await tester.constraintCount()).toBe(CONSTRAINTS["rebalance-test"]);
  });

  describe("accepts valid swaps; public signals equal the TypeScript ones", () => {
    const swaps: Array<[string, RebalanceWitnessArgs]> = [
      ["WETH -> USDC into a USDC slot", valid],
      ["USDC -> WBTC into an empty slot (its asset changes)", rebalanceOf(base, SWAP_USDC_FOR_WBTC_INTO_EMPTY, 0, 6)],
      [
        "all 100 WETH of slot 5 -> USDC (the slot ends empty)",
        rebalanceOf(base, { assetIn: WETH, amountIn: tokens(100n, 18), assetOut: USDC, minAmountOut: tokens(297_000n, 6) }, 5, 2),
      ],
    ];
    it.each(swaps)("%s", async (_, args) => {
      expectNewStateValid(args);
      const w = await tester.expectPass(rebalanceInput(args));
      const expected = publicSignalList("rebalance", rebalancePublicSignals(args));
      expect(w.slice(1, 1 + expected.length).map(String)).toEqual(expected);
      expect(expected[0]).toBe(positionsRoot(base.positions).toString());
    });
  });

  describe("refuses a transition that touches any other leaf", () => {
    const others = [0, 3, 4, 5, 6, 7];
    it.each(others)("slot %i re-salted", async (slot) => {
      await rejects({ ...valid, newPositions: patchedSlots(valid.newPositions, { [slot]: { salt: 7n } }) }, SITES.otherLeaf);
    });
    it("one unit of GOV taken from slot 4", async () => {
      const taken = { ...valid, newPositions: patchedSlots(valid.newPositions, { 4: { amount: valid.newPositions[4]!.amount - 1n } }) };
      expectNewStateValid(taken);
      await rejects(taken, SITES.otherLeaf);
    });
  });

  describe("refuses an underflowing amountIn", () => {
    // At a fair price (1,500,000 USDC for 500 WETH), so only the underflow is wrong.
    const tooMuch: RebalanceAction = { ...SWAP_WETH_FOR_USDC, amountIn: tokens(500n, 18) + 1n, minAmountOut: tokens(1_500_000n, 6) };
    it("wrapped: the new slot would hold -1 (mod p)", async () => {
      await rejects(cheat(tooMuch, 1, 2, patchedSlots(valid.newPositions, { 1: { amount: FIELD_MODULUS - 1n } })), SITES.amountRange);
    });
    it("clamped: the new slot holds 0 instead", async () => {
      const clamped = cheat(tooMuch, 1, 2, patchedSlots(valid.newPositions, { 1: { amount: 0n } }));
      expectNewStateValid(clamped);
      await rejects(clamped, SITES.newAmountIn);
    });
  });

  describe("refuses the wrong asset in a touched slot", () => {
    it("slotIn holds WBTC while the action sells WETH", async () => {
      // The attack: turn 1.2M of WBTC into USDC while the public action claims a tiny WETH sale.
      const action: RebalanceAction = { assetIn: WETH, amountIn: tokens(5n, 8), assetOut: USDC, minAmountOut: tokens(1_200_000n, 6) };
      const args = cheat(
        action,
        3,
        2,
        patchedSlots(base.positions, { 3: { assetIndex: WETH, amount: tokens(15n, 8), salt: 11n }, 2: { amount: base.positions[2]!.amount + action.minAmountOut, salt: 12n } }),
      );
      expectNewStateValid(args);
      await rejects(args, SITES.oldLeafIn);
    });

    it("slotOut holds WBTC (not empty) and is overwritten with USDC", async () => {
      const args = cheat(
        SWAP_WETH_FOR_USDC,
        1,
        3,
        patchedSlots(base.positions, {
          1: { amount: tokens(300n, 18), salt: 11n },
          3: { assetIndex: USDC, amount: base.positions[3]!.amount + SWAP_WETH_FOR_USDC.minAmountOut, salt: 12n },
        }),
      );
      expectNewStateValid(args);
      await rejects(args, SITES.slotOutAsset);
      // Lying about the old slot's asset instead breaks the old leaf's opening.
      await rejects({ ...rebalanceInput(args), oldAssetOut: USDC.toString() }, SITES.oldLeafOut);
    });

    it("the new slotIn leaf changes asset", async () => {
      const args = { ...valid, newPositions: patchedSlots(valid.newPositions, { 1: { assetIndex: WBTC, amount: 1n } }) };
      expectNewStateValid(args);
      await rejects(args, SITES.newAssetIn);
    });

    it("the new slotOut leaf credits more than minAmountOut", async () => {
      const args = { ...valid, newPositions: patchedSlots(valid.newPositions, { 2: { amount: valid.newPositions[2]!.amount + 1n } }) };
      await rejects(args, SITES.newAmountOut);
    });
  });

  describe("proves a fair price: minAmountOut * priceOut * 10^4 >= amountIn * priceIn * (10^4 - maxSlippageBps)", () => {
    const prices = base.prices.unitPrices;
    // 0.7 WETH for USDC: the fair floor 0.7 * 3,000 * 0.99 = 2,079 USDC, an exact number of base units here,
    // so check both the integer bound and an odd amount whose floor rounds up.
    const cases: Array<[string, bigint]> = [
      ["0.7 WETH", tokens(7n, 17)],
      ["0.123456789 WETH (the bound is not an integer: rounded up)", 123_456_789_000_000_000n],
    ];
    it.each(cases)("%s: exactly at the bound passes, one base unit below has no witness", async (_, amountIn) => {
      const floor = amountIn * prices[Number(WETH)]! * (10_000n - base.policy.maxSlippageBps);
      const unit = prices[Number(USDC)]! * 10_000n;
      const fair = (floor + unit - 1n) / unit;
      const at = rebalanceOf(base, { assetIn: WETH, amountIn, assetOut: USDC, minAmountOut: fair }, 1, 2);
      expectNewStateValid(at);
      await tester.expectPass(rebalanceInput(at));
      const below = rebalanceOf(base, { assetIn: WETH, amountIn, assetOut: USDC, minAmountOut: fair - 1n }, 1, 2);
      expectNewStateValid(below);
      await rejects(below, SITES.fairPrice);
    });
    it("a zero minimum (sell at any price) has no witness", async () => {
      await rejects(rebalanceOf(base, { ...SWAP_WETH_FOR_USDC, minAmountOut: 0n }, 1, 2), SITES.fairPrice);
    });
    it("maxSlippageBps is at most 100%", async () => {
      await rejects({ ...valid, policy: { ...valid.policy, maxSlippageBps: 10_001n } }, SITES.maxSlippageRange);
    });
    it("the sequence number is the last public signal, as given", async () => {
      const w = await tester.expectPass(rebalanceInput({ ...valid, sequence: 123_456n }));
      expect(w[10]).toBe(123_456n);
    });
  });

  it("refuses a new state that breaks a bound (GOV over its cap)", async () => {
    const args = rebalanceOf(base, SWAP_USDC_FOR_GOV_OVER_CAP, 0, 4);
    expect(evaluate(args.newPositions, args.policy, args.prices, args.liabilities).failures).toEqual(["cap[3]"]);
    await rejects(args, SITES.cap);
  });

  describe("refuses malformed actions", () => {
    it("slotIn == slotOut", async () => {
      const args = cheat(SWAP_WETH_FOR_USDC, 1, 1, patchedSlots(base.positions, { 1: { salt: 11n } }));
      expectNewStateValid(args);
      await rejects(args, SITES.slotsDiffer);
    });

    it("assetIn == assetOut", async () => {
      const action: RebalanceAction = { assetIn: USDC, amountIn: tokens(100n, 6), assetOut: USDC, minAmountOut: tokens(100n, 6) };
      const args = cheat(
        action,
        0,
        2,
        patchedSlots(base.positions, {
          0: { amount: base.positions[0]!.amount - action.amountIn, salt: 11n },
          2: { amount: base.positions[2]!.amount + action.minAmountOut, salt: 12n },
        }),
      );
      expectNewStateValid(args);
      await rejects(args, SITES.assetsDiffer);
    });

    it("amountIn == 0 (something for nothing)", async () => {
      const action: RebalanceAction = { ...SWAP_WETH_FOR_USDC, amountIn: 0n };
      const args = cheat(action, 1, 2, patchedSlots(valid.newPositions, { 1: { amount: base.positions[1]!.amount } }));
      expectNewStateValid(args);
      await rejects(args, SITES.amountInNonZero);
    });

    it("a negative (wrapped) minAmountOut that takes from slotOut", async () => {
      const action: RebalanceAction = { ...SWAP_WETH_FOR_USDC, minAmountOut: FIELD_MODULUS - tokens(1n, 6) };
      const args = cheat(action, 1, 2, patchedSlots(valid.newPositions, { 2: { amount: base.positions[2]!.amount - tokens(1n, 6) } }));
      expectNewStateValid(args);
      await rejects(args, SITES.minAmountOutRange);
    });

    it("a slot index outside [0, N)", async () => {
      await rejects({ ...rebalanceInput(valid), slotIn: "8" }, SITES.slotInRange);
    });
  });

  it("refuses an old root or a new root the positions do not open", async () => {
    const input = rebalanceInput(valid);
    const otherRoot = positionsRoot(patchedSlots(base.positions, { 6: { salt: 99n } })).toString();
    await rejects({ ...input, oldRoot: otherRoot }, SITES.oldRoot);
    await rejects({ ...input, newRoot: otherRoot }, SITES.newRoot);
  });

  describe("rejects tampered witnesses (every hint is constrained)", () => {
    let w: bigint[];
    beforeAll(async () => {
      w = await tester.witness(rebalanceInput(valid));
    });
    const flip = (name: string) => tester.tamper(w, name, 1n - tester.signal(w, name));

    it("a slot selector bit", async () => {
      // --O2 keeps slotIn's one-hot bits as touched = isIn + isOut (isOut is kept on its own).
      await tester.expectUnsatisfied(flip("touched[1]"));
      await tester.expectUnsatisfied(flip("touched[0]"));
      await tester.expectUnsatisfied(flip("isOut[2]"));
    });
    it("the selected old leaf", async () => {
      await tester.expectUnsatisfied(tester.tamper(w, "debit.oldSlotLeaf", tester.signal(w, "debit.oldSlotLeaf") + 1n));
    });
    it("a per-asset value of the new state and a comparator bit", async () => {
      await tester.expectUnsatisfied(tester.tamper(w, "state.assetValue[0]", tester.signal(w, "state.assetValue[0]") - 1n));
      await tester.expectUnsatisfied(flip(tester.signalLike("state.checks.scenarioCheck[1].", ".out[3]")));
    });
  });
});

describe("rebalanceInput and applyAction: checked at the boundary, naming the field", () => {
  it("refuses slots outside the instance and mismatched sizes", () => {
    expect(() => rebalanceInput({ ...valid, slotOut: 8 })).toThrow(/slotOut: slot 8 is not in \[0, 8\)/);
    expect(() => rebalanceInput({ ...valid, oldPositions: base.positions.slice(0, 4) })).toThrow(/oldPositions: expected 8 position slots/);
  });
  it("applyAction refuses what the circuit would refuse about the transition", () => {
    const salts = { saltIn: 1n, saltOut: 2n };
    expect(() => applyAction(base.positions, { ...SWAP_WETH_FOR_USDC, amountIn: tokens(501n, 18) }, 1, 2, salts)).toThrow(/action\.amountIn: slot 1 holds/);
    expect(() => applyAction(base.positions, SWAP_WETH_FOR_USDC, 3, 2, salts)).toThrow(/slotIn: slot 3 holds asset 2, not assetIn 1/);
    expect(() => applyAction(base.positions, SWAP_WETH_FOR_USDC, 1, 3, salts)).toThrow(/slotOut: slot 3 holds asset 2/);
    expect(() => applyAction(base.positions, SWAP_WETH_FOR_USDC, 1, 1, salts)).toThrow(/slotIn and slotOut must differ/);
    expect(() => applyAction(base.positions, { ...SWAP_WETH_FOR_USDC, amountIn: 0n }, 1, 2, salts)).toThrow(/amountIn must be positive/);
  });
});

describe("S2 Rebalance, standard instance (N=32, A=8, K=4)", () => {
  it("fits the 2^16 ptau with headroom, and pins the constraint count", async () => {
    const tester = await CircuitTester.load("rebalance-standard");
    const count = await tester.constraintCount();
    expect(count).toBe(CONSTRAINTS["rebalance-standard"]);
    // Groth16 setup needs constraints + public inputs + 1 <= 2^16.
    expect(count + publicSignalNames("rebalance", 8).length + 1).toBeLessThanOrEqual(2 ** 16 - HEADROOM);
  });
});
