/**
 * Reads the phase-2 MPC record of a Groth16 zkey (binfile section 10) without trusting snarkjs: the
 * circuit hash and, per contribution, its name, kind, beacon parameters, raw bytes and contribution hash.
 * The ceremony compares these against the transcript and against what `snarkjs zkey verify` reports, so
 * two independent readings of the same file must agree.
 *
 * Layout (snarkjs 0.7 `zkey_utils.writeMPCParams`): csHash (64 bytes), count (u32 LE), then per
 * contribution: deltaAfter G1, g1_s G1, g1_sx G1 (64 bytes each, LE Montgomery), g2_spx G2 (128 bytes),
 * transcript (64 bytes), type (u32 LE: 0 contribution, 1 beacon), parameter length (u32 LE) and
 * parameters as `[id, ...]`: 1 = name (len byte + UTF-8), 2 = beacon iterations exponent (1 byte),
 * 3 = beacon hash (len byte + bytes). The contribution hash is blake2b-512 over the same points in
 * uncompressed big-endian form plus the transcript (`zkey_utils.hashPubKey`), as `snarkjs zkey contribute`
 * prints it.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { UserError } from "../core/errors.ts";
import { loadSnarkjs } from "../setup/snarkjs.ts";

/** Binfile section holding the MPC parameters. */
const MPC_SECTION = 10;
const G1_BYTES = 64;
const G2_BYTES = 128;
const TRANSCRIPT_BYTES = 64;
/** deltaAfter, g1_s, g1_sx, g2_spx, transcript. */
const PUBKEY_BYTES = 3 * G1_BYTES + G2_BYTES + TRANSCRIPT_BYTES;

/** One contribution as recorded inside a zkey. */
export interface MpcContribution {
  /** 1-based, as snarkjs numbers contributions. */
  index: number;
  kind: "contribution" | "beacon";
  /** Empty when the contributor gave no name. */
  name: string;
  /** Beacon hash (hex) and iterations exponent, for the beacon only. */
  beacon?: { hash: string; iterationsExp: number };
  /** blake2b-512 (hex) of the contribution's public key, as snarkjs prints it. */
  contributionHash: string;
  /** The contribution's bytes exactly as stored (public key, type and parameters). */
  raw: Buffer;
}

/** The MPC record of a zkey. */
export interface MpcParams {
  /** snarkjs "Circuit Hash": blake2b-512 (hex) of the circuit-specific part of the initial zkey. */
  circuitHash: string;
  contributions: MpcContribution[];
}

/** The curve operations used to re-encode points the way snarkjs hashes them. */
interface PointCodec {
  fromRprLEM(buff: Uint8Array, offset: number): unknown;
  toRprUncompressed(buff: Uint8Array, offset: number, point: unknown): void;
}
interface Bn128 {
  G1: PointCodec;
  G2: PointCodec;
}

/** Reads exactly `length` bytes at `position`, or throws naming the file. */
function readAt(fd: number, file: string, position: number, length: number): Buffer {
  const buff = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buff, done, length - done, position + done);
    if (n === 0) throw new UserError("truncated zkey file", { where: file });
    done += n;
  }
  return buff;
}

