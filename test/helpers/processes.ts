/**
 * `homeostat keeper` as a child process (one run to its exit, or a service read event by event) and a TCP
 * proxy in front of a JSON-RPC node that a test takes down and brings back, as a node restart looks to a
 * client. Used by test/keeper/keeper-restart.test.ts and test/rehearsal/rehearsal.test.ts.
 */
import { spawn } from "node:child_process";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import path from "node:path";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

/** One JSON line of `homeostat keeper --json`. */
export interface KeeperLogEvent {
  event: string;
  url?: string;
  error?: string;
  [field: string]: unknown;
}

const HOMEOSTAT = path.join(PROJECT_ROOT, "bin", "homeostat.mjs");

/** What a child process printed and how it ended. */
export interface ProcessRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ARGS` from the project root to its exit (asynchronously: the chain it talks to may live in this process); killed after `timeoutMs`. */
export function runNode(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs `homeostat ARGS` as a child process to its exit. */
export function runHomeostat(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runNode([HOMEOSTAT, ...args], env);
}

/** Runs `homeostat keeper ARGS` as a child process to its exit. */
export function runKeeper(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runHomeostat(["keeper", ...args], env);
}

/** The JSON events of a `--json` keeper run's stdout. */
export function keeperEvents(stdout: string): KeeperLogEvent[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as KeeperLogEvent);
}

/** The keeper running as a service (unbounded ticks, --interval 1, --listen 127.0.0.1:0), its JSON events as they come. */
export function startKeeperService(args: string[]) {
  const child = spawn(process.execPath, [HOMEOSTAT, "keeper", ...args.filter((a, i) => a !== "--interval" && args[i - 1] !== "--interval"), "--interval", "1", "--listen", "127.0.0.1:0"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const events: KeeperLogEvent[] = [];
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    const lines = stdout.split("\n");
    stdout = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as KeeperLogEvent);
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  /** The first `name` event at or after position `from` of the log. */
  const waitFor = (name: string, from = 0) =>
    new Promise<KeeperLogEvent>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const found = events.slice(from).find((e) => e.event === name);
        if (found) {
          clearInterval(poll);
          resolve(found);
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          reject(new Error(`no ${name} event in 120 s: ${JSON.stringify(events.slice(from))} ${stderr}`));
        }
      }, 100);
    });
  return { child, events, exited, waitFor, stderr: () => stderr };
}

/** What `serviceThroughOutage` saw. */
export interface OutageRun {
  /** Every event of the service, in order. */
  events: KeeperLogEvent[];
  /** The first failed tick after the endpoint went down. */
  failed: KeeperLogEvent;
  /** /metrics while the endpoint was down, after the failed tick. */
  metricsDuringOutage: string;
  /** /healthz after the first tick once the endpoint was back. */
  healthAfter: unknown;
  /** The exit code after SIGTERM, and stderr. */
  exitCode: number | null;
  stderr: string;
}

/**
 * Runs the keeper as a service (`startKeeperService`, its `--rpc` being `proxy`) through an outage of its
 * node: after its first tick the proxy goes down until a tick has failed and `downMs` more have passed, then
 * comes back; once a tick succeeds again the service is stopped with SIGTERM.
 */
export async function serviceThroughOutage(args: string[], proxy: TcpProxy, downMs = 0): Promise<OutageRun> {
  const service = startKeeperService(args);
  try {
    const listening = await service.waitFor("listening");
    await service.waitFor("tick-done");
    await proxy.stop();
    const failed = await service.waitFor("error", service.events.length);
    const metricsDuringOutage = await (await fetch(`${listening.url}/metrics`)).text();
    await new Promise((r) => setTimeout(r, downMs));
    await proxy.start();
    await service.waitFor("tick-done", service.events.length);
    const healthAfter = await (await fetch(`${listening.url}/healthz`)).json();
    service.child.kill("SIGTERM");
    return { events: service.events, failed, metricsDuringOutage, healthAfter, exitCode: await service.exited, stderr: service.stderr() };
  } finally {
    service.child.kill("SIGTERM");
    await proxy.start();
  }
}

/** A TCP proxy on 127.0.0.1 in front of the node at `target` (an http URL); `stop` drops it and every connection, `start` brings it back on the same port. */
export interface TcpProxy {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts a `TcpProxy` on a free port. */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((client) => {
        const node = connect(Number(upstream.port), upstream.hostname);
        for (const s of [client, node]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(node).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  let server: Server | undefined = await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    start: async () => {
      server ??= await listen(port);
    },
  };
}

/** A `hardhat node` process (its own process group) serving JSON-RPC on 127.0.0.1. */
export interface HardhatNode {
  url: string;
  pid: number;
  /** The last 64 KB of what it printed (it logs every request), for failure messages. */
  output(): string;
  /** Stops the process group (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `hardhat node --hostname 127.0.0.1 --port PORT` from the project root as a separate process and
 * waits until it answers eth_chainId (at most `timeoutMs`).
 */
export async function startHardhatNode(timeoutMs = 60_000): Promise<HardhatNode> {
  const port = await freePort();
  const cli = path.join(PROJECT_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
  const child = spawn(process.execPath, [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  // Its own process group (so stop() ends whatever it started too), killed with this process if the test never stops it.
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
    process.off("exit", onExit);
  });
  const url = `http://127.0.0.1:${port}`;
  const node: HardhatNode = {
    url,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (!running) return;
      killGroup("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const started = Date.now();
  for (;;) {
    if (!running) throw new Error(`hardhat node exited before answering: ${output}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (((await res.json()) as { result?: string }).result) return node;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      await node.stop();
      throw new Error(`hardhat node did not answer eth_chainId at ${url} within ${timeoutMs} ms: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
