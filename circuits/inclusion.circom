pragma circom 2.1.0;
// S3, liability inclusion (DESIGN section 5; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/hashing.circom";
include "./lib/comparators.circom";

// Inclusion(D): a user's leaf is in the liabilities Merkle sum tree of depth D with root liabilitiesRoot.
// Public (in this order): liabilitiesRoot, leafHash.
// Private: the leaf's opening (userIdHash, balance, salt) and its path: pathIndices[k] = 1 when the
// path node at level k is a right child, siblingHash[k] / siblingSum[k] the other child at level k.
// Proves: leafHash = Poseidon(userIdHash, balance, salt) with leaf sum = balance; every parent on the
// path is (SumNodeHash(left, right), left.sum + right.sum) with both children's sums range-checked
// below 2^96 at every level, the root's sum too; the root hash is liabilitiesRoot. So no negative
// (wrapped) balance or sum can hide anywhere on the path. Reveals nothing else: not the total, not the
// siblings. The verifier must check that liabilitiesRoot is the published root, and the user that
// leafHash is the hash of their own id, balance and salt (verifier/inclusion.ts).
template Inclusion(D) {
    assert(D >= 1);
    assert(D <= 32);
    var SUM_BITS = 96;

    signal input liabilitiesRoot;
    signal input leafHash;

    signal input userIdHash;
    signal input balance;
    signal input salt;
    signal input pathIndices[D];
    signal input siblingHash[D];
    signal input siblingSum[D];

    // The leaf opens to the user's id hash, balance and salt.
    signal computedLeaf <== LiabilityLeaf()(userIdHash, balance, salt);
    computedLeaf === leafHash;

    // computedHash[k], computedSum[k]: the path node at level k (0 = the leaf, D = the root).
    signal computedHash[D + 1];
    signal computedSum[D + 1];
    computedHash[0] <== leafHash;
    computedSum[0] <== balance;

    signal leftHash[D];
    signal leftSum[D];
    for (var k = 0; k < D; k++) {
        // Both children's sums are below 2^96, so their sum cannot wrap the field.
        RangeCheck(SUM_BITS)(computedSum[k]);
        RangeCheck(SUM_BITS)(siblingSum[k]);
        // The path bit is a bit: otherwise the "selection" below would mix the two children.
        AssertBit()(pathIndices[k]);
        // Order the children by the path bit: bit 0 = the path node is on the left.
        leftHash[k] <== computedHash[k] + pathIndices[k] * (siblingHash[k] - computedHash[k]);
        leftSum[k] <== computedSum[k] + pathIndices[k] * (siblingSum[k] - computedSum[k]);
        computedHash[k + 1] <== SumNodeHash()(
            leftHash[k],
            leftSum[k],
            computedHash[k] + siblingHash[k] - leftHash[k],
            computedSum[k] + siblingSum[k] - leftSum[k]
        );
        computedSum[k + 1] <== computedSum[k] + siblingSum[k];
    }

    // The root: its hash is the public root, and its sum (the private total) is in range too.
    computedHash[D] === liabilitiesRoot;
    RangeCheck(SUM_BITS)(computedSum[D]);
}
