/**
 * Governance operations on a deployment (issue 16): a policy file becomes the calls that make the
 * deployed RiskPolicy equal to it (setPolicy, setSequencerUptimeFeed, setAttestor / removeAttestor), batched
 * as one OpenZeppelin TimelockController operation: `scheduleBatch` now, `executeBatch` once the delay has
 * passed. When the proposer is a Safe, the same calls are written as a Safe Transaction Builder batch file
 * instead of being sent. Pending operations are read back from the timelock's own events (CallScheduled,
 * CallSalt, Cancelled) and states, so nothing is kept off chain. The guardian's `tighten` takes the same
 * policy file and calls RiskPolicy.tighten at once (the contract refuses anything looser). The vault's payout
 * limits and role travel in the same kind of batch (chain/payout-limits.ts builds their calls); the status
 * describes every call to a governed contract by name and arguments.
 *
 * A policy file (the operator's `policy.json`, as `deploy --inputs` writes it) names assets by symbol and
 * has no addresses: tokens, feeds and their decimals are the deployed policy's. Assets, their order and the
 * number of scenarios are the circuit instance's and cannot change here.
 */
import { AbiCoder, Contract, getAddress, hexlify, id as ethersId, Interface, keccak256, randomBytes, ZeroAddress, ZeroHash, type EventLog, type TransactionDescription } from "ethers";
import { UserError } from "../core/errors.ts";
import { parseFile, policyFileSchema } from "../core/schemas.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { parseDecimal } from "../core/units.ts";
import { NO_SEQUENCER } from "../prover/treasury.ts";
import { policyCallArg, readPolicy, type OnchainPolicy } from "./policy.ts";
import type { Deployment, Stack } from "./deploy.ts";

/** One call of a governance operation, with a line for people. */
export interface GovernanceCall {
  /** What the call changes: the hashed rules (what the guardian may also tighten), what only governance sets, or the vault's payout limits and role. */
  kind: "policy" | "sequencer" | "attestor" | "payout" | "other";
  target: string;
  value: bigint;
  data: string;
  summary: string;
}

