/**
 * `ceremony finalize`: closes a ceremony with a public random beacon (`snarkjs zkey beacon`), verifies
 * the whole chain, exports the verification key and the Solidity verifier, and installs the final zkey,
 * vkey, verifier and a manifest that names the transcript, into build/circuits/NAME/ and
 * contracts/generated/ (or all into `--out`). Everything is staged first and moved into place only once
 * the verification passed, so a failure leaves the folder and the build exactly as they were.
 */
import { copyFileSync, existsSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { compiledPaths } from "../setup/compile.ts";
import { PROJECT_ROOT, instanceDir } from "../core/node/instances.ts";
import { manifestPath } from "../setup/manifest.ts";
import { createReporter, type Reporter } from "../setup/progress.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";
import { verifierContractName, verifierPath } from "../setup/verifier.ts";
import { exportFinalArtifacts } from "./artifacts.ts";
import { checkChainHead } from "./contribute.ts";
import { StagedFiles, sha256, sha256File, withFolderLock } from "./files.ts";
import { ceremonyManifest, type CeremonyManifest, type InstallTarget } from "./manifest.ts";
import { readMpcParams } from "./mpc-params.ts";
import { requireCeremonyPtau } from "./ptau.ts";
import {
  isFinalized,
  latestStepFile,
  readTranscript,
  transcriptJson,
  transcriptPath,
  zkeyFileName,
  type CeremonyStep,
  type CeremonyTranscript,
} from "./transcript.ts";
import { firstFailure, runChecks, verifierProvenance, type CeremonyVerification } from "./verify.ts";

/** snarkjs accepts iteration exponents 10..63 (2^N hash iterations of the beacon). */
export const DEFAULT_BEACON_ITERATIONS_EXP = 10;
/** Name recorded for the beacon in the zkey. */
export const BEACON_NAME = "final beacon";

/** Options of `finalizeCeremony`. */
export interface FinalizeOptions {
  dir: string;
  /** The beacon value, hex (1 to 255 bytes), e.g. a future block hash or drand round announced in advance. */
  beacon: string;
  /** log2 of the number of hash iterations applied to the beacon (10..63). */
  iterationsExp?: number | string;
  /** Powers-of-tau file (default: `$HOMEOSTAT_PTAU`, then the recorded name in the ptau caches or the folder). */
  ptau?: string;
  /** Install everything into this folder instead of build/circuits/NAME/ and contracts/generated/. */
  out?: string;
  /** Progress of the long steps; silent by default. */
  reporter?: Reporter;
}

/** Where the final artifacts went. */
export interface FinalizeResult {
  transcript: CeremonyTranscript;
  beacon: CeremonyStep;
  verification: CeremonyVerification;
  installed: InstallTarget;
  vkeyHash: string;
  manifest: CeremonyManifest;
}

/** Checks and normalises the beacon (lowercase hex, whole bytes, 1..255 bytes). */
export function parseBeacon(beacon: string): string {
  const hex = beacon.trim().replace(/^0x/i, "").toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex) || hex.length % 2 !== 0) {
    throw new UserError("the beacon must be hex with whole bytes (e.g. a block hash)", { where: "--beacon", exitCode: 2 });
  }
  if (hex.length / 2 > 255) throw new UserError("the beacon is longer than 255 bytes", { where: "--beacon", exitCode: 2 });
  return hex;
}

/** Checks the iterations exponent (snarkjs accepts 10..63). */
export function parseIterationsExp(value: number | string | undefined): number {
  if (value === undefined) return DEFAULT_BEACON_ITERATIONS_EXP;
  const n = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 10 || n > 63) throw new UserError("must be an integer from 10 to 63 (2^N beacon hash iterations)", { where: "--iterations", exitCode: 2 });
  return n;
}

/** Where `finalize` installs: build/circuits/NAME/ and contracts/generated/, or everything into `out`. */
export function installTargets(instance: string, contract: string, out?: string): InstallTarget {
  if (out) {
    const dir = path.resolve(out);
    return {
      zkey: path.join(dir, `${instance}.zkey`),
      vkey: path.join(dir, `${instance}.vkey.json`),
      verifier: path.join(dir, `${contract}.sol`),
      manifest: path.join(dir, "manifest.json"),
    };
  }
  const dir = path.join(PROJECT_ROOT, instanceDir(instance));
  return {
    zkey: path.join(dir, `${instance}.zkey`),
    vkey: path.join(dir, `${instance}.vkey.json`),
    verifier: path.join(PROJECT_ROOT, verifierPath(instance)),
    manifest: path.join(PROJECT_ROOT, manifestPath(instance)),
  };
}

