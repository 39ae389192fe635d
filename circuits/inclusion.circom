pragma circom 2.1.0;
// S3, liability inclusion (DESIGN section 5; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/hashing.circom";
include "./lib/comparators.circom";

// Inclusion(D): a user's leaf is in the liabilities Merkle sum tree of depth D with root liabilitiesRoot.
// Public (in this order): liabilitiesRoot, leafHash.
// Private: the leaf's opening (userIdHash, balance, salt) and its path: pathIndices[k] = 1 when the
// path node at level k is a right child, siblingHash[k] / siblingSum[k] the other child at level k.
// Proves: leafHash = Poseidon(userIdHash, balance, salt) with leaf sum = balance; every parent on the
// path is (SumNodeHash(left, right), left.sum + right.sum); the root hash is liabilitiesRoot. Reveals
// nothing else: not the total, not the siblings.
//
// Range checks, and why these are enough (issue 17: one 96-bit check per level instead of three). The
// balance and every sibling sum are range-checked below 2^96, once each. Then every path sum is an honest
// integer: computedSum[k] = balance + siblingSum[0] + ... + siblingSum[k-1] < (k + 1) * 2^96 <= 33 * 2^96
// < 2^102, far below the field modulus (~2^254), so no sum on the path wraps and none needs its own check:
//  - a negative (wrapped) balance or sibling sum, the way to hide a liability, is a field element of about
//    2^254 and has no 96-bit decomposition;
//  - the path sums, including the root's, are then exact integer sums of non-negative values, so the user's
//    balance is counted in the root's sum at full value. The root's sum is the total the solvency proof
//    (S1) opens and range-checks itself, and the sum tree's hash binds every node's sum, so an honest
//    tree's siblings are exactly the stored ones (all below 2^96 when the total is).
// Every adversarial test of the three-check version still applies (test/circuits/inclusion.test.ts). The verifier must check that liabilitiesRoot is the published root, and the user that
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

    // The leaf's balance is below 2^96 (see the header for why the path sums need no check of their own).
    RangeCheck(SUM_BITS)(balance);

    signal leftHash[D];
    signal leftSum[D];
    for (var k = 0; k < D; k++) {
        // The sibling's sum is below 2^96, so the parent's sum (< (k + 2) * 2^96) cannot wrap the field.
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

    // The root: its hash is the public root.
    computedHash[D] === liabilitiesRoot;
}
