// Pins prover/groth16.ts (snarkjs's Groth16 steps with the QAP evaluation in the native addon) on the
// inclusion-test instance: its proofs verify with snarkjs (threaded and single-threaded engines), its native
// QAP evaluation equals ffjavascript's field arithmetic byte for byte, a proof does not verify for other
// public signals, a witness or key that does not fit is refused with a clear error, and without the addon
// (HOMEOSTAT_NATIVE=0) the same call proves through snarkjs.groth16.prove.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateQap, ProvingKey, proveGroth16, terminateSingleThreadCurve, witnessValues } from "../../prover/groth16.ts";
import { findUser, inclusionArtifacts, inclusionInput } from "../../liabilities/inclusion.ts";
import { loadNativePoseidon } from "../../prover/native.ts";
import { readLiabilities } from "../../liabilities/reader.ts";
import { LiabilitiesTree } from "../../liabilities/store.ts";
import { buildTree } from "../../liabilities/tree.ts";
import { PROJECT_ROOT } from "../../core/node/instances.ts";

interface Field {
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
}
interface Snarkjs {
  groth16: { verify(vkey: unknown, signals: string[], proof: unknown): Promise<boolean> };
  curves: { getCurveFromName(name: string): Promise<{ Fr: Field }> };
}

/** The QAP evaluation as snarkjs's groth16_prove.js does it, with ffjavascript's field: the reference. */
function referenceQap(key: ProvingKey, witness: Uint8Array, Fr: Field): Uint8Array[] {
  const n = key.domainSize;
  const [a, b, c] = [new Uint8Array(32 * n), new Uint8Array(32 * n), new Uint8Array(32 * n)];
  const view = new DataView(key.coeffs.buffer, key.coeffs.byteOffset, key.coeffs.byteLength);
  for (let i = 0; i < view.getUint32(0, true); i++) {
    const at = 4 + 44 * i;
    const out = view.getUint32(at, true) === 0 ? a : b;
    const row = view.getUint32(at + 4, true);
    const signal = view.getUint32(at + 8, true);
    const product = Fr.mul(key.coeffs.subarray(at + 12, at + 44), witness.subarray(32 * signal, 32 * signal + 32));
    out.set(Fr.add(out.subarray(32 * row, 32 * row + 32), product), 32 * row);
  }
  for (let i = 0; i < n; i++) c.set(Fr.mul(a.subarray(32 * i, 32 * i + 32), b.subarray(32 * i, 32 * i + 32)), 32 * i);
  return [a, b, c];
}
interface Calculator {
  calculateWTNSBin(input: object, sanityCheck: boolean): Promise<Uint8Array>;
}

const dir = mkdtempSync(path.join(tmpdir(), "homeostat-groth16-"));
const artifacts = inclusionArtifacts("inclusion-test");

