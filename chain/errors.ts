/**
 * Turns a failed call or transaction into one readable line: the contract's custom error by name with its
 * arguments (e.g. `PolicyMismatch(current=..., claimed=...)`), a revert string, or a panic code. The error
 * ABI is the union of Homeostat's contracts (OpenZeppelin's errors included, as they are in each ABI).
 */
import { Interface, type ErrorFragment, type InterfaceAbi } from "ethers";
import { loadArtifact } from "./artifacts.ts";

const CONTRACTS = ["RiskPolicy", "PriceSnapshots", "SolvencyRegistry", "TreasuryVault", "HomeostatTimelock", "PoseidonHasher", "TestToken"];

let errorInterface: Interface | undefined;

/** One Interface holding every custom error Homeostat's contracts can revert with (deduplicated). */
export function homeostatErrors(): Interface {
  if (!errorInterface) {
    const seen = new Map<string, ErrorFragment>();
    for (const name of CONTRACTS) {
      const iface = new Interface(loadArtifact(name).abi as InterfaceAbi);
      iface.forEachError((fragment) => {
        if (!seen.has(fragment.selector)) seen.set(fragment.selector, fragment);
      });
    }
    errorInterface = new Interface([...seen.values()]);
  }
  return errorInterface;
}

/** Finds the revert data (`0x` + selector + args) inside whatever error object ethers or Hardhat threw. */
export function revertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || error === null || typeof error !== "object") return undefined;
  const record = error as Record<string, unknown>;
  const data = record["data"];
  if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
  if (data && typeof data === "object") {
    const nested = (data as Record<string, unknown>)["data"];
    if (typeof nested === "string" && /^0x[0-9a-fA-F]{8}/.test(nested)) return nested;
  }
  for (const key of ["error", "info", "cause", "revert", "payload"]) {
    const found = revertData(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A decoded revert: the error's name and its arguments by name. */
export interface DecodedRevert {
  name: string;
  args: Record<string, string>;
  /** `Name(arg=value, ...)`. */
  text: string;
}

/** Decodes revert data with Homeostat's error ABI, `Error(string)` or `Panic(uint256)`; undefined if unknown. */
export function decodeRevertData(data: string): DecodedRevert | undefined {
  const iface = homeostatErrors();
  try {
    const parsed = iface.parseError(data);
    if (!parsed) return undefined;
    const args: Record<string, string> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name || `arg${i}`] = String(parsed.args[i]);
    });
    const text = `${parsed.name}(${Object.entries(args).map(([k, v]) => `${k}=${v}`).join(", ")})`;
    return { name: parsed.name, args, text };
  } catch {
    return undefined;
  }
}

/** The custom error a failed call reverted with, or undefined. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  const data = revertData(error);
  if (data) return decodeRevertData(data);
  // ethers already decoded Error(string) into `reason`.
  const reason = (error as { reason?: unknown } | null)?.reason;
  if (typeof reason === "string") return { name: "Error", args: { message: reason }, text: reason };
  return undefined;
}

/** What to do about the refusals a user can fix, by error name. */
const HINTS: Readonly<Record<string, string>> = {
  VaultBalanceShort: "the proof commits more of that asset to the vault than the vault holds: fund the vault, or mark the position as held at an attestor with a signed statement, and prove again",
  SignalCountMismatch: "the proof is for another circuit instance than this deployment's",
};

/** One line describing why a call failed: the decoded error (and what to do, when known), else the error's short message. */
export function describeFailure(error: unknown): string {
  const decoded = decodeRevert(error);
  if (decoded) {
    if (decoded.name === "Error") return `reverted: ${decoded.args["message"]}`;
    const hint = HINTS[decoded.name];
    return `reverted with ${decoded.text}${hint ? `: ${hint}` : ""}`;
  }
  const e = error as { shortMessage?: string; message?: string };
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0]!;
}
