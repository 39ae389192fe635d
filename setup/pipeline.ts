/**
 * The trusted-setup pipeline behind `homeostat setup`. Per instance of circuits/circuits.json:
 * compile (circom2) -> check r1cs/wasm against the circuit lock -> check the powers of tau fits ->
 * Groth16 phase 2 (`zkey new`, one random contribution, a fixed public beacon, `zkey verify`) -> export
 * the verification key and the Solidity verifier -> write the manifest. Instances of the `dev` group are
 * compile-only. Everything is made in a staging folder and renamed into place at the end, so a failure
 * leaves neither a partial artifact nor a changed previous build. A build whose inputs (spec, sources,
 * tools, lock entry, ptau hash, beacon) are unchanged, and whose artifacts are intact, is left alone.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { artifactCacheEnabled, isCached, restoreArtifacts, storeArtifacts } from "./artifact-cache.ts";
import { compileInstance, compiledPaths, mainSource } from "./compile.ts";
import { moveIntoPlace, sha256File, writeFileAtomic } from "./files.ts";
import { withFileLock } from "../core/node/file-lock.ts";
import { BUILD_DIR, CIRCUITS_JSON, DEV_GROUP, PROJECT_ROOT, instanceDir, loadInstances, selectInstances, type InstanceSpec } from "../core/node/instances.ts";
import { LOCK_REFRESH_COMMAND, assertCompiledMatchesLock, compareSources, lockFileFor, readLock, type CircuitsLock } from "./lock.ts";
import { inputsFingerprint, manifestPath, readManifest, staleArtifact, MANIFEST_FORMAT, type ArtifactRecord, type BuildMode, type SetupManifest } from "./manifest.ts";
import type { Reporter } from "./progress.ts";
import { assertPtauFits, defaultCacheDir, explicitPtau, inspectPtau, resolvePtau, type PtauFile } from "./ptau.ts";
import { readR1csInfo, requiredPtauPower } from "./r1cs-info.ts";
import { hashHex, loadSnarkjs } from "./snarkjs.ts";
import { collectSources } from "./sources.ts";
import { groth16VerifierTemplate, toolVersions, type ToolVersions } from "./tools.ts";
import { finishVerifierSource, verifierContractName, verifierPath } from "./verifier.ts";

/**
 * The public beacon of every phase 2: sha256 of the ASCII text "homeostat phase-2 beacon v1", applied with
 * 2^10 iterations (snarkjs's minimum). It is fixed and documented so anyone can replay the beacon step;
 * the secrecy of the setup rests on the random contribution made before it, which is discarded.
 */
export const PHASE2_BEACON = { hash: "398456655aa4f841253e1668659595aba4601f7b90759496f17e72a7126cc4c3", iterationsExp: 10 } as const;

export interface SetupOptions {
  /** Instance or group names; `all` selects every non-dev instance. */
  instances?: string[];
  all?: boolean;
  /** --ptau FILE (else HOMEOSTAT_PTAU, else the resolution order of ptau.ts). */
  ptau?: string;
  /** Rebuild even when up to date. */
  force?: boolean;
  reporter: Reporter;
  cacheDir?: string;
  /**
   * Run `zkey verify` (the key is a phase 2 of this r1cs over this ptau) after building, and on an up-to-date
   * or restored build that was not verified yet. Default true; the demo turns it off (DESIGN: verification
   * belongs where it adds assurance: `setup`, `audit`, the ceremony).
   */
  verify?: boolean;
}

export type InstanceStatus = "built" | "compiled" | "restored" | "up-to-date";

export interface InstanceResult {
  instance: string;
  group: string;
  mode: BuildMode;
  status: InstanceStatus;
  /** Why it was (re)built, or that nothing changed. */
  reason: string;
  constraints: number;
  publicSignals: number;
  ptauPowerNeeded: number;
  manifest: string;
  artifacts: SetupManifest["artifacts"];
  ptau?: { name: string; path: string; power: number; blake2b: string; development: boolean };
  /** The key was installed by `ceremony finalize` (and kept). */
  fromCeremony?: true;
  durationMs: number;
}

