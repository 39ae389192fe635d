/**
 * The vault's payout limits and payout role (issue 16) as governance handles them: what the payout role may
 * pay of each asset per period (`TreasuryVault.payoutLimits`, `payoutRemaining`), who holds PAYOUT_ROLE
 * (replayed from the vault's RoleGranted / RoleRevoked events, then confirmed with `hasRole`), and the calls of
 * a change (`setPayoutLimit`, `grantRole` / `revokeRole(PAYOUT_ROLE)`) for one timelock batch
 * (chain/governance.ts). Limits are written in the asset's units and converted exactly with the deployment's
 * decimals; the bounds are the contract's (a period of 1 s to 365 days, a limit below 2^128 base units).
 */
import { getAddress, type Contract, type EventLog } from "ethers";
import { UserError } from "../core/errors.ts";
import { formatDecimal, parseDecimal } from "../core/units.ts";
import { PAYOUT_ROLE, type Deployment, type Stack } from "./deploy.ts";
import type { GovernanceCall } from "./governance.ts";

/** TreasuryVault.setPayoutLimit's longest period (365 days, in seconds). */
export const MAX_PAYOUT_PERIOD = 365 * 86_400;
/** The largest limit a uint128 holds. */
export const MAX_PAYOUT_LIMIT = (1n << 128n) - 1n;

/** A deployed asset: its index in the policy, symbol and token decimals. */
export interface PayoutAsset {
  index: number;
  symbol: string;
  decimals: number;
}

/** The deployment's asset `symbol`, or a UserError naming `where`. */
export function payoutAsset(deployment: Pick<Deployment, "assets">, symbol: string, where: string, exitCode = 2): PayoutAsset {
  const index = deployment.assets.findIndex((a) => a.symbol === symbol);
  if (index < 0) throw new UserError(`${JSON.stringify(symbol)} is not an asset of the deployment (${deployment.assets.map((a) => a.symbol).join(", ")})`, { where, exitCode });
  return { index, symbol, decimals: deployment.assets[index]!.decimals };
}

/** A limit written in `asset`'s units (`"50000"`, `"0.5"`) as base units, exactly; else a UserError naming `where`. */
export function payoutLimitAmount(text: string, asset: Pick<PayoutAsset, "symbol" | "decimals">, where: string, exitCode = 2): bigint {
  let amount: bigint;
  try {
    amount = parseDecimal(text, asset.decimals);
  } catch (e) {
    throw new UserError(`${(e as Error).message} (${asset.symbol} has ${asset.decimals} decimals)`, { where, exitCode });
  }
  if (amount > MAX_PAYOUT_LIMIT) throw new UserError(`${text} ${asset.symbol} is above the vault's largest limit (2^128 - 1 base units)`, { where, exitCode });
  return amount;
}

/** `amount` base units of `asset` for people: `50,000 USDC`. */
export function formatAssetAmount(amount: bigint, asset: Pick<PayoutAsset, "symbol" | "decimals">): string {
  return `${formatDecimal(amount, asset.decimals, { group: true })} ${asset.symbol}`;
}

/** A limit and its period for people: `50,000 USDC per 86400 s`, or `none` (never set). */
export function describeLimit(limit: bigint, period: number, asset: Pick<PayoutAsset, "symbol" | "decimals">): string {
  return period === 0 ? "none" : `${formatAssetAmount(limit, asset)} per ${period} s`;
}

/** One asset's payout limit as the vault holds it now. */
export interface PayoutLimitState extends PayoutAsset {
  /** Base units per period (0: the payout role may pay nothing). */
  limit: bigint;
  /** Seconds (0: never set). */
  period: number;
  /** What the payout role may still pay in the current window (base units). */
  remaining: bigint;
  /** When the current window ends (unix seconds; windows are aligned on multiples of the period), if set. */
  windowEnds?: number;
}

