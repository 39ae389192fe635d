// Ambient declarations for the page: the build-time module of pinned keys (pinned-keys-plugin.ts), and
// the one ffjavascript entry point the worker calls (the package ships no types).
declare module "virtual:homeostat-pinned-keys" {
  const keys: ReadonlyArray<import("../pinned-keys-plugin.ts").PinnedKeyRecord>;
  export default keys;
}

declare module "ffjavascript" {
  /** A group of the curve, points in the engine's internal form. */
  interface CurveGroup {
    g: Uint8Array;
    neg(point: Uint8Array): Uint8Array;
  }
  /** The parts of ffjavascript's curve engine the worker uses. */
  export interface Bn128 {
    G1: CurveGroup;
    G2: CurveGroup;
    /** True when the product of the pairings of the (G1, G2) pairs is one. */
    pairingEq(...points: Uint8Array[]): Promise<boolean>;
  }
  /** Builds the BN254 engine; `singleThread` avoids starting a pool of workers. */
  export function buildBn128(singleThread?: boolean): Promise<Bn128>;
}
