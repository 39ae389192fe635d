/**
 * Exclusive lock files shared by the processes of one machine: created with O_EXCL and holding `pid host`. A
 * live holder is waited for (polling); a lock left by a dead process on this host, or one left empty by an
 * owner that died between creating and writing it, is taken over. Used so two `setup` runs of one instance
 * do the work once, and so a keeper tick and a `homeostat payout` never move one keeper state at once.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** How to wait for another holder. */
export interface FileLockOptions {
  /** Called once when the lock is held by another live process (`pid host`). */
  onWait?: (holder: string) => void;
  /** Give up after this long (default: wait for ever), throwing `busy(holder)`. */
  waitMs?: number;
  /** Poll interval while waiting (default 1 s). */
  pollMs?: number;
  /** The error thrown when `waitMs` runs out. */
  busy?: (holder: string) => Error;
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

/** Takes the lock (waiting as `options` say) and returns the function that releases it. */
export async function acquireFileLock(lockFile: string, options: FileLockOptions = {}): Promise<() => void> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const me = `${process.pid} ${os.hostname()}`;
  const deadline = Date.now() + (options.waitMs ?? Infinity);
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
    const emptyAndOld = holder === "" && Date.now() - lockAgeBase(lockFile) > 10_000;
    if (emptyAndOld || (host === os.hostname() && pid && !processAlive(Number(pid)))) {
      rmSync(lockFile, { force: true }); // its owner died
      continue;
    }
    if (Date.now() >= deadline) throw options.busy?.(holder) ?? new Error(`${lockFile} is held by ${holder}`);
    if (!waited) options.onWait?.(holder);
    waited = true;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(options.pollMs ?? 1000, deadline - Date.now()))));
  }
  return () => {
    try {
      if (readFileSync(lockFile, "utf8").trim() === me) rmSync(lockFile, { force: true });
    } catch {
      // already gone
    }
  };
}

/** Runs `work` holding the lock, waiting for ever for another holder (calling `onWait` once). */
export async function withFileLock<T>(lockFile: string, onWait: (holder: string) => void, work: () => Promise<T>): Promise<T> {
  const release = await acquireFileLock(lockFile, { onWait });
  try {
    return await work();
  } finally {
    release();
  }
}
