/**
 * The named checks of `homeostat audit`. Each takes what it needs and returns an `AuditCheck` with its
 * evidence; none throws on a finding (a mismatch is a failed check, not an exception). Only bad input (a
 * missing file) escapes as a UserError, from the caller's loading step.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { liabilityLeaf, policyFieldList, policyHash, priceFieldList, pricesHash, sumNode, userIdHash, type SumNode } from "../core/hash.ts";
import { PolicyViolationError, prepareSolvency, runGroth16, type CircuitArtifacts } from "../prover/prove.ts";
import { compileInstance } from "../setup/compile.ts";
import { sha256File } from "../setup/files.ts";
import { BUILD_DIR, PROJECT_ROOT, type InstanceSpec } from "../core/node/instances.ts";
import { compareSources, type LockEntry } from "../setup/lock.ts";
import { makeSnarkjsLogger, type SnarkjsLogger } from "../setup/progress.ts";
import { loadSnarkjs, type VerificationKey } from "../setup/snarkjs.ts";
import { collectSources } from "../setup/sources.ts";
import { commitmentRoot, type PrivateState } from "../prover/state.ts";
import { fileFingerprint, policyFields, priceFields, type Liabilities, type Treasury } from "../prover/treasury.ts";
import type { Position } from "../core/types.ts";
import { InclusionProver, inclusionArtifacts, inclusionInstanceForDepth } from "../liabilities/inclusion.ts";
import { LiabilitiesTree, paddingNodes, rootFromPath } from "../liabilities/store.ts";
import { vkeyHash } from "../core/canonical.ts";
import { verifyInclusionProof } from "../verifier/inclusion.ts";
import type { ProofBundle } from "../core/bundle-schema.ts";
import { publicSignalNamesFor } from "../core/signals.ts";
import { verifyBundle, type VerificationKeys } from "../verifier/verify.ts";
import type { RawState } from "./private-state.ts";
import { custodyReport, loadStatements } from "../prover/custody.ts";
import { verifyStatement } from "../prover/attestor.ts";
import type { AuditCheck, AuditEvidence } from "./types.ts";

/** Builds a check from its problems: `fail` when there are any, else `pass` (or `skip` when told). */
export function makeCheck(id: string, title: string, evidence: AuditEvidence, problems: string[], note?: string): AuditCheck {
  return { id, title, status: problems.length ? "fail" : "pass", evidence, problems, ...(note ? { note } : {}) };
}

/** A check that did not run, with the reason. */
export function skipped(id: string, title: string, note: string, evidence: AuditEvidence = {}): AuditCheck {
  return { id, title, status: "skip", evidence, problems: [], note };
}

/** Runs a check body; an unexpected error becomes a failed check naming it (the audit goes on). */
export async function guarded(id: string, title: string, body: () => Promise<AuditCheck> | AuditCheck): Promise<AuditCheck> {
  try {
    return await body();
  } catch (e) {
    return makeCheck(id, title, {}, [`could not be checked: ${(e as Error).message.split("\n")[0]}`]);
  }
}

/** The multiset of non-empty (asset, amount) pairs, as sorted `asset:amount` strings. */
function contents(items: ReadonlyArray<{ assetIndex: bigint | number; amount: bigint }>): string[] {
  return items
    .filter((i) => i.amount !== 0n)
    .map((i) => `${i.assetIndex}:${i.amount}`)
    .sort();
}

/** Multiset difference `a - b`. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

/** `asset:amount` as `SYMBOL amount` (base units) for messages. */
function describeContent(item: string, symbols: readonly string[]): string {
  const [asset, amount] = item.split(":");
  return `${symbols[Number(asset)] ?? `asset ${asset}`} ${amount} (base units)`;
}

/**
 * The positions root: reopens the commitment the state records under `published` and recomputes its root
 * from the slots and salts; its positions must be exactly the treasury file's (amounts and assets).
 * Returns the verified slots when the check passed.
 */
