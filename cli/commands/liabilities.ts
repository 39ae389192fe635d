/**
 * `homeostat liabilities build`: reads a liabilities file (CSV or JSONL, streamed: memory does not grow
 * with the file), builds the Merkle sum tree of DESIGN section 3 with a fresh salt per user, and stores it in a private folder from which
 * `homeostat inclusion prove` makes per-user proofs and `homeostat prove` takes the liabilities root.
 * Progress goes to stderr; the root, total and user count to stdout (JSON with --json).
 */
import type { Command } from "commander";
import { integerOption } from "../options.ts";
import { UserError } from "../../core/errors.ts";
import { formatDecimal } from "../../core/units.ts";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { formatDuration, progressLine } from "../../liabilities/progress.ts";
import { readLiabilityChunks, type LiabilitiesFormat } from "../../liabilities/reader.ts";
import { buildTree, checkDepth, checkOutDir, type BuildPhase } from "../../liabilities/tree.ts";

interface BuildFlags {
  in: string;
  out: string;
  depth: string;
  decimals: string;
  format?: string;
  force?: boolean;
  engine?: string;
  json?: boolean;
}

/** Registers `liabilities` on the program. */
export function register(program: Command): void {
  const liabilities = program.command("liabilities").description("build the liabilities Merkle sum tree from a users file (for inclusion proofs and the solvency proof)");
  liabilities
    .command("build")
    .description("read a liabilities file (CSV or JSONL) and build and store its Merkle sum tree")
    .requiredOption("--in <file>", "liabilities file: CSV with a `user,balance` header, or JSONL lines {\"user\": ..., \"balance\": \"123.45\"}")
    .requiredOption("--out <dir>", "folder to write the tree to (private: holds every balance and salt)")
    .option("--depth <D>", "tree depth: room for 2^D users (20 = inclusion-standard, 11 = inclusion-small: 2,048 users, faster proofs; 4 = inclusion-test)", "20")
    .option("--decimals <N>", "decimals of the liability asset: balances are converted exactly to base units", "6")
    .option("--format <csv|jsonl>", "file format (default: from the extension, else from the first line)")
    .option("--force", "replace an existing tree folder (its root changes: proofs of the old tree no longer match)")
    .option("--engine <native|js>", "hashing engine (default: native C Poseidon when a C compiler is there, else JS)")
    .option("--json", "print {root, total, users, ...} as JSON on stdout; no progress on stderr")
    .addHelpText(
      "after",
      [
        "",
        "Balances are decimal strings in the liability unit (\"10.5\"), converted exactly with --decimals; a row is",
        "refused, with its line number, for a negative, non-numeric or too precise balance, a balance or running",
        "total of 2^96 base units or more, a duplicate id (after NFC normalisation and trimming), or a malformed",
        "line. On any bad row nothing is written.",
        "",
        "Output folder: root.json (root, total, user count, depth, the root's two children), levels/*.bin, leaves.bin,",
        "users.idx, ids.bin/ids.off. Keep it private. `homeostat prove --liabilities DIR` uses its root.",
        "",
        "Example: homeostat liabilities build --in users.csv --out liabilities/ --depth 20 --decimals 6",
      ].join("\n"),
    )
    .action(async (flags: BuildFlags) => {
      const depth = integerOption(flags.depth, "--depth");
      checkDepth(depth);
      const decimals = integerOption(flags.decimals, "--decimals");
      if (flags.format !== undefined && flags.format !== "csv" && flags.format !== "jsonl") {
        throw new UserError(`expected csv or jsonl, got ${JSON.stringify(flags.format)}`, { where: "--format", exitCode: 2 });
      }
      if (flags.engine !== undefined && flags.engine !== "native" && flags.engine !== "js") {
        throw new UserError(`expected native or js, got ${JSON.stringify(flags.engine)}`, { where: "--engine", exitCode: 2 });
      }
      checkOutDir(flags.out, flags.force === true, [{ path: flags.in, what: "the liabilities file (--in)" }]);
      const quiet = flags.json === true;
      const started = performance.now();

      const hasher = createTreeHasher(flags.engine === "js" ? { engine: "js" } : {});
      if (flags.engine === "native" && hasher.kind !== "native") throw new UserError(hasher.note, { where: "--engine" });
      if (hasher.kind === "js" && !quiet && flags.engine !== "js") {
        process.stderr.write(`homeostat liabilities: warning: ${hasher.note}; hashing with poseidon-lite (much slower)\n`);
      }
      // One streaming pass: rows are validated, hashed and written chunk by chunk (memory does not grow
      // with the file), then the ids are sorted (duplicates found there) and the levels above are hashed.
      const reading = progressLine("reading and hashing users", quiet);
      const rows = readLiabilityChunks(flags.in, {
        decimals,
        maxUsers: 2 ** depth,
        ...(flags.format ? { format: flags.format as LiabilitiesFormat } : {}),
        onProgress: (read, size) => reading.update(Math.round(read / 1024), Math.round(size / 1024), "KiB"),
      });
      const phases: Partial<Record<BuildPhase, ReturnType<typeof progressLine>>> = {};
      const labels: Partial<Record<BuildPhase, string>> = { index: "sorting user ids", tree: "hashing the tree" };
      let current: BuildPhase | undefined;
      let phaseStart = performance.now();
      const result = await buildTree(rows, {
        depth,
        decimals,
        outDir: flags.out,
        replace: flags.force === true,
        hasher,
        source: flags.in,
        onProgress: (done, total, phase) => {
          const label = labels[phase];
          if (!label) return;
          if (current !== phase) {
            if (current) phases[current]?.finish();
            else reading.finish(quiet ? undefined : `homeostat liabilities: read and hashed ${total.toLocaleString("en-US")} users in ${formatDuration(performance.now() - started)}`);
            current = phase;
            phaseStart = performance.now();
            phases[phase] = progressLine(label, quiet);
          }
          const elapsed = performance.now() - phaseStart;
          const eta = done > 0 && done < total ? ` ETA ${formatDuration((elapsed / done) * (total - done))}` : "";
          phases[phase]!.update(done, total, eta);
        },
      });
      if (current) phases[current]?.finish();
      else reading.finish();
      const seconds = (performance.now() - started) / 1000;
      const summary = result.summary;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              root: summary.root,
              total: formatDecimal(result.total, decimals),
              totalBaseUnits: summary.total,
              users: summary.userCount,
              depth,
              decimals,
              out: flags.out,
              engine: result.engine,
              seconds: Number(seconds.toFixed(2)),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        process.stdout.write(
          [
            `liabilities tree: ${summary.userCount.toLocaleString("en-US")} users, depth ${depth} (room for ${(2 ** depth).toLocaleString("en-US")})`,
            `  root:  ${summary.root}`,
            `  total: ${formatDecimal(result.total, decimals, { group: true })} (${summary.total} base units at ${decimals} decimals; private)`,
            `  written to ${flags.out} in ${formatDuration(seconds * 1000)} (${result.engine} Poseidon)`,
            "",
          ].join("\n"),
        );
      }
    });
}
