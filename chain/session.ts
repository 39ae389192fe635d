/**
 * What the chain-facing CLI commands share: open a deployment file on its node (the `--rpc` flag, else the
 * URL recorded at deployment), run a transaction and turn a revert into one UserError line naming the
 * contract's custom error.
 */
import type { JsonRpcProvider, Signer } from "ethers";
import { UserError } from "../core/errors.ts";
import { attachStack, readDeployment, type Deployment, type RoleRunners, type Stack } from "./deploy.ts";
import { describeFailure } from "./errors.ts";
import { releaseSigner, signerFor } from "./local.ts";

/** A deployment opened on its node. */
export interface ChainSession {
  deployment: Deployment;
  signer: Signer;
  stack: Stack;
  rpc: string;
  /** Stops the provider so the process can exit. */
  close(): void;
}

/** Opens `deploymentFile` on `rpc` (default: the deployment's own URL) and checks the chain id. */
export async function openDeployment(deploymentFile: string, rpc?: string): Promise<ChainSession> {
  const deployment = readDeployment(deploymentFile);
  const url = rpc ?? deployment.rpc;
  if (!url) throw new UserError("no --rpc given and the deployment records no URL", { where: "--rpc" });
  const signer = await signerFor(url);
  const chainId = (await signer.provider!.getNetwork()).chainId;
  if (chainId.toString() !== deployment.chainId) {
    releaseSigner(signer);
    throw new UserError(`the node at ${url} is chain ${chainId}, the deployment is on chain ${deployment.chainId}`, { where: "--rpc" });
  }
  const code = await signer.provider!.getCode(deployment.contracts.treasuryVault);
  if (code === "0x") {
    releaseSigner(signer);
    throw new UserError(`no vault at ${deployment.contracts.treasuryVault} on ${url} (was the local chain restarted?)`, { where: deploymentFile });
  }
  const roles = await roleSigners(signer, deployment);
  return { deployment, signer, stack: attachStack(deployment, signer, roles), rpc: url, close: () => releaseSigner(signer) };
}

/**
 * The operator's, keeper's and rebalancer's signers: without HOMEOSTAT_PRIVATE_KEY, the node's unlocked
 * account recorded for each role in the deployment (a local node holds them all); with it, that one key acts
 * for every role it holds.
 */
async function roleSigners(signer: Signer, deployment: Deployment): Promise<RoleRunners> {
  if (process.env["HOMEOSTAT_PRIVATE_KEY"]) return {};
  const provider = signer.provider as JsonRpcProvider;
  const unlocked = new Set(((await provider.send("eth_accounts", [])) as string[]).map((a) => a.toLowerCase()));
  const out: RoleRunners = {};
  for (const role of ["operator", "keeper", "rebalancer"] as const) {
    const address = deployment.roles?.[role];
    if (address && unlocked.has(address.toLowerCase())) out[role] = await provider.getSigner(address);
  }
  return out;
}

/** Runs a chain operation; a revert becomes a UserError `<what>: reverted with Error(args)`. */
export async function onChain<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(describeFailure(e), { where: what });
  }
}
