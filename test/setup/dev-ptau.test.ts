// Pins the development powers of tau (setup/dev-ptau.ts), computed from its published secret without a
// group FFT: snarkjs's own `prepare phase2` on our unprepared file gives our prepared file byte for byte;
// `powersoftau verify` accepts it and refuses a copy with two Lagrange points swapped; the powers are the
// documented secret's; the bytes do not depend on the thread count. The end to end use (a zkey made on it,
// verified, and proofs) is in test/setup-pipeline.test.ts, through `setup` with no ptau anywhere.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEV_PTAU_SEED, devSecrets, writeDevPtau } from "../../setup/dev-ptau.ts";
import { readPtauHeader } from "../../setup/ptau.ts";
import { makeSnarkjsLogger } from "../../setup/progress.ts";

const POWER = 8;
let dir: string;
let prepared: Buffer;

interface Curve {
  r: bigint;
  G1: { g: unknown; eq(a: unknown, b: unknown): boolean; fromRprLEM(b: Uint8Array, o: number): unknown; timesScalar(p: unknown, s: bigint): unknown };
  G2: { g: unknown; eq(a: unknown, b: unknown): boolean; fromRprLEM(b: Uint8Array, o: number): unknown; timesScalar(p: unknown, s: bigint): unknown };
  terminate(): Promise<void>;
}
interface Snarkjs {
  powersOfTau: { preparePhase2(a: string, b: string, logger?: unknown): Promise<void>; verify(f: string, logger?: unknown): Promise<boolean> };
  curves: { getCurveFromName(n: string, o: { singleThread: boolean }): Promise<Curve> };
}
const snarkjs = (await import("snarkjs")) as unknown as Snarkjs;
const quiet = makeSnarkjsLogger(() => {});

/** Section id -> [offset, size] of a snarkjs binary file. */
function sections(buf: Buffer): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  let pos = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.set(id, [pos + 12, size]);
    pos += 12 + size;
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-devptau-"));
  await writeDevPtau(POWER, path.join(dir, "ours.ptau"));
  prepared = readFileSync(path.join(dir, "ours.ptau"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("development powers of tau", () => {
  it("is what snarkjs's prepare phase 2 makes of our unprepared file, byte for byte", async () => {
    await writeDevPtau(POWER, path.join(dir, "unprepared.ptau"), { preparePhase2: false });
    await snarkjs.powersOfTau.preparePhase2(path.join(dir, "unprepared.ptau"), path.join(dir, "theirs.ptau"), quiet);
    const theirs = readFileSync(path.join(dir, "theirs.ptau"));
    expect([...sections(prepared).keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
    expect(theirs.length).toBe(prepared.length);
    expect(theirs.equals(prepared)).toBe(true);
    expect(readPtauHeader(path.join(dir, "ours.ptau"))).toEqual({ power: POWER, ceremonyPower: POWER, prepared: true });
  }, 120_000);

  it("passes snarkjs's powersoftau verify, which refuses a copy with two Lagrange points swapped", async () => {
    expect(await snarkjs.powersOfTau.verify(path.join(dir, "ours.ptau"), quiet)).toBe(true);
    const tampered = Buffer.from(prepared);
    const [o13] = sections(tampered).get(13)!;
    const a = Buffer.from(tampered.subarray(o13 + 128 * 3, o13 + 128 * 4));
    tampered.copy(tampered, o13 + 128 * 3, o13 + 128 * 4, o13 + 128 * 5);
    a.copy(tampered, o13 + 128 * 4);
    writeFileSync(path.join(dir, "tampered.ptau"), tampered);
    expect(await snarkjs.powersOfTau.verify(path.join(dir, "tampered.ptau"), quiet)).toBe(false);
  }, 120_000);

  it("holds the powers of the documented secret, whatever the thread count", async () => {
    const curve = await snarkjs.curves.getCurveFromName("bn128", { singleThread: true });
    try {
      const { tau, alpha, beta } = devSecrets();
      expect(devSecrets(DEFAULT_DEV_PTAU_SEED)).toEqual({ tau, alpha, beta });
      expect(new Set([tau, alpha, beta]).size).toBe(3);
      const s = sections(prepared);
      const pow = (e: number) => {
        let y = 1n;
        for (let i = 0; i < e; i++) y = (y * tau) % curve.r;
        return y;
      };
      for (const i of [0, 1, 5, 2 ** POWER - 1, 2 ** (POWER + 1) - 2]) {
        const g1 = curve.G1.fromRprLEM(prepared.subarray(s.get(2)![0] + i * 64), 0);
        expect(curve.G1.eq(g1, curve.G1.timesScalar(curve.G1.g, pow(i))), `tauG1[${i}]`).toBe(true);
        if (i < 2 ** POWER) {
          const g2 = curve.G2.fromRprLEM(prepared.subarray(s.get(3)![0] + i * 128), 0);
          expect(curve.G2.eq(g2, curve.G2.timesScalar(curve.G2.g, pow(i))), `tauG2[${i}]`).toBe(true);
          const b1 = curve.G1.fromRprLEM(prepared.subarray(s.get(5)![0] + i * 64), 0);
          expect(curve.G1.eq(b1, curve.G1.timesScalar(curve.G1.g, (beta * pow(i)) % curve.r)), `betaTauG1[${i}]`).toBe(true);
        }
      }
    } finally {
      await curve.terminate();
    }
    await writeDevPtau(POWER, path.join(dir, "one-thread.ptau"), { threads: 1 });
    expect(readFileSync(path.join(dir, "one-thread.ptau")).equals(prepared)).toBe(true);
    // Another seed is another secret: the file differs.
    await writeDevPtau(POWER, path.join(dir, "other.ptau"), { secretSeed: "another seed" });
    expect(readFileSync(path.join(dir, "other.ptau")).equals(prepared)).toBe(false);
  }, 120_000);
});
