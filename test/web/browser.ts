/**
 * Chromium for the browser tests and the benchmark: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download), headless, with a fresh temporary profile that is removed on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** The system Chromium. */
export const CHROMIUM = process.env.HOMEOSTAT_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, sandbox-free headless run that makes no network calls of its own. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** A launched browser with one page; `close()` also deletes the profile. */
export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile folder and opens one page (1100 x 900). */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "homeostat-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until `data-NAME` on <body> is set and no longer `pending`, and returns it. */
export async function waitForVerdict(page: Page, name: "bundle-verdict" | "inclusion-verdict" | "chain-verdict" | "chain-inclusion-verdict" | "verifier-ready", timeout = 120_000): Promise<string> {
  const attr = `data-${name}`;
  await page.waitForSelector(`body[${attr}]:not([${attr}="pending"])`, { timeout });
  return (await page.getAttribute("body", attr)) ?? "";
}
