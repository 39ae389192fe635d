/**
 * The keeper as a long-running service (issue 16): Prometheus metrics (prom-client) and a health check
 * over HTTP, fed by the keeper's own log events (keeper/loop.ts `KeeperEvent`), so the loop itself knows
 * nothing of them.
 *
 *  GET /metrics  Prometheus text format: ticks, proofs and proving time per statement, swaps, reverts, tick
 *                failures, RPC retries, coverage, the age of the last attestation, plus Node's default
 *                process metrics. Names start with `homeostat_keeper_`.
 *  GET /healthz  200 `{"status":"ok",...}` while ticks keep succeeding; 503 with the reason once no tick has
 *                succeeded for `staleAfterSeconds` (a dead node, a stuck prover) or failures repeat.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { KeeperEvent } from "./loop.ts";

export interface HealthReport {
  status: "ok" | "starting" | "failing";
  reason?: string;
  lastTickAt?: string;
  lastAttestationAgeSeconds?: number;
  consecutiveFailures: number;
  uptimeSeconds: number;
}

/** Metrics and health from the keeper's events. */
export class KeeperMetrics {
  readonly registry = new Registry();
  private readonly started = Date.now();
  private lastTickMs: number | undefined;
  /** Unix seconds of the last attestation the keeper knows of (chain time). */
  private lastAttestation: number | undefined;
  private failures = 0;
  private readonly ticks: Counter;
  private readonly proofs: Counter<"statement">;
  private readonly proving: Histogram<"statement">;
  private readonly swaps: Counter;
  private readonly reverts: Counter;
  private readonly deposits: Counter<"asset">;
  private readonly tickFailures: Counter;
  private readonly retries: Counter;
  private readonly coverage: Gauge;

  constructor(readonly options: { staleAfterSeconds: number; failuresBeforeUnhealthy?: number; now?: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "homeostat_keeper_" });
    this.ticks = new Counter({ name: "homeostat_keeper_ticks_total", help: "Keeper ticks completed", registers });
    this.proofs = new Counter({ name: "homeostat_keeper_proofs_total", help: "Groth16 proofs made and landed on chain, by statement", labelNames: ["statement"], registers });
    this.proving = new Histogram({
      name: "homeostat_keeper_proving_seconds",
      help: "Time to prove one statement (witness and Groth16)",
      labelNames: ["statement"],
      buckets: [0.5, 1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    this.swaps = new Counter({ name: "homeostat_keeper_swaps_total", help: "Proven swaps executed through the vault", registers });
    this.deposits = new Counter({ name: "homeostat_keeper_deposits_total", help: "Vault deposits (Deposited events) counted into the holdings, by asset", labelNames: ["asset"], registers });
    this.reverts = new Counter({ name: "homeostat_keeper_swap_reverts_total", help: "Swaps the chain refused (re-planned next tick)", registers });
    this.tickFailures = new Counter({ name: "homeostat_keeper_failures_total", help: "Ticks that failed (retried with backoff)", registers });
    this.retries = new Counter({ name: "homeostat_keeper_rpc_retries_total", help: "JSON-RPC calls retried", registers });
    this.coverage = new Gauge({ name: "homeostat_keeper_coverage_bps", help: "Coverage of the liabilities after the last tick, basis points", registers });
    const attestationAge = () => this.attestationAge();
    const lastTick = () => this.lastTickMs;
    new Gauge({
      name: "homeostat_keeper_last_attestation_age_seconds",
      help: "Seconds since the last attestation the keeper published or found on chain",
      registers,
      collect() {
        const age = attestationAge();
        if (age !== undefined) this.set(age);
      },
    });
    new Gauge({
      name: "homeostat_keeper_last_tick_timestamp_seconds",
      help: "Unix time of the last successful tick",
      registers,
      collect() {
        const at = lastTick();
        if (at !== undefined) this.set(at / 1000);
      },
    });
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private attestationAge(): number | undefined {
    return this.lastAttestation === undefined ? undefined : Math.max(0, Math.round(this.now() / 1000 - this.lastAttestation));
  }

  /** The last attestation's time (unix seconds), as read from the registry at start. */
  setLastAttestation(unixSeconds: number): void {
    this.lastAttestation = unixSeconds;
  }

  /** Feeds one keeper event. */
  observe(e: KeeperEvent): void {
    switch (e.event) {
      case "tick-done":
        this.ticks.inc();
        this.failures = 0;
        this.lastTickMs = this.now();
        if (typeof e["coverageAfterBps"] === "string") this.coverage.set(Number(e["coverageAfterBps"]));
        break;
      case "rebalanced":
        this.swaps.inc();
        this.proofs.inc({ statement: "rebalance" });
        if (typeof e["proveSeconds"] === "number") this.proving.observe({ statement: "rebalance" }, e["proveSeconds"]);
        break;
      case "attested":
      case "initialised":
        if (e.event === "attested") {
          this.proofs.inc({ statement: "solvency" });
          if (typeof e["proveSeconds"] === "number") this.proving.observe({ statement: "solvency" }, e["proveSeconds"]);
        }
        this.lastAttestation = this.now() / 1000;
        break;
      case "reverted":
        this.reverts.inc();
        break;
      case "deposit":
        this.deposits.inc({ asset: String(e["asset"]) });
        break;
      case "error":
        this.tickFailures.inc();
        this.failures++;
        break;
      case "retry":
        this.retries.inc();
        break;
    }
  }

  /** Healthy while ticks succeed: see the module comment. */
  health(): HealthReport {
    const uptimeSeconds = Math.round((this.now() - this.started) / 1000);
    const base = {
      consecutiveFailures: this.failures,
      uptimeSeconds,
      ...(this.lastTickMs !== undefined ? { lastTickAt: new Date(this.lastTickMs).toISOString() } : {}),
      ...(this.attestationAge() !== undefined ? { lastAttestationAgeSeconds: this.attestationAge()! } : {}),
    };
    const stale = this.options.staleAfterSeconds;
    const since = (this.now() - (this.lastTickMs ?? this.started)) / 1000;
    if (this.failures >= (this.options.failuresBeforeUnhealthy ?? 3)) return { status: "failing", reason: `${this.failures} ticks failed in a row`, ...base };
    if (since > stale) return { status: "failing", reason: `no successful tick for ${Math.round(since)} s (limit ${stale} s)`, ...base };
    if (this.lastTickMs === undefined) return { status: "starting", ...base };
    return { status: "ok", ...base };
  }
}

/** Serves /metrics and /healthz on `host:port` (port 0: any free one); resolves once listening. */
export async function serveKeeperEndpoints(metrics: KeeperMetrics, host: string, port: number): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (url === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${(e as Error).message}\n`),
      );
      return;
    }
    if (url === "/healthz") {
      const report = metrics.health();
      res.writeHead(report.status === "failing" ? 503 : 200, { "content-type": "application/json" }).end(`${JSON.stringify(report)}\n`);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /healthz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
