/**
 * The rehearsal (issue 16): Homeostat deployed onto a network that already has its tokens, feeds and
 * Uniswap V2, and the keeper run against it as an operator would run it, through a price shock, killed at
 * every stage and restarted, and through an outage of its node.
 *
 * Every actor is a separate process: a `hardhat node` (JSON-RPC on localhost); the world script
 * (scripts/rehearsal/world.ts) deploys the "pre-existing" tokens, feeds, WETH9 and a Uniswap V2 factory and
 * router on it, seeds a pool for every pair at the feed prices and writes a deploy config;
 * `homeostat deploy --config` deploys Homeostat against them; the world script funds the vault;
 * `homeostat liabilities build` builds the users' tree; `homeostat keeper` runs as a child process each time.
 * The test process itself only moves the market (feeds and pools, as keeper/chain.ts `moveMarket` does:
 * what the oracles and arbitrageurs would do) and reads the chain.
 *
 * The crash, in three legs (ETH and BTC at 80%, 70%, then 56% of their start; the first breaks the
 * crypto-crash scenario bound, the next two bring it back inside the keeper's trigger margin after each
 * fix): the keeper is killed (HOMEOSTAT_KEEPER_CRASH_AT) after it recorded a proven swap as pending, then
 * after that swap was mined; after the second leg, after it committed a swap; after the third, after its
 * attestation was mined. Each run is a restart of the one before and reconciles what it left. A stage a
 * run never reaches (no swap to do) lets it finish normally; the test records which stages crashed and
 * requires at least pending-recorded and mined.
 *
 * "The node is restarted once": `hardhat node` keeps its chain in memory only (no option or RPC method of
 * Hardhat 3's node saves and reloads it: hardhat_dumpState is not supported), so restarting the real
 * process would lose the deployment. The keeper reaches the node through a TCP proxy instead, and while it
 * runs as a service the proxy is taken down (every connection dropped, new ones refused) for a few seconds
 * and brought back: the keeper sees what a node restart looks like to a client (refused connections, failed
 * ticks), the chain itself does not restart.
 *
 * At the end: the keeper's root is the registry's positionsRoot; the roots the registry went through
 * (attestations and rebalances, by sequence number) are exactly the state's history, none twice (no state
 * applied twice); the amounts the state holds equal the vault's token balances; every bound of the on-chain
 * policy holds at the latest snapshot and the latest attestation is current; every proof the keeper
 * reported is on chain (its `rebalanced` and `attested` events plus the transactions mined by runs killed
 * before they could report them equal the vault's Rebalanced and the registry's AttestationPublished
 * events), and every proof bundle it made is on chain but those of the swaps proven and never sent (killed
 * at pending-recorded).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, JsonRpcProvider, type Log, type EventLog } from "ethers";
import { attachStack, readDeployment, type Deployment, type Stack } from "../../chain/deploy.ts";
import { loadExistingConfig } from "../../chain/deploy-config.ts";
import { latestAttestation, latestSnapshot } from "../../chain/gate.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { readPolicy } from "../../chain/policy.ts";
import { unitPriceFromAnswer } from "../../core/units.ts";
import { evaluatePositions } from "../../keeper/bounds.ts";
import { moveMarket } from "../../keeper/chain.ts";
import { riskPolicyFromChain } from "../../keeper/prover.ts";
import { FileStateStore, type PendingTransition } from "../../keeper/state-store.ts";
import { policyFields } from "../../prover/treasury.ts";
import { WORLD_ASSETS, WORLD_FEED_DECIMALS } from "../../scripts/rehearsal/world.ts";
import { keeperEvents, runHomeostat, runKeeper, runNode, serviceThroughOutage, startHardhatNode, startTcpProxy, type HardhatNode, type KeeperLogEvent, type ProcessRun, type TcpProxy } from "../helpers/processes.ts";

const WORLD_SCRIPT = path.join(import.meta.dirname, "../../scripts/rehearsal/world.ts");
const STAGES = ["pending-recorded", "mined", "committed", "attestation-mined"] as const;
type Stage = (typeof STAGES)[number];

/** Users' balances (USDC): 850,000 in all, covered before the crash, the crypto-crash scenario not after it. */
const USERS = "user,balance\nalice,400000\nbob,300000\ncarol,150000\n";

const shown = (run: ProcessRun) => `exit ${run.status}\n${run.stdout}\n${run.stderr}`;

