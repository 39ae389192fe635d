import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { readLiabilities } from "./prover/liabilities/reader.ts";
import { buildTree } from "./prover/liabilities/tree.ts";
import { LiabilitiesTree } from "./prover/liabilities/store.ts";
import { inclusionInput } from "./prover/liabilities/inclusion.ts";
import { rmSync } from "node:fs";
rmSync("/tmp/tree20", { recursive: true, force: true });
await buildTree(await readLiabilities("/tmp/l1.csv", { decimals: 6 }), { depth: 20, decimals: 6, outDir: "/tmp/tree20" });
const tree = LiabilitiesTree.open("/tmp/tree20");
const input = inclusionInput(tree, tree.leaf(1));
const wasm = readFileSync("build/circuits/inclusion-standard/inclusion-standard.wasm");
const zkey = readFileSync("build/circuits/inclusion-standard/inclusion-standard.zkey");
for (const opts of [{}, {}, { singleThread: true }, { singleThread: true }]) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const w = { type: "mem" } as any;
  await (snarkjs as any).wtns.calculate(input, { type: "mem", data: wasm }, w);
  const c1 = process.cpuUsage(c0); const t1 = performance.now();
  await (snarkjs as any).groth16.prove({ type: "mem", data: zkey }, w, undefined, opts);
  const c2 = process.cpuUsage(c0); const t2 = performance.now();
  console.log(JSON.stringify(opts), "witness wall", (t1-t0).toFixed(0), "cpu", ((c1.user+c1.system)/1000).toFixed(0), "| prove wall", (t2-t1).toFixed(0), "cpu total", ((c2.user+c2.system)/1000).toFixed(0));
}
const g = globalThis as any; if (g.curve_bn128) await g.curve_bn128.terminate();
