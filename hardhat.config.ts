// Hardhat 3 configuration. The Solidity compiler is the npm `solc` package (WASM), given by path,
// so `hardhat build` never downloads a compiler. Generated verifiers live in contracts/generated/.
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solcVersion: string = (require("solc/package.json") as { version: string }).version;
const solcPath = fileURLToPath(new URL("./node_modules/solc/soljson.js", import.meta.url));

export default defineConfig({
  plugins: [hardhatEthers],
  solidity: {
    version: solcVersion,
    path: solcPath,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: { sources: "./contracts" },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
  },
});
