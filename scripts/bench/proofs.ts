/**
 * Benchmark section: S1 (solvency), S2 (rebalance) and S4 (payout) for every instance that has been set up
 * (build/circuits/NAME/{NAME.wasm, NAME.zkey, NAME.vkey.json}). Per instance: constraints (from the setup
 * manifest), witness time, proving time, and warm verification time in Node, each the median of several
 * runs after a warm-up. Inputs are the examples: examples/small for the test instances, examples/meridian
 * for the standard ones (S2: the example swap of examples/README.md; S4: a USDC payout). `run()` returns markdown.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT, instanceDir, loadInstances } from "../../core/node/instances.ts";
import { preparePayout, prepareRebalance, prepareSolvency, runGroth16, type PayoutRequest, type PreparedProof, type RebalanceRequest } from "../../prover/prove.ts";
import { loadState } from "../../prover/state.ts";
import { loadLiabilities, loadTreasury } from "../../prover/treasury.ts";
import { randomFieldElement } from "../../prover/state.ts";
import { useSingleThreadedCurve } from "../../verifier/node.ts";

/** Proofs measured per instance after one warm-up. */
const RUNS = 5;
/** Verifications measured after two warm-up runs. */
const VERIFICATIONS = 20;

/** DESIGN section 9 budgets (witness + proof, ms) on a 2-core machine; S4, a transition like S2, is held to S2's. */
const PROVE_BUDGET_MS: Record<string, number> = { "solvency-standard": 4000, "rebalance-standard": 8000, "payout-standard": 8000 };
const STATEMENTS = ["solvency", "rebalance", "payout"];
const VERIFY_BUDGET_MS = 20;

/** Which example, which swap and which payout each group uses. */
const RECIPIENT = "0x00000000000000000000000000000000000000b0";
const EXAMPLES: Record<string, { dir: string; swap: RebalanceRequest; payout: PayoutRequest }> = {
  test: { dir: "examples/small", swap: { sell: "WETH", amount: "50", buy: "USDC", minOut: "170000" }, payout: { asset: "USDC", amount: "100000", to: RECIPIENT } },
  standard: { dir: "examples/meridian", swap: { sell: "WETH", amount: "500", buy: "USDC", minOut: "1690000" }, payout: { asset: "USDC", amount: "250000", to: RECIPIENT } },
};

