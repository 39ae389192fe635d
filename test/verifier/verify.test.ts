// Pins the verifier library: a valid S1 bundle passes; it rejects, each with a clear reason and without
// throwing, a bundle with one public signal changed, a proof checked against another instance's key, a
// malformed bundle, a policy or prices that do not match their hashes, a packed proof that is not the proof,
// a non-canonical proof (a coordinate + q, which snarkjs alone accepts; the page runs this same code).
// Also pins that the browser path (verifier/*.ts except node.ts) imports nothing from `node:`, and that
// packedProof is the order of snarkjs's Solidity calldata. Needs the test instance set up.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { proveSolvency } from "../../prover/prove.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";
import { vkeyHash } from "../../core/canonical.ts";
import { BASE_FIELD_MODULUS } from "../../core/field.ts";
import { groth16 } from "snarkjs";
import { loadVerificationKeys } from "../../verifier/node.ts";
import type { ProofBundle } from "../../core/bundle-schema.ts";
import { verifyBundle, type VerificationKeys } from "../../verifier/verify.ts";
import { policyFromBundle } from "../../verifier/bundle-fields.ts";
import { policyFieldList } from "../../core/hash.ts";
import { isSetUp, loadExample } from "../prover/small-example.ts";

const ready = isSetUp("solvency-test");
if (!ready) console.warn("verify.test.ts: solvency-test not set up; run `homeostat setup --instance test`");

describe("browser path", () => {
  it("imports nothing from node: (verifier/index.ts and everything it reaches)", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
        const spec = m[1]!;
        expect(spec.startsWith("node:"), `${path.relative(PROJECT_ROOT, file)} imports ${spec}`).toBe(false);
        expect(["fs", "path", "crypto", "os", "url"].includes(spec), `${file} imports ${spec}`).toBe(false);
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec));
      }
    };
    visit(path.join(PROJECT_ROOT, "verifier", "index.ts"));
    expect([...seen].map((f) => path.relative(PROJECT_ROOT, f))).toContain("verifier/verify.ts");
    expect([...seen].some((f) => f.endsWith("node.ts"))).toBe(false);
  });
});

