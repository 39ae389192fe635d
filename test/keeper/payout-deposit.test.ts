/**
 * `homeostat payout` and deposits on a keeper-run deployment (issue 16, S4), as separate processes against a
 * local JSON-RPC chain: governance grants the payout role and a daily limit through the timelock; a sender
 * without the role, a payout over the limit and a payout that would break the policy are refused before
 * proving (the last with the health report and the largest safe amount, exit 3), changing nothing; a payout
 * lands and moves the keeper's state with the chain; one killed after it was mined is committed once by the
 * keeper's next tick; an outsider's deposit is counted by the keeper and the attestation it then publishes
 * commits exactly the vault's balances (payouts out, deposit in).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { id, MaxUint256, Wallet, type JsonRpcProvider, type Signer } from "ethers";
import { attachStack, defaultDeployConfig, deployStack, writeDeployment, type Deployment, type Stack } from "../../chain/deploy.ts";
import { advanceTime, governanceCall } from "../../chain/gate.ts";
import { releaseSigner, signerFor, startLocalChain, type LocalChain } from "../../chain/local.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { unpackVaultTotals } from "../../core/signals.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { FileStateStore } from "../../keeper/state-store.ts";
import { keeperEvents, runHomeostat, runKeeper } from "../helpers/processes.ts";

const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
const USDC = 0;
const DAI = 3;

describe.skipIf(!provingKeysBuilt("test"))("homeostat payout and deposits on a keeper-run vault", () => {
  let chain: LocalChain;
  let signer: Signer;
  let dir: string;
  let deployment: Deployment;
  let stack: Stack;
  let payer: string;
  let outsider: string;
  let common: string[];
  let stateFile: string;
  const recipient = Wallet.createRandom().address;

  const balance = async (asset: number, who: string) => (await stack.tokens[asset]!.getFunction("balanceOf")(who)) as bigint;
  const chainRoot = async () => (await stack.solvencyRegistry.getFunction("positionsRoot")()) as bigint;
  const payout = (amount: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runHomeostat(["payout", ...common, "--asset", "USDC", "--amount", amount, "--to", recipient, "--from", payer, ...extra], env);
  /** A governance call through the timelock; the feeds are then updated again, as live feeds would be after its delay. */
  const governance = async (data: string) => {
    await governanceCall(stack, deployment.contracts.treasuryVault, data, (s) => advanceTime(stack, s));
    const config = defaultDeployConfig("test");
    for (const [i, feed] of stack.feeds.entries()) await (await feed.getFunction("updateAnswer")(config.assets[i]!.answer)).wait();
  };
  const heldTotals = () => {
    const totals = [0n, 0n, 0n, 0n];
    for (const p of FileStateStore.open(stateFile).held()) totals[Number(p.assetIndex)]! += p.amount;
    return totals;
  };

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    signer = await signerFor(chain.url);
    const accounts = (await (signer.provider as JsonRpcProvider).send("eth_accounts", [])) as string[];
    payer = accounts[5]!;
    outsider = accounts[7]!;
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-payout-"));
    deployment = await deployStack(signer, defaultDeployConfig("test"), { rpc: chain.url });
    writeDeployment(path.join(dir, "deployment.json"), deployment);
    stack = attachStack(deployment, signer);
    const users = path.join(dir, "users.csv");
    writeFileSync(users, "user,balance\nalice,900000\nbob,600000\ncarol,150000\n");
    const table = await readLiabilities(users, { decimals: 6, maxUsers: 16 });
    await buildTree(table, { depth: 4, decimals: 6, outDir: path.join(dir, "liabilities"), hasher: createTreeHasher({ engine: "js" }) });
    stateFile = path.join(dir, "state.json");
    common = ["--deployment", path.join(dir, "deployment.json"), "--liabilities", path.join(dir, "liabilities"), "--state", stateFile];
    const init = await runKeeper([...common, "--json", "--interval", "0", "--init", "--publish-liabilities", "--once"]);
    expect(init.status, init.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if (signer) releaseSigner(signer);
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a sender without the payout role before proving, in one line", async () => {
    const run = await payout("1000");
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n").at(-1)).toMatch(/holds neither the vault's PAYOUT_ROLE nor governance/);
    expect(run.stderr).not.toMatch(/prove payout/);
  });

  it("governance grants the role and a daily limit through the timelock; over the limit is refused before proving", async () => {
    const vault = stack.treasuryVault;
    await governance(vault.interface.encodeFunctionData("grantRole", [id("PAYOUT_ROLE"), payer]));
    await governance(vault.interface.encodeFunctionData("setPayoutLimit", [USDC, 50_000n * E6, 86_400n]));
    expect(await vault.getFunction("payoutRemaining")(USDC)).toBe(50_000n * E6);
    const before = readFileSync(stateFile, "utf8");
    const run = await payout("60000");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/over the payout limit: 50,000 USDC left in this period/);
    expect(readFileSync(stateFile, "utf8")).toBe(before);
  }, 120_000);

  it("refuses a payout that breaks the policy before proving: the report, the largest safe amount, exit 3, nothing moved", async () => {
    // Raise the limit so the policy, not the limit, is what refuses it.
    await governance(stack.treasuryVault.interface.encodeFunctionData("setPayoutLimit", [USDC, 1_000_000n * E6, 86_400n]));
    const before = readFileSync(stateFile, "utf8");
    const root = await chainRoot();
    const run = await payout("900000");
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/After the payout/);
    expect(run.stderr).toMatch(/the treasury after this payout breaks the policy, nothing was proven: .*coverage/i);
    const safe = /the largest USDC payout that keeps every bound: --amount ([\d.]+)/.exec(run.stderr);
    expect(safe, run.stderr).not.toBeNull();
    expect(Number(safe![1])).toBeGreaterThan(100_000);
    expect(Number(safe![1])).toBeLessThan(900_000);
    expect(run.stderr).not.toMatch(/computing the Groth16 proof/);
    expect(readFileSync(stateFile, "utf8")).toBe(before);
    expect(await chainRoot()).toBe(root);
    expect(await balance(USDC, recipient)).toBe(0n);
  }, 120_000);

  it("pays: the recipient gets the amount, the state's root is the chain's, the bundle verifies", async () => {
    const vaultBefore = await balance(USDC, deployment.contracts.treasuryVault);
    const bundle = path.join(dir, "payout.json");
    const run = await payout("12500.5", ["--bundle", bundle, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; amount: string; as: string; newRoot: string };
    expect(result).toMatchObject({ ok: true, amount: (12_500_500_000n).toString(), as: "payout role" });
    expect(await balance(USDC, recipient)).toBe(12_500_500_000n);
    expect(await balance(USDC, deployment.contracts.treasuryVault)).toBe(vaultBefore - 12_500_500_000n);
    const store = FileStateStore.open(stateFile);
    expect(store.current().root).toBe(await chainRoot());
    expect(store.current().root.toString()).toBe(result.newRoot);
    expect(store.pending()).toBeUndefined();
    expect(heldTotals()[USDC]).toBe(await balance(USDC, deployment.contracts.treasuryVault));
    const verified = await runHomeostat(["verify", bundle]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/payout/i);
  }, 180_000);

  it("a payout killed after it was mined is committed exactly once by the keeper's next tick", async () => {
    const run = await payout("1000", [], { HOMEOSTAT_KEEPER_CRASH_AT: "payout-mined" });
    expect(run.status, run.stderr).toBe(137);
    const mid = FileStateStore.open(stateFile);
    expect(mid.pending()?.kind).toBe("payout");
    expect(await chainRoot()).toBe(mid.pending()!.newRoot);
    const tick = await runKeeper([...common, "--json", "--interval", "0", "--once"]);
    expect(tick.status, tick.stderr).toBe(0);
    expect(keeperEvents(tick.stdout).find((e) => e.event === "reconciled")).toMatchObject({ outcome: "committed-pending", kind: "payout" });
    const after = FileStateStore.open(stateFile);
    expect(after.pending()).toBeUndefined();
    expect(after.current().root).toBe(await chainRoot());
    expect(after.history().filter((r) => r === mid.pending()!.newRoot.toString())).toHaveLength(1);
    expect(heldTotals()[USDC]).toBe(await balance(USDC, deployment.contracts.treasuryVault));
    expect(await balance(USDC, recipient)).toBe(13_500_500_000n);
  }, 180_000);

  it("counts an outsider's deposit: the next attestation commits exactly the vault's balances", async () => {
    const from = await (signer.provider as JsonRpcProvider).getSigner(outsider);
    const dai = stack.tokens[DAI]!;
    await (await dai.getFunction("mint")(outsider, 2_500n * E18)).wait();
    await (await dai.connect(from).getFunction("approve")(deployment.contracts.treasuryVault, MaxUint256)).wait();
    await (await stack.treasuryVault.connect(from).getFunction("deposit")(DAI, 2_500n * E18)).wait();
    const bundles = path.join(dir, "bundles");
    const tick = await runKeeper([...common, "--json", "--interval", "0", "--once", "--bundles", bundles]);
    expect(tick.status, tick.stderr).toBe(0);
    const events = keeperEvents(tick.stdout);
    expect(events.find((e) => e.event === "deposit")).toMatchObject({ asset: "DAI", amount: (2_500n * E18).toString() });
    expect(events.some((e) => e.event === "attested")).toBe(true);
    // A second tick counts nothing again.
    const again = await runKeeper([...common, "--json", "--interval", "0", "--once"]);
    expect(keeperEvents(again.stdout).some((e) => e.event === "deposit")).toBe(false);

    const balances = await Promise.all([0, 1, 2, 3].map((a) => balance(a, deployment.contracts.treasuryVault)));
    expect(heldTotals()).toEqual(balances);
    const attestation = readdirSync(bundles).filter((f) => f.endsWith("-attestation.json")).sort().at(-1)!;
    const signals = (JSON.parse(readFileSync(path.join(bundles, attestation), "utf8")) as { publicSignals: Record<string, string> }).publicSignals;
    const packed = Object.keys(signals).filter((k) => k.startsWith("vaultTotals[")).map((k) => BigInt(signals[k]!));
    expect(unpackVaultTotals(packed, 4)).toEqual(balances);
    expect(FileStateStore.open(stateFile).current().root).toBe(await chainRoot());
  }, 240_000);
});
