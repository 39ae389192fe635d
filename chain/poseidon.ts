/**
 * On-chain Poseidon: EVM bytecode for the arities Homeostat hashes with (2, 3, 4 and 8 inputs, see
 * core/hash.ts), deployment helpers, and the `PoseidonHasher` contract that mirrors the list, policy and
 * prices hash layouts.
 *
 * Arities 2, 3 and 4 are circomlibjs's own generated contracts (`poseidonContract.createCode(n)`).
 * circomlibjs's generator keeps the whole state twice on the EVM stack while mixing, which overflows DUP16
 * for t = n + 1 > 7: `createCode(7)` and `createCode(8)` throw. The 8-input contract is therefore assembled
 * here with circomlibjs's own assembler (`evmasm`) and circomlib's constants (the same ones the circuits
 * and poseidon-lite use), with two changes that keep it inside the stack and the 24 KiB code limit:
 *  - the 639 round constants live in a separate data contract (SSTORE2 style: `STOP` + raw words) that the
 *    hasher copies into memory once per call with `EXTCODECOPY`;
 *  - the mix keeps the old state on the stack and writes each new element to memory, then reloads them.
 * Every deployment is checked against poseidon-lite before it is used (`deployPoseidon`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Contract, ContractFactory, id, type ContractRunner, type Signer } from "ethers";
import { evmasm, poseidonContract } from "circomlibjs";
import { poseidon2, poseidon3, poseidon4, poseidon8 } from "poseidon-lite";
import { FIELD_MODULUS } from "../core/field.ts";

/** Arities deployed for Homeostat: Merkle node (2), leaves (3), sum-tree node (4), list hash chunk (8). */
export const POSEIDON_ARITIES = [2, 3, 4, 8] as const;
export type PoseidonArity = (typeof POSEIDON_ARITIES)[number];

/** Full rounds (all arities) and partial rounds indexed by t - 2 (circomlib's table). */
const N_ROUNDS_F = 8;
const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/** The subset of circomlibjs's `evmasm` assembler used here (the package ships no types). */
interface Assembler {
  code: number[];
  createTxData(): string;
  push(value: string | number | bigint): void;
  dup(n: number): void;
  swap(n: number): void;
  pop(): void;
  mload(): void;
  mstore(): void;
  add(): void;
  addmod(): void;
  mulmod(): void;
  div(): void;
  eq(): void;
  or(): void;
  calldataload(): void;
  extcodecopy(): void;
  invalid(): void;
  return(): void;
  jmp(label?: string): void;
  jmpi(label?: string): void;
  label(name: string): void;
  _pushLabel(name: string): void;
}
const Assembler = evmasm as new () => Assembler;

interface PoseidonConstants {
  C: string[][];
  M: string[][][];
}

let constantsCache: PoseidonConstants | undefined;

/** circomlib's Poseidon constants as shipped by circomlibjs (its `src/poseidon_constants.json`). */
function poseidonConstants(): PoseidonConstants {
  if (!constantsCache) {
    const require = createRequire(import.meta.url);
    const mainFile = require.resolve("circomlibjs"); // .../circomlibjs/build/main.cjs
    const file = path.join(path.dirname(mainFile), "..", "src", "poseidon_constants.json");
    constantsCache = JSON.parse(readFileSync(file, "utf8")) as PoseidonConstants;
  }
  return constantsCache;
}

const hex32 = (v: string | bigint): string => `0x${BigInt(v).toString(16).padStart(64, "0")}`;

/** ABI of every generated Poseidon contract: `poseidon(uint256[n])` (and the bytes32 form). */
export function poseidonAbi(arity: number): unknown[] {
  return poseidonContract.generateABI(arity) as unknown[];
}

/** Deployment data of the data contract holding the round constants of the `arity`-input hasher. */
export function poseidonConstantsCode(arity: number): string {
  const t = arity + 1;
  const words = poseidonConstants().C[t - 2]!;
  const asm = new Assembler();
  asm.code = [0x00]; // STOP first: the data contract can never be run as code
  for (const w of words) {
    const h = hex32(w).slice(2);
    for (let i = 0; i < 64; i += 2) asm.code.push(parseInt(h.slice(i, i + 2), 16));
  }
  return asm.createTxData();
}

