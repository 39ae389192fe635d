/**
 * `homeostat simulate` as a library: load or generate a price path, run the keeper, static and committee
 * treasuries through it, and write the report. The CLI command is a thin wrapper around `simulate` and
 * `writeSimulationReport` (keeper/report.ts).
 */
import { buildPricePath, type Scenario } from "./scenario.ts";
import { runSimulation, type ProvingClock } from "./run.ts";
import { withScenarioPools } from "./treasury.ts";
import type { ExactCheck } from "../bounds.ts";
import type { SimTreasury, SimulationResult, SimulationSettings, StrategyName } from "./types.ts";

export * from "./types.ts";
export { BUNDLED_SCENARIOS, bundledScenarioPath, buildPricePath, defaultRandomWalk, loadScenario, resolveScenario, type Scenario } from "./scenario.ts";
export { DEFAULT_SETTINGS, runSimulation, type ProvingClock, type SimulationInput } from "./run.ts";
export { simTreasuryFrom, slotsFor, withScenarioPools } from "./treasury.ts";
export { SimMarket, initialPools, unitPricesAt } from "./market.ts";

/** What to simulate: a treasury, a scenario (bundled, from a file, or `defaultRandomWalk`), and knobs. */
export interface SimulateOptions {
  treasury: SimTreasury;
  scenario: Scenario;
  settings?: Partial<SimulationSettings>;
  strategies?: readonly StrategyName[];
  exactCheck?: ExactCheck;
  provingClock?: ProvingClock;
}

/** Applies the scenario's pool depths, builds its price path and runs every strategy over it. */
export function simulate(options: SimulateOptions): SimulationResult {
  const treasury = withScenarioPools(options.treasury, options.scenario);
  return runSimulation({
    treasury,
    path: buildPricePath(options.scenario, treasury),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.strategies ? { strategies: options.strategies } : {}),
    ...(options.exactCheck ? { exactCheck: options.exactCheck } : {}),
    ...(options.provingClock ? { provingClock: options.provingClock } : {}),
  });
}
