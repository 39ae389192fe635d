/**
 * `homeostat attestor keygen|sign|verify`: custody statements signed by attestors (a custodian, an exchange
 * sub-account) with a BabyJubjub key, EdDSA-Poseidon, the scheme the circuits verify (core/attestation.ts
 * has the signed message, prover/attestor.ts the keys and signatures). `keygen` writes a key file readable
 * by its owner only and prints the public key; `sign` turns a holdings file into a signed statement; `verify`
 * checks one (exit 3 with one line when it does not hold).
 */
import path from "node:path";
import type { Command } from "commander";
import { custodyStatementSchema, holdingsFileSchema, type BabyJubPoint, type CustodyStatement } from "../../core/attestation.ts";
import { UserError } from "../../core/errors.ts";
import { toField } from "../../core/field.ts";
import { writeFileAtomic } from "../../core/node/atomic-write.ts";
import { readJsonInput } from "../../core/node/input-files.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import { durationSchema, parseFile, timestampSchema } from "../../core/schemas.ts";
import { createAttestorKey, readAttestorKey, refuseExistingKey, signStatement, verifyStatement, writeAttestorKey } from "../../prover/attestor.ts";

/** Exit code of `attestor verify` for a statement that does not hold (as `homeostat verify`). */
export const EXIT_INVALID = 3;

interface KeygenFlags {
  out: string;
  name?: string;
  force?: boolean;
  json?: boolean;
}

interface SignFlags {
  key: string;
  holdings: string;
  out: string;
  timestamp?: string;
  json?: boolean;
}

interface VerifyFlags {
  publicKey?: string;
  chainId?: string;
  vault?: string;
  maxAge?: string;
  json?: boolean;
}

function usage(message: string, flag: string): UserError {
  return new UserError(message, { where: flag, exitCode: 2 });
}

function keyText(key: BabyJubPoint): string {
  return `${key[0]},${key[1]}`;
}

/** `AX,AY`: two decimal (or 0x-hex) field elements. */
function parsePublicKey(text: string): BabyJubPoint {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length !== 2) throw usage(`expected AX,AY (the two coordinates \`attestor keygen\` printed), got ${JSON.stringify(text)}`, "--public-key");
  try {
    return [toField(parts[0], "AX"), toField(parts[1], "AY")];
  } catch (e) {
    throw usage((e as Error).message, "--public-key");
  }
}

function parseChainId(text: string): bigint {
  if (!/^[1-9]\d*$/.test(text.trim())) throw usage(`expected a positive integer, got ${JSON.stringify(text)}`, "--chain-id");
  return BigInt(text.trim());
}

/** Seconds (`3600`) or a duration with a unit (`90m`, `25h`, `2d`), as in the policy file. */
function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parsed = durationSchema.safeParse(/^\d+$/.test(trimmed) ? Number(trimmed) : trimmed);
  if (!parsed.success || !Number.isSafeInteger(parsed.data)) throw usage(`${JSON.stringify(text)} is not a duration such as 3600, "90m" or "25h"`, flag);
  return parsed.data;
}

/** Unix seconds or an ISO-8601 time (default: now). */
function parseTimestamp(text: string | undefined): number {
  if (text === undefined) return Math.floor(Date.now() / 1000);
  const parsed = timestampSchema.safeParse(text.trim());
  if (!parsed.success || parsed.data > BigInt(Number.MAX_SAFE_INTEGER)) throw usage(`${JSON.stringify(text)} is neither unix seconds nor an ISO-8601 time such as 2026-09-21T12:00:00Z`, "--timestamp");
  return Number(parsed.data);
}

function isoTime(seconds: number): string {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : "?";
}

function assetLines(statement: CustodyStatement): string[] {
  const symbols = Math.max(...statement.assets.map((a) => a.symbol.length));
  const amounts = Math.max(...statement.assets.map((a) => a.amount.length));
  return statement.assets.map((a) => `  ${a.symbol.padEnd(symbols)}  ${a.amount.padStart(amounts)} base units  (${a.token})`);
}

