// Pins S4 (circuits/payout.circom, `Payout(N, A, K, C)`): valid payouts (part of a slot, a whole slot, the
// largest address) prove with exactly the public signals TypeScript computes; a payout whose remaining
// positions break a bound (coverage, liquidity, a cap, a stress scenario) has no witness, refused by that
// bound's check; so has each way of cheating on the transition (more than the slot holds, wrapped or clamped;
// nothing paid; a wrapped amount p - x that credits the slot; a slot held at an attestor; a slot of another
// asset; another leaf changed; a recipient at or above 2^160; a wrong old or new root); tampered witnesses
// break a constraint; constraint counts of both instances.
import { beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { loadInstances } from "../../core/node/instances.ts";
import type { PayoutAction } from "../../core/types.ts";
import { applyPayout, payoutInput, payoutPublicSignals, positionsRoot, publicSignalList, publicSignalNames, type PayoutWitnessArgs } from "../../prover/witness.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";
import {
  GOV,
  PAYOUT_SALT,
  SITES,
  USDC,
  WBTC,
  WETH,
  evaluate,
  expectRejectedAt,
  patchedSlots,
  payoutOf,
  replaced,
  testTreasury,
  tokens,
  withPolicy,
  type Site,
} from "./fixtures.ts";

/** Constraint counts (circom 2.2.3, --O2). A change here is a change of the statement: review it. */
const CONSTRAINTS = { "payout-test": 18_923, "payout-standard": 53_897 };
/** The standard instance must fit the 2^16 ptau with this much room left. */
const HEADROOM = 8_192;

/** Hardhat's second account, as the recipient. */
const RECIPIENT = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n;

const base = testTreasury();
const pay = (asset: bigint, amount: bigint, recipient = RECIPIENT): PayoutAction => ({ asset, amount, recipient });
/** The reference payout: 300 of the 500 WETH in slot 1 ($900k of $9M). */
const valid = payoutOf(base, pay(WETH, tokens(300n, 18)), 1);

/** The positions left pass every bound: a refusal is about the transition, not the policy. */
function expectNewStateValid(args: PayoutWitnessArgs): void {
  expect(evaluate(args.newPositions, args.policy, args.prices, args.liabilities).failures).toEqual([]);
}

describe("S4 Payout, test instance (N=8, A=4, K=2, C=1)", () => {
  let tester: CircuitTester;
  const rejects = (args: PayoutWitnessArgs | object, site: Site) =>
    expectRejectedAt(tester, "size" in args ? payoutInput(args as PayoutWitnessArgs) : args, site, "Payout");

  beforeAll(async () => {
    tester = await CircuitTester.load("payout-test");
  });

  it("declares its public inputs in the order of publicSignalNames, in circuits.json", () => {
    const table = loadInstances();
    expect(publicSignalNames("payout", 4)).toEqual([
      "oldRoot",
      "newRoot",
      "liabilitiesRoot",
      "policyHash",
      "pricesHash",
      "asset",
      "amount",
      "recipient",
      "sequence",
      "vaultTotals[0]",
      "vaultTotals[1]",
    ]);
    const declared = (names: readonly string[]) => [...new Set(names.map((n) => n.replace(/\[\d+\]$/, "")))];
    expect(table["payout-test"]!.pubs).toEqual(declared(publicSignalNames("payout", 4)));
    expect(table["payout-standard"]!.pubs).toEqual(declared(publicSignalNames("payout", 8)));
    expect(table["payout-test"]!.params).toEqual(table["rebalance-test"]!.params);
    expect(table["payout-standard"]!.params).toEqual(table["rebalance-standard"]!.params);
  });

  it("pins the constraint count", async () => {
    expect(await tester.constraintCount()).toBe(CONSTRAINTS["payout-test"]);
  });

  describe("accepts valid payouts; public signals equal the TypeScript ones", () => {
    const payouts: Array<[string, PayoutWitnessArgs]> = [
      ["300 WETH of slot 1's 500", valid],
      ["all 100 WETH of slot 5 (the slot ends empty)", payoutOf(base, pay(WETH, tokens(100n, 18)), 5)],
      ["1 base unit of USDC to the largest address (2^160 - 1)", payoutOf(base, pay(USDC, 1n, (1n << 160n) - 1n), 2)],
    ];
    it.each(payouts)("%s", async (_, args) => {
      expectNewStateValid(args);
      const w = await tester.expectPass(payoutInput(args));
      const expected = publicSignalList("payout", payoutPublicSignals(args));
      expect(w.slice(1, 1 + expected.length).map(String)).toEqual(expected);
      expect(expected[0]).toBe(positionsRoot(base.positions).toString());
    });
    it("the vault totals are the positions left's", async () => {
      const w = await tester.expectPass(payoutInput(valid));
      // vaultTotals[0] packs USDC (4M) and WETH (600 less the 300 paid): t0 + t1 * 2^128.
      expect(w[10]).toBe(tokens(4_000_000n, 6) + tokens(300n, 18) * (1n << 128n));
    });
  });

  describe("has no witness for a payout whose remaining positions break a bound", () => {
    // Each payout breaks exactly one bound (policies tightened where needed so that one bound is the first
    // to go); the treasury before the payout passes every bound under the same policy.
    const cases: Array<[string, string, Site, PayoutWitnessArgs]> = [
      [
        "coverage (minCoverage 140%: 500,000 USDC leaves 135.8%)",
        "coverage",
        SITES.coverage,
        payoutOf(withPolicy(base, { minCoverageBps: 14_000n }), pay(USDC, tokens(500_000n, 6)), 2),
      ],
      [
        "liquidity (minLiquidity 110%: 150 WETH leaves 107%)",
        "liquidity",
        SITES.liquidity,
        payoutOf(withPolicy(base, { minLiquidityBps: 11_000n }), pay(WETH, tokens(150n, 18)), 1),
      ],
      [
        "a cap (GOV capped at 23%: 400,000 USDC lifts GOV to 23.3%)",
        "cap[3]",
        SITES.cap,
        payoutOf(withPolicy(base, { capBps: replaced(base.policy.capBps, Number(GOV), 2_300n) }), pay(USDC, tokens(400_000n, 6)), 2),
      ],
      ["a stress scenario (1,100,000 USDC: the crypto crash leaves $4.92M for $5M)", "scenario[0]", SITES.scenario, payoutOf(base, pay(USDC, tokens(1_100_000n, 6)), 0)],
    ];
    it.each(cases)("%s", async (_, failure, site, args) => {
      expect(evaluate(args.oldPositions, args.policy, args.prices, args.liabilities).failures).toEqual([]);
      expect(evaluate(args.newPositions, args.policy, args.prices, args.liabilities).failures).toEqual([failure]);
      await rejects(args, site);
    });
  });

  describe("refuses an amount above what the slot holds", () => {
    const tooMuch = pay(WETH, tokens(500n, 18) + 1n);
    it("wrapped: the new slot would hold -1 (mod p)", async () => {
      await rejects({ ...valid, payout: tooMuch, newPositions: patchedSlots(valid.newPositions, { 1: { amount: FIELD_MODULUS - 1n } }) }, SITES.amountRange);
    });
    it("clamped: the new slot holds 0 instead", async () => {
      const clamped = { ...valid, payout: tooMuch, newPositions: patchedSlots(valid.newPositions, { 1: { amount: 0n } }) };
      expectNewStateValid(clamped);
      await rejects(clamped, SITES.newAmountIn);
    });
  });

  it("refuses a zero payout (a free new root)", async () => {
    const zero = { ...valid, payout: pay(WETH, 0n), newPositions: patchedSlots(base.positions, { 1: { salt: PAYOUT_SALT } }) };
    expectNewStateValid(zero);
    await rejects(zero, SITES.amountInNonZero);
  });

  it("refuses a wrapped amount p - x (which would credit the slot with x)", async () => {
    const credited = {
      ...valid,
      payout: pay(WETH, FIELD_MODULUS - tokens(1n, 18)),
      newPositions: patchedSlots(base.positions, { 1: { amount: tokens(501n, 18), salt: PAYOUT_SALT } }),
    };
    expectNewStateValid(credited);
    await rejects(credited, SITES.amountInRange);
  });

  describe("pays only from a vault-held slot of the asset", () => {
    it("a slot held at attestor 1: its old leaf does not open as the vault's", async () => {
      const atAttestor = patchedSlots(base.positions, { 3: { custody: 1n } });
      const args: PayoutWitnessArgs = {
        ...valid,
        oldPositions: atAttestor,
        payout: pay(WBTC, tokens(5n, 8)),
        slot: 3,
        newPositions: patchedSlots(base.positions, { 3: { custody: 0n, amount: tokens(15n, 8), salt: PAYOUT_SALT } }),
      };
      expectNewStateValid(args);
      await rejects(args, SITES.oldLeafIn);
    });
    it("a slot of another asset (WBTC paid out as WETH)", async () => {
      const args: PayoutWitnessArgs = {
        ...valid,
        payout: pay(WETH, tokens(5n, 8)),
        slot: 3,
        newPositions: patchedSlots(base.positions, { 3: { amount: tokens(15n, 8), salt: PAYOUT_SALT } }),
      };
      expectNewStateValid(args);
      await rejects(args, SITES.oldLeafIn);
    });
    it("the paying slot changes asset", async () => {
      const args = { ...valid, newPositions: patchedSlots(valid.newPositions, { 1: { assetIndex: WBTC, amount: 1n } }) };
      expectNewStateValid(args);
      await rejects(args, SITES.newAssetIn);
    });
    it("a slot index outside [0, N)", async () => {
      await rejects({ ...payoutInput(valid), slot: "8" }, SITES.slotInRange);
    });
  });

  describe("refuses a payout that changes any other leaf", () => {
    it.each([0, 2, 3, 4, 5, 6, 7])("slot %i re-salted", async (slot) => {
      await rejects({ ...valid, newPositions: patchedSlots(valid.newPositions, { [slot]: { salt: 7n } }) }, SITES.otherLeaf);
    });
    it("one unit of GOV taken from slot 4 as well", async () => {
      const taken = { ...valid, newPositions: patchedSlots(valid.newPositions, { 4: { amount: valid.newPositions[4]!.amount - 1n } }) };
      expectNewStateValid(taken);
      await rejects(taken, SITES.otherLeaf);
    });
  });

  describe("binds the recipient, an address below 2^160", () => {
    it.each([
      ["2^160", 1n << 160n],
      ["p - 1 (a wrapped -1)", FIELD_MODULUS - 1n],
    ])("%s has no witness", async (_, recipient) => {
      await rejects({ ...payoutInput(valid), recipient: recipient.toString() }, SITES.recipientRange);
    });
    it("the recipient is public signal 7, as given", async () => {
      const w = await tester.expectPass(payoutInput(valid));
      expect(w[8]).toBe(RECIPIENT);
    });
  });

  it("refuses an old root or a new root the positions do not open", async () => {
    const input = payoutInput(valid);
    const otherRoot = positionsRoot(patchedSlots(base.positions, { 6: { salt: 99n } })).toString();
    await rejects({ ...input, oldRoot: otherRoot }, SITES.payoutOldRoot);
    await rejects({ ...input, newRoot: otherRoot }, SITES.payoutNewRoot);
  });

  describe("rejects tampered witnesses (every hint is constrained)", () => {
    let w: bigint[];
    beforeAll(async () => {
      w = await tester.witness(payoutInput(valid));
    });
    const flip = (name: string) => tester.tamper(w, name, 1n - tester.signal(w, name));

    it("a slot selector bit", async () => {
      // --O2 keeps the paying slot's one-hot bits under the name UntouchedLeaves takes them by.
      const bit = (i: number) => tester.signalLike("UntouchedLeaves_", `.touched[${i}]`);
      await tester.expectUnsatisfied(flip(bit(1)));
      await tester.expectUnsatisfied(flip(bit(4)));
    });
    it("the selected old leaf", async () => {
      await tester.expectUnsatisfied(tester.tamper(w, "debit.oldSlotLeaf", tester.signal(w, "debit.oldSlotLeaf") + 1n));
    });
    it("a per-asset value of the new state", async () => {
      await tester.expectUnsatisfied(tester.tamper(w, "state.assetValue[1]", tester.signal(w, "state.assetValue[1]") + 1n));
    });
  });
});

describe("applyPayout: refuses at the boundary what the circuit would refuse, naming the field", () => {
  it("refuses more than the slot holds, another asset's slot, an attestor's slot, nothing, a non-address", () => {
    expect(() => applyPayout(base.positions, pay(WETH, tokens(501n, 18)), 1, 1n)).toThrow(/payout\.amount: slot 1 holds/);
    expect(() => applyPayout(base.positions, pay(WETH, 1n), 3, 1n)).toThrow(/slot: slot 3 holds asset 2, not the payout's asset 1/);
    expect(() => applyPayout(patchedSlots(base.positions, { 1: { custody: 1n } }), pay(WETH, 1n), 1, 1n)).toThrow(/slot: slot 1 is held at attestor 1/);
    expect(() => applyPayout(base.positions, pay(WETH, 0n), 1, 1n)).toThrow(/payout\.amount: the payout amount must be positive/);
    expect(() => applyPayout(base.positions, pay(WETH, 1n, 1n << 160n), 1, 1n)).toThrow(/payout\.recipient: the recipient is not a 20-byte address/);
    expect(() => applyPayout(base.positions, pay(WETH, 1n), 8, 1n)).toThrow(/slot: slot 8 is not in \[0, 8\)/);
  });
  it("payoutInput refuses mismatched sizes", () => {
    expect(() => payoutInput({ ...valid, oldPositions: base.positions.slice(0, 4) })).toThrow(/oldPositions: expected 8 position slots/);
  });
});

describe("S4 Payout, standard instance (N=32, A=8, K=4, C=2)", () => {
  it("fits the 2^16 ptau with headroom, and pins the constraint count", async () => {
    const tester = await CircuitTester.load("payout-standard");
    const count = await tester.constraintCount();
    expect(count).toBe(CONSTRAINTS["payout-standard"]);
    // Groth16 setup needs constraints + public inputs + 1 <= 2^16.
    expect(count + publicSignalNames("payout", 8).length + 1).toBeLessThanOrEqual(2 ** 16 - HEADROOM);
  });
});
