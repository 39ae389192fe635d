// Pins the proven payout gate (issue 16, S4) end to end with real Groth16 proofs (test instance): a payout
// moves exactly the proven amount to the proven recipient and advances the registry; the payout role is held to
// the asset's limit per period (PayoutLimitExceeded, allowed again in the next period), governance (the
// timelock) is not; the guardian may only lower a limit; a replayed proof, a proof used for another amount or
// recipient, and callers without the role are refused; deposits emit Deposited; the next attestation commits
// the state after the payouts and the deposit (and not a unit more: VaultBalanceShort).
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync } from "node:fs";
import path from "node:path";
import { Wallet, id, type ContractTransactionReceipt } from "ethers";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import type { Position } from "../../core/types.ts";
import { readPolicy, type OnchainPolicy } from "../../chain/policy.ts";
import {
  advanceTime,
  currentSequence,
  payoutArgs,
  payoutCalldata,
  publishAttestation,
  publishLiabilitiesRoot,
  submitPayout,
  takeSnapshot,
  type SnapshotInfo,
} from "../../chain/gate.ts";
import {
  deployFixture,
  expectRevert,
  fieldsOf,
  liabilities,
  pricesOf,
  provePayout,
  proveSolvency,
  provingKeysBuilt,
  refreshFeeds,
  throughTimelock,
  vaultPositions,
  type Fixture,
} from "./helpers.ts";

const E6 = 10n ** 6n;
const DAY = 86_400;
const USDC = 0n;
const PAYOUT_ROLE = id("PAYOUT_ROLE");
const payoutKeysBuilt = existsSync(path.join(PROJECT_ROOT, "build", "circuits", "payout-test", "payout-test.zkey"));

