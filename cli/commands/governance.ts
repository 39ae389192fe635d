/**
 * `homeostat governance policy|propose|payout-limit|status|execute` and `homeostat guardian
 * tighten|lower-payout-limit` (issue 16): policy changes and the vault's payout limits and payout role through
 * the deployment's TimelockController, or written as a Safe Transaction Builder batch when the proposer is a
 * Safe; pending operations with their earliest execution time and the payout limits, read from the chain; the
 * guardian's immediate tightening and lowering. The work is in chain/governance.ts and chain/payout-limits.ts.
 */
import type { Command } from "commander";
import { getAddress, isAddress, type Contract, type JsonRpcProvider, type Signer } from "ethers";
import { UserError } from "../../core/errors.ts";
import { writeFileAtomic } from "../../core/node/atomic-write.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import {
  executeData,
  governedTargets,
  newBatch,
  policyChange,
  requireRole,
  safeBatchFile,
  scheduledOperations,
  scheduleData,
  type GovernanceCall,
  type ScheduledOperation,
  type TimelockBatch,
} from "../../chain/governance.ts";
import {
  describeLimit,
  formatAssetAmount,
  MAX_PAYOUT_PERIOD,
  payoutAsset,
  payoutLimitAmount,
  payoutLimitChange,
  payoutRoleHolders,
  readPayoutLimits,
  type PayoutAsset,
  type PayoutLimitState,
} from "../../chain/payout-limits.ts";
import { readDeployment, type Deployment } from "../../chain/deploy.ts";
import { durationSchema } from "../../core/schemas.ts";
import { formatDecimal } from "../../core/units.ts";
import { policyCallArg, readPolicy } from "../../chain/policy.ts";
import { policyFileOfChain } from "../../chain/inputs.ts";
import { chainTime } from "../../chain/gate.ts";
import { onChain, openDeployment, type ChainSession } from "../../chain/session.ts";
import { integerOption } from "../options.ts";

interface CommonFlags {
  deployment: string;
  rpc?: string;
  json?: boolean;
}
interface ProposeFlags extends CommonFlags {
  policy: string;
  safe?: string;
  out?: string;
}
interface StatusFlags extends CommonFlags {
  all?: boolean;
  fromBlock?: string;
}
interface ExecuteFlags extends CommonFlags {
  id: string;
  safe?: string;
  out?: string;
  fromBlock?: string;
}
interface TightenFlags extends CommonFlags {
  policy: string;
}
interface LowerFlags extends CommonFlags {
  asset: string;
  limit: string;
}
interface PayoutLimitFlags extends LowerFlags {
  period: string;
  grant?: string;
  revoke?: string;
  safe?: string;
  out?: string;
}

/** The node's unlocked account `address`, else the session's signer (HOMEOSTAT_PRIVATE_KEY or account 0). */
async function accountSigner(session: ChainSession, address: string | undefined): Promise<Signer> {
  if (!address || process.env["HOMEOSTAT_PRIVATE_KEY"]) return session.signer;
  const provider = session.signer.provider as JsonRpcProvider;
  const unlocked = ((await provider.send("eth_accounts", [])) as string[]).map((a) => a.toLowerCase());
  return unlocked.includes(address.toLowerCase()) ? provider.getSigner(address) : session.signer;
}

/** An address flag (checksummed), or a usage error naming it; the zero address is refused. */
function addressFlag(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  if (!isAddress(text)) throw new UserError(`expected an address, got ${JSON.stringify(text)}`, { where: flag, exitCode: 2 });
  if (BigInt(text) === 0n) throw new UserError("the zero address cannot be used here", { where: flag, exitCode: 2 });
  return getAddress(text);
}

/** The --safe address, checked with --out (which only a Safe batch uses). */
function safeFlags(flags: { safe?: string; out?: string }): string | undefined {
  const safe = addressFlag(flags.safe, "--safe");
  if (flags.out !== undefined && !safe) throw new UserError("--out is for the Safe batch file: add --safe ADDRESS", { where: "--out", exitCode: 2 });
  return safe;
}

/** A payout period: seconds (`86400`) or a duration (`"1d"`, `"12h"`), from 1 s to 365 days; else a usage error. */
function periodFlag(text: string): number {
  const trimmed = text.trim();
  const parsed = durationSchema.safeParse(/^\d+$/.test(trimmed) ? Number(trimmed) : trimmed);
  if (!parsed.success || parsed.data > MAX_PAYOUT_PERIOD) {
    throw new UserError(`expected a period from 1 s to 365 days (seconds, or a duration such as "1d" or "12h"), got ${JSON.stringify(text)}`, { where: "--period", exitCode: 2 });
  }
  return parsed.data;
}