export function checkPositionsRoot(
  id: string,
  title: string,
  published: bigint,
  state: RawState,
  treasury: Treasury | undefined,
): { check: AuditCheck; slots?: Position[] } {
  const evidence: AuditEvidence = { published: published.toString(), stateFile: state.file };
  const stored = state.commitments.get(published);
  if (!stored) {
    return { check: makeCheck(id, title, { ...evidence, recomputed: null }, [`the state file records no commitment for the published root ${published}`]) };
  }
  const recomputed = commitmentRoot(stored.slots);
  evidence.recomputed = recomputed.toString();
  evidence.slots = stored.slots.length;
  const problems: string[] = [];
  if (recomputed !== published) {
    problems.push(`the stored slots and salts hash to ${recomputed}, not to the published root ${published} (a salt, amount or asset in the state was changed)`);
  }
  if (treasury) {
    const symbols = treasury.policy.assets.map((a) => a.symbol);
    const committed = contents(stored.slots);
    const inFile = contents(treasury.holdings);
    const onlyFile = minus(inFile, committed);
    const onlyCommitted = minus(committed, inFile);
    evidence.treasuryPositions = inFile.length;
    evidence.treasuryMatchesCommitment = onlyFile.length === 0 && onlyCommitted.length === 0;
    if (onlyFile.length || onlyCommitted.length) {
      problems.push(
        `the treasury file's positions differ from the committed ones: in the file only ${onlyFile.map((c) => describeContent(c, symbols)).join(", ") || "none"}; committed only ${onlyCommitted.map((c) => describeContent(c, symbols)).join(", ") || "none"}`,
      );
    }
  }
  return problems.length ? { check: makeCheck(id, title, evidence, problems) } : { check: makeCheck(id, title, evidence, []), slots: stored.slots };
}

