/**
 * Loads the operator's files (treasury, policy, prices, liabilities) into the domain types the evaluator,
 * the witness builder and the bundle writer share. Each file is validated by its schema (core/schemas.ts);
 * here go the checks that need two files at once: the policy's asset order applied to the treasury, feed
 * answers scaled by the treasury's feed decimals, liabilities in the policy's liability asset.
 * Every refusal is a UserError naming the file and field (or line).
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { parseJsonText } from "../core/json-position.ts";
import { decodeInputText, readInputBytes, readJsonInput } from "../core/node/input-files.ts";
import { isWellFormedText } from "../core/utf8.ts";
import { AMOUNT_BITS, PRICE_BITS } from "../core/field.ts";
import { addressToField, attestorKeyList, liabilityLeaf, rulesDigest, sumNode, tokensDigest, userIdHash, type PolicyFields, type PolicyRules, type PriceFields, type SumNode } from "../core/hash.ts";
import { loadInstances } from "../core/node/instances.ts";
import { parseFile, policyFileSchema, pricesFileSchema, treasuryFileSchema, usersFileSchema, userLiabilitySchema, formatIssuePath } from "../core/schemas.ts";
import type { LiabilitiesOpening } from "../core/types.ts";
import { loadLiabilitiesOpening } from "./liabilities-root.ts";
import { parseDecimal, unitPriceFromAnswer } from "../core/units.ts";

// ---------------------------------------------------------------------------------------------------
// Domain types

/** One asset of the policy, with what the treasury file says about its token and feed. */
export interface PolicyAsset {
  symbol: string;
  decimals: number;
  token: string;
  feed: string;
  feedDecimals: number;
  capBps: bigint;
  haircutBps: bigint;
  liquid: boolean;
  /** Seconds a feed answer may be old at snapshot time (heartbeat plus margin). */
  feedMaxAge: number;
  /** Feed answer bounds (raw, `feedDecimals` decimals); outside them the feed is broken. */
  minAnswer: bigint;
  maxAnswer: bigint;
}

/** A stress scenario: price drop per asset, in policy asset order. */
export interface Scenario {
  name: string;
  shockBps: bigint[];
}

/** An attestor the policy trusts: its name and BabyJubjub public key. Its custody number is `slot`. */
export interface PolicyAttestor {
  /** 1..C: the custody number of the positions it holds. */
  slot: number;
  name: string;
  publicKey: readonly [bigint, bigint];
}

/** The risk policy; `assets` order is the asset index order everywhere. */
export interface RiskPolicy {
  chainId: bigint;
  vault: string;
  liabilityAsset: number;
  minCoverageBps: bigint;
  minLiquidityBps: bigint;
  /** Largest price concession of a swap's minimum against the snapshot, bps (S2 proves it). */
  maxSlippageBps: bigint;
  /** Oldest snapshot (seconds) an attestation or a rebalance may use. */
  maxSnapshotAge: number;
  /** Seconds a published liabilities root waits before it backs attestations. */
  liabilitiesDelay: number;
  /** L2 sequencer uptime feed (zero address: none) and its grace period, seconds. */
  sequencer: { feed: string; gracePeriod: number };
  assets: PolicyAsset[];
  scenarios: Scenario[];
  /** Attestors in slot order (slot = index + 1); at most `attestorSlots`. */
  attestors: PolicyAttestor[];
  /** The circuit instance's attestor slots (C); empty slots hash as the key (0, 0). */
  attestorSlots: number;
  /** Oldest custody statement (seconds before the price snapshot) the circuits accept. */
  maxAttestationAge: number;
}

/** Policy defaults for the optional fields of a policy file. */
export const POLICY_DEFAULTS = { maxSlippageBps: 100n, maxSnapshotAge: 3600, liabilitiesDelay: 3600, maxAttestationAge: 86_400 } as const;

/** The custody number of positions the vault contract itself holds. */
export const VAULT_CUSTODY = 0;

/**
 * Attestor slots (C) of the circuit instances for a policy of this shape: the `C` parameter of the solvency
 * instance with the policy's asset and scenario counts, or `fallback` when no instance has that shape (the
 * prover then refuses the policy naming the sizes it has).
 */
export function attestorSlotsFor(assetCount: number, scenarioCount: number, fallback: number): number {
  const spec = Object.values(loadInstances()).find((s) => s.template === "Solvency" && s.params[1] === assetCount && s.params[2] === scenarioCount);
  return spec?.params[3] ?? fallback;
}

