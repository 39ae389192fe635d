/**
 * The prover side of the keeper (implements keeper/ports.ts `KeeperProver`): S2 for one planned swap and S1
 * over the slots as held, with prover/witness.ts inputs, prover/prove.ts `runGroth16` and prover/bundle.ts
 * bundles (the bundles are the proofs: they carry the packed proof and the public signals the contracts
 * take, and the browser page verifies them). Also: the prover-side policy and prices of a local deployment.
 */
import { readFileSync } from "node:fs";
import { policyOfConfig, type DeployConfig, type Deployment, type InstanceName } from "../chain/deploy.ts";
import type { OnchainPolicy } from "../chain/policy.ts";
import { buildBundle } from "../prover/bundle.ts";
import { evaluateTreasury } from "../prover/evaluate.ts";
import { UserError } from "../core/errors.ts";
import { instanceArtifacts, PolicyViolationError, runGroth16 } from "../prover/prove.ts";
import { summarizeFailures } from "../prover/report.ts";
import { randomFieldElement } from "../prover/state.ts";
import { policyFields, type PriceSnapshot, type RiskPolicy } from "../prover/treasury.ts";
import type { InstanceSize, LiabilitiesOpening, PayoutAction, Position } from "../core/types.ts";
import { applyAction, applyPayout, payoutInput, positionsRoot, rebalanceInput, solvencyInput } from "../prover/witness.ts";
import type { ProofBundle } from "../core/bundle-schema.ts";
import type { SignedCustody } from "../core/types.ts";
import type { PlannedSwap } from "./planner.ts";
import type { KeeperProver, KeeperSnapshot } from "./ports.ts";

/** The prover-side policy (prover/treasury.ts) of a deployment made from `config`: the on-chain policy it installed. */
export function riskPolicyOf(deployment: Deployment, config: DeployConfig): RiskPolicy {
  const onchain = policyOfConfig(
    config,
    deployment.assets.map((a) => a.token),
    deployment.assets.map((a) => a.feed),
  );
  return riskPolicyFromChain(deployment, onchain);
}

/** The prover-side policy of a deployment's CURRENT on-chain policy (symbols and scenario names from the deployment file). */
export function riskPolicyFromChain(deployment: Deployment, onchain: OnchainPolicy): RiskPolicy {
  return {
    chainId: BigInt(deployment.chainId),
    vault: deployment.contracts.treasuryVault,
    liabilityAsset: onchain.liabilityAsset,
    minCoverageBps: BigInt(onchain.minCoverageBps),
    minLiquidityBps: BigInt(onchain.minLiquidityBps),
    maxSlippageBps: BigInt(onchain.maxSlippageBps),
    maxSnapshotAge: onchain.maxSnapshotAge,
    liabilitiesDelay: onchain.liabilitiesDelay,
    sequencer: { ...onchain.sequencer },
    assets: onchain.assets.map((a) => ({
      symbol: a.symbol,
      decimals: a.tokenDecimals,
      token: a.token,
      feed: a.feed,
      feedDecimals: a.feedDecimals,
      capBps: BigInt(a.capBps),
      haircutBps: BigInt(a.haircutBps),
      liquid: a.liquid,
      feedMaxAge: a.maxAge,
      minAnswer: a.minAnswer,
      maxAnswer: a.maxAnswer,
    })),
    scenarios: onchain.shockBps.map((row, k) => ({ name: deployment.scenarios[k] ?? `scenario ${k + 1}`, shockBps: row.map(BigInt) })),
    attestors: onchain.attestorKeys.flatMap((key, c) =>
      key[0] === 0n ? [] : [{ slot: c + 1, name: deployment.attestors?.[c] ?? `attestor ${c + 1}`, publicKey: [key[0], key[1]] as const }],
    ),
    attestorSlots: onchain.attestorKeys.length,
    maxAttestationAge: onchain.maxAttestationAge,
  };
}

/** The prover-side price snapshot of a stored snapshot (answers recovered exactly from the unit prices). */
export function priceSnapshotOf(policy: RiskPolicy, snapshot: KeeperSnapshot): PriceSnapshot {
  return {
    timestamp: snapshot.timestamp,
    assets: policy.assets.map((a, i) => ({
      symbol: a.symbol,
      answer: snapshot.unitPrices[i]! / 10n ** BigInt(36 - a.feedDecimals - a.decimals),
      updatedAt: snapshot.timestamp,
      unitPrice: snapshot.unitPrices[i]!,
    })),
  };
}

/** What the keeper proves against. */
export interface BundleProverOptions {
  instance: InstanceName;
  size: InstanceSize;
  policy: RiskPolicy;
  liabilities: { opening: LiabilitiesOpening; total: bigint };
  /** Salts for touched and re-attested slots (default: random field elements). */
  salt?: () => bigint;
  /** Called with each bundle made (e.g. to write it for the page). */
  onBundle?: (bundle: ProofBundle) => void;
  /**
   * The custody statements backing positions held at attestors, for a snapshot (one entry per attestor slot,
   * null where none). Absent: every position is held by the vault.
   */
  statements?: (snapshot: KeeperSnapshot) => Promise<(SignedCustody | null)[]>;
}

