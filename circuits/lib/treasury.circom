pragma circom 2.1.0;
// The body of the solvency statement, shared by S1 (Solvency) and S2 (Rebalance, over the NEW state).
include "./policy.circom";

// A treasury state that satisfies its policy.
// Proves, for N position slots, A assets and K stress scenarios:
//  - root and leaf[N] are the positions commitment of (assetIndex, amount, salt);
//  - amounts < 2^96 and asset indexes < A (AssetAggregation);
//  - the policy fields open policyHash and lie in their ranges (PolicyHash, PolicyChecks);
//  - the price snapshot opens pricesHash, timestamp < 2^64, 0 < unitPrice < 2^128 (PricesHash, PriceRanges);
//  - the liabilities root's children open liabilitiesRoot with sums and total < 2^96 (LiabilitiesTotal);
//  - every cap, coverage, the liquidity buffer and every stress scenario hold (PolicyChecks).
// Inputs policyHash, pricesHash and liabilitiesRoot are constrained here; the caller makes them public.
// Outputs root and leaf: the caller must bind root to its public positions root (S1) or new root (S2).
template TreasuryState(N, A, K) {
    // N is a power of two (PositionsTree asserts it); at least one asset and one stress scenario.
    assert(N >= 2);
    assert(A >= 1);
    assert(K >= 1);

    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;

    signal input assetIndex[N];
    signal input amount[N];
    signal input salt[N];

    signal input chainId;
    signal input vault;
    signal input liabilityAsset;
    signal input minCoverageBps;
    signal input minLiquidityBps;
    signal input maxSlippageBps;
    signal input rulesDigest;
    signal input capBps[A];
    signal input haircutBps[A];
    signal input liquid[A];
    signal input shockBps[K][A];

    signal input priceTimestamp;
    signal input unitPrice[A];

    signal input liabLeftHash;
    signal input liabLeftSum;
    signal input liabRightHash;
    signal input liabRightSum;

    signal output leaf[N];
    signal output root;

    // Positions commitment.
    (leaf, root) <== PositionsTree(N)(assetIndex, amount, salt);

    // The policy and prices used are the ones stored on chain (their hashes are public).
    signal computedPolicyHash <== PolicyHash(A, K)(chainId, vault, liabilityAsset, minCoverageBps,
                                                   minLiquidityBps, maxSlippageBps, rulesDigest,
                                                   capBps, haircutBps, liquid, shockBps);
    policyHash === computedPolicyHash;
    signal computedPricesHash <== PricesHash(A)(priceTimestamp, unitPrice);
    pricesHash === computedPricesHash;
    PriceRanges(A)(priceTimestamp, unitPrice);

    // The (private) liabilities total behind the public liabilities root.
    component liabilities = LiabilitiesTotal();
    liabilities.root <== liabilitiesRoot;
    liabilities.leftHash <== liabLeftHash;
    liabilities.leftSum <== liabLeftSum;
    liabilities.rightHash <== liabRightHash;
    liabilities.rightSum <== liabRightSum;

    // Per-asset values, computed once and shared by every bound.
    component aggregation = AssetAggregation(N, A);
    aggregation.assetIndex <== assetIndex;
    aggregation.amount <== amount;
    aggregation.unitPrice <== unitPrice;
    signal assetValue[A] <== aggregation.assetValue;

    component checks = PolicyChecks(N, A, K);
    checks.assetValue <== assetValue;
    checks.liabTotal <== liabilities.total;
    checks.unitPrice <== unitPrice;
    checks.liabilityAsset <== liabilityAsset;
    checks.minCoverageBps <== minCoverageBps;
    checks.minLiquidityBps <== minLiquidityBps;
    checks.maxSlippageBps <== maxSlippageBps;
    checks.capBps <== capBps;
    checks.haircutBps <== haircutBps;
    checks.liquid <== liquid;
    checks.shockBps <== shockBps;
}
