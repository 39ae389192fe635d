/**
 * `homeostat publish BUNDLE --deployment FILE`: publishes an S1 (solvency) bundle to the deployment's
 * SolvencyRegistry. The registry checks the proof against the current policy hash, the current
 * liabilities root and the latest price snapshot; a refusal prints the contract's error by name.
 */
import type { Command } from "commander";
import { UserError } from "../../core/errors.ts";
import { bundleSchema } from "../../core/bundle-schema.ts";
import { readBundleFile } from "../../verifier/node.ts";
import { chainTime, latestAttestation, orderedSignals, packedProofOf, publishAttestation, publishLiabilitiesRoot, type BundleLike } from "../../chain/gate.ts";
import { onChain, openDeployment } from "../../chain/session.ts";

interface PublishFlags {
  deployment: string;
  rpc?: string;
  withLiabilities?: boolean;
  json?: boolean;
}

/** Reads and validates a bundle file; refuses a bundle of another statement or instance. */
export function readBundleFor(file: string, statement: "solvency" | "rebalance", instanceGroup: string): BundleLike {
  const parsed = bundleSchema.safeParse(readBundleFile(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`not a valid proof bundle: ${issue.path.join(".") || "(root)"}: ${issue.message}`, { where: file });
  }
  const bundle = parsed.data;
  if (bundle.statement !== statement) throw new UserError(`is a ${bundle.statement} bundle; expected a ${statement} bundle`, { where: file });
  if (bundle.instance !== `${statement}-${instanceGroup}`) {
    throw new UserError(`was proven with instance ${bundle.instance}; this deployment verifies ${statement}-${instanceGroup}`, { where: file });
  }
  return bundle;
}

/** Registers `publish` on the program. */
export function register(program: Command): void {
  program
    .command("publish")
    .description("publish a solvency (S1) bundle as the registry's latest attestation")
    .argument("<bundle>", "S1 proof bundle (homeostat prove output)")
    .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
    .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
    .option("--with-liabilities", "first publish the bundle's liabilities root if the registry holds another one")
    .option("--json", "print the result as JSON")
    .addHelpText("after", "\nThe sender needs the registry's OPERATOR_ROLE (key: HOMEOSTAT_PRIVATE_KEY, else the node's first account).")
    .action(async (bundleFile: string, flags: PublishFlags) => {
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const bundle = readBundleFor(bundleFile, "solvency", session.deployment.instance);
        const signals = orderedSignals(bundle, "solvency");
        const proof = packedProofOf(bundle);
        const registry = session.stack.solvencyRegistry;
        let liabilitiesTx: string | undefined;
        if (flags.withLiabilities) {
          // The latest epoch's root (usable or still inside its publication delay).
          const { latest } = (await registry.getFunction("epochs").staticCall()) as { latest: bigint };
          const current = (await registry.getFunction("liabilitiesRootOf").staticCall(latest)) as bigint;
          if (current !== signals[1]) {
            liabilitiesTx = (await onChain("publishLiabilitiesRoot", () => publishLiabilitiesRoot(session.stack, signals[1]!))).hash;
          }
          // A root waits the policy's liabilitiesDelay before it backs attestations (users check their inclusion
          // first): say so and stop, rather than let the attestation fail with LiabilitiesMismatch.
          const { latest: epoch, latestActiveFrom } = (await registry.getFunction("epochs").staticCall()) as { latest: bigint; latestActiveFrom: bigint };
          const now = BigInt(await chainTime(registry.runner!.provider!));
          if (latestActiveFrom > now) {
            const from = new Date(Number(latestActiveFrom) * 1000).toISOString();
            throw new UserError(
              `${liabilitiesTx ? `published the liabilities root as epoch ${epoch} (${liabilitiesTx}); it` : `the liabilities root of epoch ${epoch}`} backs attestations from ${from} on (the policy's liabilitiesDelay, ${latestActiveFrom - now} s from now): prove and publish the attestation then (with a fresh snapshot if this one is older than maxSnapshotAge by then)`,
              { where: "--with-liabilities", exitCode: 3 },
            );
          }
        }
        const receipt = await onChain("publishAttestation", async () => {
          await registry.getFunction("publishAttestation").staticCall(signals, proof); // decodes a refusal before sending
          return publishAttestation(session.stack, signals, proof);
        });
        const attestation = (await latestAttestation(session.stack))!;
        const result = {
          attestation: (attestation.sequence + 1n).toString(),
          snapshotId: attestation.snapshotId.toString(),
          positionsRoot: signals[0]!.toString(),
          transaction: receipt.hash,
          gasUsed: receipt.gasUsed.toString(),
          ...(liabilitiesTx ? { liabilitiesTransaction: liabilitiesTx } : {}),
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `published attestation #${result.attestation} (snapshot ${result.snapshotId}, positions root ${result.positionsRoot}) in ${receipt.hash}, gas ${result.gasUsed}\n`,
        );
      } finally {
        session.close();
      }
    });
}
