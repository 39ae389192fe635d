/**
 * File plumbing of the ceremony on top of the setup pipeline's helpers (setup/files.ts): staged
 * writes that land together by rename (so a failed step leaves nothing partial), and a lock so two steps
 * never run on one ceremony folder at once.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { sha256, sha256File, tempNameFor, writeFileAtomic, hashFileStreaming } from "../setup/files.ts";

export { sha256, sha256File, writeFileAtomic, hashFileStreaming };

/**
 * Files written under temporary names next to their destinations and moved into place together by
 * `commit()`; `discard()` removes whatever was staged and not committed. Renames within one folder are
 * atomic, so each destination holds either its old content or its complete new content.
 */
export class StagedFiles {
  private readonly staged: Array<{ tmp: string; dest: string }> = [];

  /** A fresh temporary path beside `dest` (same folder, so the rename cannot cross file systems). */
  tempFor(dest: string): string {
    mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = tempNameFor(dest);
    this.staged.push({ tmp, dest });
    return tmp;
  }

  /** Stages `data` for `dest`; returns the temporary path holding it until `commit()`. */
  write(dest: string, data: string | Uint8Array): string {
    const tmp = this.tempFor(dest);
    writeFileSync(tmp, data);
    return tmp;
  }

  /** Moves every staged file into place, in staging order. */
  commit(): void {
    while (this.staged.length > 0) {
      const { tmp, dest } = this.staged[0]!;
      renameSync(tmp, dest);
      this.staged.shift();
    }
  }

  /** Removes every staged file that was not committed. */
  discard(): void {
    for (const { tmp } of this.staged) rmSync(tmp, { force: true });
    this.staged.length = 0;
  }
}

/**
 * Runs `fn` holding `DIR/.ceremony.lock` (created exclusively). A second process working on the same
 * folder is refused instead of racing; a lock left by a crashed run names its owner so it can be removed.
 */
export async function withFolderLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, ".ceremony.lock");
  let fd: number;
  try {
    fd = openSync(lock, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    const owner = existsSync(lock) ? readFileSync(lock, "utf8").trim() : "";
    throw new UserError(
      `another ceremony step is running in this folder (${owner || "unknown owner"}); remove the lock file if that run has crashed`,
      { where: lock },
    );
  }
  try {
    writeFileSync(fd, `pid ${process.pid} since ${new Date().toISOString()}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
