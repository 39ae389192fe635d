// Property test (fast-check, issue #18): generated malformed files thrown at the loaders every command reads
// its input with (treasury, policy, prices, a users file, the streamed liabilities reader, the private state,
// a scenario, a verification key), and at `check` and `prove` themselves, in this process. Each file is
// either accepted or refused with a UserError: one line naming the file (never a TypeError, a RangeError or
// a stack). Files malformed for certain (an invalid UTF-8 byte, truncated JSON, an unknown member, random
// bytes, a size over the cap) are always refused, a bad byte with its exact line and byte offset. Nothing
// is ever written: not the inputs, not an output, not a private state.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.ts";
import { readInputText } from "../../core/node/input-files.ts";
import { PROJECT_ROOT, instanceDir } from "../../core/node/instances.ts";
import { bundledScenarioPath, loadScenario } from "../../keeper/simulate/scenario.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { loadState, randomFieldElement } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury, type Treasury } from "../../prover/treasury.ts";
import { readVkeyFile } from "../../verifier/node.ts";
import { expectOneLineRefusal, homeostatInProcess, snapshot } from "./in-process.ts";

const SMALL = path.join(PROJECT_ROOT, "examples", "small");
const RUNS = 100;

let dir: string;
let treasury: Treasury;

/** A loader under test: reads `file` (the malformed one) as its command would. */
interface Loader {
  name: string;
  /** The well-formed file the malformations start from (ASCII, so an inserted bad byte is the first one). */
  base: () => string;
  /** The name the malformed copy gets (the users loader decides CSV or JSON by it). */
  fileName: string;
  json: boolean;
  /** The top-level object refuses unknown members. */
  strict: boolean;
  load: (file: string) => unknown;
}

const VKEY = path.join(PROJECT_ROOT, instanceDir("solvency-test"), "solvency-test.vkey.json");

const allLoaders: Loader[] = [
  ...(["treasury", "policy", "prices"] as const).map((kind): Loader => ({
    name: `${kind} file`,
    base: () => readFileSync(path.join(SMALL, `${kind}.json`), "utf8"),
    fileName: `${kind}.json`,
    json: true,
    strict: true,
    load: (file: string): unknown => loadTreasury({ treasury: path.join(SMALL, "treasury.json"), policy: path.join(SMALL, "policy.json"), prices: path.join(SMALL, "prices.json"), [kind]: file }),
  })),
  {
    name: "users file (check, prove)",
    base: () => readFileSync(path.join(SMALL, "users.csv"), "utf8"),
    fileName: "users.csv",
    json: false,
    strict: false,
    load: (file) => loadLiabilities(file, treasury.policy, (_key, n) => Array.from({ length: n }, randomFieldElement)),
  },
  {
    name: "liabilities file, streamed (liabilities build)",
    base: () => readFileSync(path.join(SMALL, "users.csv"), "utf8"),
    fileName: "users-stream.csv",
    json: false,
    strict: false,
    load: (file) => readLiabilities(file, { decimals: 6, maxUsers: 16 }),
  },
  {
    name: "private state",
    base: () => `${JSON.stringify({ format: "homeostat-state/1", commitments: {} }, null, 2)}\n`,
    fileName: "state.json",
    json: true,
    strict: true,
    load: (file) => loadState(file),
  },
  {
    name: "scenario file (simulate)",
    base: () => readFileSync(bundledScenarioPath("eth-crash"), "utf8"),
    fileName: "scenario.json",
    json: true,
    strict: true,
    load: (file) => loadScenario(file),
  },
  {
    name: "verification key (verify --vkey)",
    base: () => readFileSync(VKEY, "utf8"),
    fileName: "key.vkey.json",
    json: true,
    strict: false,
    load: (file) => readVkeyFile(file),
  },
];
// The key exists once the test instance is set up.
const loaders = allLoaders.filter((l) => !l.fileName.endsWith(".vkey.json") || existsSync(VKEY));

/** Byte sequences that are never UTF-8, whatever ASCII follows: 0xFF, an overlong '/', a surrogate, > U+10FFFF, ... */
const BAD_SEQUENCES = [[0xff], [0xfe], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]];

/** A malformed variant of `base` and whether it must be refused (and, for a bad byte, where). */
interface Malformed {
  kind: string;
  bytes: Uint8Array;
  /** Refused for certain. */
  refused: boolean;
  /** For a bad byte: the line and byte offset the refusal must name. */
  at?: { line: number; offset: number };
}

function malformed(loader: Loader): fc.Arbitrary<Malformed> {
  const base = Buffer.from(loader.base(), "utf8");
  const lastContent = base.toString("utf8").trimEnd().length;
  const badByte = fc.record({ offset: fc.nat({ max: base.length }), seq: fc.constantFrom(...BAD_SEQUENCES) }).map(({ offset, seq }) => ({
    kind: "invalid UTF-8",
    bytes: Buffer.concat([base.subarray(0, offset), Buffer.from(seq), base.subarray(offset)]),
    refused: true,
    at: { line: base.subarray(0, offset).toString("latin1").split("\n").length, offset },
  }));
  const garbage = fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: "random bytes", bytes, refused: true }));
  const arbitraries: fc.Arbitrary<Malformed>[] = [badByte, garbage];
  if (loader.json) {
    const json = JSON.parse(base.toString("utf8")) as Record<string, unknown>;
    arbitraries.push(
      fc.nat({ max: lastContent - 1 }).map((cut) => ({ kind: "truncated JSON", bytes: base.subarray(0, cut), refused: true })),
      fc.tuple(fc.jsonValue(), fc.nat(), fc.boolean()).map(([value, pick, remove]) => {
        const copy = structuredClone(json);
        const node = pickNode(copy, pick);
        if (remove && node.key !== undefined) delete (node.parent as Record<string, unknown>)[node.key];
        else if (node.key !== undefined) (node.parent as Record<string, unknown>)[node.key] = value;
        return { kind: "a member replaced or removed", bytes: Buffer.from(JSON.stringify(copy)), refused: false };
      }),
    );
    if (loader.strict) {
      arbitraries.push(fc.jsonValue().map((value) => ({ kind: "an unknown member", bytes: Buffer.from(JSON.stringify({ ...json, zzUnknown: value })), refused: true })));
    }
  } else {
    const lines = base.toString("utf8").split("\n");
    arbitraries.push(
      fc.tuple(fc.nat(), fc.string({ unit: "binary", maxLength: 60 })).map(([pick, text]) => {
        const copy = [...lines];
        copy[pick % copy.length] = text;
        return { kind: "a line replaced", bytes: Buffer.from(copy.join("\n")), refused: false };
      }),
    );
  }
  return fc.oneof(...arbitraries);
}

