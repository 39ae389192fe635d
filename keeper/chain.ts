/**
 * The chain side of the keeper (implements keeper/ports.ts `KeeperChain`) over a deployed stack
 * (chain/deploy.ts `Stack`, chain/gate.ts operations), plus what a local demo or simulation does to the
 * market: set the Chainlink-style feeds and let arbitrage move the Uniswap V2 pools to the oracle prices.
 *
 * Every read and send retries RPC failures with exponential backoff; a revert (a decoded custom error or
 * any contract refusal) is final and is thrown at once.
 */
import { Contract, MaxUint256, type ContractRunner } from "ethers";
import { uniswapArtifact } from "../chain/artifacts.ts";
import type { Deployment, Stack } from "../chain/deploy.ts";
import { decodeRevert, describeFailure } from "../chain/errors.ts";
import { currentSequence, latestSnapshot, orderedSignals, packedProofOf, payoutArgs, publishAttestation, rebalanceArgs, submitPayout, submitRebalance, takeSnapshot } from "../chain/gate.ts";
import { arbitrageToOracle, type Pool } from "./amm.ts";
import type { PlannedSwap } from "./planner.ts";
import type { KeeperChain, KeeperProof, KeeperSnapshot } from "./ports.ts";
import type { VaultDeposit } from "./state-store.ts";

/** Blocks per `eth_getLogs` request when scanning for deposits (public nodes cap the range). */
const LOG_RANGE = 5_000;

/** Retry policy for RPC failures. */
export interface RetryOptions {
  attempts?: number;
  /** First delay, ms (doubles each attempt). */
  baseDelayMs?: number;
  /** Called before each retry. */
  onRetry?: (what: string, attempt: number, error: unknown) => void;
}

