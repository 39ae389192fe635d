/**
 * Output paths are checked before any work, so that a refused run has proven nothing, written nothing and
 * left no private state behind, and so that no output lands on an input: an output file must not be a
 * folder, one of the command's inputs or inside an input folder, and its folder must exist or be makeable
 * (no file in the way, writable). The writes themselves stay atomic (atomic-write.ts, or a temporary
 * folder renamed into place).
 */
import { accessSync, constants, existsSync, lstatSync, realpathSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.ts";

/** A path the command reads. `folder`: everything inside it is input too (a liabilities tree, the keys). */
export interface CommandInput {
  path: string;
  /** What it is, as the refusal names it: `the treasury file (--treasury)`. */
  what: string;
  folder?: boolean;
}

function statOf(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** The absolute path with every existing part's symlinks resolved (the part that does not exist yet kept). */
function canonical(p: string): string {
  const rest: string[] = [];
  let at = path.resolve(p);
  for (;;) {
    if (existsSync(at)) return path.join(realpathSync(at), ...rest.reverse());
    const parent = path.dirname(at);
    if (parent === at) return path.join(at, ...rest.reverse());
    rest.push(path.basename(at));
    at = parent;
  }
}

function isInside(inner: string, outer: string): boolean {
  return inner !== outer && inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
}

/** True when `a` and `b` are the same file: the same resolved path, or the same inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  if (canonical(a) === canonical(b)) return true;
  const x = statOf(a);
  const y = statOf(b);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

/** The folder that will hold `target` must exist or be makeable: no file in the way, and writable. */
function checkFolderFor(target: string, shown: string): void {
  let at = path.dirname(path.resolve(target));
  while (!existsSync(at)) {
    let link = false;
    try {
      link = lstatSync(at).isSymbolicLink();
    } catch {
      // does not exist at all: look further up
    }
    if (link) throw new UserError(`${at} is a broken symbolic link, so the folder for this output cannot be made`, { where: shown, exitCode: 2 });
    at = path.dirname(at);
  }
  if (!statSync(at).isDirectory()) throw new UserError(`${at} is a file, so the folder for this output cannot be made`, { where: shown, exitCode: 2 });
  try {
    accessSync(at, constants.W_OK);
  } catch {
    throw new UserError(`cannot write in ${at} (permission denied)`, { where: shown, exitCode: 2 });
  }
}

/**
 * Checks an output file before any work: not a folder (nor anything but a regular file), not one of
 * `inputs` and not inside an input folder, and its folder exists or can be made. Refusals are UserErrors
 * naming the path (exit 2: the flag's value is the problem).
 */
export function checkOutputFile(file: string, options: { flag: string; inputs: readonly CommandInput[] }): void {
  if (file.trim() === "") throw new UserError("empty path", { where: options.flag, exitCode: 2 });
  const st = statOf(file);
  if (st?.isDirectory()) throw new UserError(`is a folder: ${options.flag} takes a file name`, { where: file, exitCode: 2 });
  if (st && !st.isFile()) throw new UserError(`is not a regular file: ${options.flag} takes a file name`, { where: file, exitCode: 2 });
  const target = canonical(file);
  for (const input of options.inputs) {
    if (sameFile(file, input.path)) {
      throw new UserError(`is ${input.what}: writing there would destroy it; choose another ${options.flag}`, { where: file, exitCode: 2 });
    }
    if (input.folder && isInside(target, canonical(input.path))) {
      throw new UserError(`is inside ${input.what} (${input.path}): choose a ${options.flag} outside it`, { where: file, exitCode: 2 });
    }
  }
  checkFolderFor(file, file);
}

/**
 * Checks an output folder before any work: a folder if it exists, not one of `inputs` nor inside an input
 * folder, its parent exists or can be made. With `replaces` (the folder is replaced as a whole) no input may
 * lie inside it either.
 */
export function checkOutputFolder(dir: string, options: { flag: string; inputs: readonly CommandInput[]; replaces?: boolean }): void {
  if (dir.trim() === "") throw new UserError("empty path", { where: options.flag, exitCode: 2 });
  const st = statOf(dir);
  if (st && !st.isDirectory()) throw new UserError(`is a file: ${options.flag} takes a folder`, { where: dir, exitCode: 2 });
  const target = canonical(dir);
  for (const input of options.inputs) {
    const source = canonical(input.path);
    if (source === target) throw new UserError(`is ${input.what}: choose another ${options.flag}`, { where: dir, exitCode: 2 });
    if (input.folder && isInside(target, source)) {
      throw new UserError(`is inside ${input.what} (${input.path}): choose a ${options.flag} outside it`, { where: dir, exitCode: 2 });
    }
    if (options.replaces && isInside(source, target)) {
      throw new UserError(`holds ${input.what} (${input.path}), and the folder is replaced as a whole: choose another ${options.flag}`, { where: dir, exitCode: 2 });
    }
  }
  if (st) {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UserError("cannot write in this folder (permission denied)", { where: dir, exitCode: 2 });
    }
  } else checkFolderFor(dir, dir);
}
