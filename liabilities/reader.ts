/**
 * Streaming reader of a liabilities file: one row per user, the user's id and balance in the liability
 * unit as a decimal string, converted exactly to base units. The file is read line by line
 * (core/node/input-files.ts `readInputLines`: checked UTF-8, size and line caps), never as one string,
 * into compact typed arrays: all of it (`readLiabilities`) or a chunk at a time (`readLiabilityChunks`,
 * what `liabilities build` uses, so memory does not grow with the file). A bad row refuses the whole file:
 * the tree builder writes into a temporary folder that is removed on any error.
 *
 * Formats (chosen by `format`, else by the extension `.csv` / `.jsonl` / `.ndjson`, else by the first line):
 *  - CSV: a header line naming the columns, then one row per line. The id column is `user` (or `id`,
 *    `user_id`, `userid`), the balance column `balance` (or `amount`); other columns are ignored. Fields
 *    may be double-quoted (RFC 4180, `""` for a quote inside; a field cannot span lines).
 *  - JSONL: one JSON object per line, `{"user": "alice", "balance": "123.45"}` (`id` works for `user`).
 *    Balances are strings; a JSON number is accepted only when it is a safe integer, since a JSON
 *    number with a fraction has already lost its exact value.
 * Blank lines are skipped (they still count for line numbers). The file must be UTF-8 (a bad byte is
 * refused with its line and byte offset, never replaced: the id would change); a byte-order mark is
 * ignored; lines and the file have size caps (core/node/input-files.ts).
 *
 * Rules (each refusal is a UserError naming `file:line`):
 *  - the id is NFC-normalised and trimmed (core/hash.ts `canonicalUserId`), non-empty, at most
 *    MAX_ID_BYTES bytes of UTF-8, and unique after canonicalisation (checked here when the file is read
 *    whole; by the tree builder, from the sorted id hashes, when it is read in chunks);
 *  - the balance matches `digits[.digits]`, has at most `decimals` fractional digits once trailing zeros
 *    are dropped (no rounding ever), and is below 2^96 base units; so is the running total, because every
 *    sum in the tree, the root's included, must stay below 2^96 (DESIGN section 3);
 *  - at most `maxUsers` rows (2^depth of the tree).
 */
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { AMOUNT_BITS } from "../core/field.ts";
import { canonicalUserId } from "../core/hash.ts";
import { readInputLines } from "../core/node/input-files.ts";
import { isWellFormedText } from "../core/utf8.ts";

/** Largest accepted id, in bytes of canonical UTF-8 (an email address is at most 254). */
export const MAX_ID_BYTES = 1024;
/** Balances and every sum of the tree stay below this many base units. */
export const BALANCE_LIMIT = 1n << BigInt(AMOUNT_BITS);

export type LiabilitiesFormat = "csv" | "jsonl";

export interface ReadOptions {
  /** Decimals of the liability asset: a balance of "1.5" with 6 decimals is 1,500,000 base units. */
  decimals: number;
  /** File format; by default from the extension, else sniffed from the first non-blank line. */
  format?: LiabilitiesFormat;
  /** Most rows accepted (the tree's capacity, 2^depth). */
  maxUsers?: number;
  /** Called now and then with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const ID_COLUMNS = ["user", "id", "user_id", "userid"];
const BALANCE_COLUMNS = ["balance", "amount"];

/**
 * The validated rows, in file order (row i becomes leaf `first + i`), of a whole file or of one chunk. Ids are kept as canonical UTF-8 bytes in one
 * buffer and balances as 16-byte big-endian base units, so a million users take tens of megabytes.
 */
export class LiabilitiesTable {
  constructor(
    /** Number of users. */
    readonly count: number,
    /** Sum of all balances, in base units (< 2^96). */
    readonly total: bigint,
    /** Canonical UTF-8 of every id, concatenated. */
    readonly idBytes: Uint8Array,
    /** `idOffsets[i]..idOffsets[i+1]` is user i's id in `idBytes` (length count + 1). */
    readonly idOffsets: Float64Array,
    /** Balance of user i in base units, 16 bytes big-endian at `16 * i`. */
    readonly balances: Uint8Array,
    /** 1-based line of user i in the source file. */
    readonly lines: Uint32Array,
    /** Row index (leaf index) of user 0 of this table: 0 for a whole file, the chunk's offset for a chunk. */
    readonly first = 0,
  ) {}

