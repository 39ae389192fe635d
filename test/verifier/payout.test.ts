// Pins verifying S4 payout bundles: the bundle `prove payout` writes verifies (library and `homeostat verify`);
// a tampered one is invalid with a reason and without throwing: the recipient, amount or asset changed in the
// proven signals (the Groth16 check fails), the readable payout disagreeing with the signals (recipient, `to`,
// symbol, units), a payout bundle without its payout, a payout or an action where the statement has none, a
// payout bundle claimed as another statement. Needs payout-test set up (skipped with a note otherwise).
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { ProofBundle } from "../../core/bundle-schema.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { provePayout } from "../../prover/prove.ts";
import { loadVerificationKeys } from "../../verifier/node.ts";
import { verifyBundle, type VerificationKeys } from "../../verifier/verify.ts";
import { isSetUp, loadExample } from "../prover/small-example.ts";

const ready = isSetUp("payout-test");
if (!ready) console.warn("verifier/payout.test.ts: payout-test not set up; run `homeostat setup --instance payout-test`");

const RECIPIENT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const PROOF_FAILS = "the Groth16 proof does not verify against the payout-test key and the public signals";

describe.runIf(ready)("verifyBundle on a payout bundle", () => {
  let bundle: ProofBundle;
  let keys: VerificationKeys;
  const mutate = (edit: (b: ProofBundle) => void): ProofBundle => {
    const copy = structuredClone(bundle);
    edit(copy);
    return copy;
  };
  const reasonsOf = async (b: unknown) => (await verifyBundle(b, keys)).reasons;

  beforeAll(async () => {
    const example = loadExample();
    bundle = (await provePayout({ ...example, persistState: false, sequence: 9n, request: { asset: "WETH", amount: "12.5", to: RECIPIENT } })).bundle;
    keys = loadVerificationKeys();
  });

  it("accepts the bundle the prover wrote", async () => {
    expect(bundle.payout).toMatchObject({ symbol: "WETH", units: "12.5", to: RECIPIENT, asset: "2" });
    expect(await verifyBundle(bundle, keys)).toMatchObject({ valid: true, reasons: [], proofValid: true });
  });

  it("refuses another recipient, amount or asset in the proven signals (and says the readable payout disagrees)", async () => {
    const other = (BigInt(RECIPIENT) + 1n).toString();
    expect(await reasonsOf(mutate((b) => (b.publicSignals.recipient = other)))).toEqual(["payout.recipient is not the proven recipient", PROOF_FAILS]);
    // Both changed together: only the proof can tell.
    expect(
      await reasonsOf(
        mutate((b) => {
          b.publicSignals.recipient = other;
          b.payout!.recipient = other;
          b.payout!.to = `0x${BigInt(other).toString(16).padStart(40, "0")}`;
        }),
      ),
    ).toEqual([PROOF_FAILS]);
    expect(
      await reasonsOf(
        mutate((b) => {
          b.publicSignals.amount = (BigInt(b.publicSignals.amount!) * 2n).toString();
          b.payout!.amount = b.publicSignals.amount;
          b.payout!.units = "25";
        }),
      ),
    ).toEqual([PROOF_FAILS]);
    expect(await reasonsOf(mutate((b) => (b.publicSignals.asset = "0")))).toContain(PROOF_FAILS);
  });

  it("refuses a readable payout that is not the proven one", async () => {
    expect(await reasonsOf(mutate((b) => (b.payout!.to = "0x0000000000000000000000000000000000000001")))).toEqual(["payout.to is not the address of payout.recipient"]);
    expect(await reasonsOf(mutate((b) => (b.payout!.symbol = "USDC")))).toEqual(["payout.symbol does not name the policy's asset at payout.asset"]);
    expect(await reasonsOf(mutate((b) => (b.payout!.units = "1250")))).toEqual(["payout.units is not payout.amount in WETH units"]);
    expect(await reasonsOf(mutate((b) => delete b.payout))).toEqual(["a payout bundle must carry its payout"]);
    expect(await reasonsOf(mutate((b) => (b.action = { assetIn: "0", amountIn: "1", assetOut: "1", minAmountOut: "1", sell: "USDC", amount: "1", buy: "DAI", minOut: "1" })))).toEqual([
      "a payout bundle carries no action",
    ]);
  });

  it("refuses a payout bundle passed off as another statement, and a payout on a solvency bundle", async () => {
    const asSolvency = await verifyBundle(mutate((b) => (b.statement = "solvency")), keys);
    expect(asSolvency.valid).toBe(false);
    expect(asSolvency.reasons[0]).toBe("instance payout-test does not prove the solvency statement");
    const asRebalance = await verifyBundle(mutate((b) => (b.statement = "rebalance")), keys);
    expect(asRebalance.reasons).toContain("instance payout-test does not prove the rebalance statement");
  });

  it("`homeostat verify` accepts the bundle (exit 0) and reports a tampered one (exit 3)", async () => {
    const run = promisify(execFile);
    const dir = mkdtempSync(path.join(tmpdir(), "homeostat-payout-verify-"));
    const good = path.join(dir, "payout.json");
    const bad = path.join(dir, "tampered.json");
    writeFileSync(good, JSON.stringify(bundle));
    writeFileSync(bad, JSON.stringify(mutate((b) => (b.publicSignals.recipient = "1"))));
    const bin = [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), "verify"];
    const ok = await run(process.execPath, [...bin, good], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: "1" } });
    expect(ok.stdout).toMatch(/^valid payout proof \(payout-test\)/);
    expect(ok.stdout).toMatch(new RegExp(`payout: 12.5 WETH from the vault to ${RECIPIENT}`));
    const refused = await run(process.execPath, [...bin, bad], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: "1" } }).then(
      () => ({ code: 0, out: "" }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: `${e.stdout}${e.stderr}` }),
    );
    expect(refused.code).toBe(3);
    expect(refused.out).toMatch(/payout\.recipient is not the proven recipient/);
  });
});
