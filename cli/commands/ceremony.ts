/**
 * `homeostat ceremony`: a multi-party Groth16 phase 2 with a verifiable transcript (init, contribute,
 * verify, finalize). The work is in ceremony/; this file maps flags to it and prints results.
 * Results go to stdout (or JSON with --json), progress to stderr; a failed verification prints its first
 * failure as one line and exits 1.
 */
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import {
  contributeToCeremony,
  finalizeCeremony,
  firstFailure,
  formatSnarkjsHash,
  initCeremony,
  verifyTranscript,
  type CeremonyVerification,
} from "../../ceremony/index.ts";
import { createReporter } from "../../setup/progress.ts";

const out = (line = ""): void => void process.stdout.write(`${line}\n`);
const json = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const reporterFor = (quiet: boolean | undefined) => createReporter({ quiet: quiet === true, prefix: "homeostat ceremony" });
const indent = (text: string, by = "    ") => text.split("\n").map((l) => `${by}${l}`).join("\n");

/** Human rendering of a verification: one line per check, evidence of failures underneath. */
function printVerification(result: CeremonyVerification): void {
  for (const c of result.checks) {
    const mark = c.status === "pass" ? "PASS" : c.status === "fail" ? "FAIL" : "skip";
    out(`${mark}  ${c.title}`);
    for (const p of c.problems) out(`        ${p}`);
  }
  const people = result.finalized ? result.contributions - 1 : result.contributions;
  const quick = result.checks.find((c) => c.id === "snarkjs-verify")?.status === "skip" ? "; quick check: snarkjs zkey verify not run" : "";
  out(
    result.ok
      ? `ceremony OK: ${result.instance}, ${people} contribution(s)${result.finalized ? " and the final beacon" : " (not finalized yet)"}${quick}`
      : `ceremony FAILED: ${result.checks.filter((c) => c.status === "fail").length} check(s) failed`,
  );
}

/** Throws the one-line failure of a verification (after its report was printed). */
function failIfBad(result: CeremonyVerification): void {
  const failure = firstFailure(result);
  if (failure) throw new UserError(failure, { where: result.dir });
}

