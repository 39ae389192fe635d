/** `homeostat simulate` (placeholder while it is written). */
import type { Command } from "commander";
/** Registers `simulate`. */
export function register(_program: Command): void {}
