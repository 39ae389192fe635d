/**
 * Groth16 proving with a proving key parsed once. The steps and the arithmetic are those of snarkjs's
 * `groth16.prove` (snarkjs/src/groth16_prove.js, 0.7.x): QAP evaluation, three inverse FFTs, the coset
 * shift and three FFTs, the join, five multi-exponentiations and the blinding with fresh r and s. The FFTs,
 * the join and the blinding run on snarkjs's own BN254 engine (ffjavascript). What differs, all for speed:
 *  - the QAP evaluation, a loop over every coefficient of the key that snarkjs runs in JavaScript (a few
 *    hundred milliseconds for a 10k-constraint circuit), runs in the native addon
 *    (prover/native/poseidon.c, `qap_abc`);
 *  - the five multi-exponentiations (A, B in G1, B in G2, C, H: about 85% of snarkjs's proving time) run in
 *    the addon too (`msmG1`, `msmG2`: Pippenger's bucket method in C on every core, or on the calling thread
 *    for a single-threaded proof), with about 4.8 times less CPU than ffjavascript's WebAssembly;
 *  - the key's sections are split once per process, and a single-threaded engine is built once (snarkjs
 *    builds a new one for every single-threaded proof).
 * On inclusion-standard (8,277 constraints, domain 2^14, 2 cores) this takes 0.25 s instead of 0.75 s, the
 * FFTs being the largest step left (BENCHMARKS.md, "Leaner S3").
 * Without the native addon (no C compiler, or HOMEOSTAT_NATIVE=0) proofs go through `snarkjs.groth16.prove`
 * unchanged. Tests check that both paths produce proofs that snarkjs verifies, and that the QAP evaluation
 * and the multi-exponentiations equal ffjavascript's.
 */
import { availableParallelism } from "node:os";
import { loadNativePoseidon, type NativePoseidon } from "./native.ts";
import type { Groth16Proof } from "../core/bundle-schema.ts";

/** The parts of ffjavascript's field and curve objects used here (ffjavascript ships no types). */
interface Field {
  n8: number;
  s: number;
  shift: Uint8Array;
  w: Uint8Array[];
  e(x: number | bigint | string): Uint8Array;
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;
  neg(a: Uint8Array): Uint8Array;
  random(): Uint8Array;
  ifft(buff: Uint8Array, a: string, b: string, logger?: unknown, name?: string): Promise<Uint8Array>;
  fft(buff: Uint8Array, a: string, b: string, logger?: unknown, name?: string): Promise<Uint8Array>;
  batchApplyKey(buff: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
}
interface Group {
  F: { n8: number };
  fromRprLEM(buff: Uint8Array, offset: number): unknown;
  add(a: unknown, b: unknown): unknown;
  timesFr(a: unknown, s: Uint8Array): unknown;
  toAffine(a: unknown): unknown;
  toObject(a: unknown): bigint[] | bigint[][];
}
interface Curve {
  Fr: Field;
  G1: Group;
  G2: Group;
  tm: { queueAction(task: object[]): Promise<Uint8Array[]> };
  terminate(): Promise<void> | void;
}
interface Snarkjs {
  curves: { getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve> };
  groth16: { prove(zkey: { type: "mem"; data: Uint8Array }, wtns: { type: "mem"; data: Uint8Array }, logger?: unknown, options?: { singleThread?: boolean }): Promise<{ proof: Groth16Proof; publicSignals: string[] }> };
}

/** The sections of a snarkjs binary file ("zkey", "wtns"): type -> data. */
function splitSections(bytes: Uint8Array, magic: string, what: string): Map<number, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== magic) throw new Error(`${what} is not a ${magic} file`);
  const count = view.getUint32(8, true);
  const sections = new Map<number, Uint8Array>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 12 > bytes.length) throw new Error(`${what} is truncated (section ${i + 1} of ${count})`);
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    at += 12;
    if (at + size > bytes.length) throw new Error(`${what} is truncated (section ${type})`);
    if (!sections.has(type)) sections.set(type, bytes.subarray(at, at + size));
    at += size;
  }
  return sections;
}

function section(sections: Map<number, Uint8Array>, type: number, what: string): Uint8Array {
  const s = sections.get(type);
  if (!s) throw new Error(`${what} has no section ${type}`);
  return s;
}

