/**
 * The one place where Homeostat's Poseidon layouts are defined (DESIGN section 3). Circuits
 * (circuits/lib/hashing.circom) and contracts (contracts/PoseidonHasher.sol) mirror these exactly and are
 * tested against the same vectors. Browser-safe: pure TypeScript over poseidon-lite (circomlib constants).
 *
 * Layouts
 *  - position leaf      = Poseidon4(assetIndex, custody, amount, salt); custody 0 = the vault, c = attestor c
 *  - Merkle node        = Poseidon2(left, right)
 *  - liability leaf     = Poseidon3(userIdHash, balance, salt), with sum = balance
 *  - sum-tree node      = Poseidon4(l.hash, l.sum, r.hash, r.sum), with sum = l.sum + r.sum
 *  - list hash          = acc0 = length; acc_{i+1} = Poseidon8(acc_i, chunk_i[0..6]); result = last acc.
 *                         Chunks of LIST_RATE = 7 elements, the last one padded with zeros. Poseidon8 keeps the
 *                         on-chain cost low (a few calls per policy) while staying cheap in circuits.
 *  - policy hash        = listHash(policyFieldList(policy))  (field order: see `policyFieldList`)
 *  - rules digest       = listHash(rulesFieldList(rules)): every policy rule the circuits do not evaluate
 *                         (tokens, feeds, decimals, answer bounds, ages, symbols, delays), hashed into the
 *                         policy hash as one field so that a proof is bound to the whole policy
 *  - prices hash        = listHash([timestamp, unitPrice[0], ..., unitPrice[A-1]])
 *  - user id hash       = listHash([byteLength, chunk_0, ...]) over the UTF-8 bytes of the NFC-normalised,
 *                         trimmed id, packed big-endian into 31-byte chunks (each chunk < 2^248 < p).
 */
import { poseidon2, poseidon3, poseidon4, poseidon8 } from "poseidon-lite";
import { toField } from "./field.ts";

/** Elements absorbed per Poseidon8 call by `listHash` (one input slot carries the accumulator). */
export const LIST_RATE = 7;

/** Hash of one position: `Poseidon(assetIndex, custody, amount, salt)` (custody 0 = held by the vault). */
export function positionLeaf(assetIndex: bigint, custody: bigint, amount: bigint, salt: bigint): bigint {
  return poseidon4([assetIndex, custody, amount, salt]);
}

/** Inner node of the positions Merkle tree. */
export function merkleNode(left: bigint, right: bigint): bigint {
  return poseidon2([left, right]);
}

/** Hash of one liability leaf; its sum is the balance itself. */
export function liabilityLeaf(userIdHash: bigint, balance: bigint, salt: bigint): bigint {
  return poseidon3([userIdHash, balance, salt]);
}

/** A node of the liabilities Merkle sum tree. */
export interface SumNode {
  hash: bigint;
  sum: bigint;
}

/** Parent of two sum-tree nodes: hash binds both children's hashes and sums. */
export function sumNode(left: SumNode, right: SumNode): SumNode {
  return { hash: poseidon4([left.hash, left.sum, right.hash, right.sum]), sum: left.sum + right.sum };
}

/** Chained Poseidon8 over a list of field elements (layout in the module header). */
export function listHash(values: readonly bigint[]): bigint {
  let acc = BigInt(values.length);
  for (let start = 0; start < values.length; start += LIST_RATE) {
    const chunk = values.slice(start, start + LIST_RATE);
    while (chunk.length < LIST_RATE) chunk.push(0n);
    acc = poseidon8([acc, ...chunk]);
  }
  return acc;
}

