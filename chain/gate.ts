/**
 * The contract-facing operations of Homeostat, shared by the CLI, the tests and the gas benchmark: take a
 * price snapshot, read it back, publish a liabilities root and an S1 attestation, submit an S2 rebalance or an
 * S4 payout, and run a governance call through the timelock. Proof bundles map onto contract arguments here, by the
 * public signal names of core/signals.ts (never by the bundle's key order).
 */
import { AbiCoder, getAddress, keccak256, type Contract, type ContractTransactionReceipt, type ContractTransactionResponse, type Log, type Provider } from "ethers";
import { UserError } from "../core/errors.ts";
import { ATTESTATION_TUPLE, publicSignalNamesFor, type Statement } from "../core/signals.ts";
import type { Stack } from "./deploy.ts";

/** A stored price snapshot, with the unit prices from its event. */
export interface SnapshotInfo {
  id: bigint;
  pricesHash: bigint;
  timestamp: bigint;
  /** USD value of one base unit x 10^36, in policy asset order. */
  unitPrices: bigint[];
}

/** The swap of an S2 proof (TreasuryVault.Action). */
export interface ActionArgs {
  assetIn: bigint;
  amountIn: bigint;
  assetOut: bigint;
  minAmountOut: bigint;
}

/** The state an S2 proof is bound to (TreasuryVault.Transition). */
export interface TransitionArgs {
  oldRoot: bigint;
  newRoot: bigint;
  liabilitiesRoot: bigint;
  policyHash: bigint;
  pricesHash: bigint;
}

/** The parts of a proof bundle the contracts take. */
export interface BundleLike {
  statement: string;
  instance: string;
  packedProof: readonly string[];
  publicSignals: Readonly<Record<string, string>>;
}

async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was dropped");
  return receipt;
}

function eventArgs(contract: Contract, receipt: ContractTransactionReceipt, name: string): Record<string, unknown> | undefined {
  for (const log of receipt.logs as Log[]) {
    if (log.address.toLowerCase() !== String(contract.target).toLowerCase()) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args.toObject();
  }
  return undefined;
}

function snapshotFromEvent(args: Record<string, unknown>): SnapshotInfo {
  return {
    id: args["id"] as bigint,
    pricesHash: args["pricesHash"] as bigint,
    timestamp: args["timestamp"] as bigint,
    unitPrices: [...(args["unitPrices"] as bigint[])],
  };
}

/** Takes a snapshot (keeper role) and returns it with its unit prices. */
export async function takeSnapshot(stack: Stack): Promise<SnapshotInfo> {
  const receipt = await mined(stack.priceSnapshots.getFunction("takeSnapshot")());
  const args = eventArgs(stack.priceSnapshots, receipt, "SnapshotTaken");
  if (args) return snapshotFromEvent(args);
  // Same block, same answers: the existing snapshot was returned.
  const latest = await latestSnapshot(stack);
  if (!latest) throw new Error("takeSnapshot emitted no snapshot");
  return latest;
}

/** The snapshot with this id (from its event), or undefined. */
export async function snapshotById(stack: Stack, id: bigint): Promise<SnapshotInfo | undefined> {
  const filter = stack.priceSnapshots.filters["SnapshotTaken"]!(id);
  const logs = await stack.priceSnapshots.queryFilter(filter, 0, "latest");
  const last = logs.at(-1);
  if (!last || !("args" in last)) return undefined;
  return snapshotFromEvent(last.args.toObject());
}

/** The latest snapshot, or undefined before the first. */
export async function latestSnapshot(stack: Stack): Promise<SnapshotInfo | undefined> {
  const id = (await stack.priceSnapshots.getFunction("latestId").staticCall()) as bigint;
  return id === 0n ? undefined : snapshotById(stack, id);
}

/** Publishes a liabilities root (operator role). */
export async function publishLiabilitiesRoot(stack: Stack, root: bigint): Promise<ContractTransactionReceipt> {
  return mined(stack.solvencyRegistry.getFunction("publishLiabilitiesRoot")(root));
}

