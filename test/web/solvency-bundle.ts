/**
 * A real solvency bundle for the browser tests and the benchmark: the example treasury of an instance
 * group proven with the prover library (prover/prove.ts), with fresh salts and a throw-away state.
 */
import path from "node:path";
import { proveSolvency } from "../../prover/prove.ts";
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

/**
 * Proves the example treasury of `group` (fresh salts; the private state goes to `dir` and is not kept).
 * `liabilities` defaults to the example's users file. Needs the group's solvency instance set up.
 */
export async function makeSolvencyBundle(dir: string, group: keyof typeof EXAMPLES, liabilities?: string): Promise<SampleBundle> {
  const example = path.join(PROJECT_ROOT, EXAMPLES[group]);
  const treasury = loadTreasury({
    treasury: path.join(example, "treasury.json"),
    policy: path.join(example, "policy.json"),
    prices: path.join(example, "prices.json"),
  });
  const state = loadState(path.join(dir, "state.json"));
  const liabilitiesInput = loadLiabilities(liabilities ?? path.join(example, "users.csv"), treasury.policy, (_fingerprint, count) =>
    Array.from({ length: count }, randomFieldElement),
  );
  const result = await proveSolvency({ treasury, liabilities: liabilitiesInput, state, persistState: false, instance: group, freshSalts: true });
  return { bundle: result.bundle as unknown as Json, instance: result.artifacts.instance, source: EXAMPLES[group] };
}
