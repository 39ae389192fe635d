/**
 * The source files an instance is built from: its template file under circuits/ and every project
 * .circom file it includes, transitively, each with its sha256; included npm libraries (circomlib)
 * are pinned by package version instead. This is what the circuit lock compares, without compiling.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { sha256 } from "./files.ts";
import { PROJECT_ROOT, type InstanceSpec } from "../core/node/instances.ts";

/** Library folder passed to circom with `-l` (see compile.ts). */
export const LIBRARY_DIR = "node_modules";

export interface InstanceSources {
  /** Project-relative posix path -> sha256 of the file's bytes, sorted by path. */
  files: Record<string, string>;
  /** npm packages the sources include from (e.g. circomlib) -> installed version. */
  libraries: Record<string, string>;
}

/** Removes comments, keeping line breaks so line numbers stay right. */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, " "))
    .replace(/\/\/[^\n]*/g, "");
}

/** `include "X";` statements of a circom source, with their line numbers. */
export function parseIncludes(source: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  stripComments(source)
    .split("\n")
    .forEach((text, i) => {
      for (const m of text.matchAll(/\binclude\s+"([^"]+)"\s*;/g)) out.push({ target: m[1]!, line: i + 1 });
    });
  return out;
}

function isFile(abs: string): boolean {
  return existsSync(abs) && statSync(abs).isFile();
}

/** The npm package a node_modules path belongs to, e.g. `circomlib` or `@scope/pkg`. */
function packageOf(rel: string): string {
  const parts = rel.split("/").slice(1);
  return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function packageVersion(root: string, pkg: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, LIBRARY_DIR, pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    throw new UserError(`cannot read the version of the npm package ${pkg} (run npm ci)`, { where: `${LIBRARY_DIR}/${pkg}` });
  }
}

/**
 * Collects the sources of an instance, resolving includes as circom does (relative to the including
 * file first, then the library folder). A missing include is a UserError at `file:line`.
 */
export function collectSources(spec: Pick<InstanceSpec, "file">, root: string = PROJECT_ROOT): InstanceSources {
  const files: Record<string, string> = {};
  const libraries: Record<string, string> = {};
  const entry = `circuits/${spec.file}.circom`;
  if (!isFile(path.join(root, entry))) throw new UserError("template file not found", { where: entry });
  const queue = [entry];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    if (files[rel] !== undefined) continue;
    const bytes = readFileSync(path.join(root, rel));
    files[rel] = sha256(bytes);
    for (const { target, line } of parseIncludes(bytes.toString("utf8"))) {
      const candidates = [path.posix.normalize(path.posix.join(path.posix.dirname(rel), target)), path.posix.normalize(`${LIBRARY_DIR}/${target}`)];
      const found = candidates.find((c) => !c.startsWith("../") && isFile(path.join(root, c)));
      if (!found) throw new UserError(`include "${target}" not found`, { where: `${rel}:${line}` });
      if (found.startsWith(`${LIBRARY_DIR}/`)) {
        const pkg = packageOf(found);
        libraries[pkg] ??= packageVersion(root, pkg);
      } else {
        queue.push(found);
      }
    }
  }
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { files: sorted, libraries };
}
