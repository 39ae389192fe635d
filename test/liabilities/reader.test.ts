// Pins the liabilities file reader (liabilities/reader.ts): exact decimal conversion, CSV and JSONL
// rows, and the refusal of every kind of bad row with its line number (an invalid UTF-8 byte with its byte
// offset, in whichever chunk it lies; an endless line at the cap); and that `liabilities build` on a bad
// file writes nothing.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.ts";
import { parseBalance, readLiabilities, splitCsvLine } from "../../liabilities/reader.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function file(content: string, ext = "csv"): string {
  const f = path.join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(f, content);
  return f;
}

/** Reads `content` and returns the UserError's where/message. */
async function refusal(content: string, ext = "csv", options: { decimals?: number; maxUsers?: number } = {}): Promise<{ line: string; message: string }> {
  const f = file(content, ext);
  try {
    await readLiabilities(f, { decimals: options.decimals ?? 6, ...(options.maxUsers ? { maxUsers: options.maxUsers } : {}) });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const err = e as UserError;
    return { line: err.where!.slice(f.length + 1), message: err.message };
  }
  throw new Error("expected a refusal");
}

describe("parseBalance", () => {
  it("converts decimal strings exactly to base units", () => {
    expect(parseBalance("10.5", 6)).toBe(10_500_000n);
    expect(parseBalance("0.000001", 6)).toBe(1n);
    expect(parseBalance("7", 0)).toBe(7n);
    expect(parseBalance("1.2300000", 6)).toBe(1_230_000n); // trailing zeros lose nothing
    expect(parseBalance("79228162514264.337593543950335", 15)).toBe((1n << 96n) - 1n);
  });
  it("refuses what would be rounded, wrapped or guessed", () => {
    expect(() => parseBalance("1.0000001", 6)).toThrow(/7 decimals/);
    expect(() => parseBalance("-1", 6)).toThrow(/negative/);
    expect(() => parseBalance("1e6", 6)).toThrow(/not a decimal/);
    expect(() => parseBalance("1,000", 6)).toThrow(/not a decimal/);
    expect(() => parseBalance(".5", 6)).toThrow(/not a decimal/);
    expect(() => parseBalance("", 6)).toThrow(/missing/);
    expect(() => parseBalance("79228162514264.337593543950336", 15)).toThrow(/2\^96/);
  });
});

describe("splitCsvLine", () => {
  it("handles RFC 4180 quotes", () => {
    expect(splitCsvLine('a,"b,c","d""e",')).toEqual(["a", "b,c", 'd"e', ""]);
    expect(splitCsvLine('"unterminated')).toBeUndefined();
    expect(splitCsvLine('a"b,c')).toBeUndefined();
  });
});

