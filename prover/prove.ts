/**
 * Proving S1 (solvency attestation), S2 (rebalance transition) and S4 (payout). Each run: evaluate the policy on the
 * state to be proven and refuse, with the health report, if any bound fails; open the positions commitment
 * from the private state (reusing the salts of an already committed root); record the commitment(s) in the
 * state file; build the witness input (prover/witness.ts); compute the witness and the Groth16 proof with
 * snarkjs; check the proof's public signals against the ones computed in TypeScript; return the bundle.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { ProvingKey, proveGroth16 } from "./groth16.ts";
import { AMOUNT_BITS } from "../core/field.ts";
import { buildBundle } from "./bundle.ts";
import { evaluateTreasury, type HealthReport } from "./evaluate.ts";
import { exactCheck, fairMinAmountOut } from "./rules.ts";
import { summarizeFailures } from "./report.ts";
import { formatDecimal } from "../core/units.ts";
import { PROJECT_ROOT, instanceDir, loadInstances } from "../core/node/instances.ts";
import { openCommitment, randomFieldElement, recordCommitment, saveState, type PrivateState } from "./state.ts";
import { assetIndexOf, parseAssetAmount, policyFields, priceFields, type Liabilities, type Treasury } from "./treasury.ts";
import type { InstanceSize, PayoutAction, Position, RebalanceAction } from "../core/types.ts";
import { addressToField, type PolicyFields } from "../core/hash.ts";
import { custodyReport, loadStatements, requireBacked, signedCustody } from "./custody.ts";
import {
  applyAction,
  applyPayout,
  payoutInput,
  payoutPublicSignals,
  publicSignalList,
  rebalanceInput,
  rebalancePublicSignals,
  solvencyInput,
  solvencyPublicSignals,
} from "./witness.ts";
import type { Groth16Proof, ProofBundle } from "../core/bundle-schema.ts";
import type { Statement } from "../core/signals.ts";

/** Refusal to prove a state that breaks the policy; carries the full health report. */
export class PolicyViolationError extends UserError {
  readonly report: HealthReport;

  constructor(report: HealthReport, where: string, what: string, hint?: string) {
    super(`${what} breaks the policy, nothing was proven: ${summarizeFailures(report)}${hint ? `; ${hint}` : ""}`, { where });
    this.name = "PolicyViolationError";
    this.report = report;
  }
}

/** Progress stages reported while proving (for a CLI's status line). */
export type ProveStage = "evaluate" | "witness" | "prove" | "check";

/** A circuit instance ready to prove with: its sizes and artifact paths. */
export interface CircuitArtifacts {
  instance: string;
  size: InstanceSize;
  wasm: string;
  zkey: string;
  vkeyFile: string;
}

/**
 * Picks the instance of `statement` for this policy: the policy's asset count and scenario count must equal
 * the instance's A and K, and its N must hold `positions`. `requested` may be an instance name or a group
 * (`test`, `standard`). The smallest fitting N wins.
 */
export function resolveInstance(statement: Statement, assetCount: number, scenarioCount: number, positions: number, requested?: string): { instance: string; size: InstanceSize } {
  const table = loadInstances();
  const candidates = Object.entries(table)
    .filter(([name]) => name.startsWith(`${statement}-`))
    .filter(([name, spec]) => !requested || name === requested || spec.group === requested || name === `${statement}-${requested}`)
    .map(([name, spec]) => ({ instance: name, size: { N: spec.params[0]!, A: spec.params[1]!, K: spec.params[2]!, C: spec.params[3]! } }));
  if (candidates.length === 0) {
    throw new UserError(`no ${statement} instance named or grouped "${requested}" in circuits/circuits.json`, { where: "--instance", exitCode: 2 });
  }
  const fitting = candidates.filter((c) => c.size.A === assetCount && c.size.K === scenarioCount);
  if (fitting.length === 0) {
    const sizes = candidates.map((c) => `${c.instance} (A=${c.size.A}, K=${c.size.K})`).join(", ");
    throw new UserError(`the policy has ${assetCount} assets and ${scenarioCount} scenarios; no ${statement} instance has that size: ${sizes}`, { where: "policy" });
  }
  const roomy = fitting.filter((c) => c.size.N >= positions).sort((a, b) => a.size.N - b.size.N);
  if (roomy.length === 0) {
    throw new UserError(`the treasury has ${positions} positions; the largest fitting instance ${fitting[0]!.instance} has ${Math.max(...fitting.map((c) => c.size.N))} slots (merge positions)`, { where: "treasury" });
  }
  return roomy[0]!;
}

