/**
 * `homeostat governance propose|status|execute` and `homeostat guardian tighten` (issue 16): policy changes
 * through the deployment's TimelockController, or written as a Safe Transaction Builder batch when the
 * proposer is a Safe; pending operations with their earliest execution time, read from the chain; the
 * guardian's immediate tightening. The work is in chain/governance.ts.
 */
import type { Command } from "commander";
import { getAddress, isAddress, type Contract, type JsonRpcProvider, type Signer } from "ethers";
import { UserError } from "../../core/errors.ts";
import { writeFileAtomic } from "../../core/node/atomic-write.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import {
  executeData,
  newBatch,
  policyChange,
  requireRole,
  safeBatchFile,
  scheduledOperations,
  scheduleData,
  type ScheduledOperation,
  type TimelockBatch,
} from "../../chain/governance.ts";
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

/** The node's unlocked account `address`, else the session's signer (HOMEOSTAT_PRIVATE_KEY or account 0). */
async function accountSigner(session: ChainSession, address: string | undefined): Promise<Signer> {
  if (!address || process.env["HOMEOSTAT_PRIVATE_KEY"]) return session.signer;
  const provider = session.signer.provider as JsonRpcProvider;
  const unlocked = ((await provider.send("eth_accounts", [])) as string[]).map((a) => a.toLowerCase());
  return unlocked.includes(address.toLowerCase()) ? provider.getSigner(address) : session.signer;
}

function safeAddress(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!isAddress(text)) throw new UserError(`expected an address, got ${JSON.stringify(text)}`, { where: "--safe", exitCode: 2 });
  return getAddress(text);
}

