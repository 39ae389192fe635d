/**
 * Custody statements: an attestor (a custodian, an exchange sub-account) that holds part of the treasury
 * signs, with its BabyJubjub key (EdDSA-Poseidon, circomlib's `EdDSAPoseidonVerifier`), how much of each
 * policy asset it holds for one vault at one time. This module fixes the signed message (the circuit
 * recomputes it field for field) and the two files around it: the attestor's holdings (input of
 * `homeostat attestor sign`) and the signed statement. Browser-safe and pure (poseidon-lite through
 * core/hash.ts); signing and verifying the signature live in prover/attestor.ts (circomlibjs).
 *
 * Layout
 *  - STATEMENT_DOMAIN = symbolToField("homeostat/stmt/1")
 *  - tokensDigest     = listHash([token address as field, per asset in the policy's order])
 *  - message          = listHash([STATEMENT_DOMAIN, chainId, vault, Ax, Ay, tokensDigest, timestamp,
 *                                 amount[0], ..., amount[A-1]])              (length 7 + A)
 *  - signature        = EdDSA-Poseidon over `message`: R8 = (r8x, r8y), S < the BabyJubjub subgroup order.
 * Signed: everything in the message. NOT signed: the attestor's name and the assets' symbols (labels only).
 * Bounds: chainId and timestamp < 2^64, amounts (base units) < 2^96, Ax, Ay < the BN254 scalar field modulus.
 */
import { z } from "zod";
import { fieldString } from "./bundle-schema.ts";
import { AMOUNT_BITS, FIELD_MODULUS } from "./field.ts";
import { addressToField, listHash, symbolToField } from "./hash.ts";
import { addressSchema, symbolSchema } from "./schemas.ts";

/** Domain separator of custody statements: `symbolToField("homeostat/stmt/1")`. */
export const STATEMENT_DOMAIN = symbolToField("homeostat/stmt/1");

/** `kind` of a statement file. */
export const STATEMENT_KIND = "homeostat.custody-statement";
/** `version` of the statement format this code reads and writes. */
export const STATEMENT_VERSION = 1;

/** Order of BabyJubjub's prime subgroup (circomlib's `subOrder`); a signature's S is below it. */
export const BABYJUB_SUBORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;

/**
 * chainId and timestamp are below 2^64: the file format refuses more. The circuits hold chainId to the
 * policy's (through the policy hash) and the timestamp to within maxAttestationAge of the price snapshot.
 */
export const STATEMENT_UINT_BITS = 64;

const MAX_AMOUNT = 1n << BigInt(AMOUNT_BITS);
const MAX_UINT64 = 1n << BigInt(STATEMENT_UINT_BITS);

/** A BabyJubjub point `[x, y]` (public key, R8), coordinates in the BN254 scalar field. */
export type BabyJubPoint = readonly [bigint, bigint];

/** `listHash` of the token addresses, in the policy's asset order (defined with the policy hash). */
export { tokensDigest } from "./hash.ts";
import { tokensDigest } from "./hash.ts";

/** Everything a custody statement signs. */
export interface StatementFields {
  chainId: bigint;
  /** The vault address (0x + 40 hex). */
  vault: string;
  /** The attestor's public key `[Ax, Ay]`. */
  publicKey: BabyJubPoint;
  /** Token addresses, one per policy asset, in the policy's order. */
  tokens: readonly string[];
  /** Unix seconds. */
  timestamp: bigint;
  /** Base units held, one per token (zeros allowed). */
  amounts: readonly bigint[];
}

function checkBelow(value: bigint, bound: bigint, field: string, what: string): void {
  if (value < 0n || value >= bound) throw new RangeError(`${field}: ${value} is out of range (expected 0 <= ${field} < ${what})`);
}

/**
 * The ordered field list of the message: `[STATEMENT_DOMAIN, chainId, vault, Ax, Ay, tokensDigest, timestamp,
 * amount[0..A)]`. Throws a RangeError naming the field for anything out of bounds.
 */
export function statementFieldList(f: StatementFields): bigint[] {
  if (f.tokens.length === 0) throw new RangeError("tokens: a statement covers at least one asset");
  if (f.amounts.length !== f.tokens.length) throw new RangeError(`amounts: ${f.amounts.length} amounts for ${f.tokens.length} tokens (one per policy asset)`);
  checkBelow(f.chainId, MAX_UINT64, "chainId", "2^64");
  checkBelow(f.timestamp, MAX_UINT64, "timestamp", "2^64");
  checkBelow(f.publicKey[0], FIELD_MODULUS, "publicKey[0]", "the BN254 field modulus");
  checkBelow(f.publicKey[1], FIELD_MODULUS, "publicKey[1]", "the BN254 field modulus");
  f.amounts.forEach((amount, i) => checkBelow(amount, MAX_AMOUNT, `amounts[${i}]`, "2^96"));
  return [STATEMENT_DOMAIN, f.chainId, addressToField(f.vault, "vault"), f.publicKey[0], f.publicKey[1], tokensDigest(f.tokens), f.timestamp, ...f.amounts];
}

/** The message an attestor signs: `listHash(statementFieldList(f))`. */
export function statementMessage(f: StatementFields): bigint {
  return listHash(statementFieldList(f));
}

// ---------------------------------------------------------------------------------------------------
// Files

