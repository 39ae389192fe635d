pragma circom 2.1.0;
// Test-only circuit: exposes the shared hashing templates so the TS vectors can be checked in a witness.
include "../lib/hashing.circom";

template HashVectors() {
    signal input leafIn[4];
    signal input nodeIn[2];
    signal input sumIn[4];
    signal input list[10];
    signal output leaf;
    signal output node;
    signal output sumHash;
    signal output listDigest;

    leaf <== PositionLeaf()(leafIn[0], leafIn[1], leafIn[2], leafIn[3]);
    node <== MerkleNode()(nodeIn[0], nodeIn[1]);
    sumHash <== SumNodeHash()(sumIn[0], sumIn[1], sumIn[2], sumIn[3]);
    listDigest <== ListHash(10)(list);
}
