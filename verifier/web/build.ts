/**
 * Builds the verifier page with Vite's API (used by `homeostat serve`, the browser tests and the
 * benchmark). A build goes to a temporary folder and replaces verifier/web/dist only when it succeeded,
 * so a failed build never leaves a half-written page. `ensureWebBuild` rebuilds only when the page's
 * sources, the pinned keys or the lock file changed (build-stamp.ts). Node-side only.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../../core/errors.ts";
import { buildStaleness } from "./build-stamp.ts";

/** verifier/web/ */
export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The project root. */
export const PROJECT_ROOT = path.resolve(WEB_DIR, "../..");
/** The built page. */
export const DIST_DIR = path.join(WEB_DIR, "dist");
/** Default folder of pinned keys: the setup pipeline's output. */
export const DEFAULT_KEYS_DIR = path.join(PROJECT_ROOT, "build", "circuits");

/** Options of a page build. */
export interface WebBuildOptions {
  /** Folder of `NAME/NAME.vkey.json` keys to pin (default build/circuits, or HOMEOSTAT_WEB_KEYS_DIR). */
  keysDir?: string;
  /** Build even when dist/ is current. */
  force?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Outcome of `ensureWebBuild`. */
export interface WebBuildResult {
  dir: string;
  /** Whether a build ran (false: dist/ was current). */
  built: boolean;
  /** Why it was rebuilt. */
  reason?: string;
  /** Build time in ms, when built. */
  ms?: number;
}

function resolveKeysDir(keysDir: string | undefined): string {
  return path.resolve(PROJECT_ROOT, keysDir ?? process.env.HOMEOSTAT_WEB_KEYS_DIR ?? DEFAULT_KEYS_DIR);
}

/** Builds verifier/web into dist/ (via a temporary folder). Throws a UserError when Vite fails. */
export async function buildWeb(options: WebBuildOptions = {}): Promise<void> {
  const keysDir = resolveKeysDir(options.keysDir);
  const scratch = path.join(PROJECT_ROOT, ".homeostat");
  mkdirSync(scratch, { recursive: true });
  const temp = mkdtempSync(path.join(scratch, "web-build-"));
  const previousEnv = process.env.HOMEOSTAT_WEB_KEYS_DIR;
  // The config reads the keys folder from the environment (it is also run by `vite build` by hand).
  process.env.HOMEOSTAT_WEB_KEYS_DIR = keysDir;
  try {
    const { build } = await import("vite");
    await build({
      configFile: path.join(WEB_DIR, "vite.config.ts"),
      logLevel: "error",
      build: { outDir: temp, emptyOutDir: true },
    });
    chmodSync(temp, 0o755); // mkdtemp makes it private; the page is meant to be read
    const old = `${temp}-old`;
    if (existsSync(DIST_DIR)) renameSync(DIST_DIR, old);
    renameSync(temp, DIST_DIR);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    throw new UserError(`building the verifier page failed: ${(e as Error).message.split("\n")[0]}`, { where: "verifier/web", cause: e });
  } finally {
    if (previousEnv === undefined) delete process.env.HOMEOSTAT_WEB_KEYS_DIR;
    else process.env.HOMEOSTAT_WEB_KEYS_DIR = previousEnv;
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Builds the page when dist/ is missing or stale; returns what it did. */
export async function ensureWebBuild(options: WebBuildOptions = {}): Promise<WebBuildResult> {
  const keysDir = resolveKeysDir(options.keysDir);
  const reason = options.force ? "forced" : buildStaleness(DIST_DIR, PROJECT_ROOT, keysDir);
  if (reason === undefined) return { dir: DIST_DIR, built: false };
  options.log?.(`building the verifier page (${reason})…`);
  const start = performance.now();
  await buildWeb({ ...options, keysDir });
  return { dir: DIST_DIR, built: true, reason, ms: performance.now() - start };
}