/** The public signals of a bundle as integers, in the circuit's declaration order. */
export function orderedSignals(bundle: BundleLike, statement: Statement): bigint[] {
  if (bundle.statement !== statement) {
    throw new UserError(`this is a ${bundle.statement} bundle; a ${statement} bundle is needed`, { where: "statement" });
  }
  // The packed vault totals close the list: as many as the bundle carries (the contracts check the count).
  const packed = Object.keys(bundle.publicSignals).filter((k) => /^vaultTotals\[\d+\]$/.test(k)).length;
  return publicSignalNamesFor(statement, packed * 2).map((name) => {
    const v = bundle.publicSignals[name];
    if (v === undefined || !/^\d+$/.test(v)) throw new UserError("missing or malformed", { where: `publicSignals.${name}` });
    return BigInt(v);
  });
}

/** The packed proof of a bundle as eight integers. */
export function packedProofOf(bundle: BundleLike): bigint[] {
  if (bundle.packedProof.length !== 8 || bundle.packedProof.some((x) => !/^\d+$/.test(x))) {
    throw new UserError("expected eight decimal integers", { where: "packedProof" });
  }
  return bundle.packedProof.map(BigInt);
}

/** The latest attestation as the registry recorded it (event fields checked against the stored hash). */
export interface AttestationRecord {
  positionsRoot: bigint;
  liabilitiesRoot: bigint;
  policyHash: bigint;
  pricesHash: bigint;
  /** The sequence number the proof was made for; the attestation's number is sequence + 1. */
  sequence: bigint;
  snapshotId: bigint;
  liabilitiesEpoch: bigint;
  policyVersion: bigint;
  publishedAt: bigint;
  /** The block the attestation was published in (not part of the stored hash). */
  blockNumber?: bigint;
}


/**
 * The registry's latest attestation, or undefined before the first. Storage keeps only its keccak hash; the
 * fields come from its `AttestationPublished` event and must hash to the stored value.
 */
export async function latestAttestation(stack: Stack): Promise<AttestationRecord | undefined> {
  const registry = stack.solvencyRegistry;
  const head = (await registry.getFunction("head").staticCall()) as { attestedSequence: bigint };
  if (head.attestedSequence === 0n) return undefined;
  const logs = await registry.queryFilter(registry.filters["AttestationPublished"]!(head.attestedSequence - 1n), 0, "latest");
  const last = logs.at(-1);
  if (!last || !("args" in last)) throw new Error("the registry's latest attestation has no event");
  const a = last.args.toObject()["attestation"] as { toObject(): Record<string, bigint> };
  const record = a.toObject() as unknown as AttestationRecord;
  const stored = (await registry.getFunction("attestationHash").staticCall()) as string;
  const encoded = AbiCoder.defaultAbiCoder().encode([ATTESTATION_TUPLE], [record]);
  if (keccak256(encoded) !== stored) throw new Error("the attestation event does not match the registry's stored hash");
  return { ...record, blockNumber: BigInt(last.blockNumber) };
}

/** The registry's current sequence number: the one the next S1 or S2 proof must be made for. */
export async function currentSequence(stack: Stack): Promise<bigint> {
  return (await stack.solvencyRegistry.getFunction("sequence").staticCall()) as bigint;
}

/** Publishes an S1 attestation: signals [positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence]. */
export async function publishAttestation(stack: Stack, signals: readonly bigint[], proof: readonly bigint[]): Promise<ContractTransactionReceipt> {
  return mined(stack.solvencyRegistry.getFunction("publishAttestation")([...signals], [...proof]));
}

/** Splits S2 public signals (declaration order) into the vault's Transition, Action, sequence and vault totals. */
export function rebalanceArgs(signals: readonly bigint[]): { transition: TransitionArgs; action: ActionArgs; sequence: bigint; vaultTotals: bigint[] } {
  const [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, assetIn, amountIn, assetOut, minAmountOut, sequence] = signals as bigint[];
  return {
    sequence: sequence!,
    vaultTotals: signals.slice(10),
    transition: { oldRoot: oldRoot!, newRoot: newRoot!, liabilitiesRoot: liabilitiesRoot!, policyHash: policyHash!, pricesHash: pricesHash! },
    action: { assetIn: assetIn!, amountIn: amountIn!, assetOut: assetOut!, minAmountOut: minAmountOut! },
  };
}

/** Result of a rebalance: the receipt and what the pool paid. */
export interface RebalanceResult {
  receipt: ContractTransactionReceipt;
  amountOut: bigint;
}

