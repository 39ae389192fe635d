/**
 * Development-only powers of tau for snarkjs Groth16 over BN254 (bn128), computed from a KNOWN secret.
 *
 * INSECURE BY DESIGN. The secrets tau, alpha and beta are derived from a public seed string (`devSecrets`),
 * so anyone can forge proofs for any circuit set up with these files. They exist so that development and CI
 * get a phase-2-ready `.ptau` in seconds instead of the ~25 minutes snarkjs's own pipeline takes
 * (`powersoftau new` + `contribute` + `beacon` + `prepare phase2`; the group FFTs of prepare phase2 dominate).
 * Never use them for keys that protect anything.
 *
 * The file is byte-compatible with snarkjs 0.7.x: the sections 12-15 are byte-identical to what
 * `powersoftau prepare phase2` computes from the same sections 2-5, and `powersoftau verify` accepts the file
 * (one contribution record, named as insecure, whose proofs of knowledge are made from the known secrets).
 *
 * Layout ("ptau", version 1; 11 sections when prepared, 7 otherwise; N = 2^power; points are affine,
 * uncompressed, coordinates little-endian in Montgomery form, as ffjavascript stores them: G1 64 bytes, G2 128):
 *   1  header: n8 = 32 (u32), q (32 bytes LE), power (u32), ceremonyPower = power (u32)
 *   2  tauG1:      tau^i * G1,          i = 0 .. 2N-2
 *   3  tauG2:      tau^i * G2,          i = 0 .. N-1
 *   4  alphaTauG1: alpha * tau^i * G1,  i = 0 .. N-1
 *   5  betaTauG1:  beta * tau^i * G1,   i = 0 .. N-1
 *   6  betaG2:     beta * G2
 *   7  contributions: u32 count = 1, then one record as snarkjs's writeContribution lays it out (below)
 *  12  for p = 0 .. power+1, the 2^p points L_i(tau) * G1 (i = 0 .. 2^p-1, natural order)
 *  13  for p = 0 .. power,   the 2^p points L_i(tau) * G2
 *  14  for p = 0 .. power,   the 2^p points L_i(tau) * alpha*G1
 *  15  for p = 0 .. power,   the 2^p points L_i(tau) * beta*G1
 * where L_i is the Lagrange basis of the domain {w^i} of size n = 2^p, w = Fr.w[p] (ffjavascript's root of
 * unity): L_i(x) = w^i (x^n - 1) / (n (x - w^i)). snarkjs computes these sections as the inverse group FFT of
 * the first 2^p powers, which is exactly L_i(tau) times the base. The extra block p = power+1 of section 12
 * comes from the 2N-1 powers padded with a zero point, so it holds (L_i(tau) - w^i tau^(n-1) / n) * G1.
 *
 * Speed: every point is (scalar) * (one of four fixed bases G1, G2, alpha*G1, beta*G1). The scalars are computed
 * in the main thread with bigints (powers of tau; Lagrange values with one batched inversion per chunk), the
 * points in worker threads running ffjavascript's own BN254 wasm with a fixed-base window table per base
 * (about 20 mixed additions per point instead of a 254-bit double-and-add), and written at their precomputed
 * file offsets, so memory stays bounded by the chunks in flight and the tables (tens of MB per thread).
 */

import { createHash } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

export interface DevPtauProgress {
  (message: string): void;
}

export interface DevPtauOptions {
  progress?: DevPtauProgress;
  /** Public seed the secrets derive from (see `devSecrets`). */
  secretSeed?: string;
  /** Write the phase-2 sections 12-15 (default true). false stops at sections 1-7, as `powersoftau contribute` does. */
  preparePhase2?: boolean;
  /** Worker threads (default: os.availableParallelism()). */
  threads?: number;
}

