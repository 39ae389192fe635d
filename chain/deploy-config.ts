/**
 * The deploy config (`homeostat deploy --config FILE`): a deployment of Homeostat's own contracts onto a
 * network that already has the treasury's tokens, their Chainlink feeds (and an L2 sequencer uptime feed),
 * and a Uniswap V2-compatible router and factory. The file names every existing address with what it must
 * be (symbol and decimals of a token; decimals, description and answer bounds of a feed; the router's
 * factory and the list of accepted factories), the initial policy in the policy file's units (percentages,
 * durations, decimal feed answers), and the accounts: timelock proposers and executors (a Safe, say), the
 * guardian and the separate operator, keeper and rebalancer, optionally a payout account (PAYOUT_ROLE) and
 * per-asset payout limits (`payoutLimits`, in the asset's units per period), set on the vault before the
 * hand-over. Example: examples/deploy-config.json.
 *
 * `loadExistingConfig` validates the file alone (zod, one `FILE: path: reason` line) and against the
 * instance's sizes; what needs the chain is checked by chain/preflight.ts.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { UserError } from "../core/errors.ts";
import { readJsonInput } from "../core/node/input-files.ts";
import { addressSchema, attestorSchema, bpsSchema, chainIdSchema, durationSchema, feedRulesSchema, parseFile, policyBoundsShape, scenarioSchema, symbolSchema } from "../core/schemas.ts";
import { parseDecimal } from "../core/units.ts";
import { POLICY_DEFAULTS } from "../prover/treasury.ts";
import { INSTANCES, instanceSizes, pairInitCodeHash, type DeployConfig, type InstanceName } from "./deploy.ts";
import { MAX_PAYOUT_PERIOD, payoutLimitAmount } from "./payout-limits.ts";

export const DEPLOY_CONFIG_FORMAT = "homeostat-deploy-config/1";

const bytes32Schema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 32-byte hex value (0x + 64 hex digits)");

const existingAssetSchema = z
  .object({
    symbol: symbolSchema,
    name: z.string().min(1).max(64).optional(),
    /** The ERC-20 already on the network; its `symbol()` and `decimals()` must equal the two above. */
    token: addressSchema,
    decimals: z.number().int().min(0).max(28),
    /** Its Chainlink USD feed: `decimals()` and `description()` must match; answers are bounded as in the policy. */
    feed: feedRulesSchema.extend({
      address: addressSchema,
      decimals: z.number().int().min(0).max(18),
      description: z.string().min(1).max(128),
    }),
    cap: bpsSchema,
    haircut: bpsSchema,
    liquid: z.boolean(),
    notes: z.string().optional(),
  })
  .strict();

const accountList = z.array(addressSchema).min(1, "name at least one account");