/** The policy a policy file asks for on this deployment (addresses and decimals from `current`). */
export function policyFromFile(file: string, current: OnchainPolicy, deployment: Pick<Deployment, "chainId" | "contracts">): OnchainPolicy {
  const policy = parseFile(policyFileSchema, readJsonInput(file), file);
  const where = (field: string) => `${file}: ${field}`;
  if (policy.chainId.toString() !== deployment.chainId) throw new UserError(`is ${policy.chainId}; the deployment is on chain ${deployment.chainId}`, { where: where("chainId") });
  if (getAddress(policy.vault) !== getAddress(deployment.contracts.treasuryVault)) {
    throw new UserError(`is ${policy.vault}; the deployment's vault is ${deployment.contracts.treasuryVault}`, { where: where("vault") });
  }
  if (policy.assets.length !== current.assets.length) {
    throw new UserError(`lists ${policy.assets.length} assets; the deployed policy has ${current.assets.length} (${current.assets.map((a) => a.symbol).join(", ")}), fixed by the circuit instance`, { where: where("assets") });
  }
  const assets = policy.assets.map((rules, i) => {
    const deployed = current.assets[i]!;
    if (rules.symbol !== deployed.symbol) {
      throw new UserError(`is ${rules.symbol}; the deployed policy's asset ${i} is ${deployed.symbol} (assets keep their order: it is the circuits' asset index)`, { where: where(`assets[${i}].symbol`) });
    }
    const bound = (text: string, field: "minAnswer" | "maxAnswer") => {
      try {
        return parseDecimal(text, deployed.feedDecimals);
      } catch (e) {
        throw new UserError(`${(e as Error).message} (the ${deployed.symbol} feed has ${deployed.feedDecimals} decimals)`, { where: where(`assets[${i}].feed.${field}`) });
      }
    };
    return { ...deployed, capBps: Number(rules.cap), haircutBps: Number(rules.haircut), liquid: rules.liquid, maxAge: rules.feed.maxAge, minAnswer: bound(rules.feed.minAnswer, "minAnswer"), maxAnswer: bound(rules.feed.maxAnswer, "maxAnswer") };
  });
  if (policy.scenarios.length !== current.shockBps.length) {
    throw new UserError(`lists ${policy.scenarios.length} scenarios; the circuit instance takes exactly ${current.shockBps.length}`, { where: where("scenarios") });
  }
  const slots = current.attestorKeys.length;
  const listed = policy.attestors ?? [];
  if (listed.length > slots) throw new UserError(`lists ${listed.length} attestor slots; the deployment has ${slots}`, { where: where("attestors") });
  return {
    assets,
    shockBps: policy.scenarios.map((s) => assets.map((a) => Number(s.shocks[a.symbol] ?? 0n))),
    liabilityAsset: assets.findIndex((a) => a.symbol === policy.liabilityAsset),
    minCoverageBps: Number(policy.minCoverage),
    minLiquidityBps: Number(policy.minLiquidity),
    maxSlippageBps: Number(policy.maxSlippage ?? BigInt(current.maxSlippageBps)),
    maxSnapshotAge: policy.maxSnapshotAge ?? current.maxSnapshotAge,
    liabilitiesDelay: policy.liabilitiesDelay ?? current.liabilitiesDelay,
    maxAttestationAge: policy.maxAttestationAge ?? current.maxAttestationAge,
    sequencer: policy.sequencer ? { feed: getAddress(policy.sequencer.feed), gracePeriod: policy.sequencer.gracePeriod } : { ...NO_SEQUENCER },
    attestorKeys: Array.from({ length: slots }, (_, s) => {
      const a = listed[s];
      return a ? ([BigInt(a.publicKey[0]), BigInt(a.publicKey[1])] as const) : ([0n, 0n] as const);
    }),
  };
}

const pct = (bps: number) => `${bps / 100}%`;

/** What differs between two policies' setPolicy parts, for people ("minCoverage 150% -> 160%"). */
export function policyChanges(from: OnchainPolicy, to: OnchainPolicy): string[] {
  const out: string[] = [];
  const field = (name: string, a: string, b: string) => {
    if (a !== b) out.push(`${name} ${a} -> ${b}`);
  };
  field("minCoverage", pct(from.minCoverageBps), pct(to.minCoverageBps));
  field("minLiquidity", pct(from.minLiquidityBps), pct(to.minLiquidityBps));
  field("maxSlippage", pct(from.maxSlippageBps), pct(to.maxSlippageBps));
  field("maxSnapshotAge", `${from.maxSnapshotAge} s`, `${to.maxSnapshotAge} s`);
  field("liabilitiesDelay", `${from.liabilitiesDelay} s`, `${to.liabilitiesDelay} s`);
  field("maxAttestationAge", `${from.maxAttestationAge} s`, `${to.maxAttestationAge} s`);
  field("liabilityAsset", from.assets[from.liabilityAsset]?.symbol ?? "?", to.assets[to.liabilityAsset]?.symbol ?? "?");
  to.assets.forEach((a, i) => {
    const b = from.assets[i]!;
    field(`${a.symbol}.cap`, pct(b.capBps), pct(a.capBps));
    field(`${a.symbol}.haircut`, pct(b.haircutBps), pct(a.haircutBps));
    field(`${a.symbol}.liquid`, String(b.liquid), String(a.liquid));
    field(`${a.symbol}.feed.maxAge`, `${b.maxAge} s`, `${a.maxAge} s`);
    field(`${a.symbol}.feed.minAnswer`, b.minAnswer.toString(), a.minAnswer.toString());
    field(`${a.symbol}.feed.maxAnswer`, b.maxAnswer.toString(), a.maxAnswer.toString());
  });
  to.shockBps.forEach((row, k) => field(`scenario ${k}`, (from.shockBps[k] ?? []).map(pct).join("/"), row.map(pct).join("/")));
  return out;
}

