/**
 * Inclusion proofs (S3) from a stored liabilities tree: find a user, build the circuit input from the
 * stored leaf and path, prove with snarkjs, and shape the user's proof file (verifier/inclusion.ts).
 * The circuit instance is the one of circuits/circuits.json whose depth equals the tree's.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { userIdHash } from "../core/hash.ts";
import { loadInstances, instanceDir, PROJECT_ROOT } from "../core/node/instances.ts";
import { formatDecimal } from "../core/units.ts";
import { vkeyHash } from "../core/canonical.ts";
import { INCLUSION_FORMAT, type InclusionProof } from "../verifier/inclusion.ts";
import { runGroth16 } from "../prover/prove.ts";
import { parseBalance } from "./reader.ts";
import { rootFromPath, type LiabilitiesTree, type StoredLeaf } from "./store.ts";

/** The artifacts of an inclusion instance. */
export interface InclusionArtifacts {
  instance: string;
  depth: number;
  wasm: string;
  zkey: string;
  vkeyFile: string;
}

/** The inclusion instance of circuits/circuits.json for trees of `depth` (e.g. 20 -> inclusion-standard). */
export function inclusionInstanceForDepth(depth: number): string {
  const table = loadInstances();
  const match = Object.entries(table).find(([, spec]) => spec.template === "Inclusion" && spec.params[0] === depth);
  if (!match) {
    const depths = Object.entries(table)
      .filter(([, spec]) => spec.template === "Inclusion")
      .map(([name, spec]) => `${name} (D=${spec.params[0]})`);
    throw new UserError(`no inclusion circuit for a depth-${depth} tree (instances: ${depths.join(", ") || "none"}); rebuild the tree with one of these depths`, {
      where: "--tree",
    });
  }
  return match[0];
}

/**
 * Paths of an inclusion instance's wasm, zkey and verification key (under `buildDir`, default
 * build/circuits/NAME); a missing artifact is a UserError saying how to make it.
 */
export function inclusionArtifacts(instance: string, buildDir?: string): InclusionArtifacts {
  const spec = loadInstances()[instance];
  if (!spec || spec.template !== "Inclusion") throw new UserError(`${instance} is not an inclusion instance`, { where: "--instance", exitCode: 2 });
  const dir = buildDir ? path.resolve(buildDir, instance) : path.join(PROJECT_ROOT, instanceDir(instance));
  const artifacts = {
    instance,
    depth: spec.params[0]!,
    wasm: path.join(dir, `${instance}.wasm`),
    zkey: path.join(dir, `${instance}.zkey`),
    vkeyFile: path.join(dir, `${instance}.vkey.json`),
  };
  for (const file of [artifacts.wasm, artifacts.zkey, artifacts.vkeyFile]) {
    if (!existsSync(file)) {
      throw new UserError(`instance ${instance} is not set up (${path.basename(file)} is missing): run \`homeostat setup --instance ${instance}\``, { where: instance });
    }
  }
  return artifacts;
}

/**
 * Finds a user in the tree by id. A user who is not in the tree, or (when `balance` is given, in the
 * liability unit) whose stored balance differs, is a UserError: such a proof cannot be made.
 */
export function findUser(tree: LiabilitiesTree, id: string, balance?: string): StoredLeaf {
  let hash: bigint;
  try {
    hash = userIdHash(id);
  } catch {
    throw new UserError("the user id is empty", { where: "--user", exitCode: 2 });
  }
  const index = tree.findLeaf(hash);
  if (index === undefined) throw new UserError(`user ${JSON.stringify(id)} is not in this liabilities tree`, { where: "--user" });
  const leaf = tree.leaf(index);
  if (balance !== undefined) {
    let claimed: bigint;
    try {
      claimed = parseBalance(balance, tree.summary.decimals);
    } catch (e) {
      throw new UserError((e as Error).message, { where: "--balance", exitCode: 2 });
    }
    if (claimed !== leaf.balance) {
      throw new UserError(
        `user ${JSON.stringify(id)} has balance ${formatDecimal(leaf.balance, tree.summary.decimals)} in the tree, not ${balance}: no proof of a changed balance can be made`,
        { where: "--balance" },
      );
    }
  }
  return leaf;
}