/** Finalizes the ceremony in `options.dir`; see the module header. */
export async function finalizeCeremony(options: FinalizeOptions): Promise<FinalizeResult> {
  const startedAt = Date.now();
  const { dir } = options;
  const reporter = options.reporter ?? createReporter({ quiet: true });
  const beaconHex = parseBeacon(options.beacon);
  const iterationsExp = parseIterationsExp(options.iterationsExp);
  if (options.out && existsSync(options.out) && !statSync(options.out).isDirectory()) {
    throw new UserError("not a folder", { where: "--out", exitCode: 2 });
  }
  const ptau = await requireCeremonyPtau(readTranscript(dir), dir, options.ptau, reporter);

  return withFolderLock(dir, async () => {
    const transcript = readTranscript(dir);
    if (isFinalized(transcript)) throw new UserError("this ceremony is already finalized", { where: transcriptPath(dir) });
    if (transcript.contributions.length === 0) {
      throw new UserError("no contributions yet: a beacon alone is public randomness and protects nothing (run `ceremony contribute` first)", {
        where: transcriptPath(dir),
      });
    }
    await checkChainHead(dir, transcript);
    const { instance } = transcript;
    const target = installTargets(instance, verifierContractName(instance), options.out);

    // The build folder must hold the ceremony's circuit: its wasm is what proofs against this key use.
    const built = compiledPaths(instance);
    const compiled = options.out
      ? { r1cs: path.resolve(dir, transcript.r1cs.file) }
      : { r1cs: path.join(PROJECT_ROOT, built.r1cs), wasm: path.join(PROJECT_ROOT, built.wasm), sym: path.join(PROJECT_ROOT, built.sym) };
    if (!options.out && (!existsSync(compiled.r1cs) || sha256File(compiled.r1cs) !== transcript.r1cs.sha256)) {
      throw new UserError(
        `the compiled circuit is not the ceremony's (r1cs sha256 ${transcript.r1cs.sha256.slice(0, 16)}…): the circuit changed or is not built; rebuild it or pass --out`,
        { where: built.r1cs },
      );
    }

    const staged = new StagedFiles();
    try {
      // 1. The beacon.
      const index = transcript.contributions.length + 1;
      const file = zkeyFileName(instance, index);
      const zkeyTmp = staged.tempFor(path.join(dir, file));
      const snarkjs = await loadSnarkjs();
      const applied = await reporter.step(`applying the beacon (2^${iterationsExp} iterations)`, async (note) => {
        const logger = reporter.snarkjsLogger(note);
        const hash = await snarkjs.zKey.beacon(path.join(dir, latestStepFile(transcript)), zkeyTmp, BEACON_NAME, beaconHex, iterationsExp, logger);
        return { hash, errors: logger.errors };
      });
      if (!(applied.hash instanceof Uint8Array)) {
        throw new UserError(`snarkjs zkey beacon refused: ${applied.errors.join("; ") || "unknown reason"}`, { where: "--beacon" });
      }
      const contributionHash = Buffer.from(applied.hash).toString("hex");
      const mpc = await readMpcParams(zkeyTmp);
      if (mpc.contributions.at(-1)?.contributionHash !== contributionHash) throw new Error(`snarkjs wrote an unexpected MPC record to ${zkeyTmp}`);
      const zkeySha = sha256File(zkeyTmp);
      const beacon: CeremonyStep = {
        index,
        kind: "beacon",
        name: BEACON_NAME,
        contributionHash,
        file,
        sha256: zkeySha,
        time: new Date().toISOString(),
        beacon: { hash: beaconHex, iterationsExp },
      };

      // 2. Verification key and verifier of the final zkey, staged in the ceremony folder.
      const withBeacon: CeremonyTranscript = { ...transcript, contributions: [...transcript.contributions, beacon] };
      const artifacts = await reporter.step("exporting the verification key and the Solidity verifier", () =>
        exportFinalArtifacts(zkeyTmp, instance, verifierProvenance(withBeacon, zkeySha)),
      );
      const vkeyName = `${instance}.vkey.json`;
      const verifierName = `${artifacts.contract}.sol`;
      const finished: CeremonyTranscript = {
        ...withBeacon,
        final: {
          zkey: { file, sha256: zkeySha },
          vkey: { file: vkeyName, sha256: sha256(artifacts.vkeyJson), vkeyHash: artifacts.vkeyHash },
          verifier: { file: verifierName, contract: artifacts.contract, sha256: sha256(artifacts.verifierSource) },
          time: beacon.time,
        },
      };
      const inFolder = new Map<string, string>([
        [file, zkeyTmp],
        [vkeyName, staged.write(path.join(dir, vkeyName), artifacts.vkeyJson)],
        [verifierName, staged.write(path.join(dir, verifierName), artifacts.verifierSource)],
      ]);

      // 3. Verify everything as `ceremony verify` will, before anything is moved into place.
      const verification = await runChecks({ dir, transcript: finished, ptau, root: PROJECT_ROOT, staged: inFolder, reporter, snarkjs: "if-consistent" });
      const failure = firstFailure(verification);
      if (failure) throw new UserError(`verification after the beacon failed: ${failure}`, { where: dir });

      // 4. Stage the installed copies and the manifest; the transcript goes last.
      const transcriptText = transcriptJson(finished);
      const atTarget = new Map<string, string>();
      const zkeyCopy = staged.tempFor(target.zkey);
      copyFileSync(zkeyTmp, zkeyCopy);
      atTarget.set(target.zkey, zkeyCopy);
      atTarget.set(target.vkey, staged.write(target.vkey, artifacts.vkeyJson));
      atTarget.set(target.verifier, staged.write(target.verifier, artifacts.verifierSource));
      const manifest = await ceremonyManifest({
        transcript: finished,
        transcriptFile: path.resolve(transcriptPath(dir)),
        transcriptSha256: sha256(transcriptText),
        target,
        staged: atTarget,
        ptau,
        compiled,
        startedAt,
      });
      staged.write(target.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
      staged.write(transcriptPath(dir), transcriptText);
      staged.commit();
      return { transcript: finished, beacon, verification, installed: target, vkeyHash: artifacts.vkeyHash, manifest };
    } finally {
      staged.discard();
    }
  });
}
