/**
 * The keeper loop, one tick at a time (keeper/ports.ts describes the order): reconcile the private state
 * with the chain, read (or take) a price snapshot and the pools, evaluate the policy with the trigger margin,
 * plan (keeper/planner.ts), and for each planned swap: prove S2, record it as pending, execute it through
 * the vault, and commit it once mined with the amount actually received; after the swaps, prove S1 over the
 * holdings as actually held and publish the attestation (also recorded pending, then committed).
 *
 * Never twice: the private state moves only after a transaction is mined, and a restarted keeper
 * reconciles a pending entry against the chain's current root before doing anything else
 * (keeper/state-store.ts). A reverted swap drops its pending entry and ends the tick (re-plan next tick);
 * an RPC failure that outlasts the retries leaves the pending entry for the next tick's reconcile.
 */
import type { PolicyFields } from "../core/hash.ts";
import type { Position } from "../core/types.ts";
import { aggregateAmounts, assetValues, coverageBps } from "./bounds.ts";
import { ChainRevert, type StackChain } from "./chain.ts";
import { planRebalance, type PlannerAsset } from "./planner.ts";
import type { KeeperSnapshot } from "./ports.ts";
import type { BundleProver } from "./prover.ts";
import type { FileStateStore, ReconcileOutcome, VaultDeposit } from "./state-store.ts";
import { exactCheck } from "../prover/rules.ts";

/** Tunables of the keeper. */
export interface KeeperSettings {
  /** Act when a bound fails with this margin (bps of its limit). */
  triggerMarginBps: bigint;
  /** Restore every bound with this margin. */
  targetMarginBps: bigint;
  /** Slippage tolerance for `minAmountOut`. */
  slippageBps: bigint;
  maxSwaps: number;
  maxPriceImpactBps?: bigint;
  /** Reuse a snapshot this recent (and take a new one when the feeds moved). */
  snapshotMaxAgeSeconds: number;
}

/** Defaults: act at 2% from a bound, restore 5%, 0.5% slippage, at most 6 swaps. */
export const DEFAULT_KEEPER_SETTINGS: KeeperSettings = {
  triggerMarginBps: 200n,
  targetMarginBps: 500n,
  slippageBps: 50n,
  maxSwaps: 6,
  snapshotMaxAgeSeconds: 600,
};

/** One structured log event. */
export interface KeeperEvent {
  event: string;
  [key: string]: unknown;
}

/** Points inside a tick where a test can inject a crash. */
export type KeeperStage = "pending-recorded" | "mined" | "committed" | "attestation-mined" | "payout-pending" | "payout-mined";

/** Everything a tick uses. */
export interface KeeperContext {
  chain: StackChain;
  prover: BundleProver;
  store: FileStateStore;
  policy: PolicyFields;
  liabilitiesTotal: bigint;
  assets: readonly PlannerAsset[];
  scenarioNames: readonly string[];
  settings: KeeperSettings;
  log: (event: KeeperEvent) => void;
  /** Called at each stage (a test throws or exits here to simulate a crash). */
  onStage?: (stage: KeeperStage) => void;
}

/** A trade the keeper made. */
export interface KeeperTrade {
  sell: string;
  amountIn: bigint;
  buy: string;
  minAmountOut: bigint;
  amountOut: bigint;
  reason: string;
  bound: string;
  proveSeconds: number;
  txHash: string;
  newRoot: bigint;
}

/** What one tick did. */
export interface TickResult {
  reconciled: ReconcileOutcome;
  snapshot: KeeperSnapshot;
  acted: boolean;
  summary: string;
  coverageBeforeBps: bigint;
  coverageAfterBps: bigint;
  trades: KeeperTrade[];
  attestation?: { root: bigint; txHash: string; proveSeconds: number };
  /** A swap was refused on chain (re-plan next tick). */
  reverted?: string;
  /** Vault deposits counted this tick (attested at once when the holdings pass the policy). */
  deposits: VaultDeposit[];
}

/** Coverage ratio (bps) of `slots` at `unitPrices`. */
export function coverageOf(slots: readonly Position[], unitPrices: readonly bigint[], policy: PolicyFields, liabilitiesTotal: bigint): bigint {
  return coverageBps(assetValues(aggregateAmounts(slots, unitPrices.length), unitPrices), unitPrices, policy, liabilitiesTotal);
}

/** Reconciles the private state with the chain's current root (call first after a restart). */
export async function reconcile(ctx: KeeperContext): Promise<ReconcileOutcome> {
  const root = await ctx.chain.currentRoot();
  const pending = ctx.store.pending();
  const outcome = await ctx.store.reconcile(root, (r) => ctx.chain.amountOutOf(r));
  if (outcome !== "clean") ctx.log({ event: "reconciled", outcome, pending: pending?.newRoot.toString(), kind: pending?.kind, chainRoot: root.toString() });
  return outcome;
}

/**
 * Counts the vault's `Deposited` events since the state's scan mark into the held slots (one atomic write
 * with the new mark). A state without a mark (made before deposits were counted) starts counting now.
 */
export async function countDeposits(ctx: Pick<KeeperContext, "chain" | "store" | "log" | "assets">): Promise<VaultDeposit[]> {
  const latest = await ctx.chain.blockNumber();
  const mark = ctx.store.depositsScannedTo();
  if (mark === undefined) {
    ctx.store.creditDeposits([], latest);
    return [];
  }
  if (mark >= latest) return [];
  const deposits = await ctx.chain.deposits(mark + 1, latest);
  const credited = ctx.store.creditDeposits(deposits, latest);
  for (const { slot, deposit } of credited) {
    ctx.log({ event: "deposit", asset: ctx.assets[Number(deposit.asset)]?.symbol ?? `asset ${deposit.asset}`, amount: deposit.amount.toString(), block: deposit.block, slot });
  }
  return deposits;
}

