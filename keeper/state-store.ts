/**
 * The keeper's private state on disk (implements keeper/ports.ts `KeeperStateStore`): the committed
 * positions (root, slots with their salts), the slots as actually held (a swap pays at least its proven
 * `minAmountOut`, often more; the difference is committed by the next S1 attestation), and at most one
 * pending transition: proven, maybe sent, not yet known to be mined.
 *
 * Crash safety: every change is one atomic file write. The order is always record pending -> send the
 * transaction -> wait until mined -> commit. A restarted keeper calls `reconcile` with the chain's current
 * root: the pending new root on chain means the transaction was mined (commit it, once); the old root means
 * it was not (drop it and re-plan). Committing a root that is already current is a no-op, so no change is
 * ever applied twice.
 */
import { existsSync, readFileSync } from "node:fs";
import { acquireFileLock } from "../core/node/file-lock.ts";
import { writeFileAtomic } from "../core/node/atomic-write.ts";
import { UserError } from "../core/errors.ts";
import type { Position } from "../core/types.ts";
import { positionsRoot } from "../prover/witness.ts";
import type { KeeperStateStore } from "./ports.ts";

/** File format tag of the keeper state. */
export const KEEPER_STATE_FORMAT = "homeostat-keeper-state/1";

/** A proven transition waiting for its transaction. */
export interface PendingTransition {
  kind: "rebalance" | "attestation" | "payout";
  oldRoot: bigint;
  newRoot: bigint;
  /** The slots the new root commits to. */
  newSlots: Position[];
  /** Rebalance: the touched receiving slot and the proven floor (to record what was actually received). */
  slotOut?: number;
  minAmountOut?: bigint;
  /** Transaction hash once sent. */
  txHash?: string;
}

/** What `reconcile` found. */
export type ReconcileOutcome = "clean" | "committed-pending" | "dropped-pending";

interface StateData {
  root: bigint;
  slots: Position[];
  held: Position[];
  pending?: PendingTransition;
  /** Roots committed so far, oldest first (an audit trail; also guards against double commits). */
  history: string[];
  /**
   * The last block whose vault `Deposited` events are counted in `held` (absent: none scanned yet; the keeper
   * starts at the block its state was created in).
   */
  depositsScannedTo?: number;
}

/** A vault deposit (TreasuryVault `Deposited`), in policy asset order. */
export interface VaultDeposit {
  asset: bigint;
  amount: bigint;
  block: number;
}

const ser = (p: Position) => ({
  assetIndex: p.assetIndex.toString(),
  ...(p.custody !== undefined ? { custody: p.custody.toString() } : {}),
  amount: p.amount.toString(),
  salt: p.salt.toString(),
});
const de = (p: { assetIndex: string; custody?: string; amount: string; salt: string }): Position => ({
  assetIndex: BigInt(p.assetIndex),
  ...(p.custody !== undefined ? { custody: BigInt(p.custody) } : {}),
  amount: BigInt(p.amount),
  salt: BigInt(p.salt),
});
const clone = (slots: readonly Position[]): Position[] => slots.map((s) => ({ ...s }));

/** The keeper state in one JSON file, written atomically on every change. */
export class FileStateStore implements KeeperStateStore {
  private data: StateData;

  private constructor(
    readonly file: string,
    data: StateData,
  ) {
    this.data = data;
  }

  /** Creates a new state file committing to `slots` (refuses to overwrite an existing one). */
  static create(file: string, slots: readonly Position[], depositsScannedTo?: number): FileStateStore {
    if (existsSync(file)) throw new UserError("a keeper state already exists here; use it or remove it", { where: file });
    const root = positionsRoot(slots);
    const store = new FileStateStore(file, { root, slots: clone(slots), held: clone(slots), history: [root.toString()], ...(depositsScannedTo !== undefined ? { depositsScannedTo } : {}) });
    store.save();
    return store;
  }

