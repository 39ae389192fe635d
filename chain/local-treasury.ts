/**
 * A treasury that matches a local deployment (chain/deploy.ts): position slots committing to the vault's
 * initial holdings, a small liabilities sum tree, and Groth16 proving of S1/S2/S4 straight from
 * prover/witness.ts with the instance's proving keys (build/circuits/NAME/NAME.{wasm,zkey}). Used by the
 * contract tests and the gas benchmark; deterministic salts so runs are reproducible.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { runGroth16 } from "../prover/prove.ts";
import { liabilityLeaf, userIdHash, type PolicyFields, type PriceFields } from "../core/hash.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";
import type { SignedCustody } from "../core/types.ts";
import type { InstanceSize, LiabilitiesOpening, Position, RebalanceAction } from "../core/types.ts";
import { applyAction, applyPayout, liabilitiesRoot, payoutInput, rebalanceInput, solvencyInput, type PayoutWitnessArgs } from "../prover/witness.ts";
import { packProof } from "../core/packed-proof.ts";
import type { DeployConfig, InstanceName } from "./deploy.ts";
import type { SnapshotInfo } from "./gate.ts";

/** Deterministic, distinct salts (field elements). */
export class SaltSource {
  private counter: bigint;
  constructor(seed = 1n) {
    this.counter = seed * 1_000_003n;
  }
  next(): bigint {
    this.counter += 7919n;
    return 1234567890123456789n * this.counter;
  }
}

/** The N slots committing to the config's vault holdings (asset i in slot i), then padding slots. */
export function vaultPositions(config: DeployConfig, size: InstanceSize, salts: SaltSource): Position[] {
  const slots: Position[] = config.assets.map((a, i) => ({ assetIndex: BigInt(i), amount: a.vaultHolding, salt: salts.next() }));
  while (slots.length < size.N) slots.push({ assetIndex: 0n, amount: 0n, salt: salts.next() });
  return slots;
}

/** A liabilities sum tree of two users (balances in base units of the liability asset), and its root's opening. */
export function twoUserLiabilities(balances: readonly [bigint, bigint]): { root: bigint; opening: LiabilitiesOpening } {
  const opening: LiabilitiesOpening = {
    leftHash: liabilityLeaf(userIdHash("alice@example.org"), balances[0], 11n),
    leftSum: balances[0],
    rightHash: liabilityLeaf(userIdHash("bob@example.org"), balances[1], 13n),
    rightSum: balances[1],
  };
  return { root: liabilitiesRoot(opening), opening };
}

/** The prices a stored snapshot hashes. */
export function pricesOfSnapshot(snapshot: SnapshotInfo): PriceFields {
  return { timestamp: snapshot.timestamp, unitPrices: snapshot.unitPrices };
}

/** A proof as the contracts take it: public signals in declaration order and the packed uint256[8]. */
export interface Proven {
  signals: bigint[];
  proof: bigint[];
}

function circuitFiles(name: string): { wasm: string; zkey: string } {
  const dir = path.join(PROJECT_ROOT, "build", "circuits", name);
  return { wasm: path.join(dir, `${name}.wasm`), zkey: path.join(dir, `${name}.zkey`) };
}

/** True when both proving keys of the instance group exist (`homeostat setup --instance <group>`). */
export function provingKeysBuilt(instance: InstanceName): boolean {
  return [`solvency-${instance}`, `rebalance-${instance}`].every((name) => existsSync(circuitFiles(name).zkey));
}

async function prove(name: string, input: object): Promise<Proven> {
  const { proof, publicSignals } = await runGroth16(input, { instance: name, ...circuitFiles(name) });
  return { signals: publicSignals.map(BigInt), proof: packProof(proof).map(BigInt) };
}

/** An S1 proof over these positions, policy, prices and liabilities. */
export async function proveSolvency(
  instance: InstanceName,
  size: InstanceSize,
  args: { positions: Position[]; policy: PolicyFields; prices: PriceFields; liabilities: LiabilitiesOpening; sequence: bigint; statements?: (SignedCustody | null)[] },
): Promise<Proven> {
  return prove(`solvency-${instance}`, solvencyInput({ size, ...args }));
}

/** An S2 proof of `action` from `oldPositions`; returns the new slots too. */
export async function proveRebalance(
  instance: InstanceName,
  size: InstanceSize,
  salts: Pick<SaltSource, "next">,
  args: {
    oldPositions: Position[];
    action: RebalanceAction;
    slotIn: number;
    slotOut: number;
    policy: PolicyFields;
    prices: PriceFields;
    liabilities: LiabilitiesOpening;
    /** The registry's current sequence number. */
    sequence: bigint;
  },
): Promise<Proven & { newPositions: Position[] }> {
  const newPositions = applyAction(args.oldPositions, args.action, args.slotIn, args.slotOut, { saltIn: salts.next(), saltOut: salts.next() });
  const proven = await prove(`rebalance-${instance}`, rebalanceInput({ size, ...args, newPositions }));
  return { ...proven, newPositions };
}

/** An S4 proof of `payout` from `oldPositions[slot]` (a vault-held slot of the asset); returns the new slots too. */
export async function provePayout(
  instance: InstanceName,
  size: InstanceSize,
  salts: Pick<SaltSource, "next">,
  args: Omit<PayoutWitnessArgs, "size" | "newPositions" | "statements">,
): Promise<Proven & { newPositions: Position[] }> {
  const newPositions = applyPayout(args.oldPositions, args.payout, args.slot, salts.next());
  const proven = await prove(`payout-${instance}`, payoutInput({ size, ...args, newPositions }));
  return { ...proven, newPositions };
}
