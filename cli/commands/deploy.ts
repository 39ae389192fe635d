/**
 * `homeostat deploy`: deploys the whole stack (Poseidon, verifiers, timelock, policy, snapshots, registry,
 * vault, test tokens, Chainlink mock feeds, Uniswap V2 with pools) and writes the deployment file.
 * With `--rpc URL` it deploys onto that node and exits. Without it, it starts a local chain (Hardhat's
 * simulated network) with a JSON-RPC server, deploys onto it and keeps serving until Ctrl-C, so that
 * `snapshot`, `publish` and `rebalance` can use the deployment (they read the URL from the file).
 * With `--config FILE --rpc URL` it deploys only Homeostat's contracts against the network's existing
 * tokens, feeds and Uniswap V2 (chain/deploy-existing.ts), after checking every address; `--dry-run` prints
 * the plan and the checks and sends nothing.
 */
import path from "node:path";
import { integerOption } from "../options.ts";
import { getAddress, isAddress, type JsonRpcProvider } from "ethers";
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { checkOutputFile, checkOutputFolder } from "../../core/node/output-paths.ts";
import { defaultDeployConfig, deployStack, INSTANCES, localRoles, writeDeployment, type Deployment, type DeployRoles, type InstanceName } from "../../chain/deploy.ts";
import { writeInputFiles } from "../../chain/inputs.ts";
import { releaseSigner, signerFor, startLocalChain, type LocalChain } from "../../chain/local.ts";
import { onChain } from "../../chain/session.ts";
import { loadExistingConfig } from "../../chain/deploy-config.ts";
import { deploymentPlan, deployOntoExisting, PreflightFailed, readJournal } from "../../chain/deploy-existing.ts";
import { checkExistingContracts, formatFinding } from "../../chain/preflight.ts";

interface DeployFlags {
  rpc?: string;
  out: string;
  instance: string;
  inputs?: string;
  port: string;
  timelockDelay: string;
  exit?: boolean;
  json?: boolean;
  operator?: string;
  keeper?: string;
  rebalancer?: string;
  guardian?: string;
  config?: string;
  dryRun?: boolean;
}


function summary(deployment: Deployment, out: string, inputs?: { treasury: string; policy: string; users: string }): string {
  const c = deployment.contracts;
  return [
    `deployed Homeostat (${deployment.instance} instance, A=${deployment.sizes.A}, K=${deployment.sizes.K}) on chain ${deployment.chainId}`,
    `  vault ${c.treasuryVault}   registry ${c.solvencyRegistry}`,
    `  policy ${c.riskPolicy} (hash ${deployment.policyHash})`,
    `  snapshots ${c.priceSnapshots}   timelock ${c.timelock} (delay ${deployment.timelockDelay} s)`,
    `  Uniswap V2 router ${c.uniswapRouter}; assets ${deployment.assets.map((a) => a.symbol).join(", ")}`,
    `deployment written to ${out}`,
    ...(inputs ? [`operator inputs written to ${inputs.treasury}, ${inputs.policy} and ${inputs.users}`] : []),
  ].join("\n");
}

