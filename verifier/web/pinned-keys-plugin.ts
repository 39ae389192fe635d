/**
 * Vite plugin that pins the verification keys into the page at build time. It reads every
 * `build/circuits/NAME/NAME.vkey.json` made by the setup pipeline and serves them to the page as the
 * virtual module `virtual:homeostat-pinned-keys`, each with its `vkeyHash` (sha256 of the canonical JSON,
 * the same hash a bundle names). The page trusts these keys and nothing it is handed at run time.
 * Node-side only (runs inside Vite).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "vite";
import { canonicalJson } from "../../core/canonical.ts";

/** The id the page imports. */
export const PINNED_KEYS_MODULE = "virtual:homeostat-pinned-keys";
const RESOLVED_ID = "\0" + PINNED_KEYS_MODULE;

/** One verification key as the page receives it. */
export interface PinnedKeyRecord {
  /** Circuit instance, e.g. `solvency-test`. */
  instance: string;
  /** sha256 (hex) of the canonical JSON of the key. */
  vkeyHash: string;
  /** The snarkjs verification key object. */
  vkey: Record<string, unknown>;
}

/** sha256 hex of the canonical JSON of a verification key (synchronous twin of core/canonical.ts `vkeyHash`). */
export function hashVkey(vkey: unknown): string {
  return createHash("sha256").update(canonicalJson(vkey)).digest("hex");
}

/** Every `NAME/NAME.vkey.json` under `circuitsDir`, sorted by instance name. Missing folder: none. */
export function readPinnedKeys(circuitsDir: string): PinnedKeyRecord[] {
  if (!existsSync(circuitsDir)) return [];
  const records: PinnedKeyRecord[] = [];
  for (const instance of readdirSync(circuitsDir).sort()) {
    const file = path.join(circuitsDir, instance, `${instance}.vkey.json`);
    if (!existsSync(file)) continue;
    let vkey: Record<string, unknown>;
    try {
      vkey = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    if (vkey.protocol !== "groth16") throw new Error(`${file}: not a Groth16 verification key`);
    records.push({ instance, vkeyHash: hashVkey(vkey), vkey });
  }
  return records;
}

/**
 * The plugin: resolves `virtual:homeostat-pinned-keys` to `export default [...records]` and asks Vite to
 * watch the key files, so a rebuilt key is picked up by the next build.
 */
export function pinnedKeysPlugin(circuitsDir: string): Plugin {
  return {
    name: "homeostat-pinned-keys",
    resolveId(id) {
      return id === PINNED_KEYS_MODULE ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      const records = readPinnedKeys(circuitsDir);
      for (const r of records) this.addWatchFile(path.join(circuitsDir, r.instance, `${r.instance}.vkey.json`));
      if (records.length === 0) {
        this.warn(`no verification keys under ${circuitsDir}: the page will refuse every bundle (run \`homeostat setup\`)`);
      }
      return `export default ${JSON.stringify(records)};`;
    },
  };
}
