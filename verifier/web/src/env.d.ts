// Ambient declarations for the page: the build-time module of pinned keys (pinned-keys-plugin.ts), and
// the one ffjavascript entry point the worker calls (the package ships no types).
declare module "virtual:homeostat-pinned-keys" {
  const keys: ReadonlyArray<import("../pinned-keys-plugin.ts").PinnedKeyRecord>;
  export default keys;
}

declare module "ffjavascript" {
  /** Builds the BN254 engine; `singleThread` avoids starting a pool of workers. */
  export function buildBn128(singleThread?: boolean): Promise<unknown>;
}
