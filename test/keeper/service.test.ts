// Pins the keeper's service endpoints (keeper/service.ts): metrics and health follow the keeper's events
// (ticks, proofs with their proving time, swaps, reverts, failures, retries, coverage, the last
// attestation's age); /healthz goes from starting to ok, and to 503 with the reason when ticks stop
// succeeding or keep failing, and back; the HTTP server answers /metrics in Prometheus text format and
// refuses other paths and methods.
import { afterAll, describe, expect, it } from "vitest";
import { KeeperMetrics, serveKeeperEndpoints } from "../../keeper/service.ts";

let clock = 1_000_000_000_000;
const metrics = new KeeperMetrics({ staleAfterSeconds: 600, now: () => clock });
const endpoints = await serveKeeperEndpoints(metrics, "127.0.0.1", 0);
afterAll(() => endpoints.close());

const value = (text: string, name: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(" ").pop());
};

describe("keeper metrics and health", () => {
  it("starts as 'starting', then counts ticks, proofs, swaps and failures from the events", async () => {
    expect(metrics.health()).toMatchObject({ status: "starting", consecutiveFailures: 0 });
    metrics.setLastAttestation(clock / 1000 - 120);
    metrics.observe({ event: "tick", coverageBps: "11000" });
    metrics.observe({ event: "rebalanced", proveSeconds: 1.5, amountIn: "10" });
    metrics.observe({ event: "reverted", reason: "InsufficientOutput" });
    metrics.observe({ event: "retry", what: "getBlock", attempt: 1 });
    metrics.observe({ event: "deposit", asset: "DAI", amount: "2500", block: 40, slot: 3 });
    metrics.observe({ event: "attested", proveSeconds: 0.7 });
    metrics.observe({ event: "tick-done", tick: 1, coverageAfterBps: "13250" });
    clock += 30_000;
    const text = await metrics.registry.metrics();
    expect(value(text, "homeostat_keeper_ticks_total")).toBe(1);
    expect(text).toContain('homeostat_keeper_proofs_total{statement="rebalance"} 1');
    expect(text).toContain('homeostat_keeper_proofs_total{statement="solvency"} 1');
    expect(text).toContain('homeostat_keeper_proving_seconds_count{statement="rebalance"} 1');
    expect(text).toContain('homeostat_keeper_proving_seconds_sum{statement="solvency"} 0.7');
    expect(value(text, "homeostat_keeper_swaps_total")).toBe(1);
    expect(value(text, "homeostat_keeper_swap_reverts_total")).toBe(1);
    expect(value(text, "homeostat_keeper_rpc_retries_total")).toBe(1);
    expect(text).toContain('homeostat_keeper_deposits_total{asset="DAI"} 1');
    expect(value(text, "homeostat_keeper_coverage_bps")).toBe(13250);
    // The attestation of the tick (30 s ago), not the one read at start (150 s ago).
    expect(value(text, "homeostat_keeper_last_attestation_age_seconds")).toBe(30);
    expect(text).toContain("homeostat_keeper_process_cpu_user_seconds_total");
    expect(metrics.health()).toMatchObject({ status: "ok", lastAttestationAgeSeconds: 30 });
  });

  it("fails health after three failed ticks in a row, and recovers with a successful one", () => {
    for (let i = 0; i < 3; i++) metrics.observe({ event: "error", error: "connect ECONNREFUSED 127.0.0.1:8545" });
    expect(metrics.health()).toMatchObject({ status: "failing", reason: "3 ticks failed in a row", consecutiveFailures: 3 });
    metrics.observe({ event: "tick-done", tick: 2, coverageAfterBps: "13000" });
    expect(metrics.health().status).toBe("ok");
  });

  it("fails health when no tick has succeeded for longer than the limit", () => {
    clock += 601_000;
    expect(metrics.health()).toMatchObject({ status: "failing", reason: "no successful tick for 601 s (limit 600 s)" });
    metrics.observe({ event: "tick-done", tick: 3, coverageAfterBps: "13000" });
    expect(metrics.health().status).toBe("ok");
  });

  it("serves /metrics and /healthz over HTTP; other paths and methods are refused", async () => {
    const m = await fetch(`${endpoints.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(await m.text(), "homeostat_keeper_ticks_total")).toBe(3);
    const ok = await fetch(`${endpoints.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", consecutiveFailures: 0 });
    clock += 700_000;
    const failing = await fetch(`${endpoints.url}/healthz`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({ status: "failing" });
    expect((await fetch(`${endpoints.url}/`)).status).toBe(404);
    expect((await fetch(`${endpoints.url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