/** Runs one tick. */
export async function runTick(ctx: KeeperContext): Promise<TickResult> {
  const { chain, prover, store, settings } = ctx;
  const reconciled = await reconcile(ctx);
  const deposits = await countDeposits(ctx);
  const snapshot = await chain.snapshot(settings.snapshotMaxAgeSeconds);
  let attestation: TickResult["attestation"];
  if (deposits.length > 0) {
    // Deposits are committed by an attestation before anything else, so no swap can reuse a slot one landed in;
    // when the holdings with them fail a bound, the swaps below restore it first and the closing attestation counts them.
    const passes = exactCheck(store.held(), snapshot.unitPrices, ctx.policy, ctx.liabilitiesTotal).ok;
    if (passes) attestation = await attest(ctx, snapshot);
    else ctx.log({ event: "deposits-held", reason: "the holdings with the deposits fail a bound; attesting after the swaps" });
  }
  const pools = await chain.pools();
  const committed = store.current();
  const held = store.held();
  const coverageBeforeBps = coverageOf(held, snapshot.unitPrices, ctx.policy, ctx.liabilitiesTotal);
  const plan = planRebalance({
    positions: committed.slots,
    unitPrices: snapshot.unitPrices,
    policy: ctx.policy,
    liabilitiesTotal: ctx.liabilitiesTotal,
    pools,
    triggerMarginBps: settings.triggerMarginBps,
    targetMarginBps: settings.targetMarginBps,
    slippageBps: settings.slippageBps,
    assets: ctx.assets,
    scenarioNames: ctx.scenarioNames,
    maxSwaps: settings.maxSwaps,
    ...(settings.maxPriceImpactBps !== undefined ? { maxPriceImpactBps: settings.maxPriceImpactBps } : {}),
  });
  ctx.log({ event: "tick", snapshot: snapshot.id.toString(), coverageBps: coverageBeforeBps.toString(), act: plan.act, plan: plan.summary });
  const result: TickResult = { reconciled, snapshot, acted: plan.act, summary: plan.summary, coverageBeforeBps, coverageAfterBps: coverageBeforeBps, trades: [], deposits };
  if (attestation) result.attestation = attestation;

  const symbol = (i: bigint) => ctx.assets[Number(i)]?.symbol ?? `asset ${i}`;
  for (const swap of plan.swaps) {
    if (!swap.provable) {
      ctx.log({ event: "skip", reason: "the state after this swap fails a bound, S2 cannot prove it", swap: swap.reason });
      break;
    }
    const before = store.current();
    ctx.log({ event: "prove", statement: "rebalance", swap: swap.reason });
    const proven = await prover.proveRebalance(before.slots, swap, snapshot, await chain.sequence());
    store.recordPending(before.root, proven.newRoot, proven.newSlots, { kind: "rebalance", slotOut: swap.slotOut, minAmountOut: swap.action.minAmountOut });
    ctx.onStage?.("pending-recorded");
    let mined: { amountOut: bigint; txHash: string };
    try {
      mined = await chain.rebalance(swap, proven.proof, await chain.deadline());
    } catch (e) {
      if (e instanceof ChainRevert) {
        store.discardPending();
        ctx.log({ event: "reverted", reason: e.reason });
        result.reverted = e.reason;
        break;
      }
      throw e; // pending stays; the next tick reconciles it against the chain
    }
    ctx.onStage?.("mined");
    store.commit(proven.newRoot, mined.amountOut);
    ctx.onStage?.("committed");
    const trade: KeeperTrade = {
      sell: symbol(swap.action.assetIn),
      amountIn: swap.action.amountIn,
      buy: symbol(swap.action.assetOut),
      minAmountOut: swap.action.minAmountOut,
      amountOut: mined.amountOut,
      reason: swap.reason,
      bound: swap.bound,
      proveSeconds: proven.seconds,
      txHash: mined.txHash,
      newRoot: proven.newRoot,
    };
    result.trades.push(trade);
    ctx.log({
      event: "rebalanced",
      sell: trade.sell,
      amountIn: trade.amountIn.toString(),
      buy: trade.buy,
      minAmountOut: trade.minAmountOut.toString(),
      amountOut: trade.amountOut.toString(),
      proveSeconds: Number(trade.proveSeconds.toFixed(2)),
      tx: trade.txHash,
      newRoot: trade.newRoot.toString(),
    });
  }

  if (result.trades.length > 0 || (deposits.length > 0 && !attestation)) result.attestation = await attest(ctx, snapshot);
  result.coverageAfterBps = coverageOf(store.held(), snapshot.unitPrices, ctx.policy, ctx.liabilitiesTotal);
  return result;
}

/** Proves S1 over the slots as held and publishes it; the state moves once it is mined. */
async function attest(ctx: KeeperContext, snapshot: KeeperSnapshot): Promise<NonNullable<TickResult["attestation"]>> {
  const { store } = ctx;
  ctx.log({ event: "prove", statement: "solvency" });
  const proven = await ctx.prover.proveSolvency(store.held(), snapshot, await ctx.chain.sequence());
  store.recordPending(store.current().root, proven.root, proven.slots, { kind: "attestation" });
  const { txHash } = await ctx.chain.attest(proven.proof);
  ctx.onStage?.("attestation-mined");
  store.commit(proven.root);
  ctx.log({ event: "attested", root: proven.root.toString(), proveSeconds: Number(proven.seconds.toFixed(2)), tx: txHash });
  return { root: proven.root, txHash, proveSeconds: proven.seconds };
}
