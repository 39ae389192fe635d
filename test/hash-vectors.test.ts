// Pins the Poseidon layouts of core/hash.ts against the circuit templates (circuits/lib/hashing.circom).
// The Solidity side of the same vectors is checked in test/contracts/poseidon.test.ts.
import { describe, it, beforeAll } from "vitest";
import { positionLeaf, merkleNode, sumNode, listHash } from "../core/hash.ts";
import { CircuitTester } from "./helpers/circuit-tester.ts";
import { VECTORS } from "./helpers/hash-vectors.ts";


describe("hash vectors: TS == circuit", () => {
  let tester: CircuitTester;
  beforeAll(async () => {
    tester = await CircuitTester.load("hash-vectors");
  });

  it("computes the same leaf, node, sum-node and list hashes", async () => {
    const expected = {
      leaf: positionLeaf(...VECTORS.leafIn),
      node: merkleNode(...VECTORS.nodeIn),
      sumHash: sumNode({ hash: VECTORS.sumIn[0], sum: VECTORS.sumIn[1] }, { hash: VECTORS.sumIn[2], sum: VECTORS.sumIn[3] }).hash,
      listDigest: listHash(VECTORS.list),
    };
    await tester.expectPass(
      { leafIn: VECTORS.leafIn, nodeIn: VECTORS.nodeIn, sumIn: VECTORS.sumIn, list: VECTORS.list },
      expected,
    );
  });

  it("rejects a witness whose output was tampered with", async () => {
    const w = await tester.witness({ leafIn: VECTORS.leafIn, nodeIn: VECTORS.nodeIn, sumIn: VECTORS.sumIn, list: VECTORS.list });
    await tester.expectUnsatisfied(tester.tamper(w, "leaf", 42n));
  });
});