  /** Canonical UTF-8 bytes of user i's id. */
  idAt(i: number): Uint8Array {
    return this.idBytes.subarray(this.idOffsets[i]!, this.idOffsets[i + 1]!);
  }

  /** User i's id (canonical form). */
  id(i: number): string {
    return new TextDecoder().decode(this.idAt(i));
  }

  /** User i's balance in base units. */
  balance(i: number): bigint {
    return readU128(this.balances, 16 * i);
  }
}

/** Reads a big-endian unsigned 128-bit integer at `offset`. */
export function readU128(bytes: Uint8Array, offset: number): bigint {
  let v = 0n;
  for (let k = 0; k < 16; k += 4) {
    const word = ((bytes[offset + k]! << 24) | (bytes[offset + k + 1]! << 16) | (bytes[offset + k + 2]! << 8) | bytes[offset + k + 3]!) >>> 0;
    v = (v << 32n) | BigInt(word);
  }
  return v;
}

/** Writes `value` (< 2^128) as 16 bytes big-endian at `offset`. */
export function writeU128(bytes: Uint8Array, offset: number, value: bigint): void {
  for (let k = 15; k >= 0; k--) {
    bytes[offset + k] = Number(value & 0xffn);
    value >>= 8n;
  }
}

/**
 * Parses a balance written in the liability unit into base units, exactly. Throws a RangeError whose
 * message says what is wrong (the caller adds the line).
 */
export function parseBalance(text: string, decimals: number): bigint {
  const t = text.trim();
  if (t === "") throw new RangeError("missing balance");
  if (/^-/.test(t)) throw new RangeError(`negative balance ${JSON.stringify(t)}`);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!match) throw new RangeError(`balance ${JSON.stringify(t)} is not a decimal number (digits with an optional "." and fraction)`);
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new RangeError(`balance ${t} has ${fraction.length} decimals; the liability asset has ${decimals}`);
  }
  const units = BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (units >= BALANCE_LIMIT) throw new RangeError(`balance ${t} is ${units} base units, not below 2^96`);
  return units;
}

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields); undefined when the quoting is broken. */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ",") return undefined;
      i++;
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return undefined;
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Detects the format from the file name; undefined when the extension says nothing. */
export function formatFromName(file: string): LiabilitiesFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  return undefined;
}

/** Growable byte buffer. */
class Bytes {
  data = new Uint8Array(1 << 16);
  length = 0;
  push(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.length + bytes.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(bytes, this.length);
    this.length += bytes.length;
  }
}

/**
 * Duplicate detection without a JS object per id: an open-addressing table of row numbers keyed by a
 * 32-bit FNV-1a hash of the canonical id, confirmed by comparing the bytes.
 */
class IdSet {
  private slots = new Uint32Array(1 << 16); // row + 1, 0 = empty
  private used = 0;

  constructor(private readonly ids: Bytes, private readonly offsets: () => Float64Array) {}