/** Returns the bytes of section `id` of a binfile with magic `zkey`, walking the section headers only. */
function readZkeySection(file: string, id: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new UserError(`cannot open the zkey: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: file });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 12) throw new UserError("not a zkey file (too short)", { where: file });
    const head = readAt(fd, file, 0, 12);
    if (head.toString("latin1", 0, 4) !== "zkey") throw new UserError("not a zkey file (bad magic)", { where: file });
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    let found: Buffer | undefined;
    for (let i = 0; i < nSections; i++) {
      const sh = readAt(fd, file, pos, 12);
      const type = sh.readUInt32LE(0);
      const length = Number(sh.readBigUInt64LE(4));
      pos += 12;
      if (pos + length > size) throw new UserError(`truncated zkey file (section ${type})`, { where: file });
      if (type === id) {
        if (found) throw new UserError(`zkey has section ${id} twice`, { where: file });
        found = readAt(fd, file, pos, length);
      }
      pos += length;
    }
    if (!found) throw new UserError(`zkey has no section ${id} (not a Groth16 phase-2 zkey)`, { where: file });
    return found;
  } finally {
    closeSync(fd);
  }
}

/** Hex of blake2b-512 over the public key in the uncompressed big-endian encoding snarkjs hashes. */
function contributionHashOf(curve: Bn128, pubkey: Buffer): string {
  const hasher = createHash("blake2b512");
  let off = 0;
  for (const [group, size] of [["G1", G1_BYTES], ["G1", G1_BYTES], ["G1", G1_BYTES], ["G2", G2_BYTES]] as const) {
    const codec = curve[group];
    const point = codec.fromRprLEM(pubkey, off);
    const out = new Uint8Array(size);
    codec.toRprUncompressed(out, 0, point);
    hasher.update(out);
    off += size;
  }
  hasher.update(pubkey.subarray(off, off + TRANSCRIPT_BYTES));
  return hasher.digest("hex");
}

/**
 * Reads the MPC parameters of a zkey. Throws a UserError naming the file when it is not a phase-2
 * Groth16 zkey or the section is malformed.
 */
export async function readMpcParams(file: string): Promise<MpcParams> {
  const section = readZkeySection(file, MPC_SECTION);
  const bad = (why: string): UserError => new UserError(`malformed MPC parameters: ${why}`, { where: file });
  if (section.length < 68) throw bad("section too short");
  const circuitHash = section.subarray(0, 64).toString("hex");
  const count = section.readUInt32LE(64);
  const snarkjs = await loadSnarkjs();
  const curve = (await snarkjs.curves.getCurveFromName("bn128")) as Bn128;
  const contributions: MpcContribution[] = [];
  let pos = 68;
  for (let i = 0; i < count; i++) {
    const start = pos;
    if (pos + PUBKEY_BYTES + 8 > section.length) throw bad(`contribution #${i + 1} is truncated`);
    const pubkey = section.subarray(pos, pos + PUBKEY_BYTES);
    pos += PUBKEY_BYTES;
    const type = section.readUInt32LE(pos);
    const paramLength = section.readUInt32LE(pos + 4);
    pos += 8;
    const end = pos + paramLength;
    if (end > section.length) throw bad(`contribution #${i + 1} parameters are truncated`);
    let name = "";
    let iterationsExp: number | undefined;
    let beaconHash: string | undefined;
    while (pos < end) {
      const id = section[pos++]!;
      if (id === 1 || id === 3) {
        const len = section[pos++]!;
        const bytes = section.subarray(pos, pos + len);
        pos += len;
        if (id === 1) name = new TextDecoder().decode(bytes);
        else beaconHash = bytes.toString("hex");
      } else if (id === 2) {
        iterationsExp = section[pos++]!;
      } else {
        throw bad(`contribution #${i + 1} has unknown parameter ${id}`);
      }
    }
    if (pos !== end) throw bad(`contribution #${i + 1} parameters overrun`);
    if (type !== 0 && type !== 1) throw bad(`contribution #${i + 1} has unknown type ${type}`);
    const contribution: MpcContribution = {
      index: i + 1,
      kind: type === 1 ? "beacon" : "contribution",
      name,
      contributionHash: contributionHashOf(curve, pubkey),
      raw: Buffer.from(section.subarray(start, end)),
    };
    if (type === 1) {
      if (beaconHash === undefined || iterationsExp === undefined) throw bad(`beacon #${i + 1} lacks its parameters`);
      contribution.beacon = { hash: beaconHash, iterationsExp };
    }
    contributions.push(contribution);
  }
  if (pos !== section.length) throw bad("trailing bytes after the last contribution");
  return { circuitHash, contributions };
}

/**
 * The snarkjs console rendering of a 64-byte hash (four lines of four 8-hex-digit words), so a
 * contributor can compare what Homeostat prints with what `snarkjs zkey verify` prints.
 */
export function formatSnarkjsHash(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 4) lines.push(words.slice(i, i + 4).join(" "));
  return lines.join("\n");
}
