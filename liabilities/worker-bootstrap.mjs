// Entry of an inclusion-proving worker process (liabilities/pool.ts). A forked process does not
// inherit the tsx loader the CLI registered, so this plain-JS file loads the TypeScript worker through tsx
// itself. It works the same whether the parent runs from bin/homeostat.mjs, tsx or vitest.
import { tsImport } from "tsx/esm/api";

await tsImport("./worker.ts", import.meta.url);
