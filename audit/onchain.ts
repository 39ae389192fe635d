/**
 * What the audit reads on chain (with --rpc and --deployment): the policy hash RiskPolicy stores, which of
 * the published prices hashes PriceSnapshots stores, the registry's latest attestation, and the runtime
 * bytecode of the deployed verifiers (compared with the compiled artifacts' deployedBytecode). Loaded only
 * when asked for, so audits without a chain do not load ethers.
 */
import { Contract } from "ethers";
import { unpackVaultTotals } from "../core/signals.ts";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { openDeployment } from "../chain/session.ts";
import { latestAttestation } from "../chain/gate.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";
import { verifierContractName } from "../setup/verifier.ts";
import type { ProofBundle } from "../core/bundle-schema.ts";
import { makeCheck } from "./checks.ts";
import type { AuditCheck } from "./types.ts";

/** The on-chain facts an audit compares against. */
export interface OnchainView {
  policy: { policyHash: bigint; address: string };
  prices: { snapshotIds: Record<string, bigint>; address: string };
  /** Deployed verifiers by instance name. */
  verifiers: Record<string, { address: string; code: string; artifactDeployedBytecode?: string }>;
  attestationCheck(s1: ProofBundle): AuditCheck;
  /** The vault's balances at the attestation's block against the proof's vault-held totals. */
  vaultBalanceCheck(s1: ProofBundle): Promise<AuditCheck>;
  close(): void;
}

/** The Hardhat artifact's deployedBytecode of a generated verifier, when it has been compiled. */
function deployedBytecodeOf(contract: string): string | undefined {
  const file = path.join(PROJECT_ROOT, "artifacts", "contracts", "generated", `${contract}.sol`, `${contract}.json`);
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { deployedBytecode?: string }).deployedBytecode;
}

/** Opens the deployment on its node and reads everything the audit compares. */
export async function readOnchain(deploymentFile: string, rpc: string | undefined, bundles: readonly ProofBundle[]): Promise<OnchainView> {
  const session = await openDeployment(deploymentFile, rpc);
  try {
    const { stack, deployment } = session;
    const provider = session.signer.provider!;
    const policyHash = BigInt(await stack.riskPolicy.getFunction("policyHash")());
    const snapshotIds: Record<string, bigint> = {};
    for (const b of bundles) {
      const snap = (await stack.priceSnapshots.getFunction("snapshotOf")(BigInt(b.publicSignals.pricesHash!))) as { id: bigint };
      snapshotIds[b.publicSignals.pricesHash!] = BigInt(snap.id);
    }
    const att = (await latestAttestation(stack)) ?? { positionsRoot: 0n, liabilitiesRoot: 0n, policyHash: 0n, pricesHash: 0n, sequence: -1n };
    const verifiers: OnchainView["verifiers"] = {};
    for (const [statement, address] of [["solvency", deployment.contracts.solvencyVerifier], ["rebalance", deployment.contracts.rebalanceVerifier], ["payout", deployment.contracts.payoutVerifier]] as const) {
      const instance = `${statement}-${deployment.instance}`;
      const bytecode = deployedBytecodeOf(verifierContractName(instance));
      verifiers[instance] = { address, code: await provider.getCode(address), ...(bytecode ? { artifactDeployedBytecode: bytecode } : {}) };
    }
    return {
      policy: { policyHash, address: deployment.contracts.riskPolicy },
      prices: { snapshotIds, address: deployment.contracts.priceSnapshots },
      verifiers,
      attestationCheck(s1) {
        const evidence = {
          registry: deployment.contracts.solvencyRegistry,
          number: (att.sequence + 1n).toString(),
          positionsRoot: att.positionsRoot.toString(),
          liabilitiesRoot: att.liabilitiesRoot.toString(),
          policyHash: att.policyHash.toString(),
          pricesHash: att.pricesHash.toString(),
        };
        const problems = (["positionsRoot", "liabilitiesRoot", "policyHash", "pricesHash"] as const)
          .filter((k) => att[k].toString() !== s1.publicSignals[k])
          .map((k) => `the registry's latest attestation has ${k} ${att[k]}, the published proof ${s1.publicSignals[k]}`);
        return makeCheck("onchain-attestation", "the registry's latest attestation is the published solvency proof", evidence, problems);
      },
      async vaultBalanceCheck(s1) {
        const id = "onchain-vault-balances";
        const title = "the vault held at least each proven vault-held total when the attestation was published";
        const block = "blockNumber" in att ? att.blockNumber : undefined;
        if (block === undefined || att.positionsRoot.toString() !== s1.publicSignals.positionsRoot) {
          return makeCheck(id, title, {}, ["the published solvency proof is not the registry's latest attestation, so its block is unknown"]);
        }
        // In index order, whatever the order of the bundle's keys.
        const packed = Object.keys(s1.publicSignals)
          .map((k) => ({ k, i: /^vaultTotals\[(\d+)\]$/.exec(k)?.[1] }))
          .filter((x): x is { k: string; i: string } => x.i !== undefined)
          .sort((x, y) => Number(x.i) - Number(y.i))
          .map((x) => BigInt(s1.publicSignals[x.k]!));
        const totals = unpackVaultTotals(packed, deployment.assets.length);
        const evidence: Record<string, string> = { block: block.toString(), vault: deployment.contracts.treasuryVault };
        const problems: string[] = [];
        for (const [i, asset] of deployment.assets.entries()) {
          const token = stack.tokens[i] ?? new Contract(asset.token, ["function balanceOf(address) view returns (uint256)"], provider);
          const balance = (await token.getFunction("balanceOf").staticCall(deployment.contracts.treasuryVault, { blockTag: Number(block) })) as bigint;
          evidence[`${asset.symbol}.committed`] = totals[i]!.toString();
          evidence[`${asset.symbol}.balance`] = balance.toString();
          // Balances as of the end of the publishing block: a transfer out later in that same block (a
          // rebalance, say) can show a shortfall the registry did not see at publish time; the message says so.
          if (balance < totals[i]!) problems.push(`${asset.symbol}: the vault held ${balance} base units at the end of block ${block}, less than the proven ${totals[i]} (a transfer later in that block would explain it)`);
        }
        return makeCheck(id, title, evidence, problems);
      },
      close: () => session.close(),
    };
  } catch (e) {
    session.close();
    throw e;
  }
}
