/**
 * Deploys a whole Homeostat stack onto any ethers signer (Hardhat's in-process network in tests, a JSON-RPC
 * node from the CLI): the Poseidon hashers and PoseidonHasher, the instance's two Groth16 verifiers, the
 * TimelockController that governs, RiskPolicy, PriceSnapshots, SolvencyRegistry, TreasuryVault, and the
 * local world they act in: test tokens, Chainlink MockV3Aggregator feeds, and a real Uniswap V2 factory +
 * router (Uniswap's own compiled artifacts) with a pool per asset pair, seeded at the oracle prices.
 *
 * Deploy order and bootstrap (documented in RiskPolicy.sol too): the vault's address is hashed into the
 * policy, but the vault needs the policy, snapshots and registry first. The deployer therefore precomputes
 * the vault's CREATE address from its nonce, deploys RiskPolicy and SolvencyRegistry with it, deploys the
 * vault and checks that the address matches. The deployer holds governance of RiskPolicy and the vault only
 * during the bootstrap (initial policy, factory list), then grants it to the timelock and renounces it;
 * PriceSnapshots and SolvencyRegistry are governed by the timelock from their constructor on.
 *
 * The Homeostat part (hashers, verifiers, the five governed contracts, the bootstrap's configuration and
 * hand-over) is shared with `deployOntoExisting` (chain/deploy-existing.ts), which deploys it against a
 * network's existing tokens, feeds and Uniswap V2 from a config file, journaled so it can resume.
 */
import { Contract, getAddress, getCreateAddress, id, keccak256, MaxUint256, ZeroAddress, type ContractRunner, type InterfaceAbi, type Signer } from "ethers";
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { UserError } from "../core/errors.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";
import { factoryOf, loadArtifact, uniswapArtifact, type Artifact } from "./artifacts.ts";
import { policyCallArg, type OnchainPolicy } from "./policy.ts";
import { NO_SEQUENCER } from "../prover/treasury.ts";
import { attestorKeyList } from "../core/hash.ts";
import { deployPoseidon, type PoseidonDeployment } from "./poseidon.ts";
import { JOURNAL_FORMAT, StepRunner, type JournalStep } from "./deploy-steps.ts";

/** Circuit instance groups a deployment can be made for. */
export const INSTANCES = ["test", "standard"] as const;
export type InstanceName = (typeof INSTANCES)[number];

/** Circuit sizes of an instance. */
export interface InstanceSizes {
  N: number;
  A: number;
  K: number;
  /** Attestor slots. */
  C: number;
}

/** The sizes of `solvency-<instance>` in circuits/circuits.json (`params: [N, A, K, C]`). */
export function instanceSizes(instance: InstanceName): InstanceSizes {
  const table = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "circuits", "circuits.json"), "utf8")) as Record<string, { params: number[] }>;
  const params = table[`solvency-${instance}`]?.params;
  if (!params || params.length < 4) throw new UserError(`circuits/circuits.json has no solvency-${instance} instance`, { where: "--instance" });
  return { N: params[0]!, A: params[1]!, K: params[2]!, C: params[3]! };
}

/** Contract names of an instance's verifiers (as setup/verifier.ts names them). */
export function verifierNames(instance: InstanceName): { solvency: string; rebalance: string; payout: string } {
  const cap = instance[0]!.toUpperCase() + instance.slice(1);
  return { solvency: `Solvency${cap}Verifier`, rebalance: `Rebalance${cap}Verifier`, payout: `Payout${cap}Verifier` };
}

/** One asset of a local deployment: the token and feed to create, and its rules in the initial policy. */
export interface LocalAsset {
  symbol: string;
  name: string;
  decimals: number;
  feedDecimals: number;
  /** The feed's initial answer (USD with `feedDecimals` decimals). */
  answer: bigint;
  capBps: number;
  haircutBps: number;
  liquid: boolean;
  maxAge: number;
  minAnswer: bigint;
  maxAnswer: bigint;
  /** Base units minted to the vault at deployment. */
  vaultHolding: bigint;
}