  private static hash(bytes: Uint8Array): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    return h >>> 0;
  }

  private equals(row: number, bytes: Uint8Array): boolean {
    const offsets = this.offsets();
    const start = offsets[row]!;
    const end = offsets[row + 1]!;
    if (end - start !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.ids.data[start + i] !== bytes[i]) return false;
    return true;
  }

  /** The earlier row with these bytes, or -1 after recording `row` (whose bytes must already be stored). */
  addOrFind(row: number, bytes: Uint8Array): number {
    if ((this.used + 1) * 2 > this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    for (let s = IdSet.hash(bytes) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) {
        this.slots[s] = row + 1;
        this.used++;
        return -1;
      }
      if (this.equals(v - 1, bytes)) return v - 1;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    const mask = this.slots.length - 1;
    const offsets = this.offsets();
    for (const v of old) {
      if (v === 0) continue;
      const bytes = this.ids.data.subarray(offsets[v - 1]!, offsets[v]!);
      let s = IdSet.hash(bytes) & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = v;
    }
  }
}

/** Rows per chunk of `readLiabilityChunks`. */
export const CHUNK_ROWS = 1 << 15;

/**
 * Reads and validates a liabilities file. Resolves with every row, or rejects with a UserError naming
 * the first bad row (`file:line: reason`), duplicate ids included.
 */
export async function readLiabilities(file: string, options: ReadOptions): Promise<LiabilitiesTable> {
  for await (const table of readRows(file, options, Number.POSITIVE_INFINITY)) return table;
  throw new Error("unreachable: the reader yields one table or throws");
}

/**
 * Reads and validates a liabilities file in chunks of at most `chunkRows` rows (file order; each chunk's
 * `first` is the row index of its first row), so that memory does not grow with the file. Every rule is
 * checked as in `readLiabilities` except uniqueness, which needs every id: the tree builder finds
 * duplicate ids from the sorted id hashes (liabilities/tree.ts) and names both lines.
 */
export function readLiabilityChunks(file: string, options: ReadOptions, chunkRows = CHUNK_ROWS): AsyncGenerator<LiabilitiesTable> {
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  return readRows(file, options, chunkRows);
}

