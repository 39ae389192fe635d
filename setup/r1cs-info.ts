/**
 * Reads the header of a circom .r1cs file (constraint, wire and public-signal counts) without loading
 * a curve, and applies snarkjs's own rule for the powers-of-tau size a circuit needs.
 */
import { closeSync, openSync, readSync, fstatSync } from "node:fs";

export interface R1csInfo {
  constraints: number;
  wires: number;
  /** Public outputs (they are public signals too). */
  outputs: number;
  publicInputs: number;
  privateInputs: number;
  /** Public signals as the verifier sees them: outputs then public inputs. */
  publicSignals: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  if (n !== length) throw new Error("unexpected end of file");
  return buf;
}

/** Parses the header section (type 1) of an r1cs file. */
export function readR1csInfo(file: string): R1csInfo {
  const fd = openSync(file, "r");
  try {
    const fileSize = fstatSync(fd).size;
    const head = readAt(fd, 0, 12);
    if (head.subarray(0, 4).toString("latin1") !== "r1cs") throw new Error(`${file}: not an r1cs file`);
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    for (let i = 0; i < nSections && pos + 12 <= fileSize; i++) {
      const sh = readAt(fd, pos, 12);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      pos += 12;
      if (type === 1) {
        const n8 = readAt(fd, pos, 4).readUInt32LE(0);
        const h = readAt(fd, pos + 4 + n8, 28);
        const info = {
          wires: h.readUInt32LE(0),
          outputs: h.readUInt32LE(4),
          publicInputs: h.readUInt32LE(8),
          privateInputs: h.readUInt32LE(12),
          constraints: h.readUInt32LE(24),
        };
        return { ...info, publicSignals: info.outputs + info.publicInputs };
      }
      pos += size;
    }
    throw new Error(`${file}: r1cs file has no header section`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The smallest powers-of-tau power that fits the circuit, by snarkjs's rule in `zkey new`
 * (`log2(nConstraints + nPubInputs + nOutputs) + 1`, with log2 the index of the highest set bit):
 * Groth16 adds one constraint per public signal plus one, and the domain must be a power of two.
 */
export function requiredPtauPower(info: Pick<R1csInfo, "constraints" | "publicSignals">): number {
  const n = info.constraints + info.publicSignals;
  return 31 - Math.clz32(Math.max(n, 1)) + 1;
}
