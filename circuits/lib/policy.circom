pragma circom 2.1.0;
// The risk policy of DESIGN section 4 as constraints, with the exact integer rules of
// docs/ARCHITECTURE.md ("Policy rules"). prover/evaluate.ts mirrors these rules bound for bound.
//
// Magnitudes (why every product below stays under 2^252, the width of the comparisons):
//   amount < 2^96, unitPrice < 2^128          => one position's value < 2^224
//   assetValue[a] <= N positions' values       => < N * 2^224
//   total, and sums weighted by bps <= 10^4    => < A * N * 2^224 * 2^14 <= 2^252 when log2 N + log2 A <= 14
//   liabValue = liabTotal * unitPrice[L]       => < 2^96 * 2^128 = 2^224; times a bps < 2^16 => < 2^240
include "./comparators.circom";
include "./select.circom";
include "./hashing.circom";

// Basis points: 10,000 = 100%. Every bps field except the two minimums is at most this.
function BPS() {
    return 10000;
}

// Per-asset value aggregation.
// Proves: amount[i] < 2^96; assetIndex[i] < A (one-hot selection); and
//   assetValue[a] = unitPrice[a] * (sum of amount[i] over the positions with assetIndex[i] == a).
// Outputs heldAmount[i][a] = amount[i] if position i holds asset a, else 0 (CustodyTotals splits these
// by custodian). Private: everything. Caller must enforce 0 < unitPrice[a] < 2^128 (PriceRanges); then
// assetValue[a] < N * 2^224. Aggregating amounts per asset first costs one product per (position, asset)
// plus one per asset, instead of selecting a price per position.
template AssetAggregation(N, A) {
    assert(N >= 1);
    assert(A >= 1);
    signal input assetIndex[N];
    signal input amount[N];
    signal input unitPrice[A];
    signal output assetValue[A];
    signal output heldAmount[N][A];

    // assetSel[i][a] = 1 iff position i holds asset a; OneHot proves assetIndex[i] < A.
    signal assetSel[N][A];
    for (var i = 0; i < N; i++) {
        RangeCheck(96)(amount[i]);
        assetSel[i] <== OneHot(A)(assetIndex[i]);
        for (var a = 0; a < A; a++) {
            heldAmount[i][a] <== assetSel[i][a] * amount[i];
        }
    }
    for (var a = 0; a < A; a++) {
        // Sum of < N amounts below 2^96: an integer below N * 2^96, no wrap-around.
        var assetAmount = 0;
        for (var i = 0; i < N; i++) {
            assetAmount += heldAmount[i][a];
        }
        assetValue[a] <== assetAmount * unitPrice[a];
    }
}

// Policy hash: ListHash over [chainId, vault, A, K, C, liabilityAsset, minCoverageBps, minLiquidityBps,
// maxSlippageBps, maxAttestationAge, tokensDigest, rulesDigest, capBps[A], haircutBps[A], liquid[A],
// attestorKey[0][0..2), ..., attestorKey[C-1][0..2), shockBps[0][A], ..., shockBps[K-1][A]]
// (core/hash.ts policyFieldList). A, K and C are the template parameters, so a proof for one instance size
// cannot be passed off as a policy of another. tokensDigest is the ListHash of the assets' token addresses
// (custody statements sign it, so a statement names its tokens). rulesDigest is the hash of every rule the
// circuits do not evaluate (tokens, feeds, decimals, answer bounds, ages, symbols, delays: core/hash.ts
// rulesFieldList): hashing it here binds a proof to the whole policy. Attestors are bound by their keys
// alone; their names are labels outside every hash (the page says so). An attestor slot with no
// attestor (never set, or removed by the guardian) holds the key (0, 0), which no signature verifies under.
// Only hashing: PolicyChecks range-checks the fields.
template PolicyHash(A, K, C) {
    signal input chainId;
    signal input vault;
    signal input liabilityAsset;
    signal input minCoverageBps;
    signal input minLiquidityBps;
    signal input maxSlippageBps;
    signal input maxAttestationAge;
    signal input tokensDigest;
    signal input rulesDigest;
    signal input capBps[A];
    signal input haircutBps[A];
    signal input liquid[A];
    signal input attestorKey[C][2];
    signal input shockBps[K][A];
    signal output out;

    var HEAD = 12;
    var KEYS = HEAD + 3 * A;
    var SHOCKS = KEYS + 2 * C;
    var LEN = SHOCKS + K * A;
    signal fields[LEN];
    fields[0] <== chainId;
    fields[1] <== vault;
    fields[2] <== A;
    fields[3] <== K;
    fields[4] <== C;
    fields[5] <== liabilityAsset;
    fields[6] <== minCoverageBps;
    fields[7] <== minLiquidityBps;
    fields[8] <== maxSlippageBps;
    fields[9] <== maxAttestationAge;
    fields[10] <== tokensDigest;
    fields[11] <== rulesDigest;
    for (var a = 0; a < A; a++) {
        fields[HEAD + a] <== capBps[a];
        fields[HEAD + A + a] <== haircutBps[a];
        fields[HEAD + 2 * A + a] <== liquid[a];
    }
    for (var c = 0; c < C; c++) {
        fields[KEYS + 2 * c] <== attestorKey[c][0];
        fields[KEYS + 2 * c + 1] <== attestorKey[c][1];
    }
    for (var s = 0; s < K; s++) {
        for (var a = 0; a < A; a++) {
            fields[SHOCKS + s * A + a] <== shockBps[s][a];
        }
    }
    out <== ListHash(LEN)(fields);
}

