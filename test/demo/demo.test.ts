/**
 * `homeostat demo` end to end, as `npm run demo < /dev/null` runs it: a subprocess with stdin closed (not a
 * terminal, so it must not serve), which must exit 0, print the summary and the page URL, and leave a latest
 * bundle that verifies (Groth16 and every binding check of verifier/verify.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { provingKeysBuilt } from "../../chain/local-treasury.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { verifyBundle } from "../../verifier/verify.ts";
import { loadVerificationKeys } from "../../verifier/node.ts";

const out = mkdtempSync(path.join(tmpdir(), "homeostat-demo-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(!provingKeysBuilt("test"))("homeostat demo", () => {
  it("runs the whole story with stdin closed, exits 0, prints the summary and the URL, and writes a verifying bundle", async () => {
    const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), "demo", "--out", out], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      timeout: 480_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/proven and verified on chain: \d+ solvency attestations \(S1\), [1-9]\d* rebalances \(S2\), 1 payout \(S4\)/);
    expect(run.stdout).toMatch(/payout: 25000 USDC to 0x[0-9a-fA-F]{40} \(S4\); deposit: 40000 USDC, counted by the keeper's next attestation/);
    expect(run.stderr).toMatch(/the keeper counted 1 deposit\(s\) and re-attested/);
    expect(run.stdout).toMatch(/coverage: [\d.]+% before -> [\d.]+% after the shock -> [\d.]+% after the keeper/);
    const url = /^page: (http:\/\/127\.0\.0\.1:\d+\/\?bundle=bundles%2F(\S+))$/m.exec(run.stdout);
    expect(url, run.stdout).not.toBeNull();
    expect(run.stderr).toMatch(/not serving \(stdin is not a terminal\)/);

    const site = path.join(out, "site");
    expect(existsSync(path.join(site, "index.html"))).toBe(true);
    const bundles = readdirSync(path.join(site, "bundles"));
    expect(bundles.some((n) => n.endsWith("-rebalance.json"))).toBe(true);
    const payout = bundles.find((n) => n.endsWith("-payout.json"));
    expect(payout).toBeDefined();
    const paid = await verifyBundle(JSON.parse(readFileSync(path.join(site, "bundles", payout!), "utf8")) as unknown, loadVerificationKeys());
    expect(paid.reasons).toEqual([]);
    expect(paid.valid).toBe(true);
    const latest = decodeURIComponent(url![2]!);
    expect(bundles).toContain(latest);
    const bundle = JSON.parse(readFileSync(path.join(site, "bundles", latest), "utf8")) as unknown;
    const result = await verifyBundle(bundle, loadVerificationKeys());
    expect(result.reasons).toEqual([]);
    expect(result.valid).toBe(true);
  }, 600_000);

  it("refuses bad input with one line and a non-zero exit", () => {
    const run = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "homeostat.mjs"), "demo", "--shock", "200", "--out", out], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/--shock/);
  });
});
