/**
 * `homeostat setup`: compile the circuit instances, run the Groth16 trusted setup (phase 2) on a powers
 * of tau, and export verification keys and Solidity verifiers, with a manifest per instance. The work is
 * in setup/pipeline.ts; this file maps flags to it and prints the result.
 */
import type { Command } from "commander";
import { runSetup, type SetupSummary } from "../../setup/pipeline.ts";
import { createReporter } from "../../setup/progress.ts";

interface SetupFlags {
  instance?: string[];
  all?: boolean;
  ptau?: string;
  json?: boolean;
  force?: boolean;
  verify?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((v) => v.trim()).filter(Boolean)];

/** Human summary on stdout: one line per instance. */
function printSummary(summary: SetupSummary): void {
  for (const r of summary.instances) {
    const size = `${r.constraints} constraints, ptau 2^${r.ptauPowerNeeded}+`;
    if (r.status === "up-to-date" && r.fromCeremony) {
      process.stdout.write(`${r.instance}: up to date (key from a multi-party ceremony; --force would replace it with a development key; ${size})\n`);
    } else if (r.status === "up-to-date") process.stdout.write(`${r.instance}: up to date (${size})\n`);
    else if (r.status === "restored") process.stdout.write(`${r.instance}: restored from the artifact cache in ${(r.durationMs / 1000).toFixed(1)} s (${size}) -> ${r.manifest}\n`);
    else {
      const what = r.mode === "groth16" ? "built zkey, verification key and verifier" : "compiled (dev instance: no keys)";
      process.stdout.write(`${r.instance}: ${what} in ${(r.durationMs / 1000).toFixed(1)} s (${size}) -> ${r.manifest}\n`);
    }
  }
  const built = summary.instances.filter((r) => r.status === "built" || r.status === "compiled").length;
  const restored = summary.instances.filter((r) => r.status === "restored").length;
  process.stdout.write(
    built + restored === 0
      ? `nothing to do: ${summary.instances.length} instance(s) up to date (${(summary.durationMs / 1000).toFixed(1)} s)\n`
      : `setup done: ${built} built, ${restored} restored from the artifact cache, ${summary.instances.length - built - restored} up to date (${(summary.durationMs / 1000).toFixed(1)} s)\n`,
  );
}

/** Registers `setup` on the program. */
export function register(program: Command): void {
  program
    .command("setup")
    .description("compile circuits and run the Groth16 trusted setup (zkey, verification key, Solidity verifier, manifest)")
    .option("--instance <name|group>", "instance or group from circuits/circuits.json (repeatable, comma-separated)", collect)
    .option("--all", "every instance except the compile-only dev group (the default)")
    .option("--ptau <file>", "powers of tau file (default: $HOMEOSTAT_PTAU, then the cache, the Hermez download, a generated dev file)")
    .option("--force", "rebuild even if nothing changed (ignores the artifact cache)")
    .option("--no-verify", "skip `zkey verify` of new keys (faster; a later verifying setup runs it)")
    .option("--json", "print a machine-readable summary on stdout; no progress on stderr")
    .addHelpText(
      "after",
      [
        "",
        "Outputs: build/circuits/NAME/{NAME.r1cs,.wasm,.sym,.zkey,.vkey.json,manifest.json} and",
        "contracts/generated/<Name>Verifier.sol. A second run with unchanged inputs does nothing.",
        "The compiled r1cs/wasm must match circuits/circuits.lock.json; refresh it with `npm run circuits:lock`.",
        "Builds are also kept in a content-addressed cache (~/.cache/homeostat/artifacts, keyed by the circuit lock,",
        "the ptau hash and the tool versions): another checkout with the same inputs restores them in seconds.",
        "Environment: HOMEOSTAT_PTAU, HOMEOSTAT_CACHE_DIR (~/.cache/homeostat), HOMEOSTAT_PTAU_DIRS (folders searched",
        "after the cache, default ../shared/ptau; empty for none), HOMEOSTAT_PTAU_DOWNLOAD=0, HOMEOSTAT_PTAU_GENERATE=0,",
        "HOMEOSTAT_ARTIFACT_CACHE=0, HOMEOSTAT_BUILD_DIR, HOMEOSTAT_VERIFIER_DIR, HOMEOSTAT_CIRCUITS (paths inside the project).",
      ].join("\n"),
    )
    .action(async (flags: SetupFlags) => {
      const reporter = createReporter({ quiet: flags.json === true, prefix: "homeostat setup" });
      const summary = await runSetup({
        ...(flags.instance ? { instances: flags.instance } : {}),
        all: flags.all === true,
        ...(flags.ptau ? { ptau: flags.ptau } : {}),
        force: flags.force === true,
        verify: flags.verify !== false,
        reporter,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else printSummary(summary);
    });
}
