/**
 * zod schemas of the operator's input files: the treasury (assets and positions), the risk policy, the
 * price snapshot and the users' liabilities. Each schema validates one file on its own and converts what
 * can be converted exactly inside it (amounts to base units, percentages to basis points); checks that
 * need two files (a policy asset missing from the treasury) live in prover/treasury.ts.
 * `parseFile` turns a zod failure into one UserError line: `FILE: field.path: reason`. Browser-safe (the
 * verifier and the page import `describeZodError`): keep `node:` imports out of this file.
 */
import { z } from "zod";
import { UserError } from "./errors.ts";
import { AMOUNT_BITS, BPS } from "./field.ts";
import { parseBps, parseDecimal } from "./units.ts";

const MAX_AMOUNT = 1n << BigInt(AMOUNT_BITS);

/** An asset symbol: letters, digits, `.`, `-`, `_`; 1 to 16 characters. */
export const symbolSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/, "a symbol is 1-16 letters, digits, '.', '-' or '_'");

/** An EVM address, `0x` + 40 hex digits (any case). */
export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 20-byte hex address (0x + 40 hex digits)");

/** A decimal string (no floats: JSON numbers lose precision beyond 2^53). */
const decimalString = z.string({ invalid_type_error: "expected a decimal string such as \"1234.5\" (quoted, so no precision is lost)" });

/** Basis points written as "35%" or "3500bps"; at most 100%. */
export const bpsSchema = z.string({ invalid_type_error: "expected a percentage string such as \"35%\" or \"3500bps\"" }).transform((text, ctx) => {
  try {
    const bps = parseBps(text);
    if (bps > BPS) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${text} is above 100%` });
      return z.NEVER;
    }
    return bps;
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
    return z.NEVER;
  }
});

/** A minimum ratio ("120%"); may exceed 100% but must stay below 2^16 bps as the circuits range-check. */
export const minRatioSchema = z.string({ invalid_type_error: "expected a percentage string such as \"120%\"" }).transform((text, ctx) => {
  try {
    const bps = parseBps(text);
    if (bps >= 1n << 16n) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${text} is too large (the circuits take less than 655.36%)` });
      return z.NEVER;
    }
    return bps;
  } catch (e) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
    return z.NEVER;
  }
});

/** A duration: seconds as an integer, or a string with a unit (`"90s"`, `"25m"`, `"25h"`, `"2d"`). */
export const durationSchema = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (!match || Number(match[1]) === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(value)} is not a duration such as 3600, "90m" or "25h"` });
    return z.NEVER;
  }
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
});

/** A unix time: integer seconds, or an ISO-8601 date string. */
export const timestampSchema = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return BigInt(value);
  if (/^\d+$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(value)} is neither unix seconds nor an ISO-8601 time` });
    return z.NEVER;
  }
  return BigInt(Math.floor(ms / 1000));
});

// ---------------------------------------------------------------------------------------------------
// Treasury file

const treasuryAssetSchema = z
  .object({
    symbol: symbolSchema,
    name: z.string().optional(),
    decimals: z.number().int().min(0).max(28),
    token: addressSchema,
    feed: addressSchema,
    feedDecimals: z.number().int().min(0).max(18).default(8),
    notes: z.string().optional(),
  })
  .strict();

const positionSchema = z
  .object({
    asset: symbolSchema,
    amount: decimalString,
    venue: z.string().min(1),
    /** Who holds it: "vault" (the default: the vault contract itself) or the name of a policy attestor. */
    custody: z.string().trim().min(1, "expected \"vault\" or an attestor's name").optional(),
    label: z.string().optional(),
    notes: z.string().optional(),
  })
  .strict();

/** The treasury file: the assets it may hold and where each position sits. Amounts become base units. */
export const treasuryFileSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    assets: z.array(treasuryAssetSchema).min(1),
    positions: z.array(positionSchema),
    /** Custody statement files (paths relative to this file), one per attestor that holds positions. */
    statements: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .transform((file, ctx) => {
    const decimals = new Map<string, number>();
    file.assets.forEach((asset, i) => {
      if (decimals.has(asset.symbol)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["assets", i, "symbol"], message: `${asset.symbol} is listed twice` });
      if (asset.decimals + asset.feedDecimals > 36) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["assets", i, "feedDecimals"], message: "token decimals + feed decimals must be at most 36" });
      }
      decimals.set(asset.symbol, asset.decimals);
    });
    const positions = file.positions.map((position, i) => {
      const d = decimals.get(position.asset);
      if (d === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["positions", i, "asset"], message: `${position.asset} is not one of the treasury's assets (${[...decimals.keys()].join(", ")})` });
        return { ...position, amount: 0n };
      }
      let amount = 0n;
      try {
        amount = parseDecimal(position.amount, d);
        if (amount >= MAX_AMOUNT) throw new RangeError(`${position.amount} ${position.asset} is too large (base units must stay below 2^96)`);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["positions", i, "amount"], message: `${(e as Error).message} (${position.asset} has ${d} decimals)` });
      }
      return { ...position, amount };
    });
    return { ...file, positions };
  });

