/**
 * Real proofs for the browser tests and the benchmark, made with the prover library from the example
 * treasuries: a solvency bundle (prover/prove.ts) over a liabilities tree (liabilities/), and
 * users' inclusion proofs in that tree and in another one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createTreeHasher } from "../../liabilities/hasher.ts";
import { InclusionProver, findUser, inclusionArtifacts } from "../../liabilities/inclusion.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { loadInstances } from "../../core/node/instances.ts";
import { loadTreasury } from "../../prover/treasury.ts";
import { DEFAULT_KEYS_DIR, PROJECT_ROOT } from "../../verifier/web/build.ts";
import { EXAMPLES, makePayoutBundle, makeRebalanceBundle, makeSolvencyBundle } from "./sample-bundles.ts";

type Json = Record<string, unknown>;

/** The inclusion instance the tests prove with. */
const INCLUSION_INSTANCE = "inclusion-test";

/** Builds a liabilities tree of `usersFile` at the inclusion-test depth into `outDir`. */
async function buildUsersTree(usersFile: string, decimals: number, depth: number, outDir: string): Promise<void> {
  const table = await readLiabilities(usersFile, { decimals, maxUsers: 2 ** depth });
  await buildTree(table, { depth, decimals, outDir, hasher: createTreeHasher({ engine: "js" }) });
}

/** Proves that `userId` is in the tree at `treeDir` with the `inclusion-test` instance. */
async function proveInclusion(treeDir: string, userId: string): Promise<Json> {
  const prover = await InclusionProver.load(inclusionArtifacts(INCLUSION_INSTANCE));
  const tree = LiabilitiesTree.open(treeDir);
  try {
    return (await prover.prove(tree, findUser(tree, userId))) as unknown as Json;
  } finally {
    tree.close();
  }
}

/**
 * The browser tests' sources, all real proofs from the `test` instances and the small example treasury:
 * a solvency bundle whose liabilities root is a users tree; a rebalance bundle; a payout bundle; a user's inclusion proof in
 * that tree; the same user's valid proof in another tree (their balance changed since: another root). Work
 * files go to `workDir`.
 */
export async function makeFixtureSources(
  workDir: string,
): Promise<{ bundle: Json; rebalance: Json; payout: Json; inclusion: Json; otherTreeInclusion: Json; keysDir: string; userId: string }> {
  const example = path.join(PROJECT_ROOT, EXAMPLES.test);
  const policy = loadTreasury({
    treasury: path.join(example, "treasury.json"),
    policy: path.join(example, "policy.json"),
    prices: path.join(example, "prices.json"),
  }).policy;
  const decimals = policy.assets[policy.liabilityAsset]!.decimals;
  const depth = loadInstances()[INCLUSION_INSTANCE]!.params[0]!;

  const usersFile = path.join(example, "users.csv");
  const rows = readFileSync(usersFile, "utf8").trim().split("\n");
  const userId = rows[1]!.split(",")[0]!;
  const treeDir = path.join(workDir, "tree");
  await buildUsersTree(usersFile, decimals, depth, treeDir);
  // Last month's tree: the same users, the first one with a different balance.
  const otherUsers = path.join(workDir, "users-last-month.csv");
  writeFileSync(otherUsers, [rows[0], `${userId},1.5`, ...rows.slice(2)].join("\n") + "\n");
  const otherTreeDir = path.join(workDir, "tree-last-month");
  await buildUsersTree(otherUsers, decimals, depth, otherTreeDir);

  const { bundle } = await makeSolvencyBundle(workDir, "test", treeDir);
  const { bundle: rebalance } = await makeRebalanceBundle(workDir);
  const { bundle: payout } = await makePayoutBundle(workDir);
  return {
    bundle,
    rebalance,
    payout,
    inclusion: await proveInclusion(treeDir, userId),
    otherTreeInclusion: await proveInclusion(otherTreeDir, userId),
    keysDir: DEFAULT_KEYS_DIR,
    userId,
  };
}
