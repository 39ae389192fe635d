// Entry of a sandboxed BullMQ processor (liabilities/cluster.ts): BullMQ forks a child process per
// concurrent job slot and imports this file's default export. Plain JS that loads the TypeScript job
// through tsx, like worker-bootstrap.mjs, since a forked child does not inherit the CLI's loader.
import { tsImport } from "tsx/esm/api";

const { proveChunk } = await tsImport("./cluster-job.ts", import.meta.url);
export default proveChunk;