/** The zero address: no sequencer uptime feed. */
export const NO_SEQUENCER = { feed: "0x0000000000000000000000000000000000000000", gracePeriod: 0 } as const;

/** One asset's price in the snapshot. */
export interface AssetPrice {
  symbol: string;
  /** The feed answer (raw, `feedDecimals` decimals). */
  answer: bigint;
  /** When the feed last updated (unix seconds). */
  updatedAt: bigint;
  /** USD per base unit x 10^36. */
  unitPrice: bigint;
}

/** A price snapshot; `assets` in policy order. */
export interface PriceSnapshot {
  timestamp: bigint;
  assets: AssetPrice[];
}

/** One position of the treasury file. */
export interface Holding {
  assetIndex: number;
  /** 0 = the vault contract itself (VAULT_CUSTODY), c = the policy attestor in slot c. */
  custody: number;
  amount: bigint;
  venue: string;
  label?: string;
}

/** The treasury as loaded: its policy, prices and positions. */
export interface Treasury {
  name?: string;
  policy: RiskPolicy;
  prices: PriceSnapshot;
  holdings: Holding[];
  /** Custody statement files named by the treasury file (resolved paths). */
  statementFiles: string[];
  files: { treasury: string; policy: string; prices: string };
}

/** The liabilities input: the root, its two children (the circuits' private input) and the total. */
export interface Liabilities {
  root: bigint;
  opening: LiabilitiesOpening;
  /** Sum of all balances, in base units of the liability asset. */
  total: bigint;
  /** Users counted, when known. */
  users?: number;
  /** Where it came from. */
  source: string;
  kind: "commitment" | "users";
}

// ---------------------------------------------------------------------------------------------------
// Treasury, policy, prices

/**
 * Loads the treasury, policy and prices files into a `Treasury` (assets in policy order). The treasury
 * must describe exactly the policy's assets; every policy asset must have a price.
 */
