/**
 * Node conveniences around the browser-safe verifier: load the trusted verification keys that the setup
 * pipeline wrote under build/circuits, and read a bundle file. Not part of the browser path.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { BUILD_DIR, PROJECT_ROOT } from "../core/node/instances.ts";
import type { VerificationKey, VerificationKeys } from "./verify.ts";

/** Default folder of the setup pipeline's artifacts (build/circuits, or $HOMEOSTAT_BUILD_DIR). */
export const DEFAULT_CIRCUITS_DIR = path.join(PROJECT_ROOT, BUILD_DIR);

/** Reads one verification key file, or throws a UserError naming it. */
export function readVkeyFile(file: string): VerificationKey {
  const vkey = readJsonInput(file);
  const key = vkey as Partial<VerificationKey> | null;
  if (!key || typeof key !== "object" || key.protocol !== "groth16" || typeof key.nPublic !== "number") {
    throw new UserError("not a snarkjs Groth16 verification key", { where: file });
  }
  return key as VerificationKey;
}

/** Every `NAME/NAME.vkey.json` under `circuitsDir`, by instance name (a missing folder gives none). */
export function loadVerificationKeys(circuitsDir: string = DEFAULT_CIRCUITS_DIR): Record<string, VerificationKey> {
  const keys: Record<string, VerificationKey> = {};
  if (!existsSync(circuitsDir)) return keys;
  for (const instance of readdirSync(circuitsDir).sort()) {
    const file = path.join(circuitsDir, instance, `${instance}.vkey.json`);
    if (existsSync(file)) keys[instance] = readVkeyFile(file);
  }
  return keys;
}

/**
 * Reads a bundle (or any proof file) as JSON; its content is checked by `verifyBundle`. Unreadable, too
 * large, not UTF-8 or not JSON: a UserError naming the file (and the line).
 */
export function readBundleFile(file: string): unknown {
  return readJsonInput(file);
}

export type { VerificationKeys };

/**
 * Installs a single-threaded BN254 engine as snarkjs's cached curve (`globalThis.curve_bn128`) unless one is
 * installed already. Verifying a proof needs no worker pool, and the pool's dispatch costs about as much as
 * the pairing itself (measured ~10 ms instead of ~20 ms per verification on 2 cores). For processes that only
 * verify: a process that also proves wants the threads (snarkjs would then prove on one core).
 */
export async function useSingleThreadedCurve(): Promise<void> {
  // snarkjs's own ffjavascript (a nested copy, another version than the top-level one): load snarkjs first,
  // as loading it resets the cached curve.
  const snarkjs = (await import("snarkjs")) as { curves: { getCurveFromName(name: string, options: { singleThread: boolean }): Promise<unknown> } };
  const g = globalThis as { curve_bn128?: unknown };
  if (g.curve_bn128) return;
  g.curve_bn128 = await snarkjs.curves.getCurveFromName("bn128", { singleThread: true });
}
