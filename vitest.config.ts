// One runner for everything: circuits, prover, contracts (Hardhat's network.connect()), CLI and browser.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 2,
    setupFiles: ["test/setup/terminate-curve.ts"],
  },
});
