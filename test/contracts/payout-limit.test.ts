// Pins the payout limit commands (issue 16) end to end on a local JSON-RPC chain with the real contracts:
// `governance payout-limit` schedules setPayoutLimit (the amount converted with the asset's decimals) and
// grantRole(PAYOUT_ROLE) as one timelock batch; `governance execute` refuses it before the delay and applies it
// after; `governance status` shows the limit, what is left in the window and the role's holders; a request
// that changes nothing is refused; a Safe proposer gets a Transaction Builder batch with exactly the calls
// (setPayoutLimit, revokeRole), which, sent from the Safe's address, schedules the operation `execute` then
// runs; `guardian lower-payout-limit` lowers at once and a higher limit is refused on chain with the
// contract's error by name; bad flags are refused with exit 2 and one line naming the flag.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, getAddress, id, JsonRpcProvider } from "ethers";
import { loadArtifact } from "../../chain/artifacts.ts";
import { startLocalChain, type LocalChain } from "../../chain/local.ts";
import { expectOneLineRefusal, homeostatInProcess as cli } from "../cli/in-process.ts";

const PAYOUT_ROLE = id("PAYOUT_ROLE");
const DELAY = 3600;
const DAY = 86_400;

interface Status {
  chainTime: number;
  operations: Array<{ id: string; state: string; calls: Array<{ target: string; summary: string }> }>;
  payoutLimits: Array<{ symbol: string; limit: string; limitUnits: string; period: number; remaining: string; windowEnds?: number }>;
  payoutRole: string[];
}