export function loadTreasury(files: { treasury: string; policy: string; prices: string }): Treasury {
  const treasuryFile = parseFile(treasuryFileSchema, readJsonInput(files.treasury), files.treasury);
  const policyFile = parseFile(policyFileSchema, readJsonInput(files.policy), files.policy);
  const pricesFile = parseFile(pricesFileSchema, readJsonInput(files.prices), files.prices);

  const index = new Map(policyFile.assets.map((a, i) => [a.symbol, i]));
  treasuryFile.assets.forEach((asset, i) => {
    if (!index.has(asset.symbol)) {
      throw new UserError(`${asset.symbol} is not an asset of the policy (${files.policy}: ${[...index.keys()].join(", ")})`, { where: `${files.treasury}: assets[${i}].symbol` });
    }
  });
  const treasuryAssets = new Map(treasuryFile.assets.map((a) => [a.symbol, a]));

  const assets: PolicyAsset[] = policyFile.assets.map((rules, i) => {
    const meta = treasuryAssets.get(rules.symbol);
    if (!meta) throw new UserError(`policy asset ${rules.symbol} is missing from the treasury's assets (${files.treasury})`, { where: `${files.policy}: assets[${i}].symbol` });
    const answerBound = (text: string, field: string): bigint => {
      try {
        return parseDecimal(text, meta.feedDecimals);
      } catch (e) {
        throw new UserError(`${(e as Error).message} (the ${rules.symbol} feed has ${meta.feedDecimals} decimals)`, { where: `${files.policy}: assets[${i}].feed.${field}` });
      }
    };
    const minAnswer = answerBound(rules.feed.minAnswer, "minAnswer");
    const maxAnswer = answerBound(rules.feed.maxAnswer, "maxAnswer");
    if (minAnswer <= 0n || minAnswer >= maxAnswer) {
      throw new UserError(`expected 0 < minAnswer < maxAnswer (got ${rules.feed.minAnswer} and ${rules.feed.maxAnswer})`, { where: `${files.policy}: assets[${i}].feed` });
    }
    return {
      symbol: rules.symbol,
      decimals: meta.decimals,
      token: meta.token,
      feed: meta.feed,
      feedDecimals: meta.feedDecimals,
      capBps: rules.cap,
      haircutBps: rules.haircut,
      liquid: rules.liquid,
      feedMaxAge: rules.feed.maxAge,
      minAnswer,
      maxAnswer,
    };
  });

  const policy: RiskPolicy = {
    chainId: policyFile.chainId,
    vault: policyFile.vault,
    liabilityAsset: index.get(policyFile.liabilityAsset)!,
    minCoverageBps: policyFile.minCoverage,
    minLiquidityBps: policyFile.minLiquidity,
    maxSlippageBps: policyFile.maxSlippage ?? POLICY_DEFAULTS.maxSlippageBps,
    maxSnapshotAge: policyFile.maxSnapshotAge ?? POLICY_DEFAULTS.maxSnapshotAge,
    liabilitiesDelay: policyFile.liabilitiesDelay ?? POLICY_DEFAULTS.liabilitiesDelay,
    sequencer: policyFile.sequencer ?? { ...NO_SEQUENCER },
    assets,
    scenarios: policyFile.scenarios.map((s) => ({ name: s.name, shockBps: assets.map((a) => s.shocks[a.symbol] ?? 0n) })),
    attestors: (policyFile.attestors ?? []).flatMap((a, i) => (a === null ? [] : [{ slot: i + 1, name: a.name, publicKey: [BigInt(a.publicKey[0]), BigInt(a.publicKey[1])] as const }])),
    attestorSlots: attestorSlotsFor(assets.length, policyFile.scenarios.length, Math.max(1, policyFile.attestors?.length ?? 0)),
    maxAttestationAge: policyFile.maxAttestationAge ?? POLICY_DEFAULTS.maxAttestationAge,
  };
  addressToField(policy.vault);
  const listed = policyFile.attestors?.length ?? 0;
  if (listed > policy.attestorSlots) {
    throw new UserError(`the policy lists ${listed} attestor slots; its circuit instance has ${policy.attestorSlots}`, { where: `${files.policy}: attestors` });
  }

  if (pricesFile.timestamp >= 1n << 64n) throw new UserError("timestamp is too large", { where: `${files.prices}: timestamp` });
  for (const symbol of Object.keys(pricesFile.prices)) {
    if (!index.has(symbol)) throw new UserError(`${symbol} is not an asset of the policy`, { where: `${files.prices}: ${formatIssuePath(["prices", symbol])}` });
  }
  const prices: PriceSnapshot = {
    timestamp: pricesFile.timestamp,
    assets: assets.map((asset) => {
      const where = `${files.prices}: ${formatIssuePath(["prices", asset.symbol])}`;
      const entry = pricesFile.prices[asset.symbol];
      if (entry === undefined) throw new UserError(`missing: every policy asset needs a price`, { where });
      const raw = typeof entry === "string" ? { usd: entry } : entry;
      let answer: bigint;
      try {
        answer = raw.answer !== undefined ? BigInt(raw.answer) : parseDecimal(raw.usd!, asset.feedDecimals);
      } catch (e) {
        throw new UserError(`${(e as Error).message} (the ${asset.symbol} feed has ${asset.feedDecimals} decimals)`, { where });
      }
      // A zero price values the asset (or the liabilities) at nothing, and the circuits take 0 < unitPrice.
      if (answer === 0n) throw new UserError(`the ${asset.symbol} price is 0: prices must be positive`, { where });
      const unitPrice = unitPriceFromAnswer(answer, asset.feedDecimals, asset.decimals);
      if (unitPrice >= 1n << BigInt(PRICE_BITS)) throw new UserError(`the unit price is too large (must stay below 2^128)`, { where });
      const updatedAt = (typeof entry === "string" ? undefined : entry.updatedAt) ?? pricesFile.timestamp;
      if (updatedAt > pricesFile.timestamp) throw new UserError(`updatedAt ${updatedAt} is after the snapshot time ${pricesFile.timestamp}`, { where });
      return { symbol: asset.symbol, answer, updatedAt, unitPrice };
    }),
  };

  const custodyOf = new Map<string, number>([["vault", VAULT_CUSTODY], ...policy.attestors.map((a) => [a.name, a.slot] as const)]);
  const holdings: Holding[] = treasuryFile.positions.map((p, i) => {
    const custody = custodyOf.get(p.custody ?? "vault");
    if (custody === undefined) {
      const known = [...custodyOf.keys()].map((k) => JSON.stringify(k)).join(", ");
      throw new UserError(`custody ${JSON.stringify(p.custody)} is neither "vault" nor an attestor of the policy (${known})`, { where: `${files.treasury}: positions[${i}].custody` });
    }
    return { assetIndex: index.get(p.asset)!, custody, amount: p.amount, venue: p.venue, ...(p.label !== undefined ? { label: p.label } : {}) };
  });
  const statementFiles = (treasuryFile.statements ?? []).map((f) => path.resolve(path.dirname(files.treasury), f));
  return { ...(treasuryFile.name !== undefined ? { name: treasuryFile.name } : {}), policy, prices, holdings, statementFiles, files };
}