/** Waits for Ctrl-C (SIGINT) or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/** Registers `deploy` on the program. */
export function register(program: Command): void {
  program
    .command("deploy")
    .description("deploy the contracts, a Uniswap V2 venue, test tokens and feeds (or, with --config, only the contracts, onto existing ones); write the deployment file")
    .option("--rpc <url>", "JSON-RPC node to deploy onto (default: start a local chain and keep serving it)")
    .option("--out <file>", "deployment file to write", ".homeostat/deployment.json")
    .option("--instance <name>", `circuit instance group: ${INSTANCES.join(" or ")}`, "test")
    .option("--inputs <dir>", "also write the operator's treasury.json, policy.json and users.csv for this deployment into DIR")
    .option("--port <n>", "port of the local chain's JSON-RPC server (without --rpc)", "8545")
    .option("--timelock-delay <seconds>", "governance timelock delay", "3600")
    .option("--exit", "without --rpc: exit after deploying (the local chain and its state end with the process)")
    .option("--operator <address>", "OPERATOR_ROLE: publishes liabilities roots and attestations (default: the node's account 1)")
    .option("--keeper <address>", "KEEPER_ROLE: takes price snapshots (default: the node's account 2)")
    .option("--rebalancer <address>", "REBALANCER_ROLE: submits proven rebalances (default: the node's account 3)")
    .option("--guardian <address>", "guardian: pauses, tightens and delists at once (default: the node's account 4)")
    .option("--config <file>", "deploy only Homeostat's contracts against the existing tokens, feeds and Uniswap V2 that FILE names (needs --rpc; see below)")
    .option("--dry-run", "with --config: print the plan and check every address; send nothing")
    .option("--json", "print the deployment (with --dry-run: the plan and the checks) as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "Onto existing contracts: homeostat deploy --config FILE --rpc URL [--dry-run] [--out FILE]",
        "FILE (JSON, examples/deploy-config.json) names the chain id, the instance, each asset's token (expected",
        "symbol and decimals) and Chainlink feed (decimals, description, maxAge, answer bounds) with its policy rules,",
        "an optional L2 sequencer feed, the Uniswap V2 router and factory and the accepted factories, the scenarios",
        "and minimums, the attestors, the timelock's delay, proposers and executors (a Safe, say), and the guardian,",
        "operator, keeper and rebalancer; optionally roles.payout (granted PAYOUT_ROLE: submits proven payouts) and",
        "payoutLimits ({\"USDC\": {\"limit\": \"50000\", \"period\": \"1d\"}}: what it may pay per period, in the asset's",
        "units), set on the vault before the hand-over. Every address is checked first (code present, ERC-20 decimals() and",
        "symbol(), feed decimals(), description() and a fresh in-bounds latestRoundData(), the sequencer up, the",
        "router's factory() on the list, the role accounts); one line per failed check names the entry and the reason,",
        "and nothing is sent. --dry-run stops after printing the plan and the checks. Then the hashers, verifiers,",
        "timelock, policy, snapshots, registry and vault are deployed, the roles granted, governance handed to the",
        "timelock and the deployer's powers renounced. --out is a journal meanwhile, written after every",
        "transaction: if the deployment is interrupted, run the same command again and it resumes, never deploying",
        "a contract twice (a journal made from another config is refused). --instance, --timelock-delay, --inputs",
        "and the role flags belong to the test stack; with --config the file says all of it.",
        "",
        "Without --config, a test stack:",
        "The deployer key: HOMEOSTAT_PRIVATE_KEY, else the node's first unlocked account; it proposes and executes",
        "on the timelock, which governs every contract. Operator, keeper, rebalancer and guardian are four other",
        "accounts (flags above), so a stolen key holds one role (docs/ARCHITECTURE.md, threat model). The chain",
        "commands act with the node's account of the role they need. Needs `homeostat setup --instance <group>`",
        "and `npx hardhat build` first.",
        "Example: homeostat deploy --inputs .homeostat   (then, in another shell)",
        "         homeostat snapshot --deployment .homeostat/deployment.json --out .homeostat/prices.json",
      ].join("\n"),
    )
    .action(async (flags: DeployFlags, command: Command) => {
      if (flags.config !== undefined) return deployFromConfig(flags.config, flags, command);
      if (flags.dryRun) throw new UserError("--dry-run checks a deploy config: give --config FILE --rpc URL", { where: "--dry-run", exitCode: 2 });
      if (!(INSTANCES as readonly string[]).includes(flags.instance)) {
        throw new UserError(`unknown instance group "${flags.instance}" (expected ${INSTANCES.join(" or ")})`, { where: "--instance" });
      }
      const instance = flags.instance as InstanceName;
      const config = defaultDeployConfig(instance);
      config.timelockDelay = integerOption(flags.timelockDelay, "--timelock-delay", { max: 30 * 86400 });
      const port = integerOption(flags.port, "--port", { max: 65535 });
      const out = path.resolve(flags.out);
      // Before deploying: where the deployment (and the operator's files) go must be writable.
      checkOutputFile(out, { flag: "--out", inputs: [] });
      if (flags.inputs) checkOutputFolder(flags.inputs, { flag: "--inputs", inputs: [{ path: out, what: "the deployment file (--out)" }] });

      let chain: LocalChain | undefined;
      const url = flags.rpc ?? (chain = await startLocalChain({ port })).url;
      const signer = await signerFor(url);
      const log = flags.json ? undefined : (line: string) => process.stderr.write(`homeostat deploy: ${line}\n`);
      try {
        const overrides: Partial<DeployRoles> = {};
        for (const role of ["operator", "keeper", "rebalancer", "guardian"] as const) {
          const address = flags[role];
          if (address === undefined) continue;
          if (!isAddress(address)) throw new UserError(`${address} is not an address`, { where: `--${role}` });
          overrides[role] = getAddress(address);
        }
        const provider = signer.provider as JsonRpcProvider;
        const roles = await localRoles(async (index) => {
          try {
            return await (await provider.getSigner(index)).getAddress();
          } catch {
            throw new UserError(`the node has no unlocked account ${index} for a role: pass --operator, --keeper, --rebalancer and --guardian`, { where: "--rpc" });
          }
        }, overrides);
        const deployment = await onChain("deploy", () => deployStack(signer, config, { rpc: url, roles, ...(log ? { log } : {}) }));
        writeDeployment(out, deployment);
        const inputs = flags.inputs ? writeInputFiles(path.resolve(flags.inputs), deployment, config) : undefined;
        process.stdout.write(flags.json ? `${JSON.stringify(deployment, null, 2)}\n` : `${summary(deployment, out, inputs)}\n`);
      } catch (e) {
        await chain?.close();
        throw e;
      } finally {
        releaseSigner(signer);
      }
      if (chain && !flags.exit) {
        process.stderr.write(`homeostat deploy: local chain serving at ${chain.url}; Ctrl-C stops it (its state is in memory only)\n`);
        await untilSignal();
        await chain.close();
      } else if (chain) {
        await chain.close();
      }
    });
}

