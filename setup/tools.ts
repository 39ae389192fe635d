/**
 * Versions of the tools that shape the artifacts (circom compiler and its npm wrapper, snarkjs), read
 * from the installed packages, and the location of snarkjs's Solidity templates. They go into every
 * manifest and into the inputs that decide whether a build is up to date.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { UserError } from "../core/errors.ts";
import { readCache, writeCacheEntry } from "./cache.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";

const execFileAsync = promisify(execFile);

export interface ToolVersions {
  /** circom compiler version, as `circom2 --version` reports it (e.g. 2.2.3). */
  circom: string;
  /** Version of the npm `circom2` package that ships the compiler as WASM. */
  circom2: string;
  snarkjs: string;
  node: string;
}

/** Folder of an installed npm package (resolved the way Node resolves it from this project). */
export function packageDir(name: string): string {
  const require = createRequire(path.join(PROJECT_ROOT, "package.json"));
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages whose "exports" hide package.json: walk up from the main entry.
    let dir = path.dirname(require.resolve(name));
    while (!readJson(path.join(dir, "package.json"))?.name?.startsWith(name)) {
      const up = path.dirname(dir);
      if (up === dir) throw new UserError(`npm package ${name} is not installed (run npm ci)`, { where: "node_modules" });
      dir = up;
    }
    return dir;
  }
}

function readJson(file: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** Installed version of an npm package. */
export function packageVersion(name: string): string {
  const version = readJson(path.join(packageDir(name), "package.json"))?.version;
  if (!version) throw new UserError(`cannot read the version of npm package ${name}`, { where: "node_modules" });
  return version;
}

let cached: Promise<ToolVersions> | undefined;
const VERSION_CACHE = "circom-version.json";

/** Tool versions (the circom compiler is asked once per process; it takes a fraction of a second). */
export function toolVersions(): Promise<ToolVersions> {
  cached ??= (async () => {
    const dir = packageDir("circom2");
    const cli = path.join(dir, "cli.js");
    // Asking the compiler costs a node start; the answer is cached per circom.wasm (path, size, mtime).
    const wasm = path.join(dir, "circom.wasm");
    const key = existsSync(wasm) ? `${wasm}:${statSync(wasm).size}:${statSync(wasm).mtimeMs}` : undefined;
    let circom = key ? readCache<string>(VERSION_CACHE)[key] : undefined;
    if (!circom) {
      try {
        const { stdout } = await execFileAsync(process.execPath, [cli, "--version"], { cwd: PROJECT_ROOT });
        circom = /circom compiler\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
      } catch (e) {
        throw new UserError(`cannot run circom2 --version: ${(e as Error).message}`, { where: cli, cause: e });
      }
      if (key) writeCacheEntry(VERSION_CACHE, key, circom);
    }
    return { circom, circom2: packageVersion("circom2"), snarkjs: packageVersion("snarkjs"), node: process.version };
  })();
  return cached;
}

/** snarkjs's Groth16 Solidity verifier template (EJS), as `zKey.exportSolidityVerifier` takes it. */
export function groth16VerifierTemplate(): string {
  return readFileSync(path.join(packageDir("snarkjs"), "templates", "verifier_groth16.sol.ejs"), "utf8");
}
