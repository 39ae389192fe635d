/**
 * The keeper state's lock and deposit counting (keeper/state-store.ts): a live holder is refused by name, a
 * dead one's lock is taken over, release removes only one's own lock; deposits go to the largest vault-held
 * slot of their asset (committed and held alike), else to an empty slot, are refused without a free slot
 * (the file unchanged), and the scan mark moves in the same write.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Position } from "../../core/types.ts";
import { FileStateStore, lockState } from "../../keeper/state-store.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "homeostat-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const slot = (assetIndex: bigint, amount: bigint, salt: bigint, custody?: bigint): Position => ({ assetIndex, amount, salt, ...(custody !== undefined ? { custody } : {}) });

describe("the keeper state's lock", () => {
  it("refuses a second holder while the first lives, naming its process, and frees on release", async () => {
    const file = path.join(dir, "state.json");
    const release = await lockState(file);
    expect(readFileSync(`${file}.lock`, "utf8").split(" ")[0]).toBe(String(process.pid));
    await expect(lockState(file, { waitMs: 300 })).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    const again = await lockState(file);
    again();
  });

  it("takes over a lock left by a process that died", async () => {
    const file = path.join(dir, "state.json");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(`${file}.lock`, `${dead} ${os.hostname()}\n`);
    const release = await lockState(file);
    expect(readFileSync(`${file}.lock`, "utf8").split(" ")[0]).toBe(String(process.pid));
    release();
  });

  it("waits for a holder that releases in time", async () => {
    const file = path.join(dir, "state.json");
    const first = await lockState(file);
    let waitedFor: string | undefined;
    setTimeout(first, 300);
    const second = await lockState(file, { waitMs: 5_000, onWait: (pid) => (waitedFor = pid) });
    expect(waitedFor?.split(" ")[0]).toBe(String(process.pid));
    second();
  });
});

describe("counting deposits into the held slots", () => {
  const slots = [slot(0n, 500n, 1n), slot(0n, 900n, 2n), slot(1n, 70n, 3n, 1n), slot(0n, 0n, 4n)];

  it("credits the largest vault-held slot of the asset, else an empty slot, and moves the mark in the same write", () => {
    const store = FileStateStore.create(path.join(dir, "state.json"), slots, 10);
    const credited = store.creditDeposits(
      [
        { asset: 0n, amount: 40n, block: 11 },
        { asset: 1n, amount: 5n, block: 12 },
      ],
      20,
    );
    // asset 0 -> slot 1 (900 > 500); asset 1 is held only at an attestor (custody 1), so it takes the empty slot 3
    expect(credited.map((c) => c.slot)).toEqual([1, 3]);
    const reopened = FileStateStore.open(path.join(dir, "state.json"));
    expect(reopened.held().map((p) => [p.assetIndex, p.amount])).toEqual([[0n, 500n], [0n, 940n], [1n, 70n], [1n, 5n]]);
    expect(reopened.current().slots).toEqual(slots); // the commitment moves only with an attestation
    expect(reopened.depositsScannedTo()).toBe(20);
  });

  it("refuses a deposit with no slot free for it and leaves the file as it was", () => {
    const full = [slot(0n, 500n, 1n), slot(1n, 70n, 3n)];
    const file = path.join(dir, "state.json");
    const store = FileStateStore.create(file, full, 10);
    const before = readFileSync(file, "utf8");
    expect(() => store.creditDeposits([{ asset: 2n, amount: 1n, block: 15 }], 20)).toThrow(/no position slot is free for a deposit of asset 2 \(block 15\)/);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(store.depositsScannedTo()).toBe(10);
  });
});
