/**
 * `homeostat demo` (`npm run demo`): the whole story on an embedded local chain (Hardhat's in-process
 * network), in a few minutes, with no flags:
 *
 *  1. setup, cached: the instance's circuits and keys (build/circuits) and the contracts (artifacts/);
 *  2. deploy the stack (chain/deploy.ts) with its Uniswap V2 venue, test tokens and Chainlink-style feeds;
 *  3. governance raises the coverage minimum through the timelock (schedule, wait the delay, execute);
 *  4. the liabilities of sample users (the liabilities builder, liabilities/) and their root published;
 *  5. a price snapshot and the first S1 attestation: most positions held by the vault itself (public totals the
 *     registry checks against its balances), one held at an attestor (a custodian with its own BabyJubjub key,
 *     registered in the policy) whose signed statement every proof checks;
 *  6. a market shock: the feeds move (ETH -40% by default) and arbitrage moves the Uniswap pools;
 *  7. the keeper (keeper/loop.ts): plans with keeper/planner.ts, proves each swap (S2), executes it through
 *     the vault, records what it received and re-attests (S1);
 *  8. a grant paid out (S4): governance gives a payout account its role and a weekly limit through the timelock;
 *     the payout is proven on the keeper's state and sent; a depositor's deposit is counted by the keeper,
 *     whose next attestation commits it;
 *  9. the browser page (verifier/web, built if missing) and every bundle written into the output folder.
 *
 * Interactively (stdin a TTY, no --no-serve) it then serves the page until Ctrl-C; otherwise it prints the
 * URL `homeostat serve` would give and exits 0. Progress on stderr; the summary on stdout (--json: JSON).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { integerOption } from "../options.ts";
import path from "node:path";
import type { Command } from "commander";
import { id, type Signer } from "ethers";
import { defaultDeployConfig, deployStack, attachStack, instanceSizes, INSTANCES, localRoles, policyOfConfig, writeDeployment, type DeployConfig, type InstanceName } from "../../chain/deploy.ts";
import { policyCallArg } from "../../chain/policy.ts";
import { advanceTime, governanceCall, publishLiabilitiesRoot } from "../../chain/gate.ts";
import { projectHre } from "../../chain/local.ts";
import { onChain } from "../../chain/session.ts";
import { UserError } from "../../core/errors.ts";
import { policyHash } from "../../core/hash.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { runSetup } from "../../setup/pipeline.ts";
import { createReporter } from "../../setup/progress.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { randomFieldElement } from "../../prover/state.ts";
import { loadLiabilities, policyFields } from "../../prover/treasury.ts";
import type { Position } from "../../core/types.ts";
import { unitPriceFromAnswer } from "../../core/units.ts";
import { formatDecimal } from "../../core/units.ts";
import { writeBundle } from "../../prover/bundle.ts";
import type { ProofBundle } from "../../core/bundle-schema.ts";
import { DIST_DIR, ensureWebBuild } from "../../verifier/web/build.ts";
import { moveMarket, StackChain } from "../../keeper/chain.ts";
import { coverageOf, DEFAULT_KEEPER_SETTINGS, runTick, type KeeperEvent, type KeeperTrade } from "../../keeper/loop.ts";
import { BundleProver, riskPolicyOf } from "../../keeper/prover.ts";
import { FileStateStore } from "../../keeper/state-store.ts";
import { runPayout } from "../../keeper/payout.ts";
import { startServer, type RunningServer } from "./serve.ts";
import { createAttestorKey, signatureFields, signStatement, writeAttestorKey } from "../../prover/attestor.ts";
import type { SignedCustody } from "../../core/types.ts";

/** The demo's custodian: it holds part of the WBTC for the treasury and signs statements of it. */
const DEMO_ATTESTOR = "Harbor Custody (demo)";
/** Share of the vault's WBTC the custodian holds on top, in thousandths (0.1 WBTC per 1 WBTC held). */
const ATTESTED_PER_MILLE = 100n;