export interface DevSecrets {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

/** The public seed of the development secrets. */
export const DEFAULT_DEV_PTAU_SEED = "homeostat development powers of tau v1";

/** BN254 scalar field order r and base field order q. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Two-adicity of r - 1: domains of size up to 2^28 have roots of unity. */
const FR_S = 28;
const MAX_POWER = FR_S - 1; // section 12 needs a domain of size 2^(power+1)

/** Name of the contribution record (snarkjs keeps at most 64 bytes). */
const CONTRIBUTION_NAME = "homeostat dev ptau: INSECURE, secret derived from a public seed";

const N8 = 32; // bytes of a field element (q and r are both < 2^256)
const SG1 = 2 * N8; // affine G1 point
const SG2 = 4 * N8; // affine G2 point
const SCALAR_BYTES = 32;
/** Points per job sent to a worker. */
const CHUNK = 4096;

/**
 * The development secrets, derived deterministically from a public seed: each is two SHA-256 blocks of
 * ("homeostat-dev-ptau/" + label + "/" + counter + NUL + seed) read as a 512-bit big-endian integer, reduced
 * mod r. INSECURE BY DESIGN: whoever knows the seed (it is public) knows tau, alpha and beta, and can forge
 * Groth16 proofs for every circuit set up from the resulting ptau. Development and tests only.
 */
export function devSecrets(seed: string = DEFAULT_DEV_PTAU_SEED): DevSecrets {
  return { tau: hashToField(seed, "tau"), alpha: hashToField(seed, "alpha"), beta: hashToField(seed, "beta") };
}

/**
 * Writes a BN254 ptau of 2^power (prepared for phase 2 unless `preparePhase2: false`) at outFile, atomically
 * (a temporary file in the same folder, renamed at the end). Returns the secrets it used.
 */
export async function writeDevPtau(power: number, outFile: string, options: DevPtauOptions = {}): Promise<DevSecrets> {
  if (!Number.isInteger(power) || power < 1 || power > MAX_POWER) {
    throw new Error(`writeDevPtau: power must be an integer in 1..${MAX_POWER}, got ${power}`);
  }
  const progress = options.progress ?? (() => {});
  const prepare = options.preparePhase2 ?? true;
  const seed = options.secretSeed ?? DEFAULT_DEV_PTAU_SEED;
  const secrets = devSecrets(seed);
  const { tau, alpha, beta } = secrets;
  const N = 2 ** power;
  // L_i(tau) divides by tau - w^i for every w of the largest domain: tau must not be a 2^(power+1)-th root of 1.
  if (tau === 0n || alpha === 0n || beta === 0n || powMod(tau, 2n * BigInt(N)) === 1n) {
    throw new Error("writeDevPtau: degenerate secrets for this seed; choose another seed");
  }

  const started = Date.now();
  const say = (message: string) => progress(`dev-ptau 2^${power}: ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const curve = await getCurve();
  const tmpFile = path.join(path.dirname(outFile), `.${path.basename(outFile)}.${process.pid}.${Date.now()}.tmp`);
  let fh: FileHandle | undefined;
  let pool: MulPool | undefined;
  try {
    const { G1, G2 } = curve;
    const alphaG1 = G1.toAffine(G1.timesScalar(G1.g, alpha));
    const betaG1 = G1.toAffine(G1.timesScalar(G1.g, beta));
    const bases = [G1.oneAffine, G2.oneAffine, alphaG1, betaG1];

    const contribution = contributionRecord(curve, power, secrets, seed);
    const layout = fileLayout(power, contribution.bytes.byteLength, prepare);

    fh = await open(tmpFile, "w+");
    await fh.write(layout.headerBytes, 0, layout.headerBytes.byteLength, 0);
    for (const s of layout.sections.values()) await fh.write(sectionHeader(s.id, s.size), 0, 12, s.start - 12);
    await fh.write(headerSection(power), 0, 44, layout.at(1, 0));
    await fh.write(G2.toAffine(G2.timesScalar(G2.g, beta)), 0, SG2, layout.at(6, 0));

    const threads = Math.max(1, options.threads ?? availableParallelism());
    const window = chooseWindow((4 * N) / threads);
    pool = new MulPool(curve.tm.code, bases, window, threads);
    const writer = new ChunkWriter(fh, 2 * threads + 2);

    // Sections 2-5: the scalars tau^i, on the bases G1 (2N-1 points), G2, alpha*G1 and beta*G1 (N points).
    say(`powers of tau on ${threads} thread(s), window ${window} bits`);
    const nPowers = 2 * N - 1;
    const report = reporter(nPowers, (done) => say(`powers ${done}/${nPowers}`));
    const chunk = Math.min(CHUNK, N); // divides N: no chunk straddles the end of sections 3-5
    let tauI = 1n; // tau^i at the start of the chunk
    for (let start = 0; start < nPowers; start += chunk) {
      const m = Math.min(chunk, nPowers - start);
      const scalars = new Uint8Array(m * SCALAR_BYTES);
      for (let j = 0; j < m; j++) {
        writeScalar(scalars, j, tauI);
        tauI = (tauI * tau) % R;
      }
      const targets = [{ base: BASE_G1, offset: layout.at(2, start * SG1) }];
      if (start < N) {
        targets.push(
          { base: BASE_G2, offset: layout.at(3, start * SG2) },
          { base: BASE_ALPHA_G1, offset: layout.at(4, start * SG1) },
          { base: BASE_BETA_G1, offset: layout.at(5, start * SG1) },
        );
      }
      await writer.submit(pool.run(scalars, targets), () => report(start + m));
    }
    await writer.drain();

    // Sections 12-15: for each domain size 2^p, the Lagrange values L_i(tau) on the same four bases.
    if (prepare) {
      const total = 2 ** (power + 2) - 1;
      const reportL = reporter(total, (done) => say(`Lagrange points ${done}/${total}`));
      let done = 0;
      const tauPow2 = [tau]; // tau^(2^p)
      for (let p = 1; p <= power + 1; p++) tauPow2.push((tauPow2[p - 1]! * tauPow2[p - 1]!) % R);
      for (let p = 0; p <= power + 1; p++) {
        const n = 2 ** p;
        const omega = curve.Fr.toObject(curve.Fr.w[p]!);
        if (powMod(omega, BigInt(n)) !== 1n || (p > 0 && powMod(omega, BigInt(n / 2)) === 1n)) {
          throw new Error(`writeDevPtau: Fr.w[${p}] is not a primitive 2^${p}-th root of unity`);
        }
        const nInv = invMod(BigInt(n));
        const z = ((tauPow2[p]! - 1n + R) % R) * nInv % R; // (tau^n - 1) / n
        // The block p = power+1 of section 12 lacks the power tau^(n-1) (snarkjs pads 2N-1 powers with zero).
        const extra = p === power + 1;
        const correction = extra ? (tauPow2[p]! * invMod(tau) % R) * nInv % R : 0n; // tau^(n-1) / n
        const offsetInSection = n - 1; // blocks of 1, 2, 4, ... points precede this one
        for (let start = 0; start < n; start += CHUNK) {
          const m = Math.min(CHUNK, n - start);
          const scalars = lagrangeChunk(tau, omega, z, correction, start, m);
          const targets = [{ base: BASE_G1, offset: layout.at(12, (offsetInSection + start) * SG1) }];
          if (!extra) {
            targets.push(
              { base: BASE_G2, offset: layout.at(13, (offsetInSection + start) * SG2) },
              { base: BASE_ALPHA_G1, offset: layout.at(14, (offsetInSection + start) * SG1) },
              { base: BASE_BETA_G1, offset: layout.at(15, (offsetInSection + start) * SG1) },
            );
          }
          done += m;
          const doneNow = done;
          await writer.submit(pool.run(scalars, targets), () => reportL(doneNow));
        }
      }
      await writer.drain();
    }
    await pool.close();
    pool = undefined;

    // Section 7: the contribution record, whose last field hashes sections 2-6 as written.
    say("hashing the response for the contribution record");
    const nextChallenge = await responseChallenge(curve, fh, layout, power, contribution.responseHash);
    contribution.bytes.set(nextChallenge, contribution.nextChallengeOffset);
    await fh.write(contribution.bytes, 0, contribution.bytes.byteLength, layout.at(7, 4));
    await fh.write(u32le(1), 0, 4, layout.at(7, 0));

    await fh.close();
    fh = undefined;
    await rename(tmpFile, outFile);
    say(`wrote ${outFile}`);
    return secrets;
  } catch (err) {
    await pool?.close().catch(() => {});
    await fh?.close().catch(() => {});
    await unlink(tmpFile).catch(() => {});
    throw err;
  } finally {
    await curve.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// snarkjs's curve engine (ffjavascript ships no types: the parts used here)

interface CurveGroup {
  /** Generator, jacobian; `oneAffine`: the same in affine form. */
  g: Uint8Array;
  oneAffine: Uint8Array;
  timesScalar(point: Uint8Array, scalar: bigint): Uint8Array;
  toAffine(point: Uint8Array): Uint8Array;
  toUncompressed(point: Uint8Array): Uint8Array;
  /** Little-endian Montgomery affine points to the uncompressed (big-endian, normal form) encoding. */
  batchLEMtoU(points: Uint8Array): Promise<Uint8Array>;
  fromRng(rng: ChaCha): Uint8Array;
}

interface Bn128 {
  q: bigint;
  r: bigint;
  Fr: { w: Uint8Array[]; s: number; toObject(a: Uint8Array): bigint };
  G1: CurveGroup;
  G2: CurveGroup;
  /** The compiled BN254 wasm (kept by single-threaded engines); the workers instantiate it themselves. */
  tm: { code: Uint8Array };
  terminate(): Promise<void>;
}

/** A single-threaded engine of snarkjs's own ffjavascript: the same wasm and encodings snarkjs reads with. */
async function getCurve(): Promise<Bn128> {
  const snarkjs = (await import("snarkjs")) as unknown as {
    curves: { getCurveFromName(name: string, options: { singleThread: boolean }): Promise<Bn128> };
  };
  const curve = await snarkjs.curves.getCurveFromName("bn128", { singleThread: true });
  if (curve.q !== Q || curve.r !== R || curve.Fr.s !== FR_S || !(curve.tm.code instanceof Uint8Array)) {
    throw new Error("writeDevPtau: unexpected bn128 engine from snarkjs");
  }
  return curve;
}

// ---------------------------------------------------------------------------------------------------------------
// File layout

interface SectionPlace {
  id: number;
  /** Offset of the first data byte (the 12-byte section header precedes it). */
  start: number;
  size: number;
}

interface Layout {
  headerBytes: Uint8Array;
  sections: Map<number, SectionPlace>;
  /** File offset of byte `offset` of section `id`. */
  at(id: number, offset: number): number;
}

function fileLayout(power: number, contributionBytes: number, prepare: boolean): Layout {
  const N = 2 ** power;
  const sizes: [number, number][] = [
    [1, 4 + N8 + 4 + 4],
    [2, (2 * N - 1) * SG1],
    [3, N * SG2],
    [4, N * SG1],
    [5, N * SG1],
    [6, SG2],
    [7, 4 + contributionBytes],
  ];
  if (prepare) {
    // Blocks of 2^p points for p = 0 .. power (+ power+1 for section 12): 2^(power+1)-1 (2^(power+2)-1) points.
    sizes.push([12, (4 * N - 1) * SG1], [13, (2 * N - 1) * SG2], [14, (2 * N - 1) * SG1], [15, (2 * N - 1) * SG1]);
  }
  const headerBytes = new Uint8Array(12);
  headerBytes.set([0x70, 0x74, 0x61, 0x75]); // "ptau"
  const dv = new DataView(headerBytes.buffer);
  dv.setUint32(4, 1, true); // version
  dv.setUint32(8, sizes.length, true); // number of sections
  const sections = new Map<number, SectionPlace>();
  let pos = headerBytes.byteLength;
  for (const [id, size] of sizes) {
    sections.set(id, { id, start: pos + 12, size });
    pos += 12 + size;
  }
  return {
    headerBytes,
    sections,
    at(id, offset) {
      const s = sections.get(id);
      if (!s || offset < 0 || offset > s.size) throw new Error(`dev-ptau: no byte ${offset} in section ${id}`);
      return s.start + offset;
    },
  };
}

function sectionHeader(id: number, size: number): Uint8Array {
  const b = new Uint8Array(12);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, id, true);
  dv.setBigUint64(4, BigInt(size), true);
  return b;
}

/** Section 1, as snarkjs's writePTauHeader writes it. */
function headerSection(power: number): Uint8Array {
  const b = new Uint8Array(44);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, N8, true);
  writeScalar(b.subarray(4, 4 + N8), 0, Q);
  dv.setUint32(4 + N8, power, true); // power
  dv.setUint32(8 + N8, power, true); // ceremonyPower
  return b;
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// Scalars (bigints mod r)

function mod(a: bigint): bigint {
  const x = a % R;
  return x < 0n ? x + R : x;
}

function powMod(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % R;
    b = (b * b) % R;
    e >>= 1n;
  }
  return result;
}

function invMod(a: bigint): bigint {
  if (mod(a) === 0n) throw new Error("dev-ptau: inverse of zero");
  return powMod(a, R - 2n);
}

const MASK64 = (1n << 64n) - 1n;

/** Writes a scalar in [0, 2^256) as 32 bytes little-endian at slot j of buff. */
function writeScalar(buff: Uint8Array, j: number, x: bigint): void {
  const dv = new DataView(buff.buffer, buff.byteOffset + j * SCALAR_BYTES, SCALAR_BYTES);
  dv.setBigUint64(0, x & MASK64, true);
  dv.setBigUint64(8, (x >> 64n) & MASK64, true);
  dv.setBigUint64(16, (x >> 128n) & MASK64, true);
  dv.setBigUint64(24, x >> 192n, true);
}

/**
 * Scalars i = start .. start+m-1 of one Lagrange block: z * w^i / (tau - w^i), minus w^i * correction
 * (z = (tau^n - 1)/n; correction is 0 except for the last block of section 12). One batched inversion.
 */
function lagrangeChunk(tau: bigint, omega: bigint, z: bigint, correction: bigint, start: number, m: number): Uint8Array {
  const ws = new Array<bigint>(m);
  const prefix = new Array<bigint>(m); // prefix[j] = (tau - w^start) ... (tau - w^(start+j))
  let w = powMod(omega, BigInt(start));
  let acc = 1n;
  for (let j = 0; j < m; j++) {
    ws[j] = w;
    acc = (acc * mod(tau - w)) % R;
    prefix[j] = acc;
    w = (w * omega) % R;
  }
  let inv = invMod(acc); // 1 / prefix[m-1]
  const out = new Uint8Array(m * SCALAR_BYTES);
  for (let j = m - 1; j >= 0; j--) {
    const wj = ws[j]!;
    const invDen = j > 0 ? (inv * prefix[j - 1]!) % R : inv; // 1 / (tau - w^j)
    inv = (inv * mod(tau - wj)) % R; // 1 / prefix[j-1]
    writeScalar(out, j, mod(wj * ((z * invDen - correction) % R)));
  }
  return out;
}

/** Secret-derivation: see devSecrets. */
function hashToField(seed: string, label: string): bigint {
  const block = (i: number) => createHash("sha256").update(`homeostat-dev-ptau/${label}/${i}\0${seed}`, "utf8").digest("hex");
  const x = BigInt("0x" + block(0) + block(1)) % R;
  return x === 0n ? 1n : x;
}

// ---------------------------------------------------------------------------------------------------------------
// Contribution record (section 7) and the hashes powersoftau verify checks

interface Contribution {
  /** The record, without the count that precedes it in section 7. */
  bytes: Uint8Array;
  /** Where the next-challenge hash goes once sections 2-6 are written. */
  nextChallengeOffset: number;
  responseHash: Uint8Array;
}

function blake2b512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("blake2b512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * One contribution record (type 0, i.e. not a beacon) taking the initial accumulator (all generators) to these
 * secrets, laid out as snarkjs's writeContribution: tauG1, tauG2, alphaG1, betaG1, betaG2; the public key
 * (tau, alpha, beta proofs of knowledge: g1_s, g1_sx of each, then g2_spx of each; LEM); the 216-byte partial
 * hash; the next challenge (64 bytes, filled in later); type (u32 0); parameters (u32 length, then the name).
 * Instead of snarkjs's random g1_s points we use s * G1 with s derived from the seed: verify only checks ratios.
 */
function contributionRecord(curve: Bn128, power: number, secrets: DevSecrets, seed: string): Contribution {
  const { G1, G2 } = curve;
  const challenge = firstChallengeHash(curve, power);
  const keys = (["tau", "alpha", "beta"] as const).map((name, personalization) => {
    const x = secrets[name];
    const s = hashToField(seed, `pubkey-${name}`);
    const g1s = G1.toAffine(G1.timesScalar(G1.g, s));
    const g1sx = G1.toAffine(G1.timesScalar(G1.g, (s * x) % R));
    // snarkjs keypair.getG2sp: hash of (personalization, challenge, g1_s, g1_sx) -> ChaCha seed -> G2 point.
    const h = blake2b512(new Uint8Array([personalization]), challenge, G1.toUncompressed(g1s), G1.toUncompressed(g1sx));
    const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const g2sp = G2.toAffine(G2.fromRng(new ChaCha(Array.from({ length: 8 }, (_, i) => hv.getUint32(i * 4)))));
    const g2spx = G2.toAffine(G2.timesScalar(g2sp, x));
    return { g1s, g1sx, g2spx };
  });
  const [kt, ka, kb] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
  const keyOrder = [kt.g1s, kt.g1sx, ka.g1s, ka.g1sx, kb.g1s, kb.g1sx, kt.g2spx, ka.g2spx, kb.g2spx];

  const keyLEM = concat(keyOrder);
  const keyU = concat(keyOrder.map((p) => (p.byteLength === SG1 ? G1 : G2).toUncompressed(p)));
  // The response hash is blake2b(challenge || public key, uncompressed); snarkjs stores the hasher's state
  // after the challenge and recomputes it from there.
  const responseHash = blake2b512(challenge, keyU);

  const name = new TextEncoder().encode(CONTRIBUTION_NAME);
  if (name.byteLength > 64) throw new Error("dev-ptau: contribution name too long");
  const params = new Uint8Array([1, name.byteLength, ...name]); // parameter 1: name
  const points = [
    G1.toAffine(G1.timesScalar(G1.g, secrets.tau)),
    G2.toAffine(G2.timesScalar(G2.g, secrets.tau)),
    G1.toAffine(G1.timesScalar(G1.g, secrets.alpha)),
    G1.toAffine(G1.timesScalar(G1.g, secrets.beta)),
    G2.toAffine(G2.timesScalar(G2.g, secrets.beta)),
  ];
  const head = concat([...points, keyLEM, blake2bPartialState(challenge)]);
  const bytes = concat([head, new Uint8Array(64), u32le(0), u32le(params.byteLength), params]);
  return { bytes, nextChallengeOffset: head.byteLength, responseHash };
}

/**
 * snarkjs's "partialHash": the 216-byte internal state of @noble/hashes' blake2b (64-byte digest, no key) after
 * absorbing the 64-byte challenge (misc.toPartialHash). Nothing was compressed yet, so it is: the 128-byte
 * block buffer (challenge, then zeros), the chaining value h0..h7 (the IV, h0 xored with the parameter word
 * 0x01010040) as 16 little-endian u32 (low, high), then u32 (length - pos) = 0, u32 0, u32 pos = 64, u32 0,
 * and 8 unused bytes.
 */
function blake2bPartialState(challenge: Uint8Array): Uint8Array {
  const IV = [
    0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1,
    0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
  ];
  const out = new Uint8Array(216);
  out.set(challenge, 0);
  const dv = new DataView(out.buffer);
  IV.forEach((w, i) => dv.setUint32(128 + 4 * i, i === 0 ? (w ^ 0x01010040) >>> 0 : w, true));
  dv.setUint32(128 + 64, 0, true); // length - pos
  dv.setUint32(128 + 72, challenge.byteLength, true); // pos
  return out;
}

/**
 * snarkjs's calculateFirstChallengeHash: blake2b over blake2b(""), then the initial accumulator (every point
 * the generator) in the uncompressed encoding: 2N-1 G1, N G2, N G1, N G1, 1 G2.
 */
function firstChallengeHash(curve: Bn128, power: number): Uint8Array {
  const N = 2 ** power;
  const g1 = curve.G1.toUncompressed(curve.G1.g);
  const g2 = curve.G2.toUncompressed(curve.G2.g);
  const h = createHash("blake2b512");
  h.update(blake2b512());
  const repeat = (point: Uint8Array, count: number) => {
    const block = new Uint8Array(Math.min(count, 4096) * point.byteLength);
    for (let i = 0; i < block.byteLength; i += point.byteLength) block.set(point, i);
    for (let left = count; left > 0; left -= 4096) h.update(block.subarray(0, Math.min(left, 4096) * point.byteLength));
  };
  repeat(g1, 2 * N - 1);
  repeat(g2, N);
  repeat(g1, N);
  repeat(g1, N);
  h.update(g2);
  return new Uint8Array(h.digest());
}

/** The next challenge: blake2b(responseHash || sections 2, 3, 4, 5, 6 in the uncompressed encoding). */
async function responseChallenge(curve: Bn128, fh: FileHandle, layout: Layout, power: number, responseHash: Uint8Array): Promise<Uint8Array> {
  const N = 2 ** power;
  const h = createHash("blake2b512");
  h.update(responseHash);
  const parts: [number, CurveGroup, number, number][] = [
    [2, curve.G1, SG1, 2 * N - 1],
    [3, curve.G2, SG2, N],
    [4, curve.G1, SG1, N],
    [5, curve.G1, SG1, N],
    [6, curve.G2, SG2, 1],
  ];
  for (const [id, G, size, count] of parts) {
    for (let i = 0; i < count; i += 1 << 14) {
      const n = Math.min(count - i, 1 << 14);
      const buff = new Uint8Array(n * size);
      const { bytesRead } = await fh.read(buff, 0, buff.byteLength, layout.at(id, i * size));
      if (bytesRead !== buff.byteLength) throw new Error("dev-ptau: short read while hashing");
      h.update(await G.batchLEMtoU(buff));
    }
  }
  return new Uint8Array(h.digest());
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

/** ffjavascript's ChaCha20-based generator (snarkjs hashes to G2 with it): same state, order and outputs. */
class ChaCha {
  private readonly state: number[];
  private readonly buff = new Array<number>(16).fill(0);
  private idx = 16;

  constructor(seed: number[]) {
    this.state = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, ...seed.slice(0, 8), 0, 0, 0, 0];
  }

  nextU32(): number {
    if (this.idx === 16) this.update();
    return this.buff[this.idx++]!;
  }

  nextU64(): bigint {
    const hi = this.nextU32();
    return BigInt(hi) * 0x100000000n + BigInt(this.nextU32());
  }

  nextBool(): boolean {
    return (this.nextU32() & 1) === 1;
  }

  private update(): void {
    const st = this.buff;
    for (let i = 0; i < 16; i++) st[i] = this.state[i]!;
    const quarter = (a: number, b: number, c: number, d: number) => {
      st[a] = (st[a]! + st[b]!) >>> 0;
      st[d] = rotl(st[d]! ^ st[a]!, 16);
      st[c] = (st[c]! + st[d]!) >>> 0;
      st[b] = rotl(st[b]! ^ st[c]!, 12);
      st[a] = (st[a]! + st[b]!) >>> 0;
      st[d] = rotl(st[d]! ^ st[a]!, 8);
      st[c] = (st[c]! + st[d]!) >>> 0;
      st[b] = rotl(st[b]! ^ st[c]!, 7);
    };
    for (let i = 0; i < 10; i++) {
      quarter(0, 4, 8, 12);
      quarter(1, 5, 9, 13);
      quarter(2, 6, 10, 14);
      quarter(3, 7, 11, 15);
      quarter(0, 5, 10, 15);
      quarter(1, 6, 11, 12);
      quarter(2, 7, 8, 13);
      quarter(3, 4, 9, 14);
    }
    for (let i = 0; i < 16; i++) st[i] = (st[i]! + this.state[i]!) >>> 0;
    this.idx = 0;
    // 128-bit block counter in words 12..15
    for (let i = 12; i < 16; i++) {
      this.state[i] = (this.state[i]! + 1) >>> 0;
      if (this.state[i] !== 0) break;
    }
  }
}

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed-base multiplication in worker threads

const BASE_G1 = 0;
const BASE_G2 = 1;
const BASE_ALPHA_G1 = 2;
const BASE_BETA_G1 = 3;

interface Target {
  /** Index into the bases given to the pool. */
  base: number;
  /** File offset of the chunk's first point. */
  offset: number;
}

interface JobResult {
  targets: Target[];
  points: Uint8Array[];
}

/**
 * Window (bits) of the fixed-base tables: each point costs ceil(254/w) mixed additions, each table
 * ceil(254/w) * 2^w jacobian additions (plus the affine conversion, ~1.5 additions' worth), per thread.
 */
function chooseWindow(pointsPerBasePerThread: number): number {
  let best = 8;
  let bestCost = Infinity;
  for (let w = 4; w <= 14; w++) {
    const cost = Math.ceil(254 / w) * (pointsPerBasePerThread + 1.5 * 2 ** w);
    if (cost < bestCost) {
      best = w;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * The worker: instantiates ffjavascript's BN254 wasm (the code of the main thread's engine) with its own memory
 * and computes, for each job, scalar_j * base for every scalar and requested base, returning affine LEM points.
 * Per base it keeps a table T[k][d] = d * 2^(w k) * base (affine) for the windows k = 0 .. ceil(254/w)-1 and
 * digits d = 1 .. 2^w-1, so scalar * base = sum over k of T[k][digit k of scalar] (scalars are < r < 2^254).
 * Plain JavaScript (it runs as an eval'd CommonJS worker, not through the TypeScript loader).
 */
const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { code, bases, window: W } = workerData;
const D = 1 << W;                 // table entries per window (entry 0 unused)
const K = Math.ceil(254 / W);     // windows
const byteOf = [], shiftOf = [], mask1 = [], mask2 = [];
for (let k = 0; k < K; k++) {
  const bit = k * W, b = bit >> 3;
  byteOf.push(b); shiftOf.push(bit & 7);
  mask1.push(b + 1 < 32 ? 0xff : 0); mask2.push(b + 2 < 32 ? 0xff : 0);
}

let memory, ex, top;
const tables = new Map();

function align(p) { return (p + 63) & ~63; }
// Reserves [top, top+len) and keeps room above it for the temporaries of the wasm batch functions, which
// allocate from the pointer stored at address 0.
function reserve(len, slack) {
  const p = top, end = align(p + len), need = end + slack + 65536;
  if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  new Uint32Array(memory.buffer)[0] = end;
  return p;
}

function table(b) {
  let t = tables.get(b);
  if (t) return t;
  const g = bases[b].group, n8 = g === "g1m" ? 32 : 64, sA = 2 * n8, sJ = 3 * n8;
  const pTable = reserve(K * D * sA, 0);
  top = align(pTable + K * D * sA);
  const scratch = top;
  const pP = reserve(sJ, 0); top = align(pP + sJ);        // P = 2^(W k) * base, jacobian
  const pA = reserve(sA, 0); top = align(pA + sA);        // the same, affine
  const pRow = reserve(D * sJ, 2 * D * sJ);
  new Uint8Array(memory.buffer).set(bases[b].point, pA);
  ex[g + "_toJacobian"](pA, pP);
  const addMixed = ex[g + "_addMixed"];
  for (let k = 0; k < K; k++) {
    ex[g + "_toAffine"](pP, pA);
    ex[g + "_zero"](pRow);
    ex[g + "_copy"](pP, pRow + sJ);
    for (let d = 2; d < D; d++) addMixed(pRow + (d - 1) * sJ, pA, pRow + d * sJ);
    ex[g + "_batchToAffine"](pRow, D, pTable + k * D * sA);
    for (let i = 0; i < W; i++) ex[g + "_double"](pP, pP);
  }
  top = scratch;                                  // free the scratch, keep the table
  t = { g, sA, sJ, pTable };
  tables.set(b, t);
  return t;
}

function multiply(b, s, m) {
  const { g, sA, sJ, pTable } = table(b);
  const addMixed = ex[g + "_addMixed"], toJacobian = ex[g + "_toJacobian"], zero = ex[g + "_zero"];
  const pOut = reserve(m * sJ, 2 * m * sJ);
  for (let i = 0; i < m; i++) {
    const o = pOut + i * sJ, base = i * 32;
    let empty = true;
    for (let k = 0; k < K; k++) {
      const at = base + byteOf[k];
      const v = s[at] | ((s[at + 1] & mask1[k]) << 8) | ((s[at + 2] & mask2[k]) << 16);
      const d = (v >>> shiftOf[k]) & (D - 1);
      if (d === 0) continue;
      if (empty) toJacobian(pTable + (k * D + d) * sA, o);
      else addMixed(o, pTable + (k * D + d) * sA, o);
      empty = false;
    }
    if (empty) zero(o);
  }
  ex[g + "_batchToAffine"](pOut, m, pOut);
  return new Uint8Array(memory.buffer, pOut, m * sA).slice();
}

(async () => {
  memory = new WebAssembly.Memory({ initial: 32, maximum: 32767 });
  ({ instance: { exports: ex } } = await WebAssembly.instantiate(code, { env: { memory } }));
  top = align(new Uint32Array(memory.buffer)[0]);
  parentPort.on("message", ({ id, scalars, baseIds }) => {
    try {
      const m = scalars.byteLength / 32;
      const points = baseIds.map((b) => multiply(b, scalars, m));
      parentPort.postMessage({ id, points }, points.map((p) => p.buffer));
    } catch (err) {
      parentPort.postMessage({ id, error: String(err && err.stack || err) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((err) => { throw err; });
`;

interface WorkerReply {
  ready?: boolean;
  id?: number;
  points?: Uint8Array[];
  error?: string;
}

interface Job {
  id: number;
  scalars: Uint8Array;
  targets: Target[];
  resolve(result: JobResult): void;
  reject(err: Error): void;
}

/** A pool of workers computing scalar * base for fixed bases, one job per idle worker, FIFO. */
class MulPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(code: Uint8Array, bases: Uint8Array[], window: number, threads: number) {
    const baseSpecs = bases.map((point) => ({ group: point.byteLength === SG1 ? "g1m" : "g2m", point }));
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { code, bases: baseSpecs, window } });
      worker.on("message", (reply: WorkerReply) => this.onReply(worker, reply));
      worker.on("error", (err) => this.fail(err));
      worker.on("exit", (exitCode) => {
        if (this.running.has(worker) || !this.failure) this.fail(new Error(`dev-ptau worker exited (${exitCode})`));
      });
      this.workers.push(worker);
    }
  }

  run(scalars: Uint8Array, targets: Target[]): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ id: this.nextId++, scalars, targets, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error("dev-ptau: pool closed");
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    if (reply.ready) {
      this.idle.push(worker);
    } else {
      const job = this.running.get(worker);
      this.running.delete(worker);
      this.idle.push(worker);
      if (!job) return;
      if (reply.error !== undefined || !reply.points) job.reject(new Error(`dev-ptau worker: ${reply.error}`));
      else job.resolve({ targets: job.targets, points: reply.points });
    }
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage({ id: job.id, scalars: job.scalars, baseIds: job.targets.map((t) => t.base) }, [job.scalars.buffer as ArrayBuffer]);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const job of [...this.running.values(), ...this.queue]) job.reject(err);
    this.running.clear();
    this.queue.length = 0;
  }
}