describe("readLiabilities", () => {
  it("reads CSV (any column order, quotes, BOM, CRLF, blank lines) in file order", async () => {
    const t = await readLiabilities(file('\ufeffbalance,note,user\r\n10.5,x,alice\r\n\r\n3,"y, z",  bob  \r\n0,,"c,arol"\r\n'), { decimals: 6 });
    expect(t.count).toBe(3);
    expect([t.id(0), t.id(1), t.id(2)]).toEqual(["alice", "bob", "c,arol"]);
    expect([t.balance(0), t.balance(1), t.balance(2)]).toEqual([10_500_000n, 3_000_000n, 0n]);
    expect(t.total).toBe(13_500_000n);
    expect(Array.from(t.lines)).toEqual([2, 4, 5]);
  });

  it("reads JSONL (strings, safe-integer numbers, `id` for `user`)", async () => {
    const t = await readLiabilities(file('{"user":"a","balance":"1.25"}\n{"id":"b","balance":2}\n{"user":42,"balance":"0"}\n', "jsonl"), { decimals: 2 });
    expect([t.id(0), t.id(1), t.id(2)]).toEqual(["a", "b", "42"]);
    expect([t.balance(0), t.balance(1), t.balance(2)]).toEqual([125n, 200n, 0n]);
  });

  it("sniffs the format when the extension says nothing", async () => {
    const t = await readLiabilities(file('{"user":"a","balance":"1"}\n', "txt"), { decimals: 0 });
    expect(t.count).toBe(1);
  });

  it("refuses each kind of bad row with its line number", async () => {
    const cases: Array<[string, string, RegExp, string?]> = [
      ["user,balance\nalice,1\nbob,-2\n", "3", /negative balance/],
      ["user,balance\nalice,abc\n", "2", /not a decimal number/],
      ["user,balance\nalice,1.0000001\n", "2", /7 decimals; the liability asset has 6/],
      ["user,balance\nalice,79228162514264337593543950336\n", "2", /not below 2\^96/],
      ["user,balance\nalice,1\n\nbob,2\nalice,3\n", "5", /duplicate user id "alice" \(first on line 2\)/],
      ["user,balance\ne\u0301,1\n\u00e9,2\n", "3", /duplicate user id/], // same id after NFC normalisation
      ["user,balance\n  alice ,1\nalice,2\n", "3", /duplicate user id/], // same id after trimming
      ["user,balance\nalice,1,extra\n", "2", /malformed line: 3 fields/],
      ['user,balance\n"alice,1\n', "2", /broken quoting/],
      ["user,balance\n ,1\n", "2", /empty user id/],
      ["user,balance\nalice,\n", "2", /missing balance/],
      ["name,amount\nalice,1\n", "1", /header naming the columns "user" and "balance"/],
      ["user,balance\nalice,40000000000000000000000000000\nbob,40000000000000000000000000000\n", "3", /total of the balances reaches 2\^96/, "0"],
      ['{"user":"a","balance":"1"}\n{"user":"b","balance":1.5}\n', "2", /JSON number with a fraction/, "jsonl"],
      ['{"user":"a","balance":"1"}\nnot json\n', "2", /malformed line: not a JSON object/, "jsonl"],
      ['{"user":"a","balance":"1"}\n["a","1"]\n', "2", /not a JSON object/, "jsonl"],
      ['{"balance":"1"}\n', "1", /no "user" field/, "jsonl"],
    ];
    for (const [content, line, reason, extra] of cases) {
      const ext = extra === "jsonl" ? "jsonl" : "csv";
      const decimals = extra === "0" ? 0 : 6;
      const r = await refusal(content, ext, { decimals });
      expect({ content, line: r.line }).toEqual({ content, line });
      expect(r.message).toMatch(reason);
    }
  });

  it("refuses more users than the tree holds, at the first row too many", async () => {
    const r = await refusal("user,balance\na,1\nb,1\nc,1\n", "csv", { maxUsers: 2 });
    expect(r.line).toBe("4");
    expect(r.message).toMatch(/more than 2 users/);
  });

  it("refuses an empty file and a missing file", async () => {
    await expect(readLiabilities(file(""), { decimals: 6 })).rejects.toThrow(/empty file/);
    await expect(readLiabilities(file("user,balance\n"), { decimals: 6 })).rejects.toThrow(/no users/);
    await expect(readLiabilities(path.join(dir, "nope.csv"), { decimals: 6 })).rejects.toThrow(/no such file/);
  });

  it("refuses a bad byte past the first chunk with its exact line and byte offset, after the rows before it", async () => {
    // ~2 MiB of rows: the file is read in 1 MiB chunks, so the bad byte lies in a later one.
    const rows = Array.from({ length: 60_000 }, (_, i) => `user-${String(i).padStart(8, "0")}@example.com,1`);
    const head = `\ufeffuser,balance\r\n${rows.join("\r\n")}\r\nbad-`;
    const f = path.join(dir, "late-bad-byte.csv");
    writeFileSync(f, Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28]), Buffer.from("id,1\r\n")]));
    await expect(readLiabilities(f, { decimals: 6 })).rejects.toThrow(`${f}:60002: not valid UTF-8: byte 0xC3 at byte offset ${Buffer.byteLength(head)} of the file`);
    // A bad row before it is reported first (file order).
    rows[10] = "user-x,-1";
    writeFileSync(f, Buffer.concat([Buffer.from(`user,balance\n${rows.join("\n")}\nbad-`), Buffer.from([0xff]), Buffer.from(",1\n")]));
    await expect(readLiabilities(f, { decimals: 6 })).rejects.toThrow(`${f}:12: negative balance`);
  });

  it("refuses a line over 64 KiB and a device that never ends, instead of reading until memory runs out", async () => {
    const f = file(`user,balance\n${"x".repeat(70_000)},1\n`);
    await expect(readLiabilities(f, { decimals: 6 })).rejects.toThrow(`${f}:2: a line longer than 64 KiB`);
    await expect(readLiabilities("/dev/zero", { decimals: 6 })).rejects.toThrow("/dev/zero:1: a line longer than 64 KiB");
    // The cap is in bytes: 30,000 three-byte characters are 90,000 bytes, though fewer than 64 Ki characters.
    const wide = file(`user,balance\n${"€".repeat(30_000)},1\n`);
    await expect(readLiabilities(wide, { decimals: 6 })).rejects.toThrow(`${wide}:2: a line longer than 64 KiB`);
    const fits = file(`user,balance\n${"€".repeat(20_000)},1\n`);
    await expect(readLiabilities(fits, { decimals: 6 })).rejects.not.toThrow(/longer than/);
  });

  it("finds duplicates among many ids (the compact id set grows correctly)", async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `user-${i},1`);
    rows.push("user-31337,2");
    const r = await refusal(`user,balance\n${rows.join("\n")}\n`);
    expect(r.line).toBe("50002");
    expect(r.message).toMatch(/first on line 31339/);
  });
});

describe("homeostat liabilities build on a bad file", () => {
  it("exits non-zero with one line naming file:line, and writes nothing", async () => {
    const bad = file("user,balance\nalice,1\nbob,-5\n");
    const out = path.join(dir, "tree-bad");
    const run = promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, "bin/homeostat.mjs"), "liabilities", "build", "--in", bad, "--out", out, "--depth", "4", "--json"]);
    const err = (await run.then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string; stdout: string } | undefined;
    expect(err).toBeDefined();
    expect(err!.code).toBe(1);
    expect(err!.stdout).toBe("");
    expect(err!.stderr.trim()).toBe(`homeostat: ${bad}:3: negative balance "-5"`);
    expect(existsSync(out)).toBe(false);
    expect((await import("node:fs")).readdirSync(dir).filter((n) => n.includes("tree-bad"))).toEqual([]);
  });

  it("refuses a duplicate id found after the streamed pass (by the id sort) the same way: one line, both lines named, nothing written", async () => {
    const bad = file("user,balance\nalice,1\nbob,2\n Alice ,3\nalice ,4\n");
    const out = path.join(dir, "tree-dup");
    const run = promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, "bin/homeostat.mjs"), "liabilities", "build", "--in", bad, "--out", out, "--depth", "4"]);
    const err = (await run.then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string; stdout: string } | undefined;
    expect(err).toBeDefined();
    expect(err!.code).toBe(1);
    expect(err!.stdout).toBe("");
    expect(err!.stderr.trim().split("\n").pop()).toBe(`homeostat: ${bad}:5: duplicate user id "alice" (first on line 2)`);
    expect(existsSync(out)).toBe(false);
    expect((await import("node:fs")).readdirSync(dir).filter((n) => n.includes("tree-dup"))).toEqual([]);
  });
});