/** Registers `ceremony` and its subcommands on the program. */
export function register(program: Command): void {
  const ceremony = program
    .command("ceremony")
    .description("multi-party Groth16 phase 2 with a verifiable transcript (init, contribute, verify, finalize)")
    .addHelpText(
      "after",
      [
        "",
        "A ceremony lives in one folder (transcript.json, the r1cs, one zkey per step) that is passed from",
        "contributor to contributor. Typical run (see docs/CEREMONY.md):",
        "  homeostat ceremony init --instance solvency-standard --ptau powersOfTau28_hez_final_16.ptau --dir cer",
        "  homeostat ceremony contribute --dir cer --name \"Alice\"      (each contributor, on their machine)",
        "  homeostat ceremony verify --dir cer --ptau powersOfTau28_hez_final_16.ptau",
        "  homeostat ceremony finalize --dir cer --beacon <public random hex> --ptau ...",
      ].join("\n"),
    );

  ceremony
    .command("init")
    .description("start a ceremony: compile the instance if needed, make the initial zkey and the transcript")
    .requiredOption("--instance <name>", "circuit instance from circuits/circuits.json (one instance, not a group)")
    .requiredOption("--dir <dir>", "ceremony folder to create (must not hold a ceremony yet)")
    .option("--ptau <file>", "prepared powers of tau (default: $HOMEOSTAT_PTAU, then a cached or downloaded Hermez file)")
    .option("--json", "print the transcript as JSON; no progress on stderr")
    .action(async (flags: { instance: string; dir: string; ptau?: string; json?: boolean }) => {
      const result = await initCeremony({ instance: flags.instance, dir: flags.dir, ...(flags.ptau ? { ptau: flags.ptau } : {}), reporter: reporterFor(flags.json) });
      if (flags.json) return json(result.transcript);
      const t = result.transcript;
      out(`ceremony for ${t.instance} started in ${flags.dir}`);
      out(`  initial zkey   ${t.initial.file} (sha256 ${t.initial.sha256})`);
      out(`  circuit hash   ${t.circuitHash}`);
      out(`  r1cs           ${t.r1cs.file} (sha256 ${t.r1cs.sha256})`);
      out(`  ptau           ${t.ptau.file}, 2^${t.ptau.power} (blake2b ${t.ptau.blake2b})${t.ptau.development ? " [DEVELOPMENT file, not a public ceremony]" : ""}`);
      out(`next: homeostat ceremony contribute --dir ${flags.dir} --name "<your name>"`);
    });

  ceremony
    .command("contribute")
    .description("add your secret randomness to the latest zkey and record it in the transcript")
    .requiredOption("--dir <dir>", "ceremony folder")
    .requiredOption("--name <name>", "your public name (at most 64 bytes; it is stored in the zkey)")
    .option("--entropy <text>", "extra random text, mixed with 32 bytes from the OS random generator")
    .option("--json", "print the contribution record as JSON; no progress on stderr")
    .action(async (flags: { dir: string; name: string; entropy?: string; json?: boolean }) => {
      const result = await contributeToCeremony({
        dir: flags.dir,
        name: flags.name,
        ...(flags.entropy !== undefined ? { entropy: flags.entropy } : {}),
        reporter: reporterFor(flags.json),
      });
      if (flags.json) return json(result.step);
      const s = result.step;
      out(`contribution #${s.index} "${s.name}" recorded in ${flags.dir}`);
      out(`contribution hash (publish it; \`ceremony verify\` and \`snarkjs zkey verify\` list the same):`);
      out(indent(s.contributionHash, "  "));
      out(indent(formatSnarkjsHash(s.contributionHash), "  "));
      out(`zkey: ${s.file} (sha256 ${s.sha256})`);
      out(`next: pass the folder to the next contributor, or run \`homeostat ceremony finalize --dir ${flags.dir} --beacon <hex>\``);
    });

  ceremony
    .command("verify")
    .description("check the whole chain: zkey hashes, contributions in the zkeys, snarkjs zkey verify, final artifacts")
    .requiredOption("--dir <dir>", "ceremony folder")
    .option("--ptau <file>", "the ceremony's powers of tau (default: $HOMEOSTAT_PTAU, the ptau cache, then the folder)")
    .option("--quick", "hashes and MPC records only: skip snarkjs zkey verify (no ptau needed); for contributors, not audits")
    .option("--json", "print every check with its evidence as JSON; no progress on stderr")
    .action(async (flags: { dir: string; ptau?: string; quick?: boolean; json?: boolean }) => {
      const result = await verifyTranscript(flags.dir, {
        ...(flags.ptau ? { ptau: flags.ptau } : {}),
        quick: flags.quick === true,
        reporter: reporterFor(flags.json),
      });
      if (flags.json) json(result);
      else printVerification(result);
      failIfBad(result);
    });

  ceremony
    .command("finalize")
    .description("apply a public random beacon, verify, export the verification key and verifier, and install them")
    .requiredOption("--dir <dir>", "ceremony folder")
    .requiredOption("--beacon <hex>", "public random value fixed in advance, hex (e.g. a future block hash or drand round)")
    .option("--iterations <n>", "beacon hash iterations exponent, 10..63 (2^n iterations)", "10")
    .option("--ptau <file>", "the ceremony's powers of tau (default: $HOMEOSTAT_PTAU, the ptau cache, then the folder)")
    .option("--out <dir>", "install zkey, vkey, verifier and manifest here instead of build/circuits/NAME/ and contracts/generated/")
    .option("--json", "print the result as JSON; no progress on stderr")
    .action(async (flags: { dir: string; beacon: string; iterations: string; ptau?: string; out?: string; json?: boolean }) => {
      const result = await finalizeCeremony({
        dir: flags.dir,
        beacon: flags.beacon,
        iterationsExp: flags.iterations,
        ...(flags.ptau ? { ptau: flags.ptau } : {}),
        ...(flags.out ? { out: flags.out } : {}),
        reporter: reporterFor(flags.json),
      });
      if (flags.json) {
        return json({ beacon: result.beacon, final: result.transcript.final, installed: result.installed, vkeyHash: result.vkeyHash, verification: result.verification });
      }
      const b = result.beacon;
      out(`ceremony for ${result.transcript.instance} finalized: beacon ${b.beacon!.hash} (2^${b.beacon!.iterationsExp} iterations)`);
      out(`beacon contribution hash:`);
      out(indent(b.contributionHash, "  "));
      out(`verified: ${result.verification.checks.filter((c) => c.status === "pass").length} checks passed`);
      out(`vkeyHash ${result.vkeyHash}`);
      for (const [what, file] of Object.entries(result.installed)) out(`  ${what.padEnd(9)} ${file}`);
    });
}