export interface SetupSummary {
  ok: true;
  instances: InstanceResult[];
  durationMs: number;
}

/** Runs setup for the selected instances, one after the other (two cores are enough for one at a time). */
export async function runSetup(options: SetupOptions): Promise<SetupSummary> {
  const start = Date.now();
  const table = loadInstances();
  if (options.all && options.instances?.length) throw new UserError("give either --instance or --all, not both", { where: "--all", exitCode: 2 });
  const names = options.instances?.length
    ? [...new Set(options.instances.flatMap((n) => selectInstances(table, n)))]
    : Object.keys(table).filter((n) => table[n]!.group !== DEV_GROUP);
  if (names.length === 0) throw new UserError("no instances to set up (every instance is in the dev group; name one with --instance)", { where: CIRCUITS_JSON });

  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const context: Context = {
    reporter: options.reporter,
    cacheDir,
    force: options.force ?? false,
    lock: readLock(),
    tools: await toolVersions(),
    explicitPtau: undefined,
    resolvedPtau: new Map(),
    verify: options.verify ?? true,
  };
  // An explicit ptau is checked once, before any compilation, so a bad file fails fast.
  const explicit = explicitPtau(options.ptau);
  if (explicit && names.some((n) => table[n]!.group !== DEV_GROUP)) {
    context.explicitPtau = await inspectPtau(explicit.path, explicit.source, { cacheDir, reporter: options.reporter });
    noteDevelopmentPtau(context.explicitPtau, options.reporter);
  }
  // One ptau for every instance, of the largest power any Groth16 instance of the lock needs (read before
  // compiling): a generated development file is made once, at that power, and every smaller circuit reuses
  // it. Not just the selected instances: the demo (test instances) and `setup --all` would otherwise pick
  // files of different powers and replace each other's keys on every switch.
  if (!context.explicitPtau && names.some((n) => table[n]!.group !== DEV_GROUP)) {
    const powers = Object.keys(table)
      .filter((n) => table[n]!.group !== DEV_GROUP)
      .map((n) => context.lock?.instances[n])
      .filter((e): e is NonNullable<typeof e> => e !== undefined)
      .map((e) => requiredPtauPower(e));
    if (powers.length > 0) await ptauFor(Math.max(...powers), context);
  }
  const instances: InstanceResult[] = [];
  for (const name of names) instances.push(await setupInstance(name, table[name]!, context));
  return { ok: true, instances, durationMs: Date.now() - start };
}

interface Context {
  reporter: Reporter;
  cacheDir: string;
  force: boolean;
  lock: CircuitsLock | undefined;
  tools: ToolVersions;
  explicitPtau: PtauFile | undefined;
  resolvedPtau: Map<number, PtauFile>;
  verify: boolean;
}

function noteDevelopmentPtau(ptau: PtauFile, reporter: Reporter): void {
  if (ptau.known?.kind === "development") {
    reporter.info(`using ${ptau.name}: ${ptau.known.provenance}`);
  } else if (!ptau.known) {
    reporter.info(`using ${ptau.shownPath}: not a known public file; its sha256 and blake2b go into the manifest`);
  }
}

async function ptauFor(power: number, context: Context): Promise<PtauFile> {
  if (context.explicitPtau) return context.explicitPtau;
  for (const [p, file] of context.resolvedPtau) if (p >= power || file.power >= power) return file;
  const file = await resolvePtau({ power, cacheDir: context.cacheDir, reporter: context.reporter });
  context.resolvedPtau.set(power, file);
  return file;
}

