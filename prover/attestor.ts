/**
 * Attestors' keys and custody statements (core/attestation.ts has the message layout and the files): key
 * generation, the key file (owner-only permissions, as ssh asks of its keys), signing and verifying with
 * circomlibjs's EdDSA-Poseidon on BabyJubjub, the scheme circomlib's `EdDSAPoseidonVerifier` checks.
 *
 * circomlibjs notes (v0.1.7): `buildEddsa()` builds several WASM hashers (about a second), so it is built once
 * and cached. Its field `F` is the BN254 scalar field (checked when built), elements are 32-byte Uint8Arrays
 * in Montgomery form: every number goes in through `F.e` and comes out through `F.toObject`; `signPoseidon`
 * given a bigint instead of `F.e(msg)` throws "offset is out of bounds". Its hash is the iden3 Poseidon of
 * circomlib's circuits (the same constants as poseidon-lite, test/prover/attestor.test.ts checks it).
 * `verifyPoseidon` checks R8 and A on the curve and S below the subgroup order but accepts a public key of
 * small order, including the identity (0, 1), for which anyone can forge a signature: `verifyStatement`
 * requires the key in the prime-order subgroup and not the identity (the circuit refuses 8A = identity).
 */
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { buildEddsa } from "circomlibjs";
import { z } from "zod";
import {
  custodyStatementSchema,
  statementFieldsOf,
  statementMessage,
  STATEMENT_KIND,
  STATEMENT_VERSION,
  type BabyJubPoint,
  type CustodyStatement,
} from "../core/attestation.ts";
import { fieldString } from "../core/bundle-schema.ts";
import { UserError } from "../core/errors.ts";
import { FIELD_MODULUS } from "../core/field.ts";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { describeZodError, parseFile } from "../core/schemas.ts";

// ---------------------------------------------------------------------------------------------------
// circomlibjs (untyped): the subset used here

type FieldElement = Uint8Array;
type Point = [FieldElement, FieldElement];

interface Eddsa {
  F: { p: bigint; e(x: bigint | string): FieldElement; toObject(x: FieldElement): bigint };
  babyJub: { inCurve(p: Point): boolean; inSubgroup(p: Point): boolean };
  prv2pub(privateKey: Uint8Array): Point;
  signPoseidon(privateKey: Uint8Array, message: FieldElement): { R8: Point; S: bigint };
  verifyPoseidon(message: FieldElement, signature: { R8: Point; S: bigint }, publicKey: Point): boolean;
}

let eddsaPromise: Promise<Eddsa> | undefined;

/** circomlibjs's EdDSA, built once per process (building it takes about a second). */
export function eddsa(): Promise<Eddsa> {
  eddsaPromise ??= (async () => {
    const built = (await buildEddsa()) as Eddsa;
    if (built.F.p !== FIELD_MODULUS) throw new Error(`circomlibjs's EdDSA field is not the BN254 scalar field (p = ${built.F.p})`);
    return built;
  })().catch((e: unknown) => {
    eddsaPromise = undefined; // let a later call try again
    throw e;
  });
  return eddsaPromise;
}

function toPoint(F: Eddsa["F"], p: BabyJubPoint): Point {
  return [F.e(p[0]), F.e(p[1])];
}

// ---------------------------------------------------------------------------------------------------
// Keys

/** `kind` of an attestor key file. */
export const ATTESTOR_KEY_KIND = "homeostat.attestor-key";

/** An attestor's key pair. The private key is 32 random bytes (circomlibjs derives the scalar with blake512). */
export interface AttestorKey {
  name?: string;
  privateKey: Uint8Array;
  publicKey: BabyJubPoint;
}

/** A new private key: 32 bytes from the system's CSPRNG. */
export function generateAttestorKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

function checkPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw new RangeError("privateKey: expected 32 bytes");
}

/** The public key `[Ax, Ay]` of a private key. */
export async function publicKeyOf(privateKey: Uint8Array): Promise<BabyJubPoint> {
  checkPrivateKey(privateKey);
  const e = await eddsa();
  const A = e.prv2pub(privateKey);
  return [e.F.toObject(A[0]), e.F.toObject(A[1])];
}

/** A new key pair, optionally named. */
export async function createAttestorKey(name?: string): Promise<AttestorKey> {
  const privateKey = generateAttestorKey();
  return { ...(name !== undefined ? { name } : {}), privateKey, publicKey: await publicKeyOf(privateKey) };
}

/** The key file: `{kind, version, name?, privateKey (64 hex), publicKey [Ax, Ay]}`. */
export const attestorKeyFileSchema = z
  .object({
    kind: z.literal(ATTESTOR_KEY_KIND, { errorMap: () => ({ message: `expected "${ATTESTOR_KEY_KIND}"` }) }),
    version: z.literal(1, { errorMap: () => ({ message: "unsupported version: this homeostat reads version 1" }) }),
    name: z.string().trim().min(1).max(128).optional(),
    privateKey: z.string().regex(/^[0-9a-fA-F]{64}$/, "expected 64 hex digits (32 bytes)"),
    publicKey: z.tuple([fieldString, fieldString]),
  })
  .strict();

