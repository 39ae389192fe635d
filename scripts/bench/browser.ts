/**
 * Benchmark section: the browser verifier page in Chromium (DESIGN section 9: verification in Chromium
 * <= 100 ms). Measures the page weight (bytes of verifier/web/dist, what a first visit loads and what is
 * loaded only on demand), the time from navigation to the verdict on screen, the worker's start-up
 * (building the BN254 curve), and the verification time of a bundle once the worker is initialised.
 * `run()` returns a markdown section for BENCHMARKS.md (scripts/bench.ts assembles the sections).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { startServer } from "../../cli/commands/serve.ts";
import { DIST_DIR, ensureWebBuild } from "../../verifier/web/build.ts";
import { launchChromium, waitForVerdict } from "../../test/web/browser.ts";
import { makeSolvencyBundle } from "../../test/web/sample-bundles.ts";

/** Page loads measured (fresh navigation each). */
const LOADS = 5;
/** Verifications measured after initialisation (after 2 warm-up runs). */
const VERIFICATIONS = 20;
/** DESIGN section 9 budget for one verification in Chromium. */
const BUDGET_MS = 100;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.startsWith(".") ? [] : [path.join(dir, e.name)],
  );
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const msText = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Bytes of the built page: all of it, the part a first visit loads, and the on-demand chunk(s). */
function pageWeight(): { total: number; totalGzip: number; initial: number; initialGzip: number; lazy: Array<{ file: string; bytes: number }> } {
  const all = files(DIST_DIR);
  // ethers is only imported by the optional on-chain check (a dynamic import): it loads on demand.
  const isLazy = (f: string): boolean => /\/chain-[^/]+\.js$/.test(f);
  let total = 0;
  let totalGzip = 0;
  let initial = 0;
  let initialGzip = 0;
  const lazy: Array<{ file: string; bytes: number }> = [];
  for (const file of all) {
    const bytes = statSync(file).size;
    const gz = gzipSync(readFileSync(file)).length;
    total += bytes;
    totalGzip += gz;
    if (isLazy(file)) lazy.push({ file: path.relative(DIST_DIR, file), bytes });
    else {
      initial += bytes;
      initialGzip += gz;
    }
  }
  return { total, totalGzip, initial, initialGzip, lazy };
}

interface PageTimings {
  loadToVerdictMs?: number;
  initMs?: number;
  verifyMs?: number;
}

/** Runs the measurements and returns the markdown section. */
export async function run(): Promise<string> {
  const work = mkdtempSync(path.join(os.tmpdir(), "homeostat-bench-web-"));
  const build = await ensureWebBuild();
  // The standard instance is what a deployment uses; the test instance stands in when it is not set up.
  let fallbackNote = "";
  const sample = await makeSolvencyBundle(work, "standard").catch((e: Error) => {
    fallbackNote = ` (the standard instance could not be used: ${e.message.split("\n")[0]})`;
    return makeSolvencyBundle(work, "test");
  });
  const bundleFile = path.join(work, "bundle.json");
  writeFileSync(bundleFile, JSON.stringify(sample.bundle));
  const server = await startServer({ bundlesDir: work, port: 0 });
  const browser = await launchChromium();
  try {
    const url = `${server.baseUrl}?bundle=bundles/bundle.json`;
    const loads: PageTimings[] = [];
    for (let i = 0; i < LOADS; i++) {
      await browser.page.goto(url);
      const verdict = await waitForVerdict(browser.page, "bundle-verdict");
      if (verdict !== "verified") throw new Error(`the bench bundle did not verify in the page (${verdict})`);
      loads.push(await browser.page.evaluate(() => ({ ...(window as unknown as { homeostat: { timings: PageTimings } }).homeostat.timings })));
    }
    const text = JSON.stringify(sample.bundle);
    const warm = await browser.page.evaluate(
      async ({ text, runs }) => {
        const hook = (window as unknown as { homeostat: { verifyBundleText(t: string): Promise<{ verdict: string; timings: { verifyMs: number; totalMs: number } }> } }).homeostat;
        const out: Array<{ verifyMs: number; totalMs: number; verdict: string }> = [];
        for (let i = 0; i < runs + 2; i++) {
          const r = await hook.verifyBundleText(text);
          if (i >= 2) out.push({ ...r.timings, verdict: r.verdict });
        }
        return out;
      },
      { text, runs: VERIFICATIONS },
    );
    if (warm.some((r) => r.verdict !== "verified")) throw new Error("a warm verification did not verify");
    const version = browser.context.browser()?.version() ?? (await browser.page.evaluate(() => navigator.userAgent));

    const weight = pageWeight();
    const verify = warm.map((r) => r.verifyMs);
    const roundTrip = warm.map((r) => r.totalMs);
    const loadToVerdict = loads.map((l) => l.loadToVerdictMs ?? NaN);
    const init = loads.map((l) => l.initMs ?? NaN);
    const cold = loads.map((l) => l.verifyMs ?? NaN);
    const verifyMedian = median(verify);
    const row = (label: string, values: number[], budget = ""): string =>
      `| ${label} | ${msText(median(values))} | ${msText(Math.min(...values))} | ${msText(Math.max(...values))} | ${budget} |`;
    const lines = [
      "## Browser verifier page (Chromium)",
      "",
      `Chromium ${version} (headless, /usr/bin/chromium via playwright-core), page from \`homeostat serve\` on localhost; ` +
        `bundle: ${sample.instance} (${sample.source})${fallbackNote}. ${LOADS} page loads, ${VERIFICATIONS} verifications after 2 warm-up runs.` +
        (build.built ? ` The page was (re)built first (${((build.ms ?? 0) / 1000).toFixed(1)} s).` : ""),
      "",
      "| what | median | best | worst | budget |",
      "|---|---|---|---|---|",
      row("load to verdict (navigation start to the verdict on screen)", loadToVerdict),
      row("worker start-up (BN254 curve, single-threaded WASM, warm-up pairing)", init),
      row("first verification of the page", cold),
      row(`**verification after initialisation** (verifyBundle in the worker: schema, hashes, key fingerprint, pairing; p95 ${msText(percentile(verify, 95))})`, verify, `${BUDGET_MS} ms ${verifyMedian <= BUDGET_MS ? "✓" : "✗ over"}`),
      row("same, worker round trip incl. recomputing policy and prices for display", roundTrip),
      "",
      "| page weight | bytes | gzip |",
      "|---|---|---|",
      `| loaded by a visit (HTML, CSS, page script, worker with snarkjs + pinned keys) | ${kib(weight.initial)} | ${kib(weight.initialGzip)} |`,
      ...weight.lazy.map((l) => `| on demand: \`${l.file}\` (ethers, only for the on-chain check) | ${kib(l.bytes)} | |`),
      `| all of verifier/web/dist | ${kib(weight.total)} | ${kib(weight.totalGzip)} |`,
      "",
    ];
    return lines.join("\n");
  } finally {
    await browser.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
