/**
 * Powers of tau for Groth16 phase 2: which file to use, and whether it can be trusted to be the file it
 * claims to be. Resolution order (DESIGN section 8):
 *   1. `--ptau FILE` or `HOMEOSTAT_PTAU` (an explicit file is never replaced by another);
 *   2. a cached file in `~/.cache/homeostat/ptau/` (`HOMEOSTAT_CACHE_DIR`), then the folders of
 *      `HOMEOSTAT_PTAU_DIRS` (default: the project's sibling `../shared/ptau/`, this workplace's development file);
 *   3. the public Hermez/Polygon prepared file `powersOfTau28_hez_final_NN.ptau`, downloaded and checked
 *      against the blake2b published in the snarkjs README (`HOMEOSTAT_PTAU_DOWNLOAD=0` skips this);
 *   4. for development only, a file computed here from a published secret (setup/dev-ptau.ts; loud warning; `HOMEOSTAT_PTAU_GENERATE=0`
 *      refuses instead).
 * Every file is checked: the snarkjs header (BN254, prepared for phase 2) and, when its name or size is
 * one of KNOWN_PTAU, its hashes. Hashes are cached by path, size and mtime so a 75 MB file is read once.
 */
import { createWriteStream, existsSync, mkdirSync, openSync, closeSync, readSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import { defaultCacheDir, readCache, writeCacheEntry } from "./cache.ts";
import { hashFileStreaming, tempNameFor } from "./files.ts";
import { PROJECT_ROOT } from "../core/node/instances.ts";
import type { Reporter } from "./progress.ts";
import type { R1csInfo } from "./r1cs-info.ts";
import { requiredPtauPower } from "./r1cs-info.ts";
import { writeDevPtau } from "./dev-ptau.ts";

export interface KnownPtau {
  name: string;
  power: number;
  blake2b: string;
  /** Only where a source states it; unknown sizes are left out rather than guessed. */
  size?: number;
  sha256?: string;
  /** `hermez`: the public Perpetual Powers of Tau files prepared by Hermez/Polygon. */
  kind: "hermez" | "development";
  url?: string;
  provenance: string;
}

/** Where the Hermez/Polygon prepared files are served (the old Hermez S3 bucket is gone). */
export const HERMEZ_BASE_URL = "https://storage.googleapis.com/zkevm/ptau";

/**
 * blake2b-512 of the Hermez prepared files, copied from the table in the snarkjs 0.7.6 README
 * (node_modules/snarkjs/README.md, "Prepare phase 2"); a test re-reads that table and compares.
 */
const HERMEZ_BLAKE2B: Record<number, string> = {
  8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
  21: "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
  22: "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
  23: "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
  24: "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
  25: "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
  26: "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
  27: "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
  28: "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
};

/** Smallest and largest power of the published Hermez prepared files. */
export const HERMEZ_MIN_POWER = 8;
export const HERMEZ_MAX_POWER = 28;

/** File name of the Hermez prepared file of a power (2^28 has no suffix). */
export function hermezName(power: number): string {
  return power === HERMEZ_MAX_POWER ? "powersOfTau28_hez_final.ptau" : `powersOfTau28_hez_final_${String(power).padStart(2, "0")}.ptau`;
}

/** Powers of tau files we recognise, by name or size; a match whose hash differs is refused as corrupt. */
export const KNOWN_PTAU: readonly KnownPtau[] = [
  ...Object.entries(HERMEZ_BLAKE2B).map(([p, blake2b]): KnownPtau => {
    const power = Number(p);
    return {
      name: hermezName(power),
      power,
      blake2b,
      // The size of the 2^16 file is stated in ../shared/ptau/README.md; the others are not pinned.
      ...(power === 16 ? { size: 75_580_568 } : {}),
      kind: "hermez",
      url: `${HERMEZ_BASE_URL}/${hermezName(power)}`,
      provenance: "Hermez/Polygon prepared Perpetual Powers of Tau; blake2b from the snarkjs README",
    };
  }),
  {
    name: "pot16_final.ptau",
    power: 16,
    size: 75_500_483,
    blake2b:
      "4c79f6056558e29badf3d8ebe4bc2f45c84c6612e032904d2d2e2d5943a8195a8c478f1fa9b0b39197b49a041c54f335a4a33eed023860d7142db25285b98631",
    sha256: "8b03d2bc6bf9f5915f427ea03d1ff88ad0d1c931182f53587b8a8442828aeaa2",
    kind: "development",
    provenance: "development file of ../shared/ptau/README.md (one contribution and a public beacon; not for production)",
  },
];

/** BN254 (bn128) base field modulus: the curve a ptau header must name. */
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** How the pipeline found the ptau it uses. */
export type PtauSource = "--ptau" | "HOMEOSTAT_PTAU" | "cache" | "download" | "generated";

export interface PtauFile {
  /** Absolute path. */
  path: string;
  /** The path as the user or the resolver named it (for messages). */
  shownPath: string;
  name: string;
  power: number;
  size: number;
  sha256: string;
  blake2b: string;
  /** The KNOWN_PTAU entry it matched, if any. */
  known: KnownPtau | undefined;
  /** True for anything that is not a public ceremony file: fine for development and CI, not production. */
  development: boolean;
  source: PtauSource;
}

export { defaultCacheDir };

/** Folders searched for cached ptau files, in order. */
export function ptauCacheDirs(cacheDir: string): string[] {
  return [path.join(cacheDir, "ptau")];
}

/** The workplace's shared development ptau folder (`../shared/ptau/` beside the project), searched after the caches. */
export const SHARED_PTAU_DIR = path.join(PROJECT_ROOT, "..", "shared", "ptau");

/**
 * Folders searched after the caches: `HOMEOSTAT_PTAU_DIRS` (path-delimiter separated; set but empty
 * searches none, which is how CI tries a machine without `../shared`), else SHARED_PTAU_DIR.
 */
export function ptauSearchDirs(): string[] {
  const dirs = process.env.HOMEOSTAT_PTAU_DIRS;
  if (dirs === undefined) return [SHARED_PTAU_DIR];
  return dirs.split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));
}

