/**
 * Price paths for the market simulation: a scenario file (keyframes of per-asset price multipliers or USD
 * prices, linearly interpolated, with optional seeded noise on top) or a seeded random walk with jumps.
 * Deterministic and integer-only: the same file and seed give the same feed answers on every machine.
 *
 * Scenario file (`homeostat-scenario/1`, JSON):
 * ```json
 * { "format": "homeostat-scenario/1", "name": "eth-crash", "description": "...",
 *   "stepSeconds": "1h", "steps": 336,
 *   "keyframes": { "values": "multiplier", "frames": [ { "step": 48, "prices": { "WETH": "1" } },
 *                                                      { "step": 72, "prices": { "WETH": "0.6" } } ] },
 *   "noise": { "seed": 7, "reversionBps": 800, "assets": { "WETH": { "volBps": 35, "betaBps": 9000 } } },
 *   "events": [ { "step": 48, "label": "ETH starts to fall" } ] }
 * ```
 * or, instead of `keyframes`, `"randomWalk": { "seed": 42, "marketJumpPpm": 3000, "marketJumpBps": 1000,
 * "assets": { "WETH": { "volBps": 80, "betaBps": 8000 } } }`. Optional `"pools": { "MRD": "3000000" }` sets
 * pool depths (USD a side). Multipliers are relative to the step-0 price;
 * an asset a frame leaves out is interpolated between the frames that name it (1, or its step-0 price,
 * before the first), and held after the last. Assets a scenario never names keep their step-0 price.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UserError } from "../../core/errors.ts";
import { BPS } from "../../core/field.ts";
import { durationSchema, parseFile, symbolSchema } from "../../core/schemas.ts";
import { readJsonInput } from "../../core/node/input-files.ts";
import { parseDecimal } from "../../core/units.ts";
import { isqrt } from "../amm.ts";
import { Prng, Q16 } from "./prng.ts";
import type { PathEvent, PricePath, SimTreasury } from "./types.ts";

/** Format tag of scenario files. */
export const SCENARIO_FORMAT = "homeostat-scenario/1";

/** Fixed-point scale of multipliers (18 decimals). */
const ONE = 10n ** 18n;
/** One basis point in multiplier units. */
const BPS_UNIT = ONE / BPS;
/** Prices never fall below a millionth of their start (a feed at zero would be refused anyway). */
const FLOOR = ONE / 1_000_000n;
/** Longest path accepted. */
const MAX_STEPS = 100_000;

const bpsInt = z.number().int().min(0).max(10_000);
const decimalText = z.string({ invalid_type_error: "expected a decimal string such as \"0.6\"" }).regex(/^\d+(\.\d+)?$/, "expected a decimal string such as \"0.6\"");

const noiseAssetSchema = z
  .object({
    /** Standard deviation of a step's move, bps. */
    volBps: bpsInt,
    /** Weight of the market-wide move in this asset's move (10,000 = moves with the market only). */
    betaBps: bpsInt.default(0),
  })
  .strict();

const walkAssetSchema = noiseAssetSchema
  .extend({
    /** Pull back toward the start price per step, bps (stablecoins). */
    reversionBps: bpsInt.default(0),
  })
  .strict();

const keyframesSchema = z
  .object({
    values: z.enum(["multiplier", "usd"]),
    frames: z.array(z.object({ step: z.number().int().min(0), prices: z.record(symbolSchema, decimalText) }).strict()).min(1),
  })
  .strict();

const randomWalkSchema = z
  .object({
    seed: z.number().int(),
    /** Per-step chance of a market-wide jump, parts per million. */
    marketJumpPpm: z.number().int().min(0).max(1_000_000).default(0),
    /** Size of that jump (a drop), bps, scaled by each asset's beta. */
    marketJumpBps: bpsInt.default(0),
    assets: z.record(symbolSchema, walkAssetSchema),
  })
  .strict();

/** The scenario file schema. */
export const scenarioFileSchema = z
  .object({
    format: z.literal(SCENARIO_FORMAT),
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    stepSeconds: durationSchema,
    steps: z.number().int().min(1).max(MAX_STEPS),
    keyframes: keyframesSchema.optional(),
    randomWalk: randomWalkSchema.optional(),
    noise: z
      .object({ seed: z.number().int(), reversionBps: bpsInt.default(1000), assets: z.record(symbolSchema, noiseAssetSchema) })
      .strict()
      .optional(),
    events: z.array(z.object({ step: z.number().int().min(0), label: z.string().min(1).max(80) }).strict()).default([]),
    /** Pool depths, USD a side (whole dollars), by symbol; others get the default (simulate/treasury.ts). */
    pools: z.record(symbolSchema, z.string().regex(/^\d+$/, "expected whole dollars as a string, such as \"20000000\"")).optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    if ((file.keyframes === undefined) === (file.randomWalk === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["keyframes"], message: "give exactly one of keyframes or randomWalk" });
    }
    file.keyframes?.frames.forEach((frame, i, frames) => {
      if (i > 0 && frame.step <= frames[i - 1]!.step) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["keyframes", "frames", i, "step"], message: "frame steps must increase" });
      }
      if (frame.step > file.steps) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["keyframes", "frames", i, "step"], message: `beyond the last step (${file.steps})` });
    });
    file.events.forEach((event, i) => {
      if (event.step > file.steps) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["events", i, "step"], message: `beyond the last step (${file.steps})` });
    });
  });

