// Pins prover/groth16.ts (snarkjs's Groth16 steps with the QAP evaluation and the multi-scalar
// multiplications in the native addon) on the inclusion-test instance: its proofs verify with snarkjs
// (threaded and single-threaded engines), its native QAP evaluation equals ffjavascript's field arithmetic
// byte for byte, a proof does not verify for other public signals, a witness or key that does not fit is
// refused with a clear error, and without the addon (HOMEOSTAT_NATIVE=0) the same call proves through
// snarkjs.groth16.prove. The native msmG1 / msmG2 equal ffjavascript's multiExpAffine on the key's own
// bases and on random points of several sizes, on 1 and 2 threads and on both arithmetic engines, including
// zero scalars, scalars of r and above, repeated and opposite points (P + P and P + (-P) in a bucket) and
// points at infinity.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
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
  random(): Uint8Array;
}
/** The parts of ffjavascript's G1 and G2 used here (points are little-endian Montgomery bytes). */
interface Group {
  F: { n8: number; neg(a: Uint8Array): Uint8Array };
  g: Uint8Array;
  timesFr(p: Uint8Array, s: Uint8Array): Uint8Array;
  timesScalar(p: Uint8Array, s: bigint): Uint8Array;
  toAffine(p: Uint8Array): Uint8Array;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array>;
}
interface Snarkjs {
  groth16: { verify(vkey: unknown, signals: string[], proof: unknown): Promise<boolean> };
  curves: { getCurveFromName(name: string): Promise<{ Fr: Field; G1: Group; G2: Group }> };
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
let snarkjs: Snarkjs;
let key: ProvingKey;
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
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await terminateSingleThreadCurve();
});

