/**
 * `verifyTranscript(dir)`: checks a ceremony folder and returns named checks with their evidence, for
 * `homeostat ceremony verify` and for `homeostat audit`. Nothing in the transcript is taken on trust:
 *
 *  - every zkey in the chain has the sha256 the transcript records;
 *  - the MPC record inside each zkey (read by `mpc-params.ts`) holds exactly the contributions before it
 *    plus its own, byte for byte, with the name, kind, beacon and contribution hash of the transcript;
 *  - `snarkjs zkey verify` accepts the latest zkey against the r1cs and the powers of tau, and lists the
 *    same circuit hash, names and contribution hashes;
 *  - the r1cs and the ptau are the files the transcript names (and the r1cs is the one the lock pins);
 *  - after `finalize`, the verification key and Solidity verifier in the folder are those of the final zkey.
 *
 * A missing folder or transcript is a UserError (bad input); everything else, including a transcript that
 * no longer parses, is reported as a failed check.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { loadInstances, PROJECT_ROOT } from "../core/node/instances.ts";
import { lockFileFor, readLock } from "../setup/lock.ts";
import type { Reporter } from "../setup/progress.ts";
import { exportFinalArtifacts } from "./artifacts.ts";
import { sha256, sha256File } from "./files.ts";
import { readMpcParams, type MpcParams } from "./mpc-params.ts";
import { locateCeremonyPtau, ptauMatches, type PtauFile } from "./ptau.ts";
import { snarkjsVerify } from "./snarkjs-report.ts";
import {
  isFinalized,
  latestStepFile,
  readTranscript,
  stepLabel,
  transcriptPath,
  zkeyFileName,
  type CeremonyStep,
  type CeremonyTranscript,
} from "./transcript.ts";

/** Evidence values are plain JSON scalars so a report can print or serialise them as they are. */
export type Evidence = Record<string, string | number | boolean | null>;

/** One named check. */
export interface CeremonyCheck {
  /** Stable id: `transcript`, `instance`, `r1cs`, `r1cs-lock`, `ptau`, `zkey-0`, `contribution-2`, `snarkjs-verify`, `final`. */
  id: string;
  /** Human title, naming the contribution where there is one (`contribution #2 "Bob"`). */
  title: string;
  status: "pass" | "fail" | "skip";
  evidence: Evidence;
  /** Why it failed (empty when it passed), one sentence each. */
  problems: string[];
}

/** The result of verifying a ceremony folder. */
export interface CeremonyVerification {
  ok: boolean;
  dir: string;
  instance: string | null;
  /** Number of transcript entries, the beacon included. */
  contributions: number;
  finalized: boolean;
  checks: CeremonyCheck[];
}

/** Options of `verifyTranscript`. */
export interface VerifyTranscriptOptions {
  /** The powers of tau (default: `$HOMEOSTAT_PTAU`, then the recorded file name in the ptau caches or the folder). */
  ptau?: string;
  /** Project root holding circuits/circuits.json and circuits/circuits.lock.json. */
  root?: string;
  /** Progress of the long steps (hashing the ptau, snarkjs zkey verify); silent by default. */
  reporter?: Reporter;
  /**
   * Hashes and MPC records only: skips `snarkjs zkey verify` and needs no ptau (its hashes are still
   * compared when one is found). For contributors checking the folder they were handed; not an audit.
   */
  quick?: boolean;
}

/** Internal: a transcript to check, with files that are staged under other paths (used by `finalize`). */
export interface CheckInput {
  dir: string;
  transcript: CeremonyTranscript;
  /** Undefined only in quick mode when no ptau was found. */
  ptau: PtauFile | undefined;
  root: string;
  /** `run` always, `skip` (quick mode), or `if-consistent`: only when every earlier check passed (finalize). */
  snarkjs: "run" | "skip" | "if-consistent";
  /** File name in the folder -> where it actually is. */
  staged?: Map<string, string>;
  reporter?: Reporter;
}

function check(id: string, title: string, evidence: Evidence, problems: string[], skip = false): CeremonyCheck {
  return { id, title, status: problems.length ? "fail" : skip ? "skip" : "pass", evidence, problems };
}