/** A parsed scenario file. */
export type ScenarioFile = z.output<typeof scenarioFileSchema>;

/** A parsed scenario and the file it came from (for messages). */
export interface Scenario {
  file: string;
  spec: ScenarioFile;
}

const BUNDLED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "scenarios");

/** Names of the bundled scenarios (keeper/scenarios/NAME.json). */
export const BUNDLED_SCENARIOS = ["eth-crash", "stable-depeg"] as const;

/** The path of a bundled scenario file. */
export function bundledScenarioPath(name: string): string {
  return path.join(BUNDLED_DIR, `${name}.json`);
}

/** Reads and validates a scenario file; every refusal names the file and the field. */
export function loadScenario(file: string): Scenario {
  const spec = parseFile(scenarioFileSchema, readJsonInput(file), file);
  return { file, spec };
}

/** A bundled scenario by name (`eth-crash`, `stable-depeg`), or a path to a scenario file. */
export function resolveScenario(nameOrFile: string): Scenario {
  if ((BUNDLED_SCENARIOS as readonly string[]).includes(nameOrFile)) {
    const file = bundledScenarioPath(nameOrFile);
    return { file, spec: parseFile(scenarioFileSchema, JSON.parse(readFileSync(file, "utf8")), file) };
  }
  return loadScenario(nameOrFile);
}

/** Correlated per-asset Gaussian draws (units of 1/65536 std): `beta * market + sqrt(1 - beta^2) * own`. */
function correlatedDraws(rng: Prng, betas: readonly bigint[]): bigint[] {
  const market = rng.gaussianQ16();
  return betas.map((beta) => {
    const own = rng.gaussianQ16();
    return (beta * market + isqrt(BPS * BPS - beta * beta) * own) / BPS;
  });
}

function symbolIndex(treasury: SimTreasury, file: string): (symbol: string, field: string) => number {
  const index = new Map(treasury.assets.map((a, i) => [a.symbol, i]));
  return (symbol, field) => {
    const i = index.get(symbol);
    if (i === undefined) {
      throw new UserError(`${symbol} is not an asset of treasury ${treasury.name} (${[...index.keys()].join(", ")})`, { where: `${file}: ${field}` });
    }
    return i;
  };
}

/** Keyframe multipliers (18 decimals) per step and asset, linearly interpolated. */
function keyframeMultipliers(spec: ScenarioFile, treasury: SimTreasury, file: string): bigint[][] {
  const keyframes = spec.keyframes!;
  const indexOf = symbolIndex(treasury, file);
  const assetCount = treasury.assets.length;
  // per asset: its (step, multiplier) points
  const points: Array<Array<[number, bigint]>> = treasury.assets.map(() => []);
  keyframes.frames.forEach((frame, f) => {
    for (const [symbol, text] of Object.entries(frame.prices)) {
      const field = `keyframes.frames[${f}].prices.${symbol}`;
      const a = indexOf(symbol, field);
      const asset = treasury.assets[a]!;
      let multiplier: bigint;
      if (keyframes.values === "multiplier") {
        try {
          multiplier = parseDecimal(text, 18);
        } catch (e) {
          throw new UserError((e as Error).message, { where: `${file}: ${field}` });
        }
      } else {
        let answer: bigint;
        try {
          answer = parseDecimal(text, asset.feedDecimals);
        } catch (e) {
          throw new UserError(`${(e as Error).message} (the ${symbol} feed has ${asset.feedDecimals} decimals)`, { where: `${file}: ${field}` });
        }
        multiplier = (answer * ONE) / asset.answer;
      }
      if (multiplier <= 0n) throw new UserError("a price must be positive", { where: `${file}: ${field}` });
      points[a]!.push([frame.step, multiplier]);
    }
  });
  const out: bigint[][] = [];
  for (let t = 0; t <= spec.steps; t++) {
    const row: bigint[] = [];
    for (let a = 0; a < assetCount; a++) {
      const pts = points[a]!;
      if (pts.length === 0 || t <= pts[0]![0]) {
        // before the first frame naming the asset: from 1 at step 0 toward that frame
        const first = pts[0];
        if (!first || first[0] === 0) row.push(first ? first[1] : ONE);
        else row.push(ONE + ((first[1] - ONE) * BigInt(t)) / BigInt(first[0]));
        continue;
      }
      let k = 0;
      while (k + 1 < pts.length && pts[k + 1]![0] < t) k++;
      const [t0, v0] = pts[k]!;
      const next = pts[k + 1];
      if (!next) row.push(v0);
      else row.push(v0 + ((next[1] - v0) * BigInt(t - t0)) / BigInt(next[0] - t0));
    }
    out.push(row);
  }
  return out;
}