/** Writes job results at their offsets, keeping at most `maxInFlight` jobs outstanding. */
class ChunkWriter {
  private readonly inFlight: Promise<void>[] = [];
  private readonly fh: FileHandle;
  private readonly maxInFlight: number;

  constructor(fh: FileHandle, maxInFlight: number) {
    this.fh = fh;
    this.maxInFlight = maxInFlight;
  }

  async submit(job: Promise<JobResult>, onWritten: () => void): Promise<void> {
    const written = job.then(async ({ targets, points }) => {
      for (let i = 0; i < targets.length; i++) {
        const p = points[i]!;
        await this.fh.write(p, 0, p.byteLength, targets[i]!.offset);
      }
      onWritten();
    });
    written.catch(() => {}); // observed by drain/submit; avoid an unhandled rejection meanwhile
    this.inFlight.push(written);
    if (this.inFlight.length >= this.maxInFlight) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
  }
}

/** Calls report(done) each time another tenth of `total` is done (progress may arrive out of order). */
function reporter(total: number, report: (done: number) => void): (done: number) => void {
  let next = total / 10;
  let best = 0;
  return (done) => {
    best = Math.max(best, done);
    if (best >= next) {
      report(best);
      next = Math.min(total, best + total / 10);
      if (best === total) next = Infinity;
    }
  };
}
