// The layers of Homeostat (docs/ARCHITECTURE.md, "Layers"), enforced by `npm run deps` inside `npm test`.
// Each top-level folder may import only the folders listed for it; everything may import core/.
// core/ imports none of them, and its browser-safe part (everything but core/node/) imports no Node builtin,
// so the browser verifier (verifier/ without its Node entry points) runs in a page.

/** folder -> the folders it may import (besides itself and core/). */
const LAYERS = {
  core: [],
  verifier: [],
  setup: [],
  ceremony: ["setup"],
  prover: ["verifier"],
  liabilities: ["verifier", "prover"],
  chain: ["verifier", "prover"],
  keeper: ["verifier", "prover", "chain"],
  audit: ["verifier", "setup", "ceremony", "prover", "liabilities", "chain"],
  cli: ["verifier", "setup", "ceremony", "prover", "liabilities", "chain", "keeper", "audit"],
};
const ALL = [...Object.keys(LAYERS), "scripts", "test"];

/** Files of verifier/ that run in Node (the CLI's verifier, the page's build); the rest runs in the browser. */
const VERIFIER_NODE_FILES = "^verifier/(node\\.ts|web/(build|build-stamp|pinned-keys-plugin|vite\\.config)\\.ts)$";

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => {
  const forbidden = ALL.filter((f) => f !== folder && f !== "core" && !allowed.includes(f));
  return {
    name: `layer-${folder}`,
    comment: `${folder}/ may import ${["core", ...allowed].join(", ")} only (docs/ARCHITECTURE.md, "Layers")`,
    severity: "error",
    from: { path: `^${folder}/` },
    to: { path: `^(${forbidden.join("|")})/` },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "core-browser-safe",
      comment: "core/ outside core/node/ runs in the browser: no Node builtins, no core/node/",
      severity: "error",
      from: { path: "^core/", pathNot: "^core/node/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "core-browser-safe-node-folder",
      comment: "core/ outside core/node/ runs in the browser: no core/node/",
      severity: "error",
      from: { path: "^core/", pathNot: "^core/node/" },
      to: { path: "^core/node/" },
    },
    {
      name: "verifier-browser-safe",
      comment: "the browser verifier (verifier/ but its Node entry points) imports no Node builtin and nothing of core/node/",
      severity: "error",
      from: { path: "^verifier/", pathNot: VERIFIER_NODE_FILES },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "verifier-browser-safe-node-folder",
      comment: "the browser verifier imports nothing of core/node/",
      severity: "error",
      from: { path: "^verifier/", pathNot: VERIFIER_NODE_FILES },
      to: { path: "^core/node/" },
    },
    {
      name: "verifier-browser-no-node-entry",
      comment: "the browser verifier imports no value from the verifier's Node files (they reach node: and core/node/)",
      severity: "error",
      from: { path: "^verifier/", pathNot: VERIFIER_NODE_FILES },
      to: { path: VERIFIER_NODE_FILES, dependencyTypesNot: ["type-only", "type-import"] },
    },
    {
      name: "verifier-browser-reach",
      comment: "nothing the browser verifier imports (values, at any depth) reaches core/node/",
      severity: "error",
      from: { path: "^verifier/", pathNot: VERIFIER_NODE_FILES },
      to: { path: "^core/node/", reachable: true },
    },
    {
      name: "no-circular",
      comment: "no import cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|build|dist|artifacts|cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js", ".json"] },
  },
};
