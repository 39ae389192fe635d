/**
 * `homeostat serve`: serves the built verifier page (building it first when missing or stale) and a
 * folder of bundles on localhost, and prints the page's URL, pointing at the newest bundle when there is
 * one. Static files only: GET/HEAD, known MIME types, no directory listings of the page, and no path
 * can leave the two served folders.
 *
 * Routes: `/` and `/assets/...` from verifier/web/dist; `/bundles/NAME` from `--bundles DIR`;
 * `/bundles/` lists that folder's bundles as a JSON array (newest first). Under /bundles/ only bundle JSON
 * is served (a file of the folder itself, `format: "homeostat-bundle/..."`): the folder may be a treasury
 * folder next to private files (positions, the salts in .homeostat/, users' inclusion proofs). Nothing whose
 * path has a part starting with "." is ever served.
 */
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import path from "node:path";
import type { Command } from "commander";
import { UserError, systemErrorReason } from "../../core/errors.ts";
import { decodeInputText, readInputBytes } from "../../core/node/input-files.ts";
import { DIST_DIR, ensureWebBuild } from "../../verifier/web/build.ts";

/** Content types by file extension; anything else is served as bytes. */
const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** Options of `startServer`. */
export interface ServeOptions {
  /** The built page (default verifier/web/dist). */
  pageDir?: string;
  /** Folder of bundles served under /bundles/ (optional). */
  bundlesDir?: string;
  /** Port; 0 picks a free one. Default 4173. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4173/`. */
  baseUrl: string;
  /** The page's URL, with `?bundle=` for the newest bundle when there is one. */
  url: string;
  /** File name of the newest bundle in the bundles folder, if any. */
  latestBundle?: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Largest file served (or considered) as a bundle: bundles are a few kilobytes. */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/** The bytes of `file` when it is a bundle (JSON whose `format` is a Homeostat bundle's), else undefined. */
function bundleBytes(file: string): Buffer | undefined {
  try {
    const bytes = readInputBytes(file, MAX_BUNDLE_BYTES);
    const parsed = JSON.parse(decodeInputText(bytes, file)) as { format?: unknown } | null;
    return typeof parsed?.format === "string" && parsed.format.startsWith("homeostat-bundle/") ? bytes : undefined;
  } catch {
    return undefined; // not readable, not UTF-8, not JSON: not a bundle
  }
}

/** Visible `.json` files of `dir`, newest first (by modification time). */
function jsonFilesNewestFirst(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith(".") && e.name.toLowerCase().endsWith(".json"))
    .map((e) => ({ name: e.name, mtime: statSync(path.join(dir, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name))
    .map((e) => e.name);
}

/** The bundles among the 1,000 newest JSON files of `dir`, newest first (each listing opens them). */
function bundlesNewestFirst(dir: string): string[] {
  return jsonFilesNewestFirst(dir)
    .slice(0, 1000)
    .filter((name) => bundleBytes(path.join(dir, name)) !== undefined);
}

/**
 * The newest attestation bundle in `dir`: the most recently modified `.json` file whose `format` is a
 * Homeostat bundle (other JSON, such as inclusion proofs, is skipped). Undefined when there is none.
 */
export function latestBundle(dir: string): string | undefined {
  return jsonFilesNewestFirst(dir)
    .slice(0, 200)
    .find((name) => bundleBytes(path.join(dir, name)) !== undefined);
}

/** A bundle's bytes for `/bundles/NAME`: a bundle file directly in `dir` (no sub-folder, no dotfile), else undefined. */
export function bundleFor(dir: string, name: string): Buffer | undefined {
  const file = resolveInside(dir, name);
  if (!file || path.dirname(file) !== realpathSync(dir) || !file.toLowerCase().endsWith(".json")) return undefined;
  return bundleBytes(file);
}

/**
 * Maps a URL path onto a file inside `root`, or undefined when it would leave `root` (`..`, encoded
 * separators, NUL, symlinks pointing outside), names a hidden file (a part starting with "."), or is not a
 * regular file.
 */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const parts = decoded.split("/").filter((p) => p !== "" && p !== ".");
  // `..` leaves the folder; any other part starting with "." is a hidden (private or internal) file.
  if (parts.some((p) => p.startsWith("."))) return undefined;
  const realRoot = realpathSync(root);
  const candidate = path.join(realRoot, ...parts);
  if (!existsSync(candidate)) return undefined;
  const real = realpathSync(candidate);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return undefined;
  // A symlink inside the folder may still point at a hidden file.
  if (path.relative(realRoot, real).split(path.sep).some((p) => p.startsWith("."))) return undefined;
  return statSync(real).isFile() ? real : undefined;
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
  res.end(body);
}

/** Sends bytes already read (a bundle: checked and served from the same read). */
function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, type: string): void {
  res.writeHead(200, { "Content-Type": type, "Content-Length": bytes.length, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

function serveFile(req: IncomingMessage, res: ServerResponse, file: string): void {
  const type = MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": statSync(file).size,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  createReadStream(file)
    .on("error", () => res.destroy())
    .pipe(res);
}

function handler(pageDir: string, bundlesDir: string | undefined) {
  const route = routeRequest(pageDir, bundlesDir);
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch (e) {
      // A folder removed while serving, a file vanishing between stat and read: answer, do not crash.
      if (!res.headersSent) send(res, 500, `cannot serve this: ${(e as Error).message}\n`);
      else res.destroy();
    }
  };
}

function routeRequest(pageDir: string, bundlesDir: string | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(res, 405, "method not allowed\n");
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      send(res, 400, "bad request\n");
      return;
    }
    if (pathname === "/bundles" || pathname === "/bundles/") {
      if (!bundlesDir) return send(res, 404, "no bundles folder is served (start with --bundles DIR)\n");
      return send(res, 200, `${JSON.stringify(bundlesNewestFirst(bundlesDir))}\n`, MIME[".json"]);
    }
    if (pathname.startsWith("/bundles/")) {
      const bundle = bundlesDir ? bundleFor(bundlesDir, pathname.slice("/bundles/".length)) : undefined;
      if (!bundle) return send(res, 404, "not found\n");
      return serveBytes(req, res, bundle, MIME[".json"]!);
    }
    // The page's own hidden files (the build stamp) are internal: resolveInside refuses them.
    const file = resolveInside(pageDir, pathname === "/" ? "index.html" : pathname);
    if (!file) return send(res, 404, "not found\n");
    serveFile(req, res, file);
  };
}

/** Starts the static server. Throws a UserError for a missing folder or a port in use. */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const pageDir = path.resolve(options.pageDir ?? DIST_DIR);
  if (!existsSync(path.join(pageDir, "index.html"))) throw new UserError("no built page here (run `npm run build:web`)", { where: pageDir });
  let bundlesDir: string | undefined;
  if (options.bundlesDir !== undefined) bundlesDir = checkBundlesDir(options.bundlesDir);
  const host = options.host ?? "127.0.0.1";
  checkHost(host);
  const port = options.port ?? 4173;
  const server: Server = createServer(handler(pageDir, bundlesDir));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)));
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const baseUrl = `http://${shownHost}:${actualPort}/`;
  const newest = bundlesDir ? latestBundle(bundlesDir) : undefined;
  const url = newest ? `${baseUrl}?bundle=${encodeURIComponent(`bundles/${newest}`)}` : baseUrl;
  return {
    baseUrl,
    url,
    ...(newest ? { latestBundle: newest } : {}),
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The bundles folder, resolved; not a folder is a UserError. */
function checkBundlesDir(dir: string): string {
  const resolved = path.resolve(dir);
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) throw new UserError("not a folder", { where: dir });
  return resolved;
}

