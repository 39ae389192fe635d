/**
 * Shared fixtures of the contract tests: a deployed `test` stack on Hardhat's in-process network with
 * separate signers per role, the treasury that the default deployment holds (chain/local-treasury.ts) with
 * real Groth16 proofs of the test instance, timelock calls, and an assertion on a revert's custom error.
 */
import { expect } from "vitest";
import { network } from "hardhat";
import type { Signer } from "ethers";
import type { PolicyFields, PriceFields } from "../../core/hash.ts";
import type { LiabilitiesOpening, Position, RebalanceAction } from "../../core/types.ts";
import { attachStack, defaultDeployConfig, deployStack, instanceSizes, type DeployConfig, type Deployment, type Stack } from "../../chain/deploy.ts";
import { decodeRevert } from "../../chain/errors.ts";
import { advanceTime, governanceCall } from "../../chain/gate.ts";
import {
  SaltSource,
  pricesOfSnapshot,
  provePayout as provePayout_,
  proveRebalance as proveRebalance_,
  proveSolvency as proveSolvency_,
  provingKeysBuilt as provingKeysBuilt_,
  twoUserLiabilities,
  vaultPositions as vaultPositions_,
  type Proven,
} from "../../chain/local-treasury.ts";
import { policyCallArg, policyFieldsOf, type OnchainPolicy } from "../../chain/policy.ts";

/** A deployed test stack and the signers of each role. */
export interface Fixture {
  deployment: Deployment;
  config: DeployConfig;
  /** The contracts as the deployer (operator, keeper, rebalancer, timelock proposer/executor). */
  stack: Stack;
  /** The same contracts as the risk guardian (vault guardian too). */
  guardianStack: Stack;
  /** The same contracts as an account with no role. */
  outsiderStack: Stack;
  deployer: Signer;
  guardian: Signer;
  outsider: Signer;
  chainId: bigint;
}

/**
 * Deploys the default `test` stack (with `overrides` of its config); the guardian and the outsider are
 * separate accounts.
 */
export async function deployFixture(overrides: Partial<DeployConfig> = {}): Promise<Fixture> {
  const { ethers } = await network.create();
  const [deployer, guardian, outsider] = (await ethers.getSigners()) as Signer[];
  const config = { ...defaultDeployConfig("test"), ...overrides };
  const guardianAddress = await guardian!.getAddress();
  const deployment = await deployStack(deployer!, config, { roles: { guardian: guardianAddress } });
  return {
    deployment,
    config,
    stack: attachStack(deployment, deployer!),
    guardianStack: attachStack(deployment, guardian!),
    outsiderStack: attachStack(deployment, outsider!),
    deployer: deployer!,
    guardian: guardian!,
    outsider: outsider!,
    chainId: BigInt(deployment.chainId),
  };
}

/** Expects `promise` to revert with the custom error `name` (decoded from the revert data). */
export async function expectRevert(promise: Promise<unknown>, name: string, args?: Record<string, string>): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a revert with ${name}`).toBeDefined();
  const decoded = decodeRevert(error);
  expect(decoded?.name, `revert decoded as ${decoded?.text ?? String(error)}`).toBe(name);
  if (args) expect(decoded!.args).toMatchObject(args);
}

/** Sets every feed's answer again (at the current time), back to the deployment's price. */
export async function refreshFeeds(f: Fixture): Promise<void> {
  for (const [i, feed] of f.stack.feeds.entries()) await (await feed.getFunction("updateAnswer")(f.config.assets[i]!.answer)).wait();
}

/** Runs `setPolicy(policy)` on RiskPolicy through the timelock (schedule, advance time, execute). */
export async function setPolicyThroughTimelock(f: Fixture, policy: OnchainPolicy): Promise<void> {
  const data = f.stack.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(policy)]);
  await governanceCall(f.stack, f.deployment.contracts.riskPolicy, data, (s) => advanceTime(f.stack, s));
}

/** Runs any governance call on `target` through the timelock. */
export async function throughTimelock(f: Fixture, target: string, data: string): Promise<void> {
  await governanceCall(f.stack, target, data, (s) => advanceTime(f.stack, s));
}

const salts = new SaltSource(1n);
const SIZE = instanceSizes("test");

/** The N position slots that commit to the deployment's vault holdings (then padding slots). */
export function vaultPositions(f: Fixture): Position[] {
  return vaultPositions_(f.config, SIZE, salts);
}

/** The test liabilities: two users owing 900,000 and 600,000 USDC. */
export function liabilities(): { root: bigint; opening: LiabilitiesOpening } {
  return twoUserLiabilities([900_000n * 10n ** 6n, 600_000n * 10n ** 6n]);
}

/** The policy fields of `policy` for this deployment. */
export function fieldsOf(f: Fixture, policy: OnchainPolicy): PolicyFields {
  return policyFieldsOf(policy, f.chainId, f.deployment.contracts.treasuryVault);
}

/** The prices a snapshot stores. */
export const pricesOf = pricesOfSnapshot;

/** True when the test instances' proving keys exist (`homeostat setup --instance test`). */
export const provingKeysBuilt = (): boolean => provingKeysBuilt_("test");

/** An S1 proof (test instance). */
export function proveSolvency(args: Parameters<typeof proveSolvency_>[2]): Promise<Proven> {
  return proveSolvency_("test", SIZE, args);
}

/** An S2 proof (test instance) of `action` from `oldPositions`; returns the new slots too. */
export function proveRebalance(args: {
  oldPositions: Position[];
  action: RebalanceAction;
  slotIn: number;
  slotOut: number;
  policy: PolicyFields;
  prices: PriceFields;
  liabilities: LiabilitiesOpening;
  sequence: bigint;
  /** Salts for the two touched slots, in order (default: fresh ones). */
  salts?: Pick<SaltSource, "next">;
}): Promise<Proven & { newPositions: Position[] }> {
  return proveRebalance_("test", SIZE, args.salts ?? salts, args);
}

/** An S4 proof (test instance) of `payout` from `oldPositions[slot]`; returns the new slots too. */
export function provePayout(args: Parameters<typeof provePayout_>[3]): Promise<Proven & { newPositions: Position[] }> {
  return provePayout_("test", SIZE, salts, args);
}