/** Every rule of the policy the circuits do not evaluate (hashed into the policy hash as `rulesDigest`). */
export function policyRules(policy: RiskPolicy): PolicyRules {
  return {
    assets: policy.assets.map((a) => ({
      symbol: a.symbol,
      token: a.token,
      tokenDecimals: a.decimals,
      feed: a.feed,
      feedDecimals: a.feedDecimals,
      maxAge: a.feedMaxAge,
      minAnswer: a.minAnswer,
      maxAnswer: a.maxAnswer,
    })),
    maxSnapshotAge: policy.maxSnapshotAge,
    liabilitiesDelay: policy.liabilitiesDelay,
    sequencerFeed: policy.sequencer.feed,
    sequencerGracePeriod: policy.sequencer.gracePeriod,
  };
}

/** The policy as the circuits and the policy hash see it. */
export function policyFields(policy: RiskPolicy): PolicyFields {
  return {
    chainId: policy.chainId,
    vault: addressToField(policy.vault),
    liabilityAsset: BigInt(policy.liabilityAsset),
    minCoverageBps: policy.minCoverageBps,
    minLiquidityBps: policy.minLiquidityBps,
    maxSlippageBps: policy.maxSlippageBps,
    maxAttestationAge: BigInt(policy.maxAttestationAge),
    tokensDigest: tokensDigest(policy.assets.map((a) => a.token)),
    rulesDigest: rulesDigest(policyRules(policy)),
    capBps: policy.assets.map((a) => a.capBps),
    haircutBps: policy.assets.map((a) => a.haircutBps),
    liquid: policy.assets.map((a) => (a.liquid ? 1n : 0n)),
    attestorKeys: attestorKeyList(Array.from({ length: policy.attestorSlots }, (_, c) => policy.attestors.find((a) => a.slot === c + 1)?.publicKey), policy.attestorSlots),
    shockBps: policy.scenarios.map((s) => s.shockBps),
  };
}

/** The price snapshot as the circuits and the prices hash see it. */
export function priceFields(prices: PriceSnapshot): PriceFields {
  return { timestamp: prices.timestamp, unitPrices: prices.assets.map((a) => a.unitPrice) };
}

/** Finds an asset index by symbol (case-sensitive), or throws a UserError naming `where`. */
export function assetIndexOf(policy: RiskPolicy, symbol: string, where: string): number {
  const i = policy.assets.findIndex((a) => a.symbol === symbol);
  if (i < 0) throw new UserError(`${symbol} is not an asset of the policy (${policy.assets.map((a) => a.symbol).join(", ")})`, { where });
  return i;
}

/** Parses a decimal token amount of `asset` into base units (exact; < 2^96), or throws naming `where`. */
export function parseAssetAmount(asset: PolicyAsset, text: string, where: string): bigint {
  let amount: bigint;
  try {
    amount = parseDecimal(text, asset.decimals);
  } catch (e) {
    throw new UserError(`${(e as Error).message} (${asset.symbol} has ${asset.decimals} decimals)`, { where });
  }
  if (amount >= 1n << BigInt(AMOUNT_BITS)) throw new UserError(`${text} ${asset.symbol} is too large (base units must stay below 2^96)`, { where });
  return amount;
}

// ---------------------------------------------------------------------------------------------------
// Liabilities

/** One user's liability, in base units of the liability asset. */
export interface UserLiability {
  user: string;
  balance: bigint;
}

/**
 * Reads a users file: CSV with a `user,balance` header (balances in units of the liability asset, e.g.
 * `1234.56` USDC), or JSON `[{user, balance}]`. Duplicate users, ids that are not valid UTF-8 and
 * too-precise balances are refused naming the line or field.
 */
export function readUsersFile(file: string, asset: PolicyAsset): UserLiability[] {
  return usersOf(readInputBytes(file), file, asset);
}

