/**
 * Errors a user can meet. They carry where the problem is (file, line, field) and why, so the CLI can
 * print one clear line instead of a stack trace. Anything else that escapes is a bug.
 */
export class UserError extends Error {
  /** Where: a file path, `file:line`, or a field path such as `policy.capBps[2]`. */
  readonly where: string | undefined;
  /** Suggested process exit code for the CLI. */
  readonly exitCode: number;
  /** The reason alone, without `where`. */
  readonly reason: string;

  constructor(message: string, options: { where?: string; exitCode?: number; cause?: unknown } = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = "UserError";
    this.where = options.where;
    this.reason = message;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** True for errors meant for users (typed), as opposed to bugs. */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Plain words for the file-system error codes a user can cause (a path, a permission, a full disk). */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder, expected a file",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "already exists",
  ENOTEMPTY: "the folder is not empty",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EXDEV: "cannot move across file systems",
  EBUSY: "the file or folder is busy",
  EIO: "input/output error",
};

/**
 * The reason of a Node system error (one with an errno `code`) in words, or undefined for any other error.
 * Browser-safe: the codes are plain strings.
 */
export function systemErrorReason(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !/^E[A-Z0-9_]+$/.test(code)) return undefined;
  // Node writes "CODE: description, syscall 'path'": keep the description of codes not listed.
  const described = /^E[A-Z0-9_]+: ([^,]+)/.exec(String((e as { message?: unknown }).message ?? ""))?.[1];
  return SYSTEM_ERRORS[code] ?? described ?? `system error ${code}`;
}