/** Everything a local deployment is made from. */
export interface DeployConfig {
  instance: InstanceName;
  assets: LocalAsset[];
  /** K scenarios, each a price drop per asset (bps, asset order). */
  scenarios: { name: string; shockBps: number[] }[];
  liabilityAsset: number;
  minCoverageBps: number;
  minLiquidityBps: number;
  /** Largest price concession of a swap's proven minimum against the snapshot, bps. */
  maxSlippageBps: number;
  maxSnapshotAge: number;
  /** Seconds a new liabilities root waits before it backs attestations. */
  liabilitiesDelay: number;
  /** Oldest custody statement (seconds before the snapshot) a proof may rely on. */
  maxAttestationAge: number;
  /** BabyJubjub public keys of the attestors, slot order (at most C); set before governance is handed over. */
  attestors: (readonly [bigint, bigint])[];
  /** Their names, for people (not on chain). */
  attestorNames?: string[];
  /** TimelockController minimum delay, seconds. */
  timelockDelay: number;
  /** USD depth of each side of each Uniswap pool. */
  poolUsd: bigint;
  /** The L2 sequencer uptime feed and its grace period (seconds), if the chain has one. */
  sequencer?: { feed: string; gracePeriod: number };
  /**
   * Set on the vault before governance is handed over (`deploy --config`'s `roles.payout` and `payoutLimits`):
   * the account granted PAYOUT_ROLE, and per asset the limit (base units) per period (seconds). Otherwise nobody
   * holds the role and every limit is zero until governance sets them.
   */
  payout?: { account?: string; limits: PayoutLimitSetting[] };
}

/** One asset's payout limit set at deployment. */
export interface PayoutLimitSetting {
  asset: number;
  limit: bigint;
  period: number;
}

const usd = (dollars: number, feedDecimals = 8) => BigInt(dollars) * 10n ** BigInt(feedDecimals);
const units = (amount: number, decimals: number) => BigInt(amount) * 10n ** BigInt(decimals);

/** Stablecoin feeds: 24 h heartbeat plus an hour; volatile assets: 1 h heartbeat plus five minutes. */
function stable(symbol: string, name: string, decimals: number, holding: number, haircutBps: number): LocalAsset {
  return {
    symbol, name, decimals, feedDecimals: 8, answer: usd(1), capBps: 10_000, haircutBps, liquid: true,
    maxAge: 25 * 3600, minAnswer: usd(1) / 2n, maxAnswer: usd(2), vaultHolding: units(holding, decimals),
  };
}
function volatile(symbol: string, name: string, decimals: number, price: number, holding: number, capBps: number, haircutBps: number, liquid: boolean): LocalAsset {
  return {
    symbol, name, decimals, feedDecimals: 8, answer: usd(price), capBps, haircutBps, liquid,
    maxAge: 3900, minAnswer: usd(price) / 100n, maxAnswer: usd(price) * 100n, vaultHolding: units(holding, decimals),
  };
}

const ASSET_POOL: LocalAsset[] = [
  stable("USDC", "USD Coin (test)", 6, 1_000_000, 0),
  volatile("WETH", "Wrapped Ether (test)", 18, 3_000, 200, 5_000, 2_000, true),
  volatile("WBTC", "Wrapped Bitcoin (test)", 8, 60_000, 5, 4_000, 2_500, false),
  stable("DAI", "Dai Stablecoin (test)", 18, 500_000, 200),
  volatile("LINK", "Chainlink (test)", 18, 15, 10_000, 2_000, 3_500, false),
  volatile("UNI", "Uniswap (test)", 18, 8, 10_000, 2_000, 4_000, false),
  volatile("AAVE", "Aave (test)", 18, 100, 1_000, 2_000, 3_500, false),
  stable("USDT", "Tether USD (test)", 6, 200_000, 100),
];