/** Submits a proven rebalance through the pair of the listed Uniswap V2 `factory` (rebalancer role). */
export async function submitRebalance(
  stack: Stack,
  args: { factory: string; action: ActionArgs; transition: TransitionArgs; sequence: bigint; vaultTotals: readonly bigint[]; proof: readonly bigint[]; deadline: bigint },
): Promise<RebalanceResult> {
  const receipt = await mined(
    stack.treasuryVault.getFunction("rebalance")(args.factory, args.action, args.transition, args.sequence, [...args.vaultTotals], [...args.proof], args.deadline),
  );
  const event = eventArgs(stack.treasuryVault, receipt, "Rebalanced");
  return { receipt, amountOut: (event?.["amountOut"] as bigint | undefined) ?? 0n };
}

/** The payout of an S4 proof (TreasuryVault.payout's first three arguments). */
export interface PayoutArgs {
  asset: bigint;
  amount: bigint;
  /** The recipient's 20-byte address (checksummed). */
  recipient: string;
}

/** Splits S4 public signals (declaration order) into the vault's payout, Transition, sequence and vault totals. */
export function payoutArgs(signals: readonly bigint[]): { payout: PayoutArgs; transition: TransitionArgs; sequence: bigint; vaultTotals: bigint[] } {
  const [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, asset, amount, recipient, sequence] = signals as bigint[];
  return {
    payout: { asset: asset!, amount: amount!, recipient: getAddress(`0x${recipient!.toString(16).padStart(40, "0")}`) },
    transition: { oldRoot: oldRoot!, newRoot: newRoot!, liabilitiesRoot: liabilitiesRoot!, policyHash: policyHash!, pricesHash: pricesHash! },
    sequence: sequence!,
    vaultTotals: signals.slice(9),
  };
}

/**
 * Submits a proven payout (payout role, within the asset's limit for the period; `stack.treasuryVault`'s runner
 * must hold the role). Governance pays through the timelock instead: `governanceCall` with
 * `payoutCalldata(stack, args)`.
 */
export async function submitPayout(
  stack: Stack,
  args: { payout: PayoutArgs; transition: TransitionArgs; sequence: bigint; vaultTotals: readonly bigint[]; proof: readonly bigint[] },
): Promise<ContractTransactionReceipt> {
  const { asset, amount, recipient } = args.payout;
  return mined(stack.treasuryVault.getFunction("payout")(asset, amount, recipient, args.transition, args.sequence, [...args.vaultTotals], [...args.proof]));
}

/** The calldata of the same payout, for a governance (timelock) call. */
export function payoutCalldata(
  stack: Stack,
  args: { payout: PayoutArgs; transition: TransitionArgs; sequence: bigint; vaultTotals: readonly bigint[]; proof: readonly bigint[] },
): string {
  const { asset, amount, recipient } = args.payout;
  return stack.treasuryVault.interface.encodeFunctionData("payout", [asset, amount, recipient, args.transition, args.sequence, [...args.vaultTotals], [...args.proof]]);
}

/** Moves a local chain's clock forward (evm_increaseTime + evm_mine). */
export async function advanceTime(stack: Stack, seconds: number): Promise<void> {
  const provider = stack.timelock.runner?.provider as { send?(method: string, params: unknown[]): Promise<unknown> } | undefined;
  if (!provider?.send) throw new Error("advanceTime needs a JSON-RPC provider");
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}

/** The latest block's timestamp (the chain's clock, which `advanceTime` moves on a local chain). */
export async function chainTime(provider: Provider): Promise<number> {
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("the node returned no latest block");
  return block.timestamp;
}

/** Salt of a timelock operation: distinct per call so the same call can be scheduled again later. */
function operationSalt(): string {
  return AbiCoder.defaultAbiCoder().encode(["uint256"], [BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))]);
}

/**
 * Runs `data` on `target` through the timelock: schedule, wait the delay (`wait` is called with the
 * delay in seconds, e.g. `advanceTime` on a local chain), execute. Caller must be proposer and executor.
 */
export async function governanceCall(
  stack: Stack,
  target: string,
  data: string,
  wait: (seconds: number) => Promise<void>,
): Promise<ContractTransactionReceipt> {
  const timelock = stack.timelock;
  const delay = (await timelock.getFunction("getMinDelay").staticCall()) as bigint;
  const zero = `0x${"00".repeat(32)}`;
  const salt = operationSalt();
  await mined(timelock.getFunction("schedule")(target, 0n, data, zero, salt, delay));
  await wait(Number(delay));
  return mined(timelock.getFunction("execute")(target, 0n, data, zero, salt));
}