/** A Groth16 proving key (snarkjs .zkey) split into its sections. */
export class ProvingKey {
  private constructor(
    readonly bytes: Uint8Array,
    readonly nVars: number,
    readonly nPublic: number,
    readonly domainSize: number,
    /** Header points in ffjavascript's little-endian Montgomery form, decoded per curve on use. */
    readonly points: { alpha1: Uint8Array; beta1: Uint8Array; beta2: Uint8Array; delta1: Uint8Array; delta2: Uint8Array },
    readonly coeffs: Uint8Array,
    readonly bases: { a: Uint8Array; b1: Uint8Array; b2: Uint8Array; c: Uint8Array; h: Uint8Array },
  ) {}

  /** Splits a .zkey; throws when it is not a BN254 Groth16 key. */
  static parse(bytes: Uint8Array, what = "proving key"): ProvingKey {
    const sections = splitSections(bytes, "zkey", what);
    const protocol = section(sections, 1, what);
    if (protocol.length < 4 || new DataView(protocol.buffer, protocol.byteOffset).getUint32(0, true) !== 1) throw new Error(`${what} is not a Groth16 key`);
    const h = section(sections, 2, what);
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const n8q = view.getUint32(0, true);
    const n8r = view.getUint32(4 + n8q, true);
    if (n8q !== 32 || n8r !== 32) throw new Error(`${what} is not for BN254`);
    let at = 8 + n8q + n8r;
    const nVars = view.getUint32(at, true);
    const nPublic = view.getUint32(at + 4, true);
    const domainSize = view.getUint32(at + 8, true);
    at += 12;
    const take = (n: number) => {
      const out = h.subarray(at, at + n);
      at += n;
      return out;
    };
    const alpha1 = take(2 * n8q);
    const beta1 = take(2 * n8q);
    const beta2 = take(4 * n8q);
    take(4 * n8q); // gamma2: verification only
    const delta1 = take(2 * n8q);
    const delta2 = take(4 * n8q);
    if (at > h.length) throw new Error(`${what}: header section is truncated`);
    return new ProvingKey(
      bytes,
      nVars,
      nPublic,
      domainSize,
      { alpha1, beta1, beta2, delta1, delta2 },
      section(sections, 4, what),
      { a: section(sections, 5, what), b1: section(sections, 6, what), b2: section(sections, 7, what), c: section(sections, 8, what), h: section(sections, 9, what) },
    );
  }
}

/** The witness values (32-byte little-endian each) of a snarkjs .wtns file. */
export function witnessValues(wtns: Uint8Array): Uint8Array {
  const sections = splitSections(wtns, "wtns", "witness");
  return section(sections, 2, "witness");
}

let singleThreadCurve: Promise<Curve> | undefined;

/**
 * snarkjs's BN254 engine: the shared multi-threaded one (ffjavascript caches it in
 * `globalThis.curve_bn128`), or one single-threaded engine per process.
 */
async function getCurve(singleThread: boolean): Promise<Curve> {
  const snarkjs = (await import("snarkjs")) as Snarkjs;
  if (!singleThread) return snarkjs.curves.getCurveFromName("bn128");
  singleThreadCurve ??= snarkjs.curves.getCurveFromName("bn128", { singleThread: true });
  return singleThreadCurve;
}

/** A, B and C evaluated over the domain, by the native addon (tests compare it with ffjavascript's field). */
export function evaluateQap(key: ProvingKey, witness: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const { addon, reason } = loadNativePoseidon();
  if (!addon) throw new Error(`evaluateQap needs the native addon: ${reason}`);
  const n = key.domainSize;
  const out: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(32 * n), new Uint8Array(32 * n), new Uint8Array(32 * n)];
  addon.qap(key.coeffs, witness, ...out, n);
  return out;
}

/** (A * B - C) on the odd coset, out of Montgomery form: snarkjs's joinABC on the engine's workers. */
async function joinAbc(curve: Curve, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  const n = a.byteLength / 32;
  const task = [
    { cmd: "ALLOCSET", var: 0, buff: a },
    { cmd: "ALLOCSET", var: 1, buff: b },
    { cmd: "ALLOCSET", var: 2, buff: c },
    { cmd: "ALLOC", var: 3, len: n * 32 },
    { cmd: "CALL", fnName: "qap_joinABC", params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }] },
    { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: "GET", out: 0, var: 3, len: n * 32 },
  ];
  const [result] = await curve.tm.queueAction(task);
  return result!;
}

/**
 * `sum_i scalars[i] * bases[i]` by the addon's msmG1 / msmG2: the bases as stored in the zkey (affine,
 * Montgomery), the scalars 32-byte little-endian in standard form, the result as one of `group`'s points.
 */
