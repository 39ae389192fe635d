/**
 * A content-addressed cache of built instances outside the repository, so a fresh clone on the same
 * machine (a CI run, a second checkout) sets up in seconds instead of recompiling and redoing phase 2.
 *
 * Key: sha256 over the manifest's `inputs` fingerprint (instance spec, circuit sources and library
 * versions, tool versions, the circuit lock's r1cs/wasm hashes, the ptau's blake2b, the beacon, the
 * verifier path; setup/pipeline.ts `buildInputs`) and the build folder. Same key, same artifacts: a hit
 * only happens when everything the outputs depend on is the same.
 *
 * Layout: `<cache>/artifacts/<key>/manifest.json` plus one file per artifact kind (`r1cs`, `wasm`, `sym`,
 * `zkey`, `vkey`, `verifier`). An entry is written in a temporary folder and renamed into place, so a
 * reader sees it whole or not at all. Restoring checks every file's sha256 against the entry's manifest
 * (a damaged entry is deleted and the instance is built). Entries are write-once (see storeArtifacts).
 * `HOMEOSTAT_ARTIFACT_CACHE=0` turns the cache off; `setup --force` does not read it.
 *
 * The zkey in an entry carries the random phase-2 contribution of the build that made it: a restored key
 * is that build's key, exactly as if the build folder had been kept.
 */
import { copyFileSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUILD_DIR, PROJECT_ROOT } from "../core/node/instances.ts";
import { canonicalJson, moveIntoPlace, sha256, sha256File, writeFileAtomic } from "./files.ts";
import { MANIFEST_FORMAT, type SetupManifest } from "./manifest.ts";

type Kind = keyof SetupManifest["artifacts"];

/** Whether the cache is on (`HOMEOSTAT_ARTIFACT_CACHE=0` turns it off). */
export function artifactCacheEnabled(): boolean {
  return process.env.HOMEOSTAT_ARTIFACT_CACHE !== "0";
}

/** The cache key of a build (see the module header). */
export function artifactKey(inputs: string, buildDir: string = BUILD_DIR): string {
  return sha256(canonicalJson({ format: "homeostat-artifact-cache/1", inputs, buildDir }));
}

function entryDir(cacheDir: string, key: string): string {
  return path.join(cacheDir, "artifacts", key);
}

/**
 * Copies a finished build into the cache (its files as installed under the project root). Entries are
 * write-once: when the key already has one (another checkout built the same inputs, with its own random
 * contribution), it is kept, and only its manifest may be updated, atomically, and only when it describes
 * the very same files (e.g. to record that `zkey verify` has now passed). Failures only cost speed next
 * time, so they are returned as a reason rather than thrown.
 */
export function storeArtifacts(cacheDir: string, manifest: SetupManifest): string | undefined {
  const key = artifactKey(manifest.inputs);
  const final = entryDir(cacheDir, key);
  let tmp: string | undefined;
  try {
    const existing = readEntryManifest(final);
    if (existing) {
      if (sameFiles(existing, manifest)) writeFileAtomic(path.join(final, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      return undefined;
    }
    mkdirSync(path.dirname(final), { recursive: true });
    tmp = mkdtempSync(path.join(path.dirname(final), `.${key.slice(0, 16)}-`));
    for (const [kind, record] of Object.entries(manifest.artifacts) as Array<[Kind, SetupManifest["artifacts"][Kind]]>) {
      if (!record) continue;
      // A copy-on-write clone where the file system has them, a plain copy elsewhere.
      copyFileSync(path.join(PROJECT_ROOT, record.path), path.join(tmp, kind), constants.COPYFILE_FICLONE);
      if (sha256File(path.join(tmp, kind)) !== record.sha256) throw new Error(`${record.path} changed while it was being cached`);
    }
    writeFileSync(path.join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    try {
      renameSync(tmp, final);
      tmp = undefined;
    } catch (e) {
      // Another process stored this key first: keep its entry (write-once).
      if (!existsSync(final)) throw e;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

function readEntryManifest(dir: string): SetupManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as SetupManifest;
  } catch {
    return undefined;
  }
}

/** The two manifests record the same artifact files (kinds and hashes). */
function sameFiles(a: SetupManifest, b: SetupManifest): boolean {
  const kinds = new Set([...Object.keys(a.artifacts), ...Object.keys(b.artifacts)]) as Set<Kind>;
  return [...kinds].every((k) => a.artifacts[k]?.sha256 !== undefined && a.artifacts[k]?.sha256 === b.artifacts[k]?.sha256);
}

export type RestoreResult =
  | { restored: true; manifest: SetupManifest; key: string }
  | { restored: false; key: string; reason: string };

/**
 * Installs the cached build of `inputs`, if there is an intact one, at `finals` (project-relative paths by
 * artifact kind). The entry's manifest is read once; every file is copied next to its final place first and
 * the copies are checked against that manifest, so what is installed is exactly the build the manifest
 * describes even if another process touches the entry meanwhile; only then are they renamed into place.
 * Any failure is a cache miss (the caller builds).
 */
export function restoreArtifacts(cacheDir: string, inputs: string, finals: Partial<Record<Kind, string>>): RestoreResult {
  const key = artifactKey(inputs);
  const dir = entryDir(cacheDir, key);
  if (!existsSync(path.join(dir, "manifest.json"))) return { restored: false, key, reason: "not in the artifact cache" };
  const manifest = readEntryManifest(dir);
  const kinds = Object.keys(finals) as Kind[];
  if (!manifest || manifest.format !== MANIFEST_FORMAT || manifest.inputs !== inputs || kinds.some((k) => !manifest.artifacts[k])) {
    rmSync(dir, { recursive: true, force: true });
    return { restored: false, key, reason: "damaged artifact cache entry (manifest; removed)" };
  }
  const staged: Array<[string, string]> = [];
  try {
    for (const kind of kinds) {
      const to = path.join(PROJECT_ROOT, finals[kind]!);
      mkdirSync(path.dirname(to), { recursive: true });
      const tmp = `${to}.restore-${process.pid}`;
      staged.push([tmp, to]);
      copyFileSync(path.join(dir, kind), tmp, constants.COPYFILE_FICLONE);
      if (sha256File(tmp) !== manifest.artifacts[kind]!.sha256) {
        rmSync(dir, { recursive: true, force: true });
        return { restored: false, key, reason: `damaged artifact cache entry (${kind}; removed)` };
      }
    }
    for (const [tmp, to] of staged) moveIntoPlace(tmp, to);
  } catch (e) {
    return { restored: false, key, reason: `artifact cache entry unusable (${(e as Error).message.split("\n")[0]})` };
  } finally {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
  }
  const artifacts: SetupManifest["artifacts"] = {};
  for (const kind of kinds) artifacts[kind] = { ...manifest.artifacts[kind]!, path: finals[kind]! };
  return { restored: true, key, manifest: { ...manifest, artifacts } };
}

/** Whether the cache holds an entry for these inputs (not checked for damage: restoring does that). */
export function isCached(cacheDir: string, inputs: string): boolean {
  return existsSync(path.join(entryDir(cacheDir, artifactKey(inputs)), "manifest.json"));
}