/** Recomputes a stored liabilities tree's root from every leaf (id, balance, salt), padding as the builder does. */
export function recomputeTreeRoot(dir: string): { root: bigint; total: bigint; users: number; depth: number; badLeaves: number } {
  const tree = LiabilitiesTree.open(dir);
  try {
    const zeros = paddingNodes(tree.depth);
    let level: SumNode[] = [];
    let badLeaves = 0;
    for (let i = 0; i < tree.userCount; i++) {
      const leaf = tree.leaf(i);
      const hash = liabilityLeaf(userIdHash(leaf.id), leaf.balance, leaf.salt);
      if (hash !== leaf.leafHash) badLeaves++;
      level.push({ hash, sum: leaf.balance });
    }
    for (let k = 0; k < tree.depth; k++) {
      const next: SumNode[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(sumNode(level[i]!, level[i + 1] ?? zeros[k]!));
      level = next.length ? next : [zeros[k + 1]!];
    }
    return { root: level[0]!.hash, total: level[0]!.sum, users: tree.userCount, depth: tree.depth, badLeaves };
  } finally {
    tree.close();
  }
}

/** Folder of a liabilities tree given as the folder or its root.json, else undefined (a users file). */
export function treeDirOf(file: string): string | undefined {
  if (path.basename(file) === "root.json") return path.dirname(file);
  return existsSync(path.join(file, "root.json")) ? file : undefined;
}

/**
 * The liabilities root: rebuilt from every user (tree folder: stored ids, balances and salts; users file:
 * the file and the salts the state keeps for it) and compared with the published one.
 */
export function checkLiabilitiesRoot(published: bigint, file: string, liabilities: Liabilities | undefined): AuditCheck {
  const id = "liabilities-root";
  const title = "liabilities root recomputed from the users and salts equals the published one";
  const evidence: AuditEvidence = { published: published.toString(), source: file };
  const treeDir = treeDirOf(file);
  let recomputed: bigint;
  if (treeDir) {
    const r = recomputeTreeRoot(treeDir);
    Object.assign(evidence, { kind: "tree", users: r.users, depth: r.depth, recomputed: r.root.toString(), leavesNotMatchingStoredHash: r.badLeaves });
    recomputed = r.root;
    if (r.badLeaves) return makeCheck(id, title, evidence, [`${r.badLeaves} stored leaf hash(es) differ from Poseidon(userIdHash, balance, salt)`]);
  } else {
    if (!liabilities) return makeCheck(id, title, evidence, ["the state file holds no salts for this users file (sha256 " + fileFingerprint(file).slice(0, 12) + "...), so its tree cannot be rebuilt"]);
    Object.assign(evidence, { kind: "users file", users: liabilities.users ?? null, fileSha256: fileFingerprint(file), recomputed: liabilities.root.toString() });
    recomputed = liabilities.root;
  }
  return makeCheck(id, title, evidence, recomputed === published ? [] : [`recomputed ${recomputed}, published ${published}`]);
}

/** The policy: the auditor's policy file hashes to the published policy hash (and the bundle's field list is it). */
export function checkPolicyHash(bundles: readonly ProofBundle[], treasury: Treasury, onchain?: { policyHash: bigint; address: string }): AuditCheck {
  const fields = policyFieldList(policyFields(treasury.policy));
  const hash = policyHash(policyFields(treasury.policy));
  const evidence: AuditEvidence = { policyFile: treasury.files.policy, recomputed: hash.toString(), fields: fields.length };
  const problems: string[] = [];
  for (const b of bundles) {
    const published = b.publicSignals.policyHash!;
    evidence[`published.${b.statement}`] = published;
    if (published !== hash.toString()) problems.push(`the policy file hashes to ${hash}, the ${b.statement} proof's public policyHash is ${published}`);
    if (b.policy.fields.join(",") !== fields.map(String).join(",")) problems.push(`the ${b.statement} bundle's policy field list differs from the policy file's`);
  }
  if (onchain) {
    evidence.onchainPolicyHash = onchain.policyHash.toString();
    evidence.riskPolicy = onchain.address;
    if (onchain.policyHash !== hash) problems.push(`RiskPolicy at ${onchain.address} stores policy hash ${onchain.policyHash}, the policy file hashes to ${hash}`);
  }
  return makeCheck("policy-hash", "policy file equals the policy hash in the public signals" + (onchain ? " and on chain" : ""), evidence, problems);
}

/** The prices: the auditor's prices file hashes to the published prices hash (and on chain, a stored snapshot). */
export function checkPricesHash(bundles: readonly ProofBundle[], treasury: Treasury, onchain?: { snapshotIds: Record<string, bigint>; address: string }): AuditCheck {
  const fields = priceFieldList(priceFields(treasury.prices));
  const hash = pricesHash(priceFields(treasury.prices));
  const evidence: AuditEvidence = { pricesFile: treasury.files.prices, recomputed: hash.toString() };
  const problems: string[] = [];
  for (const b of bundles) {
    const published = b.publicSignals.pricesHash!;
    evidence[`published.${b.statement}`] = published;
    if (published !== hash.toString() && bundles.length === 1) problems.push(`the prices file hashes to ${hash}, the ${b.statement} proof's public pricesHash is ${published}`);
    if (b.prices.fields.join(",") !== priceFieldList({ timestamp: BigInt(b.prices.timestamp), unitPrices: b.prices.assets.map((a) => BigInt(a.unitPrice)) }).map(String).join(",")) {
      problems.push(`the ${b.statement} bundle's price field list differs from its readable prices`);
    }
  }
  // With an S1 and an S2 the two may be on different snapshots: the prices file must match one of them.
  if (bundles.length > 1 && !bundles.some((b) => b.publicSignals.pricesHash === hash.toString())) {
    problems.push(`the prices file hashes to ${hash}, which is the pricesHash of none of the published proofs`);
  }
  evidence.fields = fields.length;
  if (onchain) {
    evidence.priceSnapshots = onchain.address;
    for (const b of bundles) {
      const id = onchain.snapshotIds[b.publicSignals.pricesHash!] ?? 0n;
      evidence[`onchainSnapshotId.${b.statement}`] = id.toString();
      if (id === 0n) problems.push(`PriceSnapshots at ${onchain.address} stores no snapshot with the ${b.statement} proof's prices hash`);
    }
  }
  return makeCheck("prices-hash", "prices file equals the prices hash in the public signals" + (onchain ? " and a snapshot stored on chain" : ""), evidence, problems);
}

/** The published proof verifies (schema, vkey fingerprint, policy/prices fields, Groth16) with verifyBundle. */
export async function checkPublishedProof(id: string, file: string, bundle: unknown, vkeys: VerificationKeys): Promise<AuditCheck> {
  const result = await verifyBundle(bundle, vkeys);
  const b = result.bundle;
  const evidence: AuditEvidence = { bundle: file, statement: b?.statement ?? null, instance: b?.instance ?? null, vkeyHash: b?.vkeyHash ?? null, valid: result.valid };
  return makeCheck(id, `published ${b?.statement ?? ""} proof verifies`.replace("  ", " "), evidence, result.reasons);
}

/** The snarkjs verify call (snarkjs ships no types). */
interface SnarkjsVerify {
  groth16: { verify(vkey: unknown, publicSignals: readonly string[], proof: unknown): Promise<boolean> };
}

/**
 * Regenerates the S1 proof from the private data (treasury, liabilities, salts) with this machine's keys and
 * checks that it verifies and that its public signals are exactly the published ones.
 */
export async function checkRegeneratedProof(
  bundle: ProofBundle,
  treasury: Treasury,
  liabilities: Liabilities,
  slots: Position[] | undefined,
  artifactsDir: string,
): Promise<AuditCheck> {
  const id = "regenerated-proof";
  const title = "a proof regenerated from the private data verifies with the published public signals";
  const root = BigInt(bundle.publicSignals.positionsRoot!);
  // The verified commitment (if the positions-root check passed) is reopened; otherwise fresh salts give a
  // different root and the signals cannot match, which is the finding.
  const state: PrivateState = { file: "(audit, in memory)", commitments: new Map(), liabilitySalts: new Map() };
  if (slots) {
    state.commitments.set(root, { root, slots, createdAt: new Date(0).toISOString() });
    state.current = root;
  }
  let prepared;
  try {
    prepared = prepareSolvency({ treasury, liabilities, state, persistState: false, instance: bundle.instance });
  } catch (e) {
    if (e instanceof PolicyViolationError || e instanceof UserError) return makeCheck(id, title, { instance: bundle.instance }, [`cannot regenerate: ${e.message}`]);
    throw e;
  }
  const dir = path.join(artifactsDir, bundle.instance);
  const artifacts: CircuitArtifacts = {
    ...prepared.artifacts,
    wasm: path.join(dir, `${bundle.instance}.wasm`),
    zkey: path.join(dir, `${bundle.instance}.zkey`),
    vkeyFile: path.join(dir, `${bundle.instance}.vkey.json`),
  };
  const run = await runGroth16(prepared.input, artifacts);
  const vkey = JSON.parse(readFileSync(artifacts.vkeyFile, "utf8")) as unknown;
  const snarkjs = (await import("snarkjs")) as SnarkjsVerify;
  const verifies = await snarkjs.groth16.verify(vkey, run.publicSignals, run.proof);
  const names = publicSignalNamesFor(bundle.statement, bundle.policy.assets.length);
  const published = names.map((n) => bundle.publicSignals[n]!);
  const evidence: AuditEvidence = { instance: bundle.instance, verifies, proveMs: Math.round(run.witnessMs + run.proveMs) };
  const problems: string[] = [];
  if (!verifies) problems.push("the regenerated proof does not verify against the verification key");
  names.forEach((n, i) => {
    evidence[`regenerated.${n}`] = run.publicSignals[i] ?? null;
    if (run.publicSignals[i] !== published[i]) problems.push(`public signal ${n}: regenerated ${run.publicSignals[i]}, published ${published[i]}`);
  });
  return makeCheck(id, title, evidence, problems);
}

/** The instance's current sources (under `sourcesRoot`) are the ones the lock pins. */
export function checkCircuitSources(name: string, spec: InstanceSpec, entry: LockEntry | undefined, sourcesRoot: string): AuditCheck {
  const current = collectSources(spec, sourcesRoot);
  const problems = compareSources(name, spec, current, entry).map((p) => `${p.file ?? "spec"} ${p.reason}`);
  const evidence: AuditEvidence = { instance: name, sourcesRoot, files: Object.keys(current.files).length };
  for (const [file, hash] of Object.entries(current.files)) evidence[`sha256.${file}`] = hash;
  return makeCheck(`circuit-sources:${name}`, `${name}: circuit sources match the lock`, evidence, problems);
}

/**
 * Recompiles the instance (in a scratch folder under the build directory; nothing in place is touched) and
 * compares the r1cs and wasm with the lock and with the artifacts the keys were made from.
 */
export async function checkCircuitCompile(name: string, spec: InstanceSpec, entry: LockEntry | undefined, artifactsDir: string): Promise<AuditCheck> {
  const id = `circuit-compile:${name}`;
  const title = `${name}: circuit recompiles to the lock's r1cs and wasm`;
  if (!entry) return makeCheck(id, title, { instance: name }, ["the instance is not in the circuit lock"]);
  mkdirSync(path.join(PROJECT_ROOT, BUILD_DIR), { recursive: true });
  const scratchAbs = mkdtempSync(path.join(PROJECT_ROOT, BUILD_DIR, ".audit-"));
  try {
    const scratch = path.relative(PROJECT_ROOT, scratchAbs).split(path.sep).join("/");
    const compiled = await compileInstance(name, spec, scratch);
    const r1cs = sha256File(path.join(PROJECT_ROOT, compiled.r1cs));
    const wasm = sha256File(path.join(PROJECT_ROOT, compiled.wasm));
    const builtR1cs = path.join(artifactsDir, name, `${name}.r1cs`);
    const builtWasm = path.join(artifactsDir, name, `${name}.wasm`);
    const inUse = {
      r1cs: existsSync(builtR1cs) ? sha256File(builtR1cs) : null,
      wasm: existsSync(builtWasm) ? sha256File(builtWasm) : null,
    };
    const evidence: AuditEvidence = { instance: name, "lock.r1cs": entry.r1cs, "recompiled.r1cs": r1cs, "inUse.r1cs": inUse.r1cs, "lock.wasm": entry.wasm, "recompiled.wasm": wasm, "inUse.wasm": inUse.wasm };
    const problems: string[] = [];
    if (r1cs !== entry.r1cs) problems.push(`recompiled r1cs sha256 ${r1cs} differs from the lock's ${entry.r1cs}`);
    if (wasm !== entry.wasm) problems.push(`recompiled wasm sha256 ${wasm} differs from the lock's ${entry.wasm}`);
    if (inUse.r1cs !== entry.r1cs) problems.push(`the r1cs in ${path.dirname(builtR1cs)} (sha256 ${inUse.r1cs ?? "missing"}) is not the locked one`);
    if (inUse.wasm !== entry.wasm) problems.push(`the wasm in ${path.dirname(builtWasm)} (sha256 ${inUse.wasm ?? "missing"}) is not the locked one`);
    return makeCheck(id, title, evidence, problems);
  } finally {
    rmSync(scratchAbs, { recursive: true, force: true });
  }
}

/** A snarkjs logger that keeps errors and drops the rest. */
function quietLogger(): SnarkjsLogger & { errors: string[] } {
  const errors: string[] = [];
  return { ...makeSnarkjsLogger(() => {}, (m, level) => void (level === "error" && errors.push(m))), errors };
}

/**
 * `snarkjs zkey verify`: the zkey is a phase 2 of this r1cs over this ptau (a zkey from another ptau fails),
 * and its verification key is the one in use (the vkey file and the published bundles' vkeyHash).
 */
export async function checkZkey(name: string, artifactsDir: string, ptau: string | undefined, entry: LockEntry | undefined, bundleVkeyHashes: readonly string[]): Promise<{ check: AuditCheck; vkey?: VerificationKey }> {
  const id = `zkey:${name}`;
  const title = `${name}: zkey verifies against the r1cs and the powers of tau`;
  const dir = path.join(artifactsDir, name);
  const files = { r1cs: path.join(dir, `${name}.r1cs`), zkey: path.join(dir, `${name}.zkey`), vkey: path.join(dir, `${name}.vkey.json`) };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length) return { check: makeCheck(id, title, { instance: name }, [`missing ${missing.join(", ")}`]) };
  if (!ptau) return { check: skipped(id, title, "no powers of tau: give --ptau FILE or set HOMEOSTAT_PTAU") };
  if (!existsSync(ptau)) throw new UserError("no such powers-of-tau file", { where: ptau });
  const snarkjs = await loadSnarkjs();
  const evidence: AuditEvidence = { instance: name, r1cs: sha256File(files.r1cs), zkey: sha256File(files.zkey), ptau, ptauSha256: sha256File(ptau) };
  const problems: string[] = [];
  if (entry && evidence.r1cs !== entry.r1cs) problems.push(`the r1cs (sha256 ${evidence.r1cs}) is not the one the lock pins (${entry.r1cs})`);
  const logger = quietLogger();
  let verified = false;
  try {
    verified = await snarkjs.zKey.verifyFromR1cs(files.r1cs, ptau, files.zkey, logger);
  } catch (e) {
    logger.errors.push((e as Error).message);
  }
  evidence.zkeyVerify = verified;
  if (!verified) problems.push(`snarkjs zkey verify failed: ${logger.errors.slice(0, 2).join("; ") || "the zkey is not a phase 2 of this r1cs and ptau"}`);
  const vkey = await snarkjs.zKey.exportVerificationKey(files.zkey, logger);
  const fromZkey = await vkeyHash(vkey);
  const inFile = await vkeyHash(JSON.parse(readFileSync(files.vkey, "utf8")) as unknown);
  Object.assign(evidence, { "vkeyHash.zkey": fromZkey, "vkeyHash.file": inFile });
  if (fromZkey !== inFile) problems.push(`the verification key file (${inFile}) is not the zkey's (${fromZkey})`);
  for (const h of bundleVkeyHashes) if (h !== fromZkey) problems.push(`a published bundle names vkeyHash ${h}, the zkey's is ${fromZkey}`);
  return { check: makeCheck(id, title, evidence, problems), vkey };
}

