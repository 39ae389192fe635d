/**
 * `homeostat keeper` killed mid-run and restarted: a local chain (Hardhat's simulated network behind a
 * JSON-RPC server) with a deployed stack; the keeper starts its state (`--init`), the market crashes, the
 * keeper is killed right after its first swap is mined but before it commits it (HOMEOSTAT_KEEPER_CRASH_AT),
 * and a restarted keeper reconciles the pending entry against the chain's root and finishes. Nothing is
 * applied twice: the state's root equals the chain's, every committed root appears once, and the amounts
 * the state holds equal the vault's token balances exactly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachStack, defaultDeployConfig, deployStack, writeDeployment, type DeployConfig, type Deployment, type Stack } from "../../chain/deploy.ts";
import { releaseSigner, signerFor, startLocalChain, type LocalChain } from "../../chain/local.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { unitPriceFromAnswer } from "../../core/units.ts";
import { moveMarket } from "../../keeper/chain.ts";
import { FileStateStore } from "../../keeper/state-store.ts";
import type { Signer } from "ethers";
import { keeperEvents, runKeeper as keeper, serviceThroughOutage, startKeeperService as startService, startTcpProxy } from "../helpers/processes.ts";

describe.skipIf(!provingKeysBuilt("test"))("homeostat keeper: crash and restart", () => {
  let chain: LocalChain;
  let signer: Signer;
  let dir: string;
  let deployment: Deployment;
  let config: DeployConfig;
  let stack: Stack;
  let args: string[];

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    signer = await signerFor(chain.url);
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-keeper-"));
    config = defaultDeployConfig("test");
    config.minCoverageBps = 12_500;
    deployment = await deployStack(signer, config, { rpc: chain.url });
    writeDeployment(path.join(dir, "deployment.json"), deployment);
    stack = attachStack(deployment, signer);
    const users = path.join(dir, "users.csv");
    writeFileSync(users, "user,balance\nalice,900000\nbob,600000\ncarol,150000\n");
    const table = await readLiabilities(users, { decimals: 6, maxUsers: 16 });
    await buildTree(table, { depth: 4, decimals: 6, outDir: path.join(dir, "liabilities"), hasher: createTreeHasher({ engine: "js" }) });
    args = ["--deployment", path.join(dir, "deployment.json"), "--liabilities", path.join(dir, "liabilities"), "--state", path.join(dir, "state.json"), "--json", "--interval", "0"];
  }, 120_000);

  afterAll(async () => {
    if (signer) releaseSigner(signer);
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start without a state, in one line", async () => {
    const run = await keeper(args.filter((a) => a !== "--json"));
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/no keeper state here; start one with --init/);
  });

  it("initialises, crashes after a mined swap, and a restart commits it exactly once", async () => {
    const init = await keeper([...args, "--init", "--publish-liabilities", "--once"]);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/"event":"initialised"/);

    // ETH -40%: feeds and pools.
    const answers = config.assets.map((a) => a.answer);
    answers[1] = (answers[1]! * 60n) / 100n;
    await moveMarket(stack, deployment, answers, (ans) => config.assets.map((a, i) => unitPriceFromAnswer(ans[i]!, a.feedDecimals, a.decimals)));

    const crashed = await keeper([...args, "--once"], { HOMEOSTAT_KEEPER_CRASH_AT: "mined" });
    expect(crashed.status, `${crashed.stdout}${crashed.stderr}`).toBe(137);
    expect(crashed.stdout).toMatch(/"event":"crash-injected"/);
    const stateFile = path.join(dir, "state.json");
    const mid = FileStateStore.open(stateFile);
    const pending = mid.pending();
    expect(pending?.kind).toBe("rebalance");
    const rootAfterCrash = (await stack.solvencyRegistry.getFunction("positionsRoot")()) as bigint;
    expect(rootAfterCrash).toBe(pending!.newRoot); // mined, not committed

    const resumed = await keeper([...args, "--ticks", "2"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const events = keeperEvents(resumed.stdout);
    expect(events.find((e) => e.event === "reconciled")?.outcome).toBe("committed-pending");
    expect(events.some((e) => e.event === "attested")).toBe(true);

    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { root: string; held: { assetIndex: string; amount: string }[]; history: string[]; pending?: unknown };
    expect(state.pending).toBeUndefined();
    expect(new Set(state.history).size).toBe(state.history.length);
    expect(state.history).toContain(pending!.newRoot.toString());
    expect(BigInt(state.root)).toBe((await stack.solvencyRegistry.getFunction("positionsRoot")()) as bigint);
    const balances = await Promise.all(stack.tokens.map((t) => t.getFunction("balanceOf")(deployment.contracts.treasuryVault) as Promise<bigint>));
    const held = balances.map((_, a) => state.held.filter((s) => BigInt(s.assetIndex) === BigInt(a)).reduce((sum, s) => sum + BigInt(s.amount), 0n));
    expect(held).toEqual(balances);
  }, 600_000);

  it("runs as a service: /metrics and /healthz answer while it ticks, SIGTERM stops it cleanly", async () => {
    const service = startService(args);
    try {
      const listening = await service.waitFor("listening");
      await service.waitFor("tick-done");
      const metrics = await (await fetch(`${listening.url}/metrics`)).text();
      expect(Number(/^homeostat_keeper_ticks_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/^homeostat_keeper_last_attestation_age_seconds \d+$/m);
      expect(metrics).toMatch(/^homeostat_keeper_coverage_bps \d+$/m);
      const health = await fetch(`${listening.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", consecutiveFailures: 0 });
    } finally {
      service.child.kill("SIGTERM");
    }
    expect(await service.exited, service.stderr()).toBe(0);
    expect(service.events.map((e) => e.event)).toContain("stopping");
  }, 300_000);

  it("survives its node going away and coming back: failed ticks are retried, health reports them, ticks resume", async () => {
    // The node's endpoint is a TCP proxy that this test stops and restarts (Hardhat's node keeps no chain
    // state across a real restart, so the outage is made in front of it; the keeper sees the same refusals).
    const proxy = await startTcpProxy(chain.url);
    const run = await serviceThroughOutage([...args, "--rpc", proxy.url], proxy);
    await proxy.stop();
    expect(run.failed.error).toMatch(/ECONNREFUSED|connect|network|socket|fetch/i);
    expect(run.metricsDuringOutage.match(/^homeostat_keeper_failures_total (\d+)$/m)?.[1]).not.toBe("0");
    expect(run.healthAfter).toMatchObject({ status: "ok", consecutiveFailures: 0 });
    expect(run.exitCode, run.stderr).toBe(0);
  }, 300_000);
});