  /** Opens an existing state file. */
  static open(file: string): FileStateStore {
    let json: {
      format?: string;
      root: string;
      slots: Parameters<typeof de>[0][];
      held: Parameters<typeof de>[0][];
      history: string[];
      depositsScannedTo?: number;
      pending?: Omit<PendingTransition, "oldRoot" | "newRoot" | "newSlots" | "minAmountOut"> & { oldRoot: string; newRoot: string; newSlots: Parameters<typeof de>[0][]; minAmountOut?: string };
    };
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new UserError(`cannot read the keeper state: ${(e as Error).message}`, { where: file });
    }
    if (json.format !== KEEPER_STATE_FORMAT) throw new UserError(`not a keeper state file (format is not "${KEEPER_STATE_FORMAT}")`, { where: file });
    const data: StateData = { root: BigInt(json.root), slots: json.slots.map(de), held: json.held.map(de), history: json.history };
    if (json.depositsScannedTo !== undefined) data.depositsScannedTo = json.depositsScannedTo;
    if (positionsRoot(data.slots) !== data.root) throw new UserError("the stored slots do not open the stored root (corrupt state)", { where: file });
    if (json.pending) {
      const p = json.pending;
      data.pending = {
        kind: p.kind,
        oldRoot: BigInt(p.oldRoot),
        newRoot: BigInt(p.newRoot),
        newSlots: p.newSlots.map(de),
        ...(p.slotOut !== undefined ? { slotOut: p.slotOut } : {}),
        ...(p.minAmountOut !== undefined ? { minAmountOut: BigInt(p.minAmountOut) } : {}),
        ...(p.txHash ? { txHash: p.txHash } : {}),
      };
    }
    return new FileStateStore(file, data);
  }

  /** Opens `file` if it exists, else creates it with `initial()`. */
  static openOrCreate(file: string, initial: () => readonly Position[]): FileStateStore {
    return existsSync(file) ? FileStateStore.open(file) : FileStateStore.create(file, initial());
  }

  private save(): void {
    const d = this.data;
    const p = d.pending;
    const json = {
      format: KEEPER_STATE_FORMAT,
      root: d.root.toString(),
      slots: d.slots.map(ser),
      held: d.held.map(ser),
      history: d.history,
      ...(d.depositsScannedTo !== undefined ? { depositsScannedTo: d.depositsScannedTo } : {}),
      ...(p
        ? {
            pending: {
              kind: p.kind,
              oldRoot: p.oldRoot.toString(),
              newRoot: p.newRoot.toString(),
              newSlots: p.newSlots.map(ser),
              ...(p.slotOut !== undefined ? { slotOut: p.slotOut } : {}),
              ...(p.minAmountOut !== undefined ? { minAmountOut: p.minAmountOut.toString() } : {}),
              ...(p.txHash ? { txHash: p.txHash } : {}),
            },
          }
        : {}),
    };
    writeFileAtomic(this.file, `${JSON.stringify(json, null, 2)}\n`);
  }

  /** The committed root and its slots. */
  current(): { root: bigint; slots: Position[] } {
    return { root: this.data.root, slots: clone(this.data.slots) };
  }

  /** The slots as actually held (the committed slots plus what swaps paid above their floors). */
  held(): Position[] {
    return clone(this.data.held);
  }

  /** The pending transition, if any. */
  pending(): PendingTransition | undefined {
    const p = this.data.pending;
    return p ? { ...p, newSlots: clone(p.newSlots) } : undefined;
  }

  /** Roots committed so far. */
  history(): string[] {
    return [...this.data.history];
  }

  /** Re-reads the file (another process, `homeostat payout`, may have moved the state between two ticks). */
  reload(): void {
    this.data = FileStateStore.open(this.file).data;
  }

  /** The last block whose deposits are counted, if any was scanned. */
  depositsScannedTo(): number | undefined {
    return this.data.depositsScannedTo;
  }

  /**
   * Counts vault deposits up to block `toBlock` into the held slots, in one write with the new scan mark (so
   * none is counted twice, even across a crash). A deposit goes to a slot the vault itself holds of the same
   * asset, committed and held alike (the largest); failing that, to an empty slot, which the caller must
   * commit by attesting before any swap could reuse it. Refuses, changing nothing, when there is no such slot.
   */
  creditDeposits(deposits: readonly VaultDeposit[], toBlock: number): { slot: number; deposit: VaultDeposit }[] {
    if (this.data.pending) throw new Error("creditDeposits: a transition is pending; reconcile first");
    const held = clone(this.data.held);
    const slots = this.data.slots;
    const vaultHeld = (p: Position) => (p.custody ?? 0n) === 0n;
    const credited: { slot: number; deposit: VaultDeposit }[] = [];
    for (const deposit of deposits) {
      let best = -1;
      for (let i = 0; i < held.length; i++) {
        const ownsAsset = held[i]!.assetIndex === deposit.asset && vaultHeld(held[i]!) && slots[i]!.assetIndex === deposit.asset && vaultHeld(slots[i]!);
        if (ownsAsset && (best < 0 || held[i]!.amount > held[best]!.amount)) best = i;
      }
      if (best < 0) best = held.findIndex((p, i) => p.amount === 0n && slots[i]!.amount === 0n && vaultHeld(p) && vaultHeld(slots[i]!));
      if (best < 0) throw new UserError(`no position slot is free for a deposit of asset ${deposit.asset} (block ${deposit.block}): every slot holds another asset`, { where: this.file });
      held[best] = { ...held[best]!, assetIndex: deposit.asset, amount: held[best]!.amount + deposit.amount };
      credited.push({ slot: best, deposit });
    }
    this.data.held = held;
    this.data.depositsScannedTo = toBlock;
    this.save();
    return credited;
  }

  /** Records a proven rebalance before its transaction is sent. */
  recordPending(oldRoot: bigint, newRoot: bigint, newSlots: readonly Position[], extra: Partial<Pick<PendingTransition, "kind" | "slotOut" | "minAmountOut">> = {}): void {
    if (this.data.pending) throw new Error(`recordPending: a transition to ${this.data.pending.newRoot} is already pending`);
    if (oldRoot !== this.data.root) throw new Error("recordPending: the transition does not start from the committed root");
    this.data.pending = { kind: extra.kind ?? "rebalance", oldRoot, newRoot, newSlots: clone(newSlots), ...extra };
    this.save();
  }

  /** Notes the transaction hash of the pending transition. */
  markSent(txHash: string): void {
    if (!this.data.pending) return;
    this.data.pending.txHash = txHash;
    this.save();
  }

  /**
   * Makes the pending transition to `root` current (idempotent: committing the current root is a no-op).
   * `amountOut` (rebalance): what the venue actually paid; the excess over the proven floor is added to the
   * held slots.
   */
  commit(root: bigint, amountOut?: bigint): void {
    if (root === this.data.root && !this.data.pending) return;
    const p = this.data.pending;
    if (!p || p.newRoot !== root) {
      if (root === this.data.root) return;
      throw new Error(`commit: ${root} is neither the committed root nor the pending one`);
    }
    if (p.kind === "attestation") {
      this.data.held = clone(p.newSlots);
    } else {
      // The held slots move by the same action, plus any excess the venue paid.
      const held = clone(this.data.held);
      const oldSlots = this.data.slots;
      for (let i = 0; i < p.newSlots.length; i++) {
        const delta = p.newSlots[i]!.amount - oldSlots[i]!.amount;
        if (delta !== 0n || p.newSlots[i]!.assetIndex !== oldSlots[i]!.assetIndex) {
          held[i] = { ...p.newSlots[i]!, amount: held[i]!.amount + delta };
          if (oldSlots[i]!.assetIndex !== p.newSlots[i]!.assetIndex) held[i]!.amount = p.newSlots[i]!.amount;
        }
      }
      if (p.slotOut !== undefined && p.minAmountOut !== undefined && amountOut !== undefined && amountOut > p.minAmountOut) {
        held[p.slotOut] = { ...held[p.slotOut]!, amount: held[p.slotOut]!.amount + (amountOut - p.minAmountOut) };
      }
      this.data.held = held;
    }
    this.data.root = p.newRoot;
    this.data.slots = clone(p.newSlots);
    this.data.history.push(p.newRoot.toString());
    delete this.data.pending;
    this.save();
  }

  /** Drops the pending transition (its transaction was not mined and will not be). */
  discardPending(): void {
    if (!this.data.pending) return;
    delete this.data.pending;
    this.save();
  }

  /**
   * Brings the state in line with the chain's current root after a restart. `amountOutOf(newRoot)` looks
   * up what a mined rebalance received (from its event).
   */
  async reconcile(chainRoot: bigint, amountOutOf: (newRoot: bigint) => Promise<bigint | undefined>): Promise<ReconcileOutcome> {
    const p = this.data.pending;
    if (p && chainRoot === p.newRoot) {
      this.commit(p.newRoot, p.kind === "rebalance" ? await amountOutOf(p.newRoot) : undefined);
      return "committed-pending";
    }
    if (chainRoot === this.data.root) {
      if (p) {
        this.discardPending();
        return "dropped-pending";
      }
      return "clean";
    }
    throw new UserError(`the chain's positions root ${chainRoot} is neither the committed root nor a pending one: another process moved the treasury`, {
      where: this.file,
    });
  }
}

/**
 * Takes the keeper state's lock (`<state>.lock`, core/node/file-lock.ts): a keeper tick and a `homeostat payout`
 * must not move the same state at once. A lock left by a dead process (a killed keeper) is taken over. Waits up
 * to `waitMs` (default 0) for a live holder, then refuses naming it. Returns the release function.
 */
export function lockState(file: string, options: { waitMs?: number; onWait?: (holder: string) => void } = {}): Promise<() => void> {
  const lock = `${file}.lock`;
  return acquireFileLock(lock, {
    waitMs: options.waitMs ?? 0,
    pollMs: 200,
    ...(options.onWait ? { onWait: options.onWait } : {}),
    busy: (holder) => new UserError(`the keeper state is in use by process ${holder.split(" ")[0]} (a keeper tick or a payout); try again when it is done`, { where: lock }),
  });
}
