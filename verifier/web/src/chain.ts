/**
 * Optional on-chain check: reads the solvency registry's latest attestation over JSON-RPC (ethers v6) and
 * compares it with the bundle's public signals. Loaded on demand, so ethers costs nothing until used.
 */
import { AbiCoder, Contract, JsonRpcProvider, Network, isAddress, keccak256 } from "ethers";
import { ATTESTATION_TUPLE, unpackVaultTotals } from "../../../core/signals.ts";
import { formatDecimal } from "../../../core/units.ts";

/** What this check reads from contracts/SolvencyRegistry.sol. */
const REGISTRY_ABI = [
  "function head() view returns (uint40 sequence, uint40 attestedSequence, uint32 snapshotId, uint32 policyVersion, uint32 liabilitiesEpoch, uint32 latestEpoch, uint40 latestActiveFrom, bool paused)",
  "function attestationHash() view returns (bytes32)",
  "function positionsRoot() view returns (uint256)",
  `event AttestationPublished(uint64 indexed sequence, ${ATTESTATION_TUPLE} attestation)`,
  "function liabilitiesRootOf(uint256 epoch) view returns (uint256)",
];

/** The S1 public signals the registry records with each attestation. */
const SIGNALS = ["positionsRoot", "liabilitiesRoot", "policyHash", "pricesHash", "sequence"] as const;

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
/** The vault and its assets, to compare the bundle's vault-held totals with today's balances. */
export interface VaultCheck {
  vault: string;
  assets: { symbol: string; token: string; decimals: number }[];
}

export async function compareWithRegistry(
  rpcUrl: string,
  registry: string,
  chainId: string,
  signals: Record<string, string>,
  vaultCheck?: VaultCheck,
): Promise<RegistryComparison> {
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
    const head = (await contract.getFunction("head").staticCall()) as unknown as { sequence: bigint; attestedSequence: bigint };
    if (head.attestedSequence === 0n) return { latest: false, title: "The registry holds no attestation yet.", details: [] };
    // Storage keeps the attestation's hash; its fields are in its event, which must hash to it.
    const logs = await contract.queryFilter(contract.filters["AttestationPublished"]!(head.attestedSequence - 1n), 0, "latest");
    const log = logs.at(-1);
    if (!log || !("args" in log)) throw new Error("the registry's latest attestation event was not found");
    const latest = (log.args.toObject()["attestation"] as { toObject(): Record<string, bigint> }).toObject();
    const stored = (await contract.getFunction("attestationHash").staticCall()) as string;
    if (keccak256(AbiCoder.defaultAbiCoder().encode([ATTESTATION_TUPLE], [latest])) !== stored) {
      throw new Error("the registry's attestation event does not match its stored hash");
    }
    const current = (await contract.getFunction("positionsRoot").staticCall()) as bigint;
    const details = [`attestation #${latest.sequence! + 1n}, published ${new Date(Number(latest.publishedAt) * 1000).toISOString()} (snapshot ${latest.snapshotId}, policy version ${latest.policyVersion}, liabilities epoch ${latest.liabilitiesEpoch})`];
    let same = true;
    for (const name of SIGNALS) {
      const equal = latest[name] === BigInt(signals[name]!);
      same &&= equal;
      if (!equal) details.push(`${name} differs: the registry has ${latest[name]}, the bundle ${signals[name]}`);
    }
    if (same && (current !== latest.positionsRoot || head.sequence !== head.attestedSequence)) details.push("since then a rebalance has moved the treasury's positions root");
    if (vaultCheck) details.push(...(await vaultBalanceLines(provider, signals, vaultCheck)));
    return {
      latest: same,
      title: same ? "This bundle is the registry's latest attestation." : "This bundle is NOT the registry's latest attestation.",
      details,
    };
  } finally {
    provider.destroy();
  }
}

/**
 * Today's vault balances against the bundle's committed vault-held totals (packed public signals): one line
 * saying whether every total is within the balance, and one per asset that is not.
 */
