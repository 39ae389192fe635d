/**
 * `homeostat payout --deployment FILE --liabilities DIR --asset SYM --amount X --to 0xADDR`: pays `amount` of
 * `asset` out of the vault to `to` with an S4 proof, on the keeper's own state (keeper/payout.ts), so the
 * keeper and the payouts move one commitment. Before any proving it checks the sender may pay (the payout
 * role within the period's limit, or governance) and that the positions left still meet every bound; a
 * payout that breaks the policy prints the health report "After the payout" with the largest safe amount and
 * exits 3. While a keeper tick holds the state, it waits (--wait).
 */
import type { Command } from "commander";
import { id as keccakId, isAddress, type ContractRunner, type JsonRpcProvider, type Signer } from "ethers";
import { UserError } from "../../core/errors.ts";
import { formatDecimal } from "../../core/units.ts";
import { onChain, openDeployment, type ChainSession } from "../../chain/session.ts";
import { DEFAULT_KEEPER_SETTINGS, type KeeperEvent, type KeeperStage } from "../../keeper/loop.ts";
import { runPayout } from "../../keeper/payout.ts";
import { FileStateStore, lockState } from "../../keeper/state-store.ts";
import { writeBundle } from "../../prover/bundle.ts";
import { parsePayoutRequest, PolicyViolationError } from "../../prover/prove.ts";
import { formatReport, reportToJson } from "../../prover/report.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import { EXIT_POLICY_FAILS } from "./check.ts";
import { existsSync } from "node:fs";
import { keeperParts, keeperStateFile } from "./keeper.ts";
import { integerOption } from "../options.ts";

interface PayoutFlags {
  deployment: string;
  liabilities: string;
  asset: string;
  amount: string;
  to: string;
  rpc?: string;
  state?: string;
  from?: string;
  bundle?: string;
  wait: string;
  json?: boolean;
}

const PAYOUT_ROLE = keccakId("PAYOUT_ROLE");
const GOVERNANCE_ROLE = keccakId("GOVERNANCE_ROLE");

/** The account that sends the payout: HOMEOSTAT_PRIVATE_KEY's, else --from (an unlocked account of the node), else the node's first. */
async function payerOf(session: ChainSession, from: string | undefined): Promise<Signer> {
  if (from === undefined || process.env["HOMEOSTAT_PRIVATE_KEY"]) return session.signer;
  const provider = session.signer.provider as JsonRpcProvider;
  const unlocked = ((await provider.send("eth_accounts", [])) as string[]).map((a) => a.toLowerCase());
  if (!unlocked.includes(from.toLowerCase())) throw new UserError(`the node at ${session.rpc} holds no unlocked account ${from} (set HOMEOSTAT_PRIVATE_KEY instead)`, { where: "--from" });
  return provider.getSigner(from);
}

/** Refuses, before any proving, a sender who may not pay this much now (the vault would refuse it too). */
async function checkAllowance(session: ChainSession, payer: Signer, asset: number, amount: bigint, symbol: string, decimals: number): Promise<"governance" | "payout role"> {
  const vault = session.stack.treasuryVault;
  const address = await payer.getAddress();
  if ((await vault.getFunction("hasRole")(GOVERNANCE_ROLE, address)) as boolean) return "governance";
  if (!((await vault.getFunction("hasRole")(PAYOUT_ROLE, address)) as boolean)) {
    throw new UserError(`${address} holds neither the vault's PAYOUT_ROLE nor governance; governance grants the role (homeostat governance payout-limit --grant)`, { where: "--from" });
  }
  const remaining = (await vault.getFunction("payoutRemaining")(asset)) as bigint;
  if (amount > remaining) {
    throw new UserError(
      `over the payout limit: ${formatDecimal(remaining, decimals, { group: true })} ${symbol} left in this period (TreasuryVault.payoutLimits); governance may raise it or pay through the timelock`,
      { where: "--amount" },
    );
  }
  return "payout role";
}

