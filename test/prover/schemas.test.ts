// Pins the input schemas: each malformed file is refused with ONE line naming the file, the field path and
// the reason; cross-file problems (a policy asset missing from the treasury, a price missing) name theirs.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.ts";
import { loadLiabilities, loadTreasury, policyFields, readUsersFile } from "../../prover/treasury.ts";
import { publicKeyOf } from "../../prover/attestor.ts";
import { randomFieldElement } from "../../prover/state.ts";

const EXAMPLE = path.resolve(import.meta.dirname, "../../examples/small");
type Json = Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
let files: { treasury: string; policy: string; prices: string };
const original = (name: string): Json => JSON.parse(readFileSync(path.join(EXAMPLE, `${name}.json`), "utf8")) as Json;

/** Writes the example with `edit` applied to one file, and returns the error message of loading it. */
function loadError(name: "treasury" | "policy" | "prices", edit: (json: Json) => void): UserError {
  const json = original(name);
  edit(json);
  writeFileSync(files[name], JSON.stringify(json, null, 2));
  try {
    loadTreasury(files);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).not.toContain("\n");
    return e as UserError;
  }
  throw new Error("expected the files to be refused");
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-schemas-"));
  files = { treasury: path.join(dir, "treasury.json"), policy: path.join(dir, "policy.json"), prices: path.join(dir, "prices.json") };
  for (const name of ["treasury", "policy", "prices"] as const) writeFileSync(files[name], JSON.stringify(original(name)));
});

