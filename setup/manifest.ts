/**
 * The per-instance build manifest, `build/circuits/NAME/manifest.json`: what was built (hashes of r1cs,
 * wasm, zkey, verification key, verifier), from what (spec, sources, tool versions, powers of tau) and how
 * (contribution and beacon). Its `inputs` fingerprint decides whether a later `setup` has anything to do.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { canonicalJson, sha256, sha256File } from "./files.ts";
import { BUILD_DIR, PROJECT_ROOT, instanceDir } from "../core/node/instances.ts";
import type { LockedSpec } from "./lock.ts";
import type { ToolVersions } from "./tools.ts";

export const MANIFEST_FORMAT = "homeostat-setup-manifest/1";
/** Bump when the pipeline changes what it makes from the same inputs: every build is then redone. */
export const PIPELINE_VERSION = 1;

export type BuildMode = "groth16" | "compile-only";

export interface ArtifactRecord {
  /** Project-relative path. */
  path: string;
  sha256: string;
  size: number;
}

export interface SetupManifest {
  format: typeof MANIFEST_FORMAT;
  instance: string;
  group: string;
  mode: BuildMode;
  spec: LockedSpec;
  sources: { files: Record<string, string>; libraries: Record<string, string> };
  tools: ToolVersions;
  circuit: { constraints: number; wires: number; publicSignals: number; privateInputs: number; ptauPowerNeeded: number };
  /** Present for groth16 builds. */
  ptau?: {
    path: string;
    name: string;
    power: number;
    size: number;
    sha256: string;
    blake2b: string;
    known: string | null;
    development: boolean;
    source: string;
  };
  phase2?: {
    csHash: string;
    contributions: Array<{ name: string; hash: string; entropy: string }>;
    beacon: { name: string; hash: string; iterationsExp: number; contributionHash: string };
    /** `zkey verify` passed (false: built without it, e.g. by the demo; the next verifying `setup` runs it). */
    verified: boolean;
  };
  lock: { file: string; pinned: boolean };
  verifierContract?: string;
  artifacts: Partial<Record<"r1cs" | "wasm" | "sym" | "zkey" | "vkey" | "verifier", ArtifactRecord>>;
  /** sha256 of the canonical JSON of everything the outputs depend on. */
  inputs: string;
  createdAt: string;
  durationMs: number;
}

/** Project-relative manifest path of an instance. */
export function manifestPath(name: string, buildDir: string = BUILD_DIR): string {
  return `${instanceDir(name, buildDir)}/manifest.json`;
}

/** The manifest of an instance's current build, or undefined (missing or unreadable: rebuild). */
export function readManifest(name: string): SetupManifest | undefined {
  const file = path.join(PROJECT_ROOT, manifestPath(name));
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as SetupManifest;
    return m.format === MANIFEST_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Fingerprint of a build's inputs (sha256 of their canonical JSON). */
export function inputsFingerprint(inputs: Record<string, unknown>): string {
  return sha256(canonicalJson({ pipeline: PIPELINE_VERSION, ...inputs }));
}

/** Records an artifact (path relative to the project root, hashed where it lies now). */
export function artifactRecord(finalPath: string, currentAbsPath: string = path.join(PROJECT_ROOT, finalPath)): ArtifactRecord {
  return { path: finalPath, sha256: sha256File(currentAbsPath), size: statSync(currentAbsPath).size };
}

/**
 * The first reason the recorded artifacts are not what the manifest says (missing, moved, changed), or
 * undefined when every one is in place with its recorded sha256.
 */
export function staleArtifact(manifest: SetupManifest, expectedPaths: Partial<Record<keyof SetupManifest["artifacts"], string>>): string | undefined {
  for (const [kind, expected] of Object.entries(expectedPaths)) {
    const record = manifest.artifacts[kind as keyof SetupManifest["artifacts"]];
    if (!record) return `${kind} missing from the manifest`;
    if (record.path !== expected) return `${kind} moved (${record.path} -> ${expected})`;
    const abs = path.join(PROJECT_ROOT, expected);
    if (!existsSync(abs)) return `${expected} is missing`;
    if (sha256File(abs) !== record.sha256) return `${expected} changed since the last setup`;
  }
  return undefined;
}
