/**
 * `homeostat deploy --config FILE`: Homeostat's own contracts (Poseidon hashers, verifiers, timelock,
 * RiskPolicy, PriceSnapshots, SolvencyRegistry, TreasuryVault) deployed against a network's existing tokens,
 * Chainlink feeds and Uniswap V2 router and factory, named by a deploy config (chain/deploy-config.ts).
 *
 * The preflight (chain/preflight.ts) runs first and any failed check refuses the deployment before the
 * first transaction. The deployment file (`--out`) is the journal while the deployment runs
 * (chain/deploy-steps.ts): written atomically after every step, it lets a re-run of the same command resume
 * where an interruption stopped it, deploying no contract twice; a journal made from another config (its
 * hash), another chain or another deployer is refused. When every step is done the file becomes the
 * ordinary deployment file (with the config's hash and the steps' transactions), which `attachStack` and the
 * other commands read; a re-run then changes nothing.
 */
import { Contract, getAddress, getCreateAddress, type Signer } from "ethers";
import { existsSync, readFileSync } from "node:fs";
import { UserError } from "../core/errors.ts";
import { uniswapArtifact } from "./artifacts.ts";
import {
  configureAndHandOver,
  deployGovernedContracts,
  deployHashersAndVerifiers,
  deploymentRecord,
  homeostatArtifacts,
  instanceSizes,
  PAYOUT_ROLE_STEP,
  payoutLimitStep,
  writeDeployment,
  type Deployment,
  type DeployLog,
  type DeployRoles,
} from "./deploy.ts";
import { describeLimit } from "./payout-limits.ts";
import type { ExistingConfig } from "./deploy-config.ts";
import { JOURNAL_FORMAT, StepRunner, type DeployJournal } from "./deploy-steps.ts";
import { checkExistingContracts, formatFinding, type Finding } from "./preflight.ts";

/** The preflight found problems: nothing was sent. */
export class PreflightFailed extends UserError {
  readonly findings: Finding[];
  readonly lines: string[];
  constructor(file: string, failed: Finding[]) {
    super(`${failed.length} check${failed.length === 1 ? "" : "s"} failed; nothing was sent`, { where: file });
    this.findings = failed;
    this.lines = failed.map((f) => formatFinding(file, f));
  }
}

/** The accounts of a config as the deployment file records them (`governor`: the first proposer). */
function rolesOf(existing: ExistingConfig): DeployRoles {
  return { governor: getAddress(existing.governance.proposers[0]!), ...existing.roles };
}


/**
 * What `deploy --config` will send, in order, with the constructor arguments that matter and the role grants;
 * addresses of new contracts are predicted from the deployer's next nonce (`nonce`), valid if nothing else is
 * sent from it first. `done` lists the steps a journal already holds.
 */
