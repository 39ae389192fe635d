/**
 * Pins how `homeostat serve` decides that verifier/web/dist is stale (verifier/web/build-stamp.ts) and
 * which keys the page pins (verifier/web/pinned-keys-plugin.ts), without running Vite: a changed source
 * file, a changed, added or removed verification key, or another keys folder each make the build stale;
 * the pinned key's hash is the verifier library's `vkeyHash`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vkeyHash } from "../../core/canonical.ts";
import { STAMP_FILE, buildStaleness, type BuildStamp } from "../../verifier/web/build-stamp.ts";
import { readPinnedKeys } from "../../verifier/web/pinned-keys-plugin.ts";

let root: string;
let dist: string;
let keys: string;

function writeKey(instance: string, nPublic: number): void {
  mkdirSync(path.join(keys, instance), { recursive: true });
  writeFileSync(path.join(keys, instance, `${instance}.vkey.json`), JSON.stringify({ protocol: "groth16", curve: "bn128", nPublic, IC: [] }));
}

/** Writes dist/ with a stamp describing the current sources and keys. */
function stamp(): void {
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, "index.html"), "<!doctype html>");
  const inputs: Record<string, string> = {
    // sha256 of "one" / "two"
    "src/a.ts": "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed",
    "src/b.ts": "3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3",
  };
  const keyHashes = Object.fromEntries(readPinnedKeys(keys).map((k) => [k.instance, k.vkeyHash]));
  const value: BuildStamp = { builtAt: new Date().toISOString(), keysDir: keys, keys: keyHashes, inputs };
  writeFileSync(path.join(dist, STAMP_FILE), JSON.stringify(value));
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "homeostat-stamp-"));
  dist = path.join(root, "dist");
  keys = path.join(root, "keys");
  mkdirSync(path.join(root, "src"));
  writeFileSync(path.join(root, "src/a.ts"), "one");
  writeFileSync(path.join(root, "src/b.ts"), "two");
  writeKey("solvency-test", 4);
  stamp();
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("buildStaleness", () => {
  it("is current when nothing changed", () => {
    expect(buildStaleness(dist, root, keys)).toBeUndefined();
  });

  it("says why when there is no build or no stamp", () => {
    rmSync(path.join(dist, STAMP_FILE));
    expect(buildStaleness(dist, root, keys)).toBe("not built yet");
    rmSync(dist, { recursive: true });
    expect(buildStaleness(dist, root, keys)).toBe("not built yet");
  });

  it("notices a changed or deleted source file", () => {
    writeFileSync(path.join(root, "src/b.ts"), "two!");
    expect(buildStaleness(dist, root, keys)).toBe("src/b.ts changed");
    rmSync(path.join(root, "src/b.ts"));
    expect(buildStaleness(dist, root, keys)).toBe("src/b.ts changed");
  });

  it("notices a changed, added or removed key, and another keys folder", () => {
    writeKey("solvency-test", 5);
    expect(buildStaleness(dist, root, keys)).toBe("the verification key of solvency-test changed");
    writeKey("solvency-test", 4);
    writeKey("inclusion-test", 2);
    expect(buildStaleness(dist, root, keys)).toBe("the verification key of inclusion-test changed");
    rmSync(path.join(keys, "inclusion-test"), { recursive: true });
    rmSync(path.join(keys, "solvency-test"), { recursive: true });
    expect(buildStaleness(dist, root, keys)).toBe("the verification key of solvency-test changed");
    expect(buildStaleness(dist, root, path.join(root, "other"))).toMatch(/^built with the keys of /);
  });
});

describe("readPinnedKeys", () => {
  it("reads every NAME/NAME.vkey.json with the verifier library's vkeyHash", async () => {
    writeKey("inclusion-test", 2);
    mkdirSync(path.join(keys, "no-key-yet"));
    const pinned = readPinnedKeys(keys);
    expect(pinned.map((k) => k.instance)).toEqual(["inclusion-test", "solvency-test"]);
    for (const k of pinned) expect(k.vkeyHash).toBe(await vkeyHash(k.vkey));
  });

  it("refuses a key file that is not a Groth16 key, naming it", () => {
    mkdirSync(path.join(keys, "bad"));
    writeFileSync(path.join(keys, "bad", "bad.vkey.json"), JSON.stringify({ protocol: "plonk" }));
    expect(() => readPinnedKeys(keys)).toThrow(/bad\.vkey\.json: not a Groth16 verification key/);
  });

  it("pins nothing from a missing folder", () => {
    expect(readPinnedKeys(path.join(root, "missing"))).toEqual([]);
  });
});