/** A parsed treasury file (amounts in base units). */
export type TreasuryFile = z.output<typeof treasuryFileSchema>;

// ---------------------------------------------------------------------------------------------------
// Policy file

/** A feed's rules in a policy: the oldest answer it may give and the bounds of its answer (decimal, feed units). */
export const feedRulesSchema = z
  .object({
    maxAge: durationSchema,
    minAnswer: decimalString,
    maxAnswer: decimalString,
  })
  .strict();

const policyAssetSchema = z
  .object({
    symbol: symbolSchema,
    cap: bpsSchema,
    haircut: bpsSchema,
    liquid: z.boolean(),
    feed: feedRulesSchema,
    notes: z.string().optional(),
  })
  .strict();

/** A BabyJubjub public key coordinate: a decimal field element. */
const keyCoordinate = z.string().regex(/^\d{1,78}$/, "expected a decimal integer string (a BabyJubjub coordinate)");

/** An attestor the policy trusts for custody statements; its slot is its position in the list plus one. */
export const attestorSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    publicKey: z.tuple([keyCoordinate, keyCoordinate]),
    notes: z.string().optional(),
  })
  .strict();

/** A stress scenario: its name and a price drop per asset symbol (assets not named: no drop). */
export const scenarioSchema = z
  .object({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    shocks: z.record(symbolSchema, bpsSchema),
  })
  .strict();

/** The largest price concession of a swap's minimum against the snapshot: at most RiskPolicy's 20%. */
export const maxSlippageSchema = bpsSchema.refine((bps) => bps <= 2_000n, "at most 20% (RiskPolicy's MAX_SLIPPAGE_BPS)");

/** How long a published liabilities root waits before it backs attestations (0: at once). */
export const liabilitiesDelaySchema = z.union([z.literal(0), durationSchema]);

/** The oldest custody statement a proof may use (RiskPolicy stores it in 32 bits). */
export const attestationAgeSchema = durationSchema.refine((s) => s < 2 ** 32, "must be below 2^32 seconds");

/** A chain id: a positive integer, as a JSON number or a decimal string. */
export const chainIdSchema = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "expected a positive integer")]).transform((v) => BigInt(v));

/** The policy's bounds other than per-asset rules and scenarios, as a policy file (and a deploy config) writes them. */
export const policyBoundsShape = {
  liabilityAsset: symbolSchema,
  minCoverage: minRatioSchema,
  minLiquidity: minRatioSchema,
  /** Largest price concession a rebalance's minimum may make against the snapshot (default 1%). */
  maxSlippage: maxSlippageSchema.optional(),
  /** Oldest snapshot an attestation or a rebalance may use (default 1 hour). */
  maxSnapshotAge: durationSchema.optional(),
  /** How long a published liabilities root waits before attestations may use it (default 1 hour). */
  liabilitiesDelay: liabilitiesDelaySchema.optional(),
  /** Oldest custody statement, before the price snapshot, a proof may use (default 1 day). */
  maxAttestationAge: attestationAgeSchema.optional(),
};

