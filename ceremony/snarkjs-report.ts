/**
 * Runs `snarkjs zkey verify` (`zKey.verifyFromR1cs`: rebuilds the initial zkey from the r1cs and the
 * powers of tau, then checks every contribution and the final key against it) and captures what snarkjs
 * reports: the verdict, the circuit hash and, per contribution, its hash, name and beacon parameters.
 * These are read from the snarkjs log because that is the output a person running the snarkjs CLI sees;
 * `mpc-params.ts` reads the same facts from the file independently.
 */
import { makeSnarkjsLogger } from "../setup/progress.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";

/** One contribution as `snarkjs zkey verify` lists it. */
export interface ReportedContribution {
  index: number;
  name: string;
  contributionHash: string;
  beacon?: { hash: string; iterationsExp: number };
}

/** The outcome of `snarkjs zkey verify`. */
export interface SnarkjsReport {
  ok: boolean;
  circuitHash?: string;
  /** In contribution order (snarkjs prints them newest first). */
  contributions: ReportedContribution[];
  /** Error and warning lines snarkjs logged (why verification failed). */
  errors: string[];
}

/** `\t\t3488bfb9 47f4b0ab ...` over four lines back to 128 hex digits. */
function hashFromLines(lines: string[]): string {
  return lines.join("").replace(/\s+/g, "").toLowerCase();
}

/** Parses one captured `logger.info` message into the report. */
function absorb(report: SnarkjsReport, message: string, pendingBeacon: { target?: ReportedContribution }): void {
  const [title = "", ...rest] = message.split("\n");
  if (/^Circuit Hash: ?$/.test(title) && rest.length === 4) {
    report.circuitHash = hashFromLines(rest);
    return;
  }
  const contribution = /^contribution #(\d+) (.*):$/s.exec(title);
  if (contribution && rest.length === 4) {
    const entry: ReportedContribution = { index: Number(contribution[1]), name: contribution[2] ?? "", contributionHash: hashFromLines(rest) };
    report.contributions.push(entry);
    pendingBeacon.target = entry;
    return;
  }
  const generator = /^Beacon generator: ([0-9a-fA-F]+)$/.exec(message);
  if (generator && pendingBeacon.target) {
    pendingBeacon.target.beacon = { hash: generator[1]!.toLowerCase(), iterationsExp: pendingBeacon.target.beacon?.iterationsExp ?? -1 };
    return;
  }
  const iterations = /^Beacon iterations Exp: (\d+)$/.exec(message);
  if (iterations && pendingBeacon.target?.beacon) pendingBeacon.target.beacon.iterationsExp = Number(iterations[1]);
}

/**
 * Verifies `zkey` against `r1cs` and `ptau` with snarkjs and returns what it reported. Never throws for
 * an invalid key (that is `ok: false`); a snarkjs exception (unreadable file) is returned as an error line.
 */
export async function snarkjsVerify(r1cs: string, ptau: string, zkey: string): Promise<SnarkjsReport> {
  const report: SnarkjsReport = { ok: false, contributions: [], errors: [] };
  const pending: { target?: ReportedContribution } = {};
  // snarkjs reports the contributions through info; its debug lines (progress) are not evidence.
  const logger = {
    ...makeSnarkjsLogger(
      (m) => absorb(report, m, pending),
      (m) => report.errors.push(m),
    ),
    debug: () => {},
  };
  const snarkjs = await loadSnarkjs();
  try {
    report.ok = (await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, logger)) === true;
  } catch (e) {
    report.ok = false;
    report.errors.push((e as Error).message);
  }
  report.contributions.sort((a, b) => a.index - b.index);
  return report;
}
