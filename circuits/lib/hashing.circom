pragma circom 2.1.0;
// Poseidon layouts of Homeostat (DESIGN section 3). prover/hash.ts is the reference: any change here
// must change there too, and the shared vectors test (test/hash-vectors.test.ts) checks both.
include "circomlib/circuits/poseidon.circom";

// Position leaf: Poseidon(assetIndex, custody, amount, salt). custody 0 = held by the vault itself,
// 1..C = held at the policy's attestor of that number.
template PositionLeaf() {
    signal input assetIndex;
    signal input custody;
    signal input amount;
    signal input salt;
    signal output out;
    out <== Poseidon(4)([assetIndex, custody, amount, salt]);
}

// Liability leaf: Poseidon(userIdHash, balance, salt); its sum is the balance.
template LiabilityLeaf() {
    signal input userIdHash;
    signal input balance;
    signal input salt;
    signal output out;
    out <== Poseidon(3)([userIdHash, balance, salt]);
}

// Inner node of the positions tree: Poseidon(left, right).
template MerkleNode() {
    signal input left;
    signal input right;
    signal output out;
    out <== Poseidon(2)([left, right]);
}

// Sum-tree node hash: Poseidon(l.hash, l.sum, r.hash, r.sum). Callers range-check the sums.
template SumNodeHash() {
    signal input leftHash;
    signal input leftSum;
    signal input rightHash;
    signal input rightSum;
    signal output out;
    out <== Poseidon(4)([leftHash, leftSum, rightHash, rightSum]);
}

// List hash of n elements: acc = n; for each 7-element chunk (zero-padded): acc = Poseidon(acc, chunk).
template ListHash(n) {
    assert(n >= 1);
    var RATE = 7;
    var CHUNKS = (n + RATE - 1) \ RATE;
    signal input in[n];
    signal output out;
    signal acc[CHUNKS + 1];
    acc[0] <== n;
    component h[CHUNKS];
    for (var c = 0; c < CHUNKS; c++) {
        h[c] = Poseidon(RATE + 1);
        h[c].inputs[0] <== acc[c];
        for (var j = 0; j < RATE; j++) {
            if (c * RATE + j < n) {
                h[c].inputs[j + 1] <== in[c * RATE + j];
            } else {
                h[c].inputs[j + 1] <== 0;
            }
        }
        acc[c + 1] <== h[c].out;
    }
    out <== acc[CHUNKS];
}

// Root of a binary Merkle tree over 2^depth leaf hashes, nodes hashed with MerkleNode.
template MerkleRootOf(depth) {
    var N = 1 << depth;
    signal input leaves[N];
    signal output root;
    signal level[2 * N - 1];
    for (var i = 0; i < N; i++) {
        level[N - 1 + i] <== leaves[i];
    }
    for (var i = N - 2; i >= 0; i--) {
        level[i] <== MerkleNode()(level[2 * i + 1], level[2 * i + 2]);
    }
    root <== level[0];
}

// The positions commitment (DESIGN section 3): leaf[i] = PositionLeaf(assetIndex[i], custody[i], amount[i],
// salt[i]) and root = MerkleRootOf(log2 N)(leaf). N must be a power of two (unused slots are padding leaves).
// Only hashing happens here: the caller range-checks amounts, asset indexes and custodies.
template PositionsTree(N) {
    var depth = 0;
    while ((1 << depth) < N) {
        depth++;
    }
    assert(N >= 2);
    assert((1 << depth) == N);
    signal input assetIndex[N];
    signal input custody[N];
    signal input amount[N];
    signal input salt[N];
    signal output leaf[N];
    signal output root;
    for (var i = 0; i < N; i++) {
        leaf[i] <== PositionLeaf()(assetIndex[i], custody[i], amount[i], salt[i]);
    }
    root <== MerkleRootOf(depth)(leaf);
}