/** Everything the outputs depend on, hashed into the manifest's `inputs`. */
function buildInputs(
  name: string,
  spec: InstanceSpec,
  mode: BuildMode,
  sources: ReturnType<typeof collectSources>,
  context: Context,
  ptau: PtauFile | undefined,
): string {
  const entry = context.lock?.instances[name];
  return inputsFingerprint({
    instance: name,
    mode,
    spec: { file: spec.file, template: spec.template, params: spec.params, pubs: spec.pubs },
    sources,
    tools: { circom: context.tools.circom, circom2: context.tools.circom2, snarkjs: context.tools.snarkjs },
    lock: entry ? { r1cs: entry.r1cs, wasm: entry.wasm } : null,
    ptau: ptau ? ptau.blake2b : null,
    beacon: mode === "groth16" ? PHASE2_BEACON : null,
    verifier: mode === "groth16" ? verifierPath(name) : null,
  });
}

/** The manifest's record of the ptau a build used. */
function ptauRecord(ptau: PtauFile): NonNullable<SetupManifest["ptau"]> {
  return {
    path: ptau.path,
    name: ptau.name,
    power: ptau.power,
    size: ptau.size,
    sha256: ptau.sha256,
    blake2b: ptau.blake2b,
    known: ptau.known?.name ?? null,
    development: ptau.development,
    source: ptau.source,
  };
}

/** What changed in the circuit itself since `previous` (spec, sources, libraries, compiler), if anything. */
function circuitChange(previous: SetupManifest, spec: InstanceSpec, sources: ReturnType<typeof collectSources>, context: Context): string | undefined {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(previous.spec, { file: spec.file, template: spec.template, params: spec.params, pubs: spec.pubs })) return "instance spec changed";
  const changedFile = [...new Set([...Object.keys(previous.sources.files), ...Object.keys(sources.files)])].find(
    (f) => previous.sources.files[f] !== sources.files[f],
  );
  if (changedFile) return `${changedFile} changed`;
  if (!same(previous.sources.libraries, sources.libraries)) return "circuit library version changed";
  for (const tool of ["circom", "circom2"] as const) {
    if (previous.tools[tool] !== context.tools[tool]) return `${tool} ${previous.tools[tool]} -> ${context.tools[tool]}`;
  }
  return undefined;
}

/** A readable reason for a changed inputs fingerprint (the first input that differs). */
function whatChanged(previous: SetupManifest, spec: InstanceSpec, sources: ReturnType<typeof collectSources>, context: Context, ptau: PtauFile | undefined): string {
  const circuit = circuitChange(previous, spec, sources, context);
  if (circuit) return circuit;
  if (previous.tools.snarkjs !== context.tools.snarkjs) return `snarkjs ${previous.tools.snarkjs} -> ${context.tools.snarkjs}`;
  if (previous.ptau?.blake2b !== ptau?.blake2b) return `different ptau (${ptau?.name ?? "none"})`;
  return "lock entry, output folder or pipeline version changed";
}

function expectedArtifacts(name: string, mode: BuildMode): Partial<Record<keyof SetupManifest["artifacts"], string>> {
  const c = compiledPaths(name);
  const dir = instanceDir(name);
  return mode === "groth16"
    ? { r1cs: c.r1cs, wasm: c.wasm, sym: c.sym, zkey: `${dir}/${name}.zkey`, vkey: `${dir}/${name}.vkey.json`, verifier: verifierPath(name) }
    : { r1cs: c.r1cs, wasm: c.wasm, sym: c.sym };
}

function resultFrom(manifest: SetupManifest, status: InstanceStatus, reason: string, durationMs: number): InstanceResult {
  return {
    instance: manifest.instance,
    group: manifest.group,
    mode: manifest.mode,
    status,
    reason,
    constraints: manifest.circuit.constraints,
    publicSignals: manifest.circuit.publicSignals,
    ptauPowerNeeded: manifest.circuit.ptauPowerNeeded,
    manifest: manifestPath(manifest.instance),
    artifacts: manifest.artifacts,
    ...(manifest.ptau
      ? { ptau: { name: manifest.ptau.name, path: manifest.ptau.path, power: manifest.ptau.power, blake2b: manifest.ptau.blake2b, development: manifest.ptau.development } }
      : {}),
    ...("ceremony" in manifest && manifest.ceremony ? { fromCeremony: true as const } : {}),
    durationMs,
  };
}

