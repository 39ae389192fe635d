/**
 * Writes a file so that readers see either the old content or the new one, never a partial file: the
 * content goes to a temporary file in the same folder, is flushed, then renamed over the target.
 * Used for proof bundles and the private state file (DESIGN section 10: no partial artifacts).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";

/** Atomically replaces `file` with `content` (creating its folder). `mode` applies to a new file, e.g. 0o600. */
export function writeFileAtomic(file: string, content: string, options: { mode?: number } = {}): void {
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", options.mode ?? 0o644);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
}