/** The first failed check's first problem as one line (`contribution #2 "Bob": ...`), or undefined. */
export function firstFailure(result: CeremonyVerification): string | undefined {
  const failed = result.checks.find((c) => c.status === "fail");
  return failed ? `${failed.title}: ${failed.problems[0] ?? "failed"}` : undefined;
}

/**
 * Verifies the ceremony in `dir` (see the module header for what is checked). Throws a UserError only
 * when there is nothing to verify (no folder, no transcript) or no powers of tau can be found.
 */
export async function verifyTranscript(dir: string, options: VerifyTranscriptOptions = {}): Promise<CeremonyVerification> {
  const root = options.root ?? PROJECT_ROOT;
  let transcript: CeremonyTranscript;
  try {
    transcript = readTranscript(dir);
  } catch (e) {
    // Exit code 2 = nothing to verify (no folder, no transcript); anything else is a transcript that fails.
    if (e instanceof UserError && e.exitCode !== 2) {
      const failed = check("transcript", "transcript", { file: transcriptPath(dir) }, [e.message.replace(`${transcriptPath(dir)}: `, "")]);
      return { ok: false, dir, instance: null, contributions: 0, finalized: false, checks: [failed] };
    }
    throw e;
  }
  let ptau: PtauFile | undefined;
  try {
    ptau = await locateCeremonyPtau(transcript, dir, options.ptau, options.reporter);
  } catch (e) {
    if (!options.quick || options.ptau || !(e instanceof UserError)) throw e;
  }
  return runChecks({ dir, transcript, ptau, root, snarkjs: options.quick ? "skip" : "run", ...(options.reporter ? { reporter: options.reporter } : {}) });
}

/** Runs every check on an already parsed transcript. */
export async function runChecks(input: CheckInput): Promise<CeremonyVerification> {
  const { dir, transcript, root } = input;
  const fileFor = (name: string) => input.staged?.get(name) ?? path.join(dir, name);
  const checks: CeremonyCheck[] = [];

  checks.push(checkStructure(transcript));
  checks.push(checkInstance(transcript, root));
  checks.push(await checkR1cs(transcript, fileFor(transcript.r1cs.file)));
  checks.push(checkR1csLock(transcript, root));
  checks.push(
    input.ptau
      ? checkPtau(transcript, input.ptau)
      : check("ptau", "powers of tau", { expectedBlake2b: transcript.ptau.blake2b, found: false }, [], true),
  );

  // The chain: zkey 0 (initial), then one zkey per contribution.
  let previous: MpcParams | undefined;
  {
    const { checkResult, mpc } = await checkZkey(transcript, undefined, fileFor(transcript.initial.file), undefined);
    checks.push(checkResult);
    previous = mpc;
  }
  for (const step of transcript.contributions) {
    const { checkResult, mpc } = await checkZkey(transcript, step, fileFor(step.file), previous);
    checks.push(checkResult);
    previous = mpc;
  }

  const consistent = checks.every((c) => c.status !== "fail");
  const ptau = input.ptau;
  if (input.snarkjs === "skip" || !ptau || (input.snarkjs === "if-consistent" && !consistent)) {
    const why = input.snarkjs === "skip" ? "quick verification" : !ptau ? "no powers of tau" : "earlier checks failed";
    checks.push(check("snarkjs-verify", "snarkjs zkey verify", { skipped: why }, [], true));
  } else {
    const runSnarkjs = () => checkSnarkjs(transcript, fileFor(transcript.r1cs.file), ptau, fileFor(latestStepFile(transcript)));
    checks.push(input.reporter ? await input.reporter.step("snarkjs zkey verify", runSnarkjs) : await runSnarkjs());
  }
  checks.push(await checkFinal(transcript, fileFor));

  return {
    ok: checks.every((c) => c.status !== "fail"),
    dir,
    instance: transcript.instance,
    contributions: transcript.contributions.length,
    finalized: isFinalized(transcript),
    checks,
  };
}

