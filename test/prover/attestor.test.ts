// Pins custody statements (core/attestation.ts, prover/attestor.ts): the message layout against an independent
// recomputation with poseidon-lite, circomlibjs's EdDSA against known answers and against the verification
// equation the circuit checks (recomputed here with plain bigint BabyJubjub arithmetic), sign/verify round
// trips, every signed field's tampering caught, the key checks, the key file's permissions and the holdings
// schema's one-line errors.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { poseidon5, poseidon8 } from "poseidon-lite";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BABYJUB_SUBORDER,
  custodyStatementSchema,
  holdingsFileSchema,
  STATEMENT_DOMAIN,
  statementMessage,
  tokensDigest,
  type CustodyStatement,
} from "../../core/attestation.ts";
import { UserError } from "../../core/errors.ts";
import { FIELD_MODULUS } from "../../core/field.ts";
import { parseFile } from "../../core/schemas.ts";
import {
  attestorKeyFileText,
  createAttestorKey,
  eddsa,
  generateAttestorKey,
  publicKeyOf,
  readAttestorKey,
  signatureFields,
  signStatement,
  verifyStatement,
  writeAttestorKey,
} from "../../prover/attestor.ts";

const p = FIELD_MODULUS;

// --- An independent reference: listHash and BabyJubjub in plain bigints (nothing from core/ or circomlibjs) ---

function refListHash(values: readonly bigint[]): bigint {
  let acc = BigInt(values.length);
  for (let i = 0; i < values.length; i += 7) {
    const chunk = values.slice(i, i + 7);
    while (chunk.length < 7) chunk.push(0n);
    acc = poseidon8([acc, ...chunk]);
  }
  return acc;
}

const mod = (x: bigint) => ((x % p) + p) % p;
function inv(x: bigint): bigint {
  let result = 1n;
  let base = mod(x);
  for (let e = p - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % p;
    base = (base * base) % p;
  }
  return result;
}
type Pt = [bigint, bigint];
const A_COEF = 168700n;
const D_COEF = 168696n;
const BASE8: Pt = [5299619240641551281634865583518297030282874472190772894086521144482721001553n, 16950150798460657717958625567821834550301663161624707787222815936182638968203n];
function add([x1, y1]: Pt, [x2, y2]: Pt): Pt {
  const t = mod(D_COEF * x1 * x2 * y1 * y2);
  return [mod((x1 * y2 + y1 * x2) * inv(1n + t)), mod((y1 * y2 - A_COEF * x1 * x2) * inv(1n - t))];
}
function mul(point: Pt, k: bigint): Pt {
  let result: Pt = [0n, 1n];
  let at = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, at);
    at = add(at, at);
  }
  return result;
}
/** The equation circomlib's EdDSAPoseidonVerifier enforces: S * B8 == R8 + 8 * Poseidon(R8, A, M) * A. */
function refVerify(message: bigint, r8: Pt, s: bigint, key: Pt): boolean {
  const h = poseidon5([r8[0], r8[1], key[0], key[1], message]);
  const left = mul(BASE8, s);
  const right = add(r8, mul(key, 8n * h));
  return s < BABYJUB_SUBORDER && left[0] === right[0] && left[1] === right[1];
}

// --- Fixtures ---

/** circomlib's own EdDSA test key, whose public key iden3 publishes. */
const IDEN3_KEY = new Uint8Array(Buffer.from("0001020304050607080900010203040506070809000102030405060708090001", "hex"));
const IDEN3_PUBLIC_KEY: Pt = [
  13277427435165878497778222415993513565335242147425444199013288855685581939618n,
  13622229784656158136036771217484571176836296686641868549125388198837476602820n,
];

const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TOKENS = ["0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"];
const SYMBOLS = ["USDC", "WETH", "WBTC"];
const AMOUNTS = [123_456_000n, 0n, (1n << 96n) - 1n];
const TIMESTAMP = 1_790_000_000;

let signed: CustodyStatement;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-attestor-"));
  signed = await signStatement({ privateKey: IDEN3_KEY, chainId: 31337, vault: VAULT, tokens: TOKENS, symbols: SYMBOLS, amounts: AMOUNTS, timestamp: TIMESTAMP, name: "Harbor Custody" });
});

