/**
 * Benchmark section: gas of the on-chain gate (DESIGN section 9), measured on Hardhat's in-process network
 * with real proofs of the test instance (public-input counts, and so verifier cost, are the same for every
 * instance). Deploys the default local stack, then measures: publishing an S1 attestation, a proven
 * rebalance, the same swap sent straight to the Uniswap V2 router by an account, and from those the gate's
 * own overhead (rebalance minus the direct swap). Each is compared with the EIP-1108 floor (181,150 +
 * 6,150 per public input) against the budget: 1.3 x the floor plus the storage the operation writes
 * (EIP-2929/2200 prices: 22,100 for a slot set from zero, 5,000 for a slot changed). Steady state: the
 * measured calls are the second of their kind, so slots already hold values. `run()` returns markdown.
 */
import { Contract, MaxUint256, type Signer } from "ethers";
import { attachStack, defaultDeployConfig, deployStack, instanceSizes, type Stack } from "../../chain/deploy.ts";
import { publishAttestation, publishLiabilitiesRoot, rebalanceArgs, submitRebalance, takeSnapshot } from "../../chain/gate.ts";
import { projectHre } from "../../chain/local.ts";
import {
  SaltSource,
  pricesOfSnapshot,
  proveRebalance,
  proveSolvency,
  provingKeysBuilt,
  twoUserLiabilities,
  vaultPositions,
} from "../../chain/local-treasury.ts";
import { policyFieldsOf, readPolicy } from "../../chain/policy.ts";

/** EIP-1108 pairing-check floor of a Groth16 verifier with `publicInputs` inputs. */
export function eip1108Floor(publicInputs: number): number {
  return 181_150 + 6_150 * publicInputs;
}

const SSTORE_CHANGE = 5_000; // cold SSTORE of a slot that already holds a non-zero value
const SSTORE_SET = 22_100; // cold SSTORE of a zero slot

const fmt = (n: number | bigint) => Number(n).toLocaleString("en-US");

interface Row {
  what: string;
  gas: bigint;
  publicInputs?: number;
  storage?: { gas: number; what: string };
}