describe("Groth16 prover (prover/groth16.ts)", () => {
  let vkey: unknown;

  beforeAll(() => {
    vkey = JSON.parse(readFileSync(artifacts.vkeyFile, "utf8"));
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

/** BN254's group order r (the scalar field). */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

function scalarBytes(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(32 * values.length);
  values.forEach((v, i) => {
    for (let k = 0; k < 32; k++) out[32 * i + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  });
  return out;
}

/** Random scalars below 2^253 (so below r). */
function randomScalars(n: number): Uint8Array {
  const out = new Uint8Array(randomBytes(32 * n));
  for (let i = 0; i < n; i++) out[32 * i + 31]! &= 0x1f;
  return out;
}

describe("native multi-scalar multiplication (msmG1, msmG2)", () => {
  let G1: Group;
  let G2: Group;
  let Fr: Field;
  const addon = loadNativePoseidon().addon!;
  /** Random affine points of `group` (multiples of its generator), in a zkey's form. */
  const randomPoints = (group: Group, n: number) => {
    const size = 2 * group.F.n8;
    const out = new Uint8Array(size * n);
    for (let i = 0; i < n; i++) out.set(group.toAffine(group.timesFr(group.g, Fr.random())), size * i);
    return out;
  };
  const native = (group: Group, bases: Uint8Array, scalars: Uint8Array, threads: number) => {
    const size = 2 * group.F.n8;
    const out = new Uint8Array(size);
    (size === 64 ? addon.msmG1 : addon.msmG2)(bases, scalars, out, bases.length / size, threads);
    return out;
  };
  /** Byte for byte, in affine form (ffjavascript's result for bases that are all at infinity is a Jacobian
   * point its isZero does not recognise, but its affine form is all zero like the addon's). */
  const expectSameAsFfjavascript = async (group: Group, bases: Uint8Array, scalars: Uint8Array, what: string) => {
    const reference = Buffer.from(group.toAffine(await group.multiExpAffine(bases, scalars)));
    for (const threads of [1, 2]) {
      const out = native(group, bases, scalars, threads);
      expect(Buffer.from(out).equals(reference), `${what}, ${threads} thread(s)`).toBe(true);
    }
  };
  /** Edge cases on the points `p` (4 distinct points, one point's size each) and -2 p[3]: see the names. */
  const edgeCases = (group: Group, p: Uint8Array[], minusTwice3: Uint8Array) => {
    const size = 2 * group.F.n8;
    const negate = (point: Uint8Array) => {
      const out = point.slice();
      out.set(group.F.neg(point.subarray(size / 2)), size / 2);
      return out;
    };
    const zero = new Uint8Array(size);
    const cases: { what: string; bases: Uint8Array[]; scalars: bigint[] }[] = [
      { what: "one point, scalar 1", bases: [p[0]!], scalars: [1n] },
      { what: "one point, scalar 0", bases: [p[0]!], scalars: [0n] },
      { what: "scalar 2 (P + P in the window sum)", bases: [p[0]!], scalars: [2n] },
      { what: "scalars r - 1, r, r + 5, 2^256 - 1", bases: p.slice(0, 4), scalars: [R - 1n, R, R + 5n, 2n ** 256n - 1n] },
      { what: "a repeated point (P + P in a bucket)", bases: [p[0]!, p[1]!, p[0]!, p[0]!], scalars: [12345n, 7n, 12345n, R - 12345n] },
      { what: "P and -P with one scalar (P + (-P) in a bucket): infinity", bases: [p[0]!, negate(p[0]!)], scalars: [987654321n, 987654321n] },
      { what: "P, P and -P with scalars 2, 1 and 1 (P + (-P) in a bucket, P + P in the window sum)", bases: [p[1]!, p[1]!, negate(p[1]!)], scalars: [2n, 1n, 1n] },
      { what: "P and -P with scalars 2 and 1 (P + (-P) in the running sum)", bases: [p[1]!, negate(p[1]!)], scalars: [2n, 1n] },
      { what: "P twice with scalars 2 and 1 (P + P in the running sum)", bases: [p[2]!, p[2]!], scalars: [2n, 1n] },
      { what: "P and -2P with scalars 2 and 1 (S + (-S) in the window sum)", bases: [p[3]!, minusTwice3], scalars: [2n, 1n] },
      { what: "points at infinity among others", bases: [zero, p[2]!, zero, p[3]!], scalars: [5n, 6n, 7n, 0n] },
      { what: "only points at infinity", bases: [zero, zero], scalars: [5n, R - 1n] },
      { what: "all scalars zero", bases: p.slice(0, 3), scalars: [0n, 0n, 0n] },
    ];
    return cases.map(({ what, bases, scalars }) => {
      const flat = new Uint8Array(size * bases.length);
      bases.forEach((b, i) => flat.set(b, size * i));
      return { what, bases: flat, scalars: scalarBytes(scalars) };
    });
  };

  beforeAll(async () => {
    ({ G1, G2, Fr } = await snarkjs.curves.getCurveFromName("bn128"));
  });

  for (const [name, sizes] of [["G1", [1, 2, 3, 100, 3000]], ["G2", [1, 2, 3, 100, 700]]] as const) {
    it(`${name}: equals ffjavascript's multiExpAffine on random points (n = ${sizes.join(", ")}), 1 and 2 threads`, async () => {
      const group = name === "G1" ? G1 : G2;
      const points = randomPoints(group, sizes[sizes.length - 1]!);
      for (const n of sizes) {
        await expectSameAsFfjavascript(group, points.subarray(0, n * 2 * group.F.n8), randomScalars(n), `n = ${n}`);
      }
    });

    it(`${name}: equals ffjavascript's on zero, small and oversized scalars, repeated and opposite points, infinity`, async () => {
      const group = name === "G1" ? G1 : G2;
      const size = 2 * group.F.n8;
      const k = [3n, 5n, 11n, 1n << 200n];
      const p = k.map((v) => group.toAffine(group.timesScalar(group.g, v)));
      const minusTwice3 = group.toAffine(group.timesScalar(group.g, R - 2n * k[3]!));
      for (const { what, bases, scalars } of edgeCases(group, p, minusTwice3)) await expectSameAsFfjavascript(group, bases, scalars, what);
      // Many repeats: the same few points in every bucket, with scalars that share their windows.
      const repeated = new Uint8Array(size * 400);
      for (let i = 0; i < 400; i++) repeated.set(p[i % 3]!, size * i);
      const small = scalarBytes(Array.from({ length: 400 }, (_, i) => BigInt(i % 5) * (1n << BigInt(i % 200))));
      await expectSameAsFfjavascript(group, repeated, small, "400 repeats of 3 points");
    });

    it(`${name}: n = 0 gives infinity; short buffers are refused`, () => {
      const group = name === "G1" ? G1 : G2;
      const size = 2 * group.F.n8;
      const out = new Uint8Array(size).fill(7);
      (size === 64 ? addon.msmG1 : addon.msmG2)(new Uint8Array(0), new Uint8Array(0), out, 0, 2);
      expect(out.every((b) => b === 0)).toBe(true);
      const call = name === "G1" ? addon.msmG1 : addon.msmG2;
      expect(() => call(new Uint8Array(size * 2), new Uint8Array(32), out, 2, 1)).toThrow(/buffers too small/);
      expect(() => call(new Uint8Array(size), new Uint8Array(32), new Uint8Array(size - 1), 1, 1)).toThrow(/buffers too small/);
    });
  }

  it("equals ffjavascript's on the inclusion-test key's own bases and witness, on every arithmetic engine", async () => {
    const witness = witnessValues(wtns);
    const best = addon.engine();
    try {
      for (let engine = best; engine >= 0; engine--) {
        expect(addon.engine(engine)).toBe(engine);
        const c = witness.subarray(32 * (key.nPublic + 1));
        await expectSameAsFfjavascript(G1, key.bases.a, witness, `A, engine ${engine}`);
        await expectSameAsFfjavascript(G1, key.bases.b1, witness, `B1, engine ${engine}`);
        await expectSameAsFfjavascript(G2, key.bases.b2, witness, `B2, engine ${engine}`);
        await expectSameAsFfjavascript(G1, key.bases.c, c, `C, engine ${engine}`);
        await expectSameAsFfjavascript(G1, key.bases.h, randomScalars(key.domainSize), `H, engine ${engine}`);
      }
    } finally {
      addon.engine(best);
    }
  });
});
