/**
 * Renders a health report (prover/evaluate.ts) for people (aligned text) and for scripts (JSON with every
 * integer as a decimal string). Display rounding only: USD values to cents, shortfalls and "at least"
 * amounts rounded up so a suggested trade is always enough.
 */
import type { BoundCheck, HealthReport } from "./evaluate.ts";
import type { FixOption } from "./fixes.ts";
import { formatAmountAtLeast, formatBps, formatDecimal, formatUsd, formatUsdAtLeast } from "../core/units.ts";

/** Names for the assets, by index (symbols and decimals), as the report lists them. */
type AssetNames = HealthReport["assets"];

/** One trade in words: `sell ≥ 12.5 WETH (≈$42,000.00) into USDC`. */
export function describeTrade(option: FixOption, assets: AssetNames): string {
  const t = option.trade;
  const a = assets[t.asset]!;
  if (t.kind === "sell") {
    const into = assets[t.into]!;
    return `sell ≥ ${formatAmountAtLeast(t.amount, a.decimals)} ${a.symbol} (≈${formatUsdAtLeast(t.value)}) into ${into.symbol}`;
  }
  return `add ≥ ${formatAmountAtLeast(t.amount, a.decimals)} ${a.symbol} (≈${formatUsdAtLeast(t.value)})`;
}