/** A deep copy of the signed statement with one change. */
function altered(change: (s: CustodyStatement) => void): CustodyStatement {
  const copy = JSON.parse(JSON.stringify(signed)) as CustodyStatement;
  change(copy);
  return copy;
}

describe("circomlibjs is the scheme the circuit verifies", () => {
  it("works in the BN254 scalar field with circomlib's Poseidon (the same as poseidon-lite)", async () => {
    const e = await eddsa();
    expect(e.F.p).toBe(FIELD_MODULUS);
    const circomlibjsPoseidon = (e as unknown as { poseidon(x: bigint[]): Uint8Array }).poseidon;
    for (const inputs of [[1n, 2n, 3n, 4n, 5n], [p - 1n, 0n, 12345678901234567890n, 7n, p - 2n]]) {
      expect(e.F.toObject(circomlibjsPoseidon.call(e, inputs))).toBe(poseidon5(inputs));
    }
  });

  it("derives iden3's published public key for circomlib's test private key", async () => {
    expect(await publicKeyOf(IDEN3_KEY)).toEqual(IDEN3_PUBLIC_KEY);
  });

  it("signs so that the circuit's equation holds, recomputed independently", () => {
    const f = signatureFields(signed);
    const message = statementMessage({ chainId: 31337n, vault: VAULT, publicKey: IDEN3_PUBLIC_KEY, tokens: TOKENS, timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS });
    expect(refVerify(message, [f.r8x, f.r8y], f.s, [f.ax, f.ay])).toBe(true);
    expect(refVerify(message + 1n, [f.r8x, f.r8y], f.s, [f.ax, f.ay])).toBe(false);
    expect(refVerify(message, [f.r8x, f.r8y], f.s + 1n, [f.ax, f.ay])).toBe(false);
  });

  it("verifies under circomlibjs's verifyPoseidon directly", async () => {
    const e = await eddsa();
    const f = signatureFields(signed);
    const message = statementMessage({ chainId: 31337n, vault: VAULT, publicKey: IDEN3_PUBLIC_KEY, tokens: TOKENS, timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS });
    const sig = { R8: [e.F.e(f.r8x), e.F.e(f.r8y)] as [Uint8Array, Uint8Array], S: f.s };
    const key = [e.F.e(f.ax), e.F.e(f.ay)] as [Uint8Array, Uint8Array];
    expect(e.verifyPoseidon(e.F.e(message), sig, key)).toBe(true);
    expect(e.verifyPoseidon(e.F.e(message - 1n), sig, key)).toBe(false);
  });
});

describe("the message layout", () => {
  it("uses the domain tag 'homeostat/stmt/1' as a big-endian 16-byte integer", () => {
    expect(STATEMENT_DOMAIN).toBe(138818275332112240773180336748436401969n);
    expect(STATEMENT_DOMAIN).toBe(BigInt(`0x${Buffer.from("homeostat/stmt/1", "ascii").toString("hex")}`));
  });

  it("equals an independent recomputation, and a pinned vector", () => {
    const digest = refListHash(TOKENS.map((t) => BigInt(t)));
    expect(tokensDigest(TOKENS)).toBe(digest);
    const expected = refListHash([STATEMENT_DOMAIN, 31337n, BigInt(VAULT), IDEN3_PUBLIC_KEY[0], IDEN3_PUBLIC_KEY[1], digest, BigInt(TIMESTAMP), ...AMOUNTS]);
    const fields = { chainId: 31337n, vault: VAULT, publicKey: IDEN3_PUBLIC_KEY, tokens: TOKENS, timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS };
    expect(statementMessage(fields)).toBe(expected);
    // 10 fields: two Poseidon8 chunks. Pinned so that a layout change shows (the circuit must follow it).
    expect(statementMessage(fields)).toBe(MESSAGE_VECTOR);
    // Every field matters, including the token order.
    expect(statementMessage({ ...fields, tokens: [TOKENS[1]!, TOKENS[0]!, TOKENS[2]!] })).not.toBe(expected);
    expect(statementMessage({ ...fields, publicKey: [IDEN3_PUBLIC_KEY[1], IDEN3_PUBLIC_KEY[0]] })).not.toBe(expected);
  });

  it("refuses out-of-range fields naming them", () => {
    const fields = { chainId: 31337n, vault: VAULT, publicKey: IDEN3_PUBLIC_KEY, tokens: TOKENS, timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS };
    expect(() => statementMessage({ ...fields, amounts: [1n << 96n, 0n, 0n] })).toThrow(/amounts\[0\]/);
    expect(() => statementMessage({ ...fields, amounts: [1n, 2n] })).toThrow(/2 amounts for 3 tokens/);
    expect(() => statementMessage({ ...fields, timestamp: 1n << 64n })).toThrow(/timestamp/);
    expect(() => statementMessage({ ...fields, chainId: -1n })).toThrow(/chainId/);
    expect(() => statementMessage({ ...fields, publicKey: [p, 1n] })).toThrow(/publicKey\[0\]/);
    expect(() => tokensDigest(["0x1234"])).toThrow(/tokens\[0\]/);
  });
});