/** The `pick`-th node of a JSON tree (depth first) with its parent and key; the root has none. */
function pickNode(root: unknown, pick: number): { parent?: unknown; key?: string | number } {
  const nodes: Array<{ parent?: unknown; key?: string | number }> = [{}];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value)) {
      nodes.push({ parent: value, key: Array.isArray(value) ? Number(key) : key });
      walk(child);
    }
  };
  walk(root);
  return nodes[pick % nodes.length]!;
}

/** Runs a loader; the outcome is "accepted", or the UserError it refused with (anything else fails the test). */
async function attempt(loader: Loader, file: string): Promise<"accepted" | UserError> {
  try {
    await loader.load(file);
    return "accepted";
  } catch (e) {
    expect(e, `${loader.name}: ${String((e as Error).stack ?? e)}`).toBeInstanceOf(UserError);
    return e as UserError;
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-malformed-"));
  treasury = loadTreasury({ treasury: path.join(SMALL, "treasury.json"), policy: path.join(SMALL, "policy.json"), prices: path.join(SMALL, "prices.json") });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("malformed input files, generated (fast-check)", () => {
  for (const loader of loaders) {
    it(`${loader.name}: accepted or refused with one UserError line naming the file; nothing written`, async () => {
      const file = path.join(dir, loader.fileName);
      const examples = snapshot(SMALL);
      await fc.assert(
        fc.asyncProperty(malformed(loader), async (m) => {
          writeFileSync(file, m.bytes);
          const before = snapshot(dir);
          const outcome = await attempt(loader, file);
          expect(snapshot(dir)).toEqual(before);
          if (m.refused) expect(outcome, m.kind).toBeInstanceOf(UserError);
          if (outcome === "accepted") return;
          expect(outcome.message).not.toContain("\n");
          expect(outcome.where ?? "", m.kind).toMatch(new RegExp(`^(${escape(file)}|--)`));
          if (m.at) {
            expect(outcome.where).toBe(`${file}:${m.at.line}`);
            expect(outcome.reason).toMatch(new RegExp(`not valid UTF-8: byte 0x[0-9A-F]{2} at byte offset ${m.at.offset} of the file`));
          }
        }),
        { numRuns: RUNS },
      );
      expect(snapshot(SMALL)).toEqual(examples);
    });
  }

  it("any input over the size cap is refused naming the cap, whatever it holds", async () => {
    const file = path.join(dir, "big.json");
    await fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.nat(), (bytes, cap) => {
        writeFileSync(file, bytes);
        const limit = cap % bytes.length; // strictly below the size
        expect(() => readInputText(file, limit)).toThrow(new RegExp(`^${escape(file)}: larger than \\d+(\\.\\d)? (bytes|KiB), the limit for this input file$`));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("check and prove on generated malformed files (in process)", () => {
  const files = ["treasury.json", "policy.json", "prices.json", "users.csv"];
  type Spoil = (text: Buffer, name: string) => Buffer;
  const badByte = fc
    .record({ offset: fc.nat(), seq: fc.constantFrom(...BAD_SEQUENCES) })
    .map(({ offset, seq }): Spoil => (text) => Buffer.concat([text.subarray(0, offset % text.length), Buffer.from(seq), text.subarray(offset % text.length)]));
  // Truncation refuses JSON for certain (a users CSV cut at a line end is still a users file): JSON files only.
  const truncated = fc.nat().map((cut): Spoil => (text, name) => (name.endsWith(".json") ? text.subarray(0, cut % text.toString("utf8").trimEnd().length) : Buffer.from([0xff])));
  const garbage = fc.uint8Array({ maxLength: 200 }).map((bytes): Spoil => () => Buffer.from(bytes));
  const certain = fc.tuple(fc.constantFrom(...files), fc.oneof(badByte, truncated, garbage));

  it("every run exits 1 or 2 with one line and no stack; prove writes no bundle and no state; the inputs are untouched", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(certain, fc.boolean(), async ([name, spoil], prove) => {
        const folder = path.join(dir, `cli-${run++}`);
        cpSync(SMALL, folder, { recursive: true });
        writeFileSync(path.join(folder, name), spoil(readFileSync(path.join(folder, name)), name));
        const before = snapshot(folder);
        const out = path.join(folder, "bundle.json");
        const outcome = prove ? await homeostatInProcess("prove", "solvency", "--dir", folder, "--out", out) : await homeostatInProcess("check", "--dir", folder);
        expectOneLineRefusal(outcome, outcome.code === 2 ? 2 : 1);
        expect(snapshot(folder)).toEqual(before);
        expect(existsSync(out) || existsSync(path.join(folder, ".homeostat"))).toBe(false);
        rmSync(folder, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