describe.runIf(ready)("verifyBundle", () => {
  let bundle: ProofBundle;
  let keys: VerificationKeys;
  const mutate = (edit: (b: ProofBundle) => void): ProofBundle => {
    const copy = structuredClone(bundle);
    edit(copy);
    return copy;
  };

  beforeAll(async () => {
    const example = loadExample();
    bundle = (await proveSolvency({ ...example, persistState: false })).bundle;
    keys = loadVerificationKeys();
  });

  it("accepts the bundle the prover wrote", async () => {
    expect(await verifyBundle(bundle, keys)).toMatchObject({ valid: true, reasons: [], proofValid: true });
  });

  it("rejects one public signal changed", async () => {
    const changed = mutate((b) => (b.publicSignals.positionsRoot = (BigInt(b.publicSignals.positionsRoot!) + 1n).toString()));
    const result = await verifyBundle(changed, keys);
    expect(result.valid).toBe(false);
    expect(result.proofValid).toBe(false);
    expect(result.reasons).toEqual(["the Groth16 proof does not verify against the solvency-test key and the public signals"]);
  });

  it("rejects a changed liabilities root the same way", async () => {
    const changed = mutate((b) => (b.publicSignals.liabilitiesRoot = "1"));
    expect((await verifyBundle(changed, keys)).reasons).toContain("the Groth16 proof does not verify against the solvency-test key and the public signals");
  });

  it("rejects a proof checked against another instance's key", async () => {
    // The rebalance key (when set up; else a stand-in of its shape): wrong fingerprint and wrong shape.
    const own = keys["solvency-test"]!;
    const rebalanceKey = isSetUp("rebalance-test")
      ? JSON.parse(readFileSync(path.join(PROJECT_ROOT, "build/circuits/rebalance-test/rebalance-test.vkey.json"), "utf8"))
      : { ...own, nPublic: 10, IC: [...(own.IC as unknown[]), ...(own.IC as unknown[])].slice(0, 11) };
    const other = await verifyBundle(bundle, { "solvency-test": rebalanceKey });
    expect(other.valid).toBe(false);
    expect(other.reasons).toEqual([
      expect.stringMatching(/^vkeyHash [0-9a-f]{12}\.\.\. is not the hash of the trusted solvency-test key/),
      "the trusted solvency-test key is not a bn128 Groth16 key with 7 public inputs",
    ]);
    // A key of the same shape (the solvency key with another delta) whose hash the bundle claims: the pairing fails.
    const forged = { ...own, vk_delta_2: own.vk_gamma_2 };
    const claimed = mutate((b) => (b.vkeyHash = "0".repeat(64)));
    claimed.vkeyHash = await vkeyHash(forged);
    const pairing = await verifyBundle(claimed, { "solvency-test": forged });
    expect(pairing.reasons).toEqual(["the Groth16 proof does not verify against the solvency-test key and the public signals"]);
    // An instance the verifier has no key for.
    const unknown = await verifyBundle(mutate((b) => (b.instance = "solvency-huge")), keys);
    expect(unknown.reasons.at(-1)).toMatch(/^unknown instance solvency-huge \(trusted keys: .*solvency-test/);
  });

  it.runIf(isSetUp("rebalance-test"))("rejects a solvency bundle relabelled as another instance", async () => {
    const relabelled = mutate((b) => (b.instance = "rebalance-test"));
    const result = await verifyBundle(relabelled, keys);
    expect(result.reasons[0]).toBe("instance rebalance-test does not prove the solvency statement");
  });

  it("rejects malformed bundles with the field that is wrong", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /^malformed bundle: Expected object, received null/],
      ["proof", /^malformed bundle: Expected object, received string/],
      [mutate((b) => delete (b as Partial<ProofBundle>).proof), /^malformed bundle: proof: Required/],
      [mutate((b) => b.proof.pi_a.pop()), /^malformed bundle: proof\.pi_a: Array must contain at least 3/],
      [mutate((b) => (b.format = "homeostat-bundle/0" as ProofBundle["format"])), /^malformed bundle: format: Invalid literal value/],
      [mutate((b) => (b.publicSignals.policyHash = "-5")), /^malformed bundle: publicSignals\.policyHash: expected a decimal integer string/],
      [mutate((b) => (b.publicSignals.policyHash = "21888242871839275222246405745257275088548364400416034343698204186575808495617")), /publicSignals\.policyHash: not below the BN254 field modulus/],
      [mutate((b) => (b.packedProof = b.packedProof.slice(1))), /^malformed bundle: packedProof: Array must contain exactly 8/],
    ];
    for (const [input, reason] of cases) {
      const result = await verifyBundle(input, keys);
      expect(result.valid).toBe(false);
      expect(result.reasons).toHaveLength(1);
      expect(result.reasons[0]).toMatch(reason);
    }
  });

  it("rejects a policy that does not match its hash", async () => {
    // Readable policy and field list edited together: consistent, but not what was proven.
    const looser = mutate((b) => {
      b.policy.assets[2]!.capBps = "9000";
      b.policy.fields[12 + 2] = "9000";
    });
    const looserResult = await verifyBundle(looser, keys);
    expect(looserResult.reasons).toEqual(["the policy in the bundle does not hash to the proven policyHash"]);
    expect(looserResult).toMatchObject({ valid: false, proofValid: true }); // the proof is fine; the shown policy is not what it proves
    // Readable policy edited alone: it no longer matches the field list.
    const shown = mutate((b) => (b.policy.minCoverageBps = "10000"));
    expect((await verifyBundle(shown, keys)).reasons).toEqual(["policy.fields [6] does not match the readable policy"]);
  });

  it("proves the names and tokens shown: a renamed asset or another token address is not what was proven", async () => {
    // Readable only: the rules digest (field 11), the tokens digest (10) or maxSlippageBps (8) no longer matches.
    for (const edit of [
      (b: ProofBundle) => (b.policy.assets[1]!.symbol = "USDT"),
      (b: ProofBundle) => (b.policy.assets[1]!.token = "0x000000000000000000000000000000000000dead"),
      (b: ProofBundle) => (b.policy.assets[1]!.maxAge = 1),
      (b: ProofBundle) => (b.policy.maxSlippageBps = "5000"),
    ]) {
      expect((await verifyBundle(mutate(edit), keys)).reasons.join("; ")).toMatch(/policy\.fields \[(8|10|11)\] does not match the readable policy/);
    }
    // Readable and field list edited together: consistent, but another policy hash than the proven one.
    const renamed = mutate((b) => {
      b.policy.assets[1]!.token = "0x000000000000000000000000000000000000dead";
      const rebuilt = policyFromBundle(b.policy);
      if (!rebuilt.ok) throw new Error(rebuilt.reason);
      b.policy.fields = policyFieldList(rebuilt.value).map(String);
    });
    const result = await verifyBundle(renamed, keys);
    expect(result.reasons).toEqual(["the policy in the bundle does not hash to the proven policyHash"]);
    expect(result).toMatchObject({ valid: false, proofValid: true });
  });

  it("rejects prices that do not match their hash or their own answer", async () => {
    const cheaper = mutate((b) => {
      b.prices.timestamp = (BigInt(b.prices.timestamp) + 60n).toString();
      b.prices.fields[0] = b.prices.timestamp;
    });
    expect((await verifyBundle(cheaper, keys)).reasons).toEqual(["the prices in the bundle do not hash to the proven pricesHash"]);
    const inconsistent = mutate((b) => (b.prices.assets[2]!.answer = "1"));
    expect((await verifyBundle(inconsistent, keys)).reasons[0]).toMatch(/prices\.assets\[2\] \(WETH\): unitPrice is not answer x 10\^\(36 - feedDecimals - decimals\)/);
  });

  it("rejects a packed proof that is not the proof", async () => {
    const swapped = mutate((b) => ([b.packedProof[2], b.packedProof[3]] = [b.packedProof[3]!, b.packedProof[2]!]));
    expect((await verifyBundle(swapped, keys)).reasons).toEqual(["packedProof is not the packed form of proof (a0, a1, b01, b00, b11, b10, c0, c1)"]);
  });

  it("rejects a non-canonical proof: q added to pi_a[0] (and packedProof[0]), or a point not in affine form", async () => {
    const plusQ = (x: string) => (BigInt(x) + BASE_FIELD_MODULUS).toString();
    const shifted = mutate((b) => {
      b.proof.pi_a[0] = plusQ(b.proof.pi_a[0]);
      b.packedProof[0] = plusQ(b.packedProof[0]!);
    });
    // snarkjs alone reduces the coordinate modulo q and accepts: the canonical check is the verifier's.
    expect(await groth16.verify(keys["solvency-test"]!, Object.values(bundle.publicSignals), shifted.proof)).toBe(true);
    const result = await verifyBundle(shifted, keys);
    expect(result).toMatchObject({ valid: false });
    expect(result.reasons).toEqual([expect.stringMatching(/^malformed bundle: proof\.pi_a\[0\]: not below the BN254 base field modulus q \(a non-canonical encoding\) \(\+1 more\)$/)]);
    const packedOnly = await verifyBundle(mutate((b) => (b.packedProof[0] = plusQ(b.packedProof[0]!))), keys);
    expect(packedOnly.reasons).toEqual([expect.stringMatching(/^malformed bundle: packedProof\[0\]: not below the BN254 base field modulus q/)]);
    const g2 = await verifyBundle(mutate((b) => (b.proof.pi_b[1][0] = plusQ(b.proof.pi_b[1][0]))), keys);
    expect(g2.reasons).toEqual([expect.stringMatching(/^malformed bundle: proof\.pi_b\[1\]\[0\]: not below the BN254 base field modulus q/)]);
    const projective = await verifyBundle(mutate((b) => (b.proof.pi_c[2] = "2" as "1")), keys);
    expect(projective.reasons).toEqual([expect.stringMatching(/^malformed bundle: proof\.pi_c\[2\]: expected "1" \(snarkjs writes affine points/)]);
  });

  it("packs the proof in the order of snarkjs's Solidity calldata", async () => {
    const { groth16 } = (await import("snarkjs")) as { groth16: { exportSolidityCallData(proof: unknown, pub: unknown): Promise<string> } };
    const calldata = await groth16.exportSolidityCallData(bundle.proof, Object.values(bundle.publicSignals));
    const numbers = JSON.parse(`[${calldata}]`) as [string[], string[][], string[], string[]];
    const packed = [...numbers[0], ...numbers[1].flat(), ...numbers[2]].map((h) => BigInt(h).toString());
    expect(bundle.packedProof).toEqual(packed);
  });

  it("never throws, whatever part of the bundle is garbage", async () => {
    const leaves: Array<(b: Record<string, unknown>) => void> = [
      (b) => (b.proof = { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" }),
      (b) => ((b.policy as Record<string, unknown>).liabilityAsset = 99),
      (b) => ((b.policy as { scenarios: unknown[] }).scenarios = [{ name: "x", shockBps: ["1"] }]),
      (b) => ((b.prices as { assets: unknown[] }).assets = [(b.prices as { assets: unknown[] }).assets[0]]),
      (b) => (b.publicSignals = {}),
    ];
    for (const edit of leaves) {
      const copy = structuredClone(bundle) as unknown as Record<string, unknown>;
      edit(copy);
      const result = await verifyBundle(copy, keys);
      expect(result.valid).toBe(false);
      expect(result.reasons.length).toBeGreaterThan(0);
    }
    const corruptKey = await verifyBundle(bundle, { "solvency-test": { ...keys["solvency-test"]!, IC: [] } });
    expect(corruptKey.valid).toBe(false);
  });
});
