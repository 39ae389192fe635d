/**
 * Reading the files a user hands a command: every input goes through here, so every refusal is the same
 * kind of one line (`file[:line]: reason`). An input file has a size cap (a file, a pipe or a device such
 * as /dev/zero is read up to the cap and no further), must be UTF-8 (a bad byte is refused with its line
 * and byte offset, core/utf8.ts) and may start with a byte-order mark. Whole files are read at once;
 * `readInputLines` streams a large one (the liabilities) line by line with a cap per line.
 */
import { isUtf8 } from "node:buffer";
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from "node:fs";
import { UserError, systemErrorReason } from "../errors.ts";
import { parseJsonText } from "../json-position.ts";
import { decodeUtf8Strict, hasByteOrderMark, invalidUtf8Error, invalidUtf8Offset } from "../utf8.ts";

/** Largest input file read whole (treasury, policy, prices, users, bundles, keys, proofs, state): 64 MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Largest streamed liabilities file: 2^20 users with ids of the longest accepted length fit. */
export const MAX_STREAM_BYTES = 2 * 1024 * 1024 * 1024;
/** Largest line of a streamed file (an id is at most 1 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;

/** `64 MiB`, `1.5 KiB`. */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

/** The refusal for a file that cannot be opened or read. */
export function unreadable(e: unknown, file: string): UserError {
  if (e instanceof UserError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "no such file" : (systemErrorReason(e) ?? (e as Error).message);
  return new UserError(code === "ENOENT" || code === "EISDIR" ? reason : `cannot read (${reason})`, { where: file, cause: e });
}

function tooLarge(file: string, limit: number): UserError {
  return new UserError(`larger than ${formatBytes(limit)}, the limit for this input file`, { where: file });
}

/** Reads a whole input file, refusing a folder and anything past `maxBytes` (checked while reading). */
export function readInputBytes(file: string, maxBytes: number = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw unreadable(e, file);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError("is a folder, expected a file", { where: file });
    if (st.isFile() && st.size > maxBytes) throw tooLarge(file, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      // One byte past the cap is enough to know: a device such as /dev/zero never ends.
      if (total > maxBytes) throw tooLarge(file, maxBytes);
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    throw unreadable(e, file);
  } finally {
    closeSync(fd);
  }
}

/** Decodes an input file's bytes as UTF-8 (byte-order mark dropped); a bad byte names its line and offset. */
export function decodeInputText(bytes: Uint8Array, file: string): string {
  return decodeUtf8Strict(bytes, file, isUtf8);
}

/** Reads a whole input file as UTF-8 text (byte-order mark dropped). */
export function readInputText(file: string, maxBytes: number = MAX_INPUT_BYTES): string {
  return decodeInputText(readInputBytes(file, maxBytes), file);
}

/** Reads and parses a JSON input file; a syntax error names the line and column. */
export function readJsonInput(file: string, maxBytes: number = MAX_INPUT_BYTES): unknown {
  return parseJsonText(readInputText(file, maxBytes), file);
}

/** Options of `readInputLines`. */
export interface LineOptions {
  /** Refuse the file past this many bytes (default MAX_STREAM_BYTES). */
  maxBytes?: number;
  /** Refuse a line longer than this many bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Called after each chunk with the bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Streams a text file's lines (ending with \n or \r\n; the last may lack it), checked as UTF-8, in batches
 * (one per chunk read: a promise per line would cost more than the reading). Every line is yielded, blank
 * ones included, so the n-th line yielded is line n of the file. A bad byte is refused when its line is
 * reached, after the lines before it (so refusals come in file order).
 */
export async function* readInputLines(file: string, options: LineOptions = {}): AsyncGenerator<string[]> {
  const maxBytes = options.maxBytes ?? MAX_STREAM_BYTES;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UserError("is a folder, expected a file", { where: file });
    size = st.size;
  } catch (e) {
    throw unreadable(e, file);
  }
  if (size > maxBytes) throw tooLarge(file, maxBytes);

  let line = 0; // lines yielded so far
  let offset = 0; // file offset of `pending`'s first byte
  let pending: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  const longLine = (at = line + 1): UserError => new UserError(`a line longer than ${formatBytes(maxLineBytes)} (is this the right file?)`, { where: `${file}:${at}` });

  /**
   * The complete lines of `bytes` (which ends at a line end, or at the end of the file), and the refusal of
   * a bad byte's line, which comes after the lines before it.
   */
  function linesOf(bytes: Buffer): { lines: string[]; error?: UserError } {
    const bad = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
    // Decoded at once and split as a string: a decode per line costs more than the reading.
    const goodEnd = bad < 0 ? bytes.length : bytes.lastIndexOf(0x0a, bad) + 1;
    const text = bytes.toString("utf8", 0, goodEnd);
    const lines: string[] = [];
    let start = 0;
    while (start < text.length) {
      let stop = text.indexOf("\n", start);
      if (stop < 0) stop = text.length;
      // A UTF-16 unit is 1 to 3 UTF-8 bytes: count the bytes only for a line that could be too long.
      const units = stop - start;
      if (units > maxLineBytes || (units * 3 > maxLineBytes && Buffer.byteLength(text.slice(start, stop)) > maxLineBytes)) {
        return { lines, error: longLine(line + lines.length + 1) };
      }
      lines.push(text.slice(start, stop > start && text.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop));
      start = stop + 1;
    }
    if (bad < 0) return { lines };
    return { lines, error: invalidUtf8Error(bytes.subarray(goodEnd), bad - goodEnd, file, { offset: offset + goodEnd, line: line + lines.length + 1 }) };
  }

  /** Hands out the lines of `bytes`, then their refusal if any. */
  function* emit(bytes: Buffer): Generator<string[]> {
    const { lines, error } = linesOf(bytes);
    line += lines.length;
    if (lines.length) yield lines;
    if (error) throw error;
  }

  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      if (bytesRead > maxBytes) throw tooLarge(file, maxBytes);
      let bytes = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (offset === 0 && line === 0 && bytes.length >= 3 && hasByteOrderMark(bytes)) {
        bytes = bytes.subarray(3);
        offset = 3;
      }
      const last = bytes.lastIndexOf(0x0a);
      if (last < 0) {
        if (bytes.length > maxLineBytes) throw longLine();
        pending = bytes;
      } else {
        pending = Buffer.from(bytes.subarray(last + 1));
        yield* emit(bytes.subarray(0, last + 1));
        offset += last + 1;
        if (pending.length > maxLineBytes) throw longLine();
      }
      options.onProgress?.(bytesRead, size);
    }
    if (pending.length) yield* emit(pending);
  } catch (e) {
    throw unreadable(e, file);
  } finally {
    stream.destroy();
  }
}
