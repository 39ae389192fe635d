/**
 * `homeostat rebalance --bundle S2BUNDLE --deployment FILE`: submits a proven swap to the deployment's
 * TreasuryVault, which checks the S2 proof against the current positions root, policy, latest snapshot
 * and liabilities root, swaps through an allowed Uniswap V2 router with `amountOutMin = minAmountOut`,
 * and stores the new root. A refusal prints the contract's error by name.
 */
import type { Command } from "commander";
import { isAddress } from "ethers";
import { UserError } from "../../core/errors.ts";
import { orderedSignals, packedProofOf, rebalanceArgs, submitRebalance } from "../../chain/gate.ts";
import { onChain, openDeployment } from "../../chain/session.ts";
import { readBundleFor } from "./publish.ts";

interface RebalanceFlags {
  bundle: string;
  deployment: string;
  rpc?: string;
  deadline: string;
  factory?: string;
  json?: boolean;
}

/** Registers `rebalance` on the program. */
export function register(program: Command): void {
  program
    .command("rebalance")
    .description("execute a proven swap (S2 bundle) through the vault")
    .requiredOption("--bundle <file>", "S2 (rebalance) proof bundle")
    .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
    .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
    .option("--deadline <seconds>", "the swap must land within this many seconds of the latest block", "300")
    .option("--factory <address>", "listed Uniswap V2 factory whose pair the vault swaps through (default: the deployment's factory)")
    .option("--json", "print the result as JSON")
    .addHelpText("after", "\nThe sender needs the vault's REBALANCER_ROLE (key: HOMEOSTAT_PRIVATE_KEY, else the node's first account).")
    .action(async (flags: RebalanceFlags) => {
      if (!/^\d+$/.test(flags.deadline) || Number(flags.deadline) < 1) throw new UserError("expected a positive number of seconds", { where: "--deadline" });
      if (flags.factory !== undefined && !isAddress(flags.factory)) throw new UserError(`${flags.factory} is not an address`, { where: "--factory" });
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const bundle = readBundleFor(flags.bundle, "rebalance", session.deployment.instance);
        const signals = orderedSignals(bundle, "rebalance");
        const { action, transition, sequence, vaultTotals } = rebalanceArgs(signals);
        const proof = packedProofOf(bundle);
        const factory = flags.factory ?? session.deployment.contracts.uniswapFactory;
        const latest = await session.signer.provider!.getBlock("latest");
        const deadline = BigInt(latest!.timestamp) + BigInt(flags.deadline);
        const vault = session.stack.treasuryVault;
        const { receipt, amountOut } = await onChain("rebalance", async () => {
          await vault.getFunction("rebalance").staticCall(factory, action, transition, sequence, vaultTotals, proof, deadline); // decodes a refusal before sending
          return submitRebalance(session.stack, { factory, action, transition, sequence, vaultTotals, proof, deadline });
        });
        const assets = session.deployment.assets;
        const symbol = (i: bigint) => assets[Number(i)]?.symbol ?? `asset ${i}`;
        const result = {
          sold: { asset: symbol(action.assetIn), amountIn: action.amountIn.toString() },
          bought: { asset: symbol(action.assetOut), minAmountOut: action.minAmountOut.toString(), amountOut: amountOut.toString() },
          oldRoot: transition.oldRoot.toString(),
          newRoot: transition.newRoot.toString(),
          transaction: receipt.hash,
          gasUsed: receipt.gasUsed.toString(),
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `rebalanced: sold ${result.sold.amountIn} ${result.sold.asset} base units for ${result.bought.amountOut} ${result.bought.asset} ` +
                `(proven minimum ${result.bought.minAmountOut}); positions root is now ${result.newRoot}; ${receipt.hash}, gas ${result.gasUsed}\n`,
        );
      } finally {
        session.close();
      }
    });
}
