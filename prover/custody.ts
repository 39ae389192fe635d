/**
 * Custody: which positions the vault holds itself and which an attestor holds, and whether each is backed
 * (issue 15; circuits/lib/custody.circom proves the same). Vault-held totals are public in S1/S2 and the
 * contracts compare them with the vault's balances; attestor-held totals must be within the attestor's
 * signed statement dated within the policy's maxAttestationAge of the price snapshot (either side).
 * `custodyReport` says, before any proving, which position is not backed, by how much and what would fix it.
 */
import { UserError } from "../core/errors.ts";
import { statementFieldsOf, type CustodyStatement } from "../core/attestation.ts";
import { tokensDigest } from "../core/hash.ts";
import type { SignedCustody } from "../core/types.ts";
import { formatDecimal } from "../core/units.ts";
import { readStatementFile, signatureFields } from "./attestor.ts";
import { VAULT_CUSTODY, type Holding, type RiskPolicy, type Treasury } from "./treasury.ts";

/** One attestor slot's statement as loaded, with the file it came from. */
export interface LoadedStatement {
  file: string;
  slot: number;
  statement: CustodyStatement;
}

/** A position (or a custodian) that nothing backs, and the fix. */
export interface CustodyIssue {
  where: string;
  message: string;
}

/**
 * Reads the treasury's statement files and matches each to its attestor slot by public key. Refuses a
 * statement by no attestor of the policy, for another chain, vault or token list, or two for one slot.
 */
export function loadStatements(treasury: Treasury): LoadedStatement[] {
  const { policy } = treasury;
  const loaded: LoadedStatement[] = [];
  for (const file of treasury.statementFiles) {
    const statement = readStatementFile(file);
    const fields = statementFieldsOf(statement);
    const attestor = policy.attestors.find((a) => a.publicKey[0] === fields.publicKey[0] && a.publicKey[1] === fields.publicKey[1]);
    if (!attestor) throw new UserError("signed by a key that is not one of the policy's attestors", { where: `${file}: attestor.publicKey` });
    if (fields.chainId !== policy.chainId) throw new UserError(`made for chain ${fields.chainId}, the policy's chain is ${policy.chainId}`, { where: `${file}: chainId` });
    if (fields.vault.toLowerCase() !== policy.vault.toLowerCase()) throw new UserError(`made for vault ${fields.vault}, not the policy's ${policy.vault}`, { where: `${file}: vault` });
    if (tokensDigest(fields.tokens) !== tokensDigest(policy.assets.map((a) => a.token))) {
      throw new UserError("its tokens are not the policy's tokens in the policy's order", { where: `${file}: assets` });
    }
    const twin = loaded.find((l) => l.slot === attestor.slot);
    if (twin) throw new UserError(`a second statement by ${attestor.name} (the first: ${twin.file}); keep the newest`, { where: file });
    loaded.push({ file, slot: attestor.slot, statement });
  }
  return loaded;
}

/** The circuits' statement inputs: one entry per attestor slot, null where there is no statement. */
export function signedCustody(policy: RiskPolicy, statements: readonly LoadedStatement[]): (SignedCustody | null)[] {
  return Array.from({ length: policy.attestorSlots }, (_, c) => {
    const loaded = statements.find((s) => s.slot === c + 1);
    if (!loaded) return null;
    const f = signatureFields(loaded.statement);
    return { timestamp: f.timestamp, amounts: f.amounts, r8x: f.r8x, r8y: f.r8y, s: f.s };
  });
}

/** Committed amount per asset held by `custody` (0 = the vault). */
export function custodyTotals(policy: RiskPolicy, holdings: readonly Pick<Holding, "assetIndex" | "custody" | "amount">[], custody: number): bigint[] {
  const totals = policy.assets.map(() => 0n);
  for (const h of holdings) if (h.custody === custody) totals[h.assetIndex] = totals[h.assetIndex]! + h.amount;
  return totals;
}