/** A transaction the contract refused: final, not retried. */
export class ChainRevert extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what}: ${reason}`);
    this.name = "ChainRevert";
  }
}

/** True when `error` is a contract refusal rather than a transport failure. */
export function isRevert(error: unknown): boolean {
  if (error instanceof ChainRevert) return true;
  if (decodeRevert(error)) return true;
  const code = (error as { code?: string }).code;
  return code === "CALL_EXCEPTION" || code === "INSUFFICIENT_FUNDS" || code === "NONCE_EXPIRED";
}

/** Runs `op`, retrying transport errors with backoff; reverts become a `ChainRevert` at once. */
export async function withRetry<T>(what: string, op: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  let delay = options.baseDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (isRevert(e)) throw e instanceof ChainRevert ? e : new ChainRevert(what, describeFailure(e));
      if (attempt >= attempts) throw e;
      options.onRetry?.(what, attempt, e);
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/** The Uniswap V2 pairs between every two policy assets. */
export async function pairContracts(stack: Stack, deployment: Deployment): Promise<{ pair: Contract; asset0: number; asset1: number }[]> {
  const pairArtifact = uniswapArtifact("UniswapV2Pair");
  const tokens = deployment.assets.map((a) => a.token.toLowerCase());
  const out: { pair: Contract; asset0: number; asset1: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j < tokens.length; j++) {
      const address = (await stack.factory.getFunction("getPair")(tokens[i], tokens[j])) as string;
      if (/^0x0+$/.test(address)) continue;
      const pair = new Contract(address, pairArtifact.abi, stack.factory.runner);
      const token0 = ((await pair.getFunction("token0")()) as string).toLowerCase();
      out.push(token0 === tokens[i] ? { pair, asset0: i, asset1: j } : { pair, asset0: j, asset1: i });
    }
  }
  return out;
}

/** Current reserves of the pairs as planner pools. */
export async function readPools(pairs: readonly { pair: Contract; asset0: number; asset1: number }[]): Promise<Pool[]> {
  return Promise.all(
    pairs.map(async (p) => {
      const [reserve0, reserve1] = (await p.pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
      return { asset0: p.asset0, asset1: p.asset1, reserve0, reserve1 };
    }),
  );
}

/** Options of the chain-backed keeper port. */
export interface StackChainOptions extends RetryOptions {
  /** Seconds a swap may take to land (deadline = latest block + this). */
  deadlineSeconds?: number;
}

/** `KeeperChain` over a stack; the signer needs the keeper, operator and rebalancer roles. */
export class StackChain implements KeeperChain {
  private pairsCache?: { pair: Contract; asset0: number; asset1: number }[];

  constructor(
    readonly stack: Stack,
    readonly deployment: Deployment,
    readonly options: StackChainOptions = {},
  ) {}

  private retry<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(what, op, this.options);
  }

  private async blockTime(): Promise<bigint> {
    const provider = this.stack.treasuryVault.runner?.provider;
    const block = await provider?.getBlock("latest");
    return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
  }

  async snapshot(maxAgeSeconds: number): Promise<KeeperSnapshot> {
    const latest = await this.retry("latestSnapshot", () => latestSnapshot(this.stack));
    const now = await this.blockTime();
    if (latest && now - latest.timestamp <= BigInt(maxAgeSeconds)) {
      // Reuse it only if the feeds have not moved since.
      const fresh = await this.retry("feeds", () => this.feedsUnchangedSince(latest.timestamp));
      if (fresh) return latest;
    }
    return this.retry("takeSnapshot", () => takeSnapshot(this.stack));
  }

  private async feedsUnchangedSince(timestamp: bigint): Promise<boolean> {
    for (const feed of this.stack.feeds) {
      const round = (await feed.getFunction("latestRoundData")()) as [bigint, bigint, bigint, bigint, bigint];
      if (round[3] > timestamp) return false;
    }
    return true;
  }

  async currentRoot(): Promise<bigint> {
    return this.retry("positionsRoot", async () => (await this.stack.solvencyRegistry.getFunction("positionsRoot")()) as bigint);
  }

  async sequence(): Promise<bigint> {
    return this.retry("sequence", () => currentSequence(this.stack));
  }

  async pools(): Promise<Pool[]> {
    this.pairsCache ??= await this.retry("pairs", () => pairContracts(this.stack, this.deployment));
    return this.retry("getReserves", () => readPools(this.pairsCache!));
  }

  async rebalance(_swap: PlannedSwap, proof: KeeperProof, deadline: bigint): Promise<{ amountOut: bigint; txHash: string }> {
    const signals = orderedSignals({ statement: "rebalance", instance: "", ...proof }, "rebalance");
    const { action, transition, sequence, vaultTotals } = rebalanceArgs(signals);
    const packed = packedProofOf({ statement: "rebalance", instance: "", ...proof });
    const factory = this.deployment.contracts.uniswapFactory;
    const vault = this.stack.treasuryVault;
    // A dry run first decodes a refusal without spending gas; then the transaction.
    await this.retry("rebalance (dry run)", () => vault.getFunction("rebalance").staticCall(factory, action, transition, sequence, vaultTotals, packed, deadline));
    const { receipt, amountOut } = await this.retry("rebalance", () => submitRebalance(this.stack, { factory, action, transition, sequence, vaultTotals, proof: packed, deadline }));
    return { amountOut, txHash: receipt.hash };
  }

  async attest(proof: KeeperProof): Promise<{ txHash: string }> {
    const bundle = { statement: "solvency", instance: "", ...proof };
    const signals = orderedSignals(bundle, "solvency");
    const packed = packedProofOf(bundle);
    const registry = this.stack.solvencyRegistry;
    await this.retry("publishAttestation (dry run)", () => registry.getFunction("publishAttestation").staticCall(signals, packed));
    const receipt = await this.retry("publishAttestation", () => publishAttestation(this.stack, signals, packed));
    return { txHash: receipt.hash };
  }

  /**
   * Sends `TreasuryVault.payout` for an S4 bundle from `payer` (the payout role; default: the stack's vault
   * runner) and waits for it; a refusal (over the period's limit, say) is a ChainRevert naming the error.
   */
  async payout(proof: KeeperProof, payer?: ContractRunner): Promise<{ txHash: string }> {
    const bundle = { statement: "payout", instance: "", ...proof };
    const args = { ...payoutArgs(orderedSignals(bundle, "payout")), proof: packedProofOf(bundle) };
    const stack = payer ? { ...this.stack, treasuryVault: this.stack.treasuryVault.connect(payer) as Contract } : this.stack;
    const { asset, amount, recipient } = args.payout;
    await this.retry("payout (dry run)", () =>
      stack.treasuryVault.getFunction("payout").staticCall(asset, amount, recipient, args.transition, args.sequence, [...args.vaultTotals], [...args.proof]),
    );
    const receipt = await this.retry("payout", () => submitPayout(stack, args));
    return { txHash: receipt.hash };
  }

  /** The latest block number. */
  async blockNumber(): Promise<number> {
    return this.retry("blockNumber", () => this.stack.treasuryVault.runner!.provider!.getBlockNumber());
  }

  /** The vault's `Deposited` events in blocks [fromBlock, toBlock], oldest first, in ranges a public node serves. */
  async deposits(fromBlock: number, toBlock: number): Promise<VaultDeposit[]> {
    const vault = this.stack.treasuryVault;
    const out: VaultDeposit[] = [];
    for (let from = fromBlock; from <= toBlock; from += LOG_RANGE) {
      const to = Math.min(toBlock, from + LOG_RANGE - 1);
      const logs = await this.retry("Deposited events", () => vault.queryFilter(vault.filters["Deposited"]!(), from, to));
      for (const log of logs) {
        if (!("args" in log)) continue;
        const a = log.args.toObject();
        out.push({ asset: a["asset"] as bigint, amount: a["amount"] as bigint, block: log.blockNumber });
      }
    }
    return out;
  }

  /** The deadline for a swap sent now. */
  async deadline(): Promise<bigint> {
    return (await this.blockTime()) + BigInt(this.options.deadlineSeconds ?? 600);
  }

  /** What the mined rebalance that produced `newRoot` received (its Rebalanced event), if any. */
  async amountOutOf(newRoot: bigint): Promise<bigint | undefined> {
    // The registry's PositionsRootAdvanced names the sequence of the rebalance that produced the root; the
    // vault's Rebalanced of that sequence says what the pool paid.
    const registry = this.stack.solvencyRegistry;
    const advanced = await this.retry("PositionsRootAdvanced events", () => registry.queryFilter(registry.filters["PositionsRootAdvanced"]!(), 0, "latest"));
    const step = advanced.filter((l) => "args" in l && (l.args.toObject()["newRoot"] as bigint) === newRoot).at(-1);
    if (!step || !("args" in step)) return undefined;
    const vault = this.stack.treasuryVault;
    const logs = await this.retry("Rebalanced events", () => vault.queryFilter(vault.filters["Rebalanced"]!(step.args.toObject()["sequence"] as bigint), 0, "latest"));
    const last = logs.at(-1);
    return last && "args" in last ? (last.args.toObject()["amountOut"] as bigint) : undefined;
  }
}

/**
 * Moves the market on a local chain: sets each feed to `answers` (every feed, so none goes stale), then
 * trades each pool back to the oracle price through the router, as arbitrageurs would (the `trader` mints
 * the test tokens it sells). Returns the number of arbitrage trades.
 */
export async function moveMarket(stack: Stack, deployment: Deployment, answers: readonly bigint[], unitPrices: (answers: readonly bigint[]) => bigint[]): Promise<number> {
  for (const [i, feed] of stack.feeds.entries()) await (await feed.getFunction("updateAnswer")(answers[i]!)).wait();
  const prices = unitPrices(answers);
  const pairs = await pairContracts(stack, deployment);
  const pools = await readPools(pairs);
  const trader = await (stack.router.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const provider = stack.router.runner!.provider!;
  let trades = 0;
  for (const pool of pools) {
    const { trade } = arbitrageToOracle(pool, prices[pool.asset0]!, prices[pool.asset1]!);
    if (!trade || trade.amountIn === 0n) continue;
    const tokenIn = stack.tokens[trade.assetIn]!;
    const tokenOut = stack.tokens[trade.assetIn === pool.asset0 ? pool.asset1 : pool.asset0]!;
    await (await tokenIn.getFunction("mint")(trader, trade.amountIn)).wait();
    await (await tokenIn.getFunction("approve")(deployment.contracts.uniswapRouter, MaxUint256)).wait();
    const block = await provider.getBlock("latest");
    await (
      await stack.router.getFunction("swapExactTokensForTokens")(trade.amountIn, 0n, [await tokenIn.getAddress(), await tokenOut.getAddress()], trader, BigInt(block!.timestamp + 600))
    ).wait();
    trades++;
  }
  return trades;
}