/** The artifact paths of a set-up instance; missing artifacts are a UserError that says how to make them. */
export function instanceArtifacts(instance: string, size: InstanceSize, buildDir?: string): CircuitArtifacts {
  const dir = path.resolve(PROJECT_ROOT, buildDir ?? instanceDir(instance));
  const artifacts: CircuitArtifacts = {
    instance,
    size,
    wasm: path.join(dir, `${instance}.wasm`),
    zkey: path.join(dir, `${instance}.zkey`),
    vkeyFile: path.join(dir, `${instance}.vkey.json`),
  };
  for (const file of [artifacts.wasm, artifacts.zkey, artifacts.vkeyFile]) {
    if (!existsSync(file)) {
      throw new UserError(`instance ${instance} is not set up (${path.basename(file)} is missing): run \`homeostat setup --instance ${instance}\``, { where: instance });
    }
  }
  return artifacts;
}

/** The result of one Groth16 run. */
export interface Groth16Run {
  proof: Groth16Proof;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

/** circom_runtime's witness calculator (circom 2), the part the prover uses. */
interface WitnessCalculator {
  calculateWTNSBin(input: object, sanityCheck: boolean): Promise<Uint8Array>;
}

/** A loaded circuit: the compiled witness calculator and the parsed proving key. */
interface LoadedCircuit {
  calculator: WitnessCalculator;
  key: ProvingKey;
}

/**
 * Loaded circuits by artifact paths and modification times: a long-running prover (the keeper, the
 * benchmark) compiles the witness WebAssembly and reads the proving key once, not on every proof.
 */
const circuits = new Map<string, Promise<LoadedCircuit>>();

function loadCircuit(artifacts: Pick<CircuitArtifacts, "instance" | "wasm" | "zkey">): Promise<LoadedCircuit> {
  const key = [artifacts.wasm, statSync(artifacts.wasm).mtimeMs, artifacts.zkey, statSync(artifacts.zkey).mtimeMs].join("|");
  let loaded = circuits.get(key);
  if (!loaded) {
    loaded = (async () => {
      const { WitnessCalculatorBuilder } = await import("circom_runtime");
      const calculator = (await WitnessCalculatorBuilder(readFileSync(artifacts.wasm))) as WitnessCalculator;
      return { calculator, key: ProvingKey.parse(new Uint8Array(readFileSync(artifacts.zkey)), artifacts.zkey) };
    })();
    for (const old of circuits.keys()) if (old.startsWith(`${artifacts.wasm}|`)) circuits.delete(old);
    circuits.set(key, loaded);
    loaded.catch(() => circuits.delete(key));
  }
  return loaded;
}

/**
 * Computes the witness, then the Groth16 proof (two steps, so each can be timed and reported).
 * `singleThread` proves on the calling thread only (one worker process per core in a batch).
 */
export async function runGroth16(
  input: object,
  artifacts: Pick<CircuitArtifacts, "instance" | "wasm" | "zkey">,
  onStage?: (stage: ProveStage) => void,
  options: { singleThread?: boolean } = {},
): Promise<Groth16Run> {
  onStage?.("witness");
  const t0 = performance.now();
  const circuit = await loadCircuit(artifacts);
  let witness: Uint8Array;
  try {
    witness = await circuit.calculator.calculateWTNSBin(input, true);
  } catch (e) {
    // The TS checks passed, so the circuit refusing the witness is a bug (or artifacts out of date).
    throw new Error(`the ${artifacts.instance} circuit rejected the witness: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const t1 = performance.now();
  onStage?.("prove");
  const { proof, publicSignals } = await proveGroth16(circuit.key, witness, options);
  const t2 = performance.now();
  return { proof, publicSignals, witnessMs: t1 - t0, proveMs: t2 - t1 };
}

/** What a proof run produced. */
export interface ProveResult {
  bundle: ProofBundle;
  report: HealthReport;
  artifacts: CircuitArtifacts;
  /** The positions root proven (S1) or the new root (S2, S4). */
  root: bigint;
  /** S2, S4: the old root. */
  oldRoot?: bigint;
  /** Whether the (old) commitment reused stored salts (same root as before). */
  reusedCommitment: boolean;
  timings: { witnessMs: number; proveMs: number; totalMs: number };
}

/** Common inputs of both statements. */
export interface ProveOptions {
  treasury: Treasury;
  liabilities: Liabilities;
  /** The private state; commitments are recorded in it and it is saved (unless `persistState` is false). */
  state: PrivateState;
  persistState?: boolean;
  /** Instance name or group; default: the smallest fitting instance. */
  instance?: string;
  /** Salt every slot afresh instead of reopening a stored commitment. */
  freshSalts?: boolean;
  /** The registry's sequence number the proof is for (its current value when published); default 0. */
  sequence?: bigint;
  /** The vault's token balances (asset order), when known: vault-held totals above them are refused before proving. */
  vaultBalances?: readonly bigint[];
  onStage?: (stage: ProveStage) => void;
  now?: Date;
}

/** The swap of a rebalance, as a person writes it (decimal token amounts). */
export interface RebalanceRequest {
  sell: string;
  amount: string;
  buy: string;
  minOut: string;
}

/** A payout, as a person writes it: the asset's symbol, a decimal token amount and the recipient's address. */
export interface PayoutRequest {
  asset: string;
  amount: string;
  to: string;
}

/** A statement ready to prove: the witness input, the expected public signals and where it came from. */
export interface PreparedProof {
  statement: Statement;
  input: object;
  expectedSignals: string[];
  artifacts: CircuitArtifacts;
  report: HealthReport;
  /** The positions root proven (S1) or the new root (S2). */
  root: bigint;
  oldRoot?: bigint;
  action?: RebalanceAction;
  payout?: PayoutAction;
  reusedCommitment: boolean;
}

/**
 * S1, up to the witness input: evaluates (refusing a failing treasury), picks the instance, opens the
 * commitment and records it in the (unsaved) state.
 */
export function prepareSolvency(options: ProveOptions): PreparedProof {
  const { treasury, liabilities } = options;
  const { policy, prices } = treasury;
  options.onStage?.("evaluate");
  const report = evaluateTreasury(policy, prices, treasury.holdings, liabilities.total);
  if (!report.ok) throw new PolicyViolationError(report, treasury.files.treasury, "the treasury");

  const { instance, size } = resolveInstance("solvency", policy.assets.length, policy.scenarios.length, treasury.holdings.length, options.instance);
  const artifacts = instanceArtifacts(instance, size);
  const statements = loadStatements(treasury);
  requireBacked(custodyReport(treasury, statements, options.vaultBalances));
  const commitment = openCommitment(options.state, treasury.holdings, size.N, { fresh: options.freshSalts ?? false });
  const args = { ...proofContext(options, size, statements), positions: commitment.slots };
  const input = solvencyInput(args);
  const expectedSignals = publicSignalList("solvency", solvencyPublicSignals(args));
  recordCommitment(options.state, commitment.slots, { note: "solvency attestation", now: options.now });
  return { statement: "solvency", input, expectedSignals, artifacts, report, root: commitment.root, reusedCommitment: commitment.reused };
}

/** Saves the state, proves a prepared statement and assembles its bundle. */
async function proveAndBundle(prepared: PreparedProof, options: ProveOptions, start: number): Promise<ProveResult> {
  if (options.persistState ?? true) saveState(options.state);
  const run = await runGroth16(prepared.input, prepared.artifacts, options.onStage);
  options.onStage?.("check");
  assertSignals(run.publicSignals, prepared.expectedSignals, prepared.artifacts.instance);
  const bundle = await buildBundle({
    statement: prepared.statement,
    instance: prepared.artifacts.instance,
    vkey: JSON.parse(readFileSync(prepared.artifacts.vkeyFile, "utf8")),
    proof: run.proof,
    publicSignals: run.publicSignals,
    policy: options.treasury.policy,
    prices: options.treasury.prices,
    ...(prepared.action ? { action: prepared.action } : {}),
    ...(prepared.payout ? { payout: prepared.payout } : {}),
    ...(options.now ? { createdAt: options.now } : {}),
  });
  const result: ProveResult = {
    bundle,
    report: prepared.report,
    artifacts: prepared.artifacts,
    root: prepared.root,
    reusedCommitment: prepared.reusedCommitment,
    timings: { witnessMs: run.witnessMs, proveMs: run.proveMs, totalMs: performance.now() - start },
  };
  if (prepared.oldRoot !== undefined) result.oldRoot = prepared.oldRoot;
  return result;
}

/** S1: proves that the treasury's positions satisfy the policy at these prices and cover the liabilities. */
export async function proveSolvency(options: ProveOptions): Promise<ProveResult> {
  const start = performance.now();
  return proveAndBundle(prepareSolvency(options), options, start);
}

/** The action in integers, from the request (symbols and decimal amounts); refusals name the flag. */
export function parseRebalanceRequest(treasury: Treasury, request: RebalanceRequest): RebalanceAction {
  const policy = treasury.policy;
  const assetIn = assetIndexOf(policy, request.sell, "--sell");
  const assetOut = assetIndexOf(policy, request.buy, "--buy");
  if (assetIn === assetOut) throw new UserError(`cannot swap ${request.sell} for itself`, { where: "--buy", exitCode: 2 });
  const amountIn = parseAssetAmount(policy.assets[assetIn]!, request.amount, "--amount");
  if (amountIn === 0n) throw new UserError("the amount sold must be positive", { where: "--amount", exitCode: 2 });
  const minAmountOut = parseAssetAmount(policy.assets[assetOut]!, request.minOut, "--min-out");
  return { assetIn: BigInt(assetIn), amountIn, assetOut: BigInt(assetOut), minAmountOut };
}

/**
 * Chooses the slots an action touches: `slotIn` is the smallest position of `assetIn` that holds at least
 * `amountIn`; `slotOut` is the largest position of `assetOut`, else an empty slot.
 */
export function chooseSlots(slots: readonly Position[], action: RebalanceAction, symbols: readonly string[], decimals: readonly number[]): { slotIn: number; slotOut: number } {
  const sold = symbols[Number(action.assetIn)]!;
  const bought = symbols[Number(action.assetOut)]!;
  // Only the vault's own tokens can be swapped (custody 0); positions at attestors stay where they are.
  const inVault = (s: Position) => (s.custody ?? 0n) === 0n;
  const holding = slots.map((s, i) => ({ ...s, i })).filter((s) => s.assetIndex === action.assetIn && s.amount > 0n && inVault(s));
  if (holding.length === 0) throw new UserError(`the vault itself holds no ${sold} (positions at attestors cannot be swapped)`, { where: "--sell" });
  const enough = holding.filter((s) => s.amount >= action.amountIn).sort((a, b) => (a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0));
  if (enough.length === 0) {
    const largest = holding.reduce((m, s) => (s.amount > m ? s.amount : m), 0n);
    const d = decimals[Number(action.assetIn)]!;
    throw new UserError(
      `no single ${sold} position holds that much (largest: ${formatDecimal(largest, d, { group: true })} ${sold}); a rebalance moves one position at a time, so split the sale`,
      { where: "--amount" },
    );
  }
  const slotIn = enough[0]!.i;
  const receivers = slots
    .map((s, i) => ({ ...s, i }))
    .filter((s) => s.i !== slotIn && s.assetIndex === action.assetOut && s.amount > 0n && inVault(s))
    .sort((a, b) => (a.amount > b.amount ? -1 : a.amount < b.amount ? 1 : 0));
  const empty = slots.findIndex((s, i) => i !== slotIn && s.amount === 0n);
  const slotOut = receivers[0]?.i ?? empty;
  if (slotOut < 0) throw new UserError(`every slot is in use and none holds ${bought}; merge two positions first`, { where: "--buy" });
  if (slots[slotOut]!.amount + action.minAmountOut >= 1n << BigInt(AMOUNT_BITS)) {
    throw new UserError(`the receiving ${bought} position would exceed 2^96 base units`, { where: "--min-out" });
  }
  return { slotIn, slotOut };
}


/**
 * S2, up to the witness input: parses the action, opens the current commitment, applies the action with
 * fresh salts on the two touched slots, evaluates the NEW positions (refusing if a bound fails) and records
 * both commitments in the (unsaved) state, the new one as current.
 */
export function prepareRebalance(options: ProveOptions & { request: RebalanceRequest }): PreparedProof {
  const { treasury, liabilities } = options;
  const { policy, prices } = treasury;
  const action = parseRebalanceRequest(treasury, options.request);
  const { statements, instance, size, old } = openTransition(options, "rebalance");
  const { slotIn, slotOut } = chooseSlots(
    old.slots,
    action,
    policy.assets.map((a) => a.symbol),
    policy.assets.map((a) => a.decimals),
  );
  const newSlots = applyAction(old.slots, action, slotIn, slotOut, { saltIn: randomFieldElement(), saltOut: randomFieldElement() });

  // S2 has no witness for a minimum below the fair price less maxSlippageBps: say so before proving.
  const unitPrices = prices.assets.map((a) => a.unitPrice);
  const fairMin = fairMinAmountOut(action.amountIn, unitPrices[Number(action.assetIn)]!, unitPrices[Number(action.assetOut)]!, policy.maxSlippageBps);
  if (action.minAmountOut < fairMin) {
    const bought = policy.assets[Number(action.assetOut)]!;
    throw new UserError(
      `${options.request.minOut} ${bought.symbol} is below the fair minimum: at the snapshot's prices less the policy's maxSlippage (${policy.maxSlippageBps} bps) the swap must get at least ${formatDecimal(fairMin, bought.decimals)} ${bought.symbol}`,
      { where: "--min-out" },
    );
  }

  options.onStage?.("evaluate");
  const report = evaluateTreasury(policy, prices, newSlots, liabilities.total);
  if (!report.ok) {
    const safe = largestSafeSwap(old.slots, action, slotIn, slotOut, treasury, liabilities.total);
    const sold = policy.assets[Number(action.assetIn)]!;
    const bought = policy.assets[Number(action.assetOut)]!;
    const hint = safe
      ? `the largest swap at this rate that keeps every bound: --amount ${formatDecimal(safe.amountIn, sold.decimals)} --min-out ${formatDecimal(safe.minAmountOut, bought.decimals)}`
      : undefined;
    throw new PolicyViolationError(report, "--sell", "the treasury after this swap", hint);
  }
  const artifacts = instanceArtifacts(instance, size);

  const args = { ...proofContext(options, size, statements), oldPositions: old.slots, newPositions: newSlots, action, slotIn, slotOut };
  const input = rebalanceInput(args);
  const expectedSignals = publicSignalList("rebalance", rebalancePublicSignals(args));
  const r = options.request;
  const root = recordTransition(options, old, newSlots, "rebalance", `rebalance: ${r.amount} ${r.sell} -> at least ${r.minOut} ${r.buy}`);
  return { statement: "rebalance", input, expectedSignals, artifacts, report, root, oldRoot: old.root, action, reusedCommitment: old.reused };
}

/**
 * S2: proves that swapping `request` (sell `amount` of `sell` for at least `minOut` of `buy`) moves the
 * committed positions from the current root to a new root whose positions satisfy the policy. The treasury
 * file describes the positions BEFORE the swap. The new commitment becomes the state's current one.
 */
export async function proveRebalance(options: ProveOptions & { request: RebalanceRequest }): Promise<ProveResult> {
  const start = performance.now();
  return proveAndBundle(prepareRebalance(options), options, start);
}

/**
 * The largest `amountIn` (with `minAmountOut` scaled at the same rate, rounded down) whose result still
 * passes every rule, by bisection; undefined when even a tiny swap fails or the full one passes the rules
 * (then the swap is not what breaks the policy: the state before it, or a feed).
 */
export function largestSafeSwap(
  slots: readonly Position[],
  action: RebalanceAction,
  slotIn: number,
  slotOut: number,
  treasury: Treasury,
  liabilitiesTotal: bigint,
): RebalanceAction | undefined {
  const fields = policyFields(treasury.policy);
  const unitPrices = treasury.prices.assets.map((p) => p.unitPrice);
  const scaled = (amountIn: bigint): RebalanceAction => ({ ...action, amountIn, minAmountOut: (action.minAmountOut * amountIn) / action.amountIn });
  const passes = (amountIn: bigint): boolean => {
    const a = scaled(amountIn);
    const positions = slots.map((p, i) =>
      i === slotIn ? { ...p, amount: p.amount - a.amountIn } : i === slotOut ? { assetIndex: a.assetOut, amount: p.amount + a.minAmountOut } : p,
    );
    return exactCheck(positions, unitPrices, fields, liabilitiesTotal).ok;
  };
  const largest = largestPassing(action.amountIn, passes);
  return largest === undefined ? undefined : scaled(largest);
}

/**
 * The largest amount in [1, max) that `passes`, by bisection (passing is monotone: less moved, less risk);
 * undefined when `max` itself passes or even 1 fails (then the amount is not what breaks the rules).
 */
function largestPassing(max: bigint, passes: (amount: bigint) => boolean): bigint | undefined {
  if (passes(max) || !passes(1n)) return undefined;
  let low = 1n; // passes
  let high = max; // fails
  while (high - low > 1n) {
    const mid = (low + high) / 2n;
    if (passes(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** The payout in integers, from the request (symbol, decimal amount, address); refusals name the flag. */
export function parsePayoutRequest(treasury: Pick<Treasury, "policy">, request: PayoutRequest): PayoutAction {
  const policy = treasury.policy;
  const asset = assetIndexOf(policy, request.asset, "--asset");
  const amount = parseAssetAmount(policy.assets[asset]!, request.amount, "--amount");
  if (amount === 0n) throw new UserError("the amount paid out must be positive", { where: "--amount", exitCode: 2 });
  let recipient: bigint;
  try {
    recipient = addressToField(request.to, "--to");
  } catch {
    throw new UserError(`${JSON.stringify(request.to)} is not a 20-byte hex address (0x and 40 hex digits)`, { where: "--to", exitCode: 2 });
  }
  if (recipient === 0n) throw new UserError("the zero address cannot receive a payout", { where: "--to", exitCode: 2 });
  return { asset: BigInt(asset), amount, recipient };
}

/**
 * The slot a payout comes from: the smallest position of the asset held by the vault itself that holds at
 * least the amount (positions at attestors never leave through the vault).
 */
export function choosePayoutSlot(slots: readonly Position[], payout: PayoutAction, symbol: string, decimals: number): number {
  const holding = slots.map((s, i) => ({ ...s, i })).filter((s) => s.assetIndex === payout.asset && s.amount > 0n && (s.custody ?? 0n) === 0n);
  if (holding.length === 0) throw new UserError(`the vault itself holds no ${symbol} (positions at attestors cannot be paid out)`, { where: "--asset" });
  const enough = holding.filter((s) => s.amount >= payout.amount).sort((a, b) => (a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0));
  if (enough.length === 0) {
    const largest = holding.reduce((m, s) => (s.amount > m ? s.amount : m), 0n);
    throw new UserError(
      `no single ${symbol} position held by the vault holds that much (largest: ${formatDecimal(largest, decimals, { group: true })} ${symbol}); a payout comes from one position, so split it`,
      { where: "--amount" },
    );
  }
  return enough[0]!.i;
}

/**
 * The largest payout of the same asset from the same slot that still passes every rule, by bisection;
 * undefined when even one base unit fails or the full payout passes the rules (then the payout is not what
 * breaks the policy: the state before it, or a feed).
 */
export function largestSafePayout(slots: readonly Position[], payout: PayoutAction, slot: number, treasury: Treasury, liabilitiesTotal: bigint): bigint | undefined {
  return largestSafePayoutAt(slots, payout, slot, treasury.prices.assets.map((p) => p.unitPrice), policyFields(treasury.policy), liabilitiesTotal);
}

/** `largestSafePayout` on the policy's fields and the unit prices (the keeper's view of a deployment). */
export function largestSafePayoutAt(slots: readonly Position[], payout: PayoutAction, slot: number, unitPrices: readonly bigint[], fields: PolicyFields, liabilitiesTotal: bigint): bigint | undefined {
  const passes = (amount: bigint): boolean =>
    exactCheck(
      slots.map((p, i) => (i === slot ? { ...p, amount: p.amount - amount } : p)),
      unitPrices,
      fields,
      liabilitiesTotal,
    ).ok;
  return largestPassing(payout.amount, passes);
}

/**
 * S4, up to the witness input: parses the payout, opens the current commitment, takes the amount from one
 * vault-held slot (with a fresh salt), evaluates the positions LEFT (refusing, with the health report, if a
 * bound fails) and records both commitments in the (unsaved) state, the new one as current.
 */
export function preparePayout(options: ProveOptions & { request: PayoutRequest }): PreparedProof {
  const { treasury, liabilities } = options;
  const { policy, prices } = treasury;
  const payout = parsePayoutRequest(treasury, options.request);
  const { statements, instance, size, old } = openTransition(options, "payout");
  const asset = policy.assets[Number(payout.asset)]!;
  const slot = choosePayoutSlot(old.slots, payout, asset.symbol, asset.decimals);
  const newSlots = applyPayout(old.slots, payout, slot, randomFieldElement());

  options.onStage?.("evaluate");
  const report = evaluateTreasury(policy, prices, newSlots, liabilities.total);
  if (!report.ok) {
    const safe = largestSafePayout(old.slots, payout, slot, treasury, liabilities.total);
    const hint = safe === undefined ? undefined : `the largest ${asset.symbol} payout that keeps every bound: --amount ${formatDecimal(safe, asset.decimals)}`;
    throw new PolicyViolationError(report, "--amount", "the treasury after this payout", hint);
  }
  const artifacts = instanceArtifacts(instance, size);

  const args = { ...proofContext(options, size, statements), oldPositions: old.slots, newPositions: newSlots, payout, slot };
  const input = payoutInput(args);
  const expectedSignals = publicSignalList("payout", payoutPublicSignals(args));
  const r = options.request;
  const root = recordTransition(options, old, newSlots, "payout", `payout: ${r.amount} ${r.asset} to ${r.to}`);
  return { statement: "payout", input, expectedSignals, artifacts, report, root, oldRoot: old.root, payout, reusedCommitment: old.reused };
}

/**
 * S4: proves that paying `request` (`amount` of `asset` to `to`) from one vault-held position moves the
 * committed positions from the current root to a new root whose positions still satisfy the policy. The
 * treasury file describes the positions BEFORE the payout. The new commitment becomes the state's current one.
 */
export async function provePayout(options: ProveOptions & { request: PayoutRequest }): Promise<ProveResult> {
  const start = performance.now();
  return proveAndBundle(preparePayout(options), options, start);
}

/** What every statement is proven against besides the positions: sizes, policy, prices, liabilities, sequence, custody. */
function proofContext(options: ProveOptions, size: InstanceSize, statements: ReturnType<typeof loadStatements>) {
  const policy = options.treasury.policy;
  return {
    size,
    policy: policyFields(policy),
    prices: priceFields(options.treasury.prices),
    liabilities: options.liabilities.opening,
    sequence: options.sequence ?? 0n,
    statements: signedCustody(policy, statements),
  };
}

/**
 * The start of a transition (S2, S4): the custody statements (every attested position must be backed), the
 * instance for this policy and the current commitment opened (its stored salts reused unless freshSalts).
 */
function openTransition(options: ProveOptions, statement: Statement) {
  const { treasury } = options;
  const statements = loadStatements(treasury);
  requireBacked(custodyReport(treasury, statements));
  const { policy } = treasury;
  const { instance, size } = resolveInstance(statement, policy.assets.length, policy.scenarios.length, treasury.holdings.length, options.instance);
  const old = openCommitment(options.state, treasury.holdings, size.N, { fresh: options.freshSalts ?? false });
  return { statements, instance, size, old };
}

/** Records a transition's two commitments in the (unsaved) state: the old one kept, the new one current. Returns the new root. */
function recordTransition(options: ProveOptions, old: { slots: readonly Position[]; root: bigint }, newSlots: readonly Position[], kind: string, note: string): bigint {
  recordCommitment(options.state, old.slots, { makeCurrent: false, note: `positions before a ${kind}`, now: options.now });
  return recordCommitment(options.state, newSlots, { parent: old.root, note, now: options.now });
}

/** The circuit's public signals must be the ones computed in TypeScript: anything else is a bug. */
function assertSignals(actual: readonly string[], expected: readonly string[], instance: string): void {
  if (actual.length !== expected.length || actual.some((s, i) => s !== expected[i])) {
    throw new Error(`${instance}: the proof's public signals differ from the ones computed in TypeScript (circuit and prover disagree)`);
  }
}
