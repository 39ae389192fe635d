/**
 * A progress line on stderr for the long liabilities commands (never stdout: that carries the result and
 * --json). On a terminal: one redrawn bar with percentage, counts and ETA. In logs: a line at every 10%.
 */

/** Formats milliseconds as `42 s`, `3 min 05 s` or `2 h 07 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

export interface ProgressLine {
  /** Shows `done / total` (with an optional note, e.g. an ETA). */
  update(done: number, total: number, note?: string): void;
  /** Ends the line (a final message replaces the bar). */
  finish(message?: string): void;
}

/** A progress line labelled `label`; silent when `quiet` (--json). */
export function progressLine(label: string, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  const live = !quiet && stream.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, total, note) {
      if (quiet) return;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const text = `${label} ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")}${note ? ` ${note}` : ""}`;
      if (live) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const width = 24;
        const filled = Math.round(fraction * width);
        stream.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
        drawn = true;
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    },
    finish(message) {
      if (quiet) return;
      if (live && drawn) stream.write("\r\x1b[2K");
      if (message) stream.write(`${message}\n`);
    },
  };
}
