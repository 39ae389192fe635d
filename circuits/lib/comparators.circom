pragma circom 2.1.0;
// Range checks and range-checked comparisons.
//
// circomlib's LessThan(n) is only meaningful when both operands are already known to lie in [0, 2^n):
// fed a field element above that, it returns whatever bit n of `a + 2^n - b` happens to be (the bug
// behind zk-kit.circom issue #15). Every comparison in Homeostat therefore goes through the templates
// below, which Num2Bits-check both operands first. Policy quantities are integers well below 2^252
// (DESIGN section 2), so range-checking to 252 bits rejects exactly the wrapped ("negative") values.
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Smallest r with 2^r >= n (n >= 1). Used for tree depths and magnitude bounds at compile time.
function log2Ceil(n) {
    var r = 0;
    while ((1 << r) < n) {
        r++;
    }
    return r;
}

// Proves 0 <= in < 2^n, where `in` is read as its canonical integer in [0, p).
// n <= 252 keeps 2^n far below p, so the bit decomposition is unique (no aliasing).
template RangeCheck(n) {
    assert(n >= 1);
    assert(n <= 252);
    signal input in;
    // Num2Bits constrains every bit to {0,1} and their weighted sum to `in`.
    _ <== Num2Bits(n)(in);
}

// out = 1 if in[0] <= in[1], else 0, after proving both operands are in [0, 2^n).
// Without the two range checks a prover could pass a wrapped operand and flip the result.
template SafeLessEqThan(n) {
    assert(n >= 1);
    assert(n <= 252);
    signal input in[2];
    signal output out;
    RangeCheck(n)(in[0]);
    RangeCheck(n)(in[1]);
    component lessEq = LessEqThan(n);
    lessEq.in <== in;
    out <== lessEq.out;
}

// Proves lhs <= rhs with both operands range-checked to n bits (a hard constraint, not an output).
// The policy rules are assertions: a treasury that breaks one has no witness at all.
template AssertLessEq(n) {
    signal input lhs;
    signal input rhs;
    component cmp = SafeLessEqThan(n);
    cmp.in <== [lhs, rhs];
    cmp.out === 1;
}

// Proves lhs <= rhs when the caller already knows both operands are integers in [0, 2^n) (by the
// magnitude bounds of how they were computed from range-checked quantities). One n-bit decomposition
// of rhs - lhs: if rhs >= lhs it is below 2^n; if rhs < lhs it wraps to p - (lhs - rhs) > p - 2^n >= 2^n,
// which has no n-bit decomposition. Costs n constraints instead of the 3n + 2 of AssertLessEq, which
// is what keeps the standard circuits within 2^16 constraints. Unsound if an operand may be >= 2^n:
// each call site states its bound.
template AssertLessEqBounded(n) {
    assert(n >= 1);
    assert(n <= 252);
    signal input lhs;
    signal input rhs;
    RangeCheck(n)(rhs - lhs);
}

// Proves 0 <= in <= bound for a compile-time constant bound < 2^n.
// Both `in` and `bound - in` are decomposed into n bits: if in > bound, `bound - in` wraps to
// p - (in - bound) >= p - 2^n, which has no n-bit decomposition. Costs 2n constraints, cheaper than
// SafeLessEqThan because the constant side needs no check.
template AssertLessEqConst(n, bound) {
    assert(n >= 1);
    assert(n <= 252);
    assert(bound >= 0);
    assert(bound < (1 << n));
    signal input in;
    RangeCheck(n)(in);
    RangeCheck(n)(bound - in);
}

// Proves in != 0 by exhibiting its inverse (the hint is checked by the single constraint below).
template AssertNonZero() {
    signal input in;
    signal inverse;
    inverse <-- in != 0 ? 1 / in : 0;
    in * inverse === 1;
}

// Proves in is 0 or 1.
template AssertBit() {
    signal input in;
    in * (in - 1) === 0;
}
