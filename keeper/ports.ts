/**
 * What the keeper loop needs from the chain and from the prover: the contract for the chain-backed keeper
 * (`homeostat keeper`) and the chain-backed simulation. Types only; the pure simulation implements the same
 * roles in memory (simulate/market.ts for the venue, `ProvingClock` for proving time).
 *
 * One tick, in order: `snapshot` -> plan (keeper/planner.ts) against `pools` -> for each swap:
 * `proveRebalance` -> `rebalance` (mined) -> `state.commitRebalance` -> after the batch: `proveSolvency`
 * over the received amounts -> `attest` -> `state.commitAttestation`. The private state moves only after a
 * transaction is mined; a restarted keeper reads `state.current()` and compares it with `currentRoot()`
 * (equal: nothing pending; the pending new root on chain: the swap was mined, commit it; else: retry).
 */
import type { Pool } from "./amm.ts";
import type { PlannedSwap } from "./planner.ts";
import type { Position } from "../core/types.ts";

/** A price snapshot stored on chain (PriceSnapshots), in policy asset order. */
export interface KeeperSnapshot {
  id: bigint;
  timestamp: bigint;
  pricesHash: bigint;
  /** USD per base unit x 10^36. */
  unitPrices: bigint[];
}

/** A proof as the contracts take it (prover bundles carry these). */
export interface KeeperProof {
  packedProof: readonly string[];
  publicSignals: Readonly<Record<string, string>>;
}

/** The chain side (chain/gate.ts, chain/deploy.ts `Stack`, Uniswap pairs). Every call retries RPC errors with backoff. */
export interface KeeperChain {
  /** Takes a snapshot when the last one is older than `maxAgeSeconds`, else returns the last one. */
  snapshot(maxAgeSeconds: number): Promise<KeeperSnapshot>;
  /** The positions root the registry and vault share now. */
  currentRoot(): Promise<bigint>;
  /** The registry's sequence number: the next S1 or S2 proof must be made for it. */
  sequence(): Promise<bigint>;
  /** Reserves of the pairs the vault may trade, with policy asset indexes (UniswapV2Pair.getReserves, token0/1 mapped). */
  pools(): Promise<Pool[]>;
  /**
   * Sends `TreasuryVault.rebalance(factory, action, transition, sequence, proof, deadline)` and waits for it to be mined.
   * Resolves with what the vault actually received (from the Rebalanced event), or rejects with the
   * decoded custom error (a revert is final for this swap: re-plan next tick).
   */
  rebalance(swap: PlannedSwap, proof: KeeperProof, deadline: bigint): Promise<{ amountOut: bigint; txHash: string }>;
  /** Publishes an S1 attestation (SolvencyRegistry), which also sets the shared positions root. */
  attest(proof: KeeperProof): Promise<{ txHash: string }>;
}

/** The prover side (prover/prove.ts), taking the planner's integer action and slots rather than decimal strings. */
export interface KeeperProver {
  /**
   * S2 for one planned swap on the current slots at this snapshot: fresh salts on the two touched slots,
   * the new slots credited `minAmountOut` (what the circuit commits). Returns the proof, the new slots and
   * the seconds it took.
   */
  proveRebalance(slots: readonly Position[], swap: PlannedSwap, snapshot: KeeperSnapshot, sequence: bigint): Promise<{ proof: KeeperProof; newSlots: Position[]; newRoot: bigint; seconds: number }>;
  /** S1 over the slots as actually held (after the swaps paid more than their floors), with fresh salts. */
  proveSolvency(slots: readonly Position[], snapshot: KeeperSnapshot, sequence: bigint): Promise<{ proof: KeeperProof; root: bigint; seconds: number }>;
}

/** The private state (prover/state.ts): salts and slots per root; changed only after a transaction is mined. */
export interface KeeperStateStore {
  /** The current commitment: its root and slots. */
  current(): { root: bigint; slots: Position[] };
  /** Records a proven but not yet mined transition (so a restart can recognise it on chain). */
  recordPending(oldRoot: bigint, newRoot: bigint, newSlots: readonly Position[]): void;
  /** Makes a mined transition current (idempotent: committing the current root again is a no-op). */
  commit(root: bigint): void;
}
