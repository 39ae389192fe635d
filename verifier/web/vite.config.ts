/**
 * Vite build of the browser verifier page (verifier/web/ -> verifier/web/dist/). The output is static and
 * self-contained: snarkjs, the hashing module and the pinned verification keys are bundled, nothing is
 * fetched from a CDN, so the page works offline. `homeostat serve` and the browser tests build with this
 * config through Vite's API; `npm run build:web` builds it by hand.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { buildStampPlugin } from "./build-stamp.ts";
import { pinnedKeysPlugin } from "./pinned-keys-plugin.ts";

const WEB_ROOT = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(WEB_ROOT, "../..");
/** Where the keys to pin are read from: the setup pipeline's output, unless overridden (e.g. by tests). */
const KEYS_DIR = path.resolve(PROJECT_ROOT, process.env.HOMEOSTAT_WEB_KEYS_DIR ?? "build/circuits");
/** Project files seen by the page and worker builds, recorded in dist/.homeostat-build.json. */
const seen = new Set<string>();
/** The build's own code, which Rollup does not see as modules. */
const CONFIG_FILES = ["verifier/web/vite.config.ts", "verifier/web/pinned-keys-plugin.ts", "verifier/web/build-stamp.ts", "core/canonical.ts"];

export default defineConfig({
  root: WEB_ROOT,
  // Relative asset URLs: the page works from any path and from a plain folder.
  base: "./",
  logLevel: "warn",
  clearScreen: false,
  publicDir: false,
  plugins: [pinnedKeysPlugin(KEYS_DIR), buildStampPlugin({ projectRoot: PROJECT_ROOT, keysDir: KEYS_DIR, seen, writer: true, extraInputs: CONFIG_FILES })],
  resolve: {
    alias: [
      // poseidon-lite's index is CommonJS over all 16 arities; load only the four core/hash.ts uses.
      { find: /^poseidon-lite$/, replacement: path.join(WEB_ROOT, "src/poseidon-lite-shim.ts") },
    ],
    // Vite's client conditions already include "browser": snarkjs and ffjavascript resolve to their
    // prebuilt build/browser.esm.js (no node: built-ins, no polyfills needed).
  },
  // Workers are bundled by their own Rollup pass, which needs its own plugin instances.
  worker: {
    format: "es",
    plugins: () => [pinnedKeysPlugin(KEYS_DIR), buildStampPlugin({ projectRoot: PROJECT_ROOT, keysDir: KEYS_DIR, seen, writer: false })],
  },
  build: {
    outDir: path.join(WEB_ROOT, "dist"),
    emptyOutDir: true,
    // BigInt literals and top-level await are used by snarkjs/ffjavascript and core/hash.ts.
    target: "es2022",
    reportCompressedSize: false,
    // The worker chunk carries snarkjs + ffjavascript (~1 MB unminified); that is expected.
    chunkSizeWarningLimit: 2048,
  },
  server: { fs: { allow: [PROJECT_ROOT] } },
});
