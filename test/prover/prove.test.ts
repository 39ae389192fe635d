// Pins proving end to end on the test instance (examples/small): S1 and an S2 swap prove, their bundles
// verify, the state file lets the same positions reopen to the same root, the S2 bundle moves the root
// from the attested one to a new one, and a swap that would break a bound is refused before proving.
// Needs `homeostat setup --instance test` (skipped with a note otherwise).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBundle } from "../../prover/bundle.ts";
import { PolicyViolationError, proveRebalance, proveSolvency, type ProveResult } from "../../prover/prove.ts";
import { liabilitySalts, loadState } from "../../prover/state.ts";
import { loadVerificationKeys } from "../../verifier/node.ts";
import { verifyBundle } from "../../verifier/verify.ts";
import { isSetUp, loadExample, SMALL_SWAP } from "./small-example.ts";

const ready = isSetUp("solvency-test") && isSetUp("rebalance-test");
if (!ready) console.warn("prove.test.ts: test instances not set up; run `homeostat setup --instance test`");

describe.runIf(ready)("prove on the test instance", () => {
  let example: ReturnType<typeof loadExample>;
  let s1: ProveResult;
  beforeAll(async () => {
    example = loadExample();
    s1 = await proveSolvency({ ...example });
  });

  it("proves S1 and the bundle verifies", async () => {
    expect(s1.bundle.statement).toBe("solvency");
    expect(s1.bundle.instance).toBe("solvency-test");
    expect(s1.bundle.publicSignals.positionsRoot).toBe(s1.root.toString());
    expect(s1.bundle.publicSignals.liabilitiesRoot).toBe(example.liabilities.root.toString());
    expect(s1.bundle.packedProof).toHaveLength(8);
    const result = await verifyBundle(s1.bundle, loadVerificationKeys());
    expect(result).toMatchObject({ valid: true, reasons: [] });
  });

  it("saves the salts so the same positions reopen to the same root", async () => {
    const stateFile = example.state.file;
    expect(existsSync(stateFile)).toBe(true);
    const state = loadState(stateFile);
    expect(state.current).toBe(s1.root);
    // Same treasury and users file, reloaded: same positions root and same liabilities root.
    const again = loadExample();
    const liabilitiesAgain = (await import("../../prover/treasury.ts")).loadLiabilities(
      path.join(path.dirname(again.treasury.files.treasury), "users.csv"),
      again.treasury.policy,
      (key, n) => liabilitySalts(state, key, n),
    );
    expect(liabilitiesAgain.root).toBe(example.liabilities.root);
    const { prepareSolvency } = await import("../../prover/prove.ts");
    const prepared = prepareSolvency({ ...again, liabilities: liabilitiesAgain, state, persistState: false });
    expect(prepared.reusedCommitment).toBe(true);
    expect(prepared.root).toBe(s1.root);
  });

  it("proves an S2 swap from the attested root, and the bundle verifies", async () => {
    const state = loadState(example.state.file);
    const s2 = await proveRebalance({ ...example, state, request: SMALL_SWAP });
    expect(s2.oldRoot).toBe(s1.root);
    expect(s2.reusedCommitment).toBe(true);
    expect(s2.bundle.publicSignals).toMatchObject({
      oldRoot: s1.root.toString(),
      newRoot: s2.root.toString(),
      assetIn: "2",
      amountIn: (50n * 10n ** 18n).toString(),
      assetOut: "0",
      minAmountOut: (170_000n * 10n ** 6n).toString(),
    });
    expect(s2.bundle.action).toMatchObject({ sell: "WETH", amount: "50", buy: "USDC", minOut: "170000" });
    expect(await verifyBundle(s2.bundle, loadVerificationKeys())).toMatchObject({ valid: true, reasons: [] });
    const saved = loadState(example.state.file);
    expect(saved.current).toBe(s2.root);
    expect(saved.commitments.get(s2.root)!.parent).toBe(s1.root);
    // The new commitment holds 225.5 WETH and 1,770,000 USDC.
    const slots = saved.commitments.get(s2.root)!.slots;
    const sum = (asset: bigint) => slots.filter((s) => s.assetIndex === asset).reduce((t, s) => t + s.amount, 0n);
    expect(sum(2n)).toBe(2255n * 10n ** 17n);
    expect(sum(0n)).toBe(1_770_000n * 10n ** 6n);
  });

  it("refuses a swap that would break a bound, before proving and without touching the state", async () => {
    const before = readFileSync(example.state.file, "utf8");
    const state = loadState(example.state.file);
    const error = await proveRebalance({ ...example, state, request: { sell: "WBTC", amount: "6", buy: "WETH", minOut: "170" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect((error as Error).message).toMatch(/the treasury after this swap breaks the policy, nothing was proven: cap WETH/);
    // It also says how much of the swap would fit (the WETH cap binds before all 6 WBTC are sold).
    const hint = /the largest swap at this rate that keeps every bound: --amount ([\d.]+) --min-out ([\d.]+)$/.exec((error as Error).message);
    expect(hint).not.toBeNull();
    expect(Number(hint![1])).toBeGreaterThan(0);
    expect(Number(hint![1])).toBeLessThan(6);
    expect(readFileSync(example.state.file, "utf8")).toBe(before);
  });

  it("refuses a sale larger than any single position, naming the flag", async () => {
    const state = loadState(example.state.file);
    await expect(proveRebalance({ ...example, state, request: { sell: "WETH", amount: "200", buy: "USDC", minOut: "1" } })).rejects.toThrow(
      /--amount: no single WETH position holds that much \(largest: 180 WETH\)/,
    );
    await expect(proveRebalance({ ...example, state, request: { sell: "WETH", amount: "1.0000000000000000001", buy: "USDC", minOut: "1" } })).rejects.toThrow(
      /--amount: .*19 decimals; at most 18/,
    );
    await expect(proveRebalance({ ...example, state, request: { sell: "DOGE", amount: "1", buy: "USDC", minOut: "1" } })).rejects.toThrow(/--sell: DOGE is not an asset of the policy/);
  });

  it("writes bundles atomically", () => {
    const file = path.join(example.scratch, "out", "bundle.json");
    writeBundle(file, s1.bundle);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(s1.bundle);
    expect(readdirSync(path.dirname(file))).toEqual(["bundle.json"]);
  });
});