/** The JSON text of a key file. */
export function attestorKeyFileText(key: AttestorKey): string {
  checkPrivateKey(key.privateKey);
  const file = {
    kind: ATTESTOR_KEY_KIND,
    version: 1,
    ...(key.name !== undefined ? { name: key.name } : {}),
    privateKey: Buffer.from(key.privateKey).toString("hex"),
    publicKey: [key.publicKey[0].toString(), key.publicKey[1].toString()],
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Refuses (exit 2) to replace an existing key file unless `force`. */
export function refuseExistingKey(file: string, force: boolean): void {
  if (!force && existsSync(file)) {
    throw new UserError("already exists: refusing to replace a key (statements signed with it would lose their signer); --force replaces it", { where: file, exitCode: 2 });
  }
}

/**
 * Writes a key file atomically, readable by its owner only (0600 from the moment it exists: the temporary
 * file is created with that mode). An existing file is replaced only with `force` (exit 2 otherwise).
 */
export function writeAttestorKey(file: string, key: AttestorKey, options: { force?: boolean } = {}): void {
  refuseExistingKey(file, options.force === true);
  writeFileAtomic(file, attestorKeyFileText(key), { mode: 0o600 });
}

/**
 * Refuses a key file that its group or others may read or write, as ssh does (nothing to check on Windows,
 * whose permissions Node does not map to modes).
 */
export function checkKeyFilePermissions(file: string): void {
  if (process.platform === "win32") return;
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return; // readJsonInput names the problem
    mode = st.mode & 0o777;
  } catch {
    return; // readJsonInput names the problem (no such file...)
  }
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, "0");
    throw new UserError(`permissions ${octal} are too open: an attestor key must be readable by its owner only (run: chmod 600 ${file})`, { where: file });
  }
}

/** Reads a key file: owner-only permissions, the schema, and a public key that matches the private key. */
export async function readAttestorKey(file: string): Promise<AttestorKey> {
  checkKeyFilePermissions(file);
  const parsed = parseFile(attestorKeyFileSchema, readJsonInput(file), file);
  const privateKey = new Uint8Array(Buffer.from(parsed.privateKey, "hex"));
  const publicKey = await publicKeyOf(privateKey);
  if (publicKey[0] !== BigInt(parsed.publicKey[0]) || publicKey[1] !== BigInt(parsed.publicKey[1])) {
    throw new UserError("publicKey: does not belong to privateKey (a damaged or edited key file)", { where: file });
  }
  return { ...(parsed.name !== undefined ? { name: parsed.name } : {}), privateKey, publicKey };
}

// ---------------------------------------------------------------------------------------------------
// Statements

/** What `signStatement` signs; `symbols` (one per token) and `name` are labels, not signed. */
export interface SignRequest {
  privateKey: Uint8Array;
  chainId: bigint | number;
  vault: string;
  /** Token addresses, one per policy asset, in the policy's order. */
  tokens: readonly string[];
  /** The assets' symbols, one per token (shown to readers; not part of the message). */
  symbols: readonly string[];
  /** Base units held, one per token. */
  amounts: readonly bigint[];
  /** Unix seconds. */
  timestamp: bigint | number;
  name?: string;
}

function safeNumber(value: bigint | number, field: string): number {
  const n = typeof value === "bigint" ? Number(value) : value;
  if (!Number.isSafeInteger(n) || BigInt(n) !== BigInt(value) || n < 0) throw new RangeError(`${field}: ${value} is not an integer in [0, 2^53)`);
  return n;
}

/**
 * Signs a custody statement. The result is checked against the statement schema and verified before it is
 * returned, so a statement this returns is one `verifyStatement` accepts.
 */
export async function signStatement(request: SignRequest): Promise<CustodyStatement> {
  checkPrivateKey(request.privateKey);
  if (request.symbols.length !== request.tokens.length) throw new RangeError(`symbols: ${request.symbols.length} symbols for ${request.tokens.length} tokens`);
  const e = await eddsa();
  const publicKey = await publicKeyOf(request.privateKey);
  const chainId = safeNumber(request.chainId, "chainId");
  const timestamp = safeNumber(request.timestamp, "timestamp");
  const message = statementMessage({ chainId: BigInt(chainId), vault: request.vault, publicKey, tokens: request.tokens, timestamp: BigInt(timestamp), amounts: request.amounts });
  const signature = e.signPoseidon(request.privateKey, e.F.e(message));
  const unchecked = {
    kind: STATEMENT_KIND,
    version: STATEMENT_VERSION,
    chainId,
    vault: request.vault,
    attestor: { ...(request.name !== undefined ? { name: request.name } : {}), publicKey: [publicKey[0].toString(), publicKey[1].toString()] },
    timestamp,
    assets: request.tokens.map((token, i) => ({ symbol: request.symbols[i]!, token, amount: request.amounts[i]!.toString() })),
    signature: { r8: [e.F.toObject(signature.R8[0]).toString(), e.F.toObject(signature.R8[1]).toString()], s: signature.S.toString() },
  };
  const parsed = custodyStatementSchema.safeParse(unchecked);
  if (!parsed.success) throw new RangeError(`statement: ${describeZodError(parsed.error)}`);
  const check = await verifyStatement(parsed.data);
  if (!check.ok) throw new Error(`the statement just signed does not verify: ${check.reason}`);
  return parsed.data;
}