/**
 * Deployment data of an `arity`-input Poseidon hasher whose round constants sit in the data contract at
 * `constantsAddress` (see the module header). Same ABI and results as circomlibjs's contracts.
 */
export function poseidonWideCode(arity: number, constantsAddress: string): string {
  const t = arity + 1;
  if (arity < 1 || t > 17) throw new RangeError(`poseidonWideCode: unsupported arity ${arity}`);
  const { C: roundConstants, M: matrices } = poseidonConstants();
  const K = roundConstants[t - 2]!;
  const M = matrices[t - 2]!;
  const nRoundsP = N_ROUNDS_P[t - 2]!;
  const K_OFFSET = 0x20; // memory: [0] = return label of `mix`, then the round constants, then the new state
  const NEW_OFFSET = K_OFFSET + K.length * 32;
  const asm = new Assembler();

  // Dispatch: poseidon(uint256[n]) or poseidon(bytes32[n]), as circomlibjs's contracts.
  const selector = (signature: string) => id(signature).slice(0, 10);
  asm.push("0x0100000000000000000000000000000000000000000000000000000000");
  asm.push(0);
  asm.calldataload();
  asm.div();
  asm.dup(0);
  asm.push(selector(`poseidon(uint256[${arity}])`));
  asm.eq();
  asm.swap(1);
  asm.push(selector(`poseidon(bytes32[${arity}])`));
  asm.eq();
  asm.or();
  asm.jmpi("start");
  asm.invalid();
  asm.label("start");

  // EXTCODECOPY(address, destOffset, offset, size): the constants follow the data contract's STOP byte.
  asm.push(K.length * 32);
  asm.push(1);
  asm.push(K_OFFSET);
  asm.push(constantsAddress);
  asm.extcodecopy();

  // Stack from here on (top first): st[0..t), q. st[0] = 0 (capacity), st[1 + i] = input[i].
  asm.push(hex32(FIELD_MODULUS));
  for (let i = 0; i < arity; i++) {
    asm.push(0x04 + 0x20 * (arity - i - 1));
    asm.calldataload();
  }
  asm.push(0);

  const ark = (round: number) => {
    for (let i = 0; i < t; i++) {
      asm.dup(t); // q
      asm.push(K_OFFSET + (round * t + i) * 32);
      asm.mload(); // K, q
      asm.dup(2 + i); // st[i], K, q
      asm.addmod();
      asm.swap(1 + i);
      asm.pop();
    }
  };
  const sigma = (p: number) => {
    // st[p] := st[p]^5 mod q (circomlibjs's sequence)
    asm.dup(t);
    asm.dup(1 + p);
    asm.dup(1);
    asm.dup(0);
    asm.dup(2);
    asm.dup(0);
    asm.mulmod();
    asm.dup(0);
    asm.mulmod();
    asm.mulmod();
    asm.swap(1 + p);
    asm.pop();
  };

  for (let round = 0; round < N_ROUNDS_F + nRoundsP; round++) {
    ark(round);
    if (round < N_ROUNDS_F / 2 || round >= nRoundsP + N_ROUNDS_F / 2) {
      for (let j = 0; j < t; j++) sigma(j);
    } else {
      sigma(0);
    }
    const back = `afterMix${round}`;
    asm._pushLabel(back);
    asm.push(0);
    asm.mstore();
    asm.jmp("mix");
    asm.label(back);
  }
  asm.push(0);
  asm.mstore();
  asm.push(0x20);
  asm.push(0);
  asm.return();

  // mix: new[i] = sum_j M[i][j] * st[j]. The old state stays on the stack; each new[i] goes to memory.
  asm.label("mix");
  for (let i = 0; i < t; i++) {
    asm.dup(t); // q
    asm.push(hex32(M[i]![0]!));
    asm.dup(2); // st[0], M, q
    asm.mulmod(); // acc
    for (let j = 1; j < t; j++) {
      asm.dup(1 + t); // q, acc, st, q
      asm.push(hex32(M[i]![j]!));
      asm.dup(3 + j); // st[j], M, q, acc, st, q
      asm.mulmod(); // term, acc, st, q
      if (j % 4 === 0 || j === t - 1) {
        asm.dup(2 + t); // q, term, acc, st, q
        asm.swap(2); // acc, term, q, st, q
        asm.addmod(); // acc < q, st, q
      } else {
        // Lazy reduction: terms are < q < 2^254, so up to four unreduced ones fit in 256 bits.
        asm.add();
      }
    }
    asm.push(NEW_OFFSET + i * 32);
    asm.mstore();
  }
  for (let i = 0; i < t; i++) asm.pop();
  for (let i = t - 1; i >= 0; i--) {
    asm.push(NEW_OFFSET + i * 32);
    asm.mload();
  }
  asm.push(0);
  asm.mload();
  asm.jmp();

  return asm.createTxData();
}