interface Row {
  instance: string;
  constraints: string;
  witnessMs: number;
  proveMs: number;
  verifyMs: number;
  /** Median CPU time (user + system, all threads of this process) of witness + proof. */
  cpuMs: number;
  /** Median of witness + proof per run. */
  totalMs: number;
  /** Fastest witness + proof of the runs (the least disturbed by other work on the machine). */
  bestMs: number;
  budget: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

function constraintsOf(instance: string): string {
  const manifest = path.join(PROJECT_ROOT, instanceDir(instance), "manifest.json");
  try {
    const m = JSON.parse(readFileSync(manifest, "utf8")) as { circuit?: { constraints?: number } };
    return m.circuit?.constraints?.toLocaleString("en-US") ?? "?";
  } catch {
    return "?";
  }
}

/** A prepared S1, S2 or S4 for `instance` from its group's example (state kept in a scratch folder). */
function prepare(instance: string, statement: string, group: string, scratch: string): PreparedProof {
  const example = EXAMPLES[group];
  if (!example) throw new Error(`no example for group ${group}`);
  const dir = path.join(PROJECT_ROOT, example.dir);
  const treasury = loadTreasury({ treasury: `${dir}/treasury.json`, policy: `${dir}/policy.json`, prices: `${dir}/prices.json` });
  const liabilities = loadLiabilities(`${dir}/users.csv`, treasury.policy, (_k, n) => Array.from({ length: n }, randomFieldElement));
  const state = loadState(path.join(scratch, `${instance}.json`));
  const common = { treasury, liabilities, state, persistState: false, instance };
  if (statement === "payout") return preparePayout({ ...common, request: example.payout });
  return statement === "solvency" ? prepareSolvency(common) : prepareRebalance({ ...common, request: example.swap });
}

async function measure(instance: string, statement: string, group: string, scratch: string): Promise<Row> {
  const prepared = prepare(instance, statement, group, scratch);
  const { groth16 } = (await import("snarkjs")) as { groth16: { verify(vk: unknown, signals: string[], proof: unknown): Promise<boolean> } };
  const vkey = JSON.parse(readFileSync(prepared.artifacts.vkeyFile, "utf8")) as unknown;
  const witness: number[] = [];
  const prove: number[] = [];
  const cpu: number[] = [];
  let last: Awaited<ReturnType<typeof runGroth16>> | undefined;
  for (let i = 0; i <= RUNS; i++) {
    const before = process.cpuUsage();
    last = await runGroth16(prepared.input, prepared.artifacts);
    const used = process.cpuUsage(before);
    if (i > 0) {
      witness.push(last.witnessMs);
      prove.push(last.proveMs);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  // Verification as a verifier process does it (`homeostat verify`, verifier/node.ts): on a single-threaded
  // curve. The prover's threaded curve is set aside meanwhile and restored afterwards.
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
  const provingCurve = g.curve_bn128;
  delete g.curve_bn128;
  await useSingleThreadedCurve();
  const verify: number[] = [];
  try {
    for (let i = 0; i < VERIFICATIONS + 2; i++) {
      const t0 = performance.now();
      const ok = await groth16.verify(vkey, last!.publicSignals, last!.proof);
      if (!ok) throw new Error(`${instance}: the proof did not verify`);
      if (i >= 2) verify.push(performance.now() - t0);
    }
  } finally {
    await (g.curve_bn128 as { terminate(): Promise<void> | void } | undefined)?.terminate();
    g.curve_bn128 = provingCurve;
  }
  const totals = witness.map((w, i) => w + prove[i]!);
  const total = median(totals);
  const budget = PROVE_BUDGET_MS[instance];
  const verifyMs = median(verify);
  const budgetText = [
    budget ? `witness+proof ${ms(total)} vs ${ms(budget)}: ${total <= budget ? "within" : "OVER"}` : "",
    `verify ${verifyMs <= VERIFY_BUDGET_MS ? "within" : "OVER"} ${VERIFY_BUDGET_MS} ms`,
  ]
    .filter(Boolean)
    .join("; ");
  return { instance, constraints: constraintsOf(instance), witnessMs: median(witness), proveMs: median(prove), verifyMs, cpuMs: median(cpu), totalMs: total, bestMs: Math.min(...totals), budget: budgetText };
}

/** Runs the section. */
export async function run(): Promise<string> {
  const table = loadInstances();
  const names = Object.keys(table).filter((name) => {
    const statement = name.split("-")[0]!;
    if (!STATEMENTS.includes(statement)) return false;
    const dir = path.join(PROJECT_ROOT, instanceDir(name));
    return ["wasm", "zkey", "vkey.json"].every((ext) => existsSync(path.join(dir, `${name}.${ext}`)));
  });
  const lines = [
    "## S1 solvency, S2 rebalance and S4 payout proofs (Node: prover/groth16.ts on snarkjs's engine)",
    "",
    `Median of ${RUNS} runs after a warm-up (witness, proof; the best run too) and of ${VERIFICATIONS} warm verifications (single-threaded curve, as`,
    "`homeostat verify` runs them; snarkjs's default worker pool roughly doubles a verification). Inputs: examples/small",
    "(test instances) and examples/meridian (standard instances; S2 sells 500 WETH for at least 1,690,000 USDC; S4 pays",
    "out 250,000 USDC, 100,000 on examples/small). S4 has no budget of its own in DESIGN; it is held to S2's.",
    "Times are wall-clock; the CPU column (user + system time of all of the process's threads) is less sensitive to",
    "other work on the machine: on an otherwise idle 2-core machine, witness + proof takes roughly CPU / 2 or more.",
    "",
  ];
  if (names.length === 0) {
    lines.push("No solvency/rebalance/payout instance is set up: run `homeostat setup` first.");
    return lines.join("\n");
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), "homeostat-bench-"));
  const rows: Row[] = [];
  try {
    for (const name of names) {
      process.stderr.write(`bench: proofs: ${name}…\n`);
      rows.push(await measure(name, name.split("-")[0]!, table[name]!.group, scratch));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  lines.push(
    "| instance | constraints | witness | proof | witness + proof | best witness + proof | CPU (witness + proof) | verify (warm) | budget (DESIGN 9, on the medians) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
  );
  for (const r of rows) {
    lines.push(`| ${r.instance} | ${r.constraints} | ${ms(r.witnessMs)} | ${ms(r.proveMs)} | ${ms(r.totalMs)} | ${ms(r.bestMs)} | ${ms(r.cpuMs)} | ${ms(r.verifyMs)} | ${r.budget} |`);
  }
  return lines.join("\n");
}
