// Pins the deployed stack's governance and oracle checks, none of which needs a proof: the deployment
// hands governance to the timelock; only the timelock sets a policy (schedule, wait, execute); the risk
// guardian tightens at once but cannot loosen; PriceSnapshots refuses stale, out-of-bounds, non-positive
// and incomplete feed rounds and a down or recovering L2 sequencer; only the keeper snapshots, only the
// operator publishes, only the vault advances the root; pause and venue roles; the on-chain policy hash
// equals core/hash.ts's.
import { describe, it, expect, beforeAll } from "vitest";
import { policyHash, pricesHash } from "../../core/hash.ts";
import { readPolicy, clonePolicy, policyCallArg } from "../../chain/policy.ts";
import { factoryOf, loadArtifact } from "../../chain/artifacts.ts";
import { pairInitCodeHash, policyOfConfig } from "../../chain/deploy.ts";
import { advanceTime, latestSnapshot, takeSnapshot } from "../../chain/gate.ts";
import { deployFixture, expectRevert, fieldsOf, refreshFeeds, throughTimelock, type Fixture } from "./helpers.ts";
import { publicKeyOf } from "../../prover/attestor.ts";

const GOVERNANCE = `0x${"00".repeat(32)}`;

describe("deployed stack: governance, guardian, oracles, roles", () => {
  let f: Fixture;
  let deployer: string;
  let guardian: string;
  let outsider: string;

  beforeAll(async () => {
    f = await deployFixture();
    deployer = await f.deployer.getAddress();
    guardian = await f.guardian.getAddress();
    outsider = await f.outsider.getAddress();
  });

  it("hands governance to the timelock and hashes the policy exactly like core/hash.ts", async () => {
    const c = f.deployment.contracts;
    for (const contract of [f.stack.riskPolicy, f.stack.treasuryVault, f.stack.solvencyRegistry, f.stack.priceSnapshots]) {
      expect(await contract.getFunction("hasRole")(GOVERNANCE, c.timelock)).toBe(true);
      expect(await contract.getFunction("hasRole")(GOVERNANCE, deployer)).toBe(false);
    }
    const policy = await readPolicy(f.stack.riskPolicy);
    const tokens = f.deployment.assets.map((a) => a.token);
    const feeds = f.deployment.assets.map((a) => a.feed);
    expect(policy).toEqual(policyOfConfig(f.config, tokens, feeds));
    const onchain = (await f.stack.riskPolicy.getFunction("policyHash")()) as bigint;
    expect(onchain).toBe(policyHash(fieldsOf(f, policy)));
    expect(onchain.toString()).toBe(f.deployment.policyHash);
    expect(await f.stack.treasuryVault.getFunction("allowedFactory")(c.uniswapFactory)).toBe(true);
    expect(await f.stack.treasuryVault.getFunction("allowedFactory")(c.uniswapRouter)).toBe(false);
  });

  it("lets only governance set the policy, through the timelock's delay", async () => {
    const policy = await readPolicy(f.stack.riskPolicy);
    const looser = clonePolicy(policy);
    looser.assets[1]!.capBps = 6_000; // loosen the WETH cap
    await expectRevert(f.stack.riskPolicy.getFunction("setPolicy")(policyCallArg(looser)), "AccessControlUnauthorizedAccount", { account: deployer });
    await expectRevert(f.guardianStack.riskPolicy.getFunction("setPolicy")(policyCallArg(looser)), "AccessControlUnauthorizedAccount", { account: guardian });

    // Scheduled but executed before the delay: refused by the timelock.
    const data = f.stack.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(looser)]);
    const salt = `0x${"11".repeat(32)}`;
    const delay = (await f.stack.timelock.getFunction("getMinDelay")()) as bigint;
    await (await f.stack.timelock.getFunction("schedule")(f.deployment.contracts.riskPolicy, 0n, data, GOVERNANCE, salt, delay)).wait();
    await expectRevert(
      f.stack.timelock.getFunction("execute")(f.deployment.contracts.riskPolicy, 0n, data, GOVERNANCE, salt),
      "TimelockUnexpectedOperationState",
    );
    await advanceTime(f.stack, Number(delay));
    const version = (await f.stack.riskPolicy.getFunction("version")()) as bigint;
    await (await f.stack.timelock.getFunction("execute")(f.deployment.contracts.riskPolicy, 0n, data, GOVERNANCE, salt)).wait();
    expect(await f.stack.riskPolicy.getFunction("version")()).toBe(version + 1n);
    const stored = await readPolicy(f.stack.riskPolicy);
    expect(stored.assets[1]!.capBps).toBe(6_000);
    expect(await f.stack.riskPolicy.getFunction("policyHash")()).toBe(policyHash(fieldsOf(f, stored)));
  });

  it("refuses malformed policies with a reason", async () => {
    const policy = await readPolicy(f.stack.riskPolicy);
    const data = (p: typeof policy) => f.stack.riskPolicy.interface.encodeFunctionData("setPolicy", [policyCallArg(p)]);
    const timelock = f.stack.timelock;
    const tryPolicy = (p: typeof policy) =>
      // The timelock bubbles the target's revert data up, so the policy's own error is what we see.
      (async () => {
        const salt = `0x${Math.floor(Math.random() * 1e9).toString(16).padStart(64, "0")}`;
        const delay = (await timelock.getFunction("getMinDelay")()) as bigint;
        await (await timelock.getFunction("schedule")(f.deployment.contracts.riskPolicy, 0n, data(p), GOVERNANCE, salt, delay)).wait();
        await advanceTime(f.stack, Number(delay));
        await (await timelock.getFunction("execute")(f.deployment.contracts.riskPolicy, 0n, data(p), GOVERNANCE, salt)).wait();
      })();
    const overCap = clonePolicy(policy);
    overCap.assets[0]!.capBps = 10_001;
    await expectRevert(tryPolicy(overCap), "InvalidAssetRules", { asset: "0", reason: "capBps" });
    const wrongDecimals = clonePolicy(policy);
    wrongDecimals.assets[2]!.tokenDecimals = 18;
    await expectRevert(tryPolicy(wrongDecimals), "InvalidAssetRules", { asset: "2", reason: "tokenDecimals" });
    const badBounds = clonePolicy(policy);
    badBounds.assets[1]!.minAnswer = badBounds.assets[1]!.maxAnswer;
    await expectRevert(tryPolicy(badBounds), "InvalidAssetRules", { reason: "answer bounds" });
    const shape = clonePolicy(policy);
    shape.shockBps.pop();
    await expectRevert(tryPolicy(shape), "PolicyShapeMismatch");
  });

  it("lets the guardian tighten at once but never loosen", async () => {
    const policy = await readPolicy(f.stack.riskPolicy);
    const tighter = clonePolicy(policy);
    tighter.assets[1]!.capBps = policy.assets[1]!.capBps - 500;
    tighter.assets[2]!.haircutBps = policy.assets[2]!.haircutBps + 500;
    tighter.shockBps[0]![1] = policy.shockBps[0]![1]! + 1_000;
    tighter.minCoverageBps = policy.minCoverageBps + 100;
    tighter.assets[1]!.maxAge = policy.assets[1]!.maxAge - 100;
    const tx = await f.guardianStack.riskPolicy.getFunction("tighten")(policyCallArg(tighter));
    const receipt = await tx.wait();
    const stored = await readPolicy(f.stack.riskPolicy);
    expect(stored).toEqual(tighter);
    const hash = (await f.stack.riskPolicy.getFunction("policyHash")()) as bigint;
    expect(hash).toBe(policyHash(fieldsOf(f, tighter)));
    const event = receipt.logs.map((l: never) => f.stack.riskPolicy.interface.parseLog(l)).find((e: { name?: string } | null) => e?.name === "PolicyTightened");
    expect(event?.args.policyHash).toBe(hash);

    const cases: [string, (p: typeof tighter) => void][] = [
      ["capBps", (p) => (p.assets[1]!.capBps += 1)],
      ["haircutBps", (p) => (p.assets[2]!.haircutBps -= 1)],
      ["shockBps", (p) => (p.shockBps[0]![1]! -= 1)],
      ["shockBps", (p) => (p.shockBps[1]![p.liabilityAsset]! += 100)], // the liability asset's shock is not monotone
      ["minCoverageBps", (p) => (p.minCoverageBps -= 1)],
      ["minLiquidityBps", (p) => (p.minLiquidityBps -= 1)],
      ["liquid", (p) => (p.assets[2]!.liquid = true)],
      ["maxAge", (p) => (p.assets[1]!.maxAge += 1)],
      ["answer bounds", (p) => (p.assets[1]!.maxAnswer += 1n)],
      ["maxSnapshotAge", (p) => (p.maxSnapshotAge += 1)],
      ["asset identity", (p) => (p.assets[0]!.feed = p.assets[1]!.feed)],
    ];
    for (const [field, loosen] of cases) {
      const p = clonePolicy(tighter);
      loosen(p);
      await expectRevert(f.guardianStack.riskPolicy.getFunction("tighten")(policyCallArg(p)), "NotTightening", { field });
    }
    await expectRevert(f.outsiderStack.riskPolicy.getFunction("tighten")(policyCallArg(tighter)), "AccessControlUnauthorizedAccount", { account: outsider });
    expect(await f.stack.riskPolicy.getFunction("policyHash")()).toBe(hash);
  });

  it("snapshots the feeds as unit prices and hashes them like core/hash.ts", async () => {
    await refreshFeeds(f);
    const snapshot = await takeSnapshot(f.stack);
    const block = await f.deployer.provider!.getBlock("latest");
    expect(snapshot.timestamp).toBe(BigInt(block!.timestamp));
    expect(snapshot.unitPrices).toEqual(f.config.assets.map((a) => a.answer * 10n ** BigInt(36 - a.feedDecimals - a.decimals)));
    expect(snapshot.pricesHash).toBe(pricesHash({ timestamp: snapshot.timestamp, unitPrices: snapshot.unitPrices }));
    expect(await latestSnapshot(f.stack)).toEqual(snapshot);
    expect(await f.stack.priceSnapshots.getFunction("latestHash")()).toBe(snapshot.pricesHash);
    await expectRevert(f.outsiderStack.priceSnapshots.getFunction("takeSnapshot")(), "AccessControlUnauthorizedAccount", { account: outsider });
  });

  it("refuses a stale feed, an out-of-bounds, non-positive or incomplete answer", async () => {
    const weth = f.stack.feeds[1]!;
    const wethRules = (await readPolicy(f.stack.riskPolicy)).assets[1]!;
    const take = () => f.stack.priceSnapshots.getFunction("takeSnapshot")();

    await advanceTime(f.stack, wethRules.maxAge + 1);
    await expectRevert(take(), "StalePrice", { asset: "1", maxAge: String(wethRules.maxAge) });
    // Refresh every feed so only the one under test is wrong below.
    const refresh = () => refreshFeeds(f);
    await refresh();
    await (await take()).wait();

    await (await weth.getFunction("updateAnswer")(wethRules.minAnswer - 1n)).wait();
    await expectRevert(take(), "PriceOutOfBounds", { asset: "1", answer: String(wethRules.minAnswer - 1n) });
    await (await weth.getFunction("updateAnswer")(wethRules.maxAnswer + 1n)).wait();
    await expectRevert(take(), "PriceOutOfBounds", { asset: "1" });
    await (await weth.getFunction("updateAnswer")(0n)).wait();
    await expectRevert(take(), "NonPositivePrice", { asset: "1", answer: "0" });
    await (await weth.getFunction("updateAnswer")(-5n)).wait();
    await expectRevert(take(), "NonPositivePrice", { asset: "1", answer: "-5" });
    // A round that has not completed: updatedAt = 0 (MockV3Aggregator always reports answeredInRound = roundId).
    await (await weth.getFunction("updateRoundData")(99n, f.config.assets[1]!.answer, 0n, 0n)).wait();
    await expectRevert(take(), "IncompleteRound", { asset: "1", roundId: "99", updatedAt: "0" });
    await refresh();
    await (await take()).wait();
  });

  it("refuses snapshots while the L2 sequencer is down or within its grace period", async () => {
    const sequencer = await factoryOf(loadArtifact("TestFeed"), f.deployer).deploy(0, 0);
    await sequencer.waitForDeployment();
    const grace = 3600;
    await throughTimelock(f, f.deployment.contracts.riskPolicy, f.stack.riskPolicy.interface.encodeFunctionData("setSequencerUptimeFeed", [await sequencer.getAddress(), grace]));
    expect(await f.stack.riskPolicy.getFunction("sequencerUptimeFeed")()).toBe(await sequencer.getAddress());
    await refreshFeeds(f);
    const take = () => f.stack.priceSnapshots.getFunction("takeSnapshot")();

    await (await sequencer.getFunction("updateAnswer")(1n)).wait(); // 1 = down
    await expectRevert(take(), "SequencerDown");
    await (await sequencer.getFunction("updateAnswer")(0n)).wait(); // back up just now
    await expectRevert(take(), "SequencerGracePeriod", { gracePeriod: String(grace) });
    await advanceTime(f.stack, grace + 1);
    await refreshFeeds(f);
    await (await take()).wait();
    await throughTimelock(f, f.deployment.contracts.riskPolicy, f.stack.riskPolicy.interface.encodeFunctionData("setSequencerUptimeFeed", ["0x0000000000000000000000000000000000000000", 0]));
  });

  it("lets only the operator publish and only the vault advance the root", async () => {
    await expectRevert(f.outsiderStack.solvencyRegistry.getFunction("publishLiabilitiesRoot")(123n), "AccessControlUnauthorizedAccount", { account: outsider });
    const signals = [1n, 2n, 3n, 4n, 0n, 0n, 0n];
    const proof = Array.from({ length: 8 }, () => 0n);
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishAttestation")([1n, 2n, 3n, 4n, 0n], proof), "SignalCountMismatch", { expected: "7", actual: "5" });
    await expectRevert(f.outsiderStack.solvencyRegistry.getFunction("publishAttestation")(signals, proof), "AccessControlUnauthorizedAccount");
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishAttestation")([1n, 2n, 3n, 4n, 9n, 0n, 0n], proof), "SequenceMismatch", { current: "0", claimed: "9" });
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishAttestation")(signals, proof), "PolicyMismatch");
    const currentPolicy = (await f.stack.riskPolicy.getFunction("policyHash")()) as bigint;
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishAttestation")([1n, 2n, currentPolicy, 4n, 0n, 0n, 0n], proof), "LiabilitiesNotSet");
    await expectRevert(f.stack.solvencyRegistry.getFunction("publishLiabilitiesRoot")(0n), "InvalidLiabilitiesRoot");
    await expectRevert(f.stack.solvencyRegistry.getFunction("advance")(0n, 5n, 0n, 0n), "NotVault", { caller: deployer });
  });

  it("refuses to tighten or snapshot before any policy is set, and a zero address at construction", async () => {
    const hasher = f.deployment.contracts.poseidonHasher;
    const bare = await factoryOf(loadArtifact("RiskPolicy"), f.deployer).deploy(hasher, 4, 2, 1, outsider, deployer, deployer);
    await bare.waitForDeployment();
    const policy = await readPolicy(f.stack.riskPolicy);
    await expectRevert(bare.getFunction("tighten")(policyCallArg(policy)), "PolicyNotSet");
    const snapshots = await factoryOf(loadArtifact("PriceSnapshots"), f.deployer).deploy(await bare.getAddress(), hasher, deployer, deployer);
    await snapshots.waitForDeployment();
    await expectRevert(snapshots.getFunction("takeSnapshot")(), "PolicyNotSet");
    const zero = "0x0000000000000000000000000000000000000000";
    await expectRevert(factoryOf(loadArtifact("RiskPolicy"), f.deployer).deploy(hasher, 4, 2, 1, zero, deployer, deployer), "InvalidConfiguration");
    await expectRevert(factoryOf(loadArtifact("RiskPolicy"), f.deployer).deploy(hasher, 4, 2, 1, outsider, deployer, zero), "InvalidConfiguration");
    await expectRevert(factoryOf(loadArtifact("RiskPolicy"), f.deployer).deploy(hasher, 4, 2, 0, outsider, deployer, deployer), "InvalidConfiguration");
    await expectRevert(factoryOf(loadArtifact("PriceSnapshots"), f.deployer).deploy(await bare.getAddress(), hasher, deployer, zero), "InvalidConfiguration");
  });

  it("refuses an attestor key already in another slot (one statement would back both), and a small-order point", async () => {
    const hasher = f.deployment.contracts.poseidonHasher;
    const bare = await factoryOf(loadArtifact("RiskPolicy"), f.deployer).deploy(hasher, 4, 2, 2, outsider, deployer, deployer);
    await bare.waitForDeployment();
    const key = await publicKeyOf(new Uint8Array(32).fill(3));
    await (await bare.getFunction("setAttestor")(0, key[0], key[1])).wait();
    await expectRevert(bare.getFunction("setAttestor")(1, key[0], key[1]), "DuplicateAttestorKey", { slot: "1", otherSlot: "0" });
    // The same key again in its own slot is no duplicate; once removed, the key may go to the other slot.
    await (await bare.getFunction("setAttestor")(0, key[0], key[1])).wait();
    await (await bare.getFunction("removeAttestor")(0)).wait();
    await (await bare.getFunction("setAttestor")(1, key[0], key[1])).wait();
    expect(((await bare.getFunction("attestorKeys")()) as bigint[][]).map((k) => [...k])).toEqual([[0n, 0n], [key[0], key[1]]]);
    // (0, 1), the identity, and (0, -1), of order 2, are on the curve but bind no signature.
    const q = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    await expectRevert(bare.getFunction("setAttestor")(0, 0n, 1n), "InvalidAttestorKey");
    await expectRevert(bare.getFunction("setAttestor")(0, 0n, q - 1n), "InvalidAttestorKey");
  });

  it("lets the guardian pause and delist factories at once, and only governance unpause or list them", async () => {
    const factory = f.deployment.contracts.uniswapFactory;
    await expectRevert(f.outsiderStack.treasuryVault.getFunction("pause")(), "AccessControlUnauthorizedAccount");
    await (await f.guardianStack.treasuryVault.getFunction("pause")()).wait();
    expect(await f.stack.treasuryVault.getFunction("paused")()).toBe(true);
    await expectRevert(f.guardianStack.treasuryVault.getFunction("unpause")(), "AccessControlUnauthorizedAccount");
    await throughTimelock(f, f.deployment.contracts.treasuryVault, f.stack.treasuryVault.interface.encodeFunctionData("unpause"));
    expect(await f.stack.treasuryVault.getFunction("paused")()).toBe(false);

    await (await f.guardianStack.treasuryVault.getFunction("disallowFactory")(factory)).wait();
    expect(await f.stack.treasuryVault.getFunction("allowedFactory")(factory)).toBe(false);
    await expectRevert(f.guardianStack.treasuryVault.getFunction("allowFactory")(factory, pairInitCodeHash()), "AccessControlUnauthorizedAccount");
    await throughTimelock(f, f.deployment.contracts.treasuryVault, f.stack.treasuryVault.interface.encodeFunctionData("allowFactory", [factory, pairInitCodeHash()]));
    expect(await f.stack.treasuryVault.getFunction("pairInitCodeHash")(factory)).toBe(pairInitCodeHash());
    expect(await f.stack.treasuryVault.getFunction("allowedFactory")(factory)).toBe(true);
  });
});