interface DemoFlags {
  out: string;
  instance?: string;
  shock: string;
  asset: string;
  port: string;
  serve: boolean;
  json?: boolean;
}

/** The sample users (balances in USDC). Together they owe 1,650,000 USDC. */
const SAMPLE_USERS: readonly [string, string][] = [
  ["alice@example.org", "520000"],
  ["bob@example.org", "410000.50"],
  ["carol@example.org", "299999.50"],
  ["dave@example.org", "250000"],
  ["erin@example.org", "120000"],
  ["frank@example.org", "50000"],
];

/** The coverage minimum governance sets through the timelock (bps). */
const DEMO_MIN_COVERAGE_BPS = 12_500;
/** The payout account's weekly limit, the grant it pays and a depositor's deposit, in liability-asset units. */
const DEMO_PAYOUT_LIMIT = 100_000n;
const DEMO_GRANT = 25_000n;
const DEMO_DEPOSIT = 40_000n;

const parseIntFlag = (text: string, flag: string, min: number, max: number): number => integerOption(text, flag, { min, max });

/** Which instance group to run: the flag, else `test` (small and fast; the standard one takes much longer to set up). */
function chooseInstance(flag: string | undefined): InstanceName {
  if (flag === undefined) return "test";
  if (!(INSTANCES as readonly string[]).includes(flag)) throw new UserError(`unknown instance group "${flag}" (expected ${INSTANCES.join(" or ")})`, { where: "--instance", exitCode: 2 });
  return flag as InstanceName;
}

/**
 * True when a contract the demo deploys has no artifact, or its source (contracts/, the instance's generated
 * verifiers) is newer than the artifact (e.g. the setup pipeline regenerated the verifiers).
 */
function contractsStale(instance: InstanceName): boolean {
  const cap = `${instance[0]!.toUpperCase()}${instance.slice(1)}`;
  const sources: [string, string][] = [
    ...["TreasuryVault", "SolvencyRegistry", "RiskPolicy", "PriceSnapshots", "PoseidonHasher", "HomeostatTimelock"].map((n): [string, string] => [n, path.join("contracts", `${n}.sol`)]),
    ...[`Solvency${cap}Verifier`, `Rebalance${cap}Verifier`, `Payout${cap}Verifier`].map((n): [string, string] => [n, path.join("contracts", "generated", `${n}.sol`)]),
    ["TestToken", path.join("contracts", "test", "TestToken.sol")],
    ["TestFeed", path.join("contracts", "test", "TestFeed.sol")],
  ];
  for (const [name, source] of sources) {
    const artifact = path.join(PROJECT_ROOT, "artifacts", source, `${name}.json`);
    const src = path.join(PROJECT_ROOT, source);
    if (!existsSync(artifact) || (existsSync(src) && statSync(src).mtimeMs > statSync(artifact).mtimeMs)) return true;
  }
  return false;
}

const pct = (bps: bigint) => `${(Number(bps) / 100).toFixed(2)}%`;