/** The policy file: asset order (index = position in `assets`), per-asset rules, minimums and scenarios. */
export const policyFileSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    chainId: chainIdSchema,
    vault: addressSchema,
    ...policyBoundsShape,
    assets: z.array(policyAssetSchema).min(1),
    scenarios: z.array(scenarioSchema).min(1),
    sequencer: z.object({ feed: addressSchema, gracePeriod: durationSchema }).strict().optional(),
    /**
     * Custodians whose signed statements back positions the vault does not hold (slot = index + 1). `null`
     * keeps a slot empty (an attestor removed on chain, say), so the ones after it keep their slots.
     */
    attestors: z.array(attestorSchema.nullable()).optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const attestorNames = new Set<string>(["vault"]);
    const keys = new Set<string>();
    (file.attestors ?? []).forEach((a, i) => {
      if (a === null) return;
      if (attestorNames.has(a.name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["attestors", i, "name"], message: `"${a.name}" is ${a.name === "vault" ? "reserved for the vault itself" : "listed twice"}` });
      attestorNames.add(a.name);
      const key = a.publicKey.join(",");
      if (keys.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["attestors", i, "publicKey"], message: "this key is listed twice" });
      keys.add(key);
    });
    const symbols = new Set<string>();
    file.assets.forEach((asset, i) => {
      if (symbols.has(asset.symbol)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["assets", i, "symbol"], message: `${asset.symbol} is listed twice` });
      symbols.add(asset.symbol);
    });
    if (!symbols.has(file.liabilityAsset)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["liabilityAsset"], message: `${file.liabilityAsset} is not one of the policy's assets` });
    }
    const names = new Set<string>();
    file.scenarios.forEach((scenario, s) => {
      if (names.has(scenario.name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["scenarios", s, "name"], message: `scenario "${scenario.name}" is listed twice` });
      names.add(scenario.name);
      for (const symbol of Object.keys(scenario.shocks)) {
        if (!symbols.has(symbol)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["scenarios", s, "shocks", symbol], message: `${symbol} is not one of the policy's assets` });
      }
    });
  });

/** A parsed policy file (ratios in basis points). */
export type PolicyFile = z.output<typeof policyFileSchema>;

// ---------------------------------------------------------------------------------------------------
// Prices file

const priceEntrySchema = z.union([
  decimalString,
  z
    .object({
      answer: z.string().regex(/^\d+$/, "expected the feed's raw integer answer as a string").optional(),
      usd: decimalString.optional(),
      updatedAt: timestampSchema.optional(),
    })
    .strict()
    .refine((e) => (e.answer === undefined) !== (e.usd === undefined), "give exactly one of answer (raw feed integer) or usd (decimal price)"),
]);

/** The prices file: the snapshot time and, per asset, a feed answer or a USD price (and when the feed updated). */
export const pricesFileSchema = z
  .object({
    description: z.string().optional(),
    timestamp: timestampSchema,
    prices: z.record(symbolSchema, priceEntrySchema),
  })
  .strict();

/** A parsed prices file (per-asset entries still unconverted: their scale depends on the treasury's feed decimals). */
export type PricesFile = z.output<typeof pricesFileSchema>;

// ---------------------------------------------------------------------------------------------------
// Users' liabilities (JSON form; CSV rows are mapped to the same shape)

/** One user's liability, in units of the policy's liability asset. */
export const userLiabilitySchema = z.object({ user: z.string().trim().min(1, "empty user id"), balance: decimalString }).strict();

/** A users file: `[{user, balance}]` or `{users: [...]}`. */
export const usersFileSchema = z.union([z.array(userLiabilitySchema), z.object({ users: z.array(userLiabilitySchema) }).strict().transform((f) => f.users)]);

/** A parsed users list. */
export type UsersFile = z.output<typeof usersFileSchema>;

// ---------------------------------------------------------------------------------------------------

/** Renders a zod issue path as `positions[3].amount`. */
export function formatIssuePath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** One line for a zod error: the first issue's field path and reason (and how many more there are). */
export function describeZodError(error: z.ZodError): string {
  const issue = pickIssue(error.issues);
  const field = formatIssuePath(issue.path);
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : "";
  return `${field ? `${field}: ` : ""}${issue.message}${more}`;
}

/** For a failed union, zod reports "Invalid input"; the branch issues say more. Prefer the deepest issue. */
function pickIssue(issues: readonly z.ZodIssue[]): z.ZodIssue {
  const first = issues[0]!;
  if (first.code === z.ZodIssueCode.invalid_union) {
    const branches = first.unionErrors.map((e) => pickIssue(e.issues));
    const deepest = branches.sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest) return deepest;
  }
  return first;
}

/**
 * Validates `data` (already parsed JSON) against `schema`; on failure throws a UserError whose message is
 * one line naming the file, the field path and the reason.
 */
export function parseFile<S extends z.ZodTypeAny>(schema: S, data: unknown, file: string): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new UserError(describeZodError(result.error), { where: file });
  return result.data as z.output<S>;
}
