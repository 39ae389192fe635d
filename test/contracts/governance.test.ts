// Pins governance operations (issue 16) end to end on a local JSON-RPC chain: `governance propose` turns an
// edited policy file into one timelock batch; `status` lists it with its earliest execution time; `execute`
// before the delay is refused and changes nothing, after it the policy is the file's; a Safe proposer gets a
// Safe Transaction Builder batch whose transaction, executed from the proposer's address, schedules the same
// operation; `guardian tighten` applies a tighter file at once and a looser one is refused on chain; a policy
// file that reorders assets is refused naming the entry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { startLocalChain, type LocalChain } from "../../chain/local.ts";
import { expectOneLineRefusal, homeostatInProcess as cli } from "../cli/in-process.ts";

interface PolicyFile {
  minCoverage: string;
  assets: Array<{ symbol: string; cap: string; haircut: string }>;
}

describe("governance propose / status / execute and guardian tighten on a local chain", () => {
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: string;
  let policy: PolicyFile;
  const DELAY = 3600;

  const writePolicy = (name: string, edit: (p: PolicyFile) => void): string => {
    const copy = JSON.parse(JSON.stringify(policy)) as PolicyFile;
    edit(copy);
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(copy, null, 2));
    return file;
  };
  const statusJson = async () => {
    const status = await cli("governance", "status", "--deployment", deployment, "--all", "--json");
    expect(status.code, status.stderr).toBe(0);
    return JSON.parse(status.stdout) as { chainTime: number; operations: Array<{ id: string; state: string; readyAt?: number; calls: Array<{ summary: string }> }> };
  };

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    provider = new JsonRpcProvider(chain.url);
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-governance-"));
    deployment = path.join(dir, "deployment.json");
    const run = await cli("deploy", "--rpc", chain.url, "--out", deployment, "--inputs", dir, "--timelock-delay", String(DELAY), "--json");
    expect(run.code, run.stderr).toBe(0);
    policy = JSON.parse(readFileSync(path.join(dir, "policy.json"), "utf8")) as PolicyFile;
  });

  afterAll(async () => {
    provider?.destroy();
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("proposes a loosening as one batch, refuses to execute it early, executes it after the delay", async () => {
    expect((await cli("governance", "status", "--deployment", deployment)).stdout).toMatch(/^no pending operations on the timelock 0x/);
    const looser = writePolicy("looser.json", (p) => {
      p.minCoverage = "120%";
      p.assets[1]!.cap = "60%";
    });
    const proposed = await cli("governance", "propose", "--deployment", deployment, "--policy", looser, "--json");
    expect(proposed.code, proposed.stderr).toBe(0);
    const op = JSON.parse(proposed.stdout) as { id: string; readyAt: number; delay: number; tx: string; calls: Array<{ summary: string }> };
    expect(op.delay).toBe(DELAY);
    expect(op.calls).toHaveLength(1);
    expect(op.calls[0]!.summary).toMatch(/^RiskPolicy\.setPolicy: minCoverage \d+% -> 120%.*\.cap \d+% -> 60%/);

    const pending = await statusJson();
    expect(pending.operations).toHaveLength(1);
    expect(pending.operations[0]).toMatchObject({ id: op.id, state: "waiting", readyAt: op.readyAt });
    expect(op.readyAt - pending.chainTime).toBeGreaterThan(DELAY - 60);
    const text = await cli("governance", "status", "--deployment", deployment);
    expect(text.stdout).toContain(`${op.id}  waiting until ${new Date(op.readyAt * 1000).toISOString().replace(".000Z", "Z")} (in 1 h`);

    const early = await cli("governance", "execute", "--deployment", deployment, "--id", op.id);
    expectOneLineRefusal(early, 3, /is not ready: it is executable from/);
    const before = await cli("governance", "propose", "--deployment", deployment, "--policy", path.join(dir, "policy.json"));
    expectOneLineRefusal(before, 1, /equals the deployed policy: nothing to propose/);

    await provider.send("evm_increaseTime", [DELAY]);
    await provider.send("evm_mine", []);
    const executed = await cli("governance", "execute", "--deployment", deployment, "--id", op.id, "--json");
    expect(executed.code, executed.stderr).toBe(0);
    expect(JSON.parse(executed.stdout)).toMatchObject({ id: op.id, state: "done", policyVersion: 2 });
    // The deployed policy is now the file: proposing the same file has nothing left to do.
    expectOneLineRefusal(await cli("governance", "propose", "--deployment", deployment, "--policy", looser), 1, /nothing to propose/);
    expect((await statusJson()).operations.map((o) => o.state)).toEqual(["done"]);
    expectOneLineRefusal(await cli("governance", "execute", "--deployment", deployment, "--id", op.id), 1, /was already executed/);
    policy = JSON.parse(readFileSync(looser, "utf8")) as PolicyFile;
  });

  it("writes a Safe Transaction Builder batch for a Safe proposer; the batch, executed by it, schedules the operation", async () => {
    const deployed = JSON.parse(readFileSync(deployment, "utf8")) as { chainId: string; roles: { governor: string; operator: string }; contracts: { timelock: string } };
    const change = writePolicy("safe.json", (p) => {
      p.minCoverage = "130%";
    });
    // An address that is not a proposer is refused before anything is written.
    expectOneLineRefusal(await cli("governance", "propose", "--deployment", deployment, "--policy", change, "--safe", deployed.roles.operator, "--out", path.join(dir, "x.json")), 1, /is not a proposer of the timelock/);
    // The governor's address stands in for the Safe here (no Safe contracts on this chain): it holds PROPOSER_ROLE.
    const out = path.join(dir, "safe-batch.json");
    const proposed = await cli("governance", "propose", "--deployment", deployment, "--policy", change, "--safe", deployed.roles.governor, "--out", out, "--json");
    expect(proposed.code, proposed.stderr).toBe(0);
    const { id } = JSON.parse(proposed.stdout) as { id: string };
    const batch = JSON.parse(readFileSync(out, "utf8")) as { version: string; chainId: string; meta: { createdFromSafeAddress: string }; transactions: Array<{ to: string; value: string; data: string }> };
    expect(batch).toMatchObject({ version: "1.0", chainId: deployed.chainId, meta: { createdFromSafeAddress: deployed.roles.governor } });
    expect(batch.transactions).toHaveLength(1);
    expect(batch.transactions[0]).toMatchObject({ to: deployed.contracts.timelock, value: "0" });
    // Nothing was sent: no operation yet.
    expect((await statusJson()).operations.filter((o) => o.id === id)).toEqual([]);
    const safe = await provider.getSigner(deployed.roles.governor);
    await (await safe.sendTransaction({ to: batch.transactions[0]!.to, data: batch.transactions[0]!.data })).wait();
    expect((await statusJson()).operations.find((o) => o.id === id)).toMatchObject({ state: "waiting" });
    const executeFile = path.join(dir, "safe-execute.json");
    const execute = await cli("governance", "execute", "--deployment", deployment, "--id", id, "--safe", deployed.roles.governor, "--out", executeFile);
    expect(execute.code, execute.stderr).toBe(0);
    expect(execute.stdout).toMatch(/the Safe can execute it from/);
    expect(JSON.parse(readFileSync(executeFile, "utf8"))).toMatchObject({ transactions: [{ to: deployed.contracts.timelock }] });
  });

  it("guardian tighten applies a tighter policy at once and a looser one is refused on chain", async () => {
    const tighter = writePolicy("tighter.json", (p) => {
      p.minCoverage = "125%";
    });
    const done = await cli("guardian", "tighten", "--deployment", deployment, "--policy", tighter, "--json");
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ policyVersion: 3, changes: "minCoverage 120% -> 125%" });
    const looser = writePolicy("looser-again.json", (p) => {
      p.minCoverage = "110%";
    });
    expectOneLineRefusal(await cli("guardian", "tighten", "--deployment", deployment, "--policy", looser), 1, /tighten: reverted with NotTightening\(field=minCoverageBps/);
  });

  it("exports the deployed policy as a policy file that proposes nothing (an exact round trip)", async () => {
    const out = path.join(dir, "exported.json");
    const exported = await cli("governance", "policy", "--deployment", deployment, "--out", out, "--json");
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ out, policyVersion: 3 });
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({ minCoverage: "12500bps" });
    expectOneLineRefusal(await cli("governance", "propose", "--deployment", deployment, "--policy", out), 1, /equals the deployed policy: nothing to propose/);
  });

  it("refuses a policy file whose assets are reordered, naming the entry", async () => {
    const swapped = writePolicy("swapped.json", (p) => {
      [p.assets[0], p.assets[1]] = [p.assets[1]!, p.assets[0]!];
    });
    expectOneLineRefusal(await cli("governance", "propose", "--deployment", deployment, "--policy", swapped), 1, /swapped\.json: assets\[0\]\.symbol: is \w+; the deployed policy's asset 0 is \w+ \(assets keep their order/);
  });
});
