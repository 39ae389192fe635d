/**
 * Hand-written SVG charts of a simulation (no chart library): the coverage ratio of each strategy against
 * the policy minimum, each asset's share against its cap (keeper vs static), and the price path. Values
 * come from the exact bigint samples; floats appear only here, as drawing coordinates.
 *
 * The SVGs are self-contained (inline styles, system fonts), so they render the same in a browser, on
 * GitHub and through `rsvg-convert`/Chromium for PNGs.
 */
import { bpsNumber } from "./format.ts";
import type { SimulationResult, StrategyName, StrategyRun } from "./simulate/types.ts";

/** Colours per strategy (colour-blind-safe: teal, grey, orange). */
export const STRATEGY_STYLE: Record<StrategyName, { color: string; label: string; dash?: string }> = {
  keeper: { color: "#0f766e", label: "keeper" },
  static: { color: "#6b7280", label: "static (no automation)", dash: "6 4" },
  committee: { color: "#d97706", label: "weekly committee", dash: "2 3" },
};

const ASSET_COLORS = ["#2563eb", "#16a34a", "#111827", "#7c3aed", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#9333ea", "#4b5563"];
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const BREACH_FILL = "#fee2e2";
const LIMIT_COLOR = "#dc2626";

/** Escapes text for SVG. */
function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Rounds a coordinate to 0.1 px to keep files small. */
function r(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? v.toString() : v.toFixed(Math.abs(v) < 1 ? 2 : 1);
}

/** A plotting frame: maps data (x in days, y in %) to pixels. */
interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

const px = (f: Frame, x: number): number => f.left + ((x - f.xMin) / (f.xMax - f.xMin || 1)) * f.width;
const py = (f: Frame, y: number): number => f.top + f.height - ((y - f.yMin) / (f.yMax - f.yMin || 1)) * f.height;

function path(f: Frame, points: ReadonlyArray<[number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${r(px(f, x))},${r(py(f, y))}`).join("");
}

/** Grid, axes, tick labels and axis titles. */
function axes(f: Frame, options: { yLabel?: string; xLabel?: string; yTicks?: number; xTicks?: number; small?: boolean }): string {
  const size = options.small ? 10 : 12;
  const out: string[] = [];
  for (const y of niceTicks(f.yMin, f.yMax, options.yTicks ?? 5)) {
    const yy = py(f, y);
    out.push(`<line x1="${r(f.left)}" y1="${r(yy)}" x2="${r(f.left + f.width)}" y2="${r(yy)}" stroke="#e5e7eb" stroke-width="1"/>`);
    out.push(`<text x="${r(f.left - 6)}" y="${r(yy + size / 3)}" font-size="${size}" text-anchor="end" fill="#4b5563">${formatTick(y)}%</text>`);
  }
  for (const x of niceTicks(f.xMin, f.xMax, options.xTicks ?? 7)) {
    const xx = px(f, x);
    out.push(`<line x1="${r(xx)}" y1="${r(f.top + f.height)}" x2="${r(xx)}" y2="${r(f.top + f.height + 4)}" stroke="#9ca3af"/>`);
    out.push(`<text x="${r(xx)}" y="${r(f.top + f.height + 4 + size)}" font-size="${size}" text-anchor="middle" fill="#4b5563">${formatTick(x)}</text>`);
  }
  out.push(`<rect x="${r(f.left)}" y="${r(f.top)}" width="${r(f.width)}" height="${r(f.height)}" fill="none" stroke="#d1d5db"/>`);
  if (options.xLabel) out.push(`<text x="${r(f.left + f.width / 2)}" y="${r(f.top + f.height + 8 + 2 * size)}" font-size="${size}" text-anchor="middle" fill="#374151">${esc(options.xLabel)}</text>`);
  if (options.yLabel) {
    const cx = f.left - 46;
    const cy = f.top + f.height / 2;
    out.push(`<text x="${r(cx)}" y="${r(cy)}" font-size="${size}" text-anchor="middle" fill="#374151" transform="rotate(-90 ${r(cx)} ${r(cy)})">${esc(options.yLabel)}</text>`);
  }
  return out.join("\n");
}

function svg(width: number, height: number, title: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    body,
    "</svg>",
    "",
  ].join("\n");
}

function days(result: SimulationResult, step: number): number {
  return (step * result.path.stepSeconds) / 86_400;
}

/** Vertical dotted lines for the path's events, labelled at the top. */
function events(result: SimulationResult, f: Frame, small = false): string {
  return result.path.events
    .map((e, i) => {
      const x = px(f, days(result, e.step));
      const line = `<line x1="${r(x)}" y1="${r(f.top)}" x2="${r(x)}" y2="${r(f.top + f.height)}" stroke="#9ca3af" stroke-dasharray="1 3"/>`;
      if (small) return line;
      const y = f.top + 13 + (i % 2) * 14;
      return `${line}\n<text x="${r(x + 4)}" y="${r(y)}" font-size="11" fill="#6b7280">${esc(e.label)}</text>`;
    })
    .join("\n");
}

/** Coverage samples as a sawtooth: each step's level before the strategy acted, then after. */
function coveragePoints(result: SimulationResult, run: StrategyRun): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const s of run.samples) {
    const x = days(result, s.step);
    points.push([x, bpsNumber(s.coverageBeforeBps)]);
    if (s.coverageBps !== s.coverageBeforeBps) points.push([x, bpsNumber(s.coverageBps)]);
  }
  return points;
}

/** Coverage ratio over time per strategy, with the policy minimum and the trades marked. */
export function coverageChart(result: SimulationResult): string {
  const width = 960;
  const height = 440;
  const minimum = bpsNumber(result.treasury.policy.minCoverageBps);
  const series = result.runs.map((run) => ({ run, points: coveragePoints(result, run) }));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const lo = Math.min(minimum, ...ys);
  const hi = Math.max(minimum, ...ys);
  const pad = Math.max(2, (hi - lo) * 0.08);
  const lastDay = days(result, result.path.answers.length - 1);
  const f: Frame = { left: 80, top: 64, width: width - 80 - 250, height: height - 64 - 56, xMin: 0, xMax: lastDay, yMin: Math.floor(lo - pad), yMax: Math.ceil(hi + pad) };

  const body: string[] = [];
  body.push(`<text x="${f.left}" y="26" font-size="18" font-weight="600" fill="#111827">${esc(`Coverage ratio — ${result.path.name}`)}</text>`);
  body.push(`<text x="${f.left}" y="46" font-size="12" fill="#4b5563">${esc(`${result.treasury.name}: haircut-adjusted assets over liabilities, sampled before and after each step's trades`)}</text>`);
  // the area outside the policy
  const yMin = py(f, minimum);
  body.push(`<rect x="${r(f.left)}" y="${r(yMin)}" width="${r(f.width)}" height="${r(f.top + f.height - yMin)}" fill="${BREACH_FILL}"/>`);
  body.push(axes(f, { yLabel: "coverage (haircut-adjusted)", xLabel: "days" }));
  body.push(events(result, f));
  body.push(`<line x1="${r(f.left)}" y1="${r(yMin)}" x2="${r(f.left + f.width)}" y2="${r(yMin)}" stroke="${LIMIT_COLOR}" stroke-width="1.5" stroke-dasharray="6 3"/>`);
  // label the minimum where the lines are least likely to be: the start of the path, just under the line
  body.push(`<text x="${r(f.left + 6)}" y="${r(yMin + 15)}" font-size="12" fill="${LIMIT_COLOR}">${esc(`policy minimum ${formatTick(minimum)}%; below it: out of policy`)}</text>`);
  // static and committee first, the keeper on top
  const order: StrategyName[] = ["static", "committee", "keeper"];
  for (const name of order) {
    const s = series.find((x) => x.run.strategy === name);
    if (!s) continue;
    const style = STRATEGY_STYLE[name];
    body.push(`<path d="${path(f, s.points)}" fill="none" stroke="${style.color}" stroke-width="${name === "keeper" ? 2.2 : 1.8}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ""} stroke-linejoin="round"/>`);
  }
  // trades: a marker where each step's trades ended
  for (const { run } of series) {
    const style = STRATEGY_STYLE[run.strategy];
    for (const s of run.samples) {
      if (s.trades === 0) continue;
      const x = px(f, days(result, s.step));
      const y = py(f, bpsNumber(s.coverageBps));
      body.push(
        run.strategy === "committee"
          ? `<path d="M${r(x)},${r(y - 5)}L${r(x + 5)},${r(y)}L${r(x)},${r(y + 5)}L${r(x - 5)},${r(y)}Z" fill="${style.color}" stroke="#fff" stroke-width="0.8"/>`
          : `<circle cx="${r(x)}" cy="${r(y)}" r="3.2" fill="${style.color}" stroke="#fff" stroke-width="0.8"/>`,
      );
    }
  }
  // legend with the headline figures
  const lx = f.left + f.width + 24;
  let ly = f.top + 8;
  body.push(`<text x="${lx}" y="${ly}" font-size="13" font-weight="600" fill="#111827">strategy</text>`);
  ly += 22;
  for (const name of ["keeper", "static", "committee"] as const) {
    const run = result.runs.find((x) => x.strategy === name);
    if (!run) continue;
    const style = STRATEGY_STYLE[name];
    const m = run.metrics;
    body.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 26}" y2="${ly - 4}" stroke="${style.color}" stroke-width="2.2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ""}/>`);
    body.push(`<text x="${lx + 34}" y="${ly}" font-size="13" fill="#111827">${esc(style.label)}</text>`);
    body.push(`<text x="${lx + 34}" y="${ly + 17}" font-size="11.5" fill="#4b5563">${esc(`${(Number(m.timeInComplianceBps) / 100).toFixed(1)}% of the time in policy`)}</text>`);
    body.push(`<text x="${lx + 34}" y="${ly + 32}" font-size="11.5" fill="#4b5563">${esc(`worst ${(Number(m.worstCoverageBps) / 100).toFixed(2)}% · ${m.trades} trade${m.trades === 1 ? "" : "s"}`)}</text>`);
    ly += 56;
  }
  body.push(`<circle cx="${lx + 13}" cy="${ly - 4}" r="3.2" fill="${STRATEGY_STYLE.keeper.color}"/><text x="${lx + 34}" y="${ly}" font-size="11.5" fill="#4b5563">keeper rebalance (proven)</text>`);
  ly += 18;
  body.push(`<path d="M${lx + 13},${ly - 9}L${lx + 18},${ly - 4}L${lx + 13},${ly + 1}L${lx + 8},${ly - 4}Z" fill="${STRATEGY_STYLE.committee.color}"/><text x="${lx + 34}" y="${ly}" font-size="11.5" fill="#4b5563">committee rebalance</text>`);
  return svg(width, height, `Coverage ratio — ${result.path.name}`, body.join("\n"));
}

/** Each asset's share of the treasury against its cap: keeper (solid) and static (dashed), keeper trades ticked. */
export function sharesChart(result: SimulationResult): string {
  const assets = result.treasury.assets;
  const columns = 4;
  const rows = Math.ceil(assets.length / columns);
  const panelW = 230;
  const panelH = 170;
  const width = 40 + columns * panelW + 20;
  const height = 86 + rows * panelH + 10;
  const keeper = result.runs.find((x) => x.strategy === "keeper");
  const fixed = result.runs.find((x) => x.strategy === "static");
  const lastDay = days(result, result.path.answers.length - 1);

  const body: string[] = [];
  body.push(`<text x="40" y="26" font-size="18" font-weight="600" fill="#111827">${esc(`Each asset's share against its cap — ${result.path.name}`)}</text>`);
  const lg = 40;
  body.push(`<line x1="${lg}" y1="46" x2="${lg + 24}" y2="46" stroke="${STRATEGY_STYLE.keeper.color}" stroke-width="2"/><text x="${lg + 30}" y="50" font-size="12" fill="#374151">keeper</text>`);
  body.push(`<line x1="${lg + 90}" y1="46" x2="${lg + 114}" y2="46" stroke="${STRATEGY_STYLE.static.color}" stroke-width="1.6" stroke-dasharray="${STRATEGY_STYLE.static.dash}"/><text x="${lg + 120}" y="50" font-size="12" fill="#374151">static</text>`);
  body.push(`<line x1="${lg + 180}" y1="46" x2="${lg + 204}" y2="46" stroke="${LIMIT_COLOR}" stroke-width="1.4" stroke-dasharray="5 3"/><text x="${lg + 210}" y="50" font-size="12" fill="#374151">cap</text>`);
  body.push(`<line x1="${lg + 260}" y1="41" x2="${lg + 260}" y2="51" stroke="${STRATEGY_STYLE.keeper.color}" stroke-width="2"/><text x="${lg + 268}" y="50" font-size="12" fill="#374151">keeper traded this asset (bottom ticks); x axis: days</text>`);

  assets.forEach((asset, a) => {
    const col = a % columns;
    const row = Math.floor(a / columns);
    const cap = bpsNumber(result.treasury.policy.capBps[a]!);
    const shareOf = (run: StrategyRun | undefined): Array<[number, number]> =>
      run ? run.samples.map((s) => [days(result, s.step), bpsNumber(s.sharesBps[a]!)] as [number, number]) : [];
    const k = shareOf(keeper);
    const st = shareOf(fixed);
    const hi = Math.max(cap, ...k.map((p) => p[1]), ...st.map((p) => p[1]));
    const f: Frame = {
      left: 40 + col * panelW + 40,
      top: 86 + row * panelH + 18,
      width: panelW - 56,
      height: panelH - 56,
      xMin: 0,
      xMax: lastDay,
      yMin: 0,
      yMax: Math.max(1, Math.ceil((hi * 1.15) / 5) * 5),
    };
    const over = [...k, ...st].some((p) => p[1] > cap);
    body.push(`<text x="${r(f.left)}" y="${r(f.top - 7)}" font-size="12.5" font-weight="600" fill="#111827">${esc(asset.symbol)}<tspan font-weight="400" fill="${over ? LIMIT_COLOR : "#6b7280"}">${esc(`  cap ${formatTick(cap)}%`)}</tspan></text>`);
    const capY = py(f, cap);
    body.push(`<rect x="${r(f.left)}" y="${r(f.top)}" width="${r(f.width)}" height="${r(Math.max(0, capY - f.top))}" fill="${BREACH_FILL}"/>`);
    body.push(axes(f, { yTicks: 3, xTicks: 4, small: true }));
    body.push(events(result, f, true));
    body.push(`<line x1="${r(f.left)}" y1="${r(capY)}" x2="${r(f.left + f.width)}" y2="${r(capY)}" stroke="${LIMIT_COLOR}" stroke-width="1.3" stroke-dasharray="5 3"/>`);
    if (st.length) body.push(`<path d="${path(f, st)}" fill="none" stroke="${STRATEGY_STYLE.static.color}" stroke-width="1.5" stroke-dasharray="${STRATEGY_STYLE.static.dash}"/>`);
    if (k.length) body.push(`<path d="${path(f, k)}" fill="none" stroke="${STRATEGY_STYLE.keeper.color}" stroke-width="1.9" stroke-linejoin="round"/>`);
    // keeper trades touching this asset
    const tradedSteps = new Set((keeper?.trades ?? []).filter((t) => t.assetIn === a || t.assetOut === a).map((t) => t.step));
    for (const step of tradedSteps) {
      const x = px(f, days(result, step));
      body.push(`<line x1="${r(x)}" y1="${r(f.top + f.height - 7)}" x2="${r(x)}" y2="${r(f.top + f.height)}" stroke="${STRATEGY_STYLE.keeper.color}" stroke-width="1.6"/>`);
    }
  });
  return svg(width, height, `Shares against caps — ${result.path.name}`, body.join("\n"));
}