/** The Solidity constants snarkjs's Groth16 template embeds, from a verification key (template's mapping). */
export function expectedVerifierConstants(vkey: VerificationKey): Record<string, string> {
  const g1 = (p: unknown) => p as string[];
  const g2 = (p: unknown) => p as string[][];
  const out: Record<string, string> = {};
  const a = g1(vkey.vk_alpha_1);
  out.alphax = a[0]!;
  out.alphay = a[1]!;
  for (const [name, key] of [["beta", "vk_beta_2"], ["gamma", "vk_gamma_2"], ["delta", "vk_delta_2"]] as const) {
    const p = g2(vkey[key]);
    out[`${name}x1`] = p[0]![1]!;
    out[`${name}x2`] = p[0]![0]!;
    out[`${name}y1`] = p[1]![1]!;
    out[`${name}y2`] = p[1]![0]!;
  }
  (vkey.IC as string[][]).forEach((p, i) => {
    out[`IC${i}x`] = p[0]!;
    out[`IC${i}y`] = p[1]!;
  });
  return out;
}

/** `uint256 constant NAME = VALUE;` declarations of a Solidity source. */
export function solidityConstants(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of source.matchAll(/uint256\s+constant\s+(\w+)\s*=\s*(\d+)\s*;/g)) out[m[1]!] = m[2]!;
  return out;
}

