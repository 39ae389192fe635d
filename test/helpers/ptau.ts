/**
 * The powers of tau the tests use, on any machine: `HOMEOSTAT_PTAU` when set (CI sets the shared file),
 * else the file the installed keys were made with (the `setup --all` of `npm test` records it in each
 * manifest: on a machine without ../shared that is a generated development file), else the workplace's
 * shared development file. Tests about the shared file itself check SHARED_PTAU_PRESENT and say so when skipped.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Not core/node/instances.ts: importing it fixes the build folders from the environment at load time, and
// some test files (the ceremony's) set HOMEOSTAT_BUILD_DIR and friends before they import the pipeline.
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The workplace's shared development file (../shared/ptau/pot16_final.ptau); absent on a user's machine. */
export const SHARED_PTAU = path.resolve(PROJECT_ROOT, "../shared/ptau/pot16_final.ptau");
export const SHARED_PTAU_PRESENT = existsSync(SHARED_PTAU);

/** See the module header. */
export function projectPtau(): string {
  if (process.env.HOMEOSTAT_PTAU) return path.resolve(process.env.HOMEOSTAT_PTAU);
  for (const instance of ["solvency-test", "rebalance-test", "inclusion-test"]) {
    const manifest = path.join(PROJECT_ROOT, "build", "circuits", instance, "manifest.json");
    if (!existsSync(manifest)) continue;
    const recorded = (JSON.parse(readFileSync(manifest, "utf8")) as { ptau?: { path?: string } }).ptau?.path;
    if (recorded && existsSync(recorded)) return recorded;
  }
  return SHARED_PTAU;
}
