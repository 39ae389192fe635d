/**
 * A proven payout (S4) on the keeper's own state, so that the keeper and the payouts move one commitment:
 * reconcile with the chain, read (or take) a price snapshot, pick the vault-held position of
 * the asset that pays, evaluate the positions LEFT (refusing with the health report and the largest safe
 * payout, before any proving), prove, record the transition as pending, send `TreasuryVault.payout` and
 * commit once mined. The same crash rules as a keeper swap (keeper/state-store.ts): a restarted keeper or
 * payout reconciles a half-done payout with the chain's root, so it is applied once.
 */
import type { ContractRunner } from "ethers";
import { formatDecimal } from "../core/units.ts";
import type { PayoutAction } from "../core/types.ts";
import type { ProofBundle } from "../core/bundle-schema.ts";
import { choosePayoutSlot, largestSafePayoutAt } from "../prover/prove.ts";
import { reconcile, type KeeperContext } from "./loop.ts";

/** What a payout did. */
export interface PayoutResult {
  slot: number;
  oldRoot: bigint;
  newRoot: bigint;
  bundle: ProofBundle;
  proveSeconds: number;
  txHash: string;
}

/**
 * Pays `payout` out of the vault with an S4 proof, sent by `payer` (the payout role; default: the stack's
 * vault runner). Throws PolicyViolationError (before proving) when the positions left would fail a bound,
 * a UserError when no single vault-held position holds the amount, and a ChainRevert when the vault refuses
 * (over the period's limit, a stale snapshot, ...); the state is then unchanged.
 */
export async function runPayout(
  ctx: KeeperContext,
  payout: PayoutAction,
  payer?: ContractRunner,
): Promise<PayoutResult> {
  const { chain, prover, store } = ctx;
  await reconcile(ctx); // deposits are the keeper's to count: a payout moves the committed slots only
  const snapshot = await chain.snapshot(ctx.settings.snapshotMaxAgeSeconds);
  const before = store.current();
  const asset = ctx.assets[Number(payout.asset)]!;
  const slot = choosePayoutSlot(before.slots, payout, asset.symbol, asset.decimals);
  const hint = () => {
    const safe = largestSafePayoutAt(before.slots, payout, slot, snapshot.unitPrices, ctx.policy, ctx.liabilitiesTotal);
    return safe === undefined ? undefined : `the largest ${asset.symbol} payout that keeps every bound: --amount ${formatDecimal(safe, asset.decimals)}`;
  };
  ctx.log({ event: "prove", statement: "payout", asset: asset.symbol, amount: payout.amount.toString(), slot });
  const proven = await prover.provePayout(before.slots, payout, slot, snapshot, await chain.sequence(), hint);
  store.recordPending(before.root, proven.newRoot, proven.newSlots, { kind: "payout" });
  ctx.onStage?.("payout-pending");
  let txHash: string;
  try {
    ({ txHash } = await chain.payout(proven.proof, payer));
  } catch (e) {
    // A refusal is final for this proof: drop it. A transport failure may still land: keep it for reconcile.
    if ((e as Error).name === "ChainRevert") store.discardPending();
    throw e;
  }
  ctx.onStage?.("payout-mined");
  store.commit(proven.newRoot);
  ctx.log({ event: "paid-out", asset: asset.symbol, amount: payout.amount.toString(), proveSeconds: Number(proven.seconds.toFixed(2)), tx: txHash, newRoot: proven.newRoot.toString() });
  return { slot, oldRoot: before.root, newRoot: proven.newRoot, bundle: proven.bundle, proveSeconds: proven.seconds, txHash };
}