/** One instance at a time per build folder: a second `setup` of it waits, then usually finds it up to date. */
function setupInstance(name: string, spec: InstanceSpec, context: Context): Promise<InstanceResult> {
  const lockFile = path.join(PROJECT_ROOT, instanceDir(name), ".setup.lock");
  return withFileLock(
    lockFile,
    (holder) => context.reporter.info(`${name}: waiting for another setup of it (process ${holder})`),
    () => setupInstanceLocked(name, spec, context),
  );
}

async function setupInstanceLocked(name: string, spec: InstanceSpec, context: Context): Promise<InstanceResult> {
  const start = Date.now();
  const { reporter } = context;
  const mode: BuildMode = spec.group === DEV_GROUP ? "compile-only" : "groth16";
  const sources = collectSources(spec);
  const entry = context.lock?.instances[name];
  const lockFile = lockFileFor();
  if (!entry) {
    reporter.warn(`${name}: not pinned in ${lockFile}; run \`${LOCK_REFRESH_COMMAND}\` and commit the lock`);
  } else {
    const drift = compareSources(name, spec, sources, entry);
    if (drift.length > 0) {
      reporter.warn(`${name}: sources differ from ${lockFile} (${drift.map((d) => `${d.file ?? "spec"} ${d.reason}`).join("; ")}); the compiled circuit is checked against the lock`);
    }
  }

  // Up to date? Decided from hashes only: no compilation, and the ptau hash comes from the hash cache.
  const previous = readManifest(name);
  let reason = context.force ? "--force" : "no previous build";
  const ceremony = previous && "ceremony" in previous && previous.ceremony ? previous : undefined;
  if (ceremony) {
    // A key installed by `ceremony finalize`: kept while the circuit and the installed files are the
    // ceremony's (its inputs fingerprint is the ceremony's, so the comparison below does not apply).
    const stale = context.force ? "--force" : (circuitChange(ceremony, spec, sources, context) ?? staleArtifact(ceremony, expectedArtifacts(name, mode)));
    if (!stale) {
      const result = resultFrom(ceremony, "up-to-date", "key from a multi-party ceremony (ceremony finalize); --force replaces it", Date.now() - start);
      reporter.info(`${name}: up to date (key from a multi-party ceremony)`);
      return result;
    }
    reporter.warn(`${name}: ${stale}: replacing the key installed by a multi-party ceremony with a development key (the ceremony folder can finalize it again)`);
    reason = stale;
  } else if (previous && !context.force) {
    const ptau = mode === "groth16" ? await ptauFor(previous.circuit.ptauPowerNeeded, context) : undefined;
    const inputs = buildInputs(name, spec, mode, sources, context, ptau);
    const stale =
      previous.mode !== mode
        ? `mode changed to ${mode}`
        : previous.inputs !== inputs
          ? whatChanged(previous, spec, sources, context, ptau)
          : staleArtifact(previous, expectedArtifacts(name, mode));
    if (!stale) {
      const manifest = await verifyIfNeeded(name, previous, context);
      if (manifest) {
        // Builds made before the cache existed (or with it off) seed it, so the next clone restores them.
        if (artifactCacheEnabled() && !isCached(context.cacheDir, manifest.inputs)) storeArtifacts(context.cacheDir, manifest);
        const result = resultFrom(manifest, "up-to-date", "inputs and artifacts unchanged", Date.now() - start);
        reporter.info(`${name}: up to date`);
        return result;
      }
      reason = "the installed zkey does not verify";
    } else {
      reason = stale;
    }
  }
  reporter.info(`${name}: building (${reason})`);

  // The same inputs were built before (another clone, a cleaned build folder): restore that build.
  if (!context.force && entry && artifactCacheEnabled() && compareSources(name, spec, sources, entry).length === 0) {
    const ptau = mode === "groth16" ? await ptauFor(requiredPtauPower(entry), context) : undefined;
    const hit = restoreArtifacts(context.cacheDir, buildInputs(name, spec, mode, sources, context, ptau), expectedArtifacts(name, mode));
    if (hit.restored) {
      // The same ptau content (its blake2b is in the key), at this machine's path and from this run's source.
      const restored: SetupManifest = ptau ? { ...hit.manifest, ptau: ptauRecord(ptau) } : hit.manifest;
      rmSync(path.join(PROJECT_ROOT, manifestPath(name)), { force: true });
      writeFileAtomic(path.join(PROJECT_ROOT, `${instanceDir(name)}/${name}.circom`), mainSource(name, spec));
      writeFileAtomic(path.join(PROJECT_ROOT, manifestPath(name)), `${JSON.stringify(restored, null, 2)}\n`);
      const verified = await verifyIfNeeded(name, restored, context);
      if (verified) {
        const result = resultFrom(verified, "restored", `restored from the artifact cache (${reason})`, Date.now() - start);
        reporter.info(`${name}: restored from the artifact cache ${path.join(context.cacheDir, "artifacts", hit.key.slice(0, 12))}… in ${(result.durationMs / 1000).toFixed(1)} s`);
        return result;
      }
      reason = "the cached zkey does not verify";
      reporter.warn(`${name}: ${reason}; building it`);
    } else if (hit.reason !== "not in the artifact cache") {
      reporter.warn(`${name}: ${hit.reason}`);
    }
  }
  // Sources as locked: the lock's constraint count is the circuit's, so a too-small explicit ptau fails
  // now rather than after compiling (the compiled circuit is checked against the lock, and again below).
  if (mode === "groth16" && entry && context.explicitPtau && compareSources(name, spec, sources, entry).length === 0) {
    assertPtauFits(context.explicitPtau, name, entry);
  }

  const buildRoot = path.join(PROJECT_ROOT, BUILD_DIR);
  mkdirSync(buildRoot, { recursive: true });
  // Staging folders of this instance left by an interrupted run (we hold its lock, so none is live).
  const leftover = new RegExp(`^\\.setup-${name}-[A-Za-z0-9]{6}$`);
  for (const entry of readdirSync(buildRoot)) if (leftover.test(entry)) rmSync(path.join(buildRoot, entry), { recursive: true, force: true });
  const stagingAbs = mkdtempSync(path.join(buildRoot, `.setup-${name}-`));
  const staging = path.relative(PROJECT_ROOT, stagingAbs).split(path.sep).join("/");
  try {
    const compiled = await reporter.step(`${name}: compiling (circom ${context.tools.circom})`, () => compileInstance(name, spec, staging));
    const abs = (rel: string) => path.join(PROJECT_ROOT, rel);
    const hashes = { r1cs: sha256File(abs(compiled.r1cs)), wasm: sha256File(abs(compiled.wasm)) };
    if (entry) assertCompiledMatchesLock(name, entry, hashes, lockFile);
    const info = readR1csInfo(abs(compiled.r1cs));
    const powerNeeded = requiredPtauPower(info);
    reporter.info(`${name}: ${info.constraints} constraints, ${info.publicSignals} public signals (needs a ptau of 2^${powerNeeded})`);

    const finals = expectedArtifacts(name, mode);
    const staged: Partial<Record<keyof SetupManifest["artifacts"], string>> = { r1cs: compiled.r1cs, wasm: compiled.wasm, sym: compiled.sym };
    let ptau: PtauFile | undefined;
    let phase2: SetupManifest["phase2"];
    if (mode === "groth16") {
      ptau = await ptauFor(powerNeeded, context);
      assertPtauFits(ptau, name, info);
      const stagedDir = instanceDir(name, staging);
      staged.zkey = `${stagedDir}/${name}.zkey`;
      staged.vkey = `${stagedDir}/${name}.vkey.json`;
      staged.verifier = `${stagedDir}/${verifierContractName(name)}.sol`;
      phase2 = await runPhase2(name, spec, { r1cs: abs(compiled.r1cs), ptau: ptau.path, dir: abs(stagedDir) }, finals, context);
    }

    const record = (kind: keyof SetupManifest["artifacts"]): ArtifactRecord => {
      const file = abs(staged[kind]!);
      return { path: finals[kind]!, sha256: sha256File(file), size: statSync(file).size };
    };
    const artifacts: SetupManifest["artifacts"] = {};
    for (const kind of Object.keys(finals) as Array<keyof SetupManifest["artifacts"]>) artifacts[kind] = record(kind);
    const manifest: SetupManifest = {
      format: MANIFEST_FORMAT,
      instance: name,
      group: spec.group,
      mode,
      spec: { file: spec.file, template: spec.template, params: spec.params, pubs: spec.pubs },
      sources,
      tools: context.tools,
      circuit: { constraints: info.constraints, wires: info.wires, publicSignals: info.publicSignals, privateInputs: info.privateInputs, ptauPowerNeeded: powerNeeded },
      ...(ptau ? { ptau: ptauRecord(ptau) } : {}),
      ...(phase2 ? { phase2, verifierContract: verifierContractName(name) } : {}),
      lock: { file: lockFile, pinned: entry !== undefined },
      artifacts,
      inputs: buildInputs(name, spec, mode, sources, context, ptau),
      createdAt: new Date().toISOString(),
      durationMs: Date.now() - start,
    };
    const stagedManifest = abs(`${instanceDir(name, staging)}/manifest.json`);
    writeFileSync(stagedManifest, `${JSON.stringify(manifest, null, 2)}\n`);

    // Commit: the old manifest goes first (an interrupted commit then reads as "rebuild"), the new one last.
    rmSync(abs(manifestPath(name)), { force: true });
    for (const kind of Object.keys(finals) as Array<keyof SetupManifest["artifacts"]>) moveIntoPlace(abs(staged[kind]!), abs(finals[kind]!));
    writeFileAtomic(abs(`${instanceDir(name)}/${name}.circom`), mainSource(name, spec));
    moveIntoPlace(stagedManifest, abs(manifestPath(name)));
    if (artifactCacheEnabled()) {
      const failed = storeArtifacts(context.cacheDir, manifest);
      if (failed) reporter.warn(`${name}: could not store the build in the artifact cache (${failed}); the next fresh checkout rebuilds it`);
    }
    const result = resultFrom(manifest, mode === "groth16" ? "built" : "compiled", reason, Date.now() - start);
    reporter.info(`${name}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s`);
    return result;
  } finally {
    if (existsSync(stagingAbs)) rmSync(stagingAbs, { recursive: true, force: true });
  }
}

