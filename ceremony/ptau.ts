/**
 * Which powers-of-tau file a ceremony step uses, on top of the setup pipeline's resolver
 * (setup/ptau.ts: header checks, known-file hashes, hash cache). `init` records the file's sha256
 * and blake2b (the hash the Hermez/Polygon files are published with); `verify` and `finalize` look for
 * the file again and compare: `verify` reports a different file as a failed check, `finalize` refuses it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { Reporter } from "../setup/progress.ts";
import { assertPtauFits, defaultCacheDir, explicitPtau, inspectPtau, ptauCacheDirs, resolvePtau, type PtauFile } from "../setup/ptau.ts";
import { readR1csInfo, requiredPtauPower } from "../setup/r1cs-info.ts";
import type { CeremonyTranscript } from "./transcript.ts";

export type { PtauFile };

/**
 * The ptau for `init`: `--ptau` or `HOMEOSTAT_PTAU` if given (checked, never replaced), else a cached or
 * downloaded public Hermez file of the power the circuit needs. A ptau generated on this machine is never
 * made for a ceremony: its maker could forge proofs whatever the contributors do.
 */
export async function ptauForInit(flag: string | undefined, instance: string, r1csFile: string, reporter: Reporter): Promise<PtauFile> {
  const info = readR1csInfo(r1csFile);
  const cacheDir = defaultCacheDir();
  const explicit = explicitPtau(flag);
  const ptau = await resolvePtau({ power: requiredPtauPower(info), explicit, cacheDir, reporter, generate: false });
  assertPtauFits(ptau, instance, info);
  return ptau;
}

/**
 * Finds the ptau a ceremony was initialised with: `--ptau`, else `HOMEOSTAT_PTAU`, else a file of the
 * recorded name in the ptau caches or in the ceremony folder. Returns it checked and hashed; whether it
 * is the transcript's file is for the caller to judge (`ptauMatches`).
 */
export async function locateCeremonyPtau(transcript: CeremonyTranscript, dir: string, flag: string | undefined, reporter?: Reporter): Promise<PtauFile> {
  const cacheDir = defaultCacheDir();
  const explicit = explicitPtau(flag);
  if (explicit) return inspectPtau(explicit.path, explicit.source, { cacheDir, reporter });
  const name = path.basename(transcript.ptau.file);
  const found = [...ptauCacheDirs(cacheDir), dir].map((d) => path.join(d, name)).find((f) => existsSync(f));
  if (!found) {
    throw new UserError(
      `the ceremony's powers of tau ${name} (blake2b ${transcript.ptau.blake2b.slice(0, 16)}…) is not in the cache or the ceremony folder: pass --ptau FILE`,
      { where: "--ptau", exitCode: 2 },
    );
  }
  return inspectPtau(found, "cache", { cacheDir, reporter });
}

/** True when `ptau` is the file the transcript records. */
export function ptauMatches(transcript: CeremonyTranscript, ptau: Pick<PtauFile, "sha256" | "blake2b">): boolean {
  return ptau.blake2b === transcript.ptau.blake2b && ptau.sha256 === transcript.ptau.sha256;
}

/** Like `locateCeremonyPtau`, but refuses a file whose hashes differ from the transcript's. */
export async function requireCeremonyPtau(transcript: CeremonyTranscript, dir: string, flag: string | undefined, reporter?: Reporter): Promise<PtauFile> {
  const ptau = await locateCeremonyPtau(transcript, dir, flag, reporter);
  if (!ptauMatches(transcript, ptau)) {
    throw new UserError(
      `this is not the powers of tau the ceremony was initialised with (blake2b ${ptau.blake2b.slice(0, 16)}…, the transcript records ${transcript.ptau.blake2b.slice(0, 16)}…)`,
      { where: ptau.shownPath },
    );
  }
  return ptau;
}