/** What `verifyStatement` may require besides a valid signature. */
export interface VerifyStatementOptions {
  chainId?: bigint | number;
  vault?: string;
  /** The attestor key the statement must be signed with. */
  publicKey?: BabyJubPoint;
  /** Oldest acceptable statement, in seconds before `now`. */
  maxAgeSeconds?: number;
  /** Unix seconds to measure the age from (default: now). */
  now?: number;
  /** With `maxAgeSeconds`: how far in the future a timestamp may lie (clock skew), default 300 s. */
  maxFutureSeconds?: number;
}

/** The outcome of `verifyStatement`: a reason in words when it fails. */
export type VerifyStatementResult = { ok: true } | { ok: false; reason: string };

/**
 * Verifies a custody statement: the file's schema, the attestor key (on the curve, in the prime-order
 * subgroup, not the identity), the EdDSA-Poseidon signature over `statementMessage`, then the optional
 * expectations (chain, vault, key) and age. `statement` may be unparsed JSON.
 */
export async function verifyStatement(statement: unknown, options: VerifyStatementOptions = {}): Promise<VerifyStatementResult> {
  const parsed = custodyStatementSchema.safeParse(statement);
  if (!parsed.success) return { ok: false, reason: `not a valid statement: ${describeZodError(parsed.error)}` };
  const s = parsed.data;
  const e = await eddsa();
  const fields = statementFieldsOf(s);
  const A = toPoint(e.F, fields.publicKey);
  if (!e.babyJub.inCurve(A)) return { ok: false, reason: "attestor.publicKey: not a point of BabyJubjub" };
  if (fields.publicKey[0] === 0n && fields.publicKey[1] === 1n) return { ok: false, reason: "attestor.publicKey: the identity point (anyone could sign for it)" };
  if (!e.babyJub.inSubgroup(A)) return { ok: false, reason: "attestor.publicKey: not in BabyJubjub's prime-order subgroup" };
  const sig = signatureFields(s);
  const R8 = toPoint(e.F, [sig.r8x, sig.r8y]);
  if (!e.babyJub.inCurve(R8)) return { ok: false, reason: "signature.r8: not a point of BabyJubjub" };
  const message = statementMessage(fields);
  if (!e.verifyPoseidon(e.F.e(message), { R8, S: sig.s }, A)) {
    return { ok: false, reason: "bad signature: the signature does not match the statement's contents and attestor key (altered, or signed by another key)" };
  }
  if (options.chainId !== undefined && BigInt(options.chainId) !== fields.chainId) return { ok: false, reason: `chainId: the statement is for chain ${s.chainId}, expected ${options.chainId}` };
  if (options.vault !== undefined && options.vault.toLowerCase() !== s.vault.toLowerCase()) return { ok: false, reason: `vault: the statement is for vault ${s.vault}, expected ${options.vault}` };
  if (options.publicKey !== undefined && (options.publicKey[0] !== fields.publicKey[0] || options.publicKey[1] !== fields.publicKey[1])) {
    return { ok: false, reason: `attestor.publicKey: signed by ${fields.publicKey.join(",")}, expected ${options.publicKey.join(",")}` };
  }
  if (options.maxAgeSeconds !== undefined) {
    const now = options.now ?? Math.floor(Date.now() / 1000);
    const age = now - s.timestamp;
    if (age > options.maxAgeSeconds) return { ok: false, reason: `timestamp: the statement is ${age} s old (signed at ${s.timestamp}), older than the ${options.maxAgeSeconds} s allowed` };
    if (-age > (options.maxFutureSeconds ?? 300)) return { ok: false, reason: `timestamp: ${s.timestamp} is ${-age} s in the future` };
  }
  return { ok: true };
}

/** A statement's signed numbers as the witness builder takes them. */
export interface SignatureFields {
  timestamp: bigint;
  amounts: bigint[];
  r8x: bigint;
  r8y: bigint;
  s: bigint;
  ax: bigint;
  ay: bigint;
}

/** The statement's timestamp, amounts, signature and attestor key as bigints (for the circuit's inputs). */
export function signatureFields(statement: CustodyStatement): SignatureFields {
  return {
    timestamp: BigInt(statement.timestamp),
    amounts: statement.assets.map((a) => BigInt(a.amount)),
    r8x: BigInt(statement.signature.r8[0]),
    r8y: BigInt(statement.signature.r8[1]),
    s: BigInt(statement.signature.s),
    ax: BigInt(statement.attestor.publicKey[0]),
    ay: BigInt(statement.attestor.publicKey[1]),
  };
}

/** Reads and parses a statement file (schema only; `verifyStatement` checks the signature). */
export function readStatementFile(file: string): CustodyStatement {
  return parseFile(custodyStatementSchema, readJsonInput(file), file);
}