/** The calls that turn the deployed policy `current` into `next` (empty when they are equal). */
export function policyUpdateCalls(stack: Pick<Stack, "riskPolicy">, riskPolicy: string, current: OnchainPolicy, next: OnchainPolicy): GovernanceCall[] {
  const iface = stack.riskPolicy.interface;
  const calls: GovernanceCall[] = [];
  const changes = policyChanges(current, next);
  if (changes.length > 0) calls.push({ kind: "policy", target: riskPolicy, value: 0n, data: iface.encodeFunctionData("setPolicy", [policyCallArg(next)]), summary: `RiskPolicy.setPolicy: ${changes.join(", ")}` });
  if (getAddress(next.sequencer.feed) !== getAddress(current.sequencer.feed) || next.sequencer.gracePeriod !== current.sequencer.gracePeriod) {
    calls.push({
      kind: "sequencer",
      target: riskPolicy,
      value: 0n,
      data: iface.encodeFunctionData("setSequencerUptimeFeed", [next.sequencer.feed, next.sequencer.gracePeriod]),
      summary: `RiskPolicy.setSequencerUptimeFeed(${next.sequencer.feed}, ${next.sequencer.gracePeriod} s)`,
    });
  }
  next.attestorKeys.forEach(([x, y], slot) => {
    const [cx, cy] = current.attestorKeys[slot]!;
    if (x === cx && y === cy) return;
    if (x === 0n && y === 0n) calls.push({ kind: "attestor", target: riskPolicy, value: 0n, data: iface.encodeFunctionData("removeAttestor", [slot]), summary: `RiskPolicy.removeAttestor(slot ${slot + 1})` });
    else calls.push({ kind: "attestor", target: riskPolicy, value: 0n, data: iface.encodeFunctionData("setAttestor", [slot, x, y]), summary: `RiskPolicy.setAttestor(slot ${slot + 1}, key ${x.toString().slice(0, 10)}...)` });
  });
  return calls;
}

/** A timelock batch: its calls, predecessor, salt and the operation id the timelock gives it. */
export interface TimelockBatch {
  id: string;
  calls: GovernanceCall[];
  predecessor: string;
  salt: string;
}

/** The id TimelockController.hashOperationBatch gives a batch. */
export function batchId(calls: readonly Pick<GovernanceCall, "target" | "value" | "data">[], predecessor: string, salt: string): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
      [calls.map((c) => c.target), calls.map((c) => c.value), calls.map((c) => c.data), predecessor, salt],
    ),
  );
}

/** A new batch of `calls` with a fresh random salt (so the same change can be proposed again later). */
export function newBatch(calls: GovernanceCall[]): TimelockBatch {
  const salt = hexlify(randomBytes(32));
  return { id: batchId(calls, ZeroHash, salt), calls, predecessor: ZeroHash, salt };
}

/** Calldata of `scheduleBatch` / `executeBatch` on the timelock. */
export function scheduleData(timelock: Pick<Contract, "interface">, batch: TimelockBatch, delay: bigint): string {
  return timelock.interface.encodeFunctionData("scheduleBatch", [batch.calls.map((c) => c.target), batch.calls.map((c) => c.value), batch.calls.map((c) => c.data), batch.predecessor, batch.salt, delay]);
}
export function executeData(timelock: Pick<Contract, "interface">, batch: TimelockBatch): string {
  return timelock.interface.encodeFunctionData("executeBatch", [batch.calls.map((c) => c.target), batch.calls.map((c) => c.value), batch.calls.map((c) => c.data), batch.predecessor, batch.salt]);
}

/**
 * A Safe Transaction Builder batch file (the JSON the Safe{Wallet} Transaction Builder app imports): one
 * transaction from the Safe to the timelock. The builder's optional checksum is left out (it then asks the
 * signer to confirm the file's origin).
 */
