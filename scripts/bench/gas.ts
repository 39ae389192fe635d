/**
 * Benchmark section: gas of the on-chain gate (DESIGN section 9), measured on Hardhat's in-process network
 * with real proofs of the test instance (public-input counts, and so verifier cost, are the same for every
 * instance). Deploys the default local stack, then measures: publishing an S1 attestation (a real
 * re-attestation: newly salted positions at the next sequence number), a proven rebalance, the same swap sent
 * straight to the Uniswap V2 router by an account, and from those the gate's own overhead (rebalance minus
 * the direct swap), and a proven payout (S4, payout role within its limit) as a whole transaction.
 *
 * Floor of a call that verifies a Groth16 proof on chain: the EIP-1108 precompiles (pairing 45,000 + 34,000 x 4,
 * and 6,150 per public input for its ecMul + ecAdd, plus one ecAdd: 181,150 + 6,150 n) plus the calldata of
 * the proof and the public signals (16 gas per non-zero byte, 4 per zero byte), plus the 21,000 of a
 * transaction where the row is a whole transaction (not for the overhead, a difference of two transactions).
 * Budgets (issue 14): publishing at most 1.15 x its floor, the gate's overhead at most 1.2 x its floor, each
 * plus the storage the call really changes: the slots whose value differs after the transaction (read with
 * eth_getStorageAt before and after, for every slot the trace stores to), priced 22,100 when set from zero and
 * 5,000 otherwise (EIP-2929/2200, cold). `run()` returns markdown.
 */
import { unpackVaultTotals } from "../../core/signals.ts";
import { Contract, MaxUint256, id, type Provider, type Signer } from "ethers";
import { attachStack, defaultDeployConfig, deployStack, instanceSizes, type Stack } from "../../chain/deploy.ts";
import { advanceTime, currentSequence, governanceCall, payoutArgs, publishAttestation, publishLiabilitiesRoot, rebalanceArgs, submitPayout, submitRebalance, takeSnapshot } from "../../chain/gate.ts";
import { projectHre } from "../../chain/local.ts";
import {
  SaltSource,
  pricesOfSnapshot,
  provePayout,
  proveRebalance,
  proveSolvency,
  provingKeysBuilt,
  twoUserLiabilities,
  vaultPositions,
} from "../../chain/local-treasury.ts";
import { policyFieldsOf, readPolicy } from "../../chain/policy.ts";

/** EIP-1108 precompile cost of verifying a Groth16 proof with `publicInputs` inputs. */
export function eip1108Floor(publicInputs: number): number {
  return 181_150 + 6_150 * publicInputs;
}

/** Calldata gas of some words (EIP-2028: 16 per non-zero byte, 4 per zero byte). */
export function calldataGas(words: readonly bigint[]): number {
  let gas = 0;
  for (const w of words) {
    const hex = w.toString(16).padStart(64, "0");
    for (let i = 0; i < 64; i += 2) gas += hex.slice(i, i + 2) === "00" ? 4 : 16;
  }
  return gas;
}

const SSTORE_CHANGE = 5_000; // cold SSTORE of a slot that already holds a non-zero value
const SSTORE_SET = 22_100; // cold SSTORE of a zero slot

const fmt = (n: number | bigint) => Number(n).toLocaleString("en-US");

/** The storage a transaction really changed: slots whose value differs after it, and their SSTORE price. */
interface StorageChange {
  set: number;
  changed: number;
  gas: number;
}

/**
 * Slots `txHash` really changed among `contracts`: every key the trace stores to, compared before and after
 * the transaction's block (one transaction per block on the automining network).
 */
async function storageChanged(provider: Provider & { send(method: string, params: unknown[]): Promise<unknown> }, txHash: string, contracts: readonly string[]): Promise<StorageChange> {
  const trace = (await provider.send("debug_traceTransaction", [txHash, { disableMemory: true, disableStorage: true }])) as { structLogs: { op: string; stack?: string[] }[] };
  const keys = new Set<string>();
  for (const log of trace.structLogs) {
    if (log.op === "SSTORE" && log.stack && log.stack.length >= 1) keys.add(log.stack[log.stack.length - 1]!);
  }
  const receipt = await provider.getTransactionReceipt(txHash);
  const block = receipt!.blockNumber;
  const out: StorageChange = { set: 0, changed: 0, gas: 0 };
  for (const address of contracts) {
    for (const key of keys) {
      const slot = `0x${BigInt(key.startsWith("0x") ? key : `0x${key}`).toString(16)}`;
      const before = BigInt(await provider.getStorage(address, slot, block - 1));
      const after = BigInt(await provider.getStorage(address, slot, block));
      if (before === after) continue;
      if (before === 0n) out.set += 1;
      else out.changed += 1;
    }
  }
  out.gas = out.set * SSTORE_SET + out.changed * SSTORE_CHANGE;
  return out;
}