/** Stress scenarios by name: price drop per symbol (bps). The liability asset (USDC) is never shocked. */
const SCENARIO_POOL: { name: string; shocks: Record<string, number> }[] = [
  { name: "crypto crash", shocks: { WETH: 4_000, WBTC: 4_000, LINK: 6_000, UNI: 6_000, AAVE: 6_000, DAI: 300, USDT: 300 } },
  { name: "stablecoin depeg", shocks: { DAI: 2_000, USDT: 2_000, WETH: 1_000, WBTC: 1_000 } },
  { name: "ether crash", shocks: { WETH: 6_000, LINK: 3_000, UNI: 3_000, AAVE: 3_000 } },
  { name: "broad drawdown", shocks: { WETH: 3_000, WBTC: 3_000, LINK: 4_000, UNI: 4_000, AAVE: 4_000, DAI: 500, USDT: 500 } },
];

/** The default local deployment of an instance: the first A assets and K scenarios of the pools above. */
export function defaultDeployConfig(instance: InstanceName): DeployConfig {
  const { A, K } = instanceSizes(instance);
  if (A > ASSET_POOL.length || K > SCENARIO_POOL.length) throw new Error(`no default config for A=${A}, K=${K}`);
  const assets = ASSET_POOL.slice(0, A).map((a) => ({ ...a }));
  return {
    instance,
    assets,
    scenarios: SCENARIO_POOL.slice(0, K).map((s) => ({ name: s.name, shockBps: assets.map((a) => s.shocks[a.symbol] ?? 0) })),
    liabilityAsset: 0,
    minCoverageBps: 11_000,
    minLiquidityBps: 2_000,
    // the pool fee (0.3%), the keeper's slippage tolerance (0.5%) and room for price impact
    maxSlippageBps: 300,
    maxSnapshotAge: 3600,
    // The local world publishes and attests in one go; a real deployment sets hours (users check first).
    liabilitiesDelay: 0,
    maxAttestationAge: 86_400,
    attestors: [],
    timelockDelay: 3600,
    poolUsd: 50_000_000n,
  };
}

/**
 * Addresses that hold the operational roles. `deployStack` defaults every one to the deployer (a library
 * default for single-key tests); `homeostat deploy` and the demo give operator, keeper, rebalancer and
 * guardian four accounts of their own (`localRoles`), so one stolen key holds one role.
 */
export interface DeployRoles {
  /** Proposer and executor of the timelock (the governance multisig in production). */
  governor: string;
  operator: string;
  keeper: string;
  guardian: string;
  rebalancer: string;
  /** PAYOUT_ROLE, when the deploy config names it (else nobody until governance grants it). */
  payout?: string;
}

/** The deployment file (`homeostat deploy --out`). */
export interface Deployment {
  format: "homeostat-deployment/1";
  instance: InstanceName;
  chainId: string;
  /** JSON-RPC URL the stack was deployed through (absent for an in-process network). */
  rpc?: string;
  deployer: string;
  createdAt: string;
  sizes: InstanceSizes;
  contracts: {
    poseidon: PoseidonDeployment;
    poseidonHasher: string;
    solvencyVerifier: string;
    rebalanceVerifier: string;
    payoutVerifier: string;
    timelock: string;
    riskPolicy: string;
    priceSnapshots: string;
    solvencyRegistry: string;
    treasuryVault: string;
    uniswapFactory: string;
    uniswapRouter: string;
    weth: string;
  };
  assets: { symbol: string; name: string; token: string; feed: string; decimals: number; feedDecimals: number }[];
  scenarios: string[];
  /** Attestor names by slot (for people; the keys are on chain). */
  attestors?: string[];
  roles: DeployRoles;
  /** Timelock proposers and executors, when they are not just `roles.governor` (`deploy --config`). */
  governance?: { proposers: string[]; executors: string[] };
  timelockDelay: number;
  policyHash: string;
  /** `deploy --config`: keccak256 of the config it was made from, and the transaction of every step. */
  configHash?: string;
  steps?: JournalStep[];
}

/** Progress callback: one line per step. */
export type DeployLog = (line: string) => void;