/**
 * Every custody problem the circuits or the contracts would refuse: a position at an attestor with no
 * statement, an expired statement, an amount above the signed one, and (when the vault's balances are
 * given) a vault-held total above the vault's balance.
 */
export function custodyReport(treasury: Treasury, statements: readonly LoadedStatement[], vaultBalances?: readonly bigint[]): CustodyIssue[] {
  const { policy, prices } = treasury;
  const issues: CustodyIssue[] = [];
  const amount = (a: number, x: bigint) => `${formatDecimal(x, policy.assets[a]!.decimals, { group: true })} ${policy.assets[a]!.symbol}`;
  const firstPosition = (custody: number, asset: number) => {
    const i = treasury.holdings.findIndex((h) => h.custody === custody && h.assetIndex === asset);
    return `${treasury.files.treasury}: positions[${i}]`;
  };
  for (const attestor of policy.attestors) {
    const held = custodyTotals(policy, treasury.holdings, attestor.slot);
    if (held.every((x) => x === 0n)) continue;
    const loaded = statements.find((s) => s.slot === attestor.slot);
    if (!loaded) {
      const a = held.findIndex((x) => x > 0n);
      issues.push({ where: firstPosition(attestor.slot, a), message: `${amount(a, held[a]!)} held at ${attestor.name}, but no statement by ${attestor.name} is listed: ask it to sign one (homeostat attestor sign) and add the file to the treasury's "statements"` });
      continue;
    }
    const fields = statementFieldsOf(loaded.statement);
    const oldest = prices.timestamp - BigInt(policy.maxAttestationAge);
    if (fields.timestamp < oldest) {
      issues.push({ where: `${loaded.file}: timestamp`, message: `${attestor.name}'s statement is ${prices.timestamp - fields.timestamp} s older than the snapshot, more than the policy's maxAttestationAge (${policy.maxAttestationAge} s): ask for a fresh one` });
    }
    const latest = prices.timestamp + BigInt(policy.maxAttestationAge);
    if (fields.timestamp > latest) {
      issues.push({ where: `${loaded.file}: timestamp`, message: `${attestor.name}'s statement is dated ${fields.timestamp - prices.timestamp} s after the snapshot, more than the policy's maxAttestationAge (${policy.maxAttestationAge} s): a statement dated ahead of its time is not accepted; ask for one signed now` });
    }
    held.forEach((x, a) => {
      const signed = fields.amounts[a] ?? 0n;
      if (x > signed) {
        issues.push({ where: firstPosition(attestor.slot, a), message: `${amount(a, x)} held at ${attestor.name} but its statement signs only ${amount(a, signed)} (short by ${amount(a, x - signed)}): lower the position or get a new statement` });
      }
    });
  }
  for (const [i, h] of treasury.holdings.entries()) {
    if (h.custody !== VAULT_CUSTODY && !policy.attestors.some((a) => a.slot === h.custody)) {
      issues.push({ where: `${treasury.files.treasury}: positions[${i}].custody`, message: `attestor slot ${h.custody} is empty in the policy` });
    }
  }
  if (vaultBalances) {
    custodyTotals(policy, treasury.holdings, VAULT_CUSTODY).forEach((x, a) => {
      const balance = vaultBalances[a] ?? 0n;
      if (x > balance) {
        issues.push({ where: firstPosition(VAULT_CUSTODY, a), message: `${amount(a, x)} committed to the vault, which holds ${amount(a, balance)} (short by ${amount(a, x - balance)}): lower the position, move it to an attestor's custody, or fund the vault` });
      }
    });
  }
  return issues;
}

/** Refuses (one UserError naming the first issue and the count) when the custody report is not clean. */
export function requireBacked(issues: readonly CustodyIssue[]): void {
  if (issues.length === 0) return;
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more custody problem(s): homeostat check lists them)` : "";
  throw new UserError(`${first.message}${more}`, { where: first.where });
}
