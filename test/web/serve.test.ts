/**
 * Pins the static server behind `homeostat serve` (cli/commands/serve.ts), without a browser and without
 * building the page: MIME types, the newest-bundle URL, refusal of every way out of the served folders
 * (`..`, encoded separators, symlinks), internal files hidden, methods other than GET/HEAD refused, and a
 * port in use reported as a user error. With a treasury folder as the bundles folder, nothing but bundle
 * JSON is served: no dotfile (the salts in .homeostat/state.json), no other JSON (positions, inclusion
 * proofs), no sub-folder; a host that is not one is refused naming --host.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestBundle, resolveInside, startServer, type RunningServer } from "../../cli/commands/serve.ts";
import { UserError } from "../../core/errors.ts";

/** A raw HTTP request (the path is sent exactly as given, `..` included). */
function get(port: number, rawPath: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: rawPath, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let root: string;
let pageDir: string;
let bundlesDir: string;
let server: RunningServer;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "homeostat-serve-"));
  pageDir = path.join(root, "page");
  bundlesDir = path.join(root, "bundles");
  mkdirSync(path.join(pageDir, "assets"), { recursive: true });
  mkdirSync(bundlesDir);
  writeFileSync(path.join(pageDir, "index.html"), "<!doctype html><title>page</title>");
  writeFileSync(path.join(pageDir, "assets", "app.js"), "export {};");
  writeFileSync(path.join(pageDir, "assets", "app.css"), "body{}");
  writeFileSync(path.join(pageDir, "assets", "curve.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(path.join(pageDir, ".homeostat-build.json"), "{}");
  writeFileSync(path.join(root, "secret.txt"), "outside");
  symlinkSync(path.join(root, "secret.txt"), path.join(pageDir, "assets", "link.txt"));

  const bundle = (createdAt: string) => JSON.stringify({ format: "homeostat-bundle/1", createdAt });
  writeFileSync(path.join(bundlesDir, "old bundle.json"), bundle("2026-01-01T00:00:00Z"));
  writeFileSync(path.join(bundlesDir, "new bundle.json"), bundle("2026-01-02T00:00:00Z"));
  writeFileSync(path.join(bundlesDir, "inclusion-alice.json"), JSON.stringify({ format: "homeostat-inclusion/1" }));
  writeFileSync(path.join(bundlesDir, "broken.json"), "{not json");
  // A treasury folder's private files next to the bundles.
  mkdirSync(path.join(bundlesDir, ".homeostat"));
  writeFileSync(path.join(bundlesDir, ".homeostat", "state.json"), JSON.stringify({ format: "homeostat-state/1", commitments: { 1: { slots: [{ salt: "42" }] } } }));
  writeFileSync(path.join(bundlesDir, ".hidden.json"), bundle("2026-01-03T00:00:00Z"));
  writeFileSync(path.join(bundlesDir, "treasury.json"), JSON.stringify({ positions: [{ asset: "WETH", amount: "100" }] }));
  mkdirSync(path.join(bundlesDir, "sub"));
  writeFileSync(path.join(bundlesDir, "sub", "nested.json"), bundle("2026-01-03T00:00:00Z"));
  symlinkSync(path.join(bundlesDir, ".homeostat", "state.json"), path.join(bundlesDir, "state-link.json"));
  // Modification times decide "newest": the inclusion proof and the broken file are newer but are not bundles.
  const at = (name: string, seconds: number) => utimesSync(path.join(bundlesDir, name), seconds, seconds);
  at("old bundle.json", 1_000);
  at("new bundle.json", 2_000);
  at("inclusion-alice.json", 3_000);
  at("broken.json", 4_000);

  server = await startServer({ pageDir, bundlesDir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("latestBundle", () => {
  it("picks the newest file that is a bundle, skipping other JSON", () => {
    expect(latestBundle(bundlesDir)).toBe("new bundle.json");
  });

  it("finds none in a folder without bundles", () => {
    expect(latestBundle(pageDir)).toBeUndefined();
  });
});

describe("resolveInside", () => {
  it("maps paths inside the folder to files", () => {
    expect(resolveInside(pageDir, "assets/app.js")).toBe(path.join(pageDir, "assets", "app.js"));
    expect(resolveInside(pageDir, "/assets/%61pp.js")).toBe(path.join(pageDir, "assets", "app.js"));
  });

  it("refuses every way out, directories and malformed escapes", () => {
    for (const p of ["../secret.txt", "assets/../../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "assets%5c..%5c..%5csecret.txt", "assets/link.txt", "assets", "%E0%A4%A", "index.html%00.js"]) {
      expect(resolveInside(pageDir, p), p).toBeUndefined();
    }
  });
});

describe("the server", () => {
  it("prints a URL that opens the newest bundle", () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.url).toBe(`${server.baseUrl}?bundle=${encodeURIComponent("bundles/new bundle.json")}`);
    expect(server.latestBundle).toBe("new bundle.json");
  });

  it("serves the page and its assets with their MIME types", async () => {
    const cases: Array<[string, string]> = [
      ["/", "text/html; charset=utf-8"],
      ["/index.html", "text/html; charset=utf-8"],
      ["/assets/app.js", "text/javascript; charset=utf-8"],
      ["/assets/app.css", "text/css; charset=utf-8"],
      ["/assets/curve.wasm", "application/wasm"],
      ["/bundles/new%20bundle.json", "application/json; charset=utf-8"],
    ];
    for (const [p, type] of cases) {
      const res = await get(server.port, p);
      expect([p, res.status, res.type]).toEqual([p, 200, type]);
    }
    expect((await get(server.port, "/?bundle=bundles/x.json")).body).toContain("<title>page</title>");
  });

  it("lists the bundles folder's bundles as JSON, newest first (no other file)", async () => {
    const res = await get(server.port, "/bundles/");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual(["new bundle.json", "old bundle.json"]);
  });

  it("serves nothing but bundle JSON under /bundles/: no dotfile, no private JSON, no sub-folder (404)", async () => {
    for (const p of [
      "/bundles/.homeostat/state.json",
      "/bundles/%2ehomeostat/state.json",
      "/bundles/.hidden.json",
      "/bundles/treasury.json",
      "/bundles/inclusion-alice.json",
      "/bundles/broken.json",
      "/bundles/sub/nested.json",
      "/bundles/state-link.json",
      "/bundles/.homeostat/",
    ]) {
      const res = await get(server.port, p);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.body).not.toContain("42");
    }
    expect((await get(server.port, "/bundles/old%20bundle.json")).status).toBe(200);
  });

  it("answers 404 for paths that leave the served folders, internal files and missing files", async () => {
    for (const p of ["/../secret.txt", "/bundles/../../secret.txt", "/bundles/..%2f..%2fsecret.txt", "/assets/link.txt", "/.homeostat-build.json", "/missing.js", "/assets"]) {
      expect([p, (await get(server.port, p)).status]).toEqual([p, 404]);
    }
  });

  it("answers HEAD without a body and refuses other methods", async () => {
    const head = await get(server.port, "/assets/app.js", "HEAD");
    expect([head.status, head.body]).toEqual([200, ""]);
    expect((await get(server.port, "/", "POST")).status).toBe(405);
  });

  it("reports a port in use as a user error", async () => {
    await expect(startServer({ pageDir, port: server.port })).rejects.toThrow(UserError);
    await expect(startServer({ pageDir, port: server.port })).rejects.toThrow(/in use/);
  });

  it("refuses a host that is not one naming --host, in words (no raw error code)", async () => {
    const bad = startServer({ pageDir, host: "not a host", port: 0 });
    await expect(bad).rejects.toThrow(UserError);
    await expect(startServer({ pageDir, host: "not a host", port: 0 })).rejects.toThrow(/^--host: "not a host" is not an IP address or a host name$/);
    // A well-formed address that is not this machine's.
    await expect(startServer({ pageDir, host: "192.0.2.1", port: 0 })).rejects.toThrow(/^--host: 192\.0\.2\.1 is not an address of this machine$/);
  });

  it("refuses a missing bundles folder and an unbuilt page", async () => {
    await expect(startServer({ pageDir, bundlesDir: path.join(root, "nope"), port: 0 })).rejects.toThrow(/not a folder/);
    await expect(startServer({ pageDir: bundlesDir, port: 0 })).rejects.toThrow(/no built page/);
  });
});
