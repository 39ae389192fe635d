/**
 * Homeostat's cache folder (`HOMEOSTAT_CACHE_DIR`, else `$XDG_CACHE_HOME/homeostat` or
 * `~/.cache/homeostat`): downloaded or generated powers of tau, and small caches keyed by file identity
 * (path, size, mtime) so a second `setup` does not redo slow checks.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "./files.ts";

/** The cache folder (absolute). */
export function defaultCacheDir(): string {
  if (process.env.HOMEOSTAT_CACHE_DIR) return path.resolve(process.env.HOMEOSTAT_CACHE_DIR);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "homeostat");
}

/** Reads a JSON cache file of the cache folder; a missing or unreadable one is empty. */
export function readCache<T>(name: string, cacheDir: string = defaultCacheDir()): Record<string, T> {
  try {
    return JSON.parse(readFileSync(path.join(cacheDir, name), "utf8")) as Record<string, T>;
  } catch {
    return {};
  }
}

/** Adds one entry to a JSON cache file (read-modify-rename); failures only cost speed, so they are ignored. */
export function writeCacheEntry<T>(name: string, key: string, value: T, cacheDir: string = defaultCacheDir()): void {
  try {
    const cache = readCache<T>(name, cacheDir);
    cache[key] = value;
    writeFileAtomic(path.join(cacheDir, name), `${JSON.stringify(cache, null, 2)}\n`);
  } catch {
    // read-only or full cache folder
  }
}