/** The --asset and --limit flags against the deployment file (read before any connection), as a usage error when wrong. */
function assetAndLimit(flags: LowerFlags): { asset: PayoutAsset; limit: bigint } {
  const asset = payoutAsset(readDeployment(flags.deployment), flags.asset, "--asset");
  return { asset, limit: payoutLimitAmount(flags.limit, asset, "--limit") };
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function when(readyAt: number, now: number): string {
  const iso = isoTime(readyAt);
  const left = readyAt - now;
  if (left <= 0) return `${iso} (ready)`;
  const h = Math.floor(left / 3600);
  const m = Math.ceil((left % 3600) / 60);
  return `${iso} (in ${h > 0 ? `${h} h ` : ""}${m} min)`;
}

function operationJson(op: ScheduledOperation | TimelockBatch & { readyAt?: number; state?: string }) {
  return {
    id: op.id,
    ...(op.state !== undefined ? { state: op.state } : {}),
    ...(op.readyAt ? { readyAt: op.readyAt, readyAtIso: new Date(op.readyAt * 1000).toISOString() } : {}),
    salt: op.salt,
    predecessor: op.predecessor,
    calls: op.calls.map((c) => ({ target: c.target, value: c.value.toString(), data: c.data, summary: c.summary })),
  };
}

/** What a batch does, for a Safe batch's name: a policy change, a payout limit change, or (mixed) a governance operation. */
function batchTitle(calls: readonly Pick<GovernanceCall, "target">[], deployment: Deployment): string {
  const vault = calls.every((c) => c.target.toLowerCase() === deployment.contracts.treasuryVault.toLowerCase());
  const policy = calls.every((c) => c.target.toLowerCase() === deployment.contracts.riskPolicy.toLowerCase());
  return policy ? "policy change" : vault ? "payout limit change" : "governance operation";
}

function payoutLimitJson(l: PayoutLimitState) {
  return {
    asset: l.index,
    symbol: l.symbol,
    limit: l.limit.toString(),
    limitUnits: formatDecimal(l.limit, l.decimals),
    period: l.period,
    remaining: l.remaining.toString(),
    remainingUnits: formatDecimal(l.remaining, l.decimals),
    ...(l.windowEnds !== undefined ? { windowEnds: l.windowEnds, windowEndsIso: new Date(l.windowEnds * 1000).toISOString() } : {}),
  };
}

/** Writes a Safe batch file for `data` on the timelock; the output path is checked before. */
function writeSafeBatch(session: ChainSession, safe: string, out: string, name: string, description: string, data: string): void {
  writeFileAtomic(out, `${JSON.stringify(safeBatchFile({ chainId: session.deployment.chainId, safe, name, description, to: session.deployment.contracts.timelock, data }), null, 2)}\n`);
}

async function findOperation(session: ChainSession, id: string, fromBlock: number): Promise<ScheduledOperation> {
  const ops = await scheduledOperations(session.stack.timelock, governedTargets(session.stack, session.deployment), fromBlock);
  const op = ops.find((o) => o.id.toLowerCase() === id.toLowerCase());
  if (!op) throw new UserError(`no operation ${id} was scheduled on the timelock ${session.deployment.contracts.timelock}${fromBlock ? ` since block ${fromBlock}` : ""}`, { where: "--id" });
  return op;
}

/**
 * Schedules `calls` as one timelock batch: sent by a proposer (HOMEOSTAT_PRIVATE_KEY, else the node's account
 * recorded as governor), or, with `safe`, written as a Safe Transaction Builder batch (`out`, checked against
 * `inputs` and the deployment file) after checking the Safe may propose. Prints the operation (JSON with `json`).
 */
async function proposeBatch(
  session: ChainSession,
  calls: GovernanceCall[],
  options: { deployment: string; json?: boolean; safe: string | undefined; out?: string; inputs: { path: string; what: string }[]; unchanged?: string[] },
): Promise<void> {
  const { stack, deployment } = session;
  const { safe } = options;
  const batch = newBatch(calls);
  const delay = (await stack.timelock.getFunction("getMinDelay").staticCall()) as bigint;
  const data = scheduleData(stack.timelock, batch, delay);
  let readyAt: number;
  let tx: string | undefined;
  let file: string | undefined;
  if (safe) {
    await requireRole(stack.timelock, "PROPOSER_ROLE", safe, "--safe");
    file = options.out ?? `governance-${batch.id.slice(2, 10)}-schedule.json`;
    checkOutputFile(file, { flag: "--out", inputs: [...options.inputs, { path: options.deployment, what: "the deployment file" }] });
    writeSafeBatch(session, safe, file, `Homeostat ${batchTitle(calls, deployment)} (schedule)`, calls.map((c) => c.summary).join("; "), data);
    readyAt = (await chainTime(session.signer.provider!)) + Number(delay);
  } else {
    const signer = await accountSigner(session, deployment.roles?.governor);
    await requireRole(stack.timelock, "PROPOSER_ROLE", await signer.getAddress(), "proposer");
    const receipt = await onChain("scheduleBatch", async () => (await (await signer.sendTransaction({ to: deployment.contracts.timelock, data })).wait())!);
    tx = receipt.hash;
    readyAt = Number(await stack.timelock.getFunction("getTimestamp").staticCall(batch.id));
  }
  const unchanged = options.unchanged ?? [];
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ...operationJson(batch), readyAt, delay: Number(delay), ...(tx ? { tx } : {}), ...(file ? { safeBatchFile: file, safe } : {}), ...(unchanged.length ? { unchanged } : {}) }, null, 2)}\n`,
    );
    return;
  }
  const now = await chainTime(session.signer.provider!);
  process.stdout.write(
    [
      `operation ${batch.id}`,
      ...calls.map((c) => `  ${c.summary}`),
      ...unchanged.map((u) => `  (unchanged: ${u})`),
      tx ? `scheduled in ${tx}; executable from ${when(readyAt, now)}` : `Safe batch written to ${file}: import it in the Safe's Transaction Builder (${safe}); executable ${delay} s after it is executed by the Safe`,
      `then: homeostat governance execute --deployment ${options.deployment} --id ${batch.id}${safe ? ` --safe ${safe}` : ""}`,
      "",
    ].join("\n"),
  );
}

