/**
 * `npm run bench`: measures what DESIGN section 9 budgets and writes BENCHMARKS.md. The work is in
 * sections, one module per concern under scripts/bench/ (proofs, liabilities, gas, browser, ...), each
 * exporting `async function run(): Promise<string>` that returns a markdown section. This file runs the
 * sections present (known ones in a fixed order, others after them alphabetically), records the machine
 * and the date, and writes one file atomically. A failing section is reported in the file, not fatal.
 *
 *   npm run bench                       every section
 *   npm run bench -- proofs gas         only these sections; the others are kept from the existing file
 *   npm run bench -- --out FILE         write elsewhere (default BENCHMARKS.md at the project root)
 *
 * Each section is stored between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` with the time and machine
 * load of its own run, so a partial run replaces only what it measured.
 *
 * The sources are TypeScript run as they are: like bin/homeostat.mjs, this registers tsx first.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SECTIONS_DIR = path.join(ROOT, "scripts", "bench");
/** Sections in reading order; any other module under scripts/bench/ follows, alphabetically. */
const ORDER = ["first-run", "ci", "proofs", "inclusion", "liabilities", "bigtree", "cluster", "gas", "browser"];

interface Section {
  name: string;
  run(): Promise<string>;
}

function sectionNames(): string[] {
  if (!existsSync(SECTIONS_DIR)) return [];
  const present = readdirSync(SECTIONS_DIR)
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_") && !f.endsWith(".test.ts"))
    .map((f) => f.slice(0, -3));
  const known = ORDER.filter((n) => present.includes(n));
  return [...known, ...present.filter((n) => !ORDER.includes(n)).sort()];
}

async function loadSection(name: string): Promise<Section> {
  const mod = (await import(pathToFileURL(path.join(SECTIONS_DIR, `${name}.ts`)).href)) as { run?: () => Promise<string> };
  if (typeof mod.run !== "function") throw new Error(`scripts/bench/${name}.ts does not export run()`);
  return { name, run: mod.run };
}

function machine(): string {
  const cpus = os.cpus();
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return [
    `- CPU: ${cpus[0]?.model.trim() ?? "unknown"} (${cpus.length} logical cores available to Node)`,
    `- RAM: ${gib(os.totalmem())}`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
  ].join("\n");
}

/** The sections of an existing BENCHMARKS.md, by name (their markers stripped). */
function storedSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g)) sections.set(m[1]!, m[2]!);
  return sections;
}

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf("--out");
  const out = outIndex >= 0 ? path.resolve(argv[outIndex + 1] ?? "") : path.join(ROOT, "BENCHMARKS.md");
  const requested = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--out");
  const available = sectionNames();
  const unknown = requested.filter((n) => !available.includes(n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown section(s) ${unknown.join(", ")} (available: ${available.join(", ") || "none"})\n`);
    return 2;
  }
  const names = requested.length ? requested : available;
  const started = new Date();
  const kept = existsSync(out) ? storedSections(readFileSync(out, "utf8")) : new Map<string, string>();
  const fresh = new Map<string, string>();
  let failures = 0;
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const t0 = performance.now();
    const stamp = `_Section measured ${new Date().toISOString().replace("T", " ").slice(0, 16)} UTC, load average ${os.loadavg()[0]!.toFixed(2)} at its start._`;
    try {
      const section = await loadSection(name);
      const markdown = (await section.run()).trim();
      fresh.set(name, `${markdown}\n\n${stamp}`);
      process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (e) {
      failures++;
      const message = (e as Error).message.split("\n")[0];
      fresh.set(name, `## ${name}\n\nNot measured: the section failed (${message}).\n\n${stamp}`);
      process.stderr.write(`bench: ${name} failed: ${message}\n`);
    }
  }
  const parts: string[] = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` (scripts/bench.ts), last run ${started.toISOString().slice(0, 10)}. Budgets: DESIGN.md section 9.`,
    "Each section notes when it was measured; timings on a shared machine depend on its load.",
    "",
    "## Machine",
    "",
    machine(),
  ];
  for (const name of available) {
    const body = fresh.get(name) ?? kept.get(name);
    if (body !== undefined) parts.push("", `<!-- bench:${name} -->`, body, `<!-- /bench:${name} -->`);
  }
  const { writeFileAtomic } = await import("../core/node/atomic-write.ts");
  writeFileAtomic(out, `${parts.join("\n")}\n`);
  process.stderr.write(`bench: wrote ${path.relative(process.cwd(), out) || out}\n`);
  await stopCurves();
  return failures ? 1 : 0;
}

/** snarkjs keeps worker threads alive; stop them so the process ends. */
async function stopCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}

process.exit(await main(process.argv.slice(2)));