describe("treasury file", () => {
  it("loads the example with exact base units, in policy asset order", () => {
    const t = loadTreasury(files);
    expect(t.policy.assets.map((a) => a.symbol)).toEqual(["USDC", "DAI", "WETH", "WBTC"]);
    expect(t.holdings[4]).toMatchObject({ assetIndex: 2, amount: 95_500_000_000_000_000_000n, venue: "Coinbase Prime" });
    expect(t.prices.assets[2]!.unitPrice).toBe(341_255_000_000n * 10n ** 10n);
  });
  it("names the field of a too-precise amount", () => {
    const e = loadError("treasury", (t) => (t.positions[0].amount = "1.0000001"));
    expect(e.message).toMatch(/treasury\.json: positions\[0\]\.amount: "1\.0000001" has 7 decimals; at most 6 fit exactly \(USDC has 6 decimals\)/);
  });
  it("refuses amounts written as JSON numbers", () => {
    const e = loadError("treasury", (t) => (t.positions[1].amount = 400000));
    expect(e.message).toMatch(/positions\[1\]\.amount: expected a decimal string/);
  });
  it("names an unknown position asset and a bad address", () => {
    expect(loadError("treasury", (t) => (t.positions[2].asset = "DOGE")).message).toMatch(/positions\[2\]\.asset: DOGE is not one of the treasury's assets/);
    expect(loadError("treasury", (t) => (t.assets[1].token = "0x1234")).message).toMatch(/assets\[1\]\.token: expected a 20-byte hex address/);
  });
  it("refuses unknown fields (typos) by name", () => {
    expect(loadError("treasury", (t) => (t.positions[0].ammount = "1")).message).toMatch(/positions\[0\]: Unrecognized key\(s\) in object: 'ammount'/);
  });
  it("refuses amounts of 2^96 base units or more", () => {
    expect(loadError("treasury", (t) => (t.positions[3].amount = "80000000000")).message).toMatch(/positions\[3\]\.amount: .*below 2\^96/);
  });
  it("names the line of a JSON syntax error", () => {
    writeFileSync(files.treasury, '{\n  "assets": [\n    oops\n  ]\n}\n');
    expect(() => loadTreasury(files)).toThrow(/treasury\.json:3: invalid JSON/);
  });
  it("names a missing file", () => {
    expect(() => loadTreasury({ ...files, treasury: path.join(dir, "nope.json") })).toThrow(/nope\.json: no such file/);
  });
});

describe("policy file", () => {
  it("names a cap written as a bare number, a cap above 100% and an unknown scenario asset", () => {
    expect(loadError("policy", (p) => (p.assets[2].cap = 35)).message).toMatch(/policy\.json: assets\[2\]\.cap: expected a percentage string/);
    expect(loadError("policy", (p) => (p.assets[2].cap = "135%")).message).toMatch(/assets\[2\]\.cap: 135% is above 100%/);
    expect(loadError("policy", (p) => (p.scenarios[0].shocks.SOL = "50%")).message).toMatch(/scenarios\[0\]\.shocks\.SOL: SOL is not one of the policy's assets/);
  });
  it("names a liability asset that is not a policy asset and a bad duration", () => {
    expect(loadError("policy", (p) => (p.liabilityAsset = "EURC")).message).toMatch(/liabilityAsset: EURC is not one of the policy's assets/);
    expect(loadError("policy", (p) => (p.assets[0].feed.maxAge = "soon")).message).toMatch(/assets\[0\]\.feed\.maxAge: "soon" is not a duration/);
  });
  it("refuses a policy asset the treasury does not describe", () => {
    const e = loadError("policy", (p) => {
      p.assets[3].symbol = "WBTC2";
      p.scenarios[0].shocks = { WETH: "50%" };
    });
    expect(e.message).toMatch(/treasury\.json: assets\[3\]\.symbol: WBTC is not an asset of the policy/);
  });
  it("converts feed answer bounds with the feed's decimals, exactly", () => {
    expect(loadTreasury(files).policy.assets[0]!.minAnswer).toBe(90_000_000n);
    expect(loadError("policy", (p) => (p.assets[0].feed.minAnswer = "0.000000001")).message).toMatch(/assets\[0\]\.feed\.minAnswer: .*at most 8/);
  });
});

describe("policy attestors", () => {
  it("keeps a null entry as an empty slot, so the attestors after it keep their custody numbers", async () => {
    const meridian = path.resolve(import.meta.dirname, "../../examples/meridian");
    const policy = JSON.parse(readFileSync(path.join(meridian, "policy.json"), "utf8")) as Json;
    const key = await publicKeyOf(new Uint8Array(32).fill(5));
    policy.attestors = [null, { name: "Anchor Trust", publicKey: [key[0].toString(), key[1].toString()] }];
    writeFileSync(files.policy, JSON.stringify(policy));
    for (const name of ["treasury", "prices"] as const) writeFileSync(files[name], readFileSync(path.join(meridian, `${name}.json`)));
    const loaded = loadTreasury(files);
    expect(loaded.policy.attestors).toEqual([{ slot: 2, name: "Anchor Trust", publicKey: key }]);
    expect(policyFields(loaded.policy).attestorKeys).toEqual([[0n, 0n], key]);
    // Three slots listed for an instance with two is refused, naming the field.
    policy.attestors = [null, null, { name: "Anchor Trust", publicKey: [key[0].toString(), key[1].toString()] }];
    writeFileSync(files.policy, JSON.stringify(policy));
    expect(() => loadTreasury(files)).toThrow(/policy\.json: attestors: the policy lists 3 attestor slots; its circuit instance has 2/);
  });
});

describe("prices file", () => {
  it("names a missing price and a too-precise USD price", () => {
    expect(loadError("prices", (p) => delete p.prices.WBTC).message).toMatch(/prices\.json: prices\.WBTC: missing/);
    expect(loadError("prices", (p) => (p.prices.WETH = { usd: "3412.123456789" })).message).toMatch(/prices\.WETH: .*9 decimals; at most 8/);
  });
  it("refuses an entry with both or neither of answer and usd, and a feed update after the snapshot", () => {
    expect(loadError("prices", (p) => (p.prices.DAI = { answer: "100000000", usd: "1" })).message).toMatch(/prices\.DAI: give exactly one of answer/);
    expect(loadError("prices", (p) => (p.prices.DAI.updatedAt = 1893456000)).message).toMatch(/prices\.DAI: updatedAt .* is after the snapshot time/);
  });
});

describe("users file", () => {
  const salts = (_key: string, n: number) => Array.from({ length: n }, randomFieldElement);
  it("builds the in-memory sum tree with the exact total", () => {
    const t = loadTreasury(files);
    const l = loadLiabilities(path.join(EXAMPLE, "users.csv"), t.policy, salts);
    expect(l.kind).toBe("users");
    expect(l.users).toBe(8);
    expect(l.total).toBe(2_000_071_500_000n); // 2,000,071.50 USDC
    expect(l.opening.leftSum + l.opening.rightSum).toBe(l.total);
  });
  it("names the line of a bad balance and of a duplicate user", () => {
    const t = loadTreasury(files);
    const usdc = t.policy.assets[0]!;
    const csv = path.join(dir, "users.csv");
    writeFileSync(csv, "user,balance\nalice,10\nbob,1.0000001\n");
    expect(() => readUsersFile(csv, usdc)).toThrow(/users\.csv:3: "1\.0000001" has 7 decimals/);
    writeFileSync(csv, "user,balance\nalice,10\nbob,2\nalice,3\n");
    expect(() => readUsersFile(csv, usdc)).toThrow(/users\.csv:4: user "alice" appears twice \(first at .*users\.csv:2\)/);
  });
});
