// The example with an attestor (examples/harbor) through the CLI: `check` passes; a position whose statement
// is missing, expired, dated after its snapshot, signs less, or is another vault's is named with the fix (exit 3); `prove solvency`
// proves it and the bundle verifies with the vault-held totals as public signals; `prove rebalance` refuses
// to sell a position held at the attestor before proving.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { unpackVaultTotals } from "../../core/signals.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { isSetUp } from "../prover/small-example.ts";
import { expectOneLineRefusal, homeostatInProcess as homeostat } from "./in-process.ts";
import "../setup/terminate-curve.ts";

const HARBOR = path.join(PROJECT_ROOT, "examples", "harbor");
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-harbor-"));
  cpSync(HARBOR, dir, { recursive: true });
});

const edit = (file: string, change: (json: Record<string, unknown>) => void) => {
  const json = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>;
  change(json);
  writeFileSync(path.join(dir, file), JSON.stringify(json, null, 2));
};

describe("custody in check", () => {
  it("passes the example: the attested positions are within the signed statement", async () => {
    const out = await homeostat("check", "--dir", dir, "--json");
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as { custody: unknown[] }).custody).toEqual([]);
  });

  it("names a position no statement backs, an expired statement and an amount above the signed one", async () => {
    edit("treasury.json", (t) => (t["statements"] = []));
    let out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/positions\[4\]: 95\.5 WETH held at Harbor Custody, but no statement by Harbor Custody is listed/);

    cpSync(HARBOR, dir, { recursive: true });
    edit("prices.json", (p) => (p["timestamp"] = "2025-11-21T12:00:01Z"));
    out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/harbor-statement\.json: timestamp: Harbor Custody's statement is 86401 s older than the snapshot/);

    cpSync(HARBOR, dir, { recursive: true });
    edit("prices.json", (p) => (p["timestamp"] = "2025-11-20T11:55:00Z"));
    edit("policy.json", (p) => (p["maxAttestationAge"] = "60s"));
    out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/harbor-statement\.json: timestamp: Harbor Custody's statement is dated 300 s after the snapshot, more than the policy's maxAttestationAge \(60 s\)/);

    cpSync(HARBOR, dir, { recursive: true });
    edit("treasury.json", (t) => ((t["positions"] as { amount: string }[])[5]!.amount = "6.25"));
    out = await homeostat("check", "--dir", dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toMatch(/6\.25 WBTC held at Harbor Custody but its statement signs only 6\.2 WBTC \(short by 0\.05 WBTC\)/);
  });

  it("refuses another vault's statement and an unknown custodian in one line", async () => {
    edit("policy.json", (p) => (p["vault"] = "0x00000000000000000000000000000000000c0fff"));
    expectOneLineRefusal(await homeostat("check", "--dir", dir), 1, /harbor-statement\.json: vault: made for vault 0x0{35}c0ffe, not the policy's/);
    cpSync(HARBOR, dir, { recursive: true });
    edit("treasury.json", (t) => ((t["positions"] as { custody?: string }[])[0]!.custody = "Anchor Trust"));
    expectOneLineRefusal(await homeostat("check", "--dir", dir), 1, /positions\[0\]\.custody: custody "Anchor Trust" is neither "vault" nor an attestor of the policy/);
  });
});

describe.runIf(isSetUp("solvency-test") && isSetUp("rebalance-test"))("custody in prove (test instance)", () => {
  it("proves the example; the bundle verifies and publishes the vault-held totals", async () => {
    const bundle = path.join(dir, "attestation.json");
    const proved = await homeostat("prove", "solvency", "--dir", dir, "--out", bundle, "--state", path.join(dir, "state.json"));
    expect(proved.code).toBe(0);
    expect((await homeostat("verify", bundle)).code).toBe(0);
    const signals = (JSON.parse(readFileSync(bundle, "utf8")) as { publicSignals: Record<string, string> }).publicSignals;
    const totals = unpackVaultTotals([BigInt(signals["vaultTotals[0]"]!), BigInt(signals["vaultTotals[1]"]!)], 4);
    // Policy order USDC, DAI, WETH, WBTC: the vault holds 1.6M USDC, 600k DAI, 180 WETH, no WBTC (all at Harbor).
    expect(totals).toEqual([1_600_000n * 10n ** 6n, 600_000n * 10n ** 18n, 180n * 10n ** 18n, 0n]);
  });

  it("refuses to sell a position held at the attestor, before proving", async () => {
    const out = await homeostat("prove", "rebalance", "--dir", dir, "--sell", "WBTC", "--amount", "1", "--buy", "USDC", "--min-out", "80000", "--out", path.join(dir, "swap.json"), "--state", path.join(dir, "state.json"));
    expectOneLineRefusal(out, 1, /--sell: the vault itself holds no WBTC \(positions at attestors cannot be swapped\)/);
  });
});