/** Indices run 1..n, file names follow the chain, the beacon (if any) is last and alone. */
function checkStructure(t: CeremonyTranscript): CeremonyCheck {
  const problems: string[] = [];
  if (t.initial.file !== zkeyFileName(t.instance, 0)) problems.push(`the initial zkey should be ${zkeyFileName(t.instance, 0)}, not ${t.initial.file}`);
  t.contributions.forEach((step, i) => {
    const label = stepLabel(step);
    if (step.index !== i + 1) problems.push(`${label}: entry ${i + 1} has index ${step.index}`);
    if (step.file !== zkeyFileName(t.instance, i + 1)) problems.push(`${label}: file should be ${zkeyFileName(t.instance, i + 1)}, not ${step.file}`);
    if (step.kind === "beacon" && i !== t.contributions.length - 1) problems.push(`${label}: the beacon must be the last entry`);
    if ((step.kind === "beacon") !== (step.beacon !== undefined)) problems.push(`${label}: beacon parameters belong to the beacon entry only`);
  });
  if (t.final && !isFinalized(t)) problems.push("a final record without a beacon entry");
  return check(
    "transcript",
    "transcript",
    { format: t.format, instance: t.instance, entries: t.contributions.length, finalized: isFinalized(t), snarkjsVersion: t.snarkjsVersion },
    problems,
  );
}

/** The instance exists in circuits/circuits.json. */
function checkInstance(t: CeremonyTranscript, root: string): CeremonyCheck {
  const table = loadInstances(root);
  const spec = table[t.instance];
  if (!spec) return check("instance", `instance ${t.instance}`, { instance: t.instance }, [`"${t.instance}" is not an instance of circuits/circuits.json`]);
  return check("instance", `instance ${t.instance}`, { instance: t.instance, template: spec.template, params: spec.params.join(",") }, []);
}

/** The r1cs copy in the folder has the recorded sha256. */
async function checkR1cs(t: CeremonyTranscript, file: string): Promise<CeremonyCheck> {
  if (!existsSync(file)) return check("r1cs", "circuit r1cs", { file: t.r1cs.file }, [`${t.r1cs.file} is missing from the ceremony folder`]);
  const actual = sha256File(file);
  const problems = actual === t.r1cs.sha256 ? [] : [`${t.r1cs.file} has sha256 ${actual}, the transcript records ${t.r1cs.sha256}`];
  return check("r1cs", "circuit r1cs", { file: t.r1cs.file, expectedSha256: t.r1cs.sha256, actualSha256: actual }, problems);
}

/** The r1cs is the one the circuit lock pins (skipped when the lock has no entry for the instance). */
function checkR1csLock(t: CeremonyTranscript, root: string): CeremonyCheck {
  const lockFile = lockFileFor();
  const title = "r1cs pinned by the circuit lock";
  let pinned: string | undefined;
  try {
    pinned = readLock(root, lockFile)?.instances[t.instance]?.r1cs;
  } catch (e) {
    return check("r1cs-lock", title, { lock: lockFile }, [(e as Error).message]);
  }
  if (!pinned) return check("r1cs-lock", title, { lock: lockFile, pinned: null }, [], true);
  const problems = pinned === t.r1cs.sha256 ? [] : [`the ceremony's r1cs (sha256 ${t.r1cs.sha256.slice(0, 16)}…) is not the one ${lockFile} pins (${pinned.slice(0, 16)}…): the circuit changed since the ceremony`];
  return check("r1cs-lock", title, { lock: lockFile, pinned, ceremony: t.r1cs.sha256 }, problems);
}

/** The ptau given is the one the transcript records. */
function checkPtau(t: CeremonyTranscript, ptau: PtauFile): CeremonyCheck {
  const problems = ptauMatches(t, ptau)
    ? []
    : [`the powers of tau given (blake2b ${ptau.blake2b}) is not the one the ceremony was initialised with (${t.ptau.blake2b})`];
  return check(
    "ptau",
    "powers of tau",
    { file: ptau.name, power: ptau.power, expectedBlake2b: t.ptau.blake2b, actualBlake2b: ptau.blake2b, sha256: ptau.sha256, known: ptau.known?.name ?? null, development: ptau.development },
    problems,
  );
}

/**
 * One zkey of the chain: its sha256, and its MPC record = the previous zkey's record plus this step.
 * `step` undefined means the initial zkey.
 */
