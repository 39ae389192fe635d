/**
 * `homeostat snapshot --deployment FILE`: takes a price snapshot on chain (PriceSnapshots reads and checks
 * every feed) and writes it as the operator's prices file, so `homeostat prove` uses exactly the prices
 * the contracts will check proofs against. A refused feed prints the contract's error by name.
 */
import path from "node:path";
import type { Command } from "commander";
import { writeFileAtomic } from "../../core/node/atomic-write.ts";
import { checkOutputFile } from "../../core/node/output-paths.ts";
import { takeSnapshot } from "../../chain/gate.ts";
import { pricesFileOf } from "../../chain/inputs.ts";
import { onChain, openDeployment } from "../../chain/session.ts";

interface SnapshotFlags {
  deployment: string;
  rpc?: string;
  out?: string;
  json?: boolean;
}

/** Registers `snapshot` on the program. */
export function register(program: Command): void {
  program
    .command("snapshot")
    .description("take an on-chain price snapshot and write it as a prices file")
    .requiredOption("--deployment <file>", "deployment file (homeostat deploy output)")
    .option("--rpc <url>", "JSON-RPC node (default: the URL recorded in the deployment)")
    .option("--out <file>", "prices file to write (core/schemas.ts format)")
    .option("--json", "print the snapshot as JSON")
    .addHelpText("after", "\nThe sender needs PriceSnapshots' KEEPER_ROLE (key: HOMEOSTAT_PRIVATE_KEY, else the node's first account).")
    .action(async (flags: SnapshotFlags) => {
      if (flags.out) checkOutputFile(flags.out, { flag: "--out", inputs: [{ path: flags.deployment, what: "the deployment file (--deployment)" }] });
      const session = await openDeployment(flags.deployment, flags.rpc);
      try {
        const snapshot = await onChain("takeSnapshot", async () => {
          await session.stack.priceSnapshots.getFunction("takeSnapshot").staticCall(); // decodes a refusal before sending
          return takeSnapshot(session.stack);
        });
        const pricesFile = pricesFileOf(session.deployment, snapshot);
        if (flags.out) writeFileAtomic(path.resolve(flags.out), `${JSON.stringify(pricesFile, null, 2)}\n`);
        const result = {
          id: snapshot.id.toString(),
          timestamp: snapshot.timestamp.toString(),
          pricesHash: snapshot.pricesHash.toString(),
          unitPrices: snapshot.unitPrices.map(String),
          ...(flags.out ? { file: path.resolve(flags.out) } : {}),
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `snapshot #${result.id} at ${result.timestamp}, prices hash ${result.pricesHash}${flags.out ? ` -> ${flags.out}` : ""}\n`,
        );
      } finally {
        session.close();
      }
    });
}
