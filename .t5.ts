import { proveAll } from "./prover/liabilities/pool.ts";
import { rmSync } from "node:fs";
rmSync("/tmp/proofs4", { recursive: true, force: true });
const r = await proveAll({ treeDir: "/tmp/tree4", outDir: "/tmp/proofs4", workers: 2, limit: 3, onProgress: (p) => console.error(JSON.stringify(p)) });
console.log(r);
const r2 = await proveAll({ treeDir: "/tmp/tree4", outDir: "/tmp/proofs4", workers: 2 });
console.log(r2);
