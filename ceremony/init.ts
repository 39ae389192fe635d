/**
 * `ceremony init`: starts a phase-2 ceremony for one circuit instance. Compiles the instance if it has
 * not been built, or if its build is not the circuit the lock pins; makes the initial zkey from the r1cs
 * and the powers of tau (`snarkjs zkey new`, deterministic) and writes the transcript. The folder gets a
 * copy of the r1cs, so contributors and auditors on other machines need nothing but the folder (and, to
 * verify, the public ptau).
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { compileInstance, compiledPaths } from "../setup/compile.ts";
import { loadInstances, PROJECT_ROOT } from "../core/node/instances.ts";
import { lockFileFor, readLock } from "../setup/lock.ts";
import { createReporter, type Reporter } from "../setup/progress.ts";
import { toolVersions } from "../setup/tools.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";
import { StagedFiles, sha256File, withFolderLock } from "./files.ts";
import { readMpcParams } from "./mpc-params.ts";
import { ptauForInit } from "./ptau.ts";
import { TRANSCRIPT_FORMAT, transcriptJson, transcriptPath, zkeyFileName, type CeremonyTranscript } from "./transcript.ts";

/** Options of `initCeremony`. */
export interface InitOptions {
  instance: string;
  /**
   * Powers-of-tau file prepared for phase 2 (default: `HOMEOSTAT_PTAU`, else a cached or downloaded
   * public Hermez file of the needed power).
   */
  ptau?: string;
  /** Ceremony folder (created if missing; must not hold a ceremony yet). */
  dir: string;
  /** Progress of the long steps (compile, hashing the ptau, zkey new); silent by default. */
  reporter?: Reporter;
}

/** What `initCeremony` made. */
export interface InitResult {
  transcript: CeremonyTranscript;
  dir: string;
  zkey: string;
  compiled: boolean;
}

/** Finds one instance by name (a group name is refused: a ceremony is for exactly one key). */
export function requireInstance(instance: string): void {
  const table = loadInstances();
  if (table[instance]) return;
  const groupMembers = Object.keys(table).filter((n) => table[n]!.group === instance);
  const hint = groupMembers.length ? ` ("${instance}" is a group: run one ceremony per instance: ${groupMembers.join(", ")})` : ` (instances: ${Object.keys(table).join(", ")})`;
  throw new UserError(`unknown instance "${instance}"${hint}`, { where: "--instance", exitCode: 2 });
}

/** Starts a ceremony; see the module header. */
export async function initCeremony(options: InitOptions): Promise<InitResult> {
  const { instance, dir } = options;
  requireInstance(instance);
  if (existsSync(transcriptPath(dir))) {
    throw new UserError("this folder already holds a ceremony (use `ceremony contribute`, or choose another --dir)", { where: transcriptPath(dir), exitCode: 2 });
  }
  const reporter = options.reporter ?? createReporter({ quiet: true });
  const spec = loadInstances()[instance]!;

  // Compile when there is no build, or when the build is not the circuit the lock pins (stale sources).
  const r1csBuilt = path.join(PROJECT_ROOT, compiledPaths(instance).r1cs);
  const pinned = readLock()?.instances[instance]?.r1cs;
  let compiled = false;
  if (!existsSync(r1csBuilt) || (pinned !== undefined && sha256File(r1csBuilt) !== pinned)) {
    await reporter.step(`${instance}: compiling`, () => compileInstance(instance, spec));
    compiled = true;
  }
  if (pinned === undefined) reporter.warn(`${instance} is not pinned in ${lockFileFor()}: the ceremony cannot be tied to reviewed sources`);
  else if (sha256File(r1csBuilt) !== pinned) {
    reporter.warn(`${instance}: the compiled r1cs is not the one ${lockFileFor()} pins; \`ceremony verify\` will report r1cs-lock failing`);
  }
  const ptau = await ptauForInit(options.ptau, instance, r1csBuilt, reporter);
  if (ptau.development) reporter.warn(`${ptau.name} is not a public powers of tau: this ceremony is for development only (see docs/CEREMONY.md)`);

  mkdirSync(dir, { recursive: true });
  return withFolderLock(dir, async () => {
    const staged = new StagedFiles();
    try {
      const r1csName = `${instance}.r1cs`;
      const r1csTmp = staged.tempFor(path.join(dir, r1csName));
      copyFileSync(r1csBuilt, r1csTmp);

      const zkeyName = zkeyFileName(instance, 0);
      const zkeyTmp = staged.tempFor(path.join(dir, zkeyName));
      const snarkjs = await loadSnarkjs();
      const made = await reporter.step(`${instance}: snarkjs zkey new`, async (note) => {
        const logger = reporter.snarkjsLogger(note);
        const result = await snarkjs.zKey.newZKey(r1csTmp, ptau.path, zkeyTmp, logger);
        return { result, errors: logger.errors };
      });
      if (made.result === -1 || !existsSync(zkeyTmp)) {
        throw new UserError(`snarkjs zkey new failed: ${made.errors.join("; ") || "unknown reason"}`, { where: ptau.shownPath });
      }
      const mpc = await readMpcParams(zkeyTmp);
      const transcript: CeremonyTranscript = {
        format: TRANSCRIPT_FORMAT,
        instance,
        circuitHash: mpc.circuitHash,
        snarkjsVersion: (await toolVersions()).snarkjs,
        r1cs: { file: r1csName, sha256: sha256File(r1csTmp) },
        ptau: {
          file: ptau.name,
          power: ptau.power,
          sha256: ptau.sha256,
          blake2b: ptau.blake2b,
          known: ptau.known?.name ?? null,
          development: ptau.development,
        },
        initial: { file: zkeyName, sha256: sha256File(zkeyTmp), time: new Date().toISOString() },
        contributions: [],
      };
      staged.write(transcriptPath(dir), transcriptJson(transcript));
      staged.commit();
      return { transcript, dir, zkey: path.join(dir, zkeyName), compiled };
    } finally {
      staged.discard();
    }
  });
}
