/**
 * `homeostat verify BUNDLE`: checks a proof bundle with the same library the browser page uses
 * (verifier/verify.ts) against the verification keys made by `homeostat setup` (or one given with --vkey).
 * Exit 0 only when the bundle is valid; 3 with the reasons when it is not; 1 when it cannot be read.
 */
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { formatBps, formatDecimal } from "../../core/units.ts";
import { loadVerificationKeys, readBundleFile, readVkeyFile, useSingleThreadedCurve, DEFAULT_CIRCUITS_DIR } from "../../verifier/node.ts";
import type { VerificationKeys } from "../../verifier/verify.ts";
import type { ProofBundle } from "../../core/bundle-schema.ts";
import { EXIT_POLICY_FAILS } from "./check.ts";
import { unpackVaultTotals } from "../../core/signals.ts";

interface VerifyFlags {
  vkey?: string;
  keys?: string;
  json?: boolean;
}

/** A few lines saying what a valid bundle proves. */
function describeBundle(b: ProofBundle): string[] {
  const when = new Date(Number(b.prices.timestamp) * 1000).toISOString();
  const p = b.policy;
  const lines = [
    `valid ${b.statement} proof (${b.instance}), created ${b.createdAt}`,
    `  policy: chain ${p.chainId}, vault ${p.vault}; ${p.assets.length} assets, ${p.scenarios.length} scenarios; min coverage ${formatBps(BigInt(p.minCoverageBps))}, min liquidity ${formatBps(BigInt(p.minLiquidityBps))}`,
    `  prices: snapshot at ${when}`,
  ];
  for (const [name, value] of Object.entries(b.publicSignals)) lines.push(`  ${name} = ${value}`);
  const packed = Object.keys(b.publicSignals).filter((k) => k.startsWith("vaultTotals[")).map((k) => BigInt(b.publicSignals[k]!));
  if (packed.length > 0) {
    const totals = unpackVaultTotals(packed, p.assets.length);
    lines.push(`  held by the vault itself (checked against its balances on chain): ${p.assets.map((a, i) => `${formatDecimal(totals[i]!, a.decimals, { group: true })} ${a.symbol}`).join(", ")}`);
    const attestors = p.attestors.filter((a) => a.publicKey[0] !== "0" || a.publicKey[1] !== "0");
    if (attestors.length > 0) lines.push(`  the rest is held by ${attestors.map((a) => a.name || "an unnamed attestor").join(", ")}, within signed statements dated within ${p.maxAttestationAge} s of the snapshot`);
  }
  if (b.action) {
    const sold = p.assets[Number(b.action.assetIn)];
    const bought = p.assets[Number(b.action.assetOut)];
    if (sold && bought) {
      lines.push(`  action: sell ${formatDecimal(BigInt(b.action.amountIn), sold.decimals)} ${sold.symbol} for at least ${formatDecimal(BigInt(b.action.minAmountOut), bought.decimals)} ${bought.symbol}`);
    }
  }
  if (b.payout) lines.push(`  payout: ${b.payout.units} ${b.payout.symbol} from the vault to ${b.payout.to}`);
  return lines;
}

/** Registers `verify` on the program. */
export function register(program: Command): void {
  program
    .command("verify")
    .description("verify a proof bundle: its schema, key fingerprint, policy/prices/action against the public signals, and the Groth16 proof")
    .argument("<bundle>", "proof bundle (JSON) written by `homeostat prove`")
    .option("--vkey <file>", "trust this verification key for the bundle's instance (default: the keys under build/circuits)")
    .option("--keys <folder>", "folder of NAME/NAME.vkey.json keys (default: build/circuits)")
    .option("--json", "print {valid, reasons, proofValid (the pairing check alone), statement, instance, publicSignals} as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Checks, in order: the bundle's shape; that its instance is one of the trusted keys and its vkeyHash is that",
        "key's sha256; that the policy, prices (and action) it shows hash to the proven public signals; that the",
        "packed proof is the proof; and the Groth16 pairing check. Every failed check is listed.",
        "",
        "Exit codes: 0 valid; 3 invalid (reasons listed); 1 unreadable input; 2 bad usage.",
      ].join("\n"),
    )
    .action(async (file: string, flags: VerifyFlags) => {
      const bundle = readBundleFile(file);
      let keys: VerificationKeys;
      if (flags.vkey) {
        const instance = bundle && typeof bundle === "object" && typeof (bundle as { instance?: unknown }).instance === "string" ? (bundle as { instance: string }).instance : "";
        keys = { [instance]: readVkeyFile(flags.vkey) };
      } else {
        keys = loadVerificationKeys(flags.keys ?? DEFAULT_CIRCUITS_DIR);
        if (Object.keys(keys).length === 0) {
          throw new UserError(`no verification keys under ${flags.keys ?? "build/circuits"}: run \`homeostat setup\` or pass --vkey FILE`, { where: "--keys" });
        }
      }
      // Loaded here: snarkjs is heavy and other commands should not pay for it.
      const { verifyBundle } = await import("../../verifier/verify.ts");
      await useSingleThreadedCurve();
      const result = await verifyBundle(bundle, keys);
      if (flags.json) {
        const b = result.bundle;
        process.stdout.write(
          `${JSON.stringify({ valid: result.valid, reasons: result.reasons, ...(result.proofValid !== undefined ? { proofValid: result.proofValid } : {}), ...(b ? { statement: b.statement, instance: b.instance, publicSignals: b.publicSignals } : {}) }, null, 2)}\n`,
        );
      } else if (result.valid && result.bundle) {
        process.stdout.write(`${describeBundle(result.bundle).join("\n")}\n`);
      } else {
        process.stdout.write(`INVALID: ${file}\n${result.reasons.map((r) => `  - ${r}`).join("\n")}\n`);
      }
      process.exitCode = result.valid ? 0 : EXIT_POLICY_FAILS;
    });
}
