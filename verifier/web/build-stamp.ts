/**
 * Knowing whether verifier/web/dist is current. The Vite plugin below records every source file of the
 * project that went into the build (page, worker, verifier library, hashing module), the pinned keys and
 * the lock file, with their sha256, in `dist/.homeostat-build.json`. `buildStaleness` re-hashes them:
 * `homeostat serve` rebuilds when anything changed. Hashes rather than mtimes, so a checkout or a copy
 * does not fool it. Node-side only.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "vite";
import { readPinnedKeys } from "./pinned-keys-plugin.ts";

/** File name of the stamp inside the output folder. */
export const STAMP_FILE = ".homeostat-build.json";

/** What a build records about its inputs. */
export interface BuildStamp {
  builtAt: string;
  /** Absolute folder the pinned keys were read from. */
  keysDir: string;
  /** Pinned keys: instance -> vkeyHash. */
  keys: Record<string, string>;
  /** Project files that went into the build (relative to the project root) -> sha256 hex. */
  inputs: Record<string, string>;
}

function sha256File(file: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return undefined;
  }
}

function keyMap(keysDir: string): Record<string, string> {
  return Object.fromEntries(readPinnedKeys(keysDir).map((k) => [k.instance, k.vkeyHash]));
}

/**
 * Records the build's inputs. Pass the same `seen` set to the page's and the worker's plugin lists, so
 * the modules of both Rollup passes are recorded; the stamp is written when the page build closes.
 */
export function buildStampPlugin(options: {
  projectRoot: string;
  keysDir: string;
  seen: Set<string>;
  /** Whether this instance writes the stamp (the page build's does; the worker's only records). */
  writer: boolean;
  /** Inputs Rollup never sees (the config and its plugins), relative to the project root. */
  extraInputs?: readonly string[];
}): Plugin {
  let outDir = "";
  const record = (id: string): void => {
    const file = id.split("?")[0]!;
    if (file.startsWith(options.projectRoot + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`) && existsSync(file)) {
      options.seen.add(path.relative(options.projectRoot, file));
    }
  };
  return {
    name: "homeostat-build-stamp",
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    transform(_code, id) {
      record(id);
      return null;
    },
    transformIndexHtml: {
      order: "pre",
      handler(_html, ctx) {
        record(ctx.filename);
      },
    },
    writeBundle() {
      if (!options.writer) return;
      const inputs: Record<string, string> = {};
      for (const rel of [...new Set([...options.seen, ...(options.extraInputs ?? []), "package-lock.json"])].sort()) {
        const hash = sha256File(path.join(options.projectRoot, rel));
        if (hash) inputs[rel] = hash;
      }
      const stamp: BuildStamp = { builtAt: new Date().toISOString(), keysDir: options.keysDir, keys: keyMap(options.keysDir), inputs };
      writeFileSync(path.join(outDir, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    },
  };
}

/**
 * Why `distDir` needs rebuilding, or undefined when it is current: no build, other or changed keys, or a
 * changed source file.
 */
export function buildStaleness(distDir: string, projectRoot: string, keysDir: string): string | undefined {
  const stampFile = path.join(distDir, STAMP_FILE);
  if (!existsSync(path.join(distDir, "index.html")) || !existsSync(stampFile)) return "not built yet";
  let stamp: BuildStamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, "utf8")) as BuildStamp;
  } catch {
    return "the build stamp is unreadable";
  }
  if (path.resolve(stamp.keysDir) !== path.resolve(keysDir)) return `built with the keys of ${stamp.keysDir}`;
  const keys = keyMap(keysDir);
  const names = new Set([...Object.keys(keys), ...Object.keys(stamp.keys ?? {})]);
  for (const name of names) if (keys[name] !== stamp.keys[name]) return `the verification key of ${name} changed`;
  for (const [rel, hash] of Object.entries(stamp.inputs ?? {})) {
    if (sha256File(path.join(projectRoot, rel)) !== hash) return `${rel} changed`;
  }
  return undefined;
}
