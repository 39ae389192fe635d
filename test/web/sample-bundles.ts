/**
 * Real bundles for the browser tests and the benchmark: the example treasury of an instance group proven
 * with the prover library (prover/prove.ts), S1, an S2 swap or an S4 payout, with fresh salts and a throw-away state.
 */
import path from "node:path";
import { provePayout, proveRebalance, proveSolvency } from "../../prover/prove.ts";
import { loadState, randomFieldElement } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury } from "../../prover/treasury.ts";
import { PROJECT_ROOT } from "../../verifier/web/build.ts";

type Json = Record<string, unknown>;

/** The example treasury proven for each instance group (its policy has that group's A and K). */
export const EXAMPLES = { test: "examples/small", standard: "examples/meridian" } as const;

/** A solvency bundle and what it was made from. */
export interface SampleBundle {
  bundle: Json;
  instance: string;
  /** The example folder it was proven from. */
  source: string;
}

/** The example treasury of `group` (or the folder `folder`), its liabilities (default: the example's users file) and a fresh state. */
function loadExample(dir: string, group: keyof typeof EXAMPLES, liabilities?: string, folder: string = EXAMPLES[group]) {
  const example = path.join(PROJECT_ROOT, folder);
  const treasury = loadTreasury({
    treasury: path.join(example, "treasury.json"),
    policy: path.join(example, "policy.json"),
    prices: path.join(example, "prices.json"),
  });
  const state = loadState(path.join(dir, "state.json"));
  const liabilitiesInput = loadLiabilities(liabilities ?? path.join(example, "users.csv"), treasury.policy, (_fingerprint, count) =>
    Array.from({ length: count }, randomFieldElement),
  );
  return { treasury, liabilities: liabilitiesInput, state, persistState: false, instance: group, freshSalts: true };
}

/**
 * Proves the example treasury of `group` (fresh salts; the private state stays in memory).
 * `liabilities` defaults to the example's users file. Needs the group's solvency instance set up.
 */
export async function makeSolvencyBundle(dir: string, group: keyof typeof EXAMPLES, liabilities?: string): Promise<SampleBundle> {
  const result = await proveSolvency(loadExample(dir, group, liabilities));
  return { bundle: result.bundle as unknown as Json, instance: result.artifacts.instance, source: EXAMPLES[group] };
}

/** Proves another example folder of the `test` group (examples/harbor: a custodian's statement backs part of it). */
export async function makeExampleBundle(dir: string, folder: string): Promise<SampleBundle> {
  const result = await proveSolvency(loadExample(dir, "test", undefined, folder));
  return { bundle: result.bundle as unknown as Json, instance: result.artifacts.instance, source: folder };
}

/** The swap the rebalance sample proves (valid for examples/small: the new positions meet the policy). */
export const SAMPLE_SWAP = { sell: "WETH", amount: "1", buy: "USDC", minOut: "3380" } as const;

/** Proves `SAMPLE_SWAP` on the `test` example treasury (S2). Needs rebalance-test set up. */
export async function makeRebalanceBundle(dir: string): Promise<SampleBundle> {
  const result = await proveRebalance({ ...loadExample(dir, "test"), request: { ...SAMPLE_SWAP } });
  return { bundle: result.bundle as unknown as Json, instance: result.artifacts.instance, source: EXAMPLES.test };
}

/** The payout the payout sample proves (keeps every bound of examples/small: 12.5 of its vault-held WETH). */
export const SAMPLE_PAYOUT = { asset: "WETH", amount: "12.5", to: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" } as const;

/** Proves `SAMPLE_PAYOUT` on the `test` example treasury (S4). Needs payout-test set up. */
export async function makePayoutBundle(dir: string): Promise<SampleBundle> {
  const result = await provePayout({ ...loadExample(dir, "test"), request: { ...SAMPLE_PAYOUT } });
  return { bundle: result.bundle as unknown as Json, instance: result.artifacts.instance, source: EXAMPLES.test };
}
