// Pins the private state: salts are uniform field elements from the CSPRNG, persisted atomically (mode
// 0600) so a commitment reopens to the same root; changed positions get a fresh commitment; padding slots
// get salts too; a corrupt or edited state file is refused, never overwritten.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../core/field.ts";
import { commitmentRoot, defaultStatePath, liabilitySalts, loadState, openCommitment, randomFieldElement, recordCommitment, saveState } from "../../prover/state.ts";

let dir: string;
let file: string;
const holdings = [
  { assetIndex: 0, amount: 1_000_000n },
  { assetIndex: 2, amount: 5n * 10n ** 18n },
  { assetIndex: 2, amount: 7n * 10n ** 17n },
];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "homeostat-state-"));
  file = path.join(dir, ".homeostat", "state.json");
});

describe("salts", () => {
  it("are distinct field elements", () => {
    const salts = Array.from({ length: 200 }, randomFieldElement);
    expect(new Set(salts).size).toBe(200);
    for (const s of salts) expect(s >= 0n && s < FIELD_MODULUS).toBe(true);
    // 254-bit draws: the top bits are used (not a small range).
    expect(salts.some((s) => s > FIELD_MODULUS / 2n)).toBe(true);
  });
});

describe("state file", () => {
  it("defaults to .homeostat/state.json next to the treasury", () => {
    expect(defaultStatePath("/x/y/treasury.json")).toBe("/x/y/.homeostat/state.json");
  });

  it("persists a commitment so the same positions reopen to the same root", () => {
    const state = loadState(file);
    const first = openCommitment(state, holdings, 8);
    expect(first.reused).toBe(false);
    expect(first.slots).toHaveLength(8);
    expect(first.slots.slice(3).every((s) => s.amount === 0n && s.assetIndex === 0n)).toBe(true);
    expect(new Set(first.slots.map((s) => s.salt)).size).toBe(8); // padding slots are salted too
    recordCommitment(state, first.slots);
    saveState(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(["state.json"]); // no temp file left behind

    const again = openCommitment(loadState(file), [...holdings].reverse(), 8);
    expect(again.reused).toBe(true);
    expect(again.root).toBe(first.root);
    expect(commitmentRoot(again.slots)).toBe(first.root);
  });

  it("commits changed positions, or --fresh-salts, with new salts (unlinkable roots)", () => {
    const state = loadState(file);
    const first = openCommitment(state, holdings, 8);
    recordCommitment(state, first.slots);
    const changed = openCommitment(state, [...holdings.slice(0, 2), { assetIndex: 2, amount: 8n * 10n ** 17n }], 8);
    expect(changed.reused).toBe(false);
    expect(changed.slots[0]!.salt).not.toBe(first.slots[0]!.salt);
    const fresh = openCommitment(state, holdings, 8, { fresh: true });
    expect(fresh.reused).toBe(false);
    expect(fresh.root).not.toBe(first.root);
  });

  it("keeps every commitment and the current one across saves", () => {
    const state = loadState(file);
    const a = openCommitment(state, holdings, 8);
    const rootA = recordCommitment(state, a.slots);
    const b = openCommitment(state, holdings.slice(1), 8);
    const rootB = recordCommitment(state, b.slots, { parent: rootA, note: "rebalance" });
    saveState(state);
    const loaded = loadState(file);
    expect(loaded.current).toBe(rootB);
    expect([...loaded.commitments.keys()].sort()).toEqual([rootA, rootB].sort());
    expect(loaded.commitments.get(rootB)!.parent).toBe(rootA);
  });

  it("refuses more positions than slots", () => {
    expect(() => openCommitment(loadState(file), holdings, 2)).toThrow(/3 positions but the circuit instance has 2 slots/);
  });

  it("refuses a corrupt or edited state file and leaves it untouched", () => {
    const state = loadState(file);
    recordCommitment(state, openCommitment(state, holdings, 8).slots);
    saveState(state);
    const json = JSON.parse(readFileSync(file, "utf8"));
    const root = Object.keys(json.commitments)[0]!;
    json.commitments[root].slots[0].salt = "1";
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadState(file)).toThrow(/does not open to its root/);
    writeFileSync(file, "{ not json");
    expect(() => loadState(file)).toThrow(/state\.json(:1)?: the private state file is unreadable \(invalid JSON/);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });

  it("reuses liability salts for the same users file", () => {
    const state = loadState(file);
    const salts = liabilitySalts(state, "abc", 4);
    saveState(state);
    expect(liabilitySalts(loadState(file), "abc", 4)).toEqual(salts);
    expect(liabilitySalts(loadState(file), "other", 4)).not.toEqual(salts);
    expect(existsSync(file)).toBe(true);
  });
});
