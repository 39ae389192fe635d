/**
 * File helpers of the setup pipeline: streaming hashes (sha256, blake2b-512) and writes that go to a
 * temporary name first and are renamed into place, so a reader never sees half a file.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Modification time of a lock file in ms (now when it vanished meanwhile). */
function lockAgeBase(lockFile: string): number {
  try {
    return statSync(lockFile).mtimeMs;
  } catch {
    return Date.now();
  }
}

/**
 * Runs `work` holding an exclusive lock file (created with O_EXCL, holding `pid host`). If another live
 * process holds it, waits (calling `onWait` once) and polls; a lock left by a dead process on this host is
 * taken over. Used so two `setup` runs of one instance do the work once, not twice at the same time.
 */
export async function withFileLock<T>(lockFile: string, onWait: (holder: string) => void, work: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const me = `${process.pid} ${os.hostname()}`;
  let waited = false;
  for (;;) {
    try {
      writeFileSync(lockFile, `${me}\n`, { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = "";
    try {
      holder = readFileSync(lockFile, "utf8").trim();
    } catch {
      continue; // released between our two calls
    }
    const [pid, host] = holder.split(" ");
    // An empty lock is one whose owner died between creating and writing it; give a live owner 10 s.
    const emptyAndOld = holder === "" && Date.now() - lockAgeBase(lockFile) > 10_000;
    if (emptyAndOld || (host === os.hostname() && pid && !processAlive(Number(pid)))) {
      rmSync(lockFile, { force: true }); // its owner died
      continue;
    }
    if (!waited) onWait(holder);
    waited = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    return await work();
  } finally {
    try {
      if (readFileSync(lockFile, "utf8").trim() === me) rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  }
}