/** The deploy config file, as written (see the module header). */
export const existingConfigSchema = z
  .object({
    format: z.literal(DEPLOY_CONFIG_FORMAT, { errorMap: () => ({ message: `expected "${DEPLOY_CONFIG_FORMAT}"` }) }),
    description: z.string().optional(),
    /** The chain the addresses live on; the node must answer with it. */
    chainId: chainIdSchema,
    instance: z.enum(INSTANCES),
    assets: z.array(existingAssetSchema).min(1),
    /** Chainlink L2 sequencer uptime feed (answer 0 = up) and the grace period after it comes back. */
    sequencer: z.object({ feed: addressSchema, gracePeriod: durationSchema.refine((s) => s < 2 ** 32, "must be below 2^32 seconds") }).strict().optional(),
    uniswap: z
      .object({
        router: addressSchema,
        /** The factory the vault will trade through: the router's `factory()` must return it. */
        factory: addressSchema,
        /** Factories the operator trusts (the canonical Uniswap V2 factory of the chain, say). */
        acceptedFactories: z.array(addressSchema).min(1),
        /** keccak256 of the pair's creation code (default: Uniswap V2's own pair). */
        pairInitCodeHash: bytes32Schema.optional(),
      })
      .strict(),
    ...policyBoundsShape,
    scenarios: z.array(scenarioSchema).min(1),
    attestors: z.array(attestorSchema).optional(),
    governance: z
      .object({
        timelockDelay: z.union([z.literal(0), durationSchema]),
        /** May schedule and cancel timelock operations (the governance Safe). */
        proposers: accountList,
        /** May execute ready operations (the zero address: anyone). */
        executors: accountList,
      })
      .strict(),
    roles: z
      .object({
        guardian: addressSchema,
        operator: addressSchema,
        keeper: addressSchema,
        rebalancer: addressSchema,
        /** Granted PAYOUT_ROLE at deployment: submits proven payouts within `payoutLimits` (default: nobody). */
        payout: addressSchema.optional(),
      })
      .strict(),
    /** Per asset symbol: what the payout role may pay per period, in the asset's units (`"50000"`), and the period. */
    payoutLimits: z
      .record(
        symbolSchema,
        z
          .object({
            limit: z.string({ invalid_type_error: 'expected a decimal string such as "50000" (quoted, so no precision is lost)' }),
            period: durationSchema.refine((s) => s <= MAX_PAYOUT_PERIOD, "at most 365 days (TreasuryVault's longest period)"),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const symbols = new Map<string, number>();
    const tokens = new Map<string, number>();
    file.assets.forEach((asset, i) => {
      if (symbols.has(asset.symbol)) issue(["assets", i, "symbol"], `${asset.symbol} is listed twice (assets[${symbols.get(asset.symbol)}])`);
      symbols.set(asset.symbol, i);
      const token = asset.token.toLowerCase();
      if (tokens.has(token)) issue(["assets", i, "token"], `the same token as assets[${tokens.get(token)}]`);
      tokens.set(token, i);
      if (asset.decimals + asset.feed.decimals > 36) issue(["assets", i, "feed", "decimals"], "token decimals + feed decimals must be at most 36");
    });
    if (!symbols.has(file.liabilityAsset)) issue(["liabilityAsset"], `${file.liabilityAsset} is not one of the assets`);
    for (const symbol of Object.keys(file.payoutLimits ?? {})) {
      if (!symbols.has(symbol)) issue(["payoutLimits", symbol], `${symbol} is not one of the assets`);
    }
    file.scenarios.forEach((scenario, s) => {
      for (const symbol of Object.keys(scenario.shocks)) {
        if (!symbols.has(symbol)) issue(["scenarios", s, "shocks", symbol], `${symbol} is not one of the assets`);
      }
    });
    const keys = new Set<string>();
    (file.attestors ?? []).forEach((a, i) => {
      const key = a.publicKey.join(",");
      if (keys.has(key)) issue(["attestors", i, "publicKey"], "this key is listed twice");
      keys.add(key);
    });
  });

type ExistingConfigFile = z.output<typeof existingConfigSchema>;

/** A validated deploy config: the policy as `DeployConfig` plus the existing addresses and the accounts. */
export interface ExistingConfig {
  /** The file it was read from (as given), for messages. */
  file: string;
  /** keccak256 of the file's JSON (re-serialised): a journal made from another config is refused. */
  hash: string;
  chainId: bigint;
  /** The policy and instance; `answer` and `vaultHolding` are unused (nothing is minted or seeded). */
  config: DeployConfig;
  assets: { token: string; feed: string; feedDescription: string }[];
  uniswap: { router: string; factory: string; acceptedFactories: string[]; pairInitCodeHash: string };
  governance: { proposers: string[]; executors: string[] };
  roles: { guardian: string; operator: string; keeper: string; rebalancer: string; payout?: string };
}

/** Reads and validates a deploy config; every refusal is one line `FILE: json.path: reason`. */
export function loadExistingConfig(file: string): ExistingConfig {
  const json = readJsonInput(file);
  return existingConfigOf(parseFile(existingConfigSchema, json, file), file, keccak256(toUtf8Bytes(JSON.stringify(json))));
}

function existingConfigOf(parsed: ExistingConfigFile, file: string, hash: string): ExistingConfig {
  const instance: InstanceName = parsed.instance;
  const sizes = instanceSizes(instance);
  const refuse = (where: string, reason: string) => new UserError(reason, { where: `${file}: ${where}` });
  if (parsed.assets.length !== sizes.A) throw refuse("assets", `the ${instance} instance takes ${sizes.A} assets; the config lists ${parsed.assets.length}`);
  if (parsed.scenarios.length !== sizes.K) throw refuse("scenarios", `the ${instance} instance takes ${sizes.K} scenarios; the config lists ${parsed.scenarios.length}`);
  const attestors = parsed.attestors ?? [];
  if (attestors.length > sizes.C) throw refuse("attestors", `the ${instance} instance has ${sizes.C} attestor slot(s); the config lists ${attestors.length}`);

  const assets = parsed.assets.map((a, i) => {
    const bound = (field: "minAnswer" | "maxAnswer") => {
      try {
        return parseDecimal(a.feed[field], a.feed.decimals);
      } catch (e) {
        throw refuse(`assets[${i}].feed.${field}`, `${(e as Error).message} (the ${a.symbol} feed has ${a.feed.decimals} decimals)`);
      }
    };
    const minAnswer = bound("minAnswer");
    const maxAnswer = bound("maxAnswer");
    if (minAnswer <= 0n || minAnswer >= maxAnswer) throw refuse(`assets[${i}].feed`, `expected 0 < minAnswer < maxAnswer (got ${a.feed.minAnswer} and ${a.feed.maxAnswer})`);
    return {
      symbol: a.symbol,
      name: a.name ?? a.symbol,
      decimals: a.decimals,
      feedDecimals: a.feed.decimals,
      answer: 0n,
      capBps: Number(a.cap),
      haircutBps: Number(a.haircut),
      liquid: a.liquid,
      maxAge: a.feed.maxAge,
      minAnswer,
      maxAnswer,
      vaultHolding: 0n,
    };
  });
  const config: DeployConfig = {
    instance,
    assets,
    scenarios: parsed.scenarios.map((s) => ({ name: s.name, shockBps: assets.map((a) => Number(s.shocks[a.symbol] ?? 0n)) })),
    liabilityAsset: assets.findIndex((a) => a.symbol === parsed.liabilityAsset),
    minCoverageBps: Number(parsed.minCoverage),
    minLiquidityBps: Number(parsed.minLiquidity),
    maxSlippageBps: Number(parsed.maxSlippage ?? POLICY_DEFAULTS.maxSlippageBps),
    maxSnapshotAge: parsed.maxSnapshotAge ?? POLICY_DEFAULTS.maxSnapshotAge,
    liabilitiesDelay: parsed.liabilitiesDelay ?? POLICY_DEFAULTS.liabilitiesDelay,
    maxAttestationAge: parsed.maxAttestationAge ?? POLICY_DEFAULTS.maxAttestationAge,
    attestors: attestors.map((a) => [BigInt(a.publicKey[0]), BigInt(a.publicKey[1])] as const),
    attestorNames: attestors.map((a) => a.name),
    timelockDelay: parsed.governance.timelockDelay,
    poolUsd: 0n,
    ...(parsed.sequencer ? { sequencer: { ...parsed.sequencer } } : {}),
  };
  const limits = Object.entries(parsed.payoutLimits ?? {}).map(([symbol, l]) => {
    const asset = assets.findIndex((a) => a.symbol === symbol);
    return { asset, limit: payoutLimitAmount(l.limit, assets[asset]!, `${file}: payoutLimits.${symbol}.limit`, 1), period: l.period };
  });
  if (parsed.roles.payout || limits.length > 0) config.payout = { ...(parsed.roles.payout ? { account: parsed.roles.payout } : {}), limits: limits.sort((a, b) => a.asset - b.asset) };
  return {
    file,
    hash,
    chainId: parsed.chainId,
    config,
    assets: parsed.assets.map((a) => ({ token: a.token, feed: a.feed.address, feedDescription: a.feed.description })),
    uniswap: {
      router: parsed.uniswap.router,
      factory: parsed.uniswap.factory,
      acceptedFactories: parsed.uniswap.acceptedFactories,
      pairInitCodeHash: parsed.uniswap.pairInitCodeHash ?? pairInitCodeHash(),
    },
    governance: { proposers: parsed.governance.proposers, executors: parsed.governance.executors },
    roles: { ...parsed.roles },
  };
}