const slotWords = (c: StorageChange) =>
  [c.set ? `${c.set} set from zero` : "", c.changed ? `${c.changed} changed` : ""].filter(Boolean).join(", ") || "none";

interface Row {
  what: string;
  gas: bigint;
  /** The floor and the budget factor, for rows with a budget. */
  budget?: { publicInputs: number; calldata: number; transaction: boolean; factor: number; storage: StorageChange; custody: number };
}

/**
 * EIP-2929 access costs of the custody check (issue 15), which no floor counts: every policy token's address is
 * a cold storage read in RiskPolicy (2,100); each asset with a committed vault total costs a cold account access
 * (2,600) and a cold storage read (2,100) inside its token, unless the transaction touched both already (the
 * swap's two tokens after the swap: 100 + 100).
 */
function custodyAccess(assetCount: number, held: number, warm: number): number {
  return assetCount * 2_100 + (held - warm) * 4_700 + warm * 200;
}

function floorOf(b: NonNullable<Row["budget"]>): number {
  return eip1108Floor(b.publicInputs) + b.calldata + (b.transaction ? 21_000 : 0);
}

function table(rows: Row[]): string {
  const lines = [
    "| measured | gas | public inputs | floor (precompiles + proof calldata + tx) | gas / floor | slots really changed | custody reads (EIP-2929) | budget (factor x floor + storage + custody reads) | within |",
    "|---|---:|---:|---:|---:|---|---:|---:|:-:|",
  ];
  for (const r of rows) {
    if (!r.budget) {
      lines.push(`| ${r.what} | ${fmt(r.gas)} | | | | | | | |`);
      continue;
    }
    const floor = floorOf(r.budget);
    const budget = Math.round(r.budget.factor * floor) + r.budget.storage.gas + r.budget.custody;
    lines.push(
      `| ${r.what} | ${fmt(r.gas)} | ${r.budget.publicInputs} | ${fmt(floor)} | ${(Number(r.gas) / floor).toFixed(3)} | ${slotWords(r.budget.storage)} (${fmt(r.budget.storage.gas)}) | ${fmt(r.budget.custody)} | ${fmt(budget)} (${r.budget.factor} x) | ${Number(r.gas) <= budget ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

/** Measures the gate; returns the markdown section. */
export async function run(): Promise<string> {
  const header = "## Gas: attestation, rebalance and payout gate\n";
  if (!provingKeysBuilt("test")) {
    return `${header}\nSkipped: the test instance's proving keys are missing (run \`homeostat setup --instance test\` and \`npx hardhat build\`).\n`;
  }
  const hre = await projectHre();
  const connection = await hre.network.create();
  try {
    const [deployer] = (await connection.ethers.getSigners()) as Signer[];
    const provider = deployer!.provider! as Provider & { send(method: string, params: unknown[]): Promise<unknown> };
    const config = defaultDeployConfig("test");
    const size = instanceSizes("test");
    const deployment = await deployStack(deployer!, config);
    const stack: Stack = attachStack(deployment, deployer!);
    // S4 needs the payout role and a limit (governance, through the timelock, one batch); then fresh feeds.
    const vaultIface = stack.treasuryVault.interface;
    const me = await deployer!.getAddress();
    for (const data of [vaultIface.encodeFunctionData("grantRole", [id("PAYOUT_ROLE"), me]), vaultIface.encodeFunctionData("setPayoutLimit", [0n, 10n ** 12n, 86_400n])]) {
      await governanceCall(stack, deployment.contracts.treasuryVault, data, (seconds) => advanceTime(stack, seconds));
    }
    for (const [i, feed] of stack.feeds.entries()) await (await feed.getFunction("updateAnswer")(config.assets[i]!.answer)).wait();
    const salts = new SaltSource(42n);
    const policy = policyFieldsOf(await readPolicy(stack.riskPolicy), BigInt(deployment.chainId), deployment.contracts.treasuryVault);
    const snapshotReceipt = await (await stack.priceSnapshots.getFunction("takeSnapshot")()).wait();
    await provider.send("evm_increaseTime", [1]); // a later block time: a new snapshot, not the same one
    const snapshotSteady = (await (await stack.priceSnapshots.getFunction("takeSnapshot")()).wait())! as { gasUsed: bigint };
    const snapshot = await takeSnapshot(stack); // same answers, next block: a third snapshot, the latest
    const prices = pricesOfSnapshot(snapshot);
    const liabilities = twoUserLiabilities([900_000n * 10n ** 6n, 600_000n * 10n ** 6n]);
    const liabReceipt = await publishLiabilitiesRoot(stack, liabilities.root);

    // S1: the first publication sets every slot from zero; the second, a real re-attestation of newly salted
    // positions at the next sequence number, is the steady state.
    let positions = vaultPositions(config, size, salts);
    const s0 = await proveSolvency("test", size, { positions, policy, prices, liabilities: liabilities.opening, sequence: await currentSequence(stack) });
    const firstPublish = await publishAttestation(stack, s0.signals, s0.proof);
    positions = vaultPositions(config, size, salts);
    const s1 = await proveSolvency("test", size, { positions, policy, prices, liabilities: liabilities.opening, sequence: await currentSequence(stack) });
    const publish = await publishAttestation(stack, s1.signals, s1.proof);
    const verifyS1 = await new Contract(deployment.contracts.solvencyVerifier, [`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${s1.signals.length}]) view returns (bool)`], deployer)
      .getFunction("verifyProof")
      .estimateGas([s1.proof[0], s1.proof[1]], [[s1.proof[2], s1.proof[3]], [s1.proof[4], s1.proof[5]]], [s1.proof[6], s1.proof[7]], s1.signals);

    // S2: sell 10 WETH for at least 29,000 USDC, twice; the second is measured.
    // 5 WETH at $3,000 for at least $14,850 (1% below the oracle; the policy allows 3%).
    const swap = { assetIn: 1n, amountIn: 5n * 10n ** 18n, assetOut: 0n, minAmountOut: 14_850n * 10n ** 6n };
    const router = deployment.contracts.uniswapRouter;
    const factory = deployment.contracts.uniswapFactory;
    const deadline = async () => BigInt((await deployer!.provider!.getBlock("latest"))!.timestamp + 600);
    let s2 = await proveRebalance("test", size, salts, { oldPositions: positions, action: swap, slotIn: 1, slotOut: 0, policy, prices, liabilities: liabilities.opening, sequence: await currentSequence(stack) });
    let args = rebalanceArgs(s2.signals);
    const firstRebalance = await submitRebalance(stack, { factory, ...args, proof: s2.proof, deadline: await deadline() });
    positions = s2.newPositions;
    s2 = await proveRebalance("test", size, salts, { oldPositions: positions, action: swap, slotIn: 1, slotOut: 0, policy, prices, liabilities: liabilities.opening, sequence: await currentSequence(stack) });
    args = rebalanceArgs(s2.signals);
    const rebalance = await submitRebalance(stack, { factory, ...args, proof: s2.proof, deadline: await deadline() });
    const verifyS2 = await new Contract(deployment.contracts.rebalanceVerifier, [`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${s2.signals.length}]) view returns (bool)`], deployer)
      .getFunction("verifyProof")
      .estimateGas([s2.proof[0], s2.proof[1]], [[s2.proof[2], s2.proof[3]], [s2.proof[4], s2.proof[5]]], [s2.proof[6], s2.proof[7]], s2.signals);

    positions = s2.newPositions;
    // S4: pay 1,000 USDC to a recipient that already holds some, twice in one window; the second is measured.
    const recipient = "0x000000000000000000000000000000000000dEaD";
    await (await stack.tokens[0]!.getFunction("mint")(recipient, 1n)).wait();
    const pay = { asset: 0n, amount: 1_000n * 10n ** 6n, recipient: BigInt(recipient) };
    const provePay = async () => provePayout("test", size, salts, { oldPositions: positions, payout: pay, slot: 0, policy, prices, liabilities: liabilities.opening, sequence: await currentSequence(stack) });
    let s4 = await provePay();
    const firstPayout = await submitPayout(stack, { ...payoutArgs(s4.signals), proof: s4.proof });
    positions = s4.newPositions;
    s4 = await provePay();
    const payout = await submitPayout(stack, { ...payoutArgs(s4.signals), proof: s4.proof });
    positions = s4.newPositions;

    // The same swap straight through the router, from an account that already holds both tokens (as the
    // vault does) and approved the router once (so no allowance write, unlike the vault's per-swap approve).
    const [usdc, weth] = [stack.tokens[0]!, stack.tokens[1]!];
    await (await weth.getFunction("mint")(me, swap.amountIn * 2n)).wait();
    await (await usdc.getFunction("mint")(me, 1n)).wait();
    await (await weth.getFunction("approve")(router, MaxUint256)).wait();
    const path = [deployment.assets[1]!.token, deployment.assets[0]!.token];
    await (await stack.router.getFunction("swapExactTokensForTokens")(swap.amountIn, swap.minAmountOut, path, me, await deadline())).wait();
    const direct = await (await stack.router.getFunction("swapExactTokensForTokens")(swap.amountIn, swap.minAmountOut, path, me, await deadline())).wait();

    const overhead = rebalance.receipt.gasUsed - direct!.gasUsed;
    const c = deployment.contracts;
    const pair = (await stack.factory.getFunction("getPair")(path[0], path[1])) as string;
    const watched = [c.solvencyRegistry, c.treasuryVault, c.priceSnapshots, c.riskPolicy, pair, ...deployment.assets.map((x) => x.token)];
    const publishStorage = await storageChanged(provider, publish.hash, watched);
    const firstPublishStorage = await storageChanged(provider, firstPublish.hash, watched);
    const rebalanceStorage = await storageChanged(provider, rebalance.receipt.hash, watched);
    const payoutStorage = await storageChanged(provider, payout.hash, watched);
    const directStorage = await storageChanged(provider, direct!.hash, [pair, ...deployment.assets.map((x) => x.token)]);
    // The overhead's storage: what the rebalance changed beyond what the direct swap changed (pair, balances).
    const overheadStorage: StorageChange = {
      set: rebalanceStorage.set - directStorage.set,
      changed: rebalanceStorage.changed - directStorage.changed,
      gas: rebalanceStorage.gas - directStorage.gas,
    };
    const s1Calldata = calldataGas([...s1.signals, ...s1.proof]);
    const heldOf = (signals: bigint[], from: number) => unpackVaultTotals(signals.slice(from), size.A).filter((t) => t > 0n).length;
    const publishCustody = custodyAccess(size.A, heldOf(s1.signals, 5), 0);
    const firstPublishCustody = custodyAccess(size.A, heldOf(s0.signals, 5), 0);
    const overheadCustody = custodyAccess(size.A, heldOf(s2.signals, 10), 2);
    const s2Calldata = calldataGas([...s2.signals, ...s2.proof]);

    // The snapshot's cost per feed: the standard instance's policy has twice the test instance's assets.
    const standard = defaultDeployConfig("standard");
    const standardSize = instanceSizes("standard");
    let perFeed = "";
    let standardSnapshotGas: bigint | undefined;
    if (provingKeysBuilt("standard")) {
      const standardStack = attachStack(await deployStack(deployer!, standard), deployer!);
      await (await standardStack.priceSnapshots.getFunction("takeSnapshot")()).wait();
      await provider.send("evm_increaseTime", [1]);
      const gas = (await (await standardStack.priceSnapshots.getFunction("takeSnapshot")()).wait())!.gasUsed as bigint;
      standardSnapshotGas = gas;
      const steady = snapshotSteady.gasUsed;
      perFeed = `${fmt((gas - steady) / BigInt(standardSize.A - size.A))} gas per feed (A = ${size.A}: ${fmt(steady)}; A = ${standardSize.A}: ${fmt(gas)})`;
    }

    const rows: Row[] = [
      {
        what: "publish S1 attestation (steady state: new positions, next sequence)",
        gas: publish.gasUsed,
        budget: { publicInputs: s1.signals.length, calldata: s1Calldata, transaction: true, factor: 1.15, storage: publishStorage, custody: publishCustody },
      },
      {
        what: "publish S1 attestation (first, slots from zero)",
        gas: firstPublish.gasUsed,
        budget: { publicInputs: s0.signals.length, calldata: calldataGas([...s0.signals, ...s0.proof]), transaction: true, factor: 1.15, storage: firstPublishStorage, custody: firstPublishCustody },
      },
      { what: "rebalance: gate + Uniswap V2 swap through the pair (steady state)", gas: rebalance.receipt.gasUsed },
      { what: "the same swap sent directly to the router", gas: direct!.gasUsed },
      {
        what: "**gate overhead** = rebalance - direct swap",
        gas: overhead,
        budget: { publicInputs: s2.signals.length, calldata: s2Calldata, transaction: false, factor: 1.2, storage: overheadStorage, custody: overheadCustody },
      },
      { what: "first rebalance (gate + swap)", gas: firstRebalance.receipt.gasUsed },
      {
        what: "payout: gate + ERC-20 transfer (steady state: second in the window, recipient already holds)",
        gas: payout.gasUsed,
        budget: { publicInputs: s4.signals.length, calldata: calldataGas([...s4.signals, ...s4.proof]), transaction: true, factor: 1.2, storage: payoutStorage, custody: custodyAccess(size.A, heldOf(s4.signals, 9), 1) },
      },
      { what: "first payout (the window's first, the limit slot set)", gas: firstPayout.gasUsed },
      { what: "S1 verifier alone (eth_estimateGas of verifyProof, incl. 21,000 base)", gas: verifyS1 },
      { what: "S2 verifier alone (eth_estimateGas of verifyProof, incl. 21,000 base)", gas: verifyS2 },
      { what: `price snapshot, A = ${size.A} feeds (first)`, gas: snapshotReceipt!.gasUsed },
      { what: `price snapshot, A = ${size.A} feeds (steady state)`, gas: snapshotSteady.gasUsed },
      ...(standardSnapshotGas !== undefined ? [{ what: `price snapshot, A = ${standardSize.A} feeds (steady state)`, gas: standardSnapshotGas }] : []),
      { what: "publish liabilities root (first epoch)", gas: liabReceipt.gasUsed },
    ];
    const publishRow = rows[0]!.budget!;
    const overheadRow = rows[4]!.budget!;
    return [
      header,
      "Hardhat in-process network (EDR), solc 0.8.28 optimizer 200 runs, evm cancun; real Groth16 proofs of the",
      "test instance (public-input counts are the same for every instance). Transaction gas, including the 21,000",
      "base and calldata. Floor of a call that verifies a proof on chain = the EIP-1108 precompiles (181,150 +",
      "6,150 per public input) + the calldata of the proof and its public signals + 21,000 for a whole transaction",
      "(the overhead is a difference of two transactions, so no 21,000 there). Storage: the slots the call really",
      "changed (value after != value before), 22,100 each when set from zero, 5,000 when changed. Custody reads",
      "(issue 15): both S1 and S2 end with the vault-held totals, and the registry (S1) and the vault (S2, after the",
      "swap) compare each with the vault's balance: every policy token's address is read (2,100 cold) and each",
      "held token's balance (2,600 + 2,100 cold, 200 for the swap's two tokens, already warm) - access costs no",
      "floor counts, added to the budget as they are.",
      "",
      table(rows),
      "",
      `Publishing is ${(Number(publish.gasUsed) / floorOf(publishRow)).toFixed(3)} x its floor (${((Number(publish.gasUsed) - publishStorage.gas) / floorOf(publishRow)).toFixed(3)} x without the storage it changes);`,
      `the gate's overhead ${(Number(overhead) / floorOf(overheadRow)).toFixed(3)} x its floor (${((Number(overhead) - overheadStorage.gas) / floorOf(overheadRow)).toFixed(3)} x without storage).`,
      `Without storage and custody reads: publishing ${((Number(publish.gasUsed) - publishStorage.gas - publishCustody) / floorOf(publishRow)).toFixed(3)} x, the overhead ${((Number(overhead) - overheadStorage.gas - overheadCustody) / floorOf(overheadRow)).toFixed(3)} x.`,
      "What the gate adds besides the verifier: the policy's hash and one packed slot (version, snapshot age limit,",
      "sequencer feed and grace period) and every token (one call); the snapshot, one slot with its policy version",
      "and a `superseded` flag (one call); the registry's packed head (sequence, epochs, pause) and the epoch's",
      "liabilities root, checked and advanced in one call; the factory's pair init-code hash (the pair's address is",
      "derived with CREATE2, no factory call); an EIP-1153 transient reentrancy lock; the verifier called with the",
      "packed proof as its call data; one short event. The vault pays the pair itself: no router, no approve, no",
      "allowance left. Publishing reads the same policy slot and snapshot slot and the head, stores the root, the",
      "attestation's keccak hash and the head, and emits the attestation's fields.",
      perFeed ? `Price snapshot: ${perFeed}; the hash grows by one Poseidon8 call per 7 feeds.` : "",
      "",
    ].join("\n");
  } finally {
    await connection.close();
  }
}