/** `KeeperProver` making full proof bundles. */
export class BundleProver implements KeeperProver {
  private readonly salt: () => bigint;

  constructor(readonly options: BundleProverOptions) {
    this.salt = options.salt ?? randomFieldElement;
  }

  private check(slots: readonly Position[], prices: PriceSnapshot, what: string, refusal: { where?: string; hint?: () => string | undefined } = {}): void {
    const report = evaluateTreasury(this.options.policy, prices, slots.map((s) => ({ assetIndex: Number(s.assetIndex), amount: s.amount })), this.options.liabilities.total);
    if (!report.ok) throw new PolicyViolationError(report, refusal.where ?? "keeper", what, refusal.hint?.());
  }

  private async prove(
    statement: "solvency" | "rebalance" | "payout",
    input: object,
    prices: PriceSnapshot,
    member: { action?: PlannedSwap["action"]; payout?: PayoutAction } = {},
  ): Promise<{ bundle: ProofBundle; seconds: number }> {
    const start = performance.now();
    const artifacts = instanceArtifacts(`${statement}-${this.options.instance}`, this.options.size);
    const run = await runGroth16(input, artifacts);
    const bundle = await buildBundle({
      statement,
      instance: artifacts.instance,
      vkey: JSON.parse(readFileSync(artifacts.vkeyFile, "utf8")),
      proof: run.proof,
      publicSignals: run.publicSignals,
      policy: this.options.policy,
      prices,
      ...member,
    });
    this.options.onBundle?.(bundle);
    return { bundle, seconds: (performance.now() - start) / 1000 };
  }

  async proveRebalance(slots: readonly Position[], swap: PlannedSwap, snapshot: KeeperSnapshot, sequence: bigint) {
    const prices = priceSnapshotOf(this.options.policy, snapshot);
    const newSlots = applyAction(slots, swap.action, swap.slotIn, swap.slotOut, { saltIn: this.salt(), saltOut: this.salt() });
    this.check(newSlots, prices, "the treasury after this swap");
    const input = rebalanceInput({
      size: this.options.size,
      oldPositions: [...slots],
      newPositions: newSlots,
      action: swap.action,
      slotIn: swap.slotIn,
      slotOut: swap.slotOut,
      policy: policyFields(this.options.policy),
      prices: { timestamp: snapshot.timestamp, unitPrices: snapshot.unitPrices },
      liabilities: this.options.liabilities.opening,
      sequence,
      ...(this.options.statements ? { statements: await this.options.statements(snapshot) } : {}),
    });
    const { bundle, seconds } = await this.prove("rebalance", input, prices, { action: swap.action });
    return { proof: bundle, bundle, newSlots, newRoot: positionsRoot(newSlots), seconds };
  }

  /**
   * S4 for `payout` from slot `slot` of the committed slots (a vault-held position of the asset): the new
   * slots must still pass every bound, else a PolicyViolationError with the report and `hint()` (the largest
   * safe payout) is thrown before any proving.
   */
  async provePayout(slots: readonly Position[], payout: PayoutAction, slot: number, snapshot: KeeperSnapshot, sequence: bigint, hint?: () => string | undefined) {
    const prices = priceSnapshotOf(this.options.policy, snapshot);
    const newSlots = applyPayout(slots, payout, slot, this.salt());
    this.check(newSlots, prices, "the treasury after this payout", { where: "--amount", ...(hint ? { hint } : {}) });
    const input = payoutInput({
      size: this.options.size,
      oldPositions: [...slots],
      newPositions: newSlots,
      payout,
      slot,
      policy: policyFields(this.options.policy),
      prices: { timestamp: snapshot.timestamp, unitPrices: snapshot.unitPrices },
      liabilities: this.options.liabilities.opening,
      sequence,
      ...(this.options.statements ? { statements: await this.options.statements(snapshot) } : {}),
    });
    const { bundle, seconds } = await this.prove("payout", input, prices, { payout });
    return { proof: bundle, bundle, newSlots, newRoot: positionsRoot(newSlots), seconds };
  }

  async proveSolvency(slots: readonly Position[], snapshot: KeeperSnapshot, sequence: bigint) {
    const prices = priceSnapshotOf(this.options.policy, snapshot);
    const fresh = slots.map((s) => ({ ...s, salt: this.salt() }));
    this.check(fresh, prices, "the treasury");
    const input = solvencyInput({
      size: this.options.size,
      positions: fresh,
      policy: policyFields(this.options.policy),
      prices: { timestamp: snapshot.timestamp, unitPrices: snapshot.unitPrices },
      liabilities: this.options.liabilities.opening,
      sequence,
      ...(this.options.statements ? { statements: await this.options.statements(snapshot) } : {}),
    });
    const { bundle, seconds } = await this.prove("solvency", input, prices);
    return { proof: bundle, bundle, slots: fresh, root: positionsRoot(fresh), seconds };
  }
}

/** One line about a failed policy check, for logs. */
export function describeViolation(e: unknown): string {
  if (e instanceof PolicyViolationError) return summarizeFailures(e.report);
  if (e instanceof UserError) return e.message;
  return (e as Error).message;
}