/**
 * The verifier contract embeds this verification key: every alpha/beta/gamma/delta/IC constant of the
 * generated source equals the key's, with no extra IC. With `deployed` (runtime bytecode read with --rpc),
 * the bytecode equals the compiled artifact's and contains each constant as a 32-byte word.
 */

/**
 * The PUSH instruction (hex) solc emits for a constant: PUSHn with the value's n significant bytes. A value
 * with leading zero bytes is pushed by a shorter PUSH, so searching for its 32-byte form would miss it
 * (about one verification-key coordinate in fifty has a leading zero byte).
 */
export function pushOf(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Math.max(1, hex.length / 2);
  return `${(0x5f + bytes).toString(16)}${hex}`;
}

export function checkVerifierContract(
  name: string,
  sourceFile: string,
  vkey: VerificationKey,
  deployed?: { address: string; code: string; artifactDeployedBytecode?: string },
): AuditCheck {
  const id = `verifier-contract:${name}`;
  const title = `${name}: verifier contract embeds the verification key` + (deployed ? " (source and deployed bytecode)" : "");
  if (!existsSync(sourceFile)) return makeCheck(id, title, { source: sourceFile }, ["no generated verifier source (run `homeostat setup`)"]);
  const want = expectedVerifierConstants(vkey);
  const have = solidityConstants(readFileSync(sourceFile, "utf8"));
  const problems: string[] = [];
  const differing = Object.keys(want).filter((k) => have[k] !== want[k]);
  const extraIc = Object.keys(have).filter((k) => /^IC\d+[xy]$/.test(k) && !(k in want));
  if (differing.length) problems.push(`constants ${differing.slice(0, 6).join(", ")}${differing.length > 6 ? ", ..." : ""} differ from the verification key`);
  if (extraIc.length) problems.push(`the contract has ${extraIc.length / 2} more public input(s) than the key`);
  const evidence: AuditEvidence = { source: sourceFile, sourceSha256: sha256File(sourceFile), constantsCompared: Object.keys(want).length, constantsDiffering: differing.length, "vkey.nPublic": vkey.nPublic };
  if (deployed) {
    const code = deployed.code.toLowerCase().replace(/^0x/, "");
    evidence.address = deployed.address;
    evidence.deployedCodeBytes = code.length / 2;
    if (deployed.artifactDeployedBytecode !== undefined) {
      const same = deployed.artifactDeployedBytecode.toLowerCase().replace(/^0x/, "") === code;
      evidence.deployedEqualsArtifact = same;
      if (!same) problems.push(`the runtime bytecode at ${deployed.address} differs from the compiled artifact's deployedBytecode`);
    }
    const absent = Object.entries(want).filter(([, v]) => !code.includes(pushOf(BigInt(v))));
    evidence.constantsMissingFromBytecode = absent.length;
    if (absent.length) problems.push(`${absent.length} verification-key constant(s) do not appear in the deployed bytecode at ${deployed.address}`);
  }
  return makeCheck(id, title, evidence, problems);
}