/** Base units in a statement: a canonical decimal (no sign, no leading zero) below 2^96. */
const statementAmountSchema = z
  .string({ invalid_type_error: 'expected a base-unit integer string such as "123456000"' })
  .regex(/^(0|[1-9]\d*)$/, 'expected a base-unit integer string such as "123456000" (no sign, point or leading zero)')
  .refine((s) => BigInt(s) < MAX_AMOUNT, "too large (base units must stay below 2^96)");

/** Base units in a holdings file: an integer string (the token's smallest unit), below 2^96. */
const holdingsAmountSchema = z
  .string({ invalid_type_error: 'expected a base-unit integer string such as "123456000" (quoted, so no precision is lost)' })
  .transform((text, ctx) => {
    const trimmed = text.trim();
    if (!/^\d+$/.test(trimmed)) {
      const hint = /^\d*\.\d*$/.test(trimmed) ? " (amounts are in base units, the token's smallest unit: no decimal point)" : "";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(text)} is not a non-negative integer${hint}` });
      return z.NEVER;
    }
    const amount = BigInt(trimmed);
    if (amount >= MAX_AMOUNT) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${trimmed} is too large (base units must stay below 2^96)` });
      return z.NEVER;
    }
    return amount;
  });

/** A chain id in a file: a positive JSON integer (real chain ids fit in 2^53, JSON's exact range). */
const chainIdSchema = z
  .number({ invalid_type_error: "expected a positive integer chain id" })
  .int("expected a positive integer chain id")
  .positive("expected a positive integer chain id")
  .max(Number.MAX_SAFE_INTEGER, "chain ids above 2^53 - 1 are not supported");

const attestorNameSchema = z.string().trim().min(1, "empty attestor name").max(128, "an attestor name is at most 128 characters");

/** Refuses a token or a symbol listed twice (addresses compared case-insensitively). */
function refuseDuplicates(assets: readonly { symbol: string; token: string }[], ctx: z.RefinementCtx): void {
  const tokens = new Map<string, number>();
  const symbols = new Map<string, number>();
  assets.forEach((asset, i) => {
    const token = asset.token.toLowerCase();
    const seenToken = tokens.get(token);
    if (seenToken !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["assets", i, "token"], message: `${asset.token} is listed twice (also assets[${seenToken}].token)` });
    else tokens.set(token, i);
    const seenSymbol = symbols.get(asset.symbol);
    if (seenSymbol !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["assets", i, "symbol"], message: `${asset.symbol} is listed twice (also assets[${seenSymbol}].symbol)` });
    else symbols.set(asset.symbol, i);
  });
}

/**
 * The attestor's holdings (input of `attestor sign`): chain, vault, optional attestor name, and every policy
 * asset in the policy's order with the base units held (zeros included). Amounts become bigints.
 */
export const holdingsFileSchema = z
  .object({
    chainId: chainIdSchema,
    vault: addressSchema,
    attestor: attestorNameSchema.optional(),
    assets: z.array(z.object({ symbol: symbolSchema, token: addressSchema, amount: holdingsAmountSchema }).strict()).min(1, "list every policy asset, in the policy's order"),
  })
  .strict()
  .superRefine((file, ctx) => refuseDuplicates(file.assets, ctx));

/** A parsed holdings file (amounts in base units). */
export type HoldingsFile = z.output<typeof holdingsFileSchema>;

const pointSchema = z.tuple([fieldString, fieldString]);

/**
 * A signed custody statement file. Integers that may exceed 2^53 are canonical decimal strings; the schema
 * changes nothing, so the parsed value is the file's JSON as written (`CustodyStatement`).
 */
export const custodyStatementSchema = z
  .object({
    kind: z.literal(STATEMENT_KIND, { errorMap: () => ({ message: `expected "${STATEMENT_KIND}"` }) }),
    version: z.literal(STATEMENT_VERSION, { errorMap: () => ({ message: `unsupported version: this homeostat reads version ${STATEMENT_VERSION}` }) }),
    chainId: chainIdSchema,
    vault: addressSchema,
    attestor: z.object({ name: attestorNameSchema.optional(), publicKey: pointSchema }).strict(),
    timestamp: z.number({ invalid_type_error: "expected unix seconds (an integer)" }).int("expected unix seconds (an integer)").nonnegative().max(Number.MAX_SAFE_INTEGER),
    assets: z.array(z.object({ symbol: symbolSchema, token: addressSchema, amount: statementAmountSchema }).strict()).min(1, "a statement covers at least one asset"),
    signature: z
      .object({
        r8: pointSchema,
        s: z
          .string()
          .regex(/^(0|[1-9]\d*)$/, "expected a decimal integer string")
          .refine((s) => BigInt(s) < BABYJUB_SUBORDER, "not below the BabyJubjub subgroup order (a non-canonical signature)"),
      })
      .strict(),
  })
  .strict()
  .superRefine((file, ctx) => refuseDuplicates(file.assets, ctx));

/** A custody statement file as written and read (see `custodyStatementSchema`). */
export type CustodyStatement = z.output<typeof custodyStatementSchema>;

/** What a statement signs, as integers (for `statementMessage`). */
export function statementFieldsOf(statement: CustodyStatement): StatementFields {
  return {
    chainId: BigInt(statement.chainId),
    vault: statement.vault,
    publicKey: [BigInt(statement.attestor.publicKey[0]), BigInt(statement.attestor.publicKey[1])],
    tokens: statement.assets.map((a) => a.token),
    timestamp: BigInt(statement.timestamp),
    amounts: statement.assets.map((a) => BigInt(a.amount)),
  };
}
