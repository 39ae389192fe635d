/**
 * Contract artifacts for deployment with plain ethers (any provider: Hardhat's in-process network or a
 * JSON-RPC node). Homeostat's own contracts come from Hardhat's build output (`npx hardhat build`);
 * Uniswap V2 comes from the compiled JSON shipped in the npm packages, never recompiled.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ContractFactory, type InterfaceAbi, type Signer } from "ethers";
import { UserError } from "../core/errors.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";

/** ABI and creation bytecode of a contract. */
export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

const ARTIFACTS_DIR = path.join(PROJECT_ROOT, "artifacts", "contracts");
const cache = new Map<string, Artifact>();

function findArtifactFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.endsWith(".sol")) {
      const candidate = path.join(full, `${name}.json`);
      if (existsSync(candidate)) return candidate;
    } else {
      const found = findArtifactFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The Hardhat artifact of one of Homeostat's contracts (contracts/, contracts/test/, contracts/generated/).
 * Refuses with a UserError that names the command to run when it has not been built.
 */
export function loadArtifact(contractName: string): Artifact {
  const hit = cache.get(contractName);
  if (hit) return hit;
  const file = findArtifactFile(ARTIFACTS_DIR, contractName);
  if (!file) {
    const hint = contractName.endsWith("Verifier")
      ? "run `homeostat setup --instance <test|standard>` then `npx hardhat build`"
      : "run `npx hardhat build`";
    throw new UserError(`no compiled contract ${contractName}: ${hint}`, { where: "artifacts/contracts" });
  }
  const json = JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi; bytecode: string };
  const artifact = { contractName, abi: json.abi, bytecode: json.bytecode };
  cache.set(contractName, artifact);
  return artifact;
}

/** The Uniswap V2 contracts Homeostat deploys as its real venue, with the npm package that ships each. */
const UNISWAP = {
  UniswapV2Factory: "@uniswap/v2-core/build/UniswapV2Factory.json",
  UniswapV2Pair: "@uniswap/v2-core/build/UniswapV2Pair.json",
  UniswapV2Router02: "@uniswap/v2-periphery/build/UniswapV2Router02.json",
  WETH9: "@uniswap/v2-periphery/build/WETH9.json",
} as const;
export type UniswapContract = keyof typeof UNISWAP;

/** A Uniswap V2 artifact as compiled and published by Uniswap (`bytecode` holds the creation code, no 0x). */
export function uniswapArtifact(contractName: UniswapContract): Artifact {
  const hit = cache.get(contractName);
  if (hit) return hit;
  const require = createRequire(import.meta.url);
  const json = require(UNISWAP[contractName]) as { abi: InterfaceAbi; bytecode?: string; evm?: { bytecode?: { object?: string } } };
  const raw = json.bytecode ?? json.evm?.bytecode?.object;
  if (!raw) throw new Error(`${UNISWAP[contractName]} has no bytecode`);
  const artifact = { contractName, abi: json.abi, bytecode: raw.startsWith("0x") ? raw : `0x${raw}` };
  cache.set(contractName, artifact);
  return artifact;
}

/** An ethers ContractFactory for an artifact. */
export function factoryOf(artifact: Artifact, signer: Signer): ContractFactory {
  return new ContractFactory(artifact.abi, artifact.bytecode, signer);
}
