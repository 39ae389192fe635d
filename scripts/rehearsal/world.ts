/**
 * The rehearsal's "pre-existing world": what a network already has before Homeostat is deployed onto it with
 * `homeostat deploy --config`. One account (the node's account 9 by default, standing for the token issuers,
 * the oracle network, Uniswap and the treasury's own multisig at once) deploys:
 *  - four ERC-20 tokens (USDC, WETH, WBTC, DAI: the repo's TestToken) and a Chainlink-style USD feed for
 *    each (TestFeed, Chainlink's MockV3Aggregator), plus an L2 sequencer uptime feed up for two hours;
 *  - WETH9, a Uniswap V2 factory and router (Uniswap's own compiled artifacts from npm), and a second,
 *    unaccepted factory and router, a stale feed and a sequencer feed that is down (for negative checks);
 *  - a pool for every pair of the four tokens, `poolUsd` deep on each side at the feed prices, so the
 *    keeper can trade between any two assets and arbitrage can move the pools with the feeds;
 *  - the treasury's holdings (`WORLD_ASSETS[].holding`) minted to that account, which `fundVault` later
 *    transfers to the deployed TreasuryVault, as a treasury would be funded.
 * `worldConfig` writes the deploy config (chain/deploy-config.ts) for it; the roles are the node's accounts
 * 1 operator, 2 keeper, 3 rebalancer, 4 guardian, 5 governance (timelock proposer and executor).
 *
 * Used by test/contracts/deploy-config.test.ts and test/rehearsal/rehearsal.test.ts, and as a script:
 *
 *   node --import tsx scripts/rehearsal/world.ts --rpc URL --out config.json
 *       deploys the world on the node at URL and writes its deploy config to config.json
 *   node --import tsx scripts/rehearsal/world.ts --rpc URL --fund deployment.json
 *       transfers the treasury's holdings to the vault of that deployment (after `homeostat deploy --config`)
 *
 * `--account N` picks another of the node's unlocked accounts as the world's owner.
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Contract, getAddress, JsonRpcProvider, MaxUint256, type Signer } from "ethers";
import { factoryOf, loadArtifact, uniswapArtifact, type Artifact } from "../../chain/artifacts.ts";
import { readDeployment, unitsForUsd } from "../../chain/deploy.ts";
import { DEPLOY_CONFIG_FORMAT } from "../../chain/deploy-config.ts";

/** What Chainlink's MockV3Aggregator reports as description() (the config must name it). */
export const MOCK_FEED_DESCRIPTION = "v0.8/tests/MockV3Aggregator.sol";

/** The world's assets, in policy order: token, feed, the policy's per-asset rules and the treasury's holding. */
export const WORLD_ASSETS = [
  { symbol: "USDC", decimals: 6, answer: 1n * 10n ** 8n, maxAge: "25h", minAnswer: "0.5", maxAnswer: "2", cap: "100%", haircut: "0%", liquid: true, holding: 300_000n * 10n ** 6n },
  { symbol: "WETH", decimals: 18, answer: 3000n * 10n ** 8n, maxAge: "65m", minAnswer: "30", maxAnswer: "300000", cap: "50%", haircut: "20%", liquid: true, holding: 150n * 10n ** 18n },
  { symbol: "WBTC", decimals: 8, answer: 60000n * 10n ** 8n, maxAge: "65m", minAnswer: "600", maxAnswer: "6000000", cap: "40%", haircut: "25%", liquid: false, holding: 4n * 10n ** 8n },
  { symbol: "DAI", decimals: 18, answer: 1n * 10n ** 8n, maxAge: "25h", minAnswer: "0.5", maxAnswer: "2", cap: "100%", haircut: "2%", liquid: true, holding: 200_000n * 10n ** 18n },
] as const;

/** Feed decimals of every USD feed of the world. */
export const WORLD_FEED_DECIMALS = 8;

/** Default depth of each side of each pool, USD. */
export const WORLD_POOL_USD = 20_000_000n;

/** The addresses of a deployed world. */
export interface World {
  owner: string;
  tokens: string[];
  feeds: string[];
  weth: string;
  factory: string;
  router: string;
  /** A second Uniswap V2 factory and router, not on the config's accepted list. */
  otherFactory: string;
  otherRouter: string;
  /** A feed last updated ten days ago. */
  staleFeed: string;
  /** Sequencer uptime feeds: up for two hours, and down. */
  sequencer: string;
  sequencerDown: string;
  /** The pools (pairs) of the factory, one per pair of tokens. */
  pairs: string[];
}