/** Registers `demo` on the program. */
export function register(program: Command): void {
  program
    .command("demo")
    .description("the whole story on an embedded local chain: setup, deploy, policy, liabilities, attestation, a market shock, the keeper's proven rebalances, the browser page")
    .option("--out <dir>", "output folder (page, bundles, deployment, private state)", ".homeostat/demo")
    .option("--instance <group>", `circuit instance group: ${INSTANCES.join(" or ")} (default: test)`)
    .option("--asset <symbol>", "asset whose price the shock moves", "WETH")
    .option("--shock <percent>", "price drop of the shocked asset, percent (1-95)", "40")
    .option("--port <n>", "port of the page server (0: any free port)", "4173")
    .option("--no-serve", "exit after writing the page and bundles (also the default when stdin is not a terminal)")
    .option("--json", "print the summary as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Setup is cached: build/circuits is reused when up to date, else restored from the artifact cache, else",
        "built (without `zkey verify`) on the powers of tau `homeostat setup` would pick: HOMEOSTAT_PTAU, the cache,",
        "../shared/ptau, or a development file generated in under a minute (with a warning). The chain lives in this",
        "process and ends with it. The output folder holds site/ (the page and bundles/), deployment.json and",
        "private/ (the keeper's state and the liabilities tree: salts and balances, keep it private).",
      ].join("\n"),
    )
    .action(async (flags: DemoFlags) => {
      const instance = chooseInstance(flags.instance);
      const shockPct = parseIntFlag(flags.shock, "--shock", 1, 95);
      const port = parseIntFlag(flags.port, "--port", 0, 65535);
      const out = path.resolve(flags.out);
      const serve = flags.serve && process.stdin.isTTY === true;
      const started = performance.now();
      const timings: Record<string, number> = {};
      const say = (line: string) => process.stderr.write(`homeostat demo: ${line}\n`);
      const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const t = performance.now();
        try {
          return await work();
        } finally {
          timings[name] = Number(((performance.now() - t) / 1000).toFixed(2));
        }
      };

      // 1. setup (cached)
      await timed("setup", async () => {
        const reporter = createReporter({ prefix: "homeostat demo: setup" });
        // No `zkey verify` on the demo's path: `setup` (and `npm test`) verify, and a later verifying setup
        // verifies these keys too (their manifests record that they were not).
        const summary = await runSetup({ instances: [`solvency-${instance}`, `rebalance-${instance}`, `payout-${instance}`], reporter, verify: false });
        const built = summary.instances.filter((i) => i.status !== "up-to-date");
        say(built.length === 0 ? `circuits ${instance}: up to date` : `circuits set up: ${built.map((i) => i.instance).join(", ")}`);
        if (built.length > 0 || contractsStale(instance)) {
          say("compiling the contracts (hardhat build)");
          const hre = await projectHre();
          await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
        }
      });

      // 2. chain + deploy
      const hre = await projectHre();
      const connection = await hre.network.connect();
      const signers = (await connection.ethers.getSigners()) as unknown as Signer[];
      const signer = signers[0]!;
      const config: DeployConfig = defaultDeployConfig(instance);
      // The custodian: its key stays in the private folder (owner-only file); the policy holds its public key.
      mkdirSync(path.join(out, "private"), { recursive: true });
      const attestor = await createAttestorKey(DEMO_ATTESTOR);
      writeAttestorKey(path.join(out, "private", "attestor-key.json"), attestor, { force: true });
      config.attestors = [attestor.publicKey];
      config.attestorNames = [DEMO_ATTESTOR];
      const attestedAsset = Math.max(0, config.assets.findIndex((a) => a.symbol === "WBTC"));
      const attestedAmount = (config.assets[attestedAsset]!.vaultHolding * ATTESTED_PER_MILLE) / 1000n;
      const shockIndex = config.assets.findIndex((a) => a.symbol.toUpperCase() === flags.asset.toUpperCase());
      if (shockIndex < 0) throw new UserError(`no asset ${flags.asset} in this deployment (${config.assets.map((a) => a.symbol).join(", ")})`, { where: "--asset", exitCode: 2 });
      if (shockIndex === config.liabilityAsset) throw new UserError("the shocked asset must not be the liability asset", { where: "--asset", exitCode: 2 });

      // Operator, keeper, rebalancer and guardian are four accounts of their own (accounts 1-4).
      const roles = await localRoles((i) => signers[i]!.getAddress());
      const deployment = await timed("deploy", () => onChain("deploy", () => deployStack(signer, config, { roles, log: (l) => say(`deploy: ${l}`) })));
      const stack = attachStack(deployment, signer, { operator: signers[1]!, keeper: signers[2]!, rebalancer: signers[3]! });
      writeDeployment(path.join(out, "deployment.json"), deployment);
      say(`deployed on the in-process chain ${deployment.chainId}: vault ${deployment.contracts.treasuryVault}`);

      // 3. policy through the timelock
      await timed("policy", async () => {
        config.minCoverageBps = DEMO_MIN_COVERAGE_BPS;
        const onchain = policyOfConfig(config, deployment.assets.map((a) => a.token), deployment.assets.map((a) => a.feed));
        const data = stack.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(onchain)]);
        await onChain("timelock", () => governanceCall(stack, deployment.contracts.riskPolicy, data, (s) => advanceTime(stack, s)));
        say(`governance: minimum coverage ${pct(BigInt(DEMO_MIN_COVERAGE_BPS))} set through the timelock (delay ${deployment.timelockDelay} s)`);
      });
      const policy = riskPolicyOf(deployment, config);
      const fields = policyFields(policy);
      const onchainHash = (await stack.riskPolicy.getFunction("policyHash")()) as bigint;
      if (onchainHash !== policyHash(fields)) throw new Error("the on-chain policy hash differs from the prover's (deployment and prover disagree)");

      // 4. liabilities of sample users
      const liab = await timed("liabilities", async () => {
        const usersFile = path.join(out, "private", "users.csv");
        writeFileSync(usersFile, ["user,balance", ...SAMPLE_USERS.map(([u, b]) => `${u},${b}`), ""].join("\n"));
        const asset = policy.assets[policy.liabilityAsset]!;
        const depth = instance === "test" ? 4 : 20;
        const table = await readLiabilities(usersFile, { decimals: asset.decimals, maxUsers: 2 ** depth });
        const treeDir = path.join(out, "private", "liabilities");
        const built = await buildTree(table, { depth, decimals: asset.decimals, outDir: treeDir, replace: true, hasher: createTreeHasher({ engine: "js" }), source: usersFile });
        const loaded = loadLiabilities(treeDir, policy, () => []);
        await onChain("publishLiabilitiesRoot", () => publishLiabilitiesRoot(stack, loaded.root));
        say(`liabilities: ${SAMPLE_USERS.length} users owing ${formatDecimal(built.total, asset.decimals, { group: true })} ${asset.symbol}; root published`);
        return loaded;
      });

      // the keeper's ports and state
      const size = instanceSizes(instance);
      const bundlesDir = path.join(out, "site", "bundles");
      rmSync(path.join(out, "site"), { recursive: true, force: true });
      mkdirSync(bundlesDir, { recursive: true });
      let bundleCount = 0;
      const written: string[] = [];
      const onBundle = (bundle: ProofBundle) => {
        bundleCount++;
        const name = `${String(bundleCount).padStart(2, "0")}-${bundle.statement === "solvency" ? "attestation" : bundle.statement}.json`;
        writeBundle(path.join(bundlesDir, name), bundle);
        written.push(name);
      };
      // The custodian signs a statement of what it holds at each snapshot's time (an attestation service would
      // sign on a schedule; the circuits accept one no older than the policy's maxAttestationAge).
      const attestedAmounts = config.assets.map((_, i) => (i === attestedAsset ? attestedAmount : 0n));
      const statementFor = async (timestamp: bigint): Promise<SignedCustody> => {
        const statement = await signStatement({
          privateKey: attestor.privateKey, chainId: BigInt(deployment.chainId), vault: deployment.contracts.treasuryVault, name: DEMO_ATTESTOR,
          tokens: deployment.assets.map((a) => a.token), symbols: deployment.assets.map((a) => a.symbol), amounts: attestedAmounts, timestamp,
        });
        writeFileSync(path.join(out, "private", "attestor-statement.json"), `${JSON.stringify(statement, null, 2)}\n`);
        const f = signatureFields(statement);
        return { timestamp: f.timestamp, amounts: f.amounts, r8x: f.r8x, r8y: f.r8y, s: f.s };
      };
      const statements = async (snapshot: { timestamp: bigint }) => [await statementFor(snapshot.timestamp)];
      const prover = new BundleProver({ instance, size, policy, liabilities: liab, onBundle, statements });
      const chain = new StackChain(stack, deployment, { onRetry: (what, n) => say(`retrying ${what} (attempt ${n + 1})`) });
      const unitPricesOf = (answers: readonly bigint[]) => config.assets.map((a, i) => unitPriceFromAnswer(answers[i]!, a.feedDecimals, a.decimals));
      const answers = config.assets.map((a) => a.answer);

      // 5. snapshot and first attestation
      const first = await timed("attestation", async () => {
        await moveMarket(stack, deployment, answers, unitPricesOf); // refresh every feed after the timelock wait
        const snapshot = await chain.snapshot(0);
        const slots: Position[] = config.assets.map((a, i) => ({ assetIndex: BigInt(i), custody: 0n, amount: a.vaultHolding, salt: randomFieldElement() }));
        slots.push({ assetIndex: BigInt(attestedAsset), custody: 1n, amount: attestedAmount, salt: randomFieldElement() });
        while (slots.length < size.N) slots.push({ assetIndex: 0n, custody: 0n, amount: 0n, salt: randomFieldElement() });
        const proven = await prover.proveSolvency(slots, snapshot, await chain.sequence());
        const { txHash } = await onChain("publishAttestation", () => chain.attest(proven.proof));
        const stateFile = path.join(out, "private", "keeper-state.json");
        rmSync(stateFile, { force: true });
        const store = FileStateStore.create(stateFile, proven.slots);
        const coverage = coverageOf(proven.slots, snapshot.unitPrices, fields, liab.total);
        say(`snapshot ${snapshot.id}; S1 attestation published (coverage ${pct(coverage)}, proof ${proven.seconds.toFixed(1)} s) in ${txHash.slice(0, 10)}…`);
        return { store, coverage, seconds: proven.seconds };
      });

      // 6. market shock
      const shocked = [...answers];
      shocked[shockIndex] = (answers[shockIndex]! * BigInt(100 - shockPct)) / 100n;
      const symbol = config.assets[shockIndex]!.symbol;
      const arbitrage = await timed("shock", () => moveMarket(stack, deployment, shocked, unitPricesOf));
      const shockPrices = unitPricesOf(shocked);
      const coverageShocked = coverageOf(first.store.held(), shockPrices, fields, liab.total);
      say(`market shock: ${symbol} -${shockPct}% on its feed; ${arbitrage} arbitrage trades moved the pools; coverage now ${pct(coverageShocked)} (minimum ${pct(BigInt(DEMO_MIN_COVERAGE_BPS))})`);

      // 7. the keeper
      const trades: KeeperTrade[] = [];
      let attestations = 1;
      let proveSeconds = first.seconds;
      const log = (e: KeeperEvent) => {
        if (e.event === "tick") say(`keeper: ${String(e["plan"])}`);
        else if (e.event === "rebalanced") say(`keeper: swapped ${String(e["amountIn"])} ${String(e["sell"])} base units for ${String(e["amountOut"])} ${String(e["buy"])} (proven floor ${String(e["minAmountOut"])})`);
        else if (e.event === "attested") say(`keeper: re-attested (S1) in ${String(e["tx"]).slice(0, 10)}…`);
        else if (e.event === "reverted" || e.event === "skip") say(`keeper: ${e.event}: ${String(e["reason"])}`);
      };
      const ctx = {
        chain, prover, store: first.store, policy: fields, liabilitiesTotal: liab.total,
        assets: config.assets.map((a) => ({ symbol: a.symbol, decimals: a.decimals })),
        scenarioNames: config.scenarios.map((s) => s.name),
        settings: { ...DEFAULT_KEEPER_SETTINGS },
        log,
      };
      let lastCoverage = coverageShocked;
      await timed("keeper", async () => {
        for (let tick = 0; tick < 4; tick++) {
          const result = await runTick(ctx);
          trades.push(...result.trades);
          if (result.attestation) {
            attestations++;
            proveSeconds += result.attestation.proveSeconds;
          }
          proveSeconds += result.trades.reduce((s, t) => s + t.proveSeconds, 0);
          lastCoverage = result.coverageAfterBps;
          if (!result.acted || result.trades.length === 0) break;
        }
      });

      // 8. a grant paid out with a proof, and a deposit counted by the keeper
      const liabilityAsset = config.assets[config.liabilityAsset]!;
      const flows = await timed("payout", async () => {
        const vault = stack.treasuryVault;
        const payer = signers[5]!;
        const grantee = await signers[6]!.getAddress();
        const depositor = signers[7]!;
        const limit = DEMO_PAYOUT_LIMIT * 10n ** BigInt(liabilityAsset.decimals);
        for (const data of [
          vault.interface.encodeFunctionData("grantRole", [id("PAYOUT_ROLE"), await payer.getAddress()]),
          vault.interface.encodeFunctionData("setPayoutLimit", [config.liabilityAsset, limit, 7n * 86_400n]),
        ]) {
          await onChain("timelock", () => governanceCall(stack, deployment.contracts.treasuryVault, data, (s) => advanceTime(stack, s)));
        }
        say(`governance: a payout account may pay up to ${formatDecimal(limit, liabilityAsset.decimals, { group: true })} ${liabilityAsset.symbol} a week (timelock)`);
        await moveMarket(stack, deployment, shocked, unitPricesOf); // the feeds answer again after the timelock waits
        const amount = DEMO_GRANT * 10n ** BigInt(liabilityAsset.decimals);
        const paid = await runPayout(ctx, { asset: BigInt(config.liabilityAsset), amount, recipient: BigInt(grantee) }, payer);
        proveSeconds += paid.proveSeconds;
        say(`payout: ${formatDecimal(amount, liabilityAsset.decimals, { group: true })} ${liabilityAsset.symbol} to ${grantee} with an S4 proof that the positions left meet the policy (${paid.proveSeconds.toFixed(1)} s) in ${paid.txHash.slice(0, 10)}…`);
        const deposited = DEMO_DEPOSIT * 10n ** BigInt(liabilityAsset.decimals);
        const token = stack.tokens[config.liabilityAsset]!;
        await onChain("deposit", async () => {
          await (await token.getFunction("mint")(await depositor.getAddress(), deposited)).wait();
          await (await (token.connect(depositor) as typeof token).getFunction("approve")(deployment.contracts.treasuryVault, deposited)).wait();
          await (await (vault.connect(depositor) as typeof vault).getFunction("deposit")(config.liabilityAsset, deposited)).wait();
        });
        const counted = await runTick(ctx);
        if (counted.attestation) {
          attestations++;
          proveSeconds += counted.attestation.proveSeconds;
        }
        lastCoverage = counted.coverageAfterBps;
        say(`deposit: ${formatDecimal(deposited, liabilityAsset.decimals, { group: true })} ${liabilityAsset.symbol}; the keeper counted ${counted.deposits.length} deposit(s) and re-attested`);
        return { payout: { asset: liabilityAsset.symbol, amount: formatDecimal(amount, liabilityAsset.decimals), to: grantee, tx: paid.txHash }, deposit: { asset: liabilityAsset.symbol, amount: formatDecimal(deposited, liabilityAsset.decimals), counted: counted.deposits.length } };
      });

      // 9. the page
      const site = path.join(out, "site");
      let server: RunningServer | undefined;
      const url = await timed("page", async () => {
        const build = await ensureWebBuild({ log: (l) => say(`page: ${l}`) });
        for (const entry of readdirSync(DIST_DIR)) cpSync(path.join(DIST_DIR, entry), path.join(site, entry), { recursive: true });
        const latest = written.filter((n) => n.endsWith("-attestation.json")).at(-1) ?? written.at(-1)!;
        if (build.built) say("page: built verifier/web");
        if (serve) {
          server = await startServer({ pageDir: site, bundlesDir, port });
          return `${server.baseUrl}?bundle=${encodeURIComponent(`bundles/${latest}`)}`;
        }
        return `http://127.0.0.1:${port === 0 ? 4173 : port}/?bundle=${encodeURIComponent(`bundles/${latest}`)}`;
      });
      await connection.close?.();

      const asset = (i: number) => config.assets[i]!;
      const summary = {
        instance,
        chainId: deployment.chainId,
        vault: deployment.contracts.treasuryVault,
        proven: {
          attestations,
          rebalances: trades.length,
          payouts: 1,
          statements:
            "S1: the committed positions satisfy the policy and cover the committed liabilities at the snapshot prices; S2: each swap moves the committed root by exactly that action into a state that passes the policy; S4: the payout takes exactly that amount to that recipient and the positions left pass the policy",
        },
        shock: { asset: symbol, dropPercent: shockPct, arbitrageTrades: arbitrage },
        payout: flows.payout,
        deposit: flows.deposit,
        custody: {
          vault: "every other position: its committed totals are public and checked against the vault's balances on chain",
          attested: [{ attestor: DEMO_ATTESTOR, asset: asset(attestedAsset).symbol, amount: formatDecimal(attestedAmount, asset(attestedAsset).decimals), statement: path.join(out, "private", "attestor-statement.json") }],
        },
        coverageBps: { initial: first.coverage.toString(), afterShock: coverageShocked.toString(), afterKeeper: lastCoverage.toString(), minimum: String(DEMO_MIN_COVERAGE_BPS) },
        trades: trades.map((t) => ({
          sell: t.sell,
          amountIn: formatDecimal(t.amountIn, asset(config.assets.findIndex((a) => a.symbol === t.sell)).decimals),
          buy: t.buy,
          minAmountOut: formatDecimal(t.minAmountOut, asset(config.assets.findIndex((a) => a.symbol === t.buy)).decimals),
          amountOut: formatDecimal(t.amountOut, asset(config.assets.findIndex((a) => a.symbol === t.buy)).decimals),
          reason: t.reason,
          tx: t.txHash,
        })),
        bundles: written.map((n) => path.join(bundlesDir, n)),
        latestBundle: path.join(bundlesDir, written.filter((n) => n.endsWith("-attestation.json")).at(-1) ?? written.at(-1)!),
        site,
        url,
        serveCommand: `homeostat serve --bundles ${path.relative(process.cwd(), bundlesDir) || "."}`,
        timings: { ...timings, proving: Number(proveSeconds.toFixed(2)), total: Number(((performance.now() - started) / 1000).toFixed(2)) },
      };

      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        const lines = [
          `Homeostat demo (${instance} instance, in-process chain ${deployment.chainId})`,
          `  proven and verified on chain: ${attestations} solvency attestations (S1), ${trades.length} rebalances (S2), 1 payout (S4)`,
          `  custody: the vault holds the rest (public totals, checked against its balances on chain); ${DEMO_ATTESTOR} holds ${summary.custody.attested[0]!.amount} ${asset(attestedAsset).symbol} (its signed statement is checked in every proof)`,
          `  shock: ${symbol} -${shockPct}% (feeds and Uniswap pools)`,
          `  coverage: ${pct(first.coverage)} before -> ${pct(coverageShocked)} after the shock -> ${pct(lastCoverage)} after the keeper (minimum ${pct(BigInt(DEMO_MIN_COVERAGE_BPS))})`,
          ...trades.map((t, i) => `  trade ${i + 1}: ${summary.trades[i]!.amountIn} ${t.sell} -> ${summary.trades[i]!.amountOut} ${t.buy} (proven floor ${summary.trades[i]!.minAmountOut}); ${t.reason}`),
          `  payout: ${flows.payout.amount} ${flows.payout.asset} to ${flows.payout.to} (S4); deposit: ${flows.deposit.amount} ${flows.deposit.asset}, counted by the keeper's next attestation`,
          `  timings: ${Object.entries(summary.timings).map(([k, v]) => `${k} ${v} s`).join(", ")}`,
          `  bundles: ${bundlesDir}`,
          `page: ${url}`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      }

      if (!server) {
        say(`not serving (${flags.serve ? "stdin is not a terminal" : "--no-serve"}); \`${summary.serveCommand}\` gives ${url}`);
        return;
      }
      const running = server;
      say(`serving ${url} ; Ctrl-C stops`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void running.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