describe("signing and verifying", () => {
  it("round-trips: the statement parses, verifies, and its fields are the witness's", async () => {
    expect(custodyStatementSchema.parse(JSON.parse(JSON.stringify(signed)))).toEqual(signed);
    expect(signed.attestor).toEqual({ name: "Harbor Custody", publicKey: IDEN3_PUBLIC_KEY.map(String) });
    expect(signed.assets.map((a) => [a.symbol, a.token, a.amount])).toEqual(SYMBOLS.map((s, i) => [s, TOKENS[i], AMOUNTS[i]!.toString()]));
    expect(await verifyStatement(signed)).toEqual({ ok: true });
    const f = signatureFields(signed);
    expect(f).toMatchObject({ timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS, ax: IDEN3_PUBLIC_KEY[0], ay: IDEN3_PUBLIC_KEY[1] });
    expect(f.s < BABYJUB_SUBORDER).toBe(true);
  });

  it("signs with a fresh key too", async () => {
    const key = await createAttestorKey("fresh");
    const statement = await signStatement({ privateKey: key.privateKey, chainId: 1, vault: VAULT, tokens: TOKENS.slice(0, 1), symbols: ["USDC"], amounts: [5n], timestamp: 0 });
    expect(statement.attestor.publicKey).toEqual(key.publicKey.map(String));
    expect(await verifyStatement(statement, { publicKey: key.publicKey })).toEqual({ ok: true });
    expect(await verifyStatement(statement, { publicKey: IDEN3_PUBLIC_KEY })).toMatchObject({ ok: false, reason: expect.stringMatching(/^attestor\.publicKey: signed by /) });
  });

  const tamperings: Array<[string, (s: CustodyStatement) => void]> = [
    ["an amount", (s) => (s.assets[0]!.amount = "123456001")],
    ["a zero amount", (s) => (s.assets[1]!.amount = "1")],
    ["the timestamp", (s) => (s.timestamp += 1)],
    ["the vault", (s) => (s.vault = "0x5FbDB2315678afecb367f032d93F642f64180aa4")],
    ["the chain id", (s) => (s.chainId = 1)],
    ["a token", (s) => (s.assets[2]!.token = "0x0000000000000000000000000000000000000001")],
    ["the token order", (s) => ([s.assets[0], s.assets[1]] = [s.assets[1]!, s.assets[0]!])],
    ["r8", (s) => (s.signature.r8 = [s.signature.r8[1], s.signature.r8[0]])],
    ["s", (s) => (s.signature.s = (BigInt(s.signature.s) + 1n).toString())],
  ];
  for (const [what, change] of tamperings) {
    it(`fails when ${what} is altered`, async () => {
      const result = await verifyStatement(altered(change));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/^(bad signature|signature\.r8: not a point)/);
    });
  }

  it("fails under another attestor's key", async () => {
    const other = await publicKeyOf(generateAttestorKey());
    const result = await verifyStatement(altered((s) => (s.attestor.publicKey = [other[0].toString(), other[1].toString()])));
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^bad signature/) });
  });

  it("does not sign what it was not given: names and symbols are labels", async () => {
    expect(await verifyStatement(altered((s) => (s.attestor.name = "Someone Else")))).toEqual({ ok: true });
    expect(await verifyStatement(altered((s) => (s.assets[0]!.symbol = "USDT")))).toEqual({ ok: true });
  });

  it("refuses keys anyone could sign for: off the curve, the identity, small order", async () => {
    // The identity: S * B8 == R8 holds for any message with R8 = S * B8.
    const forged = altered((s) => {
      s.attestor.publicKey = ["0", "1"];
      const r8 = mul(BASE8, 5n);
      s.signature = { r8: [r8[0].toString(), r8[1].toString()], s: "5" };
    });
    expect(refVerify(statementMessage({ chainId: 31337n, vault: VAULT, publicKey: [0n, 1n], tokens: TOKENS, timestamp: BigInt(TIMESTAMP), amounts: AMOUNTS }), mul(BASE8, 5n), 5n, [0n, 1n])).toBe(true);
    expect(await verifyStatement(forged)).toEqual({ ok: false, reason: expect.stringMatching(/^attestor\.publicKey: the identity point/) });
    // (0, -1) has order 2.
    expect(await verifyStatement(altered((s) => (s.attestor.publicKey = ["0", (p - 1n).toString()])))).toEqual({ ok: false, reason: expect.stringMatching(/not in BabyJubjub's prime-order subgroup/) });
    expect(await verifyStatement(altered((s) => (s.attestor.publicKey = ["0", "0"])))).toEqual({ ok: false, reason: expect.stringMatching(/not a point of BabyJubjub/) });
  });

  it("refuses non-canonical encodings before checking anything", async () => {
    const sPlusOrder = altered((s) => (s.signature.s = (BigInt(s.signature.s) + BABYJUB_SUBORDER).toString()));
    expect(await verifyStatement(sPlusOrder)).toEqual({ ok: false, reason: expect.stringMatching(/signature\.s: not below the BabyJubjub subgroup order/) });
    const keyPlusP = altered((s) => (s.attestor.publicKey[0] = (BigInt(s.attestor.publicKey[0]) + p).toString()));
    expect(await verifyStatement(keyPlusP)).toEqual({ ok: false, reason: expect.stringMatching(/attestor\.publicKey\[0\]: not below the BN254 field modulus/) });
    expect(await verifyStatement(altered((s) => (s.assets[0]!.amount = "0123456000")))).toEqual({ ok: false, reason: expect.stringMatching(/assets\[0\]\.amount/) });
  });

  it("checks the expected chain, vault and key, and the age", async () => {
    expect(await verifyStatement(signed, { chainId: 31337n, vault: VAULT.toLowerCase(), publicKey: IDEN3_PUBLIC_KEY })).toEqual({ ok: true });
    expect(await verifyStatement(signed, { chainId: 1 })).toEqual({ ok: false, reason: "chainId: the statement is for chain 31337, expected 1" });
    expect(await verifyStatement(signed, { vault: TOKENS[0]! })).toEqual({ ok: false, reason: expect.stringMatching(/^vault: the statement is for vault 0x5FbDB/) });
    expect(await verifyStatement(signed, { maxAgeSeconds: 3600, now: TIMESTAMP + 3600 })).toEqual({ ok: true });
    expect(await verifyStatement(signed, { maxAgeSeconds: 3600, now: TIMESTAMP + 3601 })).toEqual({ ok: false, reason: expect.stringMatching(/3601 s old .* older than the 3600 s allowed/) });
    expect(await verifyStatement(signed, { maxAgeSeconds: 3600, now: TIMESTAMP - 301 })).toEqual({ ok: false, reason: expect.stringMatching(/301 s in the future/) });
  });
});

describe("the key file", () => {
  it("is written with mode 0600 and read back", async () => {
    const file = path.join(dir, "fresh.key.json");
    const key = await createAttestorKey("Harbor Custody");
    writeAttestorKey(file, key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(JSON.parse(text)).toEqual({ kind: "homeostat.attestor-key", version: 1, name: "Harbor Custody", privateKey: Buffer.from(key.privateKey).toString("hex"), publicKey: key.publicKey.map(String) });
    expect(await readAttestorKey(file)).toEqual(key);
  });

  it("is not replaced without force", async () => {
    const file = path.join(dir, "kept.key.json");
    const first = await createAttestorKey();
    writeAttestorKey(file, first);
    const before = readFileSync(file, "utf8");
    const second = await createAttestorKey();
    expect(() => writeAttestorKey(file, second)).toThrow(/already exists: refusing to replace a key/);
    expect(readFileSync(file, "utf8")).toBe(before);
    writeAttestorKey(file, second, { force: true });
    expect((await readAttestorKey(file)).publicKey).toEqual(second.publicKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("is refused when its group or others may read it (0644), as ssh does", async () => {
    const file = path.join(dir, "open.key.json");
    writeFileSync(file, attestorKeyFileText({ privateKey: IDEN3_KEY, publicKey: IDEN3_PUBLIC_KEY }));
    chmodSync(file, 0o644);
    await expect(readAttestorKey(file)).rejects.toThrow(new UserError(`permissions 0644 are too open: an attestor key must be readable by its owner only (run: chmod 600 ${file})`, { where: file }).message);
    chmodSync(file, 0o640);
    await expect(readAttestorKey(file)).rejects.toThrow(/permissions 0640 are too open/);
    chmodSync(file, 0o600);
    expect((await readAttestorKey(file)).publicKey).toEqual(IDEN3_PUBLIC_KEY);
  });

  it("is refused when its public key is not the private key's", async () => {
    const file = path.join(dir, "edited.key.json");
    const json = JSON.parse(attestorKeyFileText({ privateKey: IDEN3_KEY, publicKey: IDEN3_PUBLIC_KEY }));
    json.publicKey[1] = "1";
    writeFileSync(file, JSON.stringify(json), { mode: 0o600 });
    await expect(readAttestorKey(file)).rejects.toThrow(`${file}: publicKey: does not belong to privateKey`);
    json.privateKey = "zz";
    writeFileSync(file, JSON.stringify(json), { mode: 0o600 });
    await expect(readAttestorKey(file)).rejects.toThrow(`${file}: privateKey: expected 64 hex digits`);
  });
});

describe("the holdings file", () => {
  const holdings = () => ({
    chainId: 31337,
    vault: VAULT,
    attestor: "Harbor Custody",
    assets: SYMBOLS.map((symbol, i) => ({ symbol, token: TOKENS[i]!, amount: AMOUNTS[i]!.toString() })),
  });
  function refusal(edit: (h: ReturnType<typeof holdings> & Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
    const h = holdings();
    edit(h);
    try {
      parseFile(holdingsFileSchema, JSON.parse(JSON.stringify(h)), "h.json");
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as Error).message).not.toContain("\n");
      return (e as Error).message;
    }
    throw new Error("expected the holdings to be refused");
  }

  it("parses amounts to base units, in the order given", () => {
    const parsed = parseFile(holdingsFileSchema, holdings(), "h.json");
    expect(parsed.assets.map((a) => a.amount)).toEqual(AMOUNTS);
    expect(parsed.chainId).toBe(31337);
  });

  it("names the field of every refusal", () => {
    expect(refusal((h) => (h.assets[2]!.token = TOKENS[0]!.toLowerCase()))).toBe(`h.json: assets[2].token: ${TOKENS[0]!.toLowerCase()} is listed twice (also assets[0].token)`);
    expect(refusal((h) => (h.assets[1]!.symbol = "USDC"))).toBe("h.json: assets[1].symbol: USDC is listed twice (also assets[0].symbol)");
    expect(refusal((h) => (h.assets[0]!.amount = "12.5"))).toMatch(/^h\.json: assets\[0\]\.amount: "12\.5" is not a non-negative integer \(amounts are in base units/);
    expect(refusal((h) => (h.assets[0]!.amount = "-1"))).toMatch(/^h\.json: assets\[0\]\.amount: "-1" is not a non-negative integer$/);
    expect(refusal((h) => (h.assets[1]!.amount = (1n << 96n).toString()))).toBe(`h.json: assets[1].amount: ${1n << 96n} is too large (base units must stay below 2^96)`);
    expect(refusal((h) => ((h.assets[1] as Record<string, unknown>).amount = 5))).toMatch(/^h\.json: assets\[1\]\.amount: expected a base-unit integer string/);
    expect(refusal((h) => (h.vault = "0x123"))).toMatch(/^h\.json: vault: expected a 20-byte hex address/);
    expect(refusal((h) => (h.chainId = 0))).toMatch(/^h\.json: chainId: expected a positive integer chain id/);
    expect(refusal((h) => (h.assets = []))).toMatch(/^h\.json: assets: list every policy asset/);
    expect(refusal((h) => (h.extra = 1))).toMatch(/^h\.json: Unrecognized key\(s\) in object: 'extra'/);
  });
});

/** `statementMessage` of the fixture (see "equals an independent recomputation"). */
const MESSAGE_VECTOR = 17888395021304097819991154119307733085658881343006384751628565294001032942705n;