/** `deploy --config FILE`: check, then (unless --dry-run) deploy or resume onto existing contracts. */
async function deployFromConfig(file: string, flags: DeployFlags, command: Command): Promise<void> {
  for (const flag of ["instance", "timelockDelay", "inputs", "port", "exit", "operator", "keeper", "rebalancer", "guardian"] as const) {
    if (command.getOptionValueSource(flag) === "cli") {
      const name = `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UserError("belongs to the test stack; with --config the file says it", { where: name, exitCode: 2 });
    }
  }
  if (!flags.rpc) throw new UserError("--config deploys onto an existing network: give its node with --rpc URL", { where: "--rpc", exitCode: 2 });
  const existing = loadExistingConfig(file);
  const out = path.resolve(flags.out);
  checkOutputFile(out, { flag: "--out", inputs: [{ path: file, what: "the deploy config (--config)" }] });
  const signer = await signerFor(flags.rpc);
  try {
    const provider = signer.provider!;
    const deployer = getAddress(await signer.getAddress());
    const chainId = (await provider.getNetwork()).chainId;
    if (flags.dryRun) {
      const findings = await checkExistingContracts(provider, existing);
      const found = readJournal(out, existing, chainId, deployer);
      const done = new Set((found.finished?.steps ?? found.journal?.steps ?? []).filter((s) => s.done).map((s) => s.step));
      const plan = found.finished ? [] : deploymentPlan(existing, deployer, await provider.getTransactionCount(deployer, "pending"), done);
      const failed = findings.filter((f) => !f.ok);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ config: file, chainId: chainId.toString(), deployer, ok: failed.length === 0, finished: Boolean(found.finished), plan, findings }, null, 2)}\n`);
      } else {
        const head = found.finished
          ? `${out} already holds this deployment: nothing to send`
          : `plan: Homeostat (${existing.config.instance} instance) on chain ${chainId} from ${deployer}, against existing tokens, feeds and Uniswap V2${done.size ? ` (resuming ${out}: ${done.size} step(s) done)` : ""}`;
        const checks = findings.map((f) => `  ${f.ok ? "ok  " : "FAIL"} ${f.path}${f.subject ? ` (${f.subject})` : ""}: ${f.reason}`);
        process.stdout.write([head, ...plan, `checks (${findings.length - failed.length} passed, ${failed.length} failed):`, ...checks, ""].join("\n"));
      }
      if (failed.length > 0) {
        for (const f of failed) process.stderr.write(`${formatFinding(file, f)}\n`);
        throw new PreflightFailed(file, failed);
      }
      if (!flags.json) process.stdout.write("dry run: every check passed; nothing was sent\n");
      return;
    }
    const log = flags.json ? undefined : (line: string) => process.stderr.write(`homeostat deploy: ${line}\n`);
    let result;
    try {
      result = await onChain("deploy", () => deployOntoExisting(signer, existing, { out, rpc: flags.rpc!, ...(log ? { log } : {}) }));
    } catch (e) {
      if (e instanceof PreflightFailed) for (const line of e.lines) process.stderr.write(`${line}\n`);
      throw e;
    }
    const { deployment } = result;
    process.stdout.write(flags.json ? `${JSON.stringify(deployment, null, 2)}\n` : `${summary(deployment, out)}\n  ${result.sent} transaction(s) sent${result.resumedSteps ? `, ${result.resumedSteps} step(s) already done` : ""}; the deployer holds no role\n`);
  } finally {
    releaseSigner(signer);
  }
}