/** Root of a binary Poseidon Merkle tree over `leaves` (length must be a power of two). */
export function merkleRoot(leaves: readonly bigint[]): bigint {
  if (leaves.length === 0 || (leaves.length & (leaves.length - 1)) !== 0) {
    throw new RangeError(`merkleRoot: leaf count ${leaves.length} is not a power of two`);
  }
  let level = [...leaves];
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(merkleNode(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/** The policy as the circuits and RiskPolicy see it: integers only, asset order fixed. */
export interface PolicyFields {
  chainId: bigint;
  vault: bigint; // the vault address as an integer
  liabilityAsset: bigint;
  minCoverageBps: bigint;
  minLiquidityBps: bigint;
  /** Largest price concession a swap may make against the snapshot, in bps (S2 enforces it). */
  maxSlippageBps: bigint;
  /** Oldest custody statement (seconds before the price snapshot) the circuits accept. */
  maxAttestationAge: bigint;
  /** `listHash` of the assets' token addresses, in asset order (custody statements sign it). */
  tokensDigest: bigint;
  /** `rulesDigest` of the rest of the policy (see `PolicyRules`). */
  rulesDigest: bigint;
  capBps: readonly bigint[]; // [A]
  haircutBps: readonly bigint[]; // [A]
  liquid: readonly bigint[]; // [A], 0 or 1
  /** One BabyJubjub public key (Ax, Ay) per attestor slot; (0, 0) = no attestor in that slot. [C][2] */
  attestorKeys: readonly (readonly [bigint, bigint])[];
  shockBps: readonly (readonly bigint[])[]; // [K][A]
}

/**
 * The ordered field list hashed into the policy hash:
 * `[chainId, vault, A, K, C, liabilityAsset, minCoverageBps, minLiquidityBps, maxSlippageBps,
 *   maxAttestationAge, tokensDigest, rulesDigest, capBps[0..A), haircutBps[0..A), liquid[0..A),
 *   attestorKeys[0][0..2), ..., attestorKeys[C-1][0..2), shockBps[0][0..A), ..., shockBps[K-1][0..A)]`
 * (length 12 + 3A + 2C + K*A).
 */
export function policyFieldList(p: PolicyFields): bigint[] {
  const assetCount = p.capBps.length;
  if (p.haircutBps.length !== assetCount || p.liquid.length !== assetCount) {
    throw new RangeError("policy: capBps, haircutBps and liquid must have one entry per asset");
  }
  for (const [s, row] of p.shockBps.entries()) {
    if (row.length !== assetCount) throw new RangeError(`policy: shockBps[${s}] must have ${assetCount} entries`);
  }
  for (const [c, key] of p.attestorKeys.entries()) {
    if (key.length !== 2) throw new RangeError(`policy: attestorKeys[${c}] must be a pair (Ax, Ay)`);
  }
  return [
    p.chainId,
    p.vault,
    BigInt(assetCount),
    BigInt(p.shockBps.length),
    BigInt(p.attestorKeys.length),
    p.liabilityAsset,
    p.minCoverageBps,
    p.minLiquidityBps,
    p.maxSlippageBps,
    p.maxAttestationAge,
    p.tokensDigest,
    p.rulesDigest,
    ...p.capBps,
    ...p.haircutBps,
    ...p.liquid,
    ...p.attestorKeys.flat(),
    ...p.shockBps.flat(),
  ];
}

/** `listHash` of the assets' token addresses in asset order: the policy field custody statements sign. */
export function tokensDigest(tokens: readonly string[]): bigint {
  return listHash(tokens.map((t, i) => addressToField(t, `tokens[${i}]`)));
}

/** The key of an empty attestor slot (never set, or removed): no signature verifies under it. */
export const NO_ATTESTOR_KEY: readonly [bigint, bigint] = [0n, 0n];

/** Attestor keys for `slots` slots: slot c + 1 takes `keys[c]`, missing slots the empty key. */
export function attestorKeyList(keys: readonly (readonly [bigint, bigint] | null | undefined)[], slots: number): (readonly [bigint, bigint])[] {
  if (keys.length > slots) throw new RangeError(`policy: ${keys.length} attestors for ${slots} attestor slots`);
  return Array.from({ length: slots }, (_, c) => keys[c] ?? NO_ATTESTOR_KEY);
}

/** Policy hash: `listHash(policyFieldList(p))`. */
export function policyHash(p: PolicyFields): bigint {
  return listHash(policyFieldList(p));
}

/** What the policy says about one asset besides its risk parameters: its identity and its feed's rules. */
export interface AssetIdentity {
  /** The symbol users read (1-16 ASCII characters). */
  symbol: string;
  /** ERC-20 token address. */
  token: string;
  tokenDecimals: number;
  /** Chainlink-style aggregator address. */
  feed: string;
  feedDecimals: number;
  /** Oldest feed answer accepted, seconds. */
  maxAge: number;
  /** Feed answers outside [minAnswer, maxAnswer] (raw integers, minAnswer > 0) are refused. */
  minAnswer: bigint;
  maxAnswer: bigint;
}

/** Every rule of the policy the circuits do not evaluate themselves; bound through `rulesDigest`. */
export interface PolicyRules {
  /** In asset index order. */
  assets: readonly AssetIdentity[];
  /** Oldest snapshot (seconds) an attestation or a rebalance may use. */
  maxSnapshotAge: number;
  /** Seconds a published liabilities root waits before attestations may use it. */
  liabilitiesDelay: number;
  /** L2 sequencer uptime feed (the zero address: none) and its grace period in seconds. */
  sequencerFeed: string;
  sequencerGracePeriod: number;
}

/** Largest symbol, in bytes: a symbol is one field element of at most 128 bits. */
export const MAX_SYMBOL_BYTES = 16;

/**
 * A symbol as a field element: its ASCII bytes left-aligned in 16 bytes, zero-padded, read big-endian
 * (Solidity: `uint128(bytes16(symbol))`). No symbol contains a zero byte, so the encoding is one-to-one.
 */
export function symbolToField(symbol: string): bigint {
  if (!/^[\x21-\x7e]{1,16}$/.test(symbol)) throw new RangeError(`symbol ${JSON.stringify(symbol)}: expected 1-16 printable ASCII characters`);
  let v = 0n;
  for (let i = 0; i < MAX_SYMBOL_BYTES; i++) v = (v << 8n) | BigInt(i < symbol.length ? symbol.charCodeAt(i) : 0);
  return v;
}

/** The inverse of `symbolToField`. */
export function symbolFromField(field: bigint): string {
  let out = "";
  for (let i = MAX_SYMBOL_BYTES - 1; i >= 0; i--) {
    const byte = Number((field >> BigInt(8 * i)) & 0xffn);
    if (byte !== 0) out += String.fromCharCode(byte);
  }
  return out;
}

/**
 * The ordered field list of the rules digest: `[A, then per asset (symbol, token, tokenDecimals, feed,
 * feedDecimals, maxAge, minAnswer, maxAnswer), maxSnapshotAge, liabilitiesDelay, sequencerFeed,
 * sequencerGracePeriod]` (length 5 + 8A).
 */
export function rulesFieldList(r: PolicyRules): bigint[] {
  const fields: bigint[] = [BigInt(r.assets.length)];
  for (const [i, a] of r.assets.entries()) {
    if (a.minAnswer <= 0n || a.maxAnswer <= a.minAnswer) throw new RangeError(`rules.assets[${i}]: expected 0 < minAnswer < maxAnswer`);
    fields.push(
      symbolToField(a.symbol),
      addressToField(a.token, `rules.assets[${i}].token`),
      BigInt(a.tokenDecimals),
      addressToField(a.feed, `rules.assets[${i}].feed`),
      BigInt(a.feedDecimals),
      BigInt(a.maxAge),
      a.minAnswer,
      a.maxAnswer,
    );
  }
  fields.push(BigInt(r.maxSnapshotAge), BigInt(r.liabilitiesDelay), addressToField(r.sequencerFeed, "rules.sequencerFeed"), BigInt(r.sequencerGracePeriod));
  return fields;
}

/** Rules digest: `listHash(rulesFieldList(r))`. */
export function rulesDigest(r: PolicyRules): bigint {
  return listHash(rulesFieldList(r));
}

/** A price snapshot: its time (unix seconds) and each asset's unit price (USD per base unit x 10^36). */
export interface PriceFields {
  timestamp: bigint;
  unitPrices: readonly bigint[]; // [A]
}

/** The ordered field list of a price snapshot: `[timestamp, unitPrice[0..A)]`. */
export function priceFieldList(p: PriceFields): bigint[] {
  return [p.timestamp, ...p.unitPrices];
}

/** Prices hash: `listHash(priceFieldList(p))`. */
export function pricesHash(p: PriceFields): bigint {
  return listHash(priceFieldList(p));
}

const utf8 = new TextEncoder();

/** Canonical encoding of a user id: NFC-normalised, trimmed, UTF-8. */
export function canonicalUserId(id: string): Uint8Array {
  return utf8.encode(id.normalize("NFC").trim());
}

/** Hash of a user id: `listHash([byteLength, 31-byte big-endian chunks...])`. Hides the id itself. */
export function userIdHash(id: string): bigint {
  const bytes = canonicalUserId(id);
  if (bytes.length === 0) throw new RangeError("user id: empty after trimming");
  const chunks: bigint[] = [BigInt(bytes.length)];
  for (let i = 0; i < bytes.length; i += 31) {
    let v = 0n;
    for (const b of bytes.subarray(i, i + 31)) v = (v << 8n) | BigInt(b);
    chunks.push(v);
  }
  return listHash(chunks);
}

/** Parses an address (0x + 40 hex) into the integer form used in the policy hash. */
export function addressToField(address: string, field = "address"): bigint {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new RangeError(`${field}: ${JSON.stringify(address)} is not a 20-byte hex address`);
  return toField(address, field);
}
