/**
 * Strict UTF-8 for text inputs. A decoder that repairs a bad byte (U+FFFD in its place) changes the text
 * the user wrote: a user id becomes one whose hash the user can never recompute, and two different ids
 * become the same one. So input text is refused, naming the line and the byte offset, instead of
 * repaired. A leading byte-order mark is accepted (and dropped) everywhere, as browsers do. Browser-safe.
 */
import { UserError } from "./errors.ts";

/** True when `bytes` starts with the UTF-8 byte-order mark EF BB BF. */
export function hasByteOrderMark(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/**
 * Offset of the first byte in `bytes[start, end)` that is not part of a well-formed UTF-8 sequence (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1. A sequence cut off at `end` is invalid at
 * its first byte.
 */
export function invalidUtf8Offset(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte depends on the first; later bytes are 80..BF.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > end) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

/** 1-based line of byte `offset` in `bytes` (lines end with \n). */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * The refusal for a bad byte at `offset` of `bytes`: `file:line: not valid UTF-8 ...`. `at` places `bytes` in
 * the file (its first byte's offset and line) when it is a piece of a file read in chunks.
 */
export function invalidUtf8Error(bytes: Uint8Array, offset: number, file: string, at: { offset: number; line: number } = { offset: 0, line: 1 }): UserError {
  const line = at.line + lineAt(bytes, offset) - 1;
  const hex = bytes[offset]!.toString(16).toUpperCase().padStart(2, "0");
  return new UserError(`not valid UTF-8: byte 0x${hex} at byte offset ${at.offset + offset} of the file; save it as UTF-8`, { where: `${file}:${line}` });
}

/**
 * Decodes a whole text file strictly: a leading byte-order mark is dropped, any other malformed byte is a
 * UserError naming `file:line` and the byte offset. `isUtf8` may be a faster check of the same rule (Node's).
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string, isUtf8?: (bytes: Uint8Array) => boolean): string {
  const start = hasByteOrderMark(bytes) ? 3 : 0;
  const body = bytes.subarray(start);
  if (!isUtf8?.(body)) {
    const bad = invalidUtf8Offset(body);
    if (bad >= 0) throw invalidUtf8Error(body, bad, file, { offset: start, line: 1 });
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(body);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when a string has a UTF-8 form: no unpaired UTF-16 surrogate. JSON can write one (`"\uD800"`); encoding
 * it gives U+FFFD, the same repair invalid bytes get, so such text is refused the same way.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
