/**
 * `homeostat deploy`: deploys the whole stack (Poseidon, verifiers, timelock, policy, snapshots, registry,
 * vault, test tokens, Chainlink mock feeds, Uniswap V2 with pools) and writes the deployment file.
 * With `--rpc URL` it deploys onto that node and exits. Without it, it starts a local chain (Hardhat's
 * simulated network) with a JSON-RPC server, deploys onto it and keeps serving until Ctrl-C, so that
 * `snapshot`, `publish` and `rebalance` can use the deployment (they read the URL from the file).
 */
import path from "node:path";
import { getAddress, isAddress, type JsonRpcProvider } from "ethers";
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { checkOutputFile, checkOutputFolder } from "../../core/node/output-paths.ts";
import { defaultDeployConfig, deployStack, INSTANCES, localRoles, writeDeployment, type Deployment, type DeployRoles, type InstanceName } from "../../chain/deploy.ts";
import { writeInputFiles } from "../../chain/inputs.ts";
import { releaseSigner, signerFor, startLocalChain, type LocalChain } from "../../chain/local.ts";
import { onChain } from "../../chain/session.ts";

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
}

function parseInteger(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UserError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`, { where: flag });
  return n;
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
    .description("deploy the contracts, a Uniswap V2 venue, test tokens and feeds; write the deployment file")
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
    .option("--json", "print the deployment as JSON on stdout")
    .addHelpText(
      "after",
      [
        "",
        "The deployer key: HOMEOSTAT_PRIVATE_KEY, else the node's first unlocked account; it proposes and executes",
        "on the timelock, which governs every contract. Operator, keeper, rebalancer and guardian are four other",
        "accounts (flags above), so a stolen key holds one role (docs/ARCHITECTURE.md, threat model). The chain",
        "commands act with the node's account of the role they need. Needs `homeostat setup --instance <group>`",
        "and `npx hardhat build` first.",
        "Example: homeostat deploy --inputs .homeostat   (then, in another shell)",
        "         homeostat snapshot --deployment .homeostat/deployment.json --out .homeostat/prices.json",
      ].join("\n"),
    )
    .action(async (flags: DeployFlags) => {
      if (!(INSTANCES as readonly string[]).includes(flags.instance)) {
        throw new UserError(`unknown instance group "${flags.instance}" (expected ${INSTANCES.join(" or ")})`, { where: "--instance" });
      }
      const instance = flags.instance as InstanceName;
      const config = defaultDeployConfig(instance);
      config.timelockDelay = parseInteger(flags.timelockDelay, "--timelock-delay", 0, 30 * 86400);
      const port = parseInteger(flags.port, "--port", 0, 65535);
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
