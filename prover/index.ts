/**
 * The prover library: load the operator's files, evaluate the policy exactly as the circuits do, keep the
 * private state (salts), prove S1/S2/S4 with snarkjs and write proof bundles. Node only (files, CSPRNG); the
 * browser-safe parts (hashing, verification) are core/hash.ts and verifier/.
 */
export { UserError, isUserError } from "../core/errors.ts";
export * from "../core/hash.ts";
export * from "../core/field.ts";
export type { Position, LiabilitiesOpening, RebalanceAction, InstanceSize } from "../core/types.ts";
export { parseDecimal, formatDecimal, parseBps, formatBps, formatUsd, unitPriceFromAnswer } from "../core/units.ts";
export { treasuryFileSchema, policyFileSchema, pricesFileSchema, usersFileSchema, parseFile, type TreasuryFile, type PolicyFile, type PricesFile } from "../core/schemas.ts";
export {
  loadTreasury,
  loadLiabilities,
  readUsersFile,
  buildLiabilityTree,
  policyFields,
  priceFields,
  assetIndexOf,
  parseAssetAmount,
  type Treasury,
  type RiskPolicy,
  type PolicyAsset,
  type Scenario,
  type PriceSnapshot,
  type AssetPrice,
  type Holding,
  type Liabilities,
} from "./treasury.ts";
export { evaluateRules, exactCheck, ruleGain, amountsByAsset, valuesByAsset, liabilitiesValue, type RuleCheck, type RuleKind, type ExactVerdict } from "./rules.ts";
export { findFixes, applyTrade, type Trade, type FixOption, type Fixes } from "./fixes.ts";
export { evaluateTreasury, type HealthReport, type BoundCheck, type AssetLine, type CheckKind } from "./evaluate.ts";
export { formatReport, reportToJson, summarizeFailures, describeFailure, describeFixes, describeTrade } from "./report.ts";
export {
  loadState,
  saveState,
  defaultStatePath,
  openCommitment,
  recordCommitment,
  randomFieldElement,
  commitmentRoot,
  liabilitySalts,
  type PrivateState,
  type StoredCommitment,
  type OpenedCommitment,
} from "./state.ts";
export {
  proveSolvency,
  proveRebalance,
  provePayout,
  parseRebalanceRequest,
  parsePayoutRequest,
  choosePayoutSlot,
  chooseSlots,
  resolveInstance,
  instanceArtifacts,
  runGroth16,
  PolicyViolationError,
  type ProveOptions,
  type ProveResult,
  type RebalanceRequest,
  type PayoutRequest,
  type CircuitArtifacts,
  type ProveStage,
} from "./prove.ts";
export { buildBundle, writeBundle, bundlePolicy, bundlePrices, bundleAction, bundlePayout, type BundleParts } from "./bundle.ts";
export { writeFileAtomic } from "../core/node/atomic-write.ts";
