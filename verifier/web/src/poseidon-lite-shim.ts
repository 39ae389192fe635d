/**
 * Build-time stand-in for the "poseidon-lite" entry point (aliased in vite.config.ts). The package's
 * index is CommonJS that loads all sixteen arities, which a bundler cannot tree-shake; core/hash.ts
 * only needs arities 2, 3, 4 and 8, so the page loads just those constant tables.
 */
export { poseidon2 } from "poseidon-lite/poseidon2";
export { poseidon3 } from "poseidon-lite/poseidon3";
export { poseidon4 } from "poseidon-lite/poseidon4";
export { poseidon8 } from "poseidon-lite/poseidon8";
