// Test helper: the small example (examples/small, test instance) loaded and proven with a scratch state,
// and a check that the test instance has been set up (proof tests are skipped with a note otherwise).
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT_ROOT, instanceDir } from "../../core/node/instances.ts";
import { loadState, type PrivateState } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury, type Liabilities, type Treasury } from "../../prover/treasury.ts";
import { liabilitySalts } from "../../prover/state.ts";

export const SMALL = path.join(PROJECT_ROOT, "examples", "small");
export const MERIDIAN = path.join(PROJECT_ROOT, "examples", "meridian");
/** The small example's swap: keeps every bound. */
export const SMALL_SWAP = { sell: "WETH", amount: "50", buy: "USDC", minOut: "170000" };

/** True when `instance` has a wasm, a zkey and a verification key under build/circuits. */
export function isSetUp(instance: string): boolean {
  const dir = path.join(PROJECT_ROOT, instanceDir(instance));
  return ["wasm", "zkey", "vkey.json"].every((ext) => existsSync(path.join(dir, `${instance}.${ext}`)));
}

/** The example in `dir` with a fresh scratch state (in a temp folder). */
export function loadExample(dir: string = SMALL): { treasury: Treasury; liabilities: Liabilities; state: PrivateState; scratch: string } {
  const scratch = mkdtempSync(path.join(tmpdir(), "homeostat-test-"));
  const state = loadState(path.join(scratch, "state.json"));
  const treasury = loadTreasury({ treasury: `${dir}/treasury.json`, policy: `${dir}/policy.json`, prices: `${dir}/prices.json` });
  const liabilities = loadLiabilities(`${dir}/users.csv`, treasury.policy, (key, n) => liabilitySalts(state, key, n));
  return { treasury, liabilities, state, scratch };
}
