/**
 * `homeostat check`: the treasury's health report under its policy, prices and liabilities, evaluated with
 * exactly the rules the circuits enforce. Exit 0 only when every bound holds (3 when one fails), so scripts
 * and the keeper can gate on it. Nothing is written.
 */
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { custodyReport, loadStatements } from "../../prover/custody.ts";
import { evaluateTreasury } from "../../prover/evaluate.ts";
import { formatReport, reportToJson } from "../../prover/report.ts";
import { addTreasuryOptions, loadInputs, resolveTreasuryPaths, type TreasuryFlags } from "../treasury-inputs.ts";

/** Exit code when the inputs are fine but a bound fails. */
export const EXIT_POLICY_FAILS = 3;

interface CheckFlags extends TreasuryFlags {
  json?: boolean;
  deployment?: string;
  rpc?: string;
}

/** The vault's balance of each policy token, read through the deployment's node. */
async function vaultBalances(deploymentFile: string, rpc: string | undefined, tokens: readonly string[]): Promise<bigint[]> {
  const { openDeployment } = await import("../../chain/session.ts");
  const { Contract } = await import("ethers");
  const session = await openDeployment(deploymentFile, rpc);
  try {
    const vault = session.deployment.contracts.treasuryVault;
    const abi = ["function balanceOf(address) view returns (uint256)"];
    return await Promise.all(tokens.map(async (t) => (await new Contract(t, abi, session.signer).getFunction("balanceOf").staticCall(vault)) as bigint));
  } finally {
    session.close();
  }
}

/** Registers `check` on the program. */
export function register(program: Command): void {
  const command = program
    .command("check")
    .description("evaluate the treasury against its risk policy: every cap, coverage, liquidity, stress scenario and feed")
    .option("--json", "print the report as JSON on stdout")
    .option("--deployment <file>", "also compare the vault-held positions with the vault's balances on chain (homeostat deploy output)")
    .option("--rpc <url>", "with --deployment: JSON-RPC node (default: the URL the deployment records)");
  addTreasuryOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Prints total value, each asset's share against its cap, coverage and liquidity against their minimums,",
        "each stress scenario's margin and each feed's freshness and bounds. For a failing bound it says by how much",
        "(USD and percentage points) and the smallest trade that would fix it, at snapshot prices.",
        "Custody: names every position at an attestor that no fresh signed statement backs (none listed in the",
        "treasury's \"statements\", expired, or signing less), by how much, and what would fix it; vault-held",
        "positions are compared with the vault's balances with --deployment (else when the attestation is published).",
        "",
        "Exit codes: 0 every bound holds; 3 a bound fails; 1 bad input (one line on stderr); 2 bad usage.",
        "",
        "Example:",
        "  homeostat check --dir examples/meridian",
        "  homeostat check --treasury t.json --policy p.json --prices prices.json --liabilities users.csv --json",
      ].join("\n"),
    )
    .action(async (flags: CheckFlags) => {
      const paths = resolveTreasuryPaths(flags);
      const { treasury, liabilities } = loadInputs(paths);
      const report = evaluateTreasury(treasury.policy, treasury.prices, treasury.holdings, liabilities.total);
      if (flags.rpc && !flags.deployment) throw new UserError("--rpc needs --deployment FILE (the vault's address)", { where: "--rpc", exitCode: 2 });
      const balances = flags.deployment ? await vaultBalances(flags.deployment, flags.rpc, treasury.policy.assets.map((a) => a.token)) : undefined;
      const custody = custodyReport(treasury, loadStatements(treasury), balances);
      const ok = report.ok && custody.length === 0;
      if (flags.json) process.stdout.write(`${JSON.stringify({ ok, report: reportToJson(report), custody }, null, 2)}\n`);
      else {
        process.stdout.write(`${formatReport(report, { title: treasury.name ?? "Treasury health" })}\n`);
        if (custody.length > 0) process.stdout.write(`\nCustody: ${custody.length} position(s) not backed\n${custody.map((c) => `  ✗ ${c.where}: ${c.message}`).join("\n")}\n`);
      }
      process.exitCode = ok ? 0 : EXIT_POLICY_FAILS;
    });
}
