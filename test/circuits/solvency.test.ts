// Pins S1 (circuits/solvency.circom, `Solvency(N, A, K)`): a valid treasury proves with exactly the public
// signals TypeScript computes; each policy bound holds at its exact limit and fails one unit past it, refused
// by that bound's own comparison; every field range and every opening (positions root, policy and prices
// hashes, liabilities root) is enforced; tampered witnesses break a constraint; constraint counts per instance.
import { beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { policyHash, pricesHash } from "../../core/hash.ts";
import { loadInstances } from "../../core/node/instances.ts";
import type { PolicyFields } from "../../core/types.ts";
import { publicSignalList, publicSignalNames, solvencyInput, solvencyPublicSignals } from "../../prover/witness.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";
import {
  BPS,
  GOV,
  SITES,
  USDC,
  WBTC,
  ceilDiv,
  evaluateTreasury,
  expectRejectedAt,
  replaced,
  testTreasury,
  withPolicy,
  withPosition,
  withPrices,
  type Site,
  type Treasury,
} from "./fixtures.ts";

/** Constraint counts (circom 2.2.3, --O2). A change here is a change of the statement: review it. */
const CONSTRAINTS = { "solvency-test": 16_548, "solvency-standard": 45_618 };
/** The standard instance must fit the 2^16 ptau with this much room left. */
const HEADROOM = 8_192;

const base = testTreasury();
const loosePolicy: Partial<PolicyFields> = { capBps: [BPS, BPS, BPS, BPS] };

describe("S1 Solvency, test instance (N=8, A=4, K=2)", () => {
  let tester: CircuitTester;
  const rejects = (t: Treasury | object, site: Site) => expectRejectedAt(tester, "size" in t ? solvencyInput(t as Treasury) : t, site, "Solvency");

  beforeAll(async () => {
    tester = await CircuitTester.load("solvency-test");
  });

  it("declares its public inputs in the order of publicSignalNames, in circuits.json", () => {
    const table = loadInstances();
    expect(publicSignalNames("solvency", 4)).toEqual(["positionsRoot", "liabilitiesRoot", "policyHash", "pricesHash", "sequence", "vaultTotals[0]", "vaultTotals[1]"]);
    const declared = (names: readonly string[]) => [...new Set(names.map((n) => n.replace(/\[\d+\]$/, "")))];
    expect(table["solvency-test"]!.pubs).toEqual(declared(publicSignalNames("solvency", 4)));
    expect(table["solvency-standard"]!.pubs).toEqual(declared(publicSignalNames("solvency", 8)));
    expect(table["solvency-test"]!.params).toEqual([8, 4, 2, 1]);
    expect(table["solvency-standard"]!.params).toEqual([32, 8, 4, 2]);
  });

  it("pins the constraint count", async () => {
    expect(await tester.constraintCount()).toBe(CONSTRAINTS["solvency-test"]);
  });

  it("accepts the valid treasury; public signals and per-asset values equal the TypeScript ones", async () => {
    const evaluation = evaluateTreasury(base);
    expect(evaluation.failures).toEqual([]);
    const w = await tester.expectPass(solvencyInput(base));
    // snarkjs's public signals are witness[1..]: the public inputs in declaration order.
    const expected = publicSignalList("solvency", solvencyPublicSignals(base));
    expect(w.slice(1, 1 + expected.length).map(String)).toEqual(expected);
    evaluation.assetValue.forEach((v, a) => expect(tester.signal(w, `state.assetValue[${a}]`)).toBe(v));
    expect(tester.signal(w, "state.checks.liabValue")).toBe(evaluation.liabValue);
  });

  it("accepts a treasury with every bound exactly at its limit", async () => {
    const e = evaluateTreasury(base);
    const tight = withPolicy(base, {
      capBps: e.assetValue.map((v) => ceilDiv(v * BPS, e.total)),
      minCoverageBps: e.coverage / e.liabValue,
      minLiquidityBps: e.liquidity / e.liabValue,
      // USDC 4M + GOV 2M * 50% == liabilities 5M exactly (WETH and WBTC wiped out), in both scenarios.
      shockBps: [
        [0n, BPS, BPS, 5_000n],
        [0n, BPS, BPS, 5_000n],
      ],
    });
    const t = evaluateTreasury(tight);
    expect(t.failures).toEqual([]);
    expect(t.shocked).toEqual(t.shockedLiab); // equality: no slack at all
    await tester.expectPass(solvencyInput(tight));
  });

  describe("refuses a treasury that breaks exactly one bound, by one unit, at that bound's comparison", () => {
    const e = evaluateTreasury(base);
    const cases: Array<[string, Treasury, Site]> = [
      ...e.assetValue.map((v, a): [string, Treasury, Site] => [
        `cap[${a}]`,
        withPolicy(base, { capBps: replaced(base.policy.capBps, a, ceilDiv(v * BPS, e.total) - 1n) }),
        SITES.cap,
      ]),
      ["coverage", withPolicy(base, { minCoverageBps: e.coverage / e.liabValue + 1n }), SITES.coverage],
      ["liquidity", withPolicy(base, { minLiquidityBps: e.liquidity / e.liabValue + 1n }), SITES.liquidity],
      ...base.policy.shockBps.map((_, s): [string, Treasury, Site] => [
        `scenario[${s}]`,
        withPolicy(base, { shockBps: replaced(base.policy.shockBps, s, [0n, BPS, BPS, 5_001n]) }),
        SITES.scenario,
      ]),
    ];
    it.each(cases)("%s", async (bound, treasury, site) => {
      expect(evaluateTreasury(treasury).failures).toEqual([bound]);
      await rejects(treasury, site);
    });
  });

  describe("enforces the ranges of every field", () => {
    it("amounts: accepts 2^96 - 1, refuses 2^96 and a wrapped negative amount", async () => {
      const loose = withPolicy(base, loosePolicy);
      const largest = withPosition(loose, 4, { amount: (1n << 96n) - 1n });
      expect(evaluateTreasury(largest).failures).toEqual([]);
      await tester.expectPass(solvencyInput(largest));
      const over = withPosition(loose, 4, { amount: 1n << 96n });
      expect(evaluateTreasury(over).failures).toEqual([]);
      await rejects(over, SITES.amountRange);
      // -1 in the field: would subtract value if it were not range-checked.
      await rejects(withPosition(base, 6, { amount: FIELD_MODULUS - 1n }), SITES.amountRange);
    });

    it("asset indexes: refuses a position of asset A (even with amount 0)", async () => {
      await rejects(withPosition(base, 7, { assetIndex: 4n }), SITES.assetIndex);
      await rejects(withPosition(base, 7, { assetIndex: FIELD_MODULUS - 1n }), SITES.assetIndex);
    });

    it("unit prices: accepts 2^128 - 1, refuses 0 and 2^128", async () => {
      const loose = withPolicy(base, loosePolicy);
      const withGovPrice = (t: Treasury, price: bigint) => withPrices(t, { unitPrices: replaced(t.prices.unitPrices, Number(GOV), price) });
      const largest = withGovPrice(loose, (1n << 128n) - 1n);
      expect(evaluateTreasury(largest).failures).toEqual([]);
      await tester.expectPass(solvencyInput(largest));
      const zero = withGovPrice(base, 0n);
      expect(evaluateTreasury(zero).failures).toEqual([]);
      await rejects(zero, SITES.priceNonZero);
      const over = withGovPrice(loose, 1n << 128n);
      expect(evaluateTreasury(over).failures).toEqual([]);
      await rejects(over, SITES.priceRange);
    });

    it("timestamp: refuses 2^64", async () => {
      await rejects(withPrices(base, { timestamp: 1n << 64n }), SITES.timestampRange);
    });

    it("bps fields: accepts 10^4, refuses 10^4 + 1 for a cap, a haircut and a shock", async () => {
      await tester.expectPass(solvencyInput(withPolicy(base, { capBps: replaced(base.policy.capBps, Number(WBTC), BPS) })));
      await rejects(withPolicy(base, { capBps: replaced(base.policy.capBps, Number(WBTC), BPS + 1n) }), SITES.capRange);
      await rejects(withPolicy(base, { haircutBps: replaced(base.policy.haircutBps, Number(USDC), BPS + 1n) }), SITES.haircutRange);
      const shock = replaced(base.policy.shockBps, 1, replaced(base.policy.shockBps[1]!, Number(WBTC), BPS + 1n));
      await rejects(withPolicy(base, { shockBps: shock }), SITES.shockRange);
    });

    it("liquid flags: refuses 2", async () => {
      await rejects(withPolicy(base, { liquid: replaced(base.policy.liquid, Number(WBTC), 2n) }), SITES.liquidBit);
    });

    it("minimum ratios: refuses 2^16", async () => {
      await rejects(withPolicy(base, { minCoverageBps: 1n << 16n }), SITES.minCoverageRange);
      await rejects(withPolicy(base, { minLiquidityBps: 1n << 16n }), SITES.minLiquidityRange);
    });

    it("liabilities asset: refuses index A", async () => {
      await rejects(withPolicy(base, { liabilityAsset: 4n }), SITES.liabilityAsset);
    });
  });

  describe("enforces every opening", () => {
    it("refuses a policy hash of another policy, and a prices hash of other prices", async () => {
      const input = solvencyInput(base);
      await rejects({ ...input, policyHash: policyHash({ ...base.policy, minCoverageBps: 10_000n }).toString() }, SITES.policyHash);
      const otherPrices = { ...base.prices, timestamp: base.prices.timestamp + 1n };
      await rejects({ ...input, pricesHash: pricesHash(otherPrices).toString() }, SITES.pricesHash);
    });

    it("refuses a positions root that the positions do not open", async () => {
      const other = solvencyInput(withPosition(base, 6, { salt: 42n }));
      await rejects({ ...solvencyInput(base), positionsRoot: other.positionsRoot }, SITES.positionsRoot);
    });

    it("refuses liabilities children that do not open the root (a child sum lowered by one)", async () => {
      const input = solvencyInput(base);
      await rejects({ ...input, liabLeftSum: (base.liabilities.leftSum - 1n).toString() }, SITES.liabRoot);
    });

    it("refuses a liabilities total of 2^96, even when the root opens", async () => {
      const overflow = { ...base, liabilities: { leftHash: 1n, leftSum: (1n << 96n) - 1n, rightHash: 2n, rightSum: 1n } };
      await rejects(overflow, SITES.liabTotalRange);
    });

    it("refuses a negative (wrapped) child sum that would hide liabilities, even when the root opens", async () => {
      const { leftSum, rightSum } = base.liabilities;
      // left = -rightSum (mod p): the total would be the small leftSum instead of leftSum + rightSum.
      const hidden = { ...base, liabilities: { ...base.liabilities, leftSum: FIELD_MODULUS - rightSum, rightSum: leftSum + rightSum } };
      await rejects(hidden, SITES.liabLeftSumRange);
      const hiddenRight = { ...base, liabilities: { ...base.liabilities, leftSum: leftSum + rightSum, rightSum: FIELD_MODULUS - leftSum } };
      await rejects(hiddenRight, SITES.liabRightSumRange);
    });
  });

  describe("rejects tampered witnesses (every hint is constrained)", () => {
    let w: bigint[];
    beforeAll(async () => {
      w = await tester.witness(solvencyInput(base));
    });
    const flip = (name: string) => tester.tamper(w, name, 1n - tester.signal(w, name));
    const bump = (name: string) => tester.tamper(w, name, tester.signal(w, name) + 1n);

    it("a per-asset value", async () => {
      await tester.expectUnsatisfied(bump("state.assetValue[1]"));
      await tester.expectUnsatisfied(tester.tamper(w, "state.assetValue[3]", 0n));
    });
    it("an asset selector bit", async () => {
      await tester.expectUnsatisfied(flip("state.aggregation.assetSel[2][0]"));
      await tester.expectUnsatisfied(flip("state.aggregation.assetSel[2][1]"));
    });
    it("a comparator's operand and a bit of its difference", async () => {
      await tester.expectUnsatisfied(bump("state.checks.capLimit[0]"));
      // Each comparison is one range check of rhs - lhs (AssertLessEqBounded): any bit of it flipped is caught.
      await tester.expectUnsatisfied(flip(tester.signalLike("state.checks.capCheck[0].", ".out[0]")));
      await tester.expectUnsatisfied(flip(tester.signalLike("state.checks.coverageCheck.", ".out[7]")));
    });
    it("the liabilities value and the liabilities-asset selector", async () => {
      await tester.expectUnsatisfied(bump("state.checks.liabValue"));
      await tester.expectUnsatisfied(flip("state.checks.liabSel[1]"));
    });
    it("a position leaf", async () => {
      await tester.expectUnsatisfied(bump("state.leaf[3]"));
    });
  });
});

describe("solvencyInput: shapes checked at the boundary, naming the field", () => {
  it("refuses lists that do not match the instance size, and non-field values", () => {
    expect(() => solvencyInput({ ...base, positions: base.positions.slice(0, 7) })).toThrow(/positions: expected 8 position slots/);
    expect(() => solvencyInput(withPolicy(base, { capBps: base.policy.capBps.slice(0, 3) }))).toThrow(/policy\.capBps: expected 4 entries/);
    expect(() => solvencyInput(withPolicy(base, { shockBps: [base.policy.shockBps[0]!] }))).toThrow(/policy\.shockBps: expected 2 stress scenarios/);
    expect(() => solvencyInput(withPrices(base, { unitPrices: [1n, 2n, 3n, 4n, 5n] }))).toThrow(/prices\.unitPrices: expected 4 unit prices/);
    expect(() => solvencyInput(withPosition(base, 2, { salt: FIELD_MODULUS }))).toThrow(/positions\[2\]\.salt: .* not a field element/);
    expect(() => solvencyInput(withPosition(base, 2, { amount: -1n }))).toThrow(/positions\[2\]\.amount/);
    expect(() => solvencyInput({ ...base, size: { N: 6, A: 4, K: 2, C: 1 } })).toThrow(/size\.N: N must be a power of two/);
  });
});

describe("S1 Solvency, standard instance (N=32, A=8, K=4)", () => {
  it("fits the 2^16 ptau with headroom, and pins the constraint count", async () => {
    const tester = await CircuitTester.load("solvency-standard");
    const count = await tester.constraintCount();
    expect(count).toBe(CONSTRAINTS["solvency-standard"]);
    // Groth16 setup needs constraints + public inputs + 1 <= 2^16.
    expect(count + publicSignalNames("solvency", 8).length + 1).toBeLessThanOrEqual(2 ** 16 - HEADROOM);
  });
});
