/**
 * A small seeded PRNG for the market simulation: same seed, same path, on every machine. Integer-only
 * (mulberry32 over `Math.imul`, which is exact 32-bit arithmetic), and Gaussian draws as Irwin-Hall sums of
 * uniforms in bigint, so no transcendental float function (whose last bits may differ between engines)
 * touches a price.
 */

/** A deterministic stream of 32-bit integers. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: ${seed} is not an integer`);
    // fold the seed into 32 bits; `| 0` keeps the arithmetic in int32
    this.state = (seed ^ Math.floor(seed / 2 ** 32)) | 0;
  }

  /** The next uniform 32-bit unsigned integer (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** True with probability `ppm / 10^6`. */
  chancePpm(ppm: number): boolean {
    if (ppm <= 0) return false;
    return this.nextUint32() % 1_000_000 < ppm;
  }

  /**
   * An approximately standard normal draw as an integer in units of 1/65536: the sum of 12 uniform
   * 16-bit draws minus their mean (Irwin-Hall; variance exactly 1 in these units up to 2^-32).
   */
  gaussianQ16(): bigint {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += this.nextUint32() >>> 16;
    return BigInt(sum - 393_210); // 12 * 65535 / 2: the exact mean
  }
}

/** The scale of `gaussianQ16`: one standard deviation. */
export const Q16 = 65536n;