function table(rows: Row[]): string {
  const lines = [
    "| measured | gas | public inputs | EIP-1108 floor | gas / floor | budget (1.3 x floor + storage) | within |",
    "|---|---:|---:|---:|---:|---:|:-:|",
  ];
  for (const r of rows) {
    if (r.publicInputs === undefined) {
      lines.push(`| ${r.what} | ${fmt(r.gas)} | | | | | |`);
      continue;
    }
    const floor = eip1108Floor(r.publicInputs);
    const budget = Math.round(1.3 * floor) + (r.storage?.gas ?? 0);
    const ratio = Number(r.gas) / floor;
    lines.push(
      `| ${r.what} | ${fmt(r.gas)} | ${r.publicInputs} | ${fmt(floor)} | ${ratio.toFixed(3)} | ${fmt(budget)} (${r.storage?.what ?? "no storage"}) | ${Number(r.gas) <= budget ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

/** Measures the gate; returns the markdown section. */
export async function run(): Promise<string> {
  const header = "## Gas: attestation and rebalance gate\n";
  if (!provingKeysBuilt("test")) {
    return `${header}\nSkipped: the test instance's proving keys are missing (run \`homeostat setup --instance test\` and \`npx hardhat build\`).\n`;
  }
  const hre = await projectHre();
  const connection = await hre.network.create();
  try {
    const [deployer] = (await connection.ethers.getSigners()) as Signer[];
    const config = defaultDeployConfig("test");
    const size = instanceSizes("test");
    const deployment = await deployStack(deployer!, config);
    const stack: Stack = attachStack(deployment, deployer!);
    const salts = new SaltSource(42n);
    const policy = policyFieldsOf(await readPolicy(stack.riskPolicy), BigInt(deployment.chainId), deployment.contracts.treasuryVault);
    const snapshotReceipt = await (await stack.priceSnapshots.getFunction("takeSnapshot")()).wait();
    const snapshot = await takeSnapshot(stack); // same answers, next block: a second snapshot, the latest
    const prices = pricesOfSnapshot(snapshot);
    const liabilities = twoUserLiabilities([900_000n * 10n ** 6n, 600_000n * 10n ** 6n]);
    const liabReceipt = await publishLiabilitiesRoot(stack, liabilities.root);

    // S1: the first publication sets every slot from zero; the second (same proof) is the steady state.
    let positions = vaultPositions(config, size, salts);
    const s1 = await proveSolvency("test", size, { positions, policy, prices, liabilities: liabilities.opening });
    const firstPublish = await publishAttestation(stack, s1.signals, s1.proof);
    const publish = await publishAttestation(stack, s1.signals, s1.proof);
    const verifyS1 = await new Contract(deployment.contracts.solvencyVerifier, ["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[4]) view returns (bool)"], deployer)
      .getFunction("verifyProof")
      .estimateGas([s1.proof[0], s1.proof[1]], [[s1.proof[2], s1.proof[3]], [s1.proof[4], s1.proof[5]]], [s1.proof[6], s1.proof[7]], s1.signals);

    // S2: sell 10 WETH for at least 29,000 USDC, twice; the second is measured.
    const swap = { assetIn: 1n, amountIn: 10n * 10n ** 18n, assetOut: 0n, minAmountOut: 29_000n * 10n ** 6n };
    const router = deployment.contracts.uniswapRouter;
    const deadline = async () => BigInt((await deployer!.provider!.getBlock("latest"))!.timestamp + 600);
    let s2 = await proveRebalance("test", size, salts, { oldPositions: positions, action: swap, slotIn: 1, slotOut: 0, policy, prices, liabilities: liabilities.opening });
    let args = rebalanceArgs(s2.signals);
    const firstRebalance = await submitRebalance(stack, { router, ...args, proof: s2.proof, deadline: await deadline() });
    positions = s2.newPositions;
    s2 = await proveRebalance("test", size, salts, { oldPositions: positions, action: swap, slotIn: 1, slotOut: 0, policy, prices, liabilities: liabilities.opening });
    args = rebalanceArgs(s2.signals);
    const rebalance = await submitRebalance(stack, { router, ...args, proof: s2.proof, deadline: await deadline() });
    const verifyS2 = await new Contract(deployment.contracts.rebalanceVerifier, ["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[9]) view returns (bool)"], deployer)
      .getFunction("verifyProof")
      .estimateGas([s2.proof[0], s2.proof[1]], [[s2.proof[2], s2.proof[3]], [s2.proof[4], s2.proof[5]]], [s2.proof[6], s2.proof[7]], s2.signals);

    // The same swap straight through the router, from an account that already holds both tokens (as the
    // vault does) and approved the router once (so no allowance write, unlike the vault's per-swap approve).
    const me = await deployer!.getAddress();
    const [usdc, weth] = [stack.tokens[0]!, stack.tokens[1]!];
    await (await weth.getFunction("mint")(me, swap.amountIn * 2n)).wait();
    await (await usdc.getFunction("mint")(me, 1n)).wait();
    await (await weth.getFunction("approve")(router, MaxUint256)).wait();
    const path = [deployment.assets[1]!.token, deployment.assets[0]!.token];
    await (await stack.router.getFunction("swapExactTokensForTokens")(swap.amountIn, swap.minAmountOut, path, me, await deadline())).wait();
    const direct = await (await stack.router.getFunction("swapExactTokensForTokens")(swap.amountIn, swap.minAmountOut, path, me, await deadline())).wait();

    const overhead = rebalance.receipt.gasUsed - direct!.gasUsed;
    const rows: Row[] = [
      { what: "publish S1 attestation (steady state)", gas: publish.gasUsed, publicInputs: 4, storage: { gas: 6 * SSTORE_CHANGE, what: "6 slots changed" } },
      { what: "publish S1 attestation (first, slots from zero)", gas: firstPublish.gasUsed, publicInputs: 4, storage: { gas: 6 * SSTORE_SET, what: "6 slots set" } },
      { what: "rebalance: gate + Uniswap V2 swap (steady state)", gas: rebalance.receipt.gasUsed },
      { what: "the same swap sent directly to the router", gas: direct!.gasUsed },
      {
        what: "**gate overhead** = rebalance - direct swap",
        gas: overhead,
        publicInputs: 9,
        storage: { gas: 2 * SSTORE_CHANGE + SSTORE_SET, what: "root + reentrancy lock changed, router allowance set" },
      },
      { what: "first rebalance (gate + swap)", gas: firstRebalance.receipt.gasUsed },
      { what: "S1 verifier alone (eth_estimateGas of verifyProof, incl. 21,000 base)", gas: verifyS1, publicInputs: 4 },
      { what: "S2 verifier alone (eth_estimateGas of verifyProof, incl. 21,000 base)", gas: verifyS2, publicInputs: 9 },
      { what: `price snapshot (A = ${size.A} feeds, ${Math.ceil((size.A + 1) / 7)} Poseidon8 call(s))`, gas: snapshotReceipt!.gasUsed },
      { what: "publish liabilities root (first)", gas: liabReceipt.gasUsed },
    ];
    return [
      header,
      "Hardhat in-process network (EDR), solc 0.8.28 optimizer 200 runs, evm cancun; real Groth16 proofs of the",
      "test instance (public-input counts are the same for every instance). Transaction gas, including the",
      "21,000 base and calldata. Floor = EIP-1108 pairing cost 181,150 + 6,150 per public input.",
      "",
      table(rows),
      "",
      `The gate's overhead is ${(Number(overhead) / eip1108Floor(9)).toFixed(3)} x the S2 floor; publishing is`,
      `${(Number(publish.gasUsed) / eip1108Floor(4)).toFixed(3)} x the S1 floor. What the gate adds besides the verifier: reading the`,
      "policy hash, the two tokens and the snapshot age limit (one call), the two roots (one call), the snapshot,",
      "advancing the root, the reentrancy lock, the vault's per-swap approve and the event.",
      "",
    ].join("\n");
  } finally {
    await connection.close();
  }
}
