/**
 * The ceremony transcript (`DIR/transcript.json`, format `homeostat-ceremony/1`): which circuit and
 * powers of tau the ceremony is for, the initial zkey, and one entry per contribution (the final beacon
 * is the last entry) with the contribution hash snarkjs computes and the sha256 of the zkey it produced.
 * The transcript is a claim: `verifyTranscript` checks every entry against the zkeys themselves.
 *
 * Folder layout: `transcript.json`, `NAME.r1cs` (copy of the circuit), `NAME_0000.zkey` (initial),
 * `NAME_000i.zkey` after contribution i; after `finalize`, `NAME.vkey.json` and `<Pascal>Verifier.sol`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "./files.ts";

export const TRANSCRIPT_FORMAT = "homeostat-ceremony/1";
export const TRANSCRIPT_FILE = "transcript.json";
/** snarkjs stores at most 64 bytes of a contributor's name. */
export const MAX_NAME_BYTES = 64;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes * 2} lowercase hex digits`);
const sha256Hex = hex(32);
const blake2bHex = hex(64);
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a plain file name inside the ceremony folder");
const isoTime = z.string().datetime({ message: "expected an ISO 8601 UTC time" });

const stepSchema = z
  .object({
    index: z.number().int().positive(),
    kind: z.enum(["contribution", "beacon"]),
    name: z.string(),
    contributionHash: blake2bHex,
    file: fileName,
    sha256: sha256Hex,
    time: isoTime,
    beacon: z.object({ hash: z.string().regex(/^[0-9a-f]+$/), iterationsExp: z.number().int() }).strict().optional(),
  })
  .strict();

const finalSchema = z
  .object({
    zkey: z.object({ file: fileName, sha256: sha256Hex }).strict(),
    vkey: z.object({ file: fileName, sha256: sha256Hex, vkeyHash: sha256Hex }).strict(),
    verifier: z.object({ file: fileName, contract: z.string(), sha256: sha256Hex }).strict(),
    time: isoTime,
  })
  .strict();

const transcriptSchema = z
  .object({
    format: z.literal(TRANSCRIPT_FORMAT),
    instance: z.string().min(1),
    circuitHash: blake2bHex,
    snarkjsVersion: z.string(),
    r1cs: z.object({ file: fileName, sha256: sha256Hex }).strict(),
    ptau: z
      .object({
        file: z.string(),
        power: z.number().int().positive(),
        sha256: sha256Hex,
        blake2b: blake2bHex,
        /** The published file it is (e.g. `powersOfTau28_hez_final_16.ptau`), or null for an unknown file. */
        known: z.string().nullable(),
        /** False only for a public (Hermez/Polygon) ceremony file. */
        development: z.boolean(),
      })
      .strict(),
    initial: z.object({ file: fileName, sha256: sha256Hex, time: isoTime }).strict(),
    contributions: z.array(stepSchema),
    final: finalSchema.optional(),
  })
  .strict();

/** One contribution (or the final beacon) as the transcript records it. */
export type CeremonyStep = z.infer<typeof stepSchema>;
/** What `finalize` produced, recorded so an audit can tie deployed keys to the ceremony. */
export type CeremonyFinal = z.infer<typeof finalSchema>;
/** The whole transcript. */
export type CeremonyTranscript = z.infer<typeof transcriptSchema>;

/** `NAME_0003.zkey`: the zkey after contribution 3 (0 = the initial zkey). */
export function zkeyFileName(instance: string, index: number): string {
  return `${instance}_${String(index).padStart(4, "0")}.zkey`;
}

/** The zkey a transcript currently ends with. */
export function latestStepFile(transcript: CeremonyTranscript): string {
  return transcript.contributions.at(-1)?.file ?? transcript.initial.file;
}

/** True once `finalize` has applied the beacon. */
export function isFinalized(transcript: CeremonyTranscript): boolean {
  return transcript.contributions.at(-1)?.kind === "beacon";
}

/** How a step is named in messages: `contribution #2 "Bob"` or `beacon #4`. */
export function stepLabel(step: { index: number; kind: string; name: string }): string {
  return step.kind === "beacon" ? `beacon #${step.index}` : `contribution #${step.index} "${step.name}"`;
}

/**
 * Checks a contributor name: non-empty, printable (no control characters, so it survives logs and
 * terminals), at most 64 UTF-8 bytes (what snarkjs stores). Throws naming `--name`.
 */
export function checkContributorName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new UserError("a contributor name is required", { where: "--name", exitCode: 2 });
  if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) throw new UserError("the name must not contain control characters", { where: "--name", exitCode: 2 });
  if (Buffer.byteLength(trimmed, "utf8") > MAX_NAME_BYTES) {
    throw new UserError(`the name is longer than ${MAX_NAME_BYTES} UTF-8 bytes (snarkjs stores no more)`, { where: "--name", exitCode: 2 });
  }
  return trimmed;
}

/** Path of the transcript of a ceremony folder. */
export function transcriptPath(dir: string): string {
  return path.join(dir, TRANSCRIPT_FILE);
}

/**
 * Reads and validates `DIR/transcript.json`. A missing folder, a missing transcript, bad JSON or a
 * field of the wrong shape is a UserError naming the file (and the field).
 */
export function readTranscript(dir: string): CeremonyTranscript {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError("no such ceremony folder", { where: dir, exitCode: 2 });
  }
  const file = transcriptPath(dir);
  if (!existsSync(file)) {
    throw new UserError("no ceremony transcript here (start one with `homeostat ceremony init`)", { where: file, exitCode: 2 });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { where: file });
  }
  const parsed = transcriptSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
    throw new UserError(`${field || "(root)"}: ${issue.message}`, { where: file });
  }
  return parsed.data;
}

/** Serialises a transcript (stable key order, two-space indent, final newline). */
export function transcriptJson(transcript: CeremonyTranscript): string {
  return `${JSON.stringify(transcript, null, 2)}\n`;
}

/** Writes `DIR/transcript.json` atomically. */
export function writeTranscript(dir: string, transcript: CeremonyTranscript): void {
  writeFileAtomic(transcriptPath(dir), transcriptJson(transcript));
}
