/**
 * Circuit test harness (circomkit-style): compile an instance from circuits/circuits.json, compute
 * witnesses, expect pass/fail, pin constraint counts, and tamper with a computed witness to prove that
 * the constraints (not just the witness generator) reject it.
 */
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { readR1cs } from "r1csfile";
import { expect } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { loadInstances, PROJECT_ROOT } from "../../core/node/instances.ts";
import { compileInstance, compiledPaths } from "../../setup/compile.ts";

type Input = Record<string, unknown>;
type LinearCombination = Record<string, bigint>;
interface WitnessCalculator {
  calculateWitness(input: Input, sanityCheck: boolean): Promise<bigint[]>;
}

const compiled = new Map<string, Promise<void>>();

/** Compiles an instance once per test process (reusing a build that setup already made this run is not assumed). */
async function ensureCompiled(name: string): Promise<void> {
  if (!compiled.has(name)) {
    const spec = loadInstances()[name];
    if (!spec) throw new Error(`unknown circuit instance ${name}`);
    compiled.set(name, compileInstance(name, spec).then(() => undefined));
  }
  await compiled.get(name);
}

export class CircuitTester {
  private constructor(
    readonly name: string,
    private readonly calculator: WitnessCalculator,
    private readonly symbols: Map<string, number>,
    private readonly r1csPath: string,
  ) {}

  /** Compiles (fresh, from the current sources) and loads instance `name`. */
  static async load(name: string): Promise<CircuitTester> {
    await ensureCompiled(name);
    const paths = compiledPaths(name);
    const wasm = readFileSync(path.join(PROJECT_ROOT, paths.wasm));
    const calculator = (await WitnessCalculatorBuilder(wasm)) as WitnessCalculator;
    const symbols = new Map<string, number>();
    for (const line of readFileSync(path.join(PROJECT_ROOT, paths.sym), "utf8").split("\n")) {
      const parts = line.split(",");
      if (parts.length >= 4 && parts[1] !== "-1") symbols.set(parts.slice(3).join(","), Number(parts[1]));
    }
    return new CircuitTester(name, calculator, symbols, path.join(PROJECT_ROOT, paths.r1cs));
  }

  /** Computes the witness (circom's own asserts run here). */
  async witness(input: Input): Promise<bigint[]> {
    return this.calculator.calculateWitness(input, true);
  }

  /** Value of a signal, by its full name (e.g. `main.positionsRoot`). */
  /**
   * The full name of the signal whose path starts with `prefix` and ends with `suffix`, skipping the generated
   * names circom gives anonymous components (`RangeCheck_66_2679`): e.g. the bits of a comparison's range check.
   */
  signalLike(prefix: string, suffix: string): string {
    const head = prefix.startsWith("main.") ? prefix : `main.${prefix}`;
    const found = [...this.symbols.keys()].find((n) => n.startsWith(head) && n.endsWith(suffix));
    if (!found) throw new Error(`no signal ${head}...${suffix} in ${this.name}`);
    return found;
  }

  signal(witness: bigint[], name: string): bigint {
    const idx = this.symbols.get(name.startsWith("main.") ? name : `main.${name}`);
    if (idx === undefined) throw new Error(`no witness signal named ${name}`);
    return witness[idx]!;
  }

  /** Returns a copy of the witness with one signal replaced. */
  tamper(witness: bigint[], name: string, value: bigint): bigint[] {
    const idx = this.symbols.get(name.startsWith("main.") ? name : `main.${name}`);
    if (idx === undefined) throw new Error(`no witness signal named ${name}`);
    const copy = [...witness];
    copy[idx] = ((value % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
    return copy;
  }

  private constraintsCache: Array<[LinearCombination, LinearCombination, LinearCombination]> | undefined;

  private async constraints() {
    if (!this.constraintsCache) {
      const r1cs = (await readR1cs(this.r1csPath, { loadConstraints: true, loadMap: false, getFieldFromPrime: () => bigintField })) as {
        constraints: Array<[LinearCombination, LinearCombination, LinearCombination]>;
      };
      this.constraintsCache = r1cs.constraints;
    }
    return this.constraintsCache;
  }

  /** Number of the first constraint the witness violates, or -1 when every constraint holds. */
  async firstViolation(witness: bigint[]): Promise<number> {
    const evalLc = (lc: LinearCombination) => {
      let acc = 0n;
      for (const [k, v] of Object.entries(lc)) acc += v * witness[Number(k)]!;
      return acc % FIELD_MODULUS;
    };
    const all = await this.constraints();
    for (let i = 0; i < all.length; i++) {
      const [a, b, c] = all[i]!;
      if ((evalLc(a) * evalLc(b) - evalLc(c)) % FIELD_MODULUS !== 0n) return i;
    }
    return -1;
  }

  /** Number of constraints of the compiled circuit. */
  async constraintCount(): Promise<number> {
    return (await this.constraints()).length;
  }

  /** Asserts the input yields a witness that satisfies every constraint; returns it. */
  async expectPass(input: Input, outputs?: Record<string, bigint>): Promise<bigint[]> {
    const w = await this.witness(input);
    expect(await this.firstViolation(w)).toBe(-1);
    for (const [name, value] of Object.entries(outputs ?? {})) expect(this.signal(w, name)).toBe(value);
    return w;
  }

  /** Asserts the circuit refuses the input (witness generation fails on a constraint assert). */
  async expectFail(input: Input): Promise<void> {
    await expect(this.witness(input)).rejects.toThrow();
  }

  /** Asserts that a (tampered) witness breaks at least one constraint. */
  async expectUnsatisfied(witness: bigint[]): Promise<void> {
    expect(await this.firstViolation(witness)).toBeGreaterThanOrEqual(0);
  }
}

/**
 * A minimal field adapter for r1csfile: coefficients come back as plain bigints mod p.
 * r1csfile calls `F.fromRprLE(buff, offset, n8)` and reads `F.n8`/`F.p`.
 */
const bigintField = {
  p: FIELD_MODULUS,
  n8: 32,
  fromRprLE(buff: Uint8Array, offset = 0, n8 = 32): bigint {
    let v = 0n;
    for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buff[offset + i]!);
    return v;
  },
};

export function circuitBuilt(name: string): boolean {
  return existsSync(path.join(PROJECT_ROOT, compiledPaths(name).r1cs));
}