/** The users of a users file's bytes (see `readUsersFile`). */
function usersOf(bytes: Uint8Array, file: string, asset: PolicyAsset): UserLiability[] {
  const text = decodeInputText(bytes, file);
  const rows: Array<{ user: string; balance: string; where: string }> = [];
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    const users = parseFile(usersFileSchema, parseJsonText(text, file), file);
    users.forEach((u, i) => rows.push({ user: u.user, balance: u.balance, where: `${file}: [${i}]` }));
  } else {
    const lines = text.split(/\r?\n/);
    const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim().toLowerCase());
    const userCol = header.indexOf("user");
    const balanceCol = header.indexOf("balance");
    if (userCol < 0 || balanceCol < 0) throw new UserError(`expected a CSV header with "user" and "balance" columns`, { where: `${file}:1` });
    lines.slice(1).forEach((line, i) => {
      if (!line.trim() || line.trimStart().startsWith("#")) return;
      const cells = splitCsvLine(line);
      const where = `${file}:${i + 2}`;
      const row = userLiabilitySchema.safeParse({ user: cells[userCol] ?? "", balance: (cells[balanceCol] ?? "").trim() });
      if (!row.success) throw new UserError(row.error.issues[0]!.message, { where });
      rows.push({ user: row.data.user, balance: row.data.balance, where });
    });
  }
  const seen = new Map<string, string>();
  return rows.map((row) => {
    if (!isWellFormedText(row.user)) throw new UserError("the user id holds an unpaired surrogate (a \\uD800-\\uDFFF escape), which has no UTF-8 form", { where: row.where });
    const id = row.user.normalize("NFC").trim();
    const first = seen.get(id);
    if (first) throw new UserError(`user ${JSON.stringify(id)} appears twice (first at ${first})`, { where: row.where });
    seen.set(id, row.where);
    return { user: id, balance: parseAssetAmount(asset, row.balance, row.where) };
  });
}

/** Splits one CSV line (commas; double-quoted cells may hold commas and doubled quotes). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/**
 * Builds a small in-memory liabilities sum tree (DESIGN section 3) over `users` in file order, with one salt
 * per user, padded to a power of two (at least 2) with the padding leaf `(hash 0, sum 0)` as the liabilities
 * builder does (liabilities/store.ts). The same salts rebuild the same root.
 */
export function buildLiabilityTree(users: readonly UserLiability[], salts: readonly bigint[]): { root: bigint; opening: LiabilitiesOpening; total: bigint } {
  if (salts.length !== users.length) throw new RangeError(`buildLiabilityTree: ${salts.length} salts for ${users.length} users`);
  let size = 2;
  while (size < users.length) size *= 2;
  let level: SumNode[] = [];
  for (let i = 0; i < size; i++) {
    const u = users[i];
    level.push(u ? { hash: liabilityLeaf(userIdHash(u.user), u.balance, salts[i]!), sum: u.balance } : { hash: 0n, sum: 0n });
  }
  while (level.length > 2) {
    const next: SumNode[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sumNode(level[i]!, level[i + 1]!));
    level = next;
  }
  const [left, right] = level as [SumNode, SumNode];
  const root = sumNode(left, right);
  return { root: root.hash, total: root.sum, opening: { leftHash: left.hash, leftSum: left.sum, rightHash: right.hash, rightSum: right.sum } };
}

/** sha256 hex of a file's bytes (fingerprints a users file so its salts can be reused). */
export function fileFingerprint(file: string): string {
  return fingerprintOf(readInputBytes(file));
}

function fingerprintOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What the liabilities loader needs from the private state to reuse salts (prover/state.ts implements it). */
export interface LiabilitySaltSource {
  (fingerprint: string, count: number): bigint[];
}

/**
 * Loads the liabilities input: either a liabilities tree written by `homeostat liabilities build` (its
 * folder, or the folder's `root.json`: the root, its two children and the total), or a plain users file
 * (CSV or JSON, balances in the liability asset), from which a small sum tree is built in memory with salts
 * from `salts` (so the same file gives the same root).
 */
export function loadLiabilities(file: string, policy: RiskPolicy, salts: LiabilitySaltSource): Liabilities {
  const asset = policy.assets[policy.liabilityAsset]!;
  let isDirectory = false;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    // readUsersFile reports the missing file below
  }
  if (isDirectory || path.basename(file) === "root.json") {
    const dir = isDirectory ? file : path.dirname(file);
    const tree = loadLiabilitiesOpening(dir);
    if (tree.decimals !== asset.decimals) {
      throw new UserError(`the tree's balances have ${tree.decimals} decimals but the liability asset ${asset.symbol} has ${asset.decimals}`, { where: path.join(dir, "root.json") });
    }
    return { root: tree.root, opening: tree.opening, total: tree.total, users: tree.userCount, source: dir, kind: "commitment" };
  }
  // One read: the salts are keyed by the fingerprint of exactly the bytes the users came from.
  const bytes = readInputBytes(file);
  const users = usersOf(bytes, file, asset);
  const tree = buildLiabilityTree(users, salts(fingerprintOf(bytes), users.length));
  if (tree.total >= 1n << BigInt(AMOUNT_BITS)) throw new UserError("the liabilities total is not below 2^96", { where: file });
  return { ...tree, users: users.length, source: file, kind: "users" };
}
