/**
 * Typed view of the snarkjs functions the setup pipeline calls (snarkjs ships no types), loaded lazily
 * so that commands which never touch keys start fast.
 */
import type { SnarkjsLogger } from "./progress.ts";

/** Verification key JSON as snarkjs exports it (numbers as decimal strings). */
export type VerificationKey = Record<string, unknown> & { protocol: string; curve: string; nPublic: number };

export interface SnarkjsSetup {
  zKey: {
    newZKey(r1csName: string, ptauName: string, zkeyName: string, logger?: SnarkjsLogger): Promise<Uint8Array | number>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array | false>;
    verifyFromR1cs(r1csName: string, ptauName: string, zkeyName: string, logger?: SnarkjsLogger): Promise<boolean>;
    exportVerificationKey(zkeyName: string, logger?: SnarkjsLogger): Promise<VerificationKey>;
    exportSolidityVerifier(zkeyName: string, templates: { groth16: string }, logger?: SnarkjsLogger): Promise<string>;
  };
  powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: SnarkjsLogger): Promise<Uint8Array>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>;
    beacon(
      oldPtau: string,
      newPtau: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array | false>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: SnarkjsLogger): Promise<void>;
  };
  curves: { getCurveFromName(name: string): Promise<unknown> };
}

/** The snarkjs module, typed. */
export async function loadSnarkjs(): Promise<SnarkjsSetup> {
  return (await import("snarkjs")) as SnarkjsSetup;
}

/** Hex of a snarkjs hash (a Uint8Array), or undefined for its failure values. */
export function hashHex(value: Uint8Array | number | false | undefined): string | undefined {
  return value instanceof Uint8Array ? Buffer.from(value).toString("hex") : undefined;
}