async function vaultBalanceLines(provider: JsonRpcProvider, signals: Record<string, string>, check: VaultCheck): Promise<string[]> {
  const index = (k: string) => Number(k.slice("vaultTotals[".length, -1));
  const packed = Object.keys(signals).filter((k) => k.startsWith("vaultTotals[")).sort((x, y) => index(x) - index(y)).map((k) => BigInt(signals[k]!));
  if (packed.length === 0) return [];
  const totals = unpackVaultTotals(packed, check.assets.length);
  const short: string[] = [];
  for (const [i, a] of check.assets.entries()) {
    if (totals[i] === 0n || !isAddress(a.token)) continue;
    const token = new Contract(a.token, ["function balanceOf(address) view returns (uint256)"], provider);
    const balance = (await token.getFunction("balanceOf").staticCall(check.vault)) as bigint;
    if (balance < totals[i]!) {
      short.push(`${a.symbol}: the vault holds ${formatDecimal(balance, a.decimals, { group: true })}, less than the committed ${formatDecimal(totals[i]!, a.decimals, { group: true })}`);
    }
  }
  return short.length === 0 ? ["the committed vault-held totals are within the vault's balances today"] : ["the vault holds LESS than this attestation commits to it:", ...short];
}

/** The outcome of comparing a user's liabilities root with the registry's epochs. */
export interface EpochComparison {
  /** `current`: the root is the latest epoch's; `past`: an earlier epoch's; `mismatch`: not found (or not the named epoch's). */
  status: "current" | "past" | "mismatch";
  epoch?: number;
  title: string;
  details: string[];
}

/** Epochs searched, from the latest down, when the proof file names none. */
export const EPOCH_SEARCH = 256;

/**
 * Compares a user's liabilities root with the registry at `registry` through `rpcUrl`: with `epoch`, that
 * epoch's root (`liabilitiesRootOf`); without, the latest epochs are searched for it. Says whether it is the
 * current epoch (the latest published; a latest epoch still inside its publication delay is said so). Throws an
 * Error with a readable message when the RPC or the registry cannot be read.
 */
export async function compareRootWithRegistry(rpcUrl: string, registry: string, root: string, epoch?: number): Promise<EpochComparison> {
  if (!/^https?:\/\//.test(rpcUrl)) throw new Error("RPC URL: expected an http(s) URL such as http://127.0.0.1:8545");
  if (!isAddress(registry)) throw new Error("registry address: expected 0x followed by 40 hex digits");
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
  try {
    const chainId = await provider.send("eth_chainId", []).then(
      (id: string) => BigInt(id),
      (e: { shortMessage?: string; message: string }) => {
        throw new Error(`cannot reach ${rpcUrl}: ${e.shortMessage ?? e.message}`);
      },
    );
    const code = await provider.getCode(registry);
    if (code === "0x") throw new Error(`no contract at ${registry} on chain ${chainId}`);
    const contract = new Contract(registry, REGISTRY_ABI, provider);
    const head = (await contract.getFunction("head").staticCall()) as { latestEpoch: bigint; latestActiveFrom: bigint };
    const latest = Number(head.latestEpoch);
    const want = BigInt(root);
    const rootOf = async (e: number) => (await contract.getFunction("liabilitiesRootOf").staticCall(e)) as bigint;
    const pending = (e: number) => (e === latest && Number(head.latestActiveFrom) * 1000 > Date.now() ? `; it backs attestations from ${new Date(Number(head.latestActiveFrom) * 1000).toISOString()} (still inside the publication delay)` : "");
    const where = `registry ${registry} on chain ${chainId}`;
    const found = (e: number): EpochComparison =>
      e === latest
        ? { status: "current", epoch: e, title: `Your root is liabilities epoch ${e}'s on chain: the current epoch.`, details: [`${where}, latest epoch ${latest}${pending(e)}`] }
        : { status: "past", epoch: e, title: `Your root is liabilities epoch ${e}'s on chain: a past epoch (the current one is ${latest}).`, details: [`${where}; a newer epoch's proofs say whether you are counted today`] };
    if (epoch !== undefined) {
      if (epoch > latest) return { status: "mismatch", epoch, title: `The registry has no epoch ${epoch} yet (its latest is ${latest}).`, details: [where] };
      const onChain = await rootOf(epoch);
      if (onChain === want) return found(epoch);
      return { status: "mismatch", epoch, title: `Your proof names epoch ${epoch}, but that epoch's root on chain is another one.`, details: [`on chain: ${onChain}`, `in your proof: ${root}`, where] };
    }
    for (let e = latest; e >= 1 && e > latest - EPOCH_SEARCH; e--) {
      if ((await rootOf(e)) === want) return found(e);
    }
    return { status: "mismatch", title: `Your root is not one of the registry's liabilities roots (epochs ${Math.max(1, latest - EPOCH_SEARCH + 1)} to ${latest}).`, details: [where] };
  } finally {
    provider.destroy();
  }
}