function when(readyAt: number, now: number): string {
  const iso = new Date(readyAt * 1000).toISOString().replace(".000Z", "Z");
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

/** Writes a Safe batch file for `data` on the timelock; the output path is checked before. */
function writeSafeBatch(session: ChainSession, safe: string, out: string, name: string, description: string, data: string): void {
  writeFileAtomic(out, `${JSON.stringify(safeBatchFile({ chainId: session.deployment.chainId, safe, name, description, to: session.deployment.contracts.timelock, data }), null, 2)}\n`);
}

async function findOperation(session: ChainSession, id: string, fromBlock: number): Promise<ScheduledOperation> {
  const ops = await scheduledOperations(session.stack.timelock, session.stack.riskPolicy, fromBlock);
  const op = ops.find((o) => o.id.toLowerCase() === id.toLowerCase());
  if (!op) throw new UserError(`no operation ${id} was scheduled on the timelock ${session.deployment.contracts.timelock}${fromBlock ? ` since block ${fromBlock}` : ""}`, { where: "--id" });
  return op;
}

/** Registers `governance` and `guardian` on the program. */
export function register(program: Command): void {
  const governance = program.command("governance").description("policy changes through the timelock: export the deployed policy, propose a change (or write a Safe batch), status, execute");
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
      const safe = safeAddress(flags.safe);
      if (flags.out !== undefined && !safe) throw new UserError("--out is for the Safe batch file: add --safe ADDRESS", { where: "--out", exitCode: 2 });
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const { stack, deployment } = session;
        const { calls } = await policyChange(stack, deployment, flags.policy, "propose");
        const batch = newBatch(calls);
        const delay = (await stack.timelock.getFunction("getMinDelay").staticCall()) as bigint;
        const data = scheduleData(stack.timelock, batch, delay);
        let readyAt: number;
        let tx: string | undefined;
        let file: string | undefined;
        if (safe) {
          await requireRole(stack.timelock, "PROPOSER_ROLE", safe, "--safe");
          file = flags.out ?? `governance-${batch.id.slice(2, 10)}-schedule.json`;
          checkOutputFile(file, { flag: "--out", inputs: [{ path: flags.policy, what: "the policy file" }, { path: flags.deployment, what: "the deployment file" }] });
          writeSafeBatch(session, safe, file, "Homeostat policy change (schedule)", calls.map((c) => c.summary).join("; "), data);
          readyAt = (await chainTime(session.signer.provider!)) + Number(delay);
        } else {
          const signer = await accountSigner(session, deployment.roles?.governor);
          await requireRole(stack.timelock, "PROPOSER_ROLE", await signer.getAddress(), "proposer");
          const receipt = await onChain("scheduleBatch", async () => (await (await signer.sendTransaction({ to: deployment.contracts.timelock, data })).wait())!);
          tx = receipt.hash;
          readyAt = Number(await stack.timelock.getFunction("getTimestamp").staticCall(batch.id));
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...operationJson(batch), readyAt, delay: Number(delay), ...(tx ? { tx } : {}), ...(file ? { safeBatchFile: file, safe } : {}) }, null, 2)}\n`);
        } else {
          const now = await chainTime(session.signer.provider!);
          process.stdout.write(
            [
              `operation ${batch.id}`,
              ...calls.map((c) => `  ${c.summary}`),
              tx ? `scheduled in ${tx}; executable from ${when(readyAt, now)}` : `Safe batch written to ${file}: import it in the Safe's Transaction Builder (${safe}); executable ${delay} s after it is executed by the Safe`,
              `then: homeostat governance execute --deployment ${flags.deployment} --id ${batch.id}${safe ? ` --safe ${safe}` : ""}`,
              "",
            ].join("\n"),
          );
        }
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
      .description("list the timelock's pending operations with their earliest execution time")
      .option("--all", "also list executed and cancelled operations")
      .option("--from-block <n>", "look for operations from this block on (default 0)"),
  ).action(async (flags: StatusFlags) => {
    const fromBlock = flags.fromBlock ? integerOption(flags.fromBlock, "--from-block") : 0;
    const session = await openDeployment(flags.deployment, flags.rpc);
    try {
      const ops = (await scheduledOperations(session.stack.timelock, session.stack.riskPolicy, fromBlock)).filter((o) => flags.all || o.state === "waiting" || o.state === "ready");
      const now = await chainTime(session.signer.provider!);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ timelock: session.deployment.contracts.timelock, chainTime: now, operations: ops.map(operationJson) }, null, 2)}\n`);
        return;
      }
      if (ops.length === 0) {
        process.stdout.write(`no ${flags.all ? "" : "pending "}operations on the timelock ${session.deployment.contracts.timelock}\n`);
        return;
      }
      const lines: string[] = [];
      for (const op of ops) {
        const state = op.state === "waiting" ? `waiting until ${when(op.readyAt, now)}` : op.state === "ready" ? `ready since ${when(op.readyAt, now).replace(" (ready)", "")}` : op.state;
        lines.push(`${op.id}  ${state}  (scheduled in block ${op.scheduledBlock})`, ...op.calls.map((c) => `  ${c.summary}`));
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
    const safe = safeAddress(flags.safe);
    if (flags.out !== undefined && !safe) throw new UserError("--out is for the Safe batch file: add --safe ADDRESS", { where: "--out", exitCode: 2 });
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
        writeSafeBatch(session, safe, file, "Homeostat policy change (execute)", op.calls.map((c) => c.summary).join("; "), data);
        process.stdout.write(flags.json ? `${JSON.stringify({ ...operationJson(op), safeBatchFile: file, safe }, null, 2)}\n` : `Safe batch written to ${file}${op.state === "waiting" ? `; the Safe can execute it from ${when(op.readyAt, now)}` : ""}\n`);
        return;
      }
      const signer = await accountSigner(session, deployment.roles?.governor);
      await requireRole(stack.timelock, "EXECUTOR_ROLE", await signer.getAddress(), "executor");
      const receipt = await onChain("executeBatch", async () => (await (await signer.sendTransaction({ to: deployment.contracts.timelock, data })).wait())!);
      const version = (await stack.riskPolicy.getFunction("version").staticCall()) as bigint;
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...operationJson(op), state: "done", tx: receipt.hash, policyVersion: Number(version) }, null, 2)}\n`);
      else process.stdout.write(`executed ${op.id} in ${receipt.hash}; the policy is at version ${version}\n${op.calls.map((c) => `  ${c.summary}`).join("\n")}\n`);
    } finally {
      session.close();
    }
  });

  const guardian = program.command("guardian").description("the risk guardian's immediate powers");
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
}
