/**
 * `homeostat keeper` killed mid-run and restarted: a local chain (Hardhat's simulated network behind a
 * JSON-RPC server) with a deployed stack; the keeper starts its state (`--init`), the market crashes, the
 * keeper is killed right after its first swap is mined but before it commits it (HOMEOSTAT_KEEPER_CRASH_AT),
 * and a restarted keeper reconciles the pending entry against the chain's root and finishes. Nothing is
 * applied twice: the state's root equals the chain's, every committed root appears once, and the amounts
 * the state holds equal the vault's token balances exactly.
 */
import { spawn } from "node:child_process";
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
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { unitPriceFromAnswer } from "../../core/units.ts";
import { moveMarket } from "../../keeper/chain.ts";
import { FileStateStore } from "../../keeper/state-store.ts";
import type { Signer } from "ethers";

/** Runs the keeper as a child process (asynchronously: the chain it talks to lives in this process). */
function keeper(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), "keeper", ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

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
    const events = resumed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; outcome?: string });
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
});