export function safeBatchFile(options: { chainId: string; safe: string; name: string; description: string; to: string; data: string }): object {
  return {
    version: "1.0",
    chainId: options.chainId,
    createdAt: Date.now(),
    meta: { name: options.name, description: options.description, txBuilderVersion: "1.16.5", createdFromSafeAddress: getAddress(options.safe), createdFromOwnerAddress: "" },
    transactions: [{ to: getAddress(options.to), value: "0", data: options.data, contractMethod: null, contractInputsValues: null }],
  };
}

/** OpenZeppelin 5's TimelockController.OperationState. */
export const OPERATION_STATES = ["unset", "waiting", "ready", "done"] as const;
export type OperationState = (typeof OPERATION_STATES)[number] | "cancelled";

/** A scheduled operation as the timelock's events and state tell it. */
export interface ScheduledOperation extends TimelockBatch {
  state: OperationState;
  /** Earliest execution time (unix seconds; 0 once done or cancelled). */
  readyAt: number;
  scheduledBlock: number;
  scheduledTx: string;
}

/** A contract a timelock call may target, for describing the call ("TreasuryVault.setPayoutLimit(...)"). */
export interface CallTarget {
  name: string;
  address: string;
  iface: Interface;
}

/** The governed contracts of a deployment as call targets. */
export function governedTargets(stack: Pick<Stack, "riskPolicy" | "priceSnapshots" | "solvencyRegistry" | "treasuryVault">, deployment: Pick<Deployment, "contracts">): CallTarget[] {
  const c = deployment.contracts;
  return [
    { name: "RiskPolicy", address: c.riskPolicy, iface: stack.riskPolicy.interface },
    { name: "PriceSnapshots", address: c.priceSnapshots, iface: stack.priceSnapshots.interface },
    { name: "SolvencyRegistry", address: c.solvencyRegistry, iface: stack.solvencyRegistry.interface },
    { name: "TreasuryVault", address: c.treasuryVault, iface: stack.treasuryVault.interface },
  ];
}

/** Every batch scheduled on `timelock` since `fromBlock`, with its state; calls described with `targets`' ABIs. */
export async function scheduledOperations(timelock: Contract, targets: readonly CallTarget[], fromBlock = 0): Promise<ScheduledOperation[]> {
  const scheduled = (await timelock.queryFilter(timelock.filters.CallScheduled!(), fromBlock)) as EventLog[];
  const salts = (await timelock.queryFilter(timelock.filters.CallSalt!(), fromBlock)) as EventLog[];
  const cancelled = new Set(((await timelock.queryFilter(timelock.filters.Cancelled!(), fromBlock)) as EventLog[]).map((e) => String(e.args[0])));
  const saltOf = new Map(salts.map((e) => [String(e.args[0]), String(e.args[1])]));
  const byId = new Map<string, ScheduledOperation>();
  for (const e of scheduled) {
    const [id, index, target, value, data, predecessor] = e.args as unknown as [string, bigint, string, bigint, string, string];
    let op = byId.get(id);
    if (!op) {
      op = { id, calls: [], predecessor, salt: saltOf.get(id) ?? ZeroHash, state: "unset", readyAt: 0, scheduledBlock: e.blockNumber, scheduledTx: e.transactionHash };
      byId.set(id, op);
    }
    op.calls[Number(index)] = { kind: "other", target: getAddress(target), value, data, summary: describeCall(targets, target, data) };
  }
  for (const op of byId.values()) {
    const state = Number(await timelock.getFunction("getOperationState").staticCall(op.id));
    op.state = state === 0 && cancelled.has(op.id) ? "cancelled" : OPERATION_STATES[state]!;
    op.readyAt = op.state === "waiting" || op.state === "ready" ? Number(await timelock.getFunction("getTimestamp").staticCall(op.id)) : 0;
    if (batchId(op.calls, op.predecessor, op.salt) !== op.id) throw new Error(`timelock operation ${op.id}: its events do not hash to its id (a CallSalt event missing?)`);
  }
  return [...byId.values()].sort((a, b) => a.scheduledBlock - b.scheduledBlock);
}

