/**
 * Optional on-chain check: reads the solvency registry's latest attestation over JSON-RPC (ethers v6) and
 * compares it with the bundle's public signals. Loaded on demand, so ethers costs nothing until used.
 */
import { Contract, JsonRpcProvider, Network, isAddress } from "ethers";

/** View functions of contracts/SolvencyRegistry.sol that this check reads. */
const REGISTRY_ABI = [
  "function latestAttestation() view returns (tuple(uint256 positionsRoot, uint256 liabilitiesRoot, uint256 policyHash, uint256 pricesHash, uint64 snapshotId, uint64 publishedAt, uint64 number))",
  "function positionsRoot() view returns (uint256)",
];

/** The S1 public signals the registry stores with each attestation. */
const SIGNALS = ["positionsRoot", "liabilitiesRoot", "policyHash", "pricesHash"] as const;

/** The outcome, in words. */
export interface RegistryComparison {
  /** The bundle is the registry's latest attestation. */
  latest: boolean;
  title: string;
  details: string[];
}

/**
 * Compares `signals` (the bundle's public signals by name) with the latest attestation of the registry at
 * `registry` on the chain `chainId` (the bundle policy's chain) reached through `rpcUrl`. Throws an Error
 * with a readable message when the RPC or the registry cannot be read, or the RPC serves another chain.
 */
export async function compareWithRegistry(rpcUrl: string, registry: string, chainId: string, signals: Record<string, string>): Promise<RegistryComparison> {
  if (!/^https?:\/\//.test(rpcUrl)) throw new Error("RPC URL: expected an http(s) URL such as http://127.0.0.1:8545");
  if (!isAddress(registry)) throw new Error("registry address: expected 0x followed by 40 hex digits");
  if (SIGNALS.some((name) => signals[name] === undefined)) throw new Error("only a solvency attestation can be compared with the registry");
  // A static network: ethers then never retries network detection forever on a dead endpoint.
  const provider = new JsonRpcProvider(rpcUrl, Network.from(BigInt(chainId)), { staticNetwork: true, batchMaxCount: 1 });
  try {
    const served = await provider.send("eth_chainId", []).then(
      (id: string) => BigInt(id),
      (e: { shortMessage?: string; message: string }) => {
        throw new Error(`cannot reach ${rpcUrl}: ${e.shortMessage ?? e.message}`);
      },
    );
    if (served !== BigInt(chainId)) throw new Error(`${rpcUrl} serves chain ${served}, but the bundle's policy is for chain ${chainId}`);
    const code = await provider.getCode(registry);
    if (code === "0x") throw new Error(`no contract at ${registry} on chain ${chainId}`);
    const contract = new Contract(registry, REGISTRY_ABI, provider);
    const latest = (await contract.getFunction("latestAttestation").staticCall()) as unknown as Record<string, bigint>;
    const current = (await contract.getFunction("positionsRoot").staticCall()) as bigint;
    if (latest.number === 0n) return { latest: false, title: "The registry holds no attestation yet.", details: [] };
    const details = [`attestation #${latest.number}, published ${new Date(Number(latest.publishedAt) * 1000).toISOString()} (snapshot ${latest.snapshotId})`];
    let same = true;
    for (const name of SIGNALS) {
      const equal = latest[name] === BigInt(signals[name]!);
      same &&= equal;
      if (!equal) details.push(`${name} differs: the registry has ${latest[name]}, the bundle ${signals[name]}`);
    }
    if (same && current !== latest.positionsRoot) details.push("since then a rebalance has moved the treasury's positions root");
    return {
      latest: same,
      title: same ? "This bundle is the registry's latest attestation." : "This bundle is NOT the registry's latest attestation.",
      details,
    };
  } finally {
    provider.destroy();
  }
}
