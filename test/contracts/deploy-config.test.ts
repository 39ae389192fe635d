// `homeostat deploy --config`: Homeostat's contracts deployed onto a network that already has the tokens,
// Chainlink-style feeds and Uniswap V2 (deployed here first by another account, as if they had always been
// there). A valid config passes the dry run with nothing sent; a wrong decimals value, an address without
// code, a stale feed and a factory not on the accepted list each fail naming the entry and the reason, with
// nothing sent; a deployment interrupted after a few steps resumes from its journal without deploying any
// contract twice, refuses a changed config, and ends in a deployment file attachStack uses, with the roles
// as configured (the payout account holding PAYOUT_ROLE and the configured payout limits set before the
// hand-over) and no power left to the deployer.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, getAddress, getCreateAddress, id, JsonRpcProvider, type Signer } from "ethers";
import { startLocalChain, type LocalChain } from "../../chain/local.ts";
import { factoryOf, loadArtifact, uniswapArtifact, type Artifact } from "../../chain/artifacts.ts";
import { attachStack, readDeployment, type Deployment } from "../../chain/deploy.ts";
import { loadExistingConfig } from "../../chain/deploy-config.ts";
import { deployOntoExisting } from "../../chain/deploy-existing.ts";
import { checkExistingContracts } from "../../chain/preflight.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { homeostatInProcess as cli } from "../cli/in-process.ts";
import { deployWorld, worldConfig, type World } from "../../scripts/rehearsal/world.ts";

const ADMIN = "0x0000000000000000000000000000000000000000000000000000000000000000";

async function deploy(artifact: Artifact, signer: Signer, args: unknown[] = []): Promise<string> {
  const c = await factoryOf(artifact, signer).deploy(...args);
  await c.waitForDeployment();
  return c.getAddress();
}