async function deploy(artifact: Artifact, signer: Signer, args: unknown[] = []): Promise<Contract> {
  const contract = await factoryOf(artifact, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

async function send(promise: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await promise).wait();
}

/** The on-chain policy of a config, given the deployed tokens and feeds. */
export function policyOfConfig(config: DeployConfig, tokens: readonly string[], feeds: readonly string[]): OnchainPolicy {
  return {
    assets: config.assets.map((a, i) => ({
      symbol: a.symbol,
      token: tokens[i]!,
      tokenDecimals: a.decimals,
      capBps: a.capBps,
      haircutBps: a.haircutBps,
      liquid: a.liquid,
      feed: feeds[i]!,
      feedDecimals: a.feedDecimals,
      maxAge: a.maxAge,
      minAnswer: a.minAnswer,
      maxAnswer: a.maxAnswer,
    })),
    shockBps: config.scenarios.map((s) => [...s.shockBps]),
    liabilityAsset: config.liabilityAsset,
    minCoverageBps: config.minCoverageBps,
    minLiquidityBps: config.minLiquidityBps,
    maxSlippageBps: config.maxSlippageBps,
    maxSnapshotAge: config.maxSnapshotAge,
    liabilitiesDelay: config.liabilitiesDelay,
    maxAttestationAge: config.maxAttestationAge,
    sequencer: { ...(config.sequencer ?? NO_SEQUENCER) },
    attestorKeys: attestorKeyList(config.attestors, instanceSizes(config.instance).C).map((k) => [k[0], k[1]] as const),
  };
}

/** Base units of `asset` worth `dollars` at its feed answer. */
export function unitsForUsd(asset: Pick<LocalAsset, "decimals" | "feedDecimals" | "answer">, dollars: bigint): bigint {
  return (dollars * 10n ** BigInt(asset.decimals + asset.feedDecimals)) / asset.answer;
}

/** Homeostat's own artifacts for an instance, all loaded before the first transaction (a missing build fails first). */
export function homeostatArtifacts(instance: InstanceName) {
  const names = verifierNames(instance);
  return {
    names,
    hasher: loadArtifact("PoseidonHasher"),
    solvencyVerifier: loadArtifact(names.solvency),
    rebalanceVerifier: loadArtifact(names.rebalance),
    payoutVerifier: loadArtifact(names.payout),
    timelock: loadArtifact("HomeostatTimelock"),
    policy: loadArtifact("RiskPolicy"),
    snapshots: loadArtifact("PriceSnapshots"),
    registry: loadArtifact("SolvencyRegistry"),
    vault: loadArtifact("TreasuryVault"),
  };
}
type HomeostatArtifacts = ReturnType<typeof homeostatArtifacts>;

/** The hashers and verifiers (no constructor arguments that depend on anything else). */
export async function deployHashersAndVerifiers(run: StepRunner, signer: Signer, art: HomeostatArtifacts, log: DeployLog) {
  log("Poseidon hashers (2, 3, 4, 8 inputs), checked against poseidon-lite");
  const poseidon = await deployPoseidon(signer, (name, abi, data) => run.create(name, { abi: abi as InterfaceAbi, bytecode: data }));
  const hasher = await run.create("PoseidonHasher", art.hasher, () => [poseidon.poseidon2, poseidon.poseidon3, poseidon.poseidon4, poseidon.poseidon8]);
  log(`Groth16 verifiers ${art.names.solvency}, ${art.names.rebalance}, ${art.names.payout}`);
  const solvencyVerifier = await run.create(art.names.solvency, art.solvencyVerifier);
  const rebalanceVerifier = await run.create(art.names.rebalance, art.rebalanceVerifier);
  const payoutVerifier = await run.create(art.names.payout, art.payoutVerifier);
  return { poseidon, hasher, solvencyVerifier, rebalanceVerifier, payoutVerifier };
}

/** Who governs: the timelock's delay, proposers and executors. */
export interface Governance {
  timelockDelay: number;
  proposers: string[];
  executors: string[];
}

/**
 * The timelock, then RiskPolicy, PriceSnapshots, SolvencyRegistry and TreasuryVault on four consecutive nonces
 * of the deployer, so that the vault lands at the address precomputed for RiskPolicy and the registry (see the
 * module header). The deployer holds RiskPolicy's and the vault's governance until `configureAndHandOver`.
 */
export async function deployGovernedContracts(
  run: StepRunner,
  deployer: string,
  sizes: InstanceSizes,
  art: HomeostatArtifacts,
  verifiers: { hasher: string; solvencyVerifier: string; rebalanceVerifier: string; payoutVerifier: string },
  governance: Governance,
  roles: Omit<DeployRoles, "governor">,
  log: DeployLog,
) {
  log(`timelock (delay ${governance.timelockDelay} s)`);
  const timelock = await run.create("HomeostatTimelock", art.timelock, () => [governance.timelockDelay, governance.proposers, governance.executors, ZeroAddress]);
  log("RiskPolicy, PriceSnapshots, SolvencyRegistry, TreasuryVault");
  // The vault is the fourth contract from RiskPolicy's nonce: RiskPolicy, PriceSnapshots, SolvencyRegistry, TreasuryVault.
  const planned = { vault: run.vault };
  const riskPolicy = await run.create("RiskPolicy", art.policy, (nonce) => {
    planned.vault = { address: getCreateAddress({ from: deployer, nonce: nonce + 3 }), nonce: nonce + 3 };
    run.vault = planned.vault;
    return [verifiers.hasher, sizes.A, sizes.K, sizes.C, planned.vault.address, deployer, roles.guardian];
  });
  const vault = planned.vault;
  if (!vault) throw new UserError("the journal records RiskPolicy but not the vault's planned address; start over with another --out");
  const snapshots = await run.create("PriceSnapshots", art.snapshots, () => [riskPolicy, verifiers.hasher, timelock, roles.keeper], () => vault.nonce - 2);
  const registry = await run.create(
    "SolvencyRegistry",
    art.registry,
    () => [riskPolicy, snapshots, verifiers.solvencyVerifier, vault.address, timelock, roles.operator, roles.guardian],
    () => vault.nonce - 1,
  );
  const treasuryVault = await run.create(
    "TreasuryVault",
    art.vault,
    () => [riskPolicy, snapshots, registry, verifiers.rebalanceVerifier, verifiers.payoutVerifier, deployer, roles.guardian, roles.rebalancer],
    () => vault.nonce,
  );
  if (treasuryVault !== vault.address) {
    throw new UserError(`the vault landed at ${treasuryVault}, not at the precomputed ${vault.address} (another transaction from the deployer interleaved); redeploy`);
  }
  return { timelock, riskPolicy, priceSnapshots: snapshots, solvencyRegistry: registry, treasuryVault };
}

const ADMIN_ROLE = "0x0000000000000000000000000000000000000000000000000000000000000000";
/** TreasuryVault's PAYOUT_ROLE: submits proven payouts within each asset's limit per period. */
export const PAYOUT_ROLE = id("PAYOUT_ROLE");

/** Journal step names of the payout role's grant and of an asset's payout limit (the dry-run plan uses them too). */
export const PAYOUT_ROLE_STEP = "TreasuryVault.grantRole(payout)";
export const payoutLimitStep = (asset: number) => `TreasuryVault.setPayoutLimit(${asset})`;

/**
 * The bootstrap's end: attestors, the L2 sequencer feed (if any), the initial policy, the factory list, and
 * the payout role and limits (if any) set by the deployer, then RiskPolicy's and the vault's governance
 * granted to the timelock and renounced by the deployer. Returns the policy hash.
 */
export async function configureAndHandOver(
  run: StepRunner,
  signer: Signer,
  art: HomeostatArtifacts,
  contracts: { timelock: string; riskPolicy: string; treasuryVault: string },
  config: DeployConfig,
  venue: { tokens: readonly string[]; feeds: readonly string[]; factory: string; pairInitCodeHash: string },
  log: DeployLog,
): Promise<bigint> {
  log("initial policy, attestors, factory list, governance handed to the timelock");
  const sizes = instanceSizes(config.instance);
  if (config.attestors.length > sizes.C) throw new UserError(`instance ${config.instance} has ${sizes.C} attestor slot(s); the config names ${config.attestors.length}`, { where: "config.attestors" });
  const riskPolicy = new Contract(contracts.riskPolicy, art.policy.abi, signer);
  const vault = new Contract(contracts.treasuryVault, art.vault.abi, signer);
  for (const [slot, key] of config.attestors.entries()) await run.call(`RiskPolicy.setAttestor(${slot})`, riskPolicy, "setAttestor", [slot, key[0], key[1]]);
  if (config.sequencer) await run.call("RiskPolicy.setSequencerUptimeFeed", riskPolicy, "setSequencerUptimeFeed", [config.sequencer.feed, config.sequencer.gracePeriod]);
  await run.call("RiskPolicy.setPolicy", riskPolicy, "setPolicy", [policyCallArg(policyOfConfig(config, venue.tokens, venue.feeds))]);
  await run.call("TreasuryVault.allowFactory", vault, "allowFactory", [venue.factory, venue.pairInitCodeHash]);
  if (config.payout?.account) await run.call(PAYOUT_ROLE_STEP, vault, "grantRole", [PAYOUT_ROLE, config.payout.account]);
  for (const l of config.payout?.limits ?? []) await run.call(payoutLimitStep(l.asset), vault, "setPayoutLimit", [l.asset, l.limit, l.period]);
  for (const [name, c] of [["RiskPolicy", riskPolicy], ["TreasuryVault", vault]] as const) {
    await run.call(`${name}.grantRole(admin, timelock)`, c, "grantRole", [ADMIN_ROLE, contracts.timelock]);
    await run.call(`${name}.renounceRole(admin, deployer)`, c, "renounceRole", [ADMIN_ROLE, await signer.getAddress()]);
  }
  return (await riskPolicy.getFunction("policyHash").staticCall()) as bigint;
}

/** The deployment record of the Homeostat contracts and the venue they act on. */
export function deploymentRecord(args: {
  config: DeployConfig;
  chainId: bigint;
  rpc?: string | undefined;
  deployer: string;
  core: Awaited<ReturnType<typeof deployHashersAndVerifiers>> & Awaited<ReturnType<typeof deployGovernedContracts>>;
  venue: { factory: string; router: string; weth: string; tokens: readonly string[]; feeds: readonly string[] };
  roles: DeployRoles;
  policyHash: bigint;
}): Deployment {
  const { config, core, venue } = args;
  return {
    format: "homeostat-deployment/1",
    instance: config.instance,
    chainId: args.chainId.toString(),
    ...(args.rpc ? { rpc: args.rpc } : {}),
    deployer: args.deployer,
    createdAt: new Date().toISOString(),
    sizes: instanceSizes(config.instance),
    contracts: {
      poseidon: core.poseidon,
      poseidonHasher: core.hasher,
      solvencyVerifier: core.solvencyVerifier,
      rebalanceVerifier: core.rebalanceVerifier,
      payoutVerifier: core.payoutVerifier,
      timelock: core.timelock,
      riskPolicy: core.riskPolicy,
      priceSnapshots: core.priceSnapshots,
      solvencyRegistry: core.solvencyRegistry,
      treasuryVault: core.treasuryVault,
      uniswapFactory: venue.factory,
      uniswapRouter: venue.router,
      weth: venue.weth,
    },
    assets: config.assets.map((a, i) => ({
      symbol: a.symbol, name: a.name, token: venue.tokens[i]!, feed: venue.feeds[i]!, decimals: a.decimals, feedDecimals: a.feedDecimals,
    })),
    scenarios: config.scenarios.map((s) => s.name),
    attestors: config.attestorNames ?? config.attestors.map((_, c) => `attestor ${c + 1}`),
    roles: args.roles,
    timelockDelay: config.timelockDelay,
    policyHash: args.policyHash.toString(),
  };
}

/**
 * Deploys the whole stack for `config` with `signer` and returns the deployment record. Local world only:
 * tokens, feeds and Uniswap are created here (a real network brings its own: `deployOntoExisting`).
 */
export async function deployStack(
  signer: Signer,
  config: DeployConfig,
  options: { roles?: Partial<DeployRoles>; rpc?: string; log?: DeployLog } = {},
): Promise<Deployment> {
  const log = options.log ?? (() => {});
  const provider = signer.provider;
  if (!provider) throw new UserError("the deployer has no provider");
  const deployer = getAddress(await signer.getAddress());
  const roles: DeployRoles = {
    governor: deployer, operator: deployer, keeper: deployer, guardian: deployer, rebalancer: deployer,
    ...options.roles,
  };
  const sizes = instanceSizes(config.instance);
  if (config.assets.length !== sizes.A || config.scenarios.length !== sizes.K) {
    throw new UserError(`instance ${config.instance} takes ${sizes.A} assets and ${sizes.K} scenarios`, { where: "config" });
  }
  const chainId = (await provider.getNetwork()).chainId;
  // Load every artifact before the first transaction, so a missing build fails before anything is deployed.
  const art = homeostatArtifacts(config.instance);
  const local = {
    token: loadArtifact("TestToken"),
    feed: loadArtifact("TestFeed"),
    weth: uniswapArtifact("WETH9"),
    factory: uniswapArtifact("UniswapV2Factory"),
    router: uniswapArtifact("UniswapV2Router02"),
  };
  const run = new StepRunner(signer, deployer);

  const verifiers = await deployHashersAndVerifiers(run, signer, art, log);

  log(`test tokens and Chainlink mock feeds: ${config.assets.map((a) => a.symbol).join(", ")}`);
  const tokens: Contract[] = [];
  const feeds: Contract[] = [];
  for (const a of config.assets) {
    tokens.push(await deploy(local.token, signer, [a.name, a.symbol, a.decimals]));
    feeds.push(await deploy(local.feed, signer, [a.feedDecimals, a.answer]));
  }
  const tokenAddresses = await Promise.all(tokens.map((t) => t.getAddress()));
  const feedAddresses = await Promise.all(feeds.map((f) => f.getAddress()));

  const governed = await deployGovernedContracts(run, deployer, sizes, art, verifiers, { timelockDelay: config.timelockDelay, proposers: [roles.governor], executors: [roles.governor] }, roles, log);

  log("Uniswap V2 (WETH9, factory, router02) from Uniswap's compiled artifacts");
  const weth = await deploy(local.weth, signer);
  const factory = await deploy(local.factory, signer, [deployer]);
  const router = await deploy(local.router, signer, [await factory.getAddress(), await weth.getAddress()]);
  const routerAddress = await router.getAddress();

  log(`pools for every pair, $${config.poolUsd} per side at the oracle prices; vault holdings`);
  const perToken = config.assets.map((a) => unitsForUsd(a, config.poolUsd) * BigInt(config.assets.length - 1));
  for (const [i, token] of tokens.entries()) {
    await send(token.getFunction("mint")(deployer, perToken[i]!));
    await send(token.getFunction("approve")(routerAddress, MaxUint256));
    const holding = config.assets[i]!.vaultHolding;
    if (holding > 0n) await send(token.getFunction("mint")(governed.treasuryVault, holding));
  }
  const latest = await provider.getBlock("latest");
  const deadline = BigInt(latest!.timestamp) + 3600n;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j < tokens.length; j++) {
      const a = unitsForUsd(config.assets[i]!, config.poolUsd);
      const b = unitsForUsd(config.assets[j]!, config.poolUsd);
      await send(router.getFunction("addLiquidity")(tokenAddresses[i], tokenAddresses[j], a, b, a, b, deployer, deadline));
    }
  }

  const venue = { factory: await factory.getAddress(), router: routerAddress, weth: await weth.getAddress(), tokens: tokenAddresses, feeds: feedAddresses };
  const policyHash = await configureAndHandOver(run, signer, art, governed, config, { ...venue, pairInitCodeHash: pairInitCodeHash() }, log);
  return deploymentRecord({ config, chainId, rpc: options.rpc, deployer, core: { ...verifiers, ...governed }, venue, roles, policyHash });
}

