// Pins `homeostat attestor keygen|sign|verify` as a user meets them: keygen writes a 0600 key file and prints
// only the public key (the real binary, in a child process: its umask and file modes are the user's); sign
// turns a holdings file into a statement that verifies; verify accepts it (with the expected key, chain,
// vault and age) and refuses a tampered one with one line and exit 3; bad input is one line and writes
// nothing. The rest runs in this process (test/cli/in-process.ts).
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { CustodyStatement } from "../../core/attestation.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { verifyStatement } from "../../prover/attestor.ts";
import { expectOneLineRefusal, homeostatInProcess as homeostat, snapshot } from "./in-process.ts";

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, "bin", "homeostat.mjs");

const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const HOLDINGS = {
  chainId: 31337,
  vault: VAULT,
  attestor: "Harbor Custody",
  assets: [
    { symbol: "USDC", token: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", amount: "123456000" },
    { symbol: "WETH", token: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", amount: "0" },
    { symbol: "WBTC", token: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9", amount: "250000000" },
  ],
};
const TIMESTAMP = "1790000000";

let dir: string;
let keyFile: string;
let publicKey: [string, string];
let privateKey: string;
let holdingsFile: string;
let statementFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-cli-attestor-"));
  keyFile = path.join(dir, "harbor.key.json");
  holdingsFile = path.join(dir, "holdings.json");
  statementFile = path.join(dir, "statement.json");
  writeFileSync(holdingsFile, JSON.stringify(HOLDINGS, null, 2));
});

describe("homeostat attestor keygen", () => {
  it("writes a 0600 key file and prints the public key, never the private key (the real binary)", async () => {
    const { stdout, stderr } = await run(process.execPath, [BIN, "attestor", "keygen", "--out", keyFile, "--name", "Harbor Custody"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = JSON.parse(readFileSync(keyFile, "utf8")) as { kind: string; name: string; privateKey: string; publicKey: [string, string] };
    expect(key).toMatchObject({ kind: "homeostat.attestor-key", version: 1, name: "Harbor Custody" });
    expect(key.privateKey).toMatch(/^[0-9a-f]{64}$/);
    ({ publicKey, privateKey } = key);
    expect(stdout).toContain(`public key: ${publicKey[0]},${publicKey[1]}`);
    expect(stdout + stderr).not.toContain(privateKey);
    expect(stdout + stderr).not.toContain(privateKey.toUpperCase());
  });

  it("prints JSON with --json, still without the private key", async () => {
    const file = path.join(dir, "json.key.json");
    const out = await homeostat("attestor", "keygen", "--out", file, "--json");
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as { out: string; publicKey: string[] };
    const key = JSON.parse(readFileSync(file, "utf8")) as { privateKey: string; publicKey: string[] };
    expect(json).toEqual({ out: file, publicKey: key.publicKey });
    expect(out.stdout + out.stderr).not.toContain(key.privateKey);
  });

  it("refuses to replace a key without --force (exit 2, one line, the file untouched)", async () => {
    const before = snapshot(dir);
    const out = await homeostat("attestor", "keygen", "--out", keyFile);
    expectOneLineRefusal(out, 2, /harbor\.key\.json: already exists: refusing to replace a key.*--force replaces it$/);
    expect(snapshot(dir)).toEqual(before);
    const other = path.join(dir, "forced.key.json");
    expect((await homeostat("attestor", "keygen", "--out", other)).code).toBe(0);
    const first = readFileSync(other, "utf8");
    expect((await homeostat("attestor", "keygen", "--out", other, "--force")).code).toBe(0);
    expect(readFileSync(other, "utf8")).not.toBe(first);
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });
});

describe("homeostat attestor sign", () => {
  it("signs the holdings into a statement that verifies", async () => {
    const out = await homeostat("attestor", "sign", "--key", keyFile, "--holdings", holdingsFile, "--out", statementFile, "--timestamp", TIMESTAMP);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^custody statement signed by "Harbor Custody" at 1790000000 \(2026-09-21T\d\d:\d\d:\d\dZ\) for vault 0x5FbDB2315678afecb367f032d93F642f64180aa3 on chain 31337 -> /);
    expect(out.stdout).toMatch(/USDC +123456000 base units/);
    expect(out.stdout).not.toContain(privateKey);
    const statement = JSON.parse(readFileSync(statementFile, "utf8")) as CustodyStatement;
    expect(statement).toMatchObject({ kind: "homeostat.custody-statement", version: 1, chainId: 31337, vault: VAULT, timestamp: 1790000000, attestor: { name: "Harbor Custody", publicKey } });
    expect(statement.assets).toEqual(HOLDINGS.assets);
    expect(await verifyStatement(statement, { publicKey: [BigInt(publicKey[0]), BigInt(publicKey[1])] })).toEqual({ ok: true });
  });

  it("uses the current time by default", async () => {
    const file = path.join(dir, "now.json");
    const before = Math.floor(Date.now() / 1000);
    const out = await homeostat("attestor", "sign", "--key", keyFile, "--holdings", holdingsFile, "--out", file, "--json");
    expect(out.code, out.stderr).toBe(0);
    const { statement } = JSON.parse(out.stdout) as { statement: CustodyStatement };
    expect(statement.timestamp).toBeGreaterThanOrEqual(before);
    expect(statement.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(statement);
  });

  it("refuses bad holdings with one line naming the field, writing nothing", async () => {
    const bad = path.join(dir, "bad-holdings.json");
    writeFileSync(bad, JSON.stringify({ ...HOLDINGS, assets: [HOLDINGS.assets[0], { ...HOLDINGS.assets[1], amount: "1.5" }] }));
    const out = path.join(dir, "never.json");
    const before = snapshot(dir);
    const result = await homeostat("attestor", "sign", "--key", keyFile, "--holdings", bad, "--out", out);
    expectOneLineRefusal(result, 1, /bad-holdings\.json: assets\[1\]\.amount: "1\.5" is not a non-negative integer/);
    expect(existsSync(out)).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses a key file others may read, writing nothing", async () => {
    const open = path.join(dir, "open.key.json");
    writeFileSync(open, readFileSync(keyFile));
    chmodSync(open, 0o644);
    const out = path.join(dir, "never.json");
    const result = await homeostat("attestor", "sign", "--key", open, "--holdings", holdingsFile, "--out", out);
    expectOneLineRefusal(result, 1, /open\.key\.json: permissions 0644 are too open: .*chmod 600/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a key that is not the holdings' attestor's", async () => {
    const file = path.join(dir, "other.key.json");
    expect((await homeostat("attestor", "keygen", "--out", file, "--name", "Other Bank")).code).toBe(0);
    const result = await homeostat("attestor", "sign", "--key", file, "--holdings", holdingsFile, "--out", path.join(dir, "never.json"));
    expectOneLineRefusal(result, 1, /holdings\.json: attestor: the holdings are "Harbor Custody"'s but the key .* is "Other Bank"'s/);
  });

  it("refuses a bad --timestamp (exit 2)", async () => {
    const result = await homeostat("attestor", "sign", "--key", keyFile, "--holdings", holdingsFile, "--out", path.join(dir, "never.json"), "--timestamp", "yesterday");
    expectOneLineRefusal(result, 2, /^homeostat: --timestamp: "yesterday" is neither unix seconds nor an ISO-8601 time/);
  });
});

describe("homeostat attestor verify", () => {
  it("accepts the signed statement, with the expected key, chain, vault and age", async () => {
    const plain = await homeostat("attestor", "verify", statementFile);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^valid custody statement: "Harbor Custody" holds for vault 0x5FbDB/);
    expect(plain.stdout).toMatch(/NOT checked against a trusted key/);
    const strict = await homeostat("attestor", "verify", statementFile, "--public-key", publicKey.join(","), "--chain-id", "31337", "--vault", VAULT.toLowerCase(), "--json");
    expect(strict.code, strict.stderr).toBe(0);
    expect(JSON.parse(strict.stdout)).toMatchObject({ valid: true, keyChecked: true, statement: { timestamp: 1790000000 } });
  });

  it("refuses a tampered statement with one line and exit 3", async () => {
    const tampered = path.join(dir, "tampered.json");
    const statement = JSON.parse(readFileSync(statementFile, "utf8")) as CustodyStatement;
    statement.assets[0]!.amount = "923456000";
    writeFileSync(tampered, JSON.stringify(statement, null, 2));
    const out = await homeostat("attestor", "verify", tampered);
    expectOneLineRefusal(out, 3, /^homeostat: .*tampered\.json: bad signature: the signature does not match/);
    const json = await homeostat("attestor", "verify", tampered, "--json");
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ valid: false, reason: expect.stringMatching(/^bad signature/) });
  });

  it("refuses another key, chain, vault, or an old statement (exit 3)", async () => {
    const other = JSON.parse(readFileSync(path.join(dir, "json.key.json"), "utf8")) as { publicKey: string[] };
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--public-key", other.publicKey.join(",")), 3, /attestor\.publicKey: signed by /);
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--chain-id", "1"), 3, /chainId: the statement is for chain 31337, expected 1$/);
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--vault", HOLDINGS.assets[0]!.token), 3, /vault: the statement is for vault/);
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--max-age", "25h"), 3, /s old \(signed at 1790000000\), older than the 90000 s allowed/);
  });

  it("refuses a malformed statement (exit 1) and bad flags (exit 2) with one line", async () => {
    const broken = path.join(dir, "broken.json");
    const statement = JSON.parse(readFileSync(statementFile, "utf8")) as CustodyStatement;
    statement.signature.s = "-1";
    writeFileSync(broken, JSON.stringify(statement));
    expectOneLineRefusal(await homeostat("attestor", "verify", broken), 1, /broken\.json: signature\.s: expected a decimal integer string/);
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--public-key", "12"), 2, /^homeostat: --public-key: expected AX,AY/);
    expectOneLineRefusal(await homeostat("attestor", "verify", statementFile, "--max-age", "soon"), 2, /^homeostat: --max-age: "soon" is not a duration/);
    expectOneLineRefusal(await homeostat("attestor", "verify", path.join(dir, "missing.json")), 1, /missing\.json: no such file/);
  });

  it("explains itself in --help", async () => {
    const help = await homeostat("attestor", "verify", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 valid; 3 invalid/);
    expect(help.stdout).toMatch(/Without --public-key/);
  });
});