/** The price path: each asset's price relative to step 0 (assets that never move are left out). */
export function pricesChart(result: SimulationResult): string {
  const width = 960;
  const height = 360;
  const first = result.path.answers[0]!;
  const moving = result.treasury.assets.map((_, a) => a).filter((a) => result.path.answers.some((row) => row[a] !== first[a]));
  const series = moving.map((a) => ({
    a,
    points: result.path.answers.map((row, t) => [days(result, t), (Number((row[a]! * 1_000_000n) / first[a]!) / 1_000_000) * 100] as [number, number]),
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const lo = Math.min(100, ...ys);
  const hi = Math.max(100, ...ys);
  const f: Frame = { left: 80, top: 56, width: width - 80 - 160, height: height - 56 - 56, xMin: 0, xMax: days(result, result.path.answers.length - 1), yMin: Math.floor((lo - 3) / 5) * 5, yMax: Math.ceil((hi + 3) / 5) * 5 };
  const body: string[] = [];
  body.push(`<text x="${f.left}" y="26" font-size="18" font-weight="600" fill="#111827">${esc(`Price path — ${result.path.name}`)}</text>`);
  body.push(`<text x="${f.left}" y="44" font-size="12" fill="#4b5563">oracle price relative to the start (feeds and pools follow it)</text>`);
  body.push(axes(f, { yLabel: "price vs start", xLabel: "days" }));
  body.push(events(result, f));
  series.forEach((s, i) => {
    const color = ASSET_COLORS[i % ASSET_COLORS.length]!;
    body.push(`<path d="${path(f, s.points)}" fill="none" stroke="${color}" stroke-width="1.7" stroke-linejoin="round"/>`);
    const ly = f.top + 10 + i * 20;
    body.push(`<line x1="${f.left + f.width + 20}" y1="${ly - 4}" x2="${f.left + f.width + 44}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/><text x="${f.left + f.width + 50}" y="${ly}" font-size="12" fill="#374151">${esc(result.treasury.assets[s.a]!.symbol)}</text>`);
  });
  return svg(width, height, `Price path — ${result.path.name}`, body.join("\n"));
}