/** The parts of a deployment `deployOntoExisting` (chain/deploy-existing.ts) assembles from the steps above. */

/**
 * Distinct role accounts from a node's unlocked accounts: 1 operator, 2 keeper, 3 rebalancer, 4 guardian
 * (account 0 deploys and governs through the timelock), each overridable.
 */
export async function localRoles(accounts: (index: number) => Promise<string>, overrides: Partial<DeployRoles> = {}): Promise<Partial<DeployRoles>> {
  const pick = async (role: keyof DeployRoles, index: number) => overrides[role] ?? (await accounts(index));
  return {
    operator: await pick("operator", 1),
    keeper: await pick("keeper", 2),
    rebalancer: await pick("rebalancer", 3),
    guardian: await pick("guardian", 4),
    ...(overrides.governor ? { governor: overrides.governor } : {}),
  };
}

/** keccak256 of UniswapV2Pair's creation code: what the factory's CREATE2 pair addresses are derived from. */
export function pairInitCodeHash(): string {
  return keccak256(uniswapArtifact("UniswapV2Pair").bytecode);
}

/** Writes a deployment file atomically. */
export function writeDeployment(file: string, deployment: Deployment): void {
  writeFileAtomic(file, `${JSON.stringify(deployment, null, 2)}\n`);
}