async function deploy(artifact: Artifact, signer: Signer, args: unknown[] = []): Promise<string> {
  const c = await factoryOf(artifact, signer).deploy(...args);
  await c.waitForDeployment();
  return c.getAddress();
}

async function send(tx: Promise<{ wait(): Promise<unknown> }>): Promise<void> {
  await (await tx).wait();
}

/** Deploys the world with `owner` (see the module header). */
export async function deployWorld(owner: Signer, options: { poolUsd?: bigint } = {}): Promise<World> {
  const provider = owner.provider;
  if (!provider) throw new Error("deployWorld: the owner has no provider");
  const ownerAddress = getAddress(await owner.getAddress());
  const poolUsd = options.poolUsd ?? WORLD_POOL_USD;
  const token = loadArtifact("TestToken");
  const feed = loadArtifact("TestFeed");
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);

  const tokens: string[] = [];
  const feeds: string[] = [];
  for (const a of WORLD_ASSETS) {
    tokens.push(await deploy(token, owner, [`${a.symbol} (existing)`, a.symbol, a.decimals]));
    feeds.push(await deploy(feed, owner, [WORLD_FEED_DECIMALS, a.answer]));
  }
  const weth = await deploy(uniswapArtifact("WETH9"), owner);
  const factory = await deploy(uniswapArtifact("UniswapV2Factory"), owner, [ownerAddress]);
  const router = await deploy(uniswapArtifact("UniswapV2Router02"), owner, [factory, weth]);
  const otherFactory = await deploy(uniswapArtifact("UniswapV2Factory"), owner, [ownerAddress]);
  const otherRouter = await deploy(uniswapArtifact("UniswapV2Router02"), owner, [otherFactory, weth]);

  // Pools for every pair at the feed prices, and the treasury's holdings, all minted to the owner.
  const depth = WORLD_ASSETS.map((a) => unitsForUsd({ decimals: a.decimals, feedDecimals: WORLD_FEED_DECIMALS, answer: a.answer }, poolUsd));
  for (const [i, a] of WORLD_ASSETS.entries()) {
    const t = new Contract(tokens[i]!, token.abi, owner);
    await send(t.getFunction("mint")(ownerAddress, depth[i]! * BigInt(WORLD_ASSETS.length - 1) + a.holding));
    await send(t.getFunction("approve")(router, MaxUint256));
  }
  const routerContract = new Contract(router, uniswapArtifact("UniswapV2Router02").abi, owner);
  const deadline = (await now()) + 3600n;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j < tokens.length; j++) {
      await send(routerContract.getFunction("addLiquidity")(tokens[i], tokens[j], depth[i], depth[j], depth[i], depth[j], ownerAddress, deadline));
    }
  }
  const factoryContract = new Contract(factory, uniswapArtifact("UniswapV2Factory").abi, provider);
  const pairCount = (await factoryContract.getFunction("allPairsLength")()) as bigint;
  const pairs: string[] = [];
  for (let p = 0n; p < pairCount; p++) pairs.push((await factoryContract.getFunction("allPairs")(p)) as string);

  // A feed last updated ten days ago.
  const staleFeed = await deploy(feed, owner, [WORLD_FEED_DECIMALS, 10n ** 8n]);
  const tenDaysAgo = (await now()) - 10n * 86_400n;
  await send(new Contract(staleFeed, feed.abi, owner).getFunction("updateRoundData")(2n, 10n ** 8n, tenDaysAgo, tenDaysAgo));
  // L2 sequencer uptime feeds (answer 0 = up): one up for two hours, one down.
  const sequencer = await deploy(feed, owner, [0, 0n]);
  const sequencerDown = await deploy(feed, owner, [0, 1n]);
  const twoHoursAgo = (await now()) - 7_200n;
  await send(new Contract(sequencer, feed.abi, owner).getFunction("updateRoundData")(2n, 0n, twoHoursAgo, twoHoursAgo));

  return { owner: ownerAddress, tokens, feeds, weth, factory, router, otherFactory, otherRouter, staleFeed, sequencer, sequencerDown, pairs };
}

