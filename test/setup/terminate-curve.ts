// snarkjs keeps bn128 worker threads alive; stop them when a test file is done so the fork exits.
import { afterAll } from "vitest";

afterAll(async () => {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> | void } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
});