async function checkZkey(
  t: CeremonyTranscript,
  step: CeremonyStep | undefined,
  file: string,
  previous: MpcParams | undefined,
): Promise<{ checkResult: CeremonyCheck; mpc: MpcParams | undefined }> {
  const index = step?.index ?? 0;
  const id = step ? `contribution-${index}` : "zkey-0";
  const title = step ? stepLabel(step) : "initial zkey";
  const fileName = step?.file ?? t.initial.file;
  const expectedSha = step?.sha256 ?? t.initial.sha256;
  const evidence: Evidence = { file: fileName, expectedSha256: expectedSha };
  if (step) Object.assign(evidence, { name: step.name, contributionHash: step.contributionHash, time: step.time });
  if (!existsSync(file)) return { checkResult: check(id, title, evidence, [`${fileName} is missing from the ceremony folder`]), mpc: undefined };

  const problems: string[] = [];
  const actualSha = sha256File(file);
  evidence.actualSha256 = actualSha;
  if (actualSha !== expectedSha) problems.push(`${fileName} has sha256 ${actualSha}, the transcript records ${expectedSha} (the zkey was replaced or altered)`);

  let mpc: MpcParams | undefined;
  try {
    mpc = await readMpcParams(file);
  } catch (e) {
    problems.push(`cannot read the MPC record of ${fileName}: ${(e as Error).message}`);
    return { checkResult: check(id, title, evidence, problems), mpc: undefined };
  }
  evidence.circuitHash = mpc.circuitHash;
  if (mpc.circuitHash !== t.circuitHash) problems.push(`${fileName} is for circuit hash ${mpc.circuitHash.slice(0, 16)}…, the transcript's is ${t.circuitHash.slice(0, 16)}…`);
  if (mpc.contributions.length !== index) {
    problems.push(`${fileName} holds ${mpc.contributions.length} contributions, expected ${index}`);
  }
  if (previous) {
    const earlier = Math.min(index - 1, mpc.contributions.length);
    for (let i = 0; i < earlier; i++) {
      const mine = mpc.contributions[i]!;
      const theirs = previous.contributions[i];
      if (!theirs || !mine.raw.equals(theirs.raw)) {
        problems.push(`${fileName} does not extend the previous zkey: its contribution #${i + 1} differs`);
        break;
      }
    }
  }
  if (step) {
    const own = mpc.contributions[index - 1];
    if (own) {
      evidence.zkeyName = own.name;
      evidence.zkeyContributionHash = own.contributionHash;
      if (own.name !== step.name) problems.push(`the transcript names it "${step.name}", the zkey records "${own.name}"`);
      if (own.contributionHash !== step.contributionHash) {
        problems.push(`the transcript's contribution hash ${step.contributionHash.slice(0, 16)}… differs from the zkey's ${own.contributionHash.slice(0, 16)}…`);
      }
      if (own.kind !== step.kind) problems.push(`the transcript says ${step.kind}, the zkey records a ${own.kind}`);
      if (step.beacon && (own.beacon?.hash !== step.beacon.hash || own.beacon.iterationsExp !== step.beacon.iterationsExp)) {
        problems.push(`the beacon recorded in the zkey (${own.beacon?.hash ?? "none"}, 2^${own.beacon?.iterationsExp ?? "?"}) differs from the transcript's (${step.beacon.hash}, 2^${step.beacon.iterationsExp})`);
      }
    }
  }
  return { checkResult: check(id, title, evidence, problems), mpc };
}

