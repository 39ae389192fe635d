/**
 * Custody in S1 and S2 (circuits/lib/custody.circom): positions held by the vault are public as packed
 * vault totals; positions at an attestor must be within a fresh statement it signed with EdDSA-Poseidon.
 * Every way around a statement (none, forged, altered, expired, dated in the future, another vault's or chain's, an amount above
 * the signed one, a removed attestor) must leave no witness, refused by the check it targets.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { STATEMENT_DOMAIN, statementMessage } from "../../core/attestation.ts";
import { FIELD_MODULUS } from "../../core/field.ts";
import { addressToField, listHash, tokensDigest } from "../../core/hash.ts";
import { packVaultTotals, unpackVaultTotals } from "../../core/signals.ts";
import type { Position, SignedCustody } from "../../core/types.ts";
import { eddsa, publicKeyOf } from "../../prover/attestor.ts";
import { rebalanceInput, solvencyInput, solvencyPublicSignals, vaultTotalsOf } from "../../prover/witness.ts";
import { CircuitTester } from "../helpers/circuit-tester.ts";
import { expectRejectedAt, rebalanceOf, SITES, testTreasury, withPolicy, WETH, WBTC, type Treasury } from "./fixtures.ts";
import "../setup/terminate-curve.ts";

const TOKENS = ["0x1000000000000000000000000000000000000001", "0x1000000000000000000000000000000000000002", "0x1000000000000000000000000000000000000003", "0x1000000000000000000000000000000000000004"];
const PRIVATE_KEY = new Uint8Array(32).fill(42);
const VAULT = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

let tester: CircuitTester;
let rebalanceTester: CircuitTester;
let key: readonly [bigint, bigint];
let base: Treasury;

/** Signs a statement for the fixture treasury's chain and vault (overridable) over `amounts`. */
async function sign(amounts: bigint[], timestamp: bigint, over: { chainId?: bigint; vault?: string } = {}): Promise<SignedCustody> {
  const e = await eddsa();
  const msg = statementMessage({ chainId: over.chainId ?? 31337n, vault: over.vault ?? VAULT, publicKey: key, tokens: TOKENS, timestamp, amounts });
  const sig = e.signPoseidon(PRIVATE_KEY, e.F.e(msg));
  return { timestamp, amounts, r8x: e.F.toObject(sig.R8[0]), r8y: e.F.toObject(sig.R8[1]), s: sig.S };
}

/** The fixture with its WBTC and 100 of its WETH moved to the attestor (custody 1). */
function custodied(t: Treasury, statement: SignedCustody | null): Treasury {
  const positions: Position[] = t.positions.map((p, i) => (i === 3 || i === 5 ? { ...p, custody: 1n } : { ...p }));
  return { ...t, positions, statements: [statement] };
}

beforeAll(async () => {
  tester = await CircuitTester.load("solvency-test");
  rebalanceTester = await CircuitTester.load("rebalance-test");
  key = await publicKeyOf(PRIVATE_KEY);
  base = withPolicy(testTreasury(), { attestorKeys: [key], tokensDigest: tokensDigest(TOKENS) });
});


const held = () => [0n, 100n * 10n ** 18n, 20n * 10n ** 8n, 0n];

