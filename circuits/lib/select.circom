pragma circom 2.1.0;
// One-hot selection: turns a private index into n bits, exactly one of which is set, and reads an
// array at that index. Used for asset indexes (which also proves `index < A`), the liabilities asset,
// and the rebalance slots.

// Proves index is in {0, ..., n-1} and outputs sel[j] = 1 exactly when index == j.
// The bits come from a hint; the constraints make the hint the only possible witness:
// every sel[j] is a bit, the bits sum to 1 (n < p, so exactly one is set), and the set bit's position
// equals `index`. An index outside [0, n) therefore has no witness: nothing for the caller to enforce.
template OneHot(n) {
    assert(n >= 1);
    signal input index;
    signal output sel[n];
    var count = 0;
    var position = 0;
    for (var j = 0; j < n; j++) {
        sel[j] <-- index == j ? 1 : 0;
        sel[j] * (sel[j] - 1) === 0;
        count += sel[j];
        position += j * sel[j];
    }
    count === 1;
    position === index;
}

// out = sum_j sel[j] * in[j]: the element picked by a one-hot vector.
// The caller must pass a vector proven one-hot (the output of OneHot); otherwise this is just a dot product.
template Select(n) {
    assert(n >= 1);
    signal input sel[n];
    signal input in[n];
    signal output out;
    signal picked[n];
    var acc = 0;
    for (var j = 0; j < n; j++) {
        picked[j] <== sel[j] * in[j];
        acc += picked[j];
    }
    out <== acc;
}