/** Groth16 phase 2 in the staging folder `files.dir`: zkey, verification key and Solidity verifier. */
async function runPhase2(
  name: string,
  spec: InstanceSpec,
  files: { r1cs: string; ptau: string; dir: string },
  finals: Partial<Record<keyof SetupManifest["artifacts"], string>>,
  context: Context,
): Promise<NonNullable<SetupManifest["phase2"]>> {
  const { reporter } = context;
  const snarkjs = await loadSnarkjs();
  const z0 = path.join(files.dir, `${name}_0000.zkey`);
  const z1 = path.join(files.dir, `${name}_0001.zkey`);
  const zFinal = path.join(files.dir, `${name}.zkey`);
  const fail = (step: string, errors: string[], cause?: unknown): never => {
    throw new UserError(`phase 2 ${step} failed: ${errors.join("; ") || (cause as Error | undefined)?.message || "snarkjs reported no reason"}`, {
      where: `instance ${name}`,
      cause,
    });
  };
  const snark = async <T>(label: string, call: (logger: ReturnType<Reporter["snarkjsLogger"]>) => Promise<T>): Promise<T> =>
    reporter.step(`${name}: ${label}`, async (note) => {
      const logger = reporter.snarkjsLogger(note);
      try {
        return await call(logger);
      } catch (e) {
        return fail(label, logger.errors, e);
      }
    });

  const csHash = await snark("zkey new", async (logger) => {
    const r = await snarkjs.zKey.newZKey(files.r1cs, files.ptau, z0, logger);
    return hashHex(r) ?? fail("zkey new", logger.errors);
  });
  const contributionName = "homeostat setup contribution (64 random bytes from node:crypto, discarded)";
  const contribution = await snark("zkey contribute", async (logger) => {
    const r = await snarkjs.zKey.contribute(z0, z1, contributionName, randomBytes(64).toString("hex"), logger);
    return hashHex(r) ?? fail("zkey contribute", logger.errors);
  });
  const beaconName = "homeostat setup final beacon";
  const beacon = await snark("zkey beacon", async (logger) => {
    const r = await snarkjs.zKey.beacon(z1, zFinal, beaconName, PHASE2_BEACON.hash, PHASE2_BEACON.iterationsExp, logger);
    return hashHex(r) ?? fail("zkey beacon", logger.errors);
  });
  rmSync(z0, { force: true });
  rmSync(z1, { force: true });
  if (context.verify) {
    await snark("zkey verify", async (logger) => {
      if (!(await snarkjs.zKey.verifyFromR1cs(files.r1cs, files.ptau, zFinal, logger))) fail("zkey verify", ["the final zkey does not match the circuit and the ptau"]);
    });
  }
  const vkey = await snark("export verification key", (logger) => snarkjs.zKey.exportVerificationKey(zFinal, logger));
  writeFileSync(path.join(files.dir, `${name}.vkey.json`), `${JSON.stringify(vkey, null, 1)}\n`);
  const rendered = await snark("export Solidity verifier", (logger) =>
    snarkjs.zKey.exportSolidityVerifier(zFinal, { groth16: groth16VerifierTemplate() }, logger),
  );
  const solidity = finishVerifierSource(rendered, {
    instance: name,
    spec,
    zkeyPath: finals.zkey!,
    zkeySha256: sha256File(zFinal),
    manifestPath: manifestPath(name),
    snarkjs: context.tools.snarkjs,
    circom: context.tools.circom,
  });
  writeFileSync(path.join(files.dir, `${verifierContractName(name)}.sol`), solidity);
  return {
    csHash,
    contributions: [{ name: contributionName, hash: contribution, entropy: "node:crypto randomBytes(64), not kept" }],
    beacon: { name: beaconName, hash: PHASE2_BEACON.hash, iterationsExp: PHASE2_BEACON.iterationsExp, contributionHash: beacon },
    verified: context.verify,
  };
}