/** Reads and sanity-checks a deployment file. */
export function readDeployment(file: string): Deployment {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`cannot read the deployment: ${(e as Error).message}`, { where: file });
  }
  const d = json as Partial<Deployment>;
  if ((d.format as string | undefined) === JOURNAL_FORMAT) {
    throw new UserError("an unfinished deployment (the journal of `homeostat deploy --config`): run the same deploy command again to finish it", { where: file });
  }
  if (d.format !== "homeostat-deployment/1") throw new UserError('not a deployment file (format is not "homeostat-deployment/1")', { where: file });
  if (!d.contracts || !d.instance || !d.chainId || !Array.isArray(d.assets)) throw new UserError("incomplete deployment file", { where: file });
  return d as Deployment;
}

/** The deployed contracts as ethers Contracts on `runner`. */
export interface Stack {
  hasher: Contract;
  riskPolicy: Contract;
  priceSnapshots: Contract;
  solvencyRegistry: Contract;
  treasuryVault: Contract;
  timelock: Contract;
  router: Contract;
  factory: Contract;
  tokens: Contract[];
  feeds: Contract[];
}

/** Signers of the operational roles, where they differ from the stack's main runner. */
export interface RoleRunners {
  /** Publishes liabilities roots and attestations (SolvencyRegistry). */
  operator?: ContractRunner;
  /** Takes price snapshots (PriceSnapshots). */
  keeper?: ContractRunner;
  /** Submits proven rebalances (TreasuryVault). */
  rebalancer?: ContractRunner;
}

