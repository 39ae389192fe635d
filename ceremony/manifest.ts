/**
 * The manifest `ceremony finalize` installs next to the final zkey: the setup pipeline's manifest
 * (`homeostat-setup-manifest/1`, setup/manifest.ts) describing the same artifacts, with `phase2`
 * filled from the ceremony and an extra `ceremony` record naming the transcript (path and sha256), the
 * contributors and their contribution hashes, and the beacon. Whoever reads the manifest can go from a
 * deployed verification key to the transcript that `ceremony verify` and `audit` check.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { artifactRecord, inputsFingerprint, MANIFEST_FORMAT, type ArtifactRecord, type SetupManifest } from "../setup/manifest.ts";
import { loadInstances, PROJECT_ROOT } from "../core/node/instances.ts";
import { lockFileFor, readLock } from "../setup/lock.ts";
import type { PtauFile } from "../setup/ptau.ts";
import { readR1csInfo, requiredPtauPower } from "../setup/r1cs-info.ts";
import { collectSources } from "../setup/sources.ts";
import { toolVersions } from "../setup/tools.ts";
import type { CeremonyTranscript } from "./transcript.ts";

/** The ceremony part of an installed manifest. */
export interface CeremonyRecord {
  /** Where the transcript was when the ceremony was finalized (absolute; the folder is what gets published). */
  transcript: string;
  transcriptSha256: string;
  circuitHash: string;
  contributions: Array<{ index: number; name: string; contributionHash: string; time: string }>;
  beacon: { value: string; iterationsExp: number; contributionHash: string };
  finalZkeySha256: string;
}

/** A setup manifest whose phase 2 is a multi-party ceremony. */
export type CeremonyManifest = SetupManifest & { ceremony: CeremonyRecord };

/** Where each final artifact goes and, for the manifest, the build artifacts that already lie there. */
export interface InstallTarget {
  zkey: string;
  vkey: string;
  verifier: string;
  manifest: string;
}

/** Inputs of `ceremonyManifest`: the staged files are hashed where they lie now, recorded under their final paths. */
export interface ManifestInput {
  transcript: CeremonyTranscript;
  transcriptFile: string;
  transcriptSha256: string;
  target: InstallTarget;
  /** Final path -> where the file is staged now. */
  staged: Map<string, string>;
  ptau: PtauFile;
  /** The compiled circuit (r1cs, and wasm/sym when installing into the build folder). */
  compiled: { r1cs: string; wasm?: string; sym?: string };
  startedAt: number;
}

/** A path as manifests record it: project-relative (posix) inside the project, absolute outside. */
export function recordedPath(abs: string): string {
  const rel = path.relative(PROJECT_ROOT, abs);
  return rel.startsWith("..") || path.isAbsolute(rel) ? abs : rel.split(path.sep).join("/");
}

/** Builds the manifest of a finalized ceremony (see the module header). */
export async function ceremonyManifest(input: ManifestInput): Promise<CeremonyManifest> {
  const { transcript: t, target, staged } = input;
  const spec = loadInstances()[t.instance]!;
  const tools = await toolVersions();
  const info = readR1csInfo(input.compiled.r1cs);
  const beacon = t.contributions.at(-1)!;
  const people = t.contributions.filter((s) => s.kind === "contribution");
  const record = (finalAbs: string): ArtifactRecord => artifactRecord(recordedPath(finalAbs), staged.get(finalAbs) ?? finalAbs);

  const artifacts: SetupManifest["artifacts"] = { r1cs: record(input.compiled.r1cs) };
  if (input.compiled.wasm && existsSync(input.compiled.wasm)) artifacts.wasm = record(input.compiled.wasm);
  if (input.compiled.sym && existsSync(input.compiled.sym)) artifacts.sym = record(input.compiled.sym);
  artifacts.zkey = record(target.zkey);
  artifacts.vkey = record(target.vkey);
  artifacts.verifier = record(target.verifier);

  let pinned = false;
  try {
    pinned = readLock()?.instances[t.instance]?.r1cs === t.r1cs.sha256;
  } catch {
    pinned = false;
  }
  const sources = collectSources(spec);
  const ptau = input.ptau;
  const ceremony: CeremonyRecord = {
    transcript: input.transcriptFile,
    transcriptSha256: input.transcriptSha256,
    circuitHash: t.circuitHash,
    contributions: people.map((s) => ({ index: s.index, name: s.name, contributionHash: s.contributionHash, time: s.time })),
    beacon: { value: beacon.beacon!.hash, iterationsExp: beacon.beacon!.iterationsExp, contributionHash: beacon.contributionHash },
    finalZkeySha256: beacon.sha256,
  };
  return {
    format: MANIFEST_FORMAT,
    instance: t.instance,
    group: spec.group,
    mode: "groth16",
    spec: { file: spec.file, template: spec.template, params: [...spec.params], pubs: [...spec.pubs] },
    sources: { files: sources.files, libraries: sources.libraries },
    tools,
    circuit: {
      constraints: info.constraints,
      wires: info.wires,
      publicSignals: info.publicSignals,
      privateInputs: info.privateInputs,
      ptauPowerNeeded: requiredPtauPower(info),
    },
    ptau: {
      path: ptau.path,
      name: ptau.name,
      power: ptau.power,
      size: statSync(ptau.path).size,
      sha256: ptau.sha256,
      blake2b: ptau.blake2b,
      known: ptau.known?.name ?? null,
      development: ptau.development,
      source: ptau.source,
    },
    phase2: {
      csHash: t.circuitHash,
      contributions: people.map((s) => ({ name: s.name, hash: s.contributionHash, entropy: "private to the contributor (ceremony)" })),
      beacon: { name: beacon.name, hash: beacon.beacon!.hash, iterationsExp: beacon.beacon!.iterationsExp, contributionHash: beacon.contributionHash },
      verified: true,
    },
    lock: { file: lockFileFor(), pinned },
    verifierContract: t.final?.verifier.contract,
    artifacts,
    inputs: inputsFingerprint({ ceremony: input.transcriptSha256, r1cs: t.r1cs.sha256, ptau: ptau.blake2b }),
    createdAt: new Date().toISOString(),
    durationMs: Date.now() - input.startedAt,
    ceremony,
  };
}
