// Pins how the audit finds a verification-key constant in deployed bytecode: as the PUSH solc emits, with
// the value's significant bytes only. A coordinate with a leading zero byte is a PUSH31 (or shorter); the
// audit used to look for its 32-byte form and report it missing (seen with a generated development ptau).
import { describe, expect, it } from "vitest";
import { pushOf } from "../../audit/checks.ts";

describe("audit: constants in bytecode", () => {
  it("is PUSHn with the minimal n", () => {
    expect(pushOf(0x30n)).toBe("6030"); // PUSH1
    expect(pushOf(0x1234n)).toBe("611234"); // PUSH2
    const full = (1n << 255n) + 5n;
    expect(pushOf(full)).toBe(`7f${full.toString(16)}`); // PUSH32
    const leadingZero = 0xabn << 240n; // 31 significant bytes
    expect(pushOf(leadingZero)).toBe(`7e${leadingZero.toString(16)}`); // PUSH31
  });
});
