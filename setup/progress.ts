/**
 * Progress of long setup steps on stderr (never stdout, which carries results and --json): a line when a
 * step starts and one with its elapsed time when it ends. On a terminal the current line also shows a
 * live clock and the latest snarkjs message; in logs, a "still working" line every 15 s.
 */

/**
 * The logger object snarkjs functions take as their last argument: every method snarkjs 0.7 (and the
 * ffjavascript, binfileutils and r1csfile it calls) uses. `powersoftau new` calls `log` every 100,000
 * points, so a logger without it crashes only on large files; test/setup/snarkjs-logger.test.ts re-reads
 * the installed snarkjs and fails if it starts calling a method missing here.
 */
export interface SnarkjsLogger {
  debug(message: unknown): void;
  info(message: unknown): void;
  log(message: unknown): void;
  warn(message: unknown): void;
  error(message: unknown): void;
}

/** The method names of SnarkjsLogger, for the test that compares them with snarkjs's calls. */
export const SNARKJS_LOGGER_METHODS = ["debug", "info", "log", "warn", "error"] as const;

/**
 * A SnarkjsLogger from two sinks: `message` for progress (debug, info, log) and `problem` for warnings and
 * errors. Every snarkjs call in the project gets its logger from here.
 */
export function makeSnarkjsLogger(message: (m: string) => void, problem: (m: string, level: "warn" | "error") => void = message): SnarkjsLogger {
  const text = (m: unknown) => (typeof m === "string" ? m : String(m));
  return {
    debug: (m) => message(text(m)),
    info: (m) => message(text(m)),
    log: (m) => message(text(m)),
    warn: (m) => problem(text(m), "warn"),
    error: (m) => problem(text(m), "error"),
  };
}

export interface Reporter {
  /** Runs `work` as a named step; `note` shows a sub-status (e.g. a snarkjs message or a byte count). */
  step<T>(label: string, work: (note: (message: string) => void) => Promise<T>): Promise<T>;
  /** A progress line (silent when quiet). */
  info(message: string): void;
  /** A warning: always printed, even when quiet (--json), because it changes what the output is worth. */
  warn(message: string): void;
  /** A snarkjs logger that feeds `note` and remembers error messages (snarkjs reports some failures only there). */
  snarkjsLogger(note: (message: string) => void): SnarkjsLogger & { errors: string[] };
}

/** Seconds with one decimal, e.g. `3.2 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A reporter writing to `stream` (stderr by default); `quiet` keeps only warnings. */
export function createReporter(options: { quiet?: boolean; prefix?: string; stream?: NodeJS.WriteStream } = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const prefix = options.prefix ?? "homeostat";
  const quiet = options.quiet ?? false;
  const live = !quiet && stream.isTTY === true;
  const write = (line: string) => stream.write(`${prefix}: ${line}\n`);

  return {
    async step(label, work) {
      const start = Date.now();
      let latest = "";
      let lastLogged = start;
      const redraw = () => {
        const text = `${prefix}: ${label}… ${formatSeconds(Date.now() - start)}${latest ? ` (${latest})` : ""}`;
        stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`);
      };
      if (live) redraw();
      else if (!quiet) write(`${label}…`);
      const timer = live
        ? setInterval(redraw, 1000)
        : quiet
          ? undefined
          : setInterval(() => {
              if (Date.now() - lastLogged >= 15_000) {
                lastLogged = Date.now();
                write(`${label}: still working, ${formatSeconds(Date.now() - start)}${latest ? ` (${latest})` : ""}`);
              }
            }, 5000);
      timer?.unref();
      const note = (message: string) => {
        latest = message.replace(/\s+/g, " ").trim().slice(0, 80);
      };
      try {
        const result = await work(note);
        if (live) stream.write("\r\x1b[2K");
        if (!quiet) write(`${label}: done in ${formatSeconds(Date.now() - start)}`);
        return result;
      } catch (e) {
        if (live) stream.write("\r\x1b[2K");
        if (!quiet) write(`${label}: failed after ${formatSeconds(Date.now() - start)}`);
        throw e;
      } finally {
        if (timer) clearInterval(timer);
      }
    },
    info(message) {
      if (!quiet) write(message);
    },
    warn(message) {
      write(message);
    },
    snarkjsLogger(note) {
      const errors: string[] = [];
      const logger = makeSnarkjsLogger(note, (m, level) => {
        if (level === "error") errors.push(m);
        note(m);
      });
      return { ...logger, errors };
    },
  };
}