/** The reader behind both: one table when `chunkRows` is infinite (with the duplicate check), else chunks. */
async function* readRows(file: string, options: ReadOptions, chunkRows: number): AsyncGenerator<LiabilitiesTable> {
  const { decimals } = options;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new UserError(`decimals must be an integer from 0 to 36, got ${decimals}`, { where: "--decimals", exitCode: 2 });
  }
  const maxUsers = options.maxUsers ?? Number.MAX_SAFE_INTEGER;
  let format = options.format ?? formatFromName(file);

  const ids = new Bytes();
  let offsets = new Float64Array(1 << 12);
  let balances = new Uint8Array(16 << 12);
  let lines = new Uint32Array(1 << 12);
  let count = 0; // rows in the current chunk
  let first = 0; // row index of the chunk's first row
  let total = 0n; // of every row so far (the 2^96 rule)
  let chunkTotal = 0n;
  const checkDuplicates = chunkRows === Number.POSITIVE_INFINITY; // the one-table read holds every id
  const seen = new IdSet(ids, () => offsets);
  const takeChunk = (): LiabilitiesTable => {
    const table = new LiabilitiesTable(count, chunkTotal, ids.data.slice(0, ids.length), offsets.slice(0, count + 1), balances.slice(0, 16 * count), lines.slice(0, count), first);
    first += count;
    count = 0;
    chunkTotal = 0n;
    ids.length = 0;
    return table;
  };

  let lineNo = 0;
  let idColumn = -1;
  let balanceColumn = -1;
  let columns = 0;
  function fail(reason: string): never {
    throw new UserError(reason, { where: `${file}:${lineNo}` });
  }

  function addRow(rawId: unknown, rawBalance: unknown): void {
    if (typeof rawId === "number" && Number.isSafeInteger(rawId)) rawId = String(rawId);
    if (typeof rawId !== "string") fail("the user id must be a string");
    if (!isWellFormedText(rawId)) fail("the user id holds an unpaired surrogate (a \\uD800-\\uDFFF escape), which has no UTF-8 form");
    const bytes = canonicalUserId(rawId); // the bytes userIdHash hashes
    if (bytes.length === 0) fail("empty user id");
    if (bytes.length > MAX_ID_BYTES) fail(`user id is ${bytes.length} bytes long; at most ${MAX_ID_BYTES} are accepted`);
    let balanceText: string;
    if (typeof rawBalance === "string") balanceText = rawBalance;
    else if (typeof rawBalance === "number" && Number.isSafeInteger(rawBalance)) balanceText = String(rawBalance);
    else if (typeof rawBalance === "number") fail(`balance ${rawBalance} is a JSON number with a fraction or beyond 2^53: write it as a string ("${rawBalance}")`);
    else if (rawBalance === undefined || rawBalance === null) fail("missing balance");
    else fail("the balance must be a decimal string");
    let units = 0n;
    try {
      units = parseBalance(balanceText, decimals);
    } catch (e) {
      fail((e as Error).message);
    }
    if (first + count >= maxUsers) fail(`more than ${maxUsers} users: the tree holds at most ${maxUsers} (use a larger --depth)`);
    if (count + 2 > offsets.length) {
      const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const next = make(a.length * 2);
        next.set(a as never);
        return next;
      };
      offsets = grow(offsets, (n) => new Float64Array(n));
      lines = grow(lines, (n) => new Uint32Array(n));
      balances = grow(balances, (n) => new Uint8Array(n));
    }
    ids.push(bytes);
    offsets[count + 1] = ids.length;
    const earlier = checkDuplicates ? seen.addOrFind(count, bytes) : -1;
    if (earlier >= 0) fail(`duplicate user id ${JSON.stringify(rawId.normalize("NFC").trim())} (first on line ${lines[earlier]})`);
    total += units;
    chunkTotal += units;
    if (total >= BALANCE_LIMIT) fail("the total of the balances reaches 2^96 base units here; every sum of the tree must stay below 2^96");
    writeU128(balances, 16 * count, units);
    lines[count] = lineNo;
    count++;
  }

  // Line by line, each checked as UTF-8 (a bad byte is refused with its line and offset), the size capped.
  for await (const batch of readInputLines(file, options.onProgress ? { onProgress: options.onProgress } : {})) {
    for (const line of batch) {
      lineNo++;
      if (line.trim() === "") continue;
      if (!format) format = line.trimStart().startsWith("{") ? "jsonl" : "csv";
      if (format === "jsonl") {
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          fail("malformed line: not a JSON object");
        }
        if (!row || typeof row !== "object" || Array.isArray(row)) fail("malformed line: not a JSON object");
        const record = row as Record<string, unknown>;
        const rawId = record.user ?? record.id;
        if (rawId === undefined) fail('malformed line: no "user" field');
        addRow(rawId, record.balance);
        if (count >= chunkRows) yield takeChunk();
      } else if (idColumn < 0) {
        const header = splitCsvLine(line)?.map((h) => h.trim().toLowerCase());
        if (!header) fail("malformed CSV header");
        idColumn = header.findIndex((h) => ID_COLUMNS.includes(h));
        balanceColumn = header.findIndex((h) => BALANCE_COLUMNS.includes(h));
        if (idColumn < 0 || balanceColumn < 0) {
          fail(`the first line must be a CSV header naming the columns "user" and "balance" (got ${JSON.stringify(line.slice(0, 80))})`);
        }
        columns = header.length;
      } else {
        const fields = splitCsvLine(line);
        if (!fields) fail("malformed line: broken quoting");
        if (fields.length !== columns) fail(`malformed line: ${fields.length} fields, the header has ${columns}`);
        addRow(fields[idColumn], fields[balanceColumn]);
        if (count >= chunkRows) yield takeChunk();
      }
    }
  }
  if (format === "csv" && idColumn < 0) throw new UserError("empty file: no header and no rows", { where: file });
  if (first + count === 0) throw new UserError("no users in the file", { where: file });
  if (count > 0) yield takeChunk();
}