/** Registers `payout` on the program. */
export function register(program: Command): void {
  program
    .command("payout")
    .description("pay an amount out of the vault with a proof (S4) that the positions left still meet the policy")
    .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
    .requiredOption("--liabilities <dir>", "liabilities tree folder (homeostat liabilities build output; its root must be the registry's)")
    .requiredOption("--asset <symbol>", "policy asset to pay, by symbol (e.g. USDC)")
    .requiredOption("--amount <decimal>", "amount in token units (e.g. 250000 or 1.5)")
    .requiredOption("--to <address>", "recipient (20-byte hex address)")
    .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
    .option("--state <file>", "the keeper's private state (default: keeper-state.json next to the deployment file)")
    .option("--from <address>", "send from this unlocked account of the node (default: HOMEOSTAT_PRIVATE_KEY, else the node's first account)")
    .option("--bundle <file>", "also write the S4 proof bundle here (for the page and auditors)")
    .option("--wait <seconds>", "wait this long for a keeper tick that holds the state", "120")
    .option("--json", "print the result as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "The payout comes from one position the vault itself holds (the smallest that holds the amount). It is",
        "proven on the keeper's state and applied to it once mined; a keeper running on the same state pauses its",
        "ticks meanwhile. The sender needs the vault's PAYOUT_ROLE, within the asset's limit for the period, or governance.",
        "Exit codes: 0 paid; 1 refused (no role, over the limit, a contract refusal); 2 bad flags; 3 the payout breaks the policy.",
        "Example: homeostat payout --deployment .homeostat/deployment.json --liabilities .homeostat/liabilities --asset USDC --amount 25000 --to 0x00000000000000000000000000000000000000b0",
      ].join("\n"),
    )
    .action(async (flags: PayoutFlags) => {
      if (!isAddress(flags.to)) throw new UserError(`${JSON.stringify(flags.to)} is not a 20-byte hex address (0x and 40 hex digits)`, { where: "--to", exitCode: 2 });
      if (flags.from !== undefined && !isAddress(flags.from)) throw new UserError(`${JSON.stringify(flags.from)} is not an address`, { where: "--from", exitCode: 2 });
      const waitMs = integerOption(flags.wait, "--wait", { min: 0, max: 86_400 }) * 1000;
      const stateFile = keeperStateFile(flags.deployment, flags.state);
      if (flags.bundle !== undefined) checkOutputFile(flags.bundle, { flag: "--bundle", inputs: [{ path: stateFile, what: "the keeper state (--state)" }, { path: flags.deployment, what: "the deployment file" }] });
      if (!existsSync(stateFile)) throw new UserError("no keeper state here: payouts move the keeper's commitment, start it first (homeostat keeper --init)", { where: stateFile });
      const log = (e: KeeperEvent) => {
        if (!flags.json) process.stderr.write(`homeostat payout: ${e.event}${e["statement"] ? ` ${String(e["statement"])}` : ""}${e["holder"] ? ` (process ${String(e["holder"])})` : ""}\n`);
      };
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const parts = await keeperParts(session, { liabilities: flags.liabilities, publishLiabilities: false, log });
        const payout = parsePayoutRequest({ policy: parts.policy }, { asset: flags.asset, amount: flags.amount, to: flags.to });
        const asset = parts.policy.assets[Number(payout.asset)]!;
        const payer = await payerOf(session, flags.from);
        const as = await onChain("payout role", () => checkAllowance(session, payer, Number(payout.asset), payout.amount, asset.symbol, asset.decimals));
        const unlock = await lockState(stateFile, { waitMs, onWait: (holder) => log({ event: "waiting for the keeper's tick", holder }) });
        let result: Awaited<ReturnType<typeof runPayout>>;
        try {
          const store = FileStateStore.open(stateFile);
          // Test hook, as the keeper's: HOMEOSTAT_KEEPER_CRASH_AT=payout-pending|payout-mined exits abruptly there.
          const crashAt = process.env["HOMEOSTAT_KEEPER_CRASH_AT"];
          const onStage = (stage: KeeperStage) => {
            if (stage === crashAt) process.exit(137);
          };
          result = await runPayout({ ...parts.context(store, DEFAULT_KEEPER_SETTINGS), onStage }, payout, payer as ContractRunner).catch((e: unknown) => {
            if (e instanceof PolicyViolationError) {
              if (flags.json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.message, report: reportToJson(e.report) }, null, 2)}\n`);
              else process.stderr.write(`${formatReport(e.report, { title: "After the payout" })}\n\n`);
              throw new UserError(e.message, { exitCode: EXIT_POLICY_FAILS });
            }
            if ((e as Error).name === "ChainRevert") throw new UserError((e as Error).message);
            throw e;
          });
        } finally {
          unlock();
        }
        if (flags.bundle !== undefined) writeBundle(flags.bundle, result.bundle);
        const summary = {
          ok: true,
          asset: asset.symbol,
          amount: payout.amount.toString(),
          units: formatDecimal(payout.amount, asset.decimals),
          to: flags.to,
          as,
          slot: result.slot,
          oldRoot: result.oldRoot.toString(),
          newRoot: result.newRoot.toString(),
          proveSeconds: Number(result.proveSeconds.toFixed(2)),
          transaction: result.txHash,
          ...(flags.bundle !== undefined ? { bundle: flags.bundle } : {}),
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(summary, null, 2)}\n`
            : `paid ${formatDecimal(payout.amount, asset.decimals, { group: true })} ${asset.symbol} to ${flags.to} (${as}); proof ${summary.proveSeconds} s; positions root is now ${summary.newRoot}; ${result.txHash}\n`,
        );
      } finally {
        session.close();
      }
    });
}