/**
 * The deploy config of Homeostat's test instance against `world`: the role accounts are the node's accounts
 * 1-5 (`accounts`: its eth_accounts). The policy keeps coverage at 100%, liquidity at 20%, and no
 * publication delay for the liabilities root (a rehearsal publishes and attests in one go); `overrides`
 * replaces top-level fields.
 */
export function worldConfig(world: World, options: { chainId: bigint | number; accounts: readonly string[]; overrides?: Record<string, unknown> }): Record<string, unknown> {
  const { accounts } = options;
  return {
    format: DEPLOY_CONFIG_FORMAT,
    description: "Rehearsal: Homeostat's test instance against tokens, feeds and Uniswap V2 deployed beforehand (scripts/rehearsal/world.ts).",
    chainId: Number(options.chainId),
    instance: "test",
    assets: WORLD_ASSETS.map((a, i) => ({
      symbol: a.symbol,
      token: world.tokens[i],
      decimals: a.decimals,
      feed: { address: world.feeds[i], decimals: WORLD_FEED_DECIMALS, description: MOCK_FEED_DESCRIPTION, maxAge: a.maxAge, minAnswer: a.minAnswer, maxAnswer: a.maxAnswer },
      cap: a.cap,
      haircut: a.haircut,
      liquid: a.liquid,
    })),
    sequencer: { feed: world.sequencer, gracePeriod: "1h" },
    uniswap: { router: world.router, factory: world.factory, acceptedFactories: [world.factory] },
    liabilityAsset: "USDC",
    minCoverage: "100%",
    minLiquidity: "20%",
    maxSlippage: "3%",
    maxSnapshotAge: "1h",
    liabilitiesDelay: 0,
    scenarios: [
      { name: "crypto crash", shocks: { WETH: "40%", WBTC: "40%", DAI: "3%" } },
      { name: "stablecoin depeg", shocks: { DAI: "20%", WETH: "10%", WBTC: "10%" } },
    ],
    governance: { timelockDelay: "2d", proposers: [accounts[5]], executors: [accounts[5]] },
    roles: { guardian: accounts[4], operator: accounts[1], keeper: accounts[2], rebalancer: accounts[3] },
    ...options.overrides,
  };
}

/**
 * Funds the vault: transfers the treasury's holdings (`WORLD_ASSETS[].holding`, by symbol) of each token of
 * `tokens` from `owner` to `vault`. Returns the amounts, in `tokens` order.
 */
export async function fundVault(owner: Signer, tokens: readonly { symbol: string; token: string }[], vault: string): Promise<bigint[]> {
  const abi = loadArtifact("TestToken").abi;
  const amounts: bigint[] = [];
  for (const t of tokens) {
    const asset = WORLD_ASSETS.find((a) => a.symbol === t.symbol);
    if (!asset) throw new Error(`fundVault: ${t.symbol} is not one of the world's assets`);
    await send(new Contract(t.token, abi, owner).getFunction("transfer")(vault, asset.holding));
    amounts.push(asset.holding);
  }
  return amounts;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { rpc: { type: "string" }, out: { type: "string" }, fund: { type: "string" }, account: { type: "string", default: "9" } }, strict: true });
  const usage = "usage: world.ts --rpc URL (--out CONFIG.json | --fund DEPLOYMENT.json) [--account N]";
  if (!values.rpc || (values.out === undefined) === (values.fund === undefined)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const provider = new JsonRpcProvider(values.rpc, undefined, { staticNetwork: false, pollingInterval: 50, cacheTimeout: -1 });
  try {
    const accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
    const owner = await provider.getSigner(Number(values.account));
    if (values.fund) {
      const deployment = readDeployment(values.fund);
      const amounts = await fundVault(owner, deployment.assets, deployment.contracts.treasuryVault);
      process.stdout.write(`funded the vault ${deployment.contracts.treasuryVault}: ${deployment.assets.map((a, i) => `${amounts[i]} ${a.symbol}`).join(", ")} (base units)\n`);
      return 0;
    }
    const world = await deployWorld(owner);
    const config = worldConfig(world, { chainId: (await provider.getNetwork()).chainId, accounts });
    writeFileSync(values.out!, `${JSON.stringify(config, null, 2)}\n`);
    process.stdout.write(`deployed the world (${world.tokens.length} tokens and feeds, ${world.pairs.length} pools, factory ${world.factory}, router ${world.router}); wrote ${values.out}\n`);
    return 0;
  } finally {
    provider.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main(process.argv.slice(2));
