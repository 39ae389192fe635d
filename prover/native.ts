/**
 * Loads the native Poseidon addon (native/poseidon.c) used to build large liabilities trees fast; its
 * field arithmetic also serves the Groth16 prover (prover/groth16.ts: QAP evaluation, multi-scalar
 * multiplications).
 * The addon is compiled on first use with the machine's C compiler (`$CC`, else `cc`) into
 * build/native/ under a name that carries the source's hash, so a changed source is rebuilt and a
 * concurrent build never leaves a half-written file (temp file + rename). When no compiler is there,
 * or `HOMEOSTAT_NATIVE=0`, callers fall back to poseidon-lite (core/hash.ts): same results, slower.
 * The addon picks its fastest arithmetic for the CPU (AVX-512 IFMA, else BMI2/ADX, else plain C);
 * `HOMEOSTAT_NATIVE_ENGINE=c|adx|ifma` caps it.
 * The round constants come from circomlibjs's published tables; tests compare every layout with
 * core/hash.ts.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The addon's functions (see the header of native/poseidon.c). */
export interface NativePoseidon {
  /** `out[i] = Poseidon(inputs[i*nInputs .. +nInputs])`; 32-byte big-endian canonical field elements. */
  hash(nInputs: number, inputs: Uint8Array, out: Uint8Array, count: number, threads: number): void;
  /** Parents of `2*count` sum-tree records (48 bytes: hash 32 BE | sum 16 BE) into `count` records. */
  sumLevel(children: Uint8Array, out: Uint8Array, count: number, threads: number): void;
  /**
   * The arithmetic in use (see ENGINES), after capping `wanted` to what this CPU has. Process-wide: the
   * fastest is chosen at load, tests lower it to check the other code paths.
   */
  engine(wanted?: number): number;
  /**
   * Groth16's QAP evaluation (prover/groth16.ts): from the proving key's coefficient section and the
   * witness (32-byte little-endian elements), the A, B and C evaluations over the domain.
   */
  qap(coeffs: Uint8Array, witness: Uint8Array, outA: Uint8Array, outB: Uint8Array, outC: Uint8Array, domainSize: number): void;
  /**
   * `out = sum_i scalars[i] * bases[i]` on BN254's G1 (Pippenger, windows shared among `threads` threads), in
   * ffjavascript's formats: `bases` n affine points x|y of 32-byte little-endian Montgomery elements of Fq
   * (all zero for infinity, as in a zkey), `scalars` n 32-byte little-endian integers (taken modulo the group
   * order), `out` the affine result in the bases' form (64 bytes; all zero for infinity).
   */
  msmG1(bases: Uint8Array, scalars: Uint8Array, out: Uint8Array, n: number, threads: number): void;
  /** The same on G2: points of 128 bytes (x.c0|x.c1|y.c0|y.c1, Fq2 = Fq[u]/(u^2 + 1)), `out` 128 bytes. */
  msmG2(bases: Uint8Array, scalars: Uint8Array, out: Uint8Array, n: number, threads: number): void;
}

/** The addon's arithmetic engines, by the number `engine()` uses. */
export const ENGINES = ["C (64-bit limbs)", "BMI2/ADX", "AVX-512 IFMA, 8 lanes"] as const;
/** `HOMEOSTAT_NATIVE_ENGINE` values, by engine number. */
const ENGINE_NAMES = ["c", "adx", "ifma"];

interface RawAddon extends NativePoseidon {
  setParams(t: number, roundsP: number, C: Uint8Array, S: Uint8Array, M: Uint8Array, P: Uint8Array): void;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(HERE, "native", "poseidon.c");
const PROJECT_ROOT = path.resolve(HERE, "..");
const ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
/** Poseidon widths (t = inputs + 1) the liabilities code uses: leaf 3, node 4, list hash 8. */
const WIDTHS = [4, 5, 9];

let cached: { addon: NativePoseidon | undefined; reason: string } | undefined;

function be32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

function packConstants(values: readonly string[]): Uint8Array {
  const out = new Uint8Array(values.length * 32);
  values.forEach((v, i) => out.set(be32(BigInt(v)), i * 32));
  return out;
}

function compile(target: string): void {
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    execFileSync(process.env.CC || "cc", ["-O3", "-shared", "-fPIC", "-o", tmp, SOURCE, "-lpthread"], { stdio: "pipe" });
    renameSync(tmp, target);
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
}

/**
 * The native Poseidon, compiled and loaded on first call, or `undefined` (with the reason) when it is
 * disabled or cannot be built here.
 */
export function loadNativePoseidon(): { addon: NativePoseidon | undefined; reason: string } {
  if (cached) return cached;
  if (process.env.HOMEOSTAT_NATIVE === "0") return (cached = { addon: undefined, reason: "disabled by HOMEOSTAT_NATIVE=0" });
  try {
    const source = readFileSync(SOURCE);
    const tag = createHash("sha256").update(source).update(process.arch).digest("hex").slice(0, 16);
    const target = path.join(PROJECT_ROOT, "build", "native", `poseidon-${tag}.node`);
    if (!existsSync(target)) compile(target);
    const require = createRequire(import.meta.url);
    const addon = require(target) as RawAddon;
    const constantsFile = path.join(path.dirname(require.resolve("circomlibjs")), "..", "src", "poseidon_constants_opt.json");
    const opt = JSON.parse(readFileSync(constantsFile, "utf8")) as { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] };
    for (const t of WIDTHS) {
      addon.setParams(
        t,
        ROUNDS_P[t - 2]!,
        packConstants(opt.C[t - 2]!),
        packConstants(opt.S[t - 2]!),
        packConstants(opt.M[t - 2]!.flat()),
        packConstants(opt.P[t - 2]!.flat()),
      );
    }
    const wanted = process.env.HOMEOSTAT_NATIVE_ENGINE;
    if (wanted) {
      const n = ENGINE_NAMES.indexOf(wanted);
      if (n < 0) throw new Error(`HOMEOSTAT_NATIVE_ENGINE must be one of ${ENGINE_NAMES.join(", ")}, got ${wanted}`);
      addon.engine(n);
    }
    cached = { addon, reason: "native" };
  } catch (e) {
    const err = e as { stderr?: Buffer; message?: string };
    const detail = (err.stderr?.toString() || err.message || String(e)).split("\n")[0];
    cached = { addon: undefined, reason: `native Poseidon unavailable (${detail})` };
  }
  return cached;
}
