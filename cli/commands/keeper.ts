/** `homeostat keeper` (placeholder while it is written). */
import type { Command } from "commander";
/** Registers `keeper`. */
export function register(_program: Command): void {}