function multiExp(addon: NativePoseidon, group: Group, bases: Uint8Array, scalars: Uint8Array, threads: number): unknown {
  const size = 2 * group.F.n8;
  const n = bases.length / size;
  if (scalars.length !== 32 * n) throw new Error(`multi-exponentiation: ${n} bases but ${scalars.length / 32} scalars`);
  const out = new Uint8Array(size);
  (size === 64 ? addon.msmG1 : addon.msmG2)(bases, scalars, out, n, threads);
  return group.fromRprLEM(out, 0);
}

function stringify(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(stringify);
  return value;
}

function littleEndianToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/**
 * Proves with `key` for a witness file (circom_runtime's `calculateWTNSBin`). `singleThread` keeps the
 * work on the calling thread (one process per core in a batch).
 */
export async function proveGroth16(key: ProvingKey, wtns: Uint8Array, options: { singleThread?: boolean } = {}): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
  const singleThread = options.singleThread === true;
  const { addon } = loadNativePoseidon();
  if (!addon) {
    const snarkjs = (await import("snarkjs")) as Snarkjs;
    return snarkjs.groth16.prove({ type: "mem", data: key.bytes }, { type: "mem", data: wtns }, undefined, singleThread ? { singleThread: true } : undefined);
  }
  const witness = witnessValues(wtns);
  if (witness.length !== 32 * key.nVars) throw new Error(`the witness has ${witness.length / 32} values; the proving key expects ${key.nVars}`);
  const curve = await getCurve(singleThread);
  const { Fr, G1, G2 } = curve;
  const power = Math.log2(key.domainSize);
  const [aT, bT, cT] = evaluateQap(key, witness);
  const inc = power === Fr.s ? Fr.shift : Fr.w[power + 1]!;
  const toOddCoset = async (evaluations: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(evaluations, "", ""), Fr.e(1), inc), "", "");
  const aOdd = await toOddCoset(aT);
  const bOdd = await toOddCoset(bT);
  const cOdd = await toOddCoset(cT);
  const h = await joinAbc(curve, aOdd, bOdd, cOdd);

  // The five multi-scalar multiplications, natively on every core (or on this thread alone).
  const threads = singleThread ? 1 : availableParallelism();
  const piA0 = multiExp(addon, G1, key.bases.a, witness, threads);
  const piB1 = multiExp(addon, G1, key.bases.b1, witness, threads);
  const piB0 = multiExp(addon, G2, key.bases.b2, witness, threads);
  const piC0 = multiExp(addon, G1, key.bases.c, witness.subarray(32 * (key.nPublic + 1)), threads);
  const piH = multiExp(addon, G1, key.bases.h, h, threads);

  const alpha1 = G1.fromRprLEM(key.points.alpha1, 0);
  const beta1 = G1.fromRprLEM(key.points.beta1, 0);
  const beta2 = G2.fromRprLEM(key.points.beta2, 0);
  const delta1 = G1.fromRprLEM(key.points.delta1, 0);
  const delta2 = G2.fromRprLEM(key.points.delta2, 0);
  const r = Fr.random();
  const s = Fr.random();
  const piA = G1.add(G1.add(piA0, alpha1), G1.timesFr(delta1, r));
  const piB = G2.add(G2.add(piB0, beta2), G2.timesFr(delta2, s));
  const b1 = G1.add(G1.add(piB1, beta1), G1.timesFr(delta1, s));
  let piC = G1.add(piC0, piH);
  piC = G1.add(piC, G1.timesFr(piA, s));
  piC = G1.add(piC, G1.timesFr(b1, r));
  piC = G1.add(piC, G1.timesFr(delta1, Fr.neg(Fr.mul(r, s))));

  const publicSignals: string[] = [];
  for (let i = 1; i <= key.nPublic; i++) publicSignals.push(littleEndianToBigint(witness.subarray(32 * i, 32 * i + 32)).toString());
  const proof = {
    pi_a: stringify(G1.toObject(G1.toAffine(piA))),
    pi_b: stringify(G2.toObject(G2.toAffine(piB))),
    pi_c: stringify(G1.toObject(G1.toAffine(piC))),
    protocol: "groth16",
    curve: "bn128",
  } as Groth16Proof;
  return { proof, publicSignals };
}

/** The single-threaded engine, when one was built (callers terminate engines when done). */
export async function terminateSingleThreadCurve(): Promise<void> {
  if (!singleThreadCurve) return;
  const curve = await singleThreadCurve;
  singleThreadCurve = undefined;
  await curve.terminate();
}