/** What a fix would do besides restoring its bound, in words (empty when it restores it cleanly). */
function consequences(option: FixOption, names: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  if (!option.restores) parts.push("not enough on its own");
  if (option.newlyBroken.length) parts.push(`but it would break ${option.newlyBroken.map((id) => names.get(id) ?? id).join(", ")}`);
  const others = option.stillFailing.filter((id) => !option.newlyBroken.includes(id));
  if (others.length) parts.push(`${others.map((id) => names.get(id) ?? id).join(", ")} would still fail`);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** The measured value of a check, as shown. */
function measuredText(check: BoundCheck): string {
  if (check.kind === "feed") return check.ok ? "ok" : "broken";
  return check.measuredBps === undefined ? "n/a" : formatBps(check.measuredBps);
}

/** The limit of a check, as shown (`≤ 35%`, `≥ 120%`). */
function limitText(check: BoundCheck): string {
  if (check.limitBps === undefined) return "";
  return `${check.limitKind === "max" ? "≤" : "≥"} ${formatBps(check.limitBps)}`;
}

/** The margin of a check, as shown. */
function marginText(check: BoundCheck): string {
  if (check.kind === "feed") return check.detail ?? "";
  if (check.marginValue === undefined) return check.detail ?? "";
  if (check.ok) {
    const word = check.kind === "cap" ? "headroom" : check.kind === "scenario" ? "to spare after the shocks" : "above the minimum";
    return `${formatUsd(check.marginValue)} ${word}${check.detail ? ` (${check.detail})` : ""}`;
  }
  return `short ${formatUsdAtLeast(-check.marginValue)}${check.shortfallBps !== undefined ? ` (${formatBps(check.shortfallBps)})` : ""}`;
}

/** A one-line statement of what is wrong with a broken check. */
export function describeFailure(check: BoundCheck): string {
  switch (check.kind) {
    case "feed":
      return `${check.name}: ${check.detail}`;
    case "cap":
      return `${check.name}: ${measuredText(check)} of total value, above its ${formatBps(check.limitBps!)} cap by ${formatBps(check.shortfallBps ?? 0n)} (${formatUsdAtLeast(-check.marginValue!)} too much)`;
    case "coverage":
      return `coverage: haircut-adjusted assets are ${measuredText(check)} of liabilities, below the ${formatBps(check.limitBps!)} minimum by ${formatBps(check.shortfallBps ?? 0n)} (short ${formatUsdAtLeast(-check.marginValue!)} of haircut-adjusted value)`;
    case "liquidity":
      return `liquidity: liquid assets are ${measuredText(check)} of liabilities, below the ${formatBps(check.limitBps!)} minimum by ${formatBps(check.shortfallBps ?? 0n)} (short ${formatUsdAtLeast(-check.marginValue!)} of liquid assets)`;
    case "scenario":
      return `${check.name}: shocked assets cover ${measuredText(check)} of shocked liabilities, short by ${formatBps(check.shortfallBps ?? 0n)} (${formatUsdAtLeast(-check.marginValue!)} after the shocks)`;
  }
}

/** Fix suggestions of a broken check, one line each (`fix: ...`, `  or: ...`). */
export function describeFixes(check: BoundCheck, report: HealthReport): string[] {
  const names = new Map(report.checks.map((c) => [c.id, c.name]));
  const options = [check.fix?.sell, check.fix?.add].filter((o): o is FixOption => o !== undefined);
  // Prefer the option that restores cleanly.
  options.sort((x, y) => Number(!x.restores) - Number(!y.restores) || x.newlyBroken.length - y.newlyBroken.length);
  return options.map((o, i) => `${i === 0 ? "fix" : " or"}: ${describeTrade(o, report.assets)}${consequences(o, names)}`);
}

/** The first fix of a broken check in words, or undefined (for one-line messages). */
export function firstFix(check: BoundCheck, report: HealthReport): string | undefined {
  return describeFixes(check, report)[0]?.replace(/^fix: /, "");
}

/** The whole report as aligned text. */
export function formatReport(report: HealthReport, options: { title?: string } = {}): string {
  const lines: string[] = [];
  const when = new Date(Number(report.timestamp) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const bounds = report.checks.filter((c) => c.kind !== "feed");
  const verdict = report.ok ? `every bound holds (${bounds.length} bounds, ${report.checks.length - bounds.length} feeds)` : `${report.failures.length} of ${report.checks.length} checks FAIL`;
  lines.push(`${options.title ?? "Treasury health"} at the ${when} snapshot: ${verdict}`);
  const L = report.liabilities;
  lines.push(`total value ${formatUsd(report.totalValue)}; liabilities ${formatDecimal(L.total, L.decimals, { group: true })} ${L.asset} (${formatUsd(L.value)})`);
  lines.push("");
  const assetRows = [["asset", "amount", "value", "share", "cap", "haircut", "liquid", "positions"]];
  for (const a of report.assets) {
    assetRows.push([
      a.symbol,
      formatDecimal(a.amount, a.decimals, { group: true, maxFraction: Math.min(a.decimals, 4) }),
      formatUsd(a.value),
      formatBps(a.shareBps),
      formatBps(a.capBps),
      formatBps(a.haircutBps),
      a.liquid ? "yes" : "no",
      String(a.positions),
    ]);
  }
  lines.push(...table(assetRows, [false, true, true, true, true, true, false, true]));
  lines.push("");
  const feeds = report.checks.filter((c) => c.kind === "feed");
  const brokenFeeds = feeds.filter((c) => !c.ok);
  lines.push(brokenFeeds.length ? `feeds: ${brokenFeeds.length} of ${feeds.length} broken or stale` : `feeds: all ${feeds.length} fresh and within their answer bounds`);
  const boundRows = [["", "bound", "measured", "limit", "margin"]];
  for (const c of bounds) boundRows.push([c.ok ? "ok" : "FAIL", c.name, measuredText(c), limitText(c), marginText(c)]);
  lines.push(...table(boundRows, [false, false, true, false, false]));
  if (!report.ok) {
    lines.push("", "What fails and what would fix it (at snapshot prices, before slippage and fees):");
    for (const f of report.failures) {
      lines.push(`  ✗ ${describeFailure(f)}`);
      for (const fix of describeFixes(f, report)) lines.push(`      ${fix}`);
    }
  }
  return lines.join("\n");
}

/** One line for an error message: the first failing bound, its best fix, and how many more fail. */
export function summarizeFailures(report: HealthReport): string {
  const first = report.failures[0];
  if (!first) return "every bound holds";
  const fix = firstFix(first, report);
  const more = report.failures.length > 1 ? ` (+${report.failures.length - 1} more: ${report.failures.slice(1).map((f) => f.name).join(", ")})` : "";
  return `${describeFailure(first)}${fix ? `; fix: ${fix}` : ""}${more}`;
}

/** The report as plain JSON data (bigints as decimal strings), with the failure and fix lines added. */
export function reportToJson(report: HealthReport): unknown {
  const withText = {
    ...report,
    checks: report.checks.map((c) => (c.ok ? c : { ...c, problem: describeFailure(c), fixes: describeFixes(c, report) })),
    failures: report.failures.map((c) => c.id),
  };
  return JSON.parse(JSON.stringify(withText, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

function table(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => [...(r[col] ?? "")].length)));
  return rows.map((r) =>
    r
      .map((cell, col) => (rightAlign[col] ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join("  ")
      .trimEnd(),
  );
}