export function deploymentPlan(existing: ExistingConfig, deployer: string, nonce: number, done: ReadonlySet<string> = new Set()): string[] {
  const { config } = existing;
  const sizes = instanceSizes(config.instance);
  const names = homeostatArtifacts(config.instance).names;
  const lines: string[] = [];
  let created = 0;
  const at = () => getCreateAddress({ from: deployer, nonce: nonce + created++ });
  const step = (name: string, text: string, creates: boolean) => {
    if (done.has(name)) {
      lines.push(`  [done] ${name}`);
      return "(deployed)";
    }
    const address = creates ? at() : undefined;
    lines.push(`  ${String(lines.length + 1).padStart(2)}. ${text}${address ? `  -> ${address}` : ""}`);
    return address ?? "";
  };
  for (const p of ["poseidon8Constants", "poseidon2", "poseidon3", "poseidon4", "poseidon8"]) step(p, `${p}: Poseidon ${p === "poseidon8Constants" ? "8-input round constants (data contract)" : `${p.slice(8)}-input hasher`}`, true);
  const hasher = step("PoseidonHasher", "PoseidonHasher(poseidon2, poseidon3, poseidon4, poseidon8)", true);
  step(names.solvency, `${names.solvency} (Groth16, S1)`, true);
  step(names.rebalance, `${names.rebalance} (Groth16, S2)`, true);
  step(names.payout, `${names.payout} (Groth16, S4)`, true);
  const g = existing.governance;
  const timelock = step("HomeostatTimelock", `HomeostatTimelock(delay ${config.timelockDelay} s, proposers [${g.proposers.map((a) => getAddress(a)).join(", ")}], executors [${g.executors.map((a) => getAddress(a)).join(", ")}], no admin)`, true);
  const vault = getCreateAddress({ from: deployer, nonce: nonce + created + 3 });
  const r = existing.roles;
  step("RiskPolicy", `RiskPolicy(hasher ${hasher}, A=${sizes.A}, K=${sizes.K}, C=${sizes.C}, vault ${vault} (precomputed), governance: the deployer until the hand-over, guardian ${getAddress(r.guardian)})`, true);
  step("PriceSnapshots", `PriceSnapshots(policy, hasher, governance: timelock ${timelock}, keeper ${getAddress(r.keeper)})`, true);
  step("SolvencyRegistry", `SolvencyRegistry(policy, snapshots, ${names.solvency}, vault, governance: timelock, operator ${getAddress(r.operator)}, guardian ${getAddress(r.guardian)})`, true);
  step("TreasuryVault", `TreasuryVault(policy, snapshots, registry, ${names.rebalance}, ${names.payout}, governance: the deployer until the hand-over, guardian ${getAddress(r.guardian)}, rebalancer ${getAddress(r.rebalancer)})`, true);
  config.attestors.forEach((key, slot) => step(`RiskPolicy.setAttestor(${slot})`, `RiskPolicy.setAttestor(${slot}, ${config.attestorNames?.[slot] ?? "attestor"}: ${key[0]}, ${key[1]})`, false));
  if (config.sequencer) step("RiskPolicy.setSequencerUptimeFeed", `RiskPolicy.setSequencerUptimeFeed(${getAddress(config.sequencer.feed)}, grace ${config.sequencer.gracePeriod} s)`, false);
  const assets = config.assets.map((a, i) => `${a.symbol} token ${getAddress(existing.assets[i]!.token)} feed ${getAddress(existing.assets[i]!.feed)} cap ${a.capBps} haircut ${a.haircutBps} bps${a.liquid ? " liquid" : ""}`);
  step("RiskPolicy.setPolicy", `RiskPolicy.setPolicy(${assets.join("; ")}; liability ${config.assets[config.liabilityAsset]!.symbol}, coverage ${config.minCoverageBps} bps, liquidity ${config.minLiquidityBps} bps, ${config.scenarios.length} scenarios)`, false);
  step("TreasuryVault.allowFactory", `TreasuryVault.allowFactory(${getAddress(existing.uniswap.factory)}, pair init-code hash ${existing.uniswap.pairInitCodeHash})`, false);
  if (config.payout?.account) step(PAYOUT_ROLE_STEP, `TreasuryVault.grantRole(PAYOUT_ROLE, ${getAddress(config.payout.account)})`, false);
  for (const l of config.payout?.limits ?? []) {
    const asset = config.assets[l.asset]!;
    step(payoutLimitStep(l.asset), `TreasuryVault.setPayoutLimit(${asset.symbol}: ${describeLimit(l.limit, l.period, asset)}, ${l.limit} base units)`, false);
  }
  for (const name of ["RiskPolicy", "TreasuryVault"]) {
    step(`${name}.grantRole(admin, timelock)`, `${name}.grantRole(governance, timelock ${timelock})`, false);
    step(`${name}.renounceRole(admin, deployer)`, `${name}.renounceRole(governance, deployer ${deployer})`, false);
  }
  return lines;
}

/** What `--out` holds for this config: nothing yet, a journal to resume, or the finished deployment. */
export function readJournal(out: string, existing: ExistingConfig, chainId: bigint, deployer: string): { journal?: DeployJournal; finished?: Deployment } {
  if (!existsSync(out)) return {};
  let json: { format?: unknown; configHash?: unknown; chainId?: unknown; deployer?: unknown };
  try {
    json = JSON.parse(readFileSync(out, "utf8")) as typeof json;
  } catch (e) {
    throw new UserError(`exists and is not a deployment journal (${(e as Error).message}); choose another --out`, { where: out, exitCode: 2 });
  }
  if (json.format !== JOURNAL_FORMAT && json.format !== "homeostat-deployment/1") {
    throw new UserError("exists and is not a deployment journal nor a deployment file; choose another --out", { where: out, exitCode: 2 });
  }
  if (json.configHash === undefined) {
    throw new UserError("holds a deployment not made from a deploy config (the test stack?); choose another --out", { where: out, exitCode: 2 });
  }
  if (json.configHash !== existing.hash) {
    const what = json.format === JOURNAL_FORMAT ? "the journal of an unfinished deployment" : "a deployment";
    throw new UserError(
      `${what} made from another config (hash ${String(json.configHash ?? "none")}; ${existing.file} hashes to ${existing.hash}): resume it with the config it was made from, or choose another --out`,
      { where: out },
    );
  }
  if (json.chainId !== chainId.toString()) throw new UserError(`a deployment on chain ${String(json.chainId)}; the node is chain ${chainId}`, { where: out });
  if (String(json.deployer).toLowerCase() !== deployer.toLowerCase()) {
    throw new UserError(`a deployment by ${String(json.deployer)}; the deployer now is ${deployer} (the same key must finish it)`, { where: out });
  }
  return json.format === JOURNAL_FORMAT ? { journal: json as DeployJournal } : { finished: json as Deployment };
}