/** Registers `governance` and `guardian` on the program. */
export function register(program: Command): void {
  const governance = program.command("governance").description("policy changes and payout limits through the timelock: export the deployed policy, propose a change or a payout limit (or write a Safe batch), status, execute");
  const common = (cmd: Command) =>
    cmd
      .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
      .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
      .option("--json", "print the result as JSON");

  common(
    governance
      .command("propose")
      .description("schedule the change from the deployed policy to a policy file as one timelock batch")
      .requiredOption("--policy <file>", "the policy wanted (policy.json as `deploy --inputs` writes it, edited)")
      .option("--safe <address>", "the proposer is this Safe: write a Safe Transaction Builder batch instead of sending")
      .option("--out <file>", "with --safe: the batch file to write (default governance-<id>-schedule.json)"),
  )
    .addHelpText(
      "after",
      [
        "",
        "The policy file names assets by symbol; tokens, feeds and decimals stay the deployed ones, and the assets, their",
        "order and the number of scenarios are fixed by the circuit instance. Changed rules become one RiskPolicy.setPolicy",
        "call; a changed sequencer feed or attestor key a call of its own; all of them one timelock batch",
        "(scheduleBatch now, executeBatch once the timelock's delay has passed: `governance execute --id ID`).",
        "Without --safe the proposer's key sends it (HOMEOSTAT_PRIVATE_KEY, else the node's account recorded as governor).",
      ].join("\n"),
    )
    .action(async (flags: ProposeFlags) => {
      const safe = safeFlags(flags);
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { calls } = await policyChange(session.stack, session.deployment, flags.policy, "propose");
        await proposeBatch(session, calls, { ...flags, safe, inputs: [{ path: flags.policy, what: "the policy file" }] });
      } finally {
        session.close();
      }
    });

  common(
    governance
      .command("payout-limit")
      .description("schedule a payout limit for one asset (and grant or revoke PAYOUT_ROLE) as one timelock batch")
      .requiredOption("--asset <symbol>", "the asset, by its symbol in the deployment (e.g. USDC)")
      .requiredOption("--limit <units>", "what the payout role may pay per period, in the asset's units (e.g. 50000 or 0.5; 0 stops it)")
      .requiredOption("--period <seconds>", 'the period the limit renews on, 1 s to 365 days: seconds, or a duration ("1d", "12h")')
      .option("--grant <address>", "also grant PAYOUT_ROLE to this account (it submits proven payouts within the limits)")
      .option("--revoke <address>", "also revoke PAYOUT_ROLE from this account")
      .option("--safe <address>", "the proposer is this Safe: write a Safe Transaction Builder batch instead of sending")
      .option("--out <file>", "with --safe: the batch file to write (default governance-<id>-schedule.json)"),
  )
    .addHelpText(
      "after",
      [
        "",
        "The vault lets the payout role (PAYOUT_ROLE) pay at most --limit of the asset per window of --period seconds",
        "(windows aligned on multiples of the period); a new limit keeps what was spent in the current window unless the",
        "period changes. The limit is written in the asset's units and converted exactly with its decimals from the",
        "deployment file (more decimals than the token has are refused). The calls that change something",
        "(TreasuryVault.setPayoutLimit, grantRole / revokeRole(PAYOUT_ROLE)) become one timelock batch, exactly as",
        "`governance propose` makes it: scheduleBatch now (or a Safe batch with --safe), executeBatch once the delay has",
        "passed (`governance execute --id ID`); a request that changes nothing is refused. `governance status` shows every",
        "asset's limit, what is left of it in the current window and who holds PAYOUT_ROLE. The guardian may lower a",
        "limit at once: `guardian lower-payout-limit`.",
        "Example: homeostat governance payout-limit --deployment d.json --asset USDC --limit 50000 --period 1d --grant 0xPAYER",
      ].join("\n"),
    )
    .action(async (flags: PayoutLimitFlags) => {
      const period = periodFlag(flags.period);
      const grant = addressFlag(flags.grant, "--grant");
      const revoke = addressFlag(flags.revoke, "--revoke");
      if (grant && grant === revoke) throw new UserError("the same account as --grant: grant or revoke, not both", { where: "--revoke", exitCode: 2 });
      const safe = safeFlags(flags);
      const { asset, limit } = assetAndLimit(flags);
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { calls, unchanged } = await payoutLimitChange(session.stack, session.deployment, { asset, limit, period, ...(grant ? { grant } : {}), ...(revoke ? { revoke } : {}) });
        await proposeBatch(session, calls, { ...flags, safe, inputs: [], unchanged });
      } finally {
        session.close();
      }
    });

  common(
    governance
      .command("policy")
      .description("write the deployed policy as a policy file: the starting point of a change (edit it, then propose it)")
      .requiredOption("--out <file>", "policy file to write (e.g. policy.json)"),
  ).action(async (flags: CommonFlags & { out: string }) => {
    checkOutputFile(flags.out, { flag: "--out", inputs: [{ path: flags.deployment, what: "the deployment file" }] });
    const session = await openDeployment(flags.deployment, flags.rpc);
    try {
      const policy = await onChain("getPolicy", () => readPolicy(session.stack.riskPolicy));
      const version = (await session.stack.riskPolicy.getFunction("version").staticCall()) as bigint;
      writeFileAtomic(flags.out, `${JSON.stringify(policyFileOfChain(session.deployment, policy), null, 2)}\n`);
      process.stdout.write(flags.json ? `${JSON.stringify({ out: flags.out, policyVersion: Number(version) }, null, 2)}\n` : `wrote the deployed policy (version ${version}) to ${flags.out}\n`);
    } finally {
      session.close();
    }
  });

  common(
    governance
      .command("status")
      .description("list the timelock's pending operations with their earliest execution time, and the vault's payout limits")
      .option("--all", "also list executed and cancelled operations")
      .option("--from-block <n>", "look for operations and PAYOUT_ROLE grants from this block on (default 0)"),
  )
    .addHelpText(
      "after",
      [
        "",
        "After the operations: each asset's payout limit and period, what the payout role may still pay in the current",
        "window (and when it ends), and the accounts holding PAYOUT_ROLE (the vault's RoleGranted / RoleRevoked events",
        "since --from-block, each confirmed with hasRole).",
      ].join("\n"),
    )
    .action(async (flags: StatusFlags) => {
      const fromBlock = flags.fromBlock ? integerOption(flags.fromBlock, "--from-block") : 0;
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { stack, deployment } = session;
        const ops = (await scheduledOperations(stack.timelock, governedTargets(stack, deployment), fromBlock)).filter((o) => flags.all || o.state === "waiting" || o.state === "ready");
        const now = await chainTime(session.signer.provider!);
        const limits = await readPayoutLimits(stack.treasuryVault, deployment, now);
        const holders = await payoutRoleHolders(stack.treasuryVault, fromBlock);
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ timelock: deployment.contracts.timelock, chainTime: now, operations: ops.map(operationJson), payoutLimits: limits.map(payoutLimitJson), payoutRole: holders }, null, 2)}\n`,
          );
          return;
        }
        const lines: string[] = [];
        if (ops.length === 0) lines.push(`no ${flags.all ? "" : "pending "}operations on the timelock ${deployment.contracts.timelock}`);
        for (const op of ops) {
          const state = op.state === "waiting" ? `waiting until ${when(op.readyAt, now)}` : op.state === "ready" ? `ready since ${when(op.readyAt, now).replace(" (ready)", "")}` : op.state;
          lines.push(`${op.id}  ${state}  (scheduled in block ${op.scheduledBlock})`, ...op.calls.map((c) => `  ${c.summary}`));
        }
        lines.push(`payout limits (TreasuryVault ${deployment.contracts.treasuryVault}; PAYOUT_ROLE: ${holders.length ? holders.join(", ") : "nobody"}):`);
        const width = Math.max(...limits.map((l) => l.symbol.length));
        for (const l of limits) {
          const left = l.windowEnds === undefined ? "" : `; ${formatAssetAmount(l.remaining, l)} left until ${isoTime(l.windowEnds)}`;
          lines.push(`  ${l.symbol.padEnd(width)}  ${describeLimit(l.limit, l.period, l)}${left}`);
        }
        process.stdout.write(`${lines.join("\n")}\n`);
      } finally {
        session.close();
      }
    });

  common(
    governance
      .command("execute")
      .description("execute a ready timelock operation (or write the Safe batch that does)")
      .requiredOption("--id <operation>", "operation id (governance propose / status)")
      .option("--safe <address>", "the executor is this Safe: write a Safe Transaction Builder batch instead of sending")
      .option("--out <file>", "with --safe: the batch file to write (default governance-<id>-execute.json)")
      .option("--from-block <n>", "look for the operation from this block on (default 0)"),
  ).action(async (flags: ExecuteFlags) => {
    const safe = safeFlags(flags);
    if (!/^0x[0-9a-fA-F]{64}$/.test(flags.id)) throw new UserError(`expected a 32-byte hex operation id, got ${JSON.stringify(flags.id)}`, { where: "--id", exitCode: 2 });
    const fromBlock = flags.fromBlock ? integerOption(flags.fromBlock, "--from-block") : 0;
    const session = await openDeployment(flags.deployment, flags.rpc);
    try {
      const { stack, deployment } = session;
      const op = await findOperation(session, flags.id, fromBlock);
      const now = await chainTime(session.signer.provider!);
      if (op.state === "done") throw new UserError(`operation ${op.id} was already executed`, { where: "--id" });
      if (op.state === "cancelled") throw new UserError(`operation ${op.id} was cancelled`, { where: "--id" });
      if (op.state === "waiting" && !safe) throw new UserError(`operation ${op.id} is not ready: it is executable from ${when(op.readyAt, now)}`, { where: "--id", exitCode: 3 });
      const data = executeData(stack.timelock, op);
      if (safe) {
        await requireRole(stack.timelock, "EXECUTOR_ROLE", safe, "--safe");
        const file = flags.out ?? `governance-${op.id.slice(2, 10)}-execute.json`;
        checkOutputFile(file, { flag: "--out", inputs: [{ path: flags.deployment, what: "the deployment file" }] });
        writeSafeBatch(session, safe, file, `Homeostat ${batchTitle(op.calls, deployment)} (execute)`, op.calls.map((c) => c.summary).join("; "), data);
        process.stdout.write(flags.json ? `${JSON.stringify({ ...operationJson(op), safeBatchFile: file, safe }, null, 2)}\n` : `Safe batch written to ${file}${op.state === "waiting" ? `; the Safe can execute it from ${when(op.readyAt, now)}` : ""}\n`);
        return;
      }
      const signer = await accountSigner(session, deployment.roles?.governor);
      await requireRole(stack.timelock, "EXECUTOR_ROLE", await signer.getAddress(), "executor");
      const receipt = await onChain("executeBatch", async () => (await (await signer.sendTransaction({ to: deployment.contracts.timelock, data })).wait())!);
      const version = (await stack.riskPolicy.getFunction("version").staticCall()) as bigint;
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...operationJson(op), state: "done", tx: receipt.hash, policyVersion: Number(version) }, null, 2)}\n`);
      else {
        const touchesPolicy = op.calls.some((c) => c.target.toLowerCase() === deployment.contracts.riskPolicy.toLowerCase());
        process.stdout.write(`executed ${op.id} in ${receipt.hash}${touchesPolicy ? `; the policy is at version ${version}` : ""}\n${op.calls.map((c) => `  ${c.summary}`).join("\n")}\n`);
      }
    } finally {
      session.close();
    }
  });

  const guardian = program.command("guardian").description("the guardian's immediate powers: tighten the policy, lower a payout limit");
  common(
    guardian
      .command("tighten")
      .description("tighten the deployed policy at once to a policy file (RiskPolicy refuses anything looser)")
      .requiredOption("--policy <file>", "the tighter policy (policy.json as `deploy --inputs` writes it, edited)"),
  )
    .addHelpText("after", "\nSent by the guardian's key (HOMEOSTAT_PRIVATE_KEY, else the node's account recorded as guardian). A looser rule is\nrefused on chain with the contract's error; loosening goes through `governance propose`.")
    .action(async (flags: TightenFlags) => {
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { stack, deployment } = session;
        const { next, calls: changes } = await policyChange(stack, deployment, flags.policy, "tighten");
        if (changes.some((c) => c.kind !== "policy")) {
          throw new UserError("changes the sequencer feed or an attestor key: only governance can (governance propose); the guardian tightens the rules", { where: flags.policy });
        }
        const signer = await accountSigner(session, deployment.roles?.guardian);
        await requireRole(stack.riskPolicy, "RISK_GUARDIAN_ROLE", await signer.getAddress(), "guardian");
        const receipt = await onChain("tighten", async () => (await (await (stack.riskPolicy.connect(signer) as Contract).getFunction("tighten")(policyCallArg(next))).wait())!);
        const version = (await stack.riskPolicy.getFunction("version").staticCall()) as bigint;
        const summary = changes[0]!.summary.replace("RiskPolicy.setPolicy: ", "");
        if (flags.json) process.stdout.write(`${JSON.stringify({ tx: receipt.hash, policyVersion: Number(version), changes: summary }, null, 2)}\n`);
        else process.stdout.write(`tightened in ${receipt.hash}; the policy is at version ${version}: ${summary}\n`);
      } finally {
        session.close();
      }
    });

  common(
    guardian
      .command("lower-payout-limit")
      .description("lower an asset's payout limit at once (the vault refuses a higher one)")
      .requiredOption("--asset <symbol>", "the asset, by its symbol in the deployment (e.g. USDC)")
      .requiredOption("--limit <units>", "the new limit per period, in the asset's units (0 stops the payout role's payouts of it)"),
  )
    .addHelpText(
      "after",
      [
        "",
        "Sent at once by the guardian's key (HOMEOSTAT_PRIVATE_KEY, else the node's account recorded as guardian):",
        "TreasuryVault.lowerPayoutLimit keeps the period and what was spent in the current window. A limit above the",
        "current one is refused on chain with the contract's error (PayoutLimitNotLowered); raising a limit goes through",
        "`governance payout-limit`.",
      ].join("\n"),
    )
    .action(async (flags: LowerFlags) => {
      const { asset, limit } = assetAndLimit(flags);
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { stack, deployment } = session;
        const vault = stack.treasuryVault;
        const [current, period] = (await vault.getFunction("payoutLimits").staticCall(asset.index)) as unknown as [bigint, bigint];
        if (limit === current) throw new UserError(`is already ${describeLimit(current, Number(period), asset)}: nothing to lower`, { where: "--limit" });
        const signer = await accountSigner(session, deployment.roles?.guardian);
        await requireRole(vault, "GUARDIAN_ROLE", await signer.getAddress(), "guardian");
        const receipt = await onChain("lowerPayoutLimit", async () => (await (await (vault.connect(signer) as Contract).getFunction("lowerPayoutLimit")(asset.index, limit)).wait())!);
        const remaining = (await vault.getFunction("payoutRemaining").staticCall(asset.index)) as bigint;
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ tx: receipt.hash, asset: asset.index, symbol: asset.symbol, limit: limit.toString(), previous: current.toString(), period: Number(period), remaining: remaining.toString() }, null, 2)}\n`);
        } else {
          process.stdout.write(`lowered in ${receipt.hash}: ${asset.symbol} ${describeLimit(current, Number(period), asset)} -> ${describeLimit(limit, Number(period), asset)}; ${formatAssetAmount(remaining, asset)} left in the current window\n`);
        }
      } finally {
        session.close();
      }
    });
}
