/**
 * Errors a user can meet. They carry where the problem is (file, line, field) and why, so the CLI can
 * print one clear line instead of a stack trace. Anything else that escapes is a bug.
 */
export class UserError extends Error {
  /** Where: a file path, `file:line`, or a field path such as `policy.capBps[2]`. */
  readonly where: string | undefined;
  /** Suggested process exit code for the CLI. */
  readonly exitCode: number;

  constructor(message: string, options: { where?: string; exitCode?: number; cause?: unknown } = {}) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = "UserError";
    this.where = options.where;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** True for errors meant for users (typed), as opposed to bugs. */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
