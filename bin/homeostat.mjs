#!/usr/bin/env node
// Entry point of the `homeostat` CLI: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2));
process.exit(code);
