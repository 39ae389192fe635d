#!/usr/bin/env node
// Entry point of the `homeostat` CLI: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";

register();
const { main, reportFatal } = await import("../cli/main.ts");
// An error that escapes a command asynchronously (an 'error' event, a forgotten promise) is reported
// like any other: one line, the stack only with --debug.
const fatal = (e) => process.exit(reportFatal(e, process.argv.slice(2)));
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);
const code = await main(process.argv.slice(2));
process.exit(code);