/** `snarkjs zkey verify` of the latest zkey, and what it lists compared with the transcript. */
async function checkSnarkjs(t: CeremonyTranscript, r1cs: string, ptau: PtauFile, latest: string): Promise<CeremonyCheck> {
  const title = "snarkjs zkey verify";
  const latestName = latestStepFile(t);
  if (!existsSync(r1cs) || !existsSync(latest)) {
    return check("snarkjs-verify", title, { zkey: latestName }, [`cannot run: ${existsSync(r1cs) ? latestName : t.r1cs.file} is missing`]);
  }
  const report = await snarkjsVerify(r1cs, ptau.path, latest);
  const evidence: Evidence = {
    zkey: latestName,
    ptau: ptau.name,
    verified: report.ok,
    circuitHash: report.circuitHash ?? null,
    /** As snarkjs lists them: `#1 Alice <contribution hash>; #2 ...`. */
    contributions: report.contributions.map((c) => `#${c.index} ${c.name} ${c.contributionHash}`).join("; "),
  };
  const problems: string[] = [];
  if (!report.ok) {
    problems.push(`snarkjs rejects ${latestName} for this r1cs and powers of tau${report.errors.length ? ` (${report.errors.join("; ")})` : ""}`);
    return check("snarkjs-verify", title, evidence, problems);
  }
  if (report.circuitHash !== t.circuitHash) problems.push(`snarkjs reports circuit hash ${report.circuitHash ?? "none"}, the transcript records ${t.circuitHash}`);
  if (report.contributions.length !== t.contributions.length) {
    problems.push(`snarkjs lists ${report.contributions.length} contributions, the transcript ${t.contributions.length}`);
  }
  for (const step of t.contributions) {
    const reported = report.contributions.find((c) => c.index === step.index);
    if (!reported) continue;
    const label = stepLabel(step);
    if (reported.name !== step.name) problems.push(`${label}: snarkjs lists the name "${reported.name}"`);
    if (reported.contributionHash !== step.contributionHash) problems.push(`${label}: snarkjs lists contribution hash ${reported.contributionHash.slice(0, 16)}…, the transcript ${step.contributionHash.slice(0, 16)}…`);
    if (step.beacon && (reported.beacon?.hash !== step.beacon.hash || reported.beacon.iterationsExp !== step.beacon.iterationsExp)) {
      problems.push(`${label}: snarkjs lists a different beacon`);
    }
  }
  return check("snarkjs-verify", title, evidence, problems);
}

/** The provenance lines of the final verifier (deterministic, so `verify` can regenerate it). */
export function verifierProvenance(t: CeremonyTranscript, finalZkeySha256: string): string[] {
  const people = t.contributions.filter((s) => s.kind === "contribution").length;
  return [
    `Generated by \`homeostat ceremony finalize\` for instance "${t.instance}" with snarkjs ${t.snarkjsVersion}. Do not edit.`,
    `Phase 2: ${people} contribution(s) and a beacon; transcript circuit hash ${t.circuitHash.slice(0, 32)}…`,
    `Final zkey sha256 ${finalZkeySha256}; powers of tau blake2b ${t.ptau.blake2b.slice(0, 32)}…`,
  ];
}

/** After `finalize`: the vkey and verifier in the folder are those of the final zkey. */
async function checkFinal(t: CeremonyTranscript, fileFor: (name: string) => string): Promise<CeremonyCheck> {
  const title = "final verification key and verifier";
  if (!t.final) return check("final", title, { finalized: false }, [], true);
  const final = t.final;
  const problems: string[] = [];
  const last = t.contributions.at(-1);
  if (!last || final.zkey.file !== last.file || final.zkey.sha256 !== last.sha256) problems.push("the final zkey is not the beacon's zkey");
  const zkey = fileFor(final.zkey.file);
  const evidence: Evidence = { zkey: final.zkey.file, vkeyHash: final.vkey.vkeyHash, contract: final.verifier.contract };
  if (!existsSync(zkey)) return check("final", title, evidence, [...problems, `${final.zkey.file} is missing`]);
  const expected = await exportFinalArtifacts(zkey, t.instance, verifierProvenance(t, final.zkey.sha256));
  evidence.exportedVkeyHash = expected.vkeyHash;
  if (expected.vkeyHash !== final.vkey.vkeyHash) problems.push(`the final zkey's verification key hashes to ${expected.vkeyHash}, the transcript records ${final.vkey.vkeyHash}`);
  const vkeyFile = fileFor(final.vkey.file);
  if (!existsSync(vkeyFile)) problems.push(`${final.vkey.file} is missing`);
  else {
    const text = readFileSync(vkeyFile);
    if (sha256(text) !== final.vkey.sha256) problems.push(`${final.vkey.file} differs from the transcript's sha256`);
    else if (sha256(expected.vkeyJson) !== final.vkey.sha256) problems.push(`${final.vkey.file} is not the final zkey's verification key`);
  }
  const verifierFile = fileFor(final.verifier.file);
  if (!existsSync(verifierFile)) problems.push(`${final.verifier.file} is missing`);
  else {
    const text = readFileSync(verifierFile);
    if (sha256(text) !== final.verifier.sha256) problems.push(`${final.verifier.file} differs from the transcript's sha256`);
    else if (sha256(expected.verifierSource) !== final.verifier.sha256) problems.push(`${final.verifier.file} is not the verifier of the final zkey`);
  }
  return check("final", title, evidence, problems);
}