describe("custody: vault totals and attested positions (test instance, C = 1)", () => {
  it("makes the vault-held totals public, packed two per signal", async () => {
    const t = custodied(base, await sign(held(), base.prices.timestamp));
    const w = await tester.expectPass(solvencyInput(t));
    const signals = solvencyPublicSignals(t);
    const totals = vaultTotalsOf(t.positions, 4);
    expect(totals[Number(WETH)]).toBe(500n * 10n ** 18n); // 600 WETH, 100 of them at the attestor
    expect(totals[Number(WBTC)]).toBe(0n);
    expect(signals.vaultTotals).toEqual(packVaultTotals(totals));
    expect(unpackVaultTotals(signals.vaultTotals, 4)).toEqual(totals);
    // witness[1..] are the public inputs: the packed totals close the list.
    expect(w.slice(6, 8)).toEqual(signals.vaultTotals);
    // A claimed vault total other than the positions' has no witness.
    const input = solvencyInput(t);
    await tester.expectFail({ ...input, vaultTotals: [input.vaultTotals[0], (BigInt(input.vaultTotals[1]!) + 1n).toString()] });
  });

  it("accepts an attested position backed by a statement, exactly at its signed amount and exactly at the age limit", async () => {
    const oldest = base.prices.timestamp - base.policy.maxAttestationAge;
    await tester.expectPass(solvencyInput(custodied(base, await sign(held(), oldest))));
  });

  it("refuses a position at an attestor with no statement", async () => {
    await expectRejectedAt(tester, solvencyInput(custodied(base, null)), SITES.attestedAmount, "Solvency");
  });

  it("refuses a forged signature and an altered statement", async () => {
    const good = await sign(held(), base.prices.timestamp);
    await expectRejectedAt(tester, solvencyInput(custodied(base, { ...good, s: good.s + 1n })), SITES.signature, "Solvency");
    const more = held().map((x) => x * 2n);
    await expectRejectedAt(tester, solvencyInput(custodied(base, { ...good, amounts: more })), SITES.signature, "Solvency");
    await expectRejectedAt(tester, solvencyInput(custodied(base, { ...good, timestamp: good.timestamp + 1n })), SITES.signature, "Solvency");
  });

  it("refuses an expired statement", async () => {
    const expired = base.prices.timestamp - base.policy.maxAttestationAge - 1n;
    await expectRejectedAt(tester, solvencyInput(custodied(base, await sign(held(), expired))), SITES.attestationAge, "Solvency");
  });

  it("refuses a statement dated more than maxAttestationAge after the snapshot (it would outlive its snapshots), accepts one at the limit", async () => {
    const latest = base.prices.timestamp + base.policy.maxAttestationAge;
    await tester.expectPass(solvencyInput(custodied(base, await sign(held(), latest))));
    await expectRejectedAt(tester, solvencyInput(custodied(base, await sign(held(), latest + 1n))), SITES.attestationLead, "Solvency");
    // A timestamp that wraps the field (p - 1, "one second before zero"; no statement file can hold it, so
    // the message is hashed by hand) is signed correctly but passes neither bound.
    const wrapped = FIELD_MODULUS - 1n;
    const e = await eddsa();
    const msg = listHash([STATEMENT_DOMAIN, 31337n, addressToField(VAULT, "vault"), key[0], key[1], tokensDigest(TOKENS), wrapped, ...held()]);
    const sig = e.signPoseidon(PRIVATE_KEY, e.F.e(msg));
    const forged = { timestamp: wrapped, amounts: held(), r8x: e.F.toObject(sig.R8[0]), r8y: e.F.toObject(sig.R8[1]), s: sig.S };
    await expectRejectedAt(tester, solvencyInput(custodied(base, forged)), SITES.attestationAge, "Solvency");
  });

  it("refuses another vault's and another chain's statement", async () => {
    const otherVault = await sign(held(), base.prices.timestamp, { vault: "0x5fbdb2315678afecb367f032d93f642f64180aa4" });
    await expectRejectedAt(tester, solvencyInput(custodied(base, otherVault)), SITES.signature, "Solvency");
    const otherChain = await sign(held(), base.prices.timestamp, { chainId: 1n });
    await expectRejectedAt(tester, solvencyInput(custodied(base, otherChain)), SITES.signature, "Solvency");
  });

  it("refuses positions above the signed amount", async () => {
    const less = held();
    less[Number(WBTC)] = 20n * 10n ** 8n - 1n;
    await expectRejectedAt(tester, solvencyInput(custodied(base, await sign(less, base.prices.timestamp))), SITES.attestedAmount, "Solvency");
  });

  it("refuses statements under a removed attestor's key (the slot's key is (0, 0))", async () => {
    const removed = withPolicy(base, { attestorKeys: [[0n, 0n]] });
    await tester.expectFail(solvencyInput(custodied(removed, await sign(held(), base.prices.timestamp))));
  });

  it("refuses a custody number with no attestor slot", async () => {
    const t = { ...base, positions: base.positions.map((p, i) => (i === 3 ? { ...p, custody: 2n } : p)) };
    await expectRejectedAt(tester, solvencyInput(t), SITES.custodyIndex, "Solvency");
  });

  it("S2 swaps only vault-held positions: a swap out of an attested slot has no witness", async () => {
    const t = custodied(base, await sign(held(), base.prices.timestamp));
    const swap = { assetIn: WETH, amountIn: 10n * 10n ** 18n, assetOut: 0n, minAmountOut: 29_700n * 10n ** 6n };
    // A vault-held WETH slot (1) swaps; the attested statement still backs the unchanged attested slots.
    await rebalanceTester.expectPass(rebalanceInput({ ...rebalanceOf(t, swap, 1, 0), statements: t.statements! }));
    // Out of the attested WETH slot (5): the builder refuses, and a hand-made witness has none.
    expect(() => rebalanceOf(t, swap, 5, 0)).toThrow(/held at attestor 1/);
    const valid = rebalanceInput({ ...rebalanceOf(t, swap, 1, 0), statements: t.statements! });
    const forcedCustody = { ...valid, custody: valid.custody.map((c, i) => (i === 1 ? "1" : c)) };
    await rebalanceTester.expectFail(forcedCustody);
  });
});