/** Deployment data of circomlibjs's own contract for `arity` inputs (only arities up to 6 exist). */
export function poseidonCircomlibCode(arity: number): string {
  return poseidonContract.createCode(arity) as string;
}

/** Reference implementation for the post-deployment check. */
const REFERENCE: Record<PoseidonArity, (inputs: bigint[]) => bigint> = {
  2: poseidon2,
  3: poseidon3,
  4: poseidon4,
  8: poseidon8,
};

/** Addresses of the deployed Poseidon contracts. */
export interface PoseidonDeployment {
  poseidon2: string;
  poseidon3: string;
  poseidon4: string;
  poseidon8: string;
  /** The data contract holding the 8-input hasher's round constants. */
  poseidon8Constants: string;
}

async function deployRaw(signer: Signer, abi: unknown[], data: string): Promise<string> {
  const factory = new ContractFactory(abi as never, data, signer);
  const contract = await factory.deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

/** Calls `poseidon(uint256[n])` on a deployed hasher. */
export async function callPoseidon(runner: ContractRunner, address: string, inputs: readonly bigint[]): Promise<bigint> {
  const contract = new Contract(address, poseidonAbi(inputs.length) as never, runner);
  const fn = contract.getFunction(`poseidon(uint256[${inputs.length}])`);
  return (await fn.staticCall([...inputs])) as bigint;
}

/** Deploys one contract (`name` is its field in PoseidonDeployment) and returns its address. */
export type PoseidonCreate = (name: keyof PoseidonDeployment, abi: unknown[], data: string) => Promise<string>;

/**
 * Deploys the four Poseidon hashers (and the 8-input one's constants) and checks each against
 * poseidon-lite on a fixed input, so a bad deployment fails here and not as a policy-hash mismatch later.
 * `create` deploys each contract (default: send and wait; a journaled deployment passes its step runner).
 */
export async function deployPoseidon(signer: Signer, create: PoseidonCreate = (_name, abi, data) => deployRaw(signer, abi, data)): Promise<PoseidonDeployment> {
  const poseidon8Constants = await create("poseidon8Constants", [], poseidonConstantsCode(8));
  const deployed: PoseidonDeployment = {
    poseidon2: await create("poseidon2", poseidonAbi(2), poseidonCircomlibCode(2)),
    poseidon3: await create("poseidon3", poseidonAbi(3), poseidonCircomlibCode(3)),
    poseidon4: await create("poseidon4", poseidonAbi(4), poseidonCircomlibCode(4)),
    poseidon8: await create("poseidon8", poseidonAbi(8), poseidonWideCode(8, poseidon8Constants)),
    poseidon8Constants,
  };
  for (const arity of POSEIDON_ARITIES) {
    const inputs = Array.from({ length: arity }, (_, i) => BigInt(i + 1));
    const address = deployed[`poseidon${arity}`];
    const got = await callPoseidon(signer, address, inputs);
    if (got !== REFERENCE[arity](inputs)) throw new Error(`Poseidon${arity} at ${address} disagrees with poseidon-lite`);
  }
  return deployed;
}