/**
 * Inclusion: a sample of users' leaves lead to the published liabilities root. From a tree folder whose depth
 * has an inclusion instance, each user gets a real S3 proof (generated here) checked with the browser
 * verifier; from a users file the in-memory tree has no S3 instance, so the Merkle sum paths are checked.
 */
export async function checkInclusionSample(published: bigint, file: string, sample: number, artifactsDir: string, vkeys: VerificationKeys, users?: { ids: string[]; balances: bigint[]; salts: bigint[] }): Promise<{ check: AuditCheck; instance?: string }> {
  const id = "inclusion-sample";
  const title = `inclusion proofs of ${sample} sampled user(s) verify against the published liabilities root`;
  const treeDir = treeDirOf(file);
  if (treeDir) {
    const tree = LiabilitiesTree.open(treeDir);
    try {
      const instance = inclusionInstanceForDepth(tree.depth);
      const prover = await InclusionProver.load(inclusionArtifacts(instance, artifactsDir));
      const indexes = pickSample(tree.userCount, sample);
      const problems: string[] = [];
      const evidence: AuditEvidence = { kind: "S3 proofs", instance, users: tree.userCount, sampled: indexes.join(","), published: published.toString() };
      for (const i of indexes) {
        const leaf = tree.leaf(i);
        const proof = await prover.prove(tree, leaf);
        const verdict = await verifyInclusionProof(proof, vkeys, { root: published, userId: leaf.id, balanceBaseUnits: leaf.balance });
        evidence[`leaf.${i}`] = `${leaf.leafHash} ${verdict.valid ? "valid" : "INVALID"}`;
        if (!verdict.valid) problems.push(`user #${i}: ${verdict.reasons.join("; ")}`);
      }
      return { check: makeCheck(id, title, evidence, problems), instance };
    } finally {
      tree.close();
    }
  }
  if (!users) return { check: makeCheck(id, title, { source: file }, ["the users file's salts are not in the state; no path can be built"]) };
  // Rebuild the in-memory tree level by level (as prover/treasury.ts builds it) and check each path.
  let size = 2;
  while (size < users.ids.length) size *= 2;
  const levels: SumNode[][] = [[]];
  for (let i = 0; i < size; i++) {
    levels[0]!.push(i < users.ids.length ? { hash: liabilityLeaf(userIdHash(users.ids[i]!), users.balances[i]!, users.salts[i]!), sum: users.balances[i]! } : { hash: 0n, sum: 0n });
  }
  while (levels.at(-1)!.length > 1) {
    const prev = levels.at(-1)!;
    const next: SumNode[] = [];
    for (let i = 0; i < prev.length; i += 2) next.push(sumNode(prev[i]!, prev[i + 1]!));
    levels.push(next);
  }
  const indexes = pickSample(users.ids.length, sample);
  const problems: string[] = [];
  const evidence: AuditEvidence = {
    kind: "Merkle sum paths",
    depth: levels.length - 1,
    users: users.ids.length,
    sampled: indexes.join(","),
    published: published.toString(),
  };
  for (const i of indexes) {
    const p = { pathIndices: [] as number[], siblingHash: [] as bigint[], siblingSum: [] as bigint[] };
    let at = i;
    for (let k = 0; k < levels.length - 1; k++) {
      const sibling = levels[k]![at ^ 1]!;
      p.pathIndices.push(at & 1);
      p.siblingHash.push(sibling.hash);
      p.siblingSum.push(sibling.sum);
      at >>= 1;
    }
    const top = rootFromPath(levels[0]![i]!, p);
    evidence[`leaf.${i}`] = `${levels[0]![i]!.hash} ${top.hash === published ? "valid" : "INVALID"}`;
    if (top.hash !== published) problems.push(`user #${i}: the path leads to ${top.hash}, not the published root`);
  }
  return {
    check: makeCheck(id, title, evidence, problems, `the users file gives a depth-${levels.length - 1} tree with no S3 circuit instance, so paths are checked natively; build the tree with \`homeostat liabilities build\` for S3 proofs`),
  };
}