/** The S3 circuit input for leaf `index` (signal names of docs/ARCHITECTURE.md), as decimal strings. */
export function inclusionInput(tree: LiabilitiesTree, leaf: StoredLeaf): Record<string, string | string[]> {
  const p = tree.path(leaf.index);
  // Check before proving: a corrupt tree should fail here with a clear message, not inside the prover.
  const top = rootFromPath({ hash: leaf.leafHash, sum: leaf.balance }, p);
  if (top.hash !== tree.root) throw new UserError(`the stored path of leaf ${leaf.index} does not lead to the root (corrupt tree)`, { where: tree.dir });
  return {
    liabilitiesRoot: tree.root.toString(),
    leafHash: leaf.leafHash.toString(),
    userIdHash: leaf.userIdHash.toString(),
    balance: leaf.balance.toString(),
    salt: leaf.salt.toString(),
    pathIndices: p.pathIndices.map(String),
    siblingHash: p.siblingHash.map(String),
    siblingSum: p.siblingSum.map(String),
  };
}

/** A prover for one instance: keys read once, then any number of proofs. */
export class InclusionProver {
  private constructor(
    readonly artifacts: InclusionArtifacts,
    readonly vkeyHash: string,
    private readonly singleThread: boolean,
  ) {}

  /**
   * Reads the instance's verification key (the witness program and proving key are loaded on the first
   * proof and kept, prover/prove.ts). `singleThread` proves on the calling thread only (for a pool with
   * one worker per core); by default each proof uses every core.
   */
  static async load(artifacts: InclusionArtifacts, options: { singleThread?: boolean } = {}): Promise<InclusionProver> {
    const vkey = JSON.parse(readFileSync(artifacts.vkeyFile, "utf8")) as unknown;
    return new InclusionProver(artifacts, await vkeyHash(vkey), options.singleThread === true);
  }

  /**
   * Proves that `leaf` is in `tree` and returns the user's proof file; `epoch` (the liabilities epoch the root
   * was published as) is recorded in it when given.
   */
  async prove(tree: LiabilitiesTree, leaf: StoredLeaf, options: { epoch?: number } = {}): Promise<InclusionProof> {
    if (tree.depth !== this.artifacts.depth) {
      throw new UserError(`the tree has depth ${tree.depth}; instance ${this.artifacts.instance} proves depth ${this.artifacts.depth}`, { where: "--instance", exitCode: 2 });
    }
    const input = inclusionInput(tree, leaf);
    const { proof, publicSignals } = await runGroth16(input, this.artifacts, undefined, { singleThread: this.singleThread });
    if (publicSignals[0] !== input.liabilitiesRoot || publicSignals[1] !== input.leafHash) {
      throw new Error(`the ${this.artifacts.instance} circuit returned public signals ${publicSignals.join(", ")}, expected the root and leaf hash`);
    }
    const decimals = tree.summary.decimals;
    return {
      format: INCLUSION_FORMAT,
      statement: "inclusion",
      instance: this.artifacts.instance,
      vkeyHash: this.vkeyHash,
      root: tree.root.toString(),
      leafHash: leaf.leafHash.toString(),
      ...(options.epoch !== undefined ? { epoch: options.epoch } : {}),
      user: {
        id: leaf.id,
        userIdHash: leaf.userIdHash.toString(),
        balance: formatDecimal(leaf.balance, decimals),
        balanceBaseUnits: leaf.balance.toString(),
        decimals,
        salt: leaf.salt.toString(),
      },
      publicSignals: { liabilitiesRoot: publicSignals[0]!, leafHash: publicSignals[1]! },
      proof,
      createdAt: new Date().toISOString(),
    };
  }
}

/** File name of a user's proof: the user id hash as 64 hex digits (no id appears in a file name). */
export function proofFileName(idHash: bigint): string {
  return `${idHash.toString(16).padStart(64, "0")}.json`;
}
