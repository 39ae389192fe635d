/**
 * `runAudit`: the auditor's workflow (issue 7). From the private data (treasury, policy, prices, liabilities,
 * salts) and the published bundle(s), it recomputes the commitments, regenerates the proof, recompiles the
 * circuits against the lock, verifies the zkey against the r1cs and the powers of tau, compares the
 * verifier contract's embedded key (and, with --rpc, the deployed bytecode and the on-chain policy, snapshot
 * and attestation), proves a sample of inclusions and checks a ceremony transcript. Each finding is a named
 * check; bad input (a missing file, an unreadable bundle) is a UserError.
 */
import { checkCustodyStatements } from "./checks.ts";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { verifyTranscript } from "../ceremony/index.ts";
import { BUILD_DIR, PROJECT_ROOT, VERIFIER_DIR, loadInstances } from "../core/node/instances.ts";
import { readLock } from "../setup/lock.ts";
import { readManifest } from "../setup/manifest.ts";
import type { VerificationKey } from "../setup/snarkjs.ts";
import { verifierContractName } from "../setup/verifier.ts";
import { buildLiabilityTree, fileFingerprint, loadLiabilities, loadTreasury, readUsersFile, type Liabilities, type Treasury } from "../prover/treasury.ts";
import { bundleSchema, type ProofBundle } from "../core/bundle-schema.ts";
import { loadVerificationKeys, readBundleFile } from "../verifier/node.ts";
import {
  checkCircuitCompile,
  checkCircuitSources,
  checkInclusionSample,
  checkLiabilitiesRoot,
  checkPolicyHash,
  checkPositionsRoot,
  checkPricesHash,
  checkPublishedProof,
  checkRegeneratedProof,
  checkVerifierContract,
  checkZkey,
  guarded,
  makeCheck,
  skipped,
  treeDirOf,
} from "./checks.ts";
import { inclusionInstanceForDepth } from "../liabilities/inclusion.ts";
import { loadLiabilitiesOpening } from "../liabilities/store.ts";
import { readRawState, type RawState } from "./private-state.ts";
import { buildReport } from "./report.ts";
import type { AuditCheck, AuditOptions, AuditReport } from "./types.ts";
import type { Position } from "../core/types.ts";
import type { OnchainView } from "./onchain.ts";

export type { AuditCheck, AuditOptions, AuditReport } from "./types.ts";
export { reportToMarkdown, writeReport, failureLines } from "./report.ts";

/** Reads and schema-checks the published bundles: at most one solvency and one rebalance. */
function loadBundles(files: readonly string[]): Array<{ file: string; json: unknown; bundle: ProofBundle }> {
  if (files.length === 0) throw new UserError("give the published solvency bundle with --bundle FILE", { where: "--bundle", exitCode: 2 });
  const out = files.map((file) => {
    const json = readBundleFile(file);
    const parsed = bundleSchema.safeParse(json);
    if (!parsed.success) throw new UserError(`not a Homeostat proof bundle: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`, { where: file });
    return { file, json, bundle: parsed.data };
  });
  const solvency = out.filter((b) => b.bundle.statement === "solvency");
  if (solvency.length !== 1 || out.length - solvency.length > 1) {
    throw new UserError("give exactly one solvency (S1) bundle and at most one rebalance (S2) bundle", { where: "--bundle", exitCode: 2 });
  }
  return [...solvency, ...out.filter((b) => b.bundle.statement !== "solvency")];
}

/** The powers of tau: --ptau, else HOMEOSTAT_PTAU, else the file the instance's manifest records (if present). */
function resolvePtauPath(flag: string | undefined, instance: string): string | undefined {
  if (flag) return flag;
  if (process.env.HOMEOSTAT_PTAU) return process.env.HOMEOSTAT_PTAU;
  const recorded = readManifest(instance)?.ptau?.path;
  if (!recorded) return undefined;
  const abs = path.resolve(PROJECT_ROOT, recorded);
  return existsSync(abs) ? abs : undefined;
}

/** The inclusion instance a liabilities tree folder is proven with (undefined for a users file or no fitting instance). */
function inclusionInstanceOf(file: string): string | undefined {
  const dir = treeDirOf(file);
  if (!dir) return undefined;
  try {
    return inclusionInstanceForDepth(loadLiabilitiesOpening(dir).depth);
  } catch (e) {
    if (e instanceof UserError) return undefined;
    throw e;
  }
}