describe.skipIf(!provingKeysBuilt("test"))("rehearsal: deploy --config onto an existing world, the keeper through a crash, restarts and a node outage", () => {
  let node: HardhatNode;
  let proxy: TcpProxy;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: Deployment;
  let stack: Stack;
  let keeperArgs: string[];
  const files = { config: "", deployment: "", users: "", liabilities: "", state: "", bundles: "" };
  /** Every keeper run's events, in order, with the stage it was told to crash at. */
  const runs: { crashAt?: Stage; status: number | null; events: KeeperLogEvent[] }[] = [];
  const crashed = new Set<Stage>();
  /** The pending transitions the killed runs left behind, by stage. */
  const leftPending = new Map<Stage, PendingTransition | undefined>();

  const state = () => JSON.parse(readFileSync(files.state, "utf8")) as { root: string; held: { assetIndex: string; amount: string }[]; history: string[]; pending?: unknown };
  const chainRoot = async () => (await stack.solvencyRegistry.getFunction("positionsRoot")()) as bigint;

  /** A keeper run (through the proxy), recorded. */
  async function keeper(extra: string[], crashAt?: Stage): Promise<ProcessRun> {
    const run = await runKeeper([...keeperArgs, ...extra], crashAt ? { HOMEOSTAT_KEEPER_CRASH_AT: crashAt } : {});
    runs.push({ ...(crashAt ? { crashAt } : {}), status: run.status, events: keeperEvents(run.stdout) });
    return run;
  }

  /** Sets ETH and BTC to `percent` of their start price: the feeds, then the pools by arbitrage. */
  async function crash(percent: bigint): Promise<void> {
    const answers = WORLD_ASSETS.map((a, i) => (i === 1 || i === 2 ? (a.answer * percent) / 100n : a.answer));
    const unitPrices = (ans: readonly bigint[]) => WORLD_ASSETS.map((a, i) => unitPriceFromAnswer(ans[i]!, WORLD_FEED_DECIMALS, a.decimals));
    await moveMarket(stack, deployment, answers, unitPrices);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-rehearsal-"));
    Object.assign(files, {
      config: path.join(dir, "config.json"),
      deployment: path.join(dir, "deployment.json"),
      users: path.join(dir, "users.csv"),
      liabilities: path.join(dir, "liabilities"),
      state: path.join(dir, "keeper-state.json"),
      bundles: path.join(dir, "bundles"),
    });
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: false, pollingInterval: 50, cacheTimeout: -1 });
    proxy = await startTcpProxy(node.url);
  }, 120_000);

  afterAll(async () => {
    provider?.destroy();
    await proxy?.stop();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the world script deploys the pre-existing tokens, feeds, pools and Uniswap V2 and writes a deploy config", async () => {
    const run = await runNode(["--import", "tsx", WORLD_SCRIPT, "--rpc", node.url, "--out", files.config]);
    expect(run.status, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/deployed the world \(4 tokens and feeds, 6 pools/);
    const existing = loadExistingConfig(files.config);
    for (const a of existing.assets) {
      expect(await provider.getCode(a.token)).not.toBe("0x");
      expect(await provider.getCode(a.feed)).not.toBe("0x");
    }
    expect(await provider.getCode(existing.uniswap.router)).not.toBe("0x");
  }, 120_000);

  it("deploy --config deploys Homeostat against it; the world funds the vault; the liabilities tree is built", async () => {
    const deployed = await runHomeostat(["deploy", "--config", files.config, "--rpc", node.url, "--out", files.deployment]);
    expect(deployed.status, shown(deployed)).toBe(0);
    deployment = readDeployment(files.deployment);
    const existing = loadExistingConfig(files.config);
    expect(deployment.assets.map((a) => a.token)).toEqual(existing.assets.map((a) => getAddress(a.token)));
    expect(deployment.contracts.uniswapFactory).toBe(getAddress(existing.uniswap.factory));
    // The test moves the market as the world's owner (feeds and arbitrage), straight to the node.
    stack = attachStack(deployment, await provider.getSigner(9));

    const funded = await runNode(["--import", "tsx", WORLD_SCRIPT, "--rpc", node.url, "--fund", files.deployment]);
    expect(funded.status, shown(funded)).toBe(0);
    const balances = await Promise.all(stack.tokens.map((t) => t.getFunction("balanceOf")(deployment.contracts.treasuryVault) as Promise<bigint>));
    expect(balances).toEqual(WORLD_ASSETS.map((a) => a.holding));

    writeFileSync(files.users, USERS);
    const tree = await runHomeostat(["liabilities", "build", "--in", files.users, "--out", files.liabilities, "--depth", "4", "--decimals", "6", "--json"]);
    expect(tree.status, shown(tree)).toBe(0);
    expect((JSON.parse(tree.stdout) as { totalBaseUnits: string }).totalBaseUnits).toBe((850_000n * 10n ** 6n).toString());

    mkdirSync(files.bundles);
    keeperArgs = ["--deployment", files.deployment, "--liabilities", files.liabilities, "--state", files.state, "--bundles", files.bundles, "--rpc", proxy.url, "--json", "--interval", "0"];
  }, 180_000);

  it("the keeper starts its state through the proxy: publishes the liabilities root and attests the vault's balances", async () => {
    const init = await keeper(["--init", "--publish-liabilities", "--once"]);
    expect(init.status, shown(init)).toBe(0);
    const events = runs.at(-1)!.events.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(["liabilities-published", "initialised", "tick-done"]));
    expect(runs.at(-1)!.events.find((e) => e.event === "tick-done")?.["acted"]).toBe(false);
    expect(BigInt(state().root)).toBe(await chainRoot());
  }, 180_000);

  it("through the crash, killed at every stage in turn and restarted each time, the keeper rebalances", async () => {
    // The crash comes in three legs, each breaking the crypto-crash bound again after the keeper restored it,
    // so that every restarted run has a swap of its own to make (and to be killed in).
    const legs: Partial<Record<Stage, bigint>> = { "pending-recorded": 80n, committed: 70n, "attestation-mined": 56n };
    for (const stage of STAGES) {
      if (legs[stage]) await crash(legs[stage]);
      const run = await keeper(["--once"], stage);
      const store = FileStateStore.open(files.state);
      if (run.status === 137) {
        crashed.add(stage);
        expect(runs.at(-1)!.events.at(-1)).toMatchObject({ event: "crash-injected", stage });
        leftPending.set(stage, store.pending());
        const pending = store.pending();
        const root = await chainRoot();
        switch (stage) {
          case "pending-recorded": // proven, not sent: the chain still holds the old root
            expect(pending?.kind).toBe("rebalance");
            expect(root).toBe(pending!.oldRoot);
            break;
          case "mined": // mined, not committed
            expect(pending?.kind).toBe("rebalance");
            expect(root).toBe(pending!.newRoot);
            break;
          case "committed":
            expect(pending).toBeUndefined();
            expect(root).toBe(store.current().root);
            break;
          case "attestation-mined":
            expect(pending?.kind).toBe("attestation");
            expect(root).toBe(pending!.newRoot);
            break;
        }
      } else {
        expect(run.status, shown(run)).toBe(0);
        expect(store.pending()).toBeUndefined();
        expect(store.current().root).toBe(await chainRoot());
      }
    }
    expect([...crashed]).toEqual(expect.arrayContaining(["pending-recorded", "mined"]));
    // The restart after each kill reconciled what the killed run left: dropped the unsent swap, committed the mined one.
    const reconciled = runs.flatMap((r) => r.events.filter((e) => e.event === "reconciled").map((e) => e["outcome"]));
    expect(reconciled).toContain("dropped-pending");
    expect(reconciled).toContain("committed-pending");
    expect(runs.flatMap((r) => r.events).filter((e) => e.event === "rebalanced").length).toBeGreaterThan(0);
  }, 600_000);

  it("runs as a service while its node goes away for a few seconds and comes back", async () => {
    const run = await serviceThroughOutage(keeperArgs, proxy, 3_000);
    expect(run.failed.error).toMatch(/ECONNREFUSED|connect|network|socket|fetch/i);
    expect(Number(run.metricsDuringOutage.match(/^homeostat_keeper_failures_total (\d+)$/m)?.[1])).toBeGreaterThan(0);
    expect(run.healthAfter).toMatchObject({ status: "ok", consecutiveFailures: 0 });
    expect(run.exitCode, run.stderr).toBe(0);
    // Its first tick reconciled the attestation the last killed run had mined but not committed.
    if (crashed.has("attestation-mined")) expect(run.events.find((e) => e.event === "reconciled")).toMatchObject({ outcome: "committed-pending", kind: "attestation" });
    runs.push({ status: 0, events: run.events });
  }, 300_000);

  it("ends inside its policy, with no state applied twice and every proof on chain", async () => {
    const s = state();
    expect(s.pending).toBeUndefined();
    expect(BigInt(s.root)).toBe(await chainRoot());

    // The roots the registry went through, by sequence number: exactly the state's history, none twice.
    const registry = stack.solvencyRegistry;
    const vault = stack.treasuryVault;
    const args = (l: Log | EventLog) => (l as EventLog).args.toObject();
    const attestations = (await registry.queryFilter(registry.filters["AttestationPublished"]!(), 0, "latest")).map((l) => {
      const a = (args(l)["attestation"] as { toObject(): Record<string, bigint> }).toObject();
      return { sequence: a["sequence"]!, root: a["positionsRoot"]!, tx: l.transactionHash };
    });
    const advances = (await registry.queryFilter(registry.filters["PositionsRootAdvanced"]!(), 0, "latest")).map((l) => ({ sequence: args(l)["sequence"] as bigint, root: args(l)["newRoot"] as bigint, tx: l.transactionHash }));
    const onChain = [...attestations, ...advances].sort((a, b) => Number(a.sequence - b.sequence));
    expect(onChain.map((r) => r.sequence)).toEqual(onChain.map((_, i) => BigInt(i)));
    expect(onChain.map((r) => r.root.toString())).toEqual(s.history);
    expect(new Set(s.history).size).toBe(s.history.length);

    // The amounts the state holds are the vault's balances, exactly.
    const balances = await Promise.all(stack.tokens.map((t) => t.getFunction("balanceOf")(deployment.contracts.treasuryVault) as Promise<bigint>));
    const held = balances.map((_, a) => s.held.filter((p) => BigInt(p.assetIndex) === BigInt(a)).reduce((sum, p) => sum + BigInt(p.amount), 0n));
    expect(held).toEqual(balances);

    // Inside the on-chain policy at the latest snapshot, and the latest attestation describes the treasury now.
    const policy = policyFields(riskPolicyFromChain(deployment, await readPolicy(stack.riskPolicy)));
    const snapshot = (await latestSnapshot(stack))!;
    const liabilities = JSON.parse(readFileSync(path.join(files.liabilities, "root.json"), "utf8")) as { total: string };
    const positions = s.held.map((p) => ({ assetIndex: BigInt(p.assetIndex), amount: BigInt(p.amount), salt: 0n }));
    const failing = evaluatePositions(positions, snapshot.unitPrices, policy, BigInt(liabilities.total)).filter((b) => !b.ok);
    expect(failing.map((b) => b.id)).toEqual([]);
    expect(snapshot.unitPrices[1]).toBe(unitPriceFromAnswer((WORLD_ASSETS[1].answer * 56n) / 100n, WORLD_FEED_DECIMALS, 18));
    expect((await latestAttestation(stack))?.positionsRoot).toBe(BigInt(s.root));
    expect(await registry.getFunction("isCurrent")()).toBe(true);

    // Every proof the keeper reported is on chain, and every one on chain was made by it (the killed runs'
    // mined transactions included).
    const all = runs.flatMap((r) => r.events);
    const count = (name: string) => all.filter((e) => e.event === name).length;
    const killedAt = (stage: Stage) => runs.filter((r) => r.crashAt === stage && r.status === 137).length;
    const rebalancedLogs = await vault.queryFilter(vault.filters["Rebalanced"]!(), 0, "latest");
    expect(rebalancedLogs.length).toBe(count("rebalanced") + killedAt("mined") + killedAt("committed"));
    expect(attestations.length).toBe(count("initialised") + count("attested") + killedAt("attestation-mined"));
    expect(advances.length).toBe(rebalancedLogs.length);
    const txs = new Set(onChain.map((r) => r.tx));
    for (const e of all.filter((e) => ["initialised", "rebalanced", "attested"].includes(e.event))) expect(txs).toContain(e["tx"]);
    const rootAt = new Map(onChain.map((r) => [r.sequence, r.root]));
    for (const e of all.filter((e) => e.event === "rebalanced")) expect([...rootAt.values()]).toContain(BigInt(e["newRoot"] as string));

    // Every bundle the keeper wrote is on chain (its root at its sequence number), but the swap proven by
    // the run killed before sending it: the restart dropped it and proved the swap again.
    const bundles = readdirSync(files.bundles).map((f) => JSON.parse(readFileSync(path.join(files.bundles, f), "utf8")) as { statement: string; publicSignals: Record<string, string> });
    const offChain = bundles.filter((b) => {
      const root = BigInt(b.statement === "solvency" ? b.publicSignals["positionsRoot"]! : b.publicSignals["newRoot"]!);
      return rootAt.get(BigInt(b.publicSignals["sequence"]!)) !== root;
    });
    expect(bundles.length - offChain.length).toBe(onChain.length); // one bundle for each transition on chain
    const unsent = leftPending.get("pending-recorded");
    expect(offChain.map((b) => b.publicSignals["newRoot"])).toEqual(unsent ? [unsent.newRoot.toString()] : []);
  }, 120_000);
});