/** Every asset's payout limit, period and what is left of it in the window that contains `now`. */
export async function readPayoutLimits(vault: Contract, deployment: Pick<Deployment, "assets">, now: number): Promise<PayoutLimitState[]> {
  return Promise.all(
    deployment.assets.map(async (a, index) => {
      const [limit, period] = (await vault.getFunction("payoutLimits").staticCall(index)) as unknown as [bigint, bigint];
      const remaining = (await vault.getFunction("payoutRemaining").staticCall(index)) as bigint;
      const p = Number(period);
      return { index, symbol: a.symbol, decimals: a.decimals, limit, period: p, remaining, ...(p > 0 ? { windowEnds: now - (now % p) + p } : {}) };
    }),
  );
}

/** The accounts holding PAYOUT_ROLE: the vault's role events since `fromBlock` replayed in order, each confirmed by `hasRole`. */
export async function payoutRoleHolders(vault: Contract, fromBlock = 0): Promise<string[]> {
  const events = [
    ...((await vault.queryFilter(vault.filters.RoleGranted!(PAYOUT_ROLE), fromBlock)) as EventLog[]),
    ...((await vault.queryFilter(vault.filters.RoleRevoked!(PAYOUT_ROLE), fromBlock)) as EventLog[]),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const holders = new Set<string>();
  for (const e of events) {
    const account = getAddress(String(e.args[1]));
    if (e.eventName === "RoleGranted") holders.add(account);
    else holders.delete(account);
  }
  const confirmed: string[] = [];
  for (const account of holders) if ((await vault.getFunction("hasRole").staticCall(PAYOUT_ROLE, account)) as boolean) confirmed.push(account);
  return confirmed;
}

/** A change of one asset's payout limit, with PAYOUT_ROLE granted to or revoked from an account. */
export interface PayoutLimitRequest {
  asset: PayoutAsset;
  limit: bigint;
  period: number;
  grant?: string;
  revoke?: string;
}

/**
 * The calls that make the vault's limit for the asset `limit` per `period` and grant / revoke PAYOUT_ROLE as
 * asked, leaving out what already is so (`unchanged` says what); a request that changes nothing is refused.
 */
export async function payoutLimitChange(stack: Pick<Stack, "treasuryVault">, deployment: Pick<Deployment, "contracts">, request: PayoutLimitRequest): Promise<{ calls: GovernanceCall[]; unchanged: string[] }> {
  const vault = stack.treasuryVault;
  const target = deployment.contracts.treasuryVault;
  const { asset } = request;
  const [limit, period] = (await vault.getFunction("payoutLimits").staticCall(asset.index)) as unknown as [bigint, bigint];
  const calls: GovernanceCall[] = [];
  const unchanged: string[] = [];
  const wanted = describeLimit(request.limit, request.period, asset);
  if (request.limit !== limit || BigInt(request.period) !== period) {
    calls.push({
      kind: "payout",
      target,
      value: 0n,
      data: vault.interface.encodeFunctionData("setPayoutLimit", [asset.index, request.limit, request.period]),
      summary: `TreasuryVault.setPayoutLimit(${asset.symbol}: ${wanted}; was ${describeLimit(limit, Number(period), asset)})`,
    });
  } else {
    unchanged.push(`the ${asset.symbol} limit is already ${wanted}`);
  }
  const role = async (fn: "grantRole" | "revokeRole", account: string | undefined, wantHeld: boolean) => {
    if (account === undefined) return;
    const held = (await vault.getFunction("hasRole").staticCall(PAYOUT_ROLE, account)) as boolean;
    if (held === wantHeld) {
      unchanged.push(`${getAddress(account)} ${held ? "already holds" : "does not hold"} PAYOUT_ROLE`);
      return;
    }
    calls.push({ kind: "payout", target, value: 0n, data: vault.interface.encodeFunctionData(fn, [PAYOUT_ROLE, account]), summary: `TreasuryVault.${fn}(PAYOUT_ROLE, ${getAddress(account)})` });
  };
  await role("grantRole", request.grant, true);
  await role("revokeRole", request.revoke, false);
  if (calls.length === 0) throw new UserError(`nothing to propose: ${unchanged.join("; ")}`, { where: "governance payout-limit" });
  return { calls, unchanged };
}