/** Access-control roles by id, to name them in call descriptions. */
const ROLE_NAMES = new Map<string, string>([
  [ZeroHash, "GOVERNANCE_ROLE"],
  ...["PAYOUT_ROLE", "GUARDIAN_ROLE", "REBALANCER_ROLE", "RISK_GUARDIAN_ROLE", "OPERATOR_ROLE", "KEEPER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"].map((name) => [ethersId(name), name] as const),
]);

/**
 * `Contract.function(name=value, ...)` for a call to one of `targets` (role ids by name; a struct or array
 * argument makes it `(N arguments)`), `function(...) on ADDRESS` for a known function at another address, else
 * the selector and the target.
 */
function describeCall(targets: readonly CallTarget[], target: string, data: string): string {
  const known = targets.find((t) => t.address.toLowerCase() === target.toLowerCase());
  for (const t of known ? [known] : targets) {
    let parsed: TransactionDescription | null = null;
    try {
      parsed = t.iface.parseTransaction({ data });
    } catch {
      // not this contract's call
    }
    if (!parsed) continue;
    const inputs = parsed.fragment.inputs;
    const simple = inputs.every((p) => p.baseType !== "tuple" && p.baseType !== "array");
    const args = simple
      ? inputs.map((p, i) => `${p.name || `arg${i}`}=${formatArgument(p.type, parsed.args[i] as unknown)}`).join(", ")
      : `${inputs.length} argument${inputs.length === 1 ? "" : "s"}`;
    return known ? `${t.name}.${parsed.name}(${args})` : `${parsed.name}(${args}) on ${getAddress(target)}`;
  }
  return `call ${data.slice(0, 10)} on ${getAddress(target)}`;
}

function formatArgument(type: string, value: unknown): string {
  if (type === "bytes32") return ROLE_NAMES.get(String(value)) ?? String(value);
  if (type === "address") return getAddress(String(value));
  return String(value);
}

/** Refuses when `account` lacks `role` on `contract` (so a send never fails with a bare revert). */
export async function requireRole(contract: Contract, role: "PROPOSER_ROLE" | "EXECUTOR_ROLE" | "RISK_GUARDIAN_ROLE" | "GUARDIAN_ROLE", account: string, where: string): Promise<void> {
  const id = (await contract.getFunction(role).staticCall()) as string;
  if (role === "EXECUTOR_ROLE" && ((await contract.getFunction("hasRole").staticCall(id, ZeroAddress)) as boolean)) return; // open executor
  if (!((await contract.getFunction("hasRole").staticCall(id, account)) as boolean)) {
    const name = { RISK_GUARDIAN_ROLE: "the risk guardian", GUARDIAN_ROLE: "the vault's guardian", PROPOSER_ROLE: "a proposer of the timelock", EXECUTOR_ROLE: "an executor of the timelock" }[role];
    throw new UserError(`${getAddress(account)} is not ${name}`, { where });
  }
}

/**
 * The deployed policy, the one `file` asks for and the calls between them; a file equal to the deployed
 * policy is refused ("nothing to `verb`").
 */
export async function policyChange(stack: Stack, deployment: Deployment, file: string, verb: string): Promise<{ current: OnchainPolicy; next: OnchainPolicy; calls: GovernanceCall[] }> {
  const current = await readPolicy(stack.riskPolicy);
  const next = policyFromFile(file, current, deployment);
  const calls = policyUpdateCalls(stack, deployment.contracts.riskPolicy, current, next);
  if (calls.length === 0) throw new UserError(`equals the deployed policy: nothing to ${verb}`, { where: file });
  return { current, next, calls };
}
