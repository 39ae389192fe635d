/**
 * `ceremony contribute`: adds one participant's secret randomness to the latest zkey of a ceremony
 * folder (`snarkjs zkey contribute`) and records the contribution in the transcript. The secret is fresh
 * OS randomness plus any text the contributor types; it exists only in memory for the duration of the
 * call. The returned contribution hash is what the contributor publishes: anyone can later find it in the
 * final zkey (`ceremony verify`), which proves the contribution was included.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { createReporter, type Reporter } from "../setup/progress.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";
import { StagedFiles, sha256File, withFolderLock } from "./files.ts";
import { readMpcParams, type MpcParams } from "./mpc-params.ts";
import {
  checkContributorName,
  isFinalized,
  latestStepFile,
  readTranscript,
  stepLabel,
  transcriptJson,
  transcriptPath,
  zkeyFileName,
  type CeremonyStep,
  type CeremonyTranscript,
} from "./transcript.ts";

/** Options of `contributeToCeremony`. */
export interface ContributeOptions {
  dir: string;
  /** Published name of the contributor (at most 64 UTF-8 bytes). */
  name: string;
  /** Extra entropy text, mixed with 32 fresh random bytes. */
  entropy?: string;
  /** Progress of the contribution; silent by default. */
  reporter?: Reporter;
}

/** The recorded contribution. */
export interface ContributeResult {
  step: CeremonyStep;
  transcript: CeremonyTranscript;
  zkey: string;
}

/**
 * Checks that the latest zkey of the folder is the one the transcript ends with (sha256 and number of
 * contributions), so nobody builds on a swapped key. Returns its MPC record.
 */
export async function checkChainHead(dir: string, transcript: CeremonyTranscript): Promise<MpcParams> {
  const last = transcript.contributions.at(-1);
  const file = latestStepFile(transcript);
  const where = path.join(dir, file);
  const label = last ? stepLabel(last) : "the initial zkey";
  if (!existsSync(where)) throw new UserError(`the zkey of ${label} is missing`, { where });
  const expected = last?.sha256 ?? transcript.initial.sha256;
  const actual = sha256File(where);
  if (actual !== expected) {
    throw new UserError(`the zkey of ${label} has sha256 ${actual}, the transcript records ${expected}: refusing to build on it`, { where });
  }
  const mpc = await readMpcParams(where);
  if (mpc.contributions.length !== transcript.contributions.length || mpc.circuitHash !== transcript.circuitHash) {
    throw new UserError(`the zkey of ${label} does not match the transcript (${mpc.contributions.length} contributions recorded in it)`, { where });
  }
  return mpc;
}

/** Contributes to the ceremony in `options.dir`; see the module header. */
export async function contributeToCeremony(options: ContributeOptions): Promise<ContributeResult> {
  const { dir } = options;
  const name = checkContributorName(options.name);
  readTranscript(dir); // a missing folder or transcript is reported before taking the lock

  return withFolderLock(dir, async () => {
    const transcript = readTranscript(dir);
    if (isFinalized(transcript)) throw new UserError("this ceremony is finalized (the beacon has been applied); no more contributions", { where: transcriptPath(dir) });
    const before = await checkChainHead(dir, transcript);
    const index = transcript.contributions.length + 1;
    const file = zkeyFileName(transcript.instance, index);
    const staged = new StagedFiles();
    try {
      const next = staged.tempFor(path.join(dir, file));
      const entropy = `${randomBytes(32).toString("hex")}${options.entropy ?? ""}`;
      const snarkjs = await loadSnarkjs();
      const reporter = options.reporter ?? createReporter({ quiet: true });
      const hashBytes = await reporter.step(`contribution #${index} (${name})`, (note) =>
        snarkjs.zKey.contribute(path.join(dir, latestStepFile(transcript)), next, name, entropy, reporter.snarkjsLogger(note)),
      );
      const contributionHash = Buffer.from(hashBytes).toString("hex");

      // Read the new key back: the contribution must be ours, appended to an unchanged history.
      const after = await readMpcParams(next);
      const mine = after.contributions.at(-1);
      const historyKept = before.contributions.every((c, i) => after.contributions[i]?.raw.equals(c.raw));
      if (after.contributions.length !== index || !mine || mine.contributionHash !== contributionHash || mine.name !== name || !historyKept) {
        throw new Error(`snarkjs wrote an unexpected MPC record to ${next}`);
      }

      const step: CeremonyStep = { index, kind: "contribution", name, contributionHash, file, sha256: sha256File(next), time: new Date().toISOString() };
      const updated: CeremonyTranscript = { ...transcript, contributions: [...transcript.contributions, step] };
      staged.write(transcriptPath(dir), transcriptJson(updated));
      staged.commit();
      return { step, transcript: updated, zkey: path.join(dir, file) };
    } finally {
      staged.discard();
    }
  });
}