/** `deployOntoExisting`'s result. */
export interface ExistingDeployResult {
  deployment: Deployment;
  /** Steps the journal held before this run (0: a fresh deployment). */
  resumedSteps: number;
  /** Transactions this run sent. */
  sent: number;
}

/**
 * Checks `existing` on the chain, then deploys Homeostat's contracts against it, journaled in `out` (see the
 * module header). `failAfter` is a test hook: stop with an error after that many steps, as an interruption.
 */
export async function deployOntoExisting(
  signer: Signer,
  existing: ExistingConfig,
  options: { out: string; rpc?: string; log?: DeployLog; failAfter?: number },
): Promise<ExistingDeployResult> {
  const log = options.log ?? (() => {});
  const provider = signer.provider;
  if (!provider) throw new UserError("the deployer has no provider");
  const deployer = getAddress(await signer.getAddress());
  const { config } = existing;
  const art = homeostatArtifacts(config.instance);
  const chainId = (await provider.getNetwork()).chainId;
  const failed = (await checkExistingContracts(provider, existing)).filter((f) => !f.ok);
  if (failed.length > 0) throw new PreflightFailed(existing.file, failed);

  const found = readJournal(options.out, existing, chainId, deployer);
  if (found.finished) {
    log(`${options.out} already holds this deployment: nothing to do`);
    return { deployment: found.finished, resumedSteps: found.finished.steps?.length ?? 0, sent: 0 };
  }
  const journal: DeployJournal = found.journal ?? {
    format: JOURNAL_FORMAT,
    configHash: existing.hash,
    configFile: existing.file,
    chainId: chainId.toString(),
    deployer,
    startedAt: new Date().toISOString(),
    steps: [],
  };
  const resumedSteps = journal.steps.filter((s) => s.done).length;
  if (resumedSteps > 0) log(`resuming from ${options.out}: ${resumedSteps} step(s) done`);
  const run = new StepRunner(signer, deployer, { journal: { file: options.out, state: journal }, ...(options.failAfter !== undefined ? { failAfter: options.failAfter } : {}) });
  run.save();

  const roles = rolesOf(existing);
  const verifiers = await deployHashersAndVerifiers(run, signer, art, log);
  const governance = { timelockDelay: config.timelockDelay, proposers: existing.governance.proposers, executors: existing.governance.executors };
  const governed = await deployGovernedContracts(run, deployer, instanceSizes(config.instance), art, verifiers, governance, roles, log);
  const tokens = existing.assets.map((a) => getAddress(a.token));
  const feeds = existing.assets.map((a) => getAddress(a.feed));
  const factory = getAddress(existing.uniswap.factory);
  const policyHash = await configureAndHandOver(run, signer, art, governed, config, { tokens, feeds, factory, pairInitCodeHash: existing.uniswap.pairInitCodeHash }, log);

  const router = getAddress(existing.uniswap.router);
  let weth = "0x0000000000000000000000000000000000000000";
  try {
    weth = getAddress((await new Contract(router, uniswapArtifact("UniswapV2Router02").abi, provider).getFunction("WETH")()) as string);
  } catch {
    // a router without WETH(): recorded as none
  }
  const deployment: Deployment = {
    ...deploymentRecord({ config, chainId, rpc: options.rpc, deployer, core: { ...verifiers, ...governed }, venue: { factory, router, weth, tokens, feeds }, roles, policyHash }),
    governance: { proposers: existing.governance.proposers.map((a) => getAddress(a)), executors: existing.governance.executors.map((a) => getAddress(a)) },
    configHash: existing.hash,
    steps: journal.steps,
  };
  writeDeployment(options.out, deployment);
  return { deployment, resumedSteps, sent: run.sent };
}