describe("Groth16 prover (prover/groth16.ts)", () => {
  let snarkjs: Snarkjs;
  let key: ProvingKey;
  let vkey: unknown;
  let wtns: Uint8Array;
  let input: Record<string, string | string[]>;

  beforeAll(async () => {
    const file = path.join(dir, "users.csv");
    writeFileSync(file, "user,balance\nalice,12.5\nbob,7\ncarol,0.000001\n");
    const treeDir = path.join(dir, "tree");
    await buildTree(await readLiabilities(file, { decimals: 6 }), { depth: 4, decimals: 6, outDir: treeDir });
    const tree = LiabilitiesTree.open(treeDir);
    try {
      input = inclusionInput(tree, findUser(tree, "bob"));
    } finally {
      tree.close();
    }
    snarkjs = (await import("snarkjs")) as Snarkjs;
    const { WitnessCalculatorBuilder } = await import("circom_runtime");
    const calculator = (await WitnessCalculatorBuilder(readFileSync(artifacts.wasm))) as Calculator;
    wtns = await calculator.calculateWTNSBin(input, true);
    key = ProvingKey.parse(new Uint8Array(readFileSync(artifacts.zkey)));
    vkey = JSON.parse(readFileSync(artifacts.vkeyFile, "utf8"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await terminateSingleThreadCurve();
  });

  it("runs with the native QAP evaluation here", () => {
    expect(loadNativePoseidon().addon).toBeDefined();
  });

  it("reads the proving key's header", () => {
    expect(key.nPublic).toBe(2);
    expect(key.domainSize).toBe(2048); // inclusion-test: 1,941 constraints + 3 public rows
    expect(witnessValues(wtns).length).toBe(32 * key.nVars);
  });

  it("evaluates the QAP exactly as ffjavascript's field does", async () => {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    const native = evaluateQap(key, witnessValues(wtns));
    const reference = referenceQap(key, witnessValues(wtns), curve.Fr);
    for (let k = 0; k < 3; k++) {
      expect(Buffer.from(native[k]!).equals(Buffer.from(reference[k]!)), ["A", "B", "C"][k]).toBe(true);
    }
    expect(native[0]!.some((b) => b !== 0)).toBe(true);
  });

  for (const singleThread of [false, true]) {
    it(`makes proofs that snarkjs verifies (${singleThread ? "single-threaded" : "threaded"} engine), for these public signals only`, async () => {
      const { proof, publicSignals } = await proveGroth16(key, wtns, { singleThread });
      expect(publicSignals).toEqual([input.liabilitiesRoot, input.leafHash]);
      expect(await snarkjs.groth16.verify(vkey, publicSignals, proof)).toBe(true);
      expect(await snarkjs.groth16.verify(vkey, [publicSignals[0]!, (BigInt(publicSignals[1]!) + 1n).toString()], proof)).toBe(false);
    });
  }

  it("refuses a witness of another circuit and a file that is not a proving key", async () => {
    const short = wtns.slice(0, wtns.length - 32);
    new DataView(short.buffer).setBigUint64(12 + 12 + 40 + 4, BigInt(witnessValues(wtns).length - 32), true); // section 2 size
    await expect(proveGroth16(key, short)).rejects.toThrow(/witness has \d+ values; the proving key expects \d+/);
    expect(() => ProvingKey.parse(new Uint8Array(readFileSync(artifacts.wasm)), "x.zkey")).toThrow(/x\.zkey is not a zkey file/);
    expect(() => ProvingKey.parse(key.bytes.slice(0, 200), "cut.zkey")).toThrow(/cut\.zkey is truncated/);
  });

  it("proves through snarkjs.groth16.prove when the native addon is off (HOMEOSTAT_NATIVE=0)", async () => {
    const script = path.join(dir, "fallback.mts");
    const wtnsFile = path.join(dir, "w.wtns");
    writeFileSync(wtnsFile, wtns);
    writeFileSync(
      script,
      [
        `import { readFileSync } from "node:fs";`,
        `import { ProvingKey, proveGroth16 } from ${JSON.stringify(path.join(PROJECT_ROOT, "prover/groth16.ts"))};`,
        `import { loadNativePoseidon } from ${JSON.stringify(path.join(PROJECT_ROOT, "prover/native.ts"))};`,
        `const key = ProvingKey.parse(new Uint8Array(readFileSync(${JSON.stringify(artifacts.zkey)})));`,
        `const out = await proveGroth16(key, new Uint8Array(readFileSync(${JSON.stringify(wtnsFile)})));`,
        `console.log(JSON.stringify({ native: loadNativePoseidon().reason, ...out }));`,
        `await globalThis.curve_bn128?.terminate();`,
      ].join("\n"),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, HOMEOSTAT_NATIVE: "0" },
    });
    const out = JSON.parse(stdout) as { native: string; proof: unknown; publicSignals: string[] };
    expect(out.native).toMatch(/HOMEOSTAT_NATIVE=0/);
    expect(await snarkjs.groth16.verify(vkey, out.publicSignals, out.proof)).toBe(true);
  });
});
