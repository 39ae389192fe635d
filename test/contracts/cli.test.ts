// Pins the chain-facing CLI end to end against a local JSON-RPC chain (Hardhat's simulated network behind
// a server, as `homeostat deploy` runs it): deploy --rpc writes the deployment and the operator's inputs;
// snapshot writes the prices; `prove` (the prover's command) makes S1/S2 bundles from those files; publish
// and rebalance land them; a refusal is one line naming the contract's custom error, with a non-zero exit.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { main } from "../../cli/main.ts";
import { startLocalChain, type LocalChain } from "../../chain/local.ts";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, capturing what it prints. */
async function cli(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe.skipIf(!provingKeysBuilt("test"))("CLI: deploy, snapshot, publish, rebalance on a local chain", () => {
  let chain: LocalChain;
  let dir: string;
  let deployment: string;

  beforeAll(async () => {
    chain = await startLocalChain({ port: 0 });
    dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-cli-"));
    deployment = path.join(dir, "deployment.json");
  });

  afterAll(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("deploys onto --rpc and writes the deployment file and the operator's inputs", async () => {
    const run = await cli(["deploy", "--rpc", chain.url, "--out", deployment, "--inputs", dir, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const written = JSON.parse(readFileSync(deployment, "utf8")) as { format: string; rpc: string; instance: string; contracts: Record<string, unknown> };
    expect(written).toMatchObject({ format: "homeostat-deployment/1", rpc: chain.url, instance: "test" });
    expect(JSON.parse(run.stdout)).toEqual(written);
    const policy = JSON.parse(readFileSync(path.join(dir, "policy.json"), "utf8")) as { vault: string };
    expect(policy.vault).toBe(written.contracts["treasuryVault"]);
  });

  it("check --deployment compares the vault-held positions with the vault's balances on chain", async () => {
    // (snapshot 1: the prices the check values the treasury at)
    expect((await cli(["snapshot", "--deployment", deployment, "--out", path.join(dir, "prices.json"), "--json"])).code).toBe(0);
    const backed = await cli(["check", "--dir", dir, "--deployment", deployment, "--json"]);
    expect(backed.code, backed.stderr).toBe(0);
    expect((JSON.parse(backed.stdout) as { custody: unknown[] }).custody).toEqual([]);
    // One more WETH than the vault holds: named, by how much, with the fix.
    const treasury = JSON.parse(readFileSync(path.join(dir, "treasury.json"), "utf8")) as { positions: Array<{ asset: string; amount: string }> };
    const weth = treasury.positions.find((p) => p.asset === "WETH")!;
    const original = weth.amount;
    weth.amount = (Number(original) + 1).toString();
    writeFileSync(path.join(dir, "treasury-over.json"), JSON.stringify(treasury));
    const over = await cli(["check", "--dir", dir, "--treasury", path.join(dir, "treasury-over.json"), "--deployment", deployment]);
    expect(over.code).toBe(3);
    expect(over.stdout).toMatch(/committed to the vault, which holds .* WETH \(short by 1 WETH\): lower the position, move it to an attestor's custody, or fund the vault/);
  });

  it("snapshots, publishes a proven attestation and executes a proven rebalance", async () => {
    const snapshot = await cli(["snapshot", "--deployment", deployment, "--out", path.join(dir, "prices.json"), "--json"]);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    expect(JSON.parse(snapshot.stdout)).toMatchObject({ id: "2" });

    const s1 = path.join(dir, "s1.json");
    const proveS1 = await cli(["prove", "solvency", "--dir", dir, "--instance", "test", "--out", s1, "--json"]);
    expect(proveS1.code, proveS1.stderr).toBe(0);
    const published = await cli(["publish", s1, "--deployment", deployment, "--with-liabilities", "--json"]);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ attestation: "1", snapshotId: "2" });

    const s2 = path.join(dir, "s2.json");
    const proveS2 = await cli(["prove", "rebalance", "--dir", dir, "--instance", "test", "--sell", "WETH", "--amount", "50", "--buy", "USDC", "--min-out", "146000", "--sequence", "1", "--out", s2, "--json"]);
    expect(proveS2.code, proveS2.stderr).toBe(0);
    const rebalanced = await cli(["rebalance", "--bundle", s2, "--deployment", deployment, "--json"]);
    expect(rebalanced.code, rebalanced.stderr).toBe(0);
    const result = JSON.parse(rebalanced.stdout) as { sold: { asset: string; amountIn: string }; bought: { asset: string; amountOut: string } };
    expect(result.sold).toEqual({ asset: "WETH", amountIn: (50n * 10n ** 18n).toString() });
    expect(BigInt(result.bought.amountOut) >= 146_000n * 10n ** 6n).toBe(true);

    // The same bundle again: its sequence number is spent; refused, reported as one line naming the custom error.
    const replay = await cli(["rebalance", "--bundle", s2, "--deployment", deployment]);
    expect(replay.code).not.toBe(0);
    expect(replay.stdout).toBe("");
    expect(replay.stderr.trim().split("\n")).toHaveLength(1);
    expect(replay.stderr).toMatch(/^homeostat: rebalance: reverted with SequenceMismatch\(current=2, claimed=1\)/);
  });

  it("audit --rpc compares the on-chain policy, snapshot, attestation and verifier bytecode with the published proof", async () => {
    const s1 = path.join(dir, "s1.json");
    const onchainChecks = "policy-hash,prices-hash,onchain-attestation,onchain-vault-balances,verifier-contract";
    const run = await cli(["audit", "--dir", dir, "--bundle", s1, "--rpc", chain.url, "--deployment", deployment, "--checks", onchainChecks, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    type Report = { ok: boolean; checks: Array<{ id: string; status: string; evidence: Record<string, unknown>; problems: string[] }> };
    const report = JSON.parse(run.stdout) as Report;
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(report.ok).toBe(true);
    const published = JSON.parse(readFileSync(s1, "utf8")) as { publicSignals: Record<string, string> };
    expect(byId.get("policy-hash")).toMatchObject({ status: "pass", evidence: { onchainPolicyHash: published.publicSignals.policyHash } });
    expect(byId.get("prices-hash")).toMatchObject({ status: "pass", evidence: { "onchainSnapshotId.solvency": "2" } });
    expect(byId.get("onchain-attestation")).toMatchObject({ status: "pass", evidence: { number: "1", positionsRoot: published.publicSignals.positionsRoot } });
    // The vault's balances at the attestation's block cover the proven vault-held totals, asset by asset.
    expect(byId.get("onchain-vault-balances")).toMatchObject({ status: "pass", evidence: { "USDC.committed": expect.stringMatching(/^[1-9]\d*$/) } });
    const deployed = JSON.parse(readFileSync(deployment, "utf8")) as { contracts: Record<string, string> };
    expect(byId.get("verifier-contract:solvency-test")).toMatchObject({
      status: "pass",
      evidence: { address: deployed.contracts.solvencyVerifier, deployedEqualsArtifact: true, constantsMissingFromBytecode: 0 },
    });

    // A policy file other than the one governance stored: the on-chain comparison names the contract.
    const policy = JSON.parse(readFileSync(path.join(dir, "policy.json"), "utf8")) as Record<string, unknown>;
    const changed = path.join(dir, "policy-changed.json");
    writeFileSync(changed, JSON.stringify({ ...policy, minCoverage: policy.minCoverage === "130%" ? "131%" : "130%" }));
    const bad = await cli(["audit", "--dir", dir, "--policy", changed, "--bundle", s1, "--rpc", chain.url, "--deployment", deployment, "--checks", "policy-hash", "--json"]);
    expect(bad.code).toBe(1);
    const badReport = JSON.parse(bad.stdout) as Report;
    expect(badReport.ok).toBe(false);
    expect(badReport.checks.find((c) => c.id === "policy-hash")!.problems.join("\n")).toMatch(/RiskPolicy at 0x[0-9a-fA-F]{40} stores policy hash \d+, the policy file hashes to \d+/);
  });

  it("refuses bad input with one clear line", async () => {
    const s1 = path.join(dir, "s1.json");
    const wrongKind = await cli(["rebalance", "--bundle", s1, "--deployment", deployment]);
    expect(wrongKind.code).not.toBe(0);
    expect(wrongKind.stderr).toMatch(/^homeostat: .*s1\.json: is a solvency bundle; expected a rebalance bundle\n$/);
    const missing = await cli(["publish", s1, "--deployment", path.join(dir, "nope.json")]);
    expect(missing.stderr).toMatch(/^homeostat: .*nope\.json: cannot read the deployment/);
    const noNode = await cli(["publish", s1, "--deployment", deployment, "--rpc", "http://127.0.0.1:9"]);
    expect(noNode.stderr).toMatch(/^homeostat: --rpc: no JSON-RPC node answers at http:\/\/127\.0\.0\.1:9/);
  });
});