// Prices hash: ListHash over [timestamp, unitPrice[0], ..., unitPrice[A-1]] (prover/hash.ts
// priceFieldList). Only hashing: PriceRanges range-checks the fields.
template PricesHash(A) {
    signal input timestamp;
    signal input unitPrice[A];
    signal output out;
    signal fields[1 + A];
    fields[0] <== timestamp;
    for (var a = 0; a < A; a++) {
        fields[1 + a] <== unitPrice[a];
    }
    out <== ListHash(1 + A)(fields);
}

// Proves timestamp < 2^64 and 0 < unitPrice[a] < 2^128 for every asset.
// A zero price would value an asset at nothing (and a zero liabilities price would erase the
// liabilities); a price at or above 2^128 would break the magnitude bounds the comparisons rely on.
template PriceRanges(A) {
    signal input timestamp;
    signal input unitPrice[A];
    RangeCheck(64)(timestamp);
    for (var a = 0; a < A; a++) {
        RangeCheck(128)(unitPrice[a]);
        AssertNonZero()(unitPrice[a]);
    }
}

// Opens the liabilities total from the liabilities root's two children.
// Proves: root = SumNodeHash(leftHash, leftSum, rightHash, rightSum); leftSum, rightSum < 2^96;
// total = leftSum + rightSum < 2^96.
// Public (in the callers): root. Private: the children and the total, which stays hidden.
// The liabilities tree must have at least two leaves (a single user is padded with a zero leaf), so
// that its root is a node with two children.
// The child range checks stop a "negative" (wrapped) child sum from cancelling real balances; deeper
// sums were range-checked when the tree was built and are proven per user by S3 (Inclusion).
template LiabilitiesTotal() {
    signal input root;
    signal input leftHash;
    signal input leftSum;
    signal input rightHash;
    signal input rightSum;
    signal output total;
    RangeCheck(96)(leftSum);
    RangeCheck(96)(rightSum);
    total <== leftSum + rightSum;
    RangeCheck(96)(total);
    signal computedRoot <== SumNodeHash()(leftHash, leftSum, rightHash, rightSum);
    root === computedRoot;
}