/** Runs the audit and returns its report (it never throws on a finding, only on bad input). */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const progress = options.onProgress ?? (() => {});
  const artifactsDir = path.resolve(options.circuitsDir ?? path.join(PROJECT_ROOT, BUILD_DIR));
  const verifierDir = path.resolve(options.verifierDir ?? path.join(PROJECT_ROOT, VERIFIER_DIR));
  const sourcesRoot = path.resolve(options.sourcesRoot ?? PROJECT_ROOT);
  const sample = options.sample ?? 3;
  if (!Number.isInteger(sample) || sample < 0) throw new UserError("must be a whole number of users", { where: "--sample", exitCode: 2 });
  const selected = (id: string) => !options.only?.length || options.only.some((f) => id === f || id.startsWith(`${f}:`));

  // Inputs. Anything unreadable is bad input (UserError), reported as one line by the CLI.
  const bundles = loadBundles(options.bundles);
  const s1 = bundles[0]!.bundle;
  const s2 = bundles[1]?.bundle;
  const state: RawState = readRawState(options.state);
  const treasury: Treasury = loadTreasury({ treasury: options.treasury, policy: options.policy, prices: options.prices });
  let liabilities: Liabilities | undefined;
  let users: { ids: string[]; balances: bigint[]; salts: bigint[] } | undefined;
  if (treeDirOf(options.liabilities)) {
    liabilities = loadLiabilities(options.liabilities, treasury.policy, () => []);
  } else {
    const salts = state.liabilitySalts.get(fileFingerprint(options.liabilities));
    const list = readUsersFile(options.liabilities, treasury.policy.assets[treasury.policy.liabilityAsset]!);
    if (salts && salts.length === list.length) {
      const tree = buildLiabilityTree(list, salts);
      liabilities = { ...tree, users: list.length, source: options.liabilities, kind: "users" };
      users = { ids: list.map((u) => u.user), balances: list.map((u) => u.balance), salts };
    }
  }
  const vkeys = loadVerificationKeys(artifactsDir);
  let onchain: OnchainView | undefined;
  if (options.rpc || options.deployment) {
    if (!options.deployment) throw new UserError("--rpc needs --deployment FILE (the registry and verifier addresses)", { where: "--deployment", exitCode: 2 });
    const { readOnchain } = await import("./onchain.ts");
    progress("reading the deployment on chain");
    onchain = await readOnchain(options.deployment, options.rpc, bundles.map((b) => b.bundle));
  }

  const checks: AuditCheck[] = [];
  const add = async (id: string, title: string, body: () => Promise<AuditCheck> | AuditCheck): Promise<AuditCheck | undefined> => {
    if (!selected(id)) {
      checks.push(skipped(id, title, "not selected"));
      return undefined;
    }
    progress(title);
    const c = await guarded(id, title, body);
    checks.push(c);
    return c;
  };

  // Commitments.
  let s1Slots: Position[] | undefined;
  await add("positions-root", "positions root recomputed from the treasury and its salts equals the published one", () => {
    const r = checkPositionsRoot("positions-root", "positions root recomputed from the treasury and its salts equals the published one", BigInt(s1.publicSignals.positionsRoot!), state, treasury);
    s1Slots = r.slots;
    return r.check;
  });
  if (s2) {
    await add("positions-root:rebalance", "rebalance: old and new roots reopen from the state's salts", () => {
      const oldR = checkPositionsRoot("positions-root:rebalance", "", BigInt(s2.publicSignals.oldRoot!), state, undefined).check;
      const newR = checkPositionsRoot("positions-root:rebalance", "", BigInt(s2.publicSignals.newRoot!), state, undefined).check;
      const parent = state.commitments.get(BigInt(s2.publicSignals.newRoot!))?.parent;
      const problems = [...oldR.problems.map((p) => `old root: ${p}`), ...newR.problems.map((p) => `new root: ${p}`)];
      if (parent !== undefined && parent.toString() !== s2.publicSignals.oldRoot) problems.push("the state records the new commitment as derived from another root");
      return makeCheck("positions-root:rebalance", "rebalance: old and new roots reopen from the state's salts", { "old.recomputed": oldR.evidence.recomputed ?? null, "new.recomputed": newR.evidence.recomputed ?? null, oldRoot: s2.publicSignals.oldRoot!, newRoot: s2.publicSignals.newRoot! }, problems, "S2 is not regenerated (it needs the pre-swap treasury); its published proof is verified and its roots reopened");
    });
  }
  await add("liabilities-root", "liabilities root recomputed from the users and salts equals the published one", () => {
    const c = checkLiabilitiesRoot(BigInt(s1.publicSignals.liabilitiesRoot!), options.liabilities, liabilities);
    if (s2 && s2.publicSignals.liabilitiesRoot !== s1.publicSignals.liabilitiesRoot && s2.publicSignals.liabilitiesRoot !== c.evidence.recomputed) {
      c.problems.push(`the rebalance proof's liabilities root ${s2.publicSignals.liabilitiesRoot} is neither the recomputed one nor the attested one`);
      c.status = "fail";
    }
    return c;
  });
  await add("policy-hash", "policy file equals the policy hash in the public signals", () => checkPolicyHash(bundles.map((b) => b.bundle), treasury, onchain?.policy));
  await add("prices-hash", "prices file equals the prices hash in the public signals", () => checkPricesHash(bundles.map((b) => b.bundle), treasury, onchain?.prices));
  if (onchain) {
    const view = onchain;
    await add("onchain-attestation", "the registry's latest attestation is the published solvency proof", () => view.attestationCheck(s1));
    await add("onchain-vault-balances", "the vault held at least each proven vault-held total when the attestation was published", () => view.vaultBalanceCheck(s1));
  } else {
    checks.push(skipped("onchain-attestation", "the registry's latest attestation is the published solvency proof", "no --rpc/--deployment: on-chain checks not run"));
    checks.push(skipped("onchain-vault-balances", "the vault held at least each proven vault-held total when the attestation was published", "no --rpc/--deployment: on-chain checks not run"));
  }
  await add("custody-statements", "every custody statement is signed by its attestor, fresh, and covers the positions held there", () => checkCustodyStatements(treasury));

  // Proofs.
  for (const b of bundles) {
    const id = b.bundle.statement === "solvency" ? "published-proof" : "published-proof:rebalance";
    await add(id, `published ${b.bundle.statement} proof verifies`, () => checkPublishedProof(id, b.file, b.json, vkeys));
  }
  await add("regenerated-proof", "a proof regenerated from the private data verifies with the published public signals", async () => {
    if (!liabilities) return makeCheck("regenerated-proof", "a proof regenerated from the private data verifies with the published public signals", {}, ["the liabilities cannot be opened (no salts for the users file in the state)"]);
    return checkRegeneratedProof(s1, treasury, liabilities, s1Slots, artifactsDir);
  });

  // Inclusion sample: S3 proofs when the liabilities are a tree whose depth has an inclusion instance.
  await add("inclusion-sample", `inclusion proofs of ${sample} sampled user(s) verify against the published liabilities root`, async () => {
    const r = await checkInclusionSample(BigInt(s1.publicSignals.liabilitiesRoot!), options.liabilities, sample, artifactsDir, vkeys, users);
    return r.check;
  });
  const inclusionInstance = inclusionInstanceOf(options.liabilities);

  // Circuits, keys, verifiers: every instance the audit relied on.
  const table = loadInstances();
  const lock = readLock();
  const instances = [...new Set([...bundles.map((b) => b.bundle.instance), ...(inclusionInstance ? [inclusionInstance] : [])])];
  const vkeyOf = new Map<string, VerificationKey>();
  for (const name of instances) {
    const spec = table[name];
    if (!spec) throw new UserError(`the bundle names instance ${name}, which circuits/circuits.json does not define`, { where: "--bundle" });
    const entry = lock?.instances[name];
    await add(`circuit-sources:${name}`, `${name}: circuit sources match the lock`, () => checkCircuitSources(name, spec, entry, sourcesRoot));
    await add(`circuit-compile:${name}`, `${name}: circuit recompiles to the lock's r1cs and wasm`, () => checkCircuitCompile(name, spec, entry, artifactsDir));
    const ptau = resolvePtauPath(options.ptau, name);
    await add(`zkey:${name}`, `${name}: zkey verifies against the r1cs and the powers of tau`, async () => {
      const r = await checkZkey(name, artifactsDir, ptau, entry, bundles.filter((b) => b.bundle.instance === name).map((b) => b.bundle.vkeyHash));
      if (r.vkey) vkeyOf.set(name, r.vkey);
      return r.check;
    });
    await add(`verifier-contract:${name}`, `${name}: verifier contract embeds the verification key`, () => {
      const vkey = vkeyOf.get(name) ?? (JSON.parse(readFileSync(path.join(artifactsDir, name, `${name}.vkey.json`), "utf8")) as VerificationKey);
      return checkVerifierContract(name, path.join(verifierDir, `${verifierContractName(name)}.sol`), vkey, onchain?.verifiers[name]);
    });
  }

  // Ceremony.
  if (options.ceremony) {
    const dir = options.ceremony;
    await add("ceremony", "phase-2 ceremony transcript verifies", async () => {
      const ptau = options.ptau ?? process.env.HOMEOSTAT_PTAU;
      const v = await verifyTranscript(dir, ptau ? { ptau } : {});
      const failed = v.checks.filter((c) => c.status === "fail");
      return makeCheck(
        "ceremony",
        "phase-2 ceremony transcript verifies",
        { dir, instance: v.instance, contributions: v.contributions, finalized: v.finalized, passed: v.checks.filter((c) => c.status === "pass").length, failed: failed.length },
        failed.map((c) => `${c.title}: ${c.problems[0] ?? "failed"}`),
      );
    });
  } else {
    checks.push(skipped("ceremony", "phase-2 ceremony transcript verifies", "no --ceremony folder given"));
  }
  onchain?.close();

  return buildReport(checks, {
    treasury: options.treasury,
    policy: options.policy,
    prices: options.prices,
    liabilities: options.liabilities,
    state: options.state,
    bundles: options.bundles.join(", "),
    rpc: options.rpc ?? null,
    deployment: options.deployment ?? null,
    ceremony: options.ceremony ?? null,
    sample,
  });
}