/** Name of a ptau generated here for development. */
export function devPtauName(power: number): string {
  return `homeostat_dev_${String(power).padStart(2, "0")}.ptau`;
}

export interface PtauHeader {
  power: number;
  ceremonyPower: number;
  /** Has the Lagrange sections (12+) that `zkey new` needs. */
  prepared: boolean;
}

/** Reads and checks the binary header of a snarkjs .ptau file; `shown` is used in messages. */
export function readPtauHeader(file: string, shown: string = file): PtauHeader {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const read = (pos: number, len: number): Buffer => {
      const buf = Buffer.alloc(len);
      if (pos + len > size || readSync(fd, buf, 0, len, pos) !== len) {
        throw new UserError("truncated or damaged ptau: the file ends inside its header", { where: shown });
      }
      return buf;
    };
    if (size < 12 || read(0, 4).toString("latin1") !== "ptau") {
      throw new UserError('not a powers-of-tau file: it does not start with the snarkjs "ptau" header', { where: shown });
    }
    const head = read(4, 8);
    const nSections = head.readUInt32LE(4);
    const sections = new Map<number, { pos: number; size: number }>();
    let pos = 12;
    for (let i = 0; i < nSections; i++) {
      const sh = read(pos, 12);
      const type = sh.readUInt32LE(0);
      const len = Number(sh.readBigUInt64LE(4));
      pos += 12;
      if (pos + len > size) {
        throw new UserError(`truncated or damaged ptau: section ${type} runs past the end of the file`, { where: shown });
      }
      if (!sections.has(type)) sections.set(type, { pos, size: len });
      pos += len;
    }
    const header = sections.get(1);
    if (!header) throw new UserError("damaged ptau: no header section", { where: shown });
    const n8 = read(header.pos, 4).readUInt32LE(0);
    if (n8 !== 32) throw new UserError("ptau is not for the BN254 (bn128) curve", { where: shown });
    const q = BigInt(`0x${Buffer.from(read(header.pos + 4, n8)).reverse().toString("hex")}`);
    if (q !== BN254_Q) throw new UserError("ptau is not for the BN254 (bn128) curve", { where: shown });
    const powers = read(header.pos + 4 + n8, 8);
    return { power: powers.readUInt32LE(0), ceremonyPower: powers.readUInt32LE(4), prepared: sections.has(12) };
  } finally {
    closeSync(fd);
  }
}

interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
  blake2b: string;
}
const HASH_CACHE = "ptau-hashes.json";

/**
 * sha256 and blake2b-512 of a ptau file, cached in `cacheDir` by real path, size and mtime (a file
 * rewritten in place gets a new mtime, so it is hashed again).
 */
export async function ptauHashes(file: string, cacheDir: string, reporter?: Reporter): Promise<{ sha256: string; blake2b: string }> {
  const real = realpathSync(file);
  const st = statSync(real);
  const hit = readCache<HashCacheEntry>(HASH_CACHE, cacheDir)[real];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return { sha256: hit.sha256, blake2b: hit.blake2b };
  const work = async (note: (m: string) => void) =>
    hashFileStreaming(real, (n) => note(`${Math.round((100 * n) / Math.max(st.size, 1))}%`));
  const hashed = reporter ? await reporter.step(`hashing ${path.basename(file)} (${formatBytes(st.size)})`, work) : await work(() => {});
  writeCacheEntry<HashCacheEntry>(HASH_CACHE, real, { size: st.size, mtimeMs: st.mtimeMs, sha256: hashed.sha256, blake2b: hashed.blake2b }, cacheDir);
  return { sha256: hashed.sha256, blake2b: hashed.blake2b };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} kB`;
}

function matchesHashes(entry: KnownPtau, hashes: { sha256: string; blake2b: string }): boolean {
  return entry.blake2b === hashes.blake2b && (entry.sha256 === undefined || entry.sha256 === hashes.sha256);
}

/**
 * Checks a ptau file and returns what it is: exists, is a BN254 ptau prepared for phase 2, and, if its
 * name or size is a known file's, has that file's hashes ("corrupt ptau: hash mismatch" otherwise).
 */
export async function inspectPtau(
  file: string,
  source: PtauSource,
  options: { cacheDir: string; reporter?: Reporter; shownPath?: string },
): Promise<PtauFile> {
  const abs = path.resolve(file);
  const shown = options.shownPath ?? file;
  const from = source === "--ptau" || source === "HOMEOSTAT_PTAU" ? ` (from ${source})` : "";
  if (!existsSync(abs)) throw new UserError(`powers-of-tau file not found${from}`, { where: shown });
  const st = statSync(abs);
  if (!st.isFile()) throw new UserError(`not a powers-of-tau file: it is a directory${from}`, { where: shown });
  const name = path.basename(abs);
  const candidates = KNOWN_PTAU.filter((k) => k.name === name);
  if (candidates.length === 0) candidates.push(...KNOWN_PTAU.filter((k) => k.size === st.size));

  let hashes: { sha256: string; blake2b: string } | undefined;
  if (candidates.length > 0) {
    // A known name or size: the hash decides, before anything reads the file as a ptau.
    hashes = await ptauHashes(abs, options.cacheDir, options.reporter);
    // A renamed copy of another known file is fine; only a file that is none of them is corrupt.
    if (!KNOWN_PTAU.some((k) => matchesHashes(k, hashes!))) {
      const expected = candidates[0]!;
      const sizeNote = expected.size !== undefined && expected.size !== st.size ? `, size ${st.size} instead of ${expected.size}` : "";
      throw new UserError(
        `corrupt ptau: hash mismatch with the known file ${expected.name} (blake2b expected ${expected.blake2b}, actual ${hashes.blake2b}${sizeNote}); ` +
          `replace the file`,
        { where: shown },
      );
    }
  }
  const header = readPtauHeader(abs, shown);
  if (!header.prepared) {
    throw new UserError("ptau is not prepared for phase 2 (run `snarkjs powersoftau prepare phase2` on it)", { where: shown });
  }
  hashes ??= await ptauHashes(abs, options.cacheDir, options.reporter);
  const known = KNOWN_PTAU.find((k) => matchesHashes(k, hashes!));
  return {
    path: abs,
    shownPath: shown,
    name,
    power: header.power,
    size: st.size,
    sha256: hashes.sha256,
    blake2b: hashes.blake2b,
    known,
    development: known?.kind !== "hermez",
    source,
  };
}

/** Refuses a ptau too small for a circuit, by snarkjs's rule (see requiredPtauPower). */
export function assertPtauFits(
  ptau: Pick<PtauFile, "power" | "shownPath" | "name">,
  instance: string,
  info: Pick<R1csInfo, "constraints" | "publicSignals">,
): void {
  const need = requiredPtauPower(info);
  if (need > ptau.power) {
    throw new UserError(
      `ptau too small: instance "${instance}" has ${info.constraints} constraints and ${info.publicSignals} public signals, ` +
        `so it needs a powers of tau of 2^${need} or more, and ${ptau.name} is 2^${ptau.power}`,
      { where: ptau.shownPath },
    );
  }
}

export interface ResolveOptions {
  /** Smallest power that fits the circuit. */
  power: number;
  /** An explicit file (from --ptau or HOMEOSTAT_PTAU): used as is, never replaced. */
  explicit?: { path: string; source: "--ptau" | "HOMEOSTAT_PTAU" };
  cacheDir: string;
  reporter: Reporter;
  /** Try the Hermez download (default: unless HOMEOSTAT_PTAU_DOWNLOAD=0). */
  download?: boolean;
  /** Generate a development file as a last resort (default: unless HOMEOSTAT_PTAU_GENERATE=0). */
  generate?: boolean;
  /** Folders searched after the caches (default: SHARED_PTAU_DIR). */
  extraDirs?: string[];
}

/** Reads the --ptau / HOMEOSTAT_PTAU choice (the flag wins). */
export function explicitPtau(flag: string | undefined): ResolveOptions["explicit"] {
  if (flag) return { path: flag, source: "--ptau" };
  if (process.env.HOMEOSTAT_PTAU) return { path: process.env.HOMEOSTAT_PTAU, source: "HOMEOSTAT_PTAU" };
  return undefined;
}

/** Finds (or, as a last resort, makes) a ptau of at least `power`, in the order of this module's header. */
export async function resolvePtau(options: ResolveOptions): Promise<PtauFile> {
  const { power, cacheDir, reporter } = options;
  if (options.explicit) return inspectPtau(options.explicit.path, options.explicit.source, { cacheDir, reporter });
  if (power > HERMEZ_MAX_POWER) throw new UserError(`a circuit that needs 2^${power} is beyond every published powers of tau`);

  // 2. A cached file: public files first (smallest that fits), then development ones.
  const cached: Array<{ file: string; power: number; rank: number }> = [];
  for (const dir of [...ptauCacheDirs(cacheDir), ...(options.extraDirs ?? ptauSearchDirs())]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const hermez = /^powersOfTau28_hez_final(?:_(\d{2}))?\.ptau$/.exec(entry);
      const dev = /^homeostat_dev_(\d{2})\.ptau$/.exec(entry) ?? /^pot(\d{2})_final\.ptau$/.exec(entry);
      const p = hermez ? Number(hermez[1] ?? HERMEZ_MAX_POWER) : dev ? Number(dev[1]) : undefined;
      if (p !== undefined && p >= power) cached.push({ file: path.join(dir, entry), power: p, rank: hermez ? 0 : 1 });
    }
  }
  cached.sort((a, b) => a.rank - b.rank || a.power - b.power);
  for (const c of cached) {
    const ptau = await inspectPtau(c.file, "cache", { cacheDir, reporter });
    if (ptau.power >= power) {
      if (!ptau.known) warnGenerated(reporter, ptau.path);
      return ptau;
    }
  }

  // 3. The public prepared file of the needed power.
  const hermezPower = Math.max(power, HERMEZ_MIN_POWER);
  const download = options.download ?? process.env.HOMEOSTAT_PTAU_DOWNLOAD !== "0";
  if (download) {
    const file = await downloadHermez(hermezPower, path.join(cacheDir, "ptau"), reporter);
    if (file) return inspectPtau(file, "download", { cacheDir, reporter });
  } else {
    reporter.info(`not downloading ${hermezName(hermezPower)} (HOMEOSTAT_PTAU_DOWNLOAD=0)`);
  }

  // 4. Development only: make one here.
  const generate = options.generate ?? process.env.HOMEOSTAT_PTAU_GENERATE !== "0";
  if (!generate) {
    throw new UserError(
      `no powers of tau of 2^${power} or more: pass --ptau FILE, set HOMEOSTAT_PTAU, or put ${hermezName(hermezPower)} in ${path.join(cacheDir, "ptau")}`,
    );
  }
  const out = path.join(cacheDir, "ptau", devPtauName(power));
  warnGenerated(reporter, out);
  await generateDevPtau(power, out, reporter);
  return inspectPtau(out, "generated", { cacheDir, reporter });
}

function warnGenerated(reporter: Reporter, file: string): void {
  const bar = "!".repeat(78);
  for (const line of [
    bar,
    "WARNING: using a powers of tau GENERATED ON THIS MACHINE. It is for DEVELOPMENT ONLY:",
    "its secret is public (setup/dev-ptau.ts), so anyone can forge proofs for every key made from it.",
    "Never deploy such keys.",
    "For production use the public Hermez file (--ptau powersOfTau28_hez_final_NN.ptau).",
    `file: ${file}`,
    bar,
  ]) {
    reporter.warn(line);
  }
}

/** Downloads the Hermez prepared file of `power` into `dir` and checks its blake2b; undefined when offline. */
export async function downloadHermez(power: number, dir: string, reporter: Reporter): Promise<string | undefined> {
  const known = KNOWN_PTAU.find((k) => k.kind === "hermez" && k.power === power);
  if (!known?.url) return undefined;
  const dest = path.join(dir, known.name);
  mkdirSync(dir, { recursive: true });
  const tmp = tempNameFor(dest);
  try {
    await reporter.step(`downloading ${known.name}`, async (note) => {
      const controller = new AbortController();
      let idle = setTimeout(() => controller.abort(new Error("no answer in 30 s")), 30_000);
      try {
        const response = await fetch(known.url!, { signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
        const total = Number(response.headers.get("content-length") ?? 0);
        const out = createWriteStream(tmp);
        let received = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          clearTimeout(idle);
          idle = setTimeout(() => controller.abort(new Error("stalled for 60 s")), 60_000);
          received += chunk.length;
          note(total ? `${formatBytes(received)} of ${formatBytes(total)}` : formatBytes(received));
          if (!out.write(chunk)) await once(out, "drain");
        }
        out.end();
        await once(out, "finish");
      } finally {
        clearTimeout(idle);
      }
    });
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason = [err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(": ");
    reporter.warn(`could not download ${known.name} from ${known.url} (${reason}); trying the next source`);
    return undefined;
  }
  const hashes = await hashFileStreaming(tmp);
  if (hashes.blake2b !== known.blake2b) {
    rmSync(tmp, { force: true });
    throw new UserError(
      `corrupt ptau: hash mismatch in the download of ${known.name} (blake2b expected ${known.blake2b}, actual ${hashes.blake2b})`,
      { where: known.url },
    );
  }
  renameSync(tmp, dest);
  return dest;
}

/**
 * Makes a prepared BN254 ptau of `power` for development only, directly from the published development
 * secret (setup/dev-ptau.ts: no group FFT; under a minute at 2^16 on two cores). Written to a
 * temporary name next to `outFile` and renamed into place.
 */
export async function generateDevPtau(power: number, outFile: string, reporter: Reporter): Promise<void> {
  mkdirSync(path.dirname(outFile), { recursive: true });
  await reporter.step(`development ptau 2^${power} (from the published development secret)`, (note) => writeDevPtau(power, outFile, { progress: note }));
}