describe.skipIf(!provingKeysBuilt("test"))("deploy --config onto existing tokens, feeds and Uniswap V2", () => {
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployer: Signer;
  let deployerAddress: string;
  let accounts: string[];
  /** The world that was there before: tokens, feeds, two Uniswap V2 factories with routers, a stale feed. */
  let world: World;
  let valid: Record<string, unknown>;

  const write = (name: string, config: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    return file;
  };
  const nonce = () => provider.getTransactionCount(deployerAddress, "pending");
  const edit = (change: (c: { assets: Record<string, unknown>[]; uniswap: Record<string, unknown> } & Record<string, unknown>) => void) => {
    const copy = structuredClone(valid) as Parameters<typeof change>[0];
    change(copy);
    return copy;
  };

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    // No request cache: the nonce is read right after each transaction.
    provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: false, pollingInterval: 50, cacheTimeout: -1 });
    accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
    deployer = await provider.getSigner(0);
    deployerAddress = accounts[0]!;
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-deploy-config-"));

    // Account 9 brings the pre-existing world (scripts/rehearsal/world.ts), so the deployer's nonce starts at 0.
    world = await deployWorld(await provider.getSigner(9));
    valid = worldConfig(world, { chainId: (await provider.getNetwork()).chainId, accounts, overrides: { minCoverage: "110%", liabilitiesDelay: "1h" } });
    // The payout account (PAYOUT_ROLE) and two assets' payout limits, set by the deployer before the hand-over.
    (valid["roles"] as Record<string, string>)["payout"] = accounts[7]!;
    valid["payoutLimits"] = { DAI: { limit: "25000.5", period: "12h" }, USDC: { limit: "50000", period: "1d" } };
  });

  afterAll(async () => {
    provider?.destroy();
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes every check of a valid config and sends nothing on --dry-run", async () => {
    const file = write("valid.json", valid);
    const findings = await checkExistingContracts(provider, loadExistingConfig(file));
    expect(findings.filter((f) => !f.ok)).toEqual([]);
    expect(findings.map((f) => f.reason)).toContain("derives the factory's pair " + (await new Contract(world.factory, uniswapArtifact("UniswapV2Factory").abi, provider).getFunction("allPairs")(0n)));
    const before = await nonce();
    const run = await cli("deploy", "--config", file, "--rpc", chain.url, "--out", path.join(dir, "dry.json"), "--dry-run");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/TreasuryVault\(policy, snapshots, registry, RebalanceTestVerifier/);
    expect(run.stdout).toContain(`keeper ${accounts[2]}`);
    expect(run.stdout).toMatch(/RiskPolicy\.renounceRole\(governance, deployer/);
    // The payout role's grant and the limits (asset order, exact base units) come before the hand-over.
    const plan = run.stdout.split("\n");
    const at = (pattern: RegExp) => plan.findIndex((line) => pattern.test(line));
    expect(plan[at(/TreasuryVault\.allowFactory/) + 1]).toMatch(new RegExp(`^\\s+\\d+\\. TreasuryVault\\.grantRole\\(PAYOUT_ROLE, ${accounts[7]}\\)$`));
    expect(plan[at(/TreasuryVault\.allowFactory/) + 2]).toMatch(/\d+\. TreasuryVault\.setPayoutLimit\(USDC: 50,000 USDC per 86400 s, 50000000000 base units\)$/);
    expect(plan[at(/TreasuryVault\.allowFactory/) + 3]).toMatch(/\d+\. TreasuryVault\.setPayoutLimit\(DAI: 25,000\.5 DAI per 43200 s, 25000500000000000000000 base units\)$/);
    expect(at(/TreasuryVault\.setPayoutLimit\(DAI/)).toBeLessThan(at(/TreasuryVault\.grantRole\(governance, timelock/));
    expect(run.stdout).toMatch(/dry run: every check passed; nothing was sent/);
    expect(run.stdout).toMatch(/ok {3}sequencer\.feed \(sequencer uptime feed at 0x[0-9a-fA-F]{40}\): up since .*, past the 3600 s grace period/);
    expect(run.stdout).toMatch(/RiskPolicy\.setSequencerUptimeFeed\(0x[0-9a-fA-F]{40}, grace 3600 s\)/);
    expect(await nonce()).toBe(before);
  });

  const bad: [string, (c: Parameters<Parameters<typeof edit>[0]>[0]) => void, () => RegExp][] = [
    ["a wrong decimals value", (c) => void (c.assets[1]!["decimals"] = 6), () => new RegExp(`^.*bad\\.json: assets\\[1\\]\\.token \\(WETH at ${world.tokens[1]}\\): decimals\\(\\) is 18, the config says 6$`, "m")],
    [
      "an address without code",
      (c) => void (c.assets[2]!["token"] = "0x000000000000000000000000000000000000dEaD"),
      () => /bad\.json: assets\[2\]\.token \(WBTC at 0x000000000000000000000000000000000000dEaD\): no contract at 0x0+dEaD \(no code\)$/m,
    ],
    ["a stale feed", (c) => void ((c.assets[0]!["feed"] as Record<string, unknown>)["address"] = world.staleFeed), () => new RegExp(`bad\\.json: assets\\[0\\]\\.feed\\.address \\(USDC feed at ${world.staleFeed}\\): stale: latestRoundData\\(\\) was updated at .*; maxAge is 90000 s$`, "m")],
    [
      "a router whose factory is not on the list",
      (c) => void Object.assign(c.uniswap, { router: world.otherRouter, factory: world.otherFactory }),
      () => new RegExp(`bad\\.json: uniswap\\.factory \\(factory at ${world.otherFactory}\\): not on uniswap\\.acceptedFactories \\(${world.factory}\\)$`, "m"),
    ],
    [
      "an L2 sequencer that is down",
      (c) => void ((c["sequencer"] as Record<string, unknown>)["feed"] = world.sequencerDown),
      () => new RegExp(`bad\\.json: sequencer\\.feed \\(sequencer uptime feed at ${world.sequencerDown}\\): the sequencer is down \\(answer 1, startedAt \\d+\\)$`, "m"),
    ],
  ];
  it.each(bad)("refuses %s on --dry-run, naming the entry and the reason, and sends nothing", async (_what, change, line) => {
    const file = write("bad.json", edit(change));
    const before = await nonce();
    const run = await cli("deploy", "--config", file, "--rpc", chain.url, "--out", path.join(dir, "bad-out.json"), "--dry-run");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(line());
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2); // the failed check, then the summary
    expect(lines[1]).toMatch(/^homeostat: .*bad\.json: 1 check failed; nothing was sent$/);
    expect(await nonce()).toBe(before);
    // Without --dry-run: refused just the same, before the first transaction.
    const real = await cli("deploy", "--config", file, "--rpc", chain.url, "--out", path.join(dir, "bad-out.json"));
    expect(real.code).not.toBe(0);
    expect(real.stderr).toMatch(line());
    expect(await nonce()).toBe(before);
  });

  it("names every role account that is zero or shared, and refuses a config that does not fit the instance", async () => {
    const file = write("roles.json", edit((c) => Object.assign(c["roles"] as object, { keeper: accounts[1], guardian: "0x0000000000000000000000000000000000000000", payout: accounts[3] })));
    const failed = (await checkExistingContracts(provider, loadExistingConfig(file))).filter((f) => !f.ok);
    expect(failed.map((f) => `${f.path}: ${f.reason}`)).toEqual([
      "roles.guardian: the zero address cannot hold a role (the contracts refuse it)",
      "roles.keeper: the same account as roles.operator: each role needs its own account, so one stolen key holds one role",
      "roles.payout: the same account as roles.rebalancer: each role needs its own account, so one stolen key holds one role",
    ]);
    const limits = (payoutLimits: unknown) => write("limits.json", edit((c) => void (c["payoutLimits"] = payoutLimits)));
    expect(() => loadExistingConfig(limits({ XYZ: { limit: "1", period: "1d" } }))).toThrow(/limits\.json: payoutLimits\.XYZ: XYZ is not one of the assets/);
    expect(() => loadExistingConfig(limits({ USDC: { limit: "1.0000001", period: "1d" } }))).toThrow(/limits\.json: payoutLimits\.USDC\.limit: "1\.0000001" has 7 decimals; at most 6 fit exactly \(USDC has 6 decimals\)/);
    expect(() => loadExistingConfig(limits({ USDC: { limit: "1", period: "366d" } }))).toThrow(/limits\.json: payoutLimits\.USDC\.period: at most 365 days/);
    expect(() => loadExistingConfig(limits({ USDC: { limit: 5, period: "1d" } }))).toThrow(/limits\.json: payoutLimits\.USDC\.limit: expected a decimal string/);
    const three = write("three.json", edit((c) => {
      c.assets.pop();
      for (const s of c["scenarios"] as { shocks: Record<string, string> }[]) delete s.shocks["DAI"];
      delete (c["payoutLimits"] as Record<string, unknown>)["DAI"];
    }));
    expect(() => loadExistingConfig(three)).toThrow(/three\.json: assets: the test instance takes 4 assets; the config lists 3/);
    expect(loadExistingConfig(path.join(import.meta.dirname, "../../examples/deploy-config.json")).config.assets.map((a) => a.symbol)).toEqual(["USDC", "WETH", "WBTC", "DAI"]);
    const typo = write("typo.json", edit((c) => void (c.assets[1]!["cap"] = 50)));
    expect(() => loadExistingConfig(typo)).toThrow(/typo\.json: assets\[1\]\.cap: expected a percentage string/);
  });

  it("stops a resumed deployment rather than misplace the vault when the deployer sent something else after RiskPolicy", async () => {
    const other = await provider.getSigner(6);
    const otherAddress = await other.getAddress();
    const file = write("real.json", valid);
    const out = path.join(dir, "moved-nonce.json");
    // Steps 1-11: the hashers, the three verifiers, timelock and RiskPolicy (which fixed the vault's address).
    await expect(deployOntoExisting(other, loadExistingConfig(file), { out, failAfter: 11 })).rejects.toThrow(/injected failure/);
    const vault = (JSON.parse(readFileSync(out, "utf8")) as { vault: { address: string; nonce: number } }).vault;
    await (await other.sendTransaction({ to: otherAddress, value: 1n })).wait();
    const before = await provider.getTransactionCount(otherAddress, "pending");
    await expect(deployOntoExisting(other, loadExistingConfig(file), { out })).rejects.toThrow(
      new RegExp(`PriceSnapshots must be sent with the deployer's nonce ${vault.nonce - 2} for the vault to land at ${vault.address}, but the next nonce is ${vault.nonce - 1}`),
    );
    expect(await provider.getTransactionCount(otherAddress, "pending")).toBe(before);
  });

  describe("a real deployment", () => {
    let out: string;
    let deployment: Deployment;

    it("stops after 7 steps (an interruption), refuses a changed config, then resumes, adopting a step sent but not recorded, and deploys no contract twice", async () => {
      const file = write("real.json", valid);
      out = path.join(dir, "deployment.json");
      const start = await nonce();
      await expect(deployOntoExisting(deployer, loadExistingConfig(file), { out, rpc: chain.url, failAfter: 7 })).rejects.toThrow(/injected failure/);
      const journal = JSON.parse(readFileSync(out, "utf8")) as { format: string; steps: { step: string; address?: string; done: boolean }[] };
      expect(journal.format).toBe("homeostat-deploy-journal/1");
      expect(journal.steps.filter((s) => s.done)).toHaveLength(7);
      expect(await nonce()).toBe(start + 7);
      expect(() => readDeployment(out)).toThrow(/unfinished deployment/);

      const changed = write("changed.json", edit((c) => void (c["minCoverage"] = "120%")));
      const refused = await cli("deploy", "--config", changed, "--rpc", chain.url, "--out", out);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/deployment\.json: the journal of an unfinished deployment made from another config/);
      expect(await nonce()).toBe(start + 7);

      // As if the process had died after sending step 8 and before recording it: the journal names the step
      // and its nonce, no hash. The resumed run adopts the contract at that nonce's CREATE address.
      const verifier = await deploy(loadArtifact("RebalanceTestVerifier"), deployer);
      expect(verifier).toBe(getCreateAddress({ from: deployerAddress, nonce: start + 7 }));
      const interrupted = { ...journal, steps: [...journal.steps, { step: "RebalanceTestVerifier", nonce: start + 7, done: false }] };
      writeFileSync(out, JSON.stringify(interrupted));

      const resumed = await cli("deploy", "--config", file, "--rpc", chain.url, "--out", out, "--json");
      expect(resumed.code, resumed.stderr).toBe(0);
      deployment = readDeployment(out);
      expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(JSON.stringify(deployment)));
      // One transaction per step, none repeated; the first run's contracts kept.
      const steps = deployment.steps!;
      expect(await nonce()).toBe(start + steps.length);
      for (const s of journal.steps.filter((s) => s.done)) expect(steps.find((t) => t.step === s.step)?.address).toBe(s.address);
      expect(steps.find((s) => s.step === "RebalanceTestVerifier")?.address).toBe(verifier);
      expect(deployment.contracts.rebalanceVerifier).toBe(verifier);
      const created = steps.filter((s) => s.address).map((s) => s.address);
      expect(created).toHaveLength(14);
      expect(new Set(created).size).toBe(14);
      // 14 creations, then the calls: sequencer feed, policy, factory, the payout role and two payout limits, and
      // the hand-over of RiskPolicy and the vault (grant + renounce each).
      expect(steps.filter((s) => !s.address).map((s) => s.step)).toEqual([
        "RiskPolicy.setSequencerUptimeFeed",
        "RiskPolicy.setPolicy",
        "TreasuryVault.allowFactory",
        "TreasuryVault.grantRole(payout)",
        "TreasuryVault.setPayoutLimit(0)",
        "TreasuryVault.setPayoutLimit(3)",
        "RiskPolicy.grantRole(admin, timelock)",
        "RiskPolicy.renounceRole(admin, deployer)",
        "TreasuryVault.grantRole(admin, timelock)",
        "TreasuryVault.renounceRole(admin, deployer)",
      ]);
      expect(steps).toHaveLength(24);
    });

    it("leaves a deployment attachStack uses, with the configured roles and no power to the deployer", async () => {
      const stack = attachStack(deployment, provider);
      expect(deployment.assets.map((a) => a.token)).toEqual(world.tokens);
      expect(deployment.contracts.uniswapFactory).toBe(world.factory);
      expect(((await stack.riskPolicy.getFunction("policyHash")()) as bigint).toString()).toBe(deployment.policyHash);
      expect(await stack.riskPolicy.getFunction("vault")()).toBe(deployment.contracts.treasuryVault);
      expect(await stack.riskPolicy.getFunction("sequencerUptimeFeed")()).toBe(world.sequencer);
      const has = (c: Contract, role: string, who: string) => c.getFunction("hasRole")(role, who) as Promise<boolean>;
      const [operator, keeper, rebalancer, guardian, governor] = [accounts[1]!, accounts[2]!, accounts[3]!, accounts[4]!, accounts[5]!];
      expect(await has(stack.solvencyRegistry, id("OPERATOR_ROLE"), operator)).toBe(true);
      expect(await has(stack.priceSnapshots, id("KEEPER_ROLE"), keeper)).toBe(true);
      expect(await has(stack.treasuryVault, id("REBALANCER_ROLE"), rebalancer)).toBe(true);
      expect(await has(stack.riskPolicy, id("RISK_GUARDIAN_ROLE"), guardian)).toBe(true);
      expect(await has(stack.treasuryVault, id("GUARDIAN_ROLE"), guardian)).toBe(true);
      expect(await has(stack.timelock, id("PROPOSER_ROLE"), governor)).toBe(true);
      expect(await has(stack.timelock, id("EXECUTOR_ROLE"), governor)).toBe(true);
      expect(await has(stack.treasuryVault, id("PAYOUT_ROLE"), accounts[7]!)).toBe(true);
      expect(deployment.roles.payout).toBe(accounts[7]);
      const limit = async (asset: number) => [...((await stack.treasuryVault.getFunction("payoutLimits")(asset)) as bigint[])].slice(0, 2);
      expect(await limit(0)).toEqual([50_000n * 10n ** 6n, 86_400n]);
      expect(await limit(1)).toEqual([0n, 0n]);
      expect(await limit(3)).toEqual([25_000_500_000_000_000_000_000n, 43_200n]);
      for (const c of [stack.riskPolicy, stack.priceSnapshots, stack.solvencyRegistry, stack.treasuryVault]) {
        expect(await has(c, ADMIN, deployment.contracts.timelock)).toBe(true);
        expect(await has(c, ADMIN, deployerAddress)).toBe(false);
      }
      expect(await has(stack.timelock, ADMIN, deployerAddress)).toBe(false);
      expect(await has(stack.timelock, id("PROPOSER_ROLE"), deployerAddress)).toBe(false);
      const initCodeHash = (await stack.treasuryVault.getFunction("pairInitCodeHash")(world.factory)) as string;
      expect(initCodeHash).not.toBe(ADMIN);
      // The keeper snapshots the existing feeds through the new policy.
      const asKeeper = attachStack(deployment, provider, { keeper: await provider.getSigner(keeper) });
      await (await asKeeper.priceSnapshots.getFunction("takeSnapshot")()).wait();
      expect(await stack.priceSnapshots.getFunction("latestId")()).toBe(1n);
    });

    it("changes nothing when run again after it finished", async () => {
      const before = await nonce();
      const again = await cli("deploy", "--config", path.join(dir, "real.json"), "--rpc", chain.url, "--out", out);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/0 transaction\(s\) sent/);
      expect(await nonce()).toBe(before);
    });
  });
});