/** `count` distinct indexes spread over `0..total-1`: the first, the last and evenly between. */
export function pickSample(total: number, count: number): number[] {
  const n = Math.max(0, Math.min(total, count));
  if (n === 0) return [];
  if (n === 1) return [0];
  return [...new Set(Array.from({ length: n }, (_, k) => Math.round((k * (total - 1)) / (n - 1))))];
}

/**
 * Every custody statement the treasury lists: signed by the policy's attestor for this chain, vault and
 * token list, dated within the policy's maxAttestationAge of the snapshot, and covering what the
 * treasury commits at that attestor (prover/custody.ts says the same before proving).
 */
export async function checkCustodyStatements(treasury: Treasury): Promise<AuditCheck> {
  const id = "custody-statements";
  const title = "every custody statement is signed by its attestor, fresh, and covers the positions held there";
  const { policy, prices } = treasury;
  const statements = loadStatements(treasury);
  const evidence: AuditEvidence = { attestors: policy.attestors.length, statements: statements.length };
  const problems: string[] = [];
  for (const loaded of statements) {
    const attestor = policy.attestors.find((a) => a.slot === loaded.slot)!;
    const result = await verifyStatement(loaded.statement, {
      chainId: policy.chainId,
      vault: policy.vault,
      publicKey: attestor.publicKey,
      maxAgeSeconds: policy.maxAttestationAge,
      now: Number(prices.timestamp),
      maxFutureSeconds: policy.maxAttestationAge,
    });
    evidence[`${attestor.name}.timestamp`] = loaded.statement.timestamp;
    if (!result.ok) problems.push(`${loaded.file}: ${result.reason}`);
  }
  for (const issue of custodyReport(treasury, statements)) problems.push(`${issue.where}: ${issue.message}`);
  return makeCheck(id, title, evidence, problems);
}