/**
 * A groth16 build whose phase 2 was not verified (made with `verify: false`, as the demo does) gets its
 * `zkey verify` now when this run verifies; the manifest (and the cache entry) then record it. Returns the
 * manifest to report, or undefined when the installed key does not verify (the caller rebuilds).
 */
async function verifyIfNeeded(name: string, manifest: SetupManifest, context: Context): Promise<SetupManifest | undefined> {
  if (!context.verify || manifest.mode !== "groth16" || !manifest.phase2 || manifest.phase2.verified || "ceremony" in manifest) return manifest;
  const r1cs = path.join(PROJECT_ROOT, manifest.artifacts.r1cs!.path);
  const zkey = path.join(PROJECT_ROOT, manifest.artifacts.zkey!.path);
  const ptau = await ptauFor(manifest.circuit.ptauPowerNeeded, context);
  const snarkjs = await loadSnarkjs();
  const ok = await context.reporter.step(`${name}: zkey verify (not verified when it was built)`, (note) =>
    snarkjs.zKey.verifyFromR1cs(r1cs, ptau.path, zkey, context.reporter.snarkjsLogger(note)).catch(() => false),
  );
  if (!ok) return undefined;
  const verified: SetupManifest = { ...manifest, phase2: { ...manifest.phase2, verified: true } };
  writeFileAtomic(path.join(PROJECT_ROOT, manifestPath(name)), `${JSON.stringify(verified, null, 2)}\n`);
  if (artifactCacheEnabled()) storeArtifacts(context.cacheDir, verified);
  return verified;
}