async function keygen(flags: KeygenFlags): Promise<void> {
  let name: string | undefined;
  if (flags.name !== undefined) {
    name = flags.name.trim();
    if (name.length === 0 || name.length > 128) throw usage("a name is 1 to 128 characters", "--name");
  }
  checkOutputFile(flags.out, { flag: "--out", inputs: [] });
  refuseExistingKey(flags.out, flags.force === true); // before any work
  const key = await createAttestorKey(name);
  writeAttestorKey(flags.out, key, { force: flags.force === true });
  const out = path.resolve(flags.out);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out, ...(name !== undefined ? { name } : {}), publicKey: key.publicKey.map(String) }, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `attestor key${name !== undefined ? ` for ${JSON.stringify(name)}` : ""} -> ${flags.out} (readable by you only; keep it secret)`,
        `  public key: ${keyText(key.publicKey)}`,
        "  give the public key, never the file, to whoever checks your statements (attestor verify --public-key)",
        "",
      ].join("\n"),
    );
  }
}

async function sign(flags: SignFlags): Promise<void> {
  checkOutputFile(flags.out, {
    flag: "--out",
    inputs: [
      { path: flags.key, what: "the attestor key file (--key)" },
      { path: flags.holdings, what: "the holdings file (--holdings)" },
    ],
  });
  const timestamp = parseTimestamp(flags.timestamp);
  const holdings = parseFile(holdingsFileSchema, readJsonInput(flags.holdings), flags.holdings);
  const key = await readAttestorKey(flags.key);
  if (holdings.attestor !== undefined && key.name !== undefined && holdings.attestor !== key.name) {
    throw new UserError(`attestor: the holdings are ${JSON.stringify(holdings.attestor)}'s but the key (--key ${flags.key}) is ${JSON.stringify(key.name)}'s`, { where: flags.holdings });
  }
  const name = holdings.attestor ?? key.name;
  const statement = await signStatement({
    privateKey: key.privateKey,
    chainId: holdings.chainId,
    vault: holdings.vault,
    tokens: holdings.assets.map((a) => a.token),
    symbols: holdings.assets.map((a) => a.symbol),
    amounts: holdings.assets.map((a) => a.amount),
    timestamp,
    ...(name !== undefined ? { name } : {}),
  });
  writeFileAtomic(path.resolve(flags.out), `${JSON.stringify(statement, null, 2)}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: path.resolve(flags.out), statement }, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `custody statement signed${name !== undefined ? ` by ${JSON.stringify(name)}` : ""} at ${timestamp} (${isoTime(timestamp)}) for vault ${statement.vault} on chain ${statement.chainId} -> ${flags.out}`,
        ...assetLines(statement),
        "",
      ].join("\n"),
    );
  }
}

async function verify(file: string, flags: VerifyFlags): Promise<void> {
  const publicKey = flags.publicKey !== undefined ? parsePublicKey(flags.publicKey) : undefined;
  const chainId = flags.chainId !== undefined ? parseChainId(flags.chainId) : undefined;
  if (flags.vault !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(flags.vault.trim())) throw usage(`expected a 20-byte hex address (0x + 40 hex digits), got ${JSON.stringify(flags.vault)}`, "--vault");
  const maxAgeSeconds = flags.maxAge !== undefined ? parseDuration(flags.maxAge, "--max-age") : undefined;
  const statement = parseFile(custodyStatementSchema, readJsonInput(file), file);
  const result = await verifyStatement(statement, {
    ...(publicKey ? { publicKey } : {}),
    ...(chainId !== undefined ? { chainId } : {}),
    ...(flags.vault !== undefined ? { vault: flags.vault.trim() } : {}),
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
  });
  if (!result.ok) {
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ valid: false, reason: result.reason }, null, 2)}\n`);
      process.exitCode = EXIT_INVALID;
      return;
    }
    throw new UserError(result.reason, { where: file, exitCode: EXIT_INVALID });
  }
  const key = statement.attestor.publicKey;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ valid: true, keyChecked: publicKey !== undefined, statement }, null, 2)}\n`);
    return;
  }
  const who = statement.attestor.name !== undefined ? `${JSON.stringify(statement.attestor.name)} ` : "";
  process.stdout.write(
    [
      `valid custody statement: ${who}holds for vault ${statement.vault} on chain ${statement.chainId} at ${statement.timestamp} (${isoTime(statement.timestamp)}):`,
      ...assetLines(statement),
      `  attestor key: ${key[0]},${key[1]}${publicKey ? " (the one expected)" : " (NOT checked against a trusted key: pass --public-key AX,AY)"}`,
      "",
    ].join("\n"),
  );
}

/** Registers `attestor` on the program. */
export function register(program: Command): void {
  const attestor = program
    .command("attestor")
    .description("custody statements signed by attestors (BabyJubjub EdDSA-Poseidon): make a key, sign holdings, verify a statement");

  attestor
    .command("keygen")
    .description("make an attestor key (BabyJubjub) and print its public key")
    .requiredOption("--out <file>", "key file to write (mode 0600: readable by you only)")
    .option("--name <name>", "the attestor's name, e.g. \"Harbor Custody\" (a label: not signed)")
    .option("--force", "replace an existing key file")
    .option("--json", "print {out, name, publicKey} as JSON")
    .addHelpText(
      "after",
      [
        "",
        "The key file holds the private key (32 random bytes, hex) and the public key [Ax, Ay]. It is written",
        "atomically with mode 0600; commands refuse to read it if its group or others may (chmod 600 fixes it).",
        "An existing file is never replaced without --force. Only the public key is printed: hand it to whoever",
        "verifies your statements.",
        "",
        "Example: homeostat attestor keygen --out harbor.key.json --name \"Harbor Custody\"",
      ].join("\n"),
    )
    .action((flags: KeygenFlags) => keygen(flags));

  attestor
    .command("sign")
    .description("sign a custody statement: how much of each policy asset the attestor holds for a vault")
    .requiredOption("--key <file>", "attestor key file (attestor keygen)")
    .requiredOption("--holdings <file>", "holdings file: {chainId, vault, attestor?, assets: [{symbol, token, amount}]}")
    .requiredOption("--out <file>", "statement file to write")
    .option("--timestamp <time>", "the statement's time: unix seconds or ISO-8601 (default: now)")
    .option("--json", "print {out, statement} as JSON")
    .addHelpText(
      "after",
      [
        "",
        "The holdings file lists every policy asset in the policy's order (zeros included) with the amount held in",
        "base units, the token's smallest unit, as an integer string (\"123456000\" is 123.456 USDC). The signature",
        "covers the chain id, the vault, the attestor's public key, the token addresses in order, the timestamp and",
        "every amount; the attestor's name and the symbols are labels, not signed.",
        "",
        "Example: homeostat attestor sign --key harbor.key.json --holdings harbor-holdings.json --out harbor-statement.json",
      ].join("\n"),
    )
    .action((flags: SignFlags) => sign(flags));

  attestor
    .command("verify")
    .description("verify a custody statement's signature, and optionally its key, chain, vault and age")
    .argument("<statement>", "statement file (attestor sign)")
    .option("--public-key <ax,ay>", "the attestor key the statement must be signed with (attestor keygen printed it)")
    .option("--chain-id <n>", "the chain the statement must be for")
    .option("--vault <address>", "the vault the statement must be for")
    .option("--max-age <duration>", "refuse a statement older than this: seconds, or 90m, 25h, 2d")
    .option("--json", "print {valid, reason | statement} as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Without --public-key a valid signature only shows that the statement is intact and signed by the key written",
        "in it: anyone can make a key. Pass the attestor's public key, obtained from the attestor, to know who signed.",
        "",
        "Exit codes: 0 valid; 3 invalid (one line naming why: signature, key, chain, vault or age); 1 unreadable or",
        "malformed statement; 2 bad usage.",
        "",
        "Example: homeostat attestor verify harbor-statement.json --public-key AX,AY --vault 0x... --max-age 25h",
      ].join("\n"),
    )
    .action((file: string, flags: VerifyFlags) => verify(file, flags));
}
