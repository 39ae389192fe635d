/**
 * File helpers of the setup pipeline: streaming hashes (sha256, blake2b-512) and writes that go to a
 * temporary name first and are renamed into place, so a reader never sees half a file.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** sha256 of a file, hex. Reads the whole file (artifacts are at most tens of MB). */
export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** sha256 of a string or bytes, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Both digests of a (possibly large) file in one streaming pass. */
export async function hashFileStreaming(
  file: string,
  onProgress?: (bytesRead: number) => void,
): Promise<{ sha256: string; blake2b: string; size: number }> {
  const sha = createHash("sha256");
  const blake = createHash("blake2b512");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    sha.update(bytes);
    blake.update(bytes);
    size += bytes.length;
    onProgress?.(size);
  }
  return { sha256: sha.digest("hex"), blake2b: blake.digest("hex"), size };
}

/** A unique temporary name next to `file` (same folder, so a rename is atomic). */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `data` to a temporary name next to `file`, then renames it over `file`. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Moves `from` onto `to`, replacing it atomically. Across file systems (EXDEV) it copies to a
 * temporary name beside `to` first and renames that.
 */
export function moveIntoPlace(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    const tmp = tempNameFor(to);
    try {
      copyFileSync(from, tmp);
      renameSync(tmp, to);
    } finally {
      rmSync(tmp, { force: true });
    }
    rmSync(from, { force: true });
  }
}

/** JSON with sorted keys (stable hashes of objects). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