/** `--host` must be an IP address or a host name (RFC 1123 labels); anything else is bad usage. */
function checkHost(host: string): void {
  const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  if (isIP(host) || (host.length <= 253 && new RegExp(`^${label}(?:\\.${label})*\\.?$`).test(host))) return;
  throw new UserError(`${JSON.stringify(host)} is not an IP address or a host name`, { where: "--host", exitCode: 2 });
}

/** Why the server could not listen, naming the flag at fault, in words. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): UserError {
  switch (e.code) {
    case "EADDRINUSE":
      return new UserError(`port ${port} is in use (choose another with --port)`, { where: `--port ${port}`, exitCode: 2 });
    case "EACCES":
      return new UserError(`no permission to listen on port ${port}`, { where: `--port ${port}`, exitCode: 2 });
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return new UserError(`cannot resolve the host name ${JSON.stringify(host)}`, { where: "--host", exitCode: 2 });
    case "EADDRNOTAVAIL":
      return new UserError(`${host} is not an address of this machine`, { where: "--host", exitCode: 2 });
    default:
      return new UserError(`cannot listen on ${host} port ${port}: ${systemErrorReason(e) ?? e.message}`, { where: "--host", exitCode: 2 });
  }
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UserError(`${JSON.stringify(text)} is not a port number (0-65535)`, { where: "--port", exitCode: 2 });
  return Number(text);
}

/** Registers `homeostat serve`. */
export function register(program: Command): void {
  program
    .command("serve")
    .description("serve the browser verifier page and a folder of bundles on localhost (builds the page if needed)")
    .option("--bundles <dir>", "folder of bundles to serve under /bundles/ (the URL opens the newest)")
    .option("--port <n>", "port to listen on (0: any free port)", "4173")
    .option("--host <addr>", "interface to listen on", "127.0.0.1")
    .option("--json", "print {url} as JSON")
    .action(async (opts: { bundles?: string; port: string; host: string; json?: boolean }) => {
      const port = parsePort(opts.port);
      checkHost(opts.host); // before building the page
      if (opts.bundles !== undefined) checkBundlesDir(opts.bundles);
      const log = opts.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      const build = await ensureWebBuild(log ? { log } : {});
      if (build.built && log) log(`built in ${((build.ms ?? 0) / 1000).toFixed(1)} s`);
      const server = await startServer({ port, host: opts.host, ...(opts.bundles !== undefined ? { bundlesDir: opts.bundles } : {}) });
      if (opts.json) process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
      else {
        process.stdout.write(`${server.url}\n`);
        process.stderr.write(
          `serving the verifier page${opts.bundles ? ` and the bundles in ${opts.bundles}` : ""}` +
            `${server.latestBundle ? ` (opening ${server.latestBundle})` : ""}; Ctrl-C stops\n`,
        );
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