/**
 * Attaches to a deployment's contracts with `runner`; PriceSnapshots, SolvencyRegistry and TreasuryVault use
 * the keeper's, the operator's and the rebalancer's signer when `roles` gives them.
 */
export function attachStack(deployment: Deployment, runner: ContractRunner, roles: RoleRunners = {}): Stack {
  const at = (address: string, artifact: Artifact, by: ContractRunner = runner) => new Contract(address, artifact.abi, by);
  const c = deployment.contracts;
  return {
    hasher: at(c.poseidonHasher, loadArtifact("PoseidonHasher")),
    riskPolicy: at(c.riskPolicy, loadArtifact("RiskPolicy")),
    priceSnapshots: at(c.priceSnapshots, loadArtifact("PriceSnapshots"), roles.keeper),
    solvencyRegistry: at(c.solvencyRegistry, loadArtifact("SolvencyRegistry"), roles.operator),
    treasuryVault: at(c.treasuryVault, loadArtifact("TreasuryVault"), roles.rebalancer),
    timelock: at(c.timelock, loadArtifact("HomeostatTimelock")),
    router: at(c.uniswapRouter, uniswapArtifact("UniswapV2Router02")),
    factory: at(c.uniswapFactory, uniswapArtifact("UniswapV2Factory")),
    tokens: deployment.assets.map((a) => at(a.token, loadArtifact("TestToken"))),
    feeds: deployment.assets.map((a) => at(a.feed, loadArtifact("TestFeed"))),
  };
}
