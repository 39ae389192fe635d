/**
 * What a finished ceremony hands to the rest of Homeostat: the verification key (and its `vkeyHash`,
 * sha256 of the canonical JSON, the hash proof bundles name) and the Solidity verifier, with the snarkjs
 * contract renamed to `<Pascal>Verifier` and a header saying where it came from.
 */
import { canonicalJson } from "../setup/files.ts";
import { groth16VerifierTemplate } from "../setup/tools.ts";
import { verifierContractName } from "../setup/verifier.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";
import { sha256 } from "./files.ts";

/** sha256 (hex) of the canonical JSON of a verification key. */
export function vkeyHashOf(vkey: unknown): string {
  return sha256(canonicalJson(vkey));
}

/** The exported verification key, its hash and the Solidity verifier of one zkey. */
export interface FinalArtifacts {
  vkey: Record<string, unknown>;
  /** `JSON.stringify(vkey, null, 2)` plus a newline: the bytes written to `NAME.vkey.json`. */
  vkeyJson: string;
  vkeyHash: string;
  contract: string;
  verifierSource: string;
}

/**
 * Exports the verification key and the Solidity verifier of `zkeyFile`. `provenance` lines go into the
 * verifier's header comment (instance, transcript, hashes).
 */
export async function exportFinalArtifacts(zkeyFile: string, instance: string, provenance: string[]): Promise<FinalArtifacts> {
  const snarkjs = await loadSnarkjs();
  const vkey = (await snarkjs.zKey.exportVerificationKey(zkeyFile)) as Record<string, unknown>;
  const contract = verifierContractName(instance);
  const rendered = await snarkjs.zKey.exportSolidityVerifier(zkeyFile, { groth16: groth16VerifierTemplate() });
  if (!/\bcontract Groth16Verifier\b/.test(rendered)) throw new Error("snarkjs verifier template changed: no `contract Groth16Verifier`");
  const header = provenance.map((line) => `// ${line}`).join("\n");
  const body = rendered.replace(/\bcontract Groth16Verifier\b/, `contract ${contract}`);
  const verifierSource = body.replace(/^(\/\/ SPDX-License-Identifier:[^\n]*\n)/, `$1${header}\n`);
  return { vkey, vkeyJson: `${JSON.stringify(vkey, null, 2)}\n`, vkeyHash: vkeyHashOf(vkey), contract, verifierSource };
}
