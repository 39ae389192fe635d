import { createWriteStream } from "node:fs";
import { readLiabilities } from "./prover/liabilities/reader.ts";
import { buildTree } from "./prover/liabilities/tree.ts";
import { rmSync } from "node:fs";
const n = Number(process.argv[2]);
const ws = createWriteStream("/tmp/synth.csv");
ws.write("user,balance\n");
for (let i = 0; i < n; i++) { if (!ws.write(`user-${i}@example.com,${(i * 7919) % 1000000}.${String(i % 1000000).padStart(6, "0")}\n`)) await new Promise(r => ws.once("drain", r)); }
await new Promise(r => ws.end(r));
let t0 = performance.now(); const c0 = process.cpuUsage();
const t = await readLiabilities("/tmp/synth.csv", { decimals: 6 });
const t1 = performance.now();
rmSync("/tmp/tree2", { recursive: true, force: true });
let last = "";
const r = await buildTree(t, { depth: 20, decimals: 6, outDir: "/tmp/tree2", onProgress: (d, tot, ph) => { if (ph !== last) { console.log(ph, ((performance.now()-t1)/1000).toFixed(1)); last = ph; } } });
const t2 = performance.now(); const c = process.cpuUsage(c0);
console.log(`read ${((t1-t0)/1000).toFixed(1)} s, build ${((t2-t1)/1000).toFixed(1)} s, cpu ${((c.user+c.system)/1e6).toFixed(1)} s, maxRSS ${(process.resourceUsage().maxRSS/1024).toFixed(0)} MB`, r.engine);