// Every bound of the policy, over per-asset values (ARCHITECTURE.md "Policy rules"):
//   cap a:      assetValue[a] * 10^4 <= capBps[a] * total
//   coverage:   sum_a assetValue[a] * (10^4 - haircutBps[a]) >= liabValue * minCoverageBps
//   liquidity:  sum_a liquid[a] * assetValue[a] * 10^4       >= liabValue * minLiquidityBps
//   scenario s: sum_a assetValue[a] * (10^4 - shockBps[s][a]) >= liabValue * (10^4 - shockBps[s][L])
// with total = sum_a assetValue[a], L = liabilityAsset, liabValue = liabTotal * unitPrice[L].
// Also proves the policy field ranges: capBps, haircutBps, shockBps, maxSlippageBps <= 10^4; liquid in {0,1};
// minCoverageBps, minLiquidityBps < 2^16; maxAttestationAge < 2^32; liabilityAsset < A.
// Every comparison is AssertLessEqBounded(CMP_BITS): each operand below is an integer under 2^CMP_BITS by the
// magnitudes in this file's header (the largest is a bps times the total, < 2^(14 + 224 + log2 N + log2 A)),
// so one decomposition of the difference decides it.
// Private: everything (the caller binds the fields to the public policy hash).
// Caller must enforce: assetValue[a] < N * 2^224 (AssetAggregation over N positions with prices
// < 2^128), liabTotal < 2^96 (LiabilitiesTotal), 0 < unitPrice[a] < 2^128 (PriceRanges).
// N only sizes the magnitude bound checked at compile time.
template PolicyChecks(N, A, K) {
    assert(N >= 1);
    assert(A >= 1);
    assert(K >= 1);
    // 224 + log2 N (asset value) + log2 A (sum over assets) + 14 (bps) must stay within 252 bits; the
    // liabilities side is below 2^240 (liabValue < 2^224 times a bps < 2^16).
    assert(log2Ceil(N) + log2Ceil(A) <= 14);
    var CMP_BITS = 238 + log2Ceil(N) + log2Ceil(A);
    if (CMP_BITS < 240) {
        CMP_BITS = 240;
    }

    signal input assetValue[A];
    signal input liabTotal;
    signal input unitPrice[A];
    signal input liabilityAsset;
    signal input minCoverageBps;
    signal input minLiquidityBps;
    signal input maxSlippageBps;
    signal input maxAttestationAge;
    signal input capBps[A];
    signal input haircutBps[A];
    signal input liquid[A];
    signal input shockBps[K][A];

    // Field ranges. 10^4 < 2^14.
    AssertLessEqConst(14, BPS())(maxSlippageBps);
    RangeCheck(32)(maxAttestationAge);
    for (var a = 0; a < A; a++) {
        AssertLessEqConst(14, BPS())(capBps[a]);
        AssertLessEqConst(14, BPS())(haircutBps[a]);
        AssertBit()(liquid[a]);
        for (var s = 0; s < K; s++) {
            AssertLessEqConst(14, BPS())(shockBps[s][a]);
        }
    }
    RangeCheck(16)(minCoverageBps);
    RangeCheck(16)(minLiquidityBps);
    // liabSel[a] = 1 iff a == liabilityAsset; proves liabilityAsset < A.
    signal liabSel[A] <== OneHot(A)(liabilityAsset);

    // Liabilities valued in their asset's price (< 2^224).
    signal liabPrice <== Select(A)(liabSel, unitPrice);
    signal liabValue <== liabTotal * liabPrice;

    var total = 0;
    for (var a = 0; a < A; a++) {
        total += assetValue[a];
    }

    // Caps: one comparison per asset, against the shared total.
    signal capLimit[A];
    component capCheck[A];
    for (var a = 0; a < A; a++) {
        capLimit[a] <== capBps[a] * total;
        capCheck[a] = AssertLessEqBounded(CMP_BITS);
        capCheck[a].lhs <== assetValue[a] * BPS();
        capCheck[a].rhs <== capLimit[a];
    }

    // Coverage: haircut-adjusted assets against the required share of liabilities.
    signal haircutValue[A];
    var coverage = 0;
    for (var a = 0; a < A; a++) {
        haircutValue[a] <== assetValue[a] * (BPS() - haircutBps[a]);
        coverage += haircutValue[a];
    }
    signal coverageNeed <== liabValue * minCoverageBps;
    component coverageCheck = AssertLessEqBounded(CMP_BITS);
    coverageCheck.lhs <== coverageNeed;
    coverageCheck.rhs <== coverage;

    // Liquidity buffer: liquid assets only.
    signal liquidValue[A];
    var liquidity = 0;
    for (var a = 0; a < A; a++) {
        liquidValue[a] <== liquid[a] * assetValue[a];
        liquidity += liquidValue[a];
    }
    signal liquidityNeed <== liabValue * minLiquidityBps;
    component liquidityCheck = AssertLessEqBounded(CMP_BITS);
    liquidityCheck.lhs <== liquidityNeed;
    liquidityCheck.rhs <== liquidity * BPS();

    // Stress scenarios: every asset and the liabilities asset shocked by the same scenario.
    signal shockedValue[K][A];
    signal liabShock[K];
    signal shockedLiab[K];
    component scenarioCheck[K];
    for (var s = 0; s < K; s++) {
        var shocked = 0;
        for (var a = 0; a < A; a++) {
            shockedValue[s][a] <== assetValue[a] * (BPS() - shockBps[s][a]);
            shocked += shockedValue[s][a];
        }
        liabShock[s] <== Select(A)(liabSel, shockBps[s]);
        shockedLiab[s] <== liabValue * (BPS() - liabShock[s]);
        scenarioCheck[s] = AssertLessEqBounded(CMP_BITS);
        scenarioCheck[s].lhs <== shockedLiab[s];
        scenarioCheck[s].rhs <== shocked;
    }
}