describe("governance payout-limit, status and guardian lower-payout-limit on a local chain", () => {
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: string;
  let deployed: { chainId: string; roles: { governor: string; guardian: string }; contracts: { timelock: string; treasuryVault: string } };
  let vault: Contract;
  let payer: string;

  const status = async (): Promise<Status> => {
    const run = await cli("governance", "status", "--deployment", deployment, "--all", "--json");
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Status;
  };
  const limitOf = async (asset: number) => {
    const [limit, period] = (await vault.getFunction("payoutLimits")(asset)) as unknown as [bigint, bigint];
    return { limit, period: Number(period) };
  };
  const hasPayoutRole = (who: string) => vault.getFunction("hasRole")(PAYOUT_ROLE, who) as Promise<boolean>;
  const elapse = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    provider = new JsonRpcProvider(chain.url);
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-payout-limit-"));
    deployment = path.join(dir, "deployment.json");
    const run = await cli("deploy", "--rpc", chain.url, "--out", deployment, "--timelock-delay", String(DELAY), "--json");
    expect(run.code, run.stderr).toBe(0);
    deployed = JSON.parse(readFileSync(deployment, "utf8")) as typeof deployed;
    vault = new Contract(deployed.contracts.treasuryVault, loadArtifact("TreasuryVault").abi, provider);
    payer = getAddress(((await provider.send("eth_accounts", [])) as string[])[7]!);
  });

  afterAll(async () => {
    provider?.destroy();
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("schedules a limit and a PAYOUT_ROLE grant as one batch, refuses to execute it early, applies it after the delay", async () => {
    const before = await status();
    expect(before.payoutRole).toEqual([]);
    expect(before.payoutLimits.map((l) => [l.symbol, l.limit, l.period])).toEqual([["USDC", "0", 0], ["WETH", "0", 0], ["WBTC", "0", 0], ["DAI", "0", 0]]);

    const proposed = await cli("governance", "payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "50,000.5", "--period", "1d", "--grant", payer.toLowerCase(), "--json");
    expect(proposed.code, proposed.stderr).toBe(0);
    const op = JSON.parse(proposed.stdout) as { id: string; delay: number; tx: string; calls: Array<{ target: string; summary: string }> };
    expect(op.delay).toBe(DELAY);
    expect(op.calls.map((c) => c.summary)).toEqual([`TreasuryVault.setPayoutLimit(USDC: 50,000.5 USDC per ${DAY} s; was none)`, `TreasuryVault.grantRole(PAYOUT_ROLE, ${payer})`]);
    expect(op.calls.every((c) => c.target === deployed.contracts.treasuryVault)).toBe(true);

    const pending = (await status()).operations.find((o) => o.id === op.id)!;
    expect(pending.state).toBe("waiting");
    expect(pending.calls.map((c) => c.summary)).toEqual([`TreasuryVault.setPayoutLimit(asset=0, limit=50000500000, period=${DAY})`, `TreasuryVault.grantRole(role=PAYOUT_ROLE, account=${payer})`]);

    expectOneLineRefusal(await cli("governance", "execute", "--deployment", deployment, "--id", op.id), 3, /is not ready: it is executable from/);
    expect(await limitOf(0)).toEqual({ limit: 0n, period: 0 });
    expect(await hasPayoutRole(payer)).toBe(false);

    await elapse(DELAY);
    const executed = await cli("governance", "execute", "--deployment", deployment, "--id", op.id);
    expect(executed.code, executed.stderr).toBe(0);
    expect(executed.stdout).toMatch(new RegExp(`^executed ${op.id} in 0x[0-9a-f]{64}\\n  TreasuryVault\\.setPayoutLimit\\(asset=0`));
    expect(await limitOf(0)).toEqual({ limit: 50_000_500_000n, period: DAY });
    expect(await hasPayoutRole(payer)).toBe(true);

    const after = await status();
    expect(after.payoutRole).toEqual([payer]);
    expect(after.payoutLimits[0]).toMatchObject({ symbol: "USDC", limit: "50000500000", limitUnits: "50000.5", period: DAY, remaining: "50000500000" });
    expect(after.payoutLimits[0]!.windowEnds! % DAY).toBe(0);
    const text = await cli("governance", "status", "--deployment", deployment);
    expect(text.stdout).toMatch(/^no pending operations on the timelock 0x/);
    expect(text.stdout).toContain(`PAYOUT_ROLE: ${payer}):\n  USDC  50,000.5 USDC per ${DAY} s; 50,000.5 USDC left until `);
    expect(text.stdout).toContain("\n  WETH  none\n");

    // The same request again changes nothing: refused, nothing scheduled.
    const again = await cli("governance", "payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "50000.500", "--period", String(DAY), "--grant", payer);
    expectOneLineRefusal(again, 1, new RegExp(`nothing to propose: the USDC limit is already 50,000.5 USDC per ${DAY} s; ${payer} already holds PAYOUT_ROLE$`));
    expect((await status()).operations).toHaveLength(1);
  });

  it("writes a Safe Transaction Builder batch with setPayoutLimit and revokeRole; sent by the Safe, it schedules the operation execute runs", async () => {
    const out = path.join(dir, "payout-safe.json");
    // An address that is not a proposer is refused before anything is written.
    expectOneLineRefusal(await cli("governance", "payout-limit", "--deployment", deployment, "--asset", "WETH", "--limit", "10", "--period", "3600", "--safe", payer, "--out", out), 1, /is not a proposer of the timelock/);
    // The governor's address stands in for the Safe (no Safe contracts on this chain): it holds PROPOSER_ROLE.
    const proposed = await cli("governance", "payout-limit", "--deployment", deployment, "--asset", "WETH", "--limit", "10", "--period", "3600", "--revoke", payer, "--safe", deployed.roles.governor, "--out", out, "--json");
    expect(proposed.code, proposed.stderr).toBe(0);
    const { id: opId } = JSON.parse(proposed.stdout) as { id: string };
    const batch = JSON.parse(readFileSync(out, "utf8")) as { chainId: string; meta: { name: string; createdFromSafeAddress: string }; transactions: Array<{ to: string; value: string; data: string }> };
    expect(batch).toMatchObject({ chainId: deployed.chainId, meta: { name: "Homeostat payout limit change (schedule)", createdFromSafeAddress: deployed.roles.governor } });
    expect(batch.transactions).toHaveLength(1);
    expect(batch.transactions[0]).toMatchObject({ to: deployed.contracts.timelock, value: "0" });

    const timelock = new Contract(deployed.contracts.timelock, loadArtifact("HomeostatTimelock").abi, provider);
    const schedule = timelock.interface.parseTransaction({ data: batch.transactions[0]!.data })!;
    expect(schedule.name).toBe("scheduleBatch");
    const [targets, values, payloads, , , delay] = schedule.args as unknown as [string[], bigint[], string[], string, string, bigint];
    expect(targets).toEqual([deployed.contracts.treasuryVault, deployed.contracts.treasuryVault]);
    expect(values).toEqual([0n, 0n]);
    expect(delay).toBe(BigInt(DELAY));
    const calls = payloads.map((data) => vault.interface.parseTransaction({ data })!);
    expect(calls.map((c) => c.name)).toEqual(["setPayoutLimit", "revokeRole"]);
    expect([...calls[0]!.args]).toEqual([1n, 10n * 10n ** 18n, 3600n]);
    expect([...calls[1]!.args]).toEqual([PAYOUT_ROLE, payer]);

    // Nothing was sent; the Safe's transaction schedules exactly this operation.
    expect((await status()).operations.find((o) => o.id === opId)).toBeUndefined();
    const safe = await provider.getSigner(deployed.roles.governor);
    await (await safe.sendTransaction({ to: batch.transactions[0]!.to, data: batch.transactions[0]!.data })).wait();
    expect((await status()).operations.find((o) => o.id === opId)).toMatchObject({ state: "waiting" });
    const executeFile = path.join(dir, "payout-safe-execute.json");
    const safeExecute = await cli("governance", "execute", "--deployment", deployment, "--id", opId, "--safe", deployed.roles.governor, "--out", executeFile);
    expect(safeExecute.code, safeExecute.stderr).toBe(0);
    expect(JSON.parse(readFileSync(executeFile, "utf8"))).toMatchObject({ meta: { name: "Homeostat payout limit change (execute)" }, transactions: [{ to: deployed.contracts.timelock }] });

    await elapse(DELAY);
    const executed = await cli("governance", "execute", "--deployment", deployment, "--id", opId, "--json");
    expect(executed.code, executed.stderr).toBe(0);
    expect(await limitOf(1)).toEqual({ limit: 10n * 10n ** 18n, period: 3600 });
    expect(await hasPayoutRole(payer)).toBe(false);
    expect((await status()).payoutRole).toEqual([]);
  });

  it("guardian lower-payout-limit lowers at once; a higher limit is refused on chain with PayoutLimitNotLowered", async () => {
    const lowered = await cli("guardian", "lower-payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "20000", "--json");
    expect(lowered.code, lowered.stderr).toBe(0);
    expect(JSON.parse(lowered.stdout)).toMatchObject({ symbol: "USDC", limit: "20000000000", previous: "50000500000", period: DAY, remaining: "20000000000" });
    expect(await limitOf(0)).toEqual({ limit: 20_000_000_000n, period: DAY });

    expectOneLineRefusal(
      await cli("guardian", "lower-payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "30000"),
      1,
      /lowerPayoutLimit: reverted with PayoutLimitNotLowered\(asset=0, current=20000000000, requested=30000000000\)$/,
    );
    expectOneLineRefusal(await cli("guardian", "lower-payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "20000"), 1, /--limit: is already 20,000 USDC per 86400 s: nothing to lower$/);
    const text = await cli("guardian", "lower-payout-limit", "--deployment", deployment, "--asset", "USDC", "--limit", "0");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^lowered in 0x[0-9a-f]{64}: USDC 20,000 USDC per 86400 s -> 0 USDC per 86400 s; 0 USDC left in the current window\n$/);
    expect((await status()).payoutLimits[0]).toMatchObject({ limit: "0", remaining: "0", period: DAY });
  });

  const badFlags: [string, string[], RegExp][] = [
    ["an unknown asset", ["--asset", "XYZ"], /--asset: "XYZ" is not an asset of the deployment \(USDC, WETH, WBTC, DAI\)$/],
    ["more decimals than the token has", ["--limit", "1.1234567"], /--limit: "1.1234567" has 7 decimals; at most 6 fit exactly \(USDC has 6 decimals\)$/],
    ["a negative limit", ["--limit=-5"], /--limit: "-5" is not a non-negative decimal number \(USDC has 6 decimals\)$/],
    ["a non-numeric limit", ["--limit", "lots"], /--limit: "lots" is not a non-negative decimal number/],
    ["a limit above uint128", ["--limit", (2n ** 128n).toString()], /--limit: \d+ USDC is above the vault's largest limit/],
    ["a zero period", ["--period", "0"], /--period: expected a period from 1 s to 365 days .*, got "0"$/],
    ["a period over 365 days", ["--period", String(365 * DAY + 1)], /--period: expected a period from 1 s to 365 days/],
    ["a period in days over a year", ["--period", "366d"], /--period: expected a period from 1 s to 365 days/],
    ["a non-numeric period", ["--period", "daily"], /--period: expected a period/],
    ["a bad --grant", ["--grant", "0x1234"], /--grant: expected an address, got "0x1234"$/],
    ["the zero address as --grant", ["--grant", "0x0000000000000000000000000000000000000000"], /--grant: the zero address cannot be used here$/],
    ["--out without --safe", ["--out", "x.json"], /--out: --out is for the Safe batch file: add --safe ADDRESS$/],
  ];
  it.each(badFlags)("governance payout-limit refuses %s with exit 2 and one line naming the flag", async (_what, flags, line) => {
    const base: Record<string, string> = { "--asset": "USDC", "--limit": "100", "--period": "3600" };
    const args = ["governance", "payout-limit", "--deployment", deployment];
    for (const [flag, value] of Object.entries(base)) if (!flags.some((f) => f === flag || f.startsWith(`${flag}=`))) args.push(flag, value);
    expectOneLineRefusal(await cli(...args, ...flags), 2, line);
  });

  it("refuses --grant and --revoke of the same account, and a bad guardian --limit, with exit 2", async () => {
    const common = ["--deployment", deployment, "--asset", "USDC"];
    expectOneLineRefusal(await cli("governance", "payout-limit", ...common, "--limit", "1", "--period", "60", "--grant", payer, "--revoke", payer), 2, /--revoke: the same account as --grant/);
    expectOneLineRefusal(await cli("guardian", "lower-payout-limit", ...common, "--limit", "1e5"), 2, /--limit: "1e5" is not a non-negative decimal number/);
    expectOneLineRefusal(await cli("guardian", "lower-payout-limit", "--deployment", deployment, "--asset", "usdc", "--limit", "1"), 2, /--asset: "usdc" is not an asset/);
  });
});
