/**
 * A local chain for the CLI: Hardhat's in-process simulated network (EDR, the same chain the tests use)
 * behind a JSON-RPC server on localhost, so `homeostat deploy` can start it and keep serving while
 * `publish`, `rebalance` and `snapshot` talk to it with `--rpc`. Its state lives in memory and ends with
 * the process. Also: connecting a signer to a JSON-RPC URL.
 */
import path from "node:path";
import { JsonRpcProvider, Wallet, type Signer } from "ethers";
import { UserError } from "../core/errors.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";

/** A running local chain. */
export interface LocalChain {
  /** JSON-RPC URL, e.g. `http://127.0.0.1:8545`. */
  url: string;
  close(): Promise<void>;
}

/** Starts Hardhat's simulated network with a JSON-RPC server on `host:port` (port 0 = any free port). */
export async function startLocalChain(options: { host?: string; port?: number } = {}): Promise<LocalChain> {
  const hre = await projectHre();
  const server = await hre.network.createServer("default", options.host ?? "127.0.0.1", options.port ?? 8545);
  let listening: { address: string; port: number };
  try {
    listening = await server.listen();
  } catch (e) {
    throw new UserError(`cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 8545}: ${(e as Error).message}`, { where: "--port" });
  }
  return { url: `http://${listening.address}:${listening.port}`, close: () => server.close() };
}

/**
 * A signer on the node at `url`: the key in HOMEOSTAT_PRIVATE_KEY if set, else the node's unlocked
 * account number `account` (a local node's prefunded accounts).
 */
export async function signerFor(url: string, account = 0): Promise<Signer> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: false, pollingInterval: 250 });
  try {
    await provider.getNetwork();
  } catch (e) {
    provider.destroy();
    throw new UserError(`no JSON-RPC node answers at ${url} (${(e as Error).message.split("\n")[0]})`, { where: "--rpc" });
  }
  const key = process.env["HOMEOSTAT_PRIVATE_KEY"];
  if (key) {
    try {
      return new Wallet(key, provider);
    } catch {
      throw new UserError("HOMEOSTAT_PRIVATE_KEY is not a valid private key", { where: "HOMEOSTAT_PRIVATE_KEY" });
    }
  }
  try {
    return await provider.getSigner(account);
  } catch (e) {
    throw new UserError(`the node at ${url} has no unlocked account ${account}; set HOMEOSTAT_PRIVATE_KEY (${(e as Error).message.split("\n")[0]})`, { where: "--rpc" });
  }
}

/** Stops a signer's provider polling so the process can exit. */
export function releaseSigner(signer: Signer): void {
  const provider = signer.provider as { destroy?(): void } | null;
  provider?.destroy?.();
}

/**
 * A Hardhat runtime environment for this project, independent of the current directory (the CLI and the
 * benchmark may run from anywhere): `(await projectHre()).network.create()` gives an in-process chain.
 */
export async function projectHre() {
  const { createHardhatRuntimeEnvironment, importUserConfig } = await import("hardhat/hre");
  const configPath = path.join(PROJECT_ROOT, "hardhat.config.ts");
  const config = await importUserConfig(configPath);
  return createHardhatRuntimeEnvironment(config, { config: configPath }, PROJECT_ROOT);
}