describe.skipIf(!provingKeysBuilt() || !payoutKeysBuilt)("the proven payout gate", () => {
  let f: Fixture;
  let policy: OnchainPolicy;
  let snapshot: SnapshotInfo;
  let positions: Position[];
  const liab = liabilities();
  const recipient = Wallet.createRandom().address;
  const other = Wallet.createRandom().address;

  const vault = () => f.deployment.contracts.treasuryVault;
  const usdc = () => f.stack.tokens[0]!;
  const balanceOf = async (who: string): Promise<bigint> => (await usdc().getFunction("balanceOf")(who)) as bigint;
  const remaining = async (): Promise<bigint> => (await f.stack.treasuryVault.getFunction("payoutRemaining")(USDC)) as bigint;
  /** A proof paying `amount` USDC from slot 0 at the registry's current sequence and the latest snapshot. */
  const prove = async (amount: bigint, to = recipient) => {
    const proven = await provePayout({
      oldPositions: positions,
      payout: { asset: USDC, amount, recipient: BigInt(to) },
      slot: 0,
      policy: fieldsOf(f, policy),
      prices: pricesOf(snapshot),
      liabilities: liab.opening,
      sequence: await currentSequence(f.stack),
    });
    return { ...proven, args: { ...payoutArgs(proven.signals), proof: proven.proof } };
  };
  const freshSnapshot = async () => {
    await refreshFeeds(f);
    snapshot = await takeSnapshot(f.stack);
  };
  /** Moves to the start of the next payout window (plus a minute), with a fresh snapshot. */
  const nextWindow = async () => {
    const now = (await f.deployer.provider!.getBlock("latest"))!.timestamp;
    await advanceTime(f.stack, DAY - (now % DAY) + 60);
    await freshSnapshot();
  };

  beforeAll(async () => {
    // A short timelock delay: governance's own payout must still find its snapshot fresh after it.
    f = await deployFixture({ timelockDelay: 60 });
    policy = await readPolicy(f.stack.riskPolicy);
    const deployer = await f.deployer.getAddress();
    // Governance grants the payout role to the deployer and sets a limit of 50,000 USDC per day.
    await throughTimelock(f, vault(), f.stack.treasuryVault.interface.encodeFunctionData("grantRole", [PAYOUT_ROLE, deployer]));
    await throughTimelock(f, vault(), f.stack.treasuryVault.interface.encodeFunctionData("setPayoutLimit", [USDC, 50_000n * E6, DAY]));
    // DAI (asset 3) gets a limit too, so that using a USDC proof for DAI reaches the verifier.
    await throughTimelock(f, vault(), f.stack.treasuryVault.interface.encodeFunctionData("setPayoutLimit", [3n, 10n ** 30n, DAY]));
    // Start right after a window boundary so the test never straddles one by accident.
    await nextWindow();
    await publishLiabilitiesRoot(f.stack, liab.root);
    positions = vaultPositions(f);
    const s1 = await proveSolvency({ positions, policy: fieldsOf(f, policy), prices: pricesOf(snapshot), liabilities: liab.opening, sequence: 0n });
    await publishAttestation(f.stack, s1.signals, s1.proof);
  });

  it("refuses callers without the payout role, before anything else", async () => {
    const p = await prove(30_000n * E6);
    for (const stack of [f.outsiderStack, f.guardianStack]) {
      await expectRevert(submitPayout(stack, p.args), "AccessControlUnauthorizedAccount", { neededRole: PAYOUT_ROLE });
    }
    expect(await remaining()).toBe(50_000n * E6);
  });

  it("lands a proven payout: exactly the amount to the recipient, the root advanced, the limit spent", async () => {
    const amount = 20_000n * E6;
    const p = await prove(amount);
    expect(p.args.payout).toEqual({ asset: USDC, amount, recipient });
    const vaultBefore = await balanceOf(vault());
    const receipt = await submitPayout(f.stack, p.args);
    expect(await balanceOf(recipient)).toBe(amount);
    expect(await balanceOf(vault())).toBe(vaultBefore - amount);
    expect(await f.stack.solvencyRegistry.getFunction("positionsRoot")()).toBe(p.args.transition.newRoot);
    expect(await currentSequence(f.stack)).toBe(2n);
    expect(await remaining()).toBe(30_000n * E6);
    const event = receipt.logs.map((l) => f.stack.treasuryVault.interface.parseLog(l)).find((e) => e?.name === "Payout");
    expect(event?.args.toObject()).toMatchObject({ sequence: 1n, asset: USDC, recipient, amount, by: await f.deployer.getAddress() });
    positions = p.newPositions;

    // The same proof again: its sequence is spent.
    await expectRevert(submitPayout(f.stack, p.args), "SequenceMismatch", { current: "2", claimed: "1" });
  });

  it("binds the amount and the recipient: a proof used for another one is refused", async () => {
    const p = await prove(10_000n * E6);
    await expectRevert(submitPayout(f.stack, { ...p.args, payout: { ...p.args.payout, amount: 9_000n * E6 } }), "InvalidProof");
    await expectRevert(submitPayout(f.stack, { ...p.args, payout: { ...p.args.payout, amount: 11_000n * E6 } }), "InvalidProof");
    await expectRevert(submitPayout(f.stack, { ...p.args, payout: { ...p.args.payout, recipient: other } }), "InvalidProof");
    await expectRevert(submitPayout(f.stack, { ...p.args, payout: { ...p.args.payout, asset: 3n } }), "InvalidProof");
    // Nothing moved and nothing was spent.
    expect(await balanceOf(other)).toBe(0n);
    expect(await currentSequence(f.stack)).toBe(2n);
    expect(await remaining()).toBe(30_000n * E6);
  });

  it("refuses the payout role beyond the period's limit, and allows it again in the next period", async () => {
    const p = await prove(35_000n * E6);
    await expectRevert(submitPayout(f.stack, p.args), "PayoutLimitExceeded", {
      asset: "0",
      requested: (35_000n * E6).toString(),
      remaining: (30_000n * E6).toString(),
    });
    await nextWindow();
    expect(await remaining()).toBe(50_000n * E6);
    const again = await prove(35_000n * E6);
    await submitPayout(f.stack, again.args);
    positions = again.newPositions;
    expect(await balanceOf(recipient)).toBe(55_000n * E6);
    expect(await remaining()).toBe(15_000n * E6);
  });

  it("lets governance (the timelock) pay out beyond the limit", async () => {
    const amount = 100_000n * E6;
    const p = await prove(amount, other);
    await throughTimelock(f, vault(), payoutCalldata(f.stack, p.args));
    positions = p.newPositions;
    expect(await balanceOf(other)).toBe(amount);
    expect(await f.stack.solvencyRegistry.getFunction("positionsRoot")()).toBe(p.args.transition.newRoot);
    // The payout role's allowance is untouched.
    expect(await remaining()).toBe(15_000n * E6);
  });

  it("lets the guardian only lower a limit, at once; only governance sets one", async () => {
    await expectRevert(f.guardianStack.treasuryVault.getFunction("lowerPayoutLimit")(USDC, 60_000n * E6), "PayoutLimitNotLowered");
    await expectRevert(f.guardianStack.treasuryVault.getFunction("setPayoutLimit")(USDC, 10n, DAY), "AccessControlUnauthorizedAccount");
    await expectRevert(f.outsiderStack.treasuryVault.getFunction("lowerPayoutLimit")(USDC, 0n), "AccessControlUnauthorizedAccount");
    await (await f.guardianStack.treasuryVault.getFunction("lowerPayoutLimit")(USDC, 0n)).wait();
    expect(await remaining()).toBe(0n);
    const p = await prove(1n * E6);
    await expectRevert(submitPayout(f.stack, p.args), "PayoutLimitExceeded", { remaining: "0" });
  });

  it("takes deposits of policy assets and emits Deposited", async () => {
    const depositor = f.outsiderStack;
    const from = await f.outsider.getAddress();
    const amount = 5_000n * E6;
    await (await depositor.tokens[0]!.getFunction("mint")(from, amount)).wait();
    await (await depositor.tokens[0]!.getFunction("approve")(vault(), amount)).wait();
    const before = await balanceOf(vault());
    const receipt = await (await depositor.treasuryVault.getFunction("deposit")(USDC, amount)).wait();
    expect(await balanceOf(vault())).toBe(before + amount);
    const logs = (receipt as ContractTransactionReceipt).logs;
    const event = logs.map((l) => f.stack.treasuryVault.interface.parseLog(l)).find((e) => e?.name === "Deposited");
    expect(event?.args.toObject()).toMatchObject({ asset: USDC, token: f.deployment.assets[0]!.token, from, amount });
    await expectRevert(depositor.treasuryVault.getFunction("deposit")(USDC, 0n), "ZeroAmount");
    await expectRevert(depositor.treasuryVault.getFunction("deposit")(9n, 1n), "UnknownAsset", { asset: "9" });
  });

  it("lets the next attestation commit the state after the payouts and the deposit, and no more than that", async () => {
    await freshSnapshot();
    const held = await balanceOf(vault());
    // The deposit is held but not committed: the payouts' roots committed slot 0 without it.
    expect(held - positions[0]!.amount).toBe(5_000n * E6);
    const sequence = await currentSequence(f.stack);
    /** An S1 proof of the current slots with slot 0 (USDC, vault-held) holding `amount`. */
    const attest = (amount: bigint) =>
      proveSolvency({
        positions: positions.map((p, i) => (i === 0 ? { ...p, amount } : p)),
        policy: fieldsOf(f, policy),
        prices: pricesOf(snapshot),
        liabilities: liab.opening,
        sequence,
      });
    const over = await attest(held + 1n);
    await expectRevert(publishAttestation(f.stack, over.signals, over.proof), "VaultBalanceShort", { asset: "0", committed: String(held + 1n), balance: String(held) });
    const exact = await attest(held);
    await publishAttestation(f.stack, exact.signals, exact.proof);
    expect(await f.stack.solvencyRegistry.getFunction("positionsRoot")()).toBe(exact.signals[0]);
  });
});