/** Random-walk multipliers (18 decimals) per step and asset: correlated moves, market jumps, mean reversion. */
function randomWalkMultipliers(spec: ScenarioFile, treasury: SimTreasury, file: string): bigint[][] {
  const walk = spec.randomWalk!;
  const indexOf = symbolIndex(treasury, file);
  const assetCount = treasury.assets.length;
  const vol = new Array<bigint>(assetCount).fill(0n);
  const beta = new Array<bigint>(assetCount).fill(0n);
  const reversion = new Array<bigint>(assetCount).fill(0n);
  for (const [symbol, params] of Object.entries(walk.assets)) {
    const a = indexOf(symbol, `randomWalk.assets.${symbol}`);
    vol[a] = BigInt(params.volBps);
    beta[a] = BigInt(params.betaBps);
    reversion[a] = BigInt(params.reversionBps);
  }
  const rng = new Prng(walk.seed);
  let current = new Array<bigint>(assetCount).fill(ONE);
  const out: bigint[][] = [current];
  for (let t = 1; t <= spec.steps; t++) {
    const draws = correlatedDraws(rng, beta);
    const jump = rng.chancePpm(walk.marketJumpPpm) ? BigInt(walk.marketJumpBps) : 0n;
    current = current.map((m, a) => {
      const move = (vol[a]! * BPS_UNIT * draws[a]!) / Q16 - (jump * beta[a]! * BPS_UNIT) / BPS;
      let next = (m * (ONE + move)) / ONE;
      next += ((ONE - next) * reversion[a]!) / BPS;
      return next < FLOOR ? FLOOR : next;
    });
    out.push(current);
  }
  return out;
}

/** Multiplies keyframe multipliers by mean-reverting correlated noise (an Ornstein-Uhlenbeck deviation). */
function addNoise(multipliers: bigint[][], spec: ScenarioFile, treasury: SimTreasury, file: string): bigint[][] {
  const noise = spec.noise;
  if (!noise) return multipliers;
  const indexOf = symbolIndex(treasury, file);
  const assetCount = treasury.assets.length;
  const vol = new Array<bigint>(assetCount).fill(0n);
  const beta = new Array<bigint>(assetCount).fill(0n);
  for (const [symbol, params] of Object.entries(noise.assets)) {
    const a = indexOf(symbol, `noise.assets.${symbol}`);
    vol[a] = BigInt(params.volBps);
    beta[a] = BigInt(params.betaBps);
  }
  const rng = new Prng(noise.seed);
  const reversion = BigInt(noise.reversionBps);
  let deviation = new Array<bigint>(assetCount).fill(0n);
  return multipliers.map((row, t) => {
    if (t > 0) {
      const draws = correlatedDraws(rng, beta);
      deviation = deviation.map((d, a) => (d * (BPS - reversion)) / BPS + (vol[a]! * BPS_UNIT * draws[a]!) / Q16);
    }
    return row.map((m, a) => {
      const noisy = (m * (ONE + deviation[a]!)) / ONE;
      return noisy < FLOOR ? FLOOR : noisy;
    });
  });
}

/** The feed answers a scenario gives for a treasury (step 0 = the treasury's own answers). */
export function buildPricePath(scenario: Scenario, treasury: SimTreasury): PricePath {
  const { spec, file } = scenario;
  let multipliers = spec.keyframes ? keyframeMultipliers(spec, treasury, file) : randomWalkMultipliers(spec, treasury, file);
  multipliers = addNoise(multipliers, spec, treasury, file);
  const answers = multipliers.map((row) =>
    row.map((m, a) => {
      const answer = (treasury.assets[a]!.answer * m) / ONE;
      return answer > 0n ? answer : 1n;
    }),
  );
  const events: PathEvent[] = spec.events.map((e) => ({ step: e.step, label: e.label }));
  return {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    stepSeconds: spec.stepSeconds,
    answers,
    events,
  };
}

/**
 * A random-walk scenario for a treasury when no file is given: volatility scaled by each asset's haircut
 * (riskier assets move more; 20% haircut -> 0.8% per step), market correlation for assets with a haircut of
 * 10% or more, mean reversion for the rest (stablecoins, T-bills), and occasional market-wide 10% drops.
 */
export function defaultRandomWalk(treasury: SimTreasury, seed: number, steps = 336, stepSeconds = 3600): Scenario {
  const assets: Record<string, { volBps: number; betaBps: number; reversionBps: number }> = {};
  treasury.assets.forEach((asset, a) => {
    const haircut = Number(treasury.policy.haircutBps[a]!);
    const risky = haircut >= 1000;
    assets[asset.symbol] = { volBps: Math.max(1, Math.round(haircut / 25)), betaBps: risky ? 8000 : 0, reversionBps: risky ? 0 : 1000 };
  });
  const spec = scenarioFileSchema.parse({
    format: SCENARIO_FORMAT,
    name: `random-walk-${seed}`,
    description: `Seeded random walk (seed ${seed}): volatility scaled by haircut, correlated risky assets, market-wide drops.`,
    stepSeconds,
    steps,
    randomWalk: { seed, marketJumpPpm: 3000, marketJumpBps: 1000, assets },
  });
  return { file: `<random walk, seed ${seed}>`, spec };
}
