pragma circom 2.1.0;
// The body of the solvency statement, shared by S1 (Solvency) and S2 (Rebalance, over the NEW state).
include "./policy.circom";
include "./custody.circom";

// A treasury state that satisfies its policy, with every position backed by its custodian.
// Proves, for N position slots, A assets, K stress scenarios and C attestor slots:
//  - root and leaf[N] are the positions commitment of (assetIndex, custody, amount, salt);
//  - amounts < 2^96, asset indexes < A (AssetAggregation) and custodies <= C (CustodyTotals);
//  - vaultTotal[a] is the committed amount of asset a held by the vault itself (custody 0): the caller
//    makes it public and the contracts require each to be at most the vault's token balance;
//  - the positions at each attestor are at most what its fresh signed statement says (AttestedCustody);
//  - the policy fields open policyHash and lie in their ranges (PolicyHash, PolicyChecks);
//  - the price snapshot opens pricesHash, timestamp < 2^64, 0 < unitPrice < 2^128 (PricesHash, PriceRanges);
//  - the liabilities root's children open liabilitiesRoot with sums and total < 2^96 (LiabilitiesTotal);
//  - every cap, coverage, the liquidity buffer and every stress scenario hold (PolicyChecks).
// Inputs policyHash, pricesHash and liabilitiesRoot are constrained here; the caller makes them public.
// Outputs root and leaf: the caller must bind root to its public positions root (S1) or new root (S2).
template TreasuryState(N, A, K, C) {
    // N is a power of two (PositionsTree asserts it); at least one asset, one stress scenario and one
    // attestor slot. N <= 32 keeps every custody total below 2^101 (AttestedCustody's bound).
    assert(N >= 2);
    assert(N <= 32);
    assert(A >= 1);
    assert(K >= 1);
    assert(C >= 1);

    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;

    signal input assetIndex[N];
    signal input custody[N];
    signal input amount[N];
    signal input salt[N];

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

    // Custody statements, one slot per attestor (AttestedCustody).
    signal input stEnabled[C];
    signal input stTimestamp[C];
    signal input stAmount[C][A];
    signal input stR8x[C];
    signal input stR8y[C];
    signal input stS[C];

    signal input priceTimestamp;
    signal input unitPrice[A];

    signal input liabLeftHash;
    signal input liabLeftSum;
    signal input liabRightHash;
    signal input liabRightSum;

    signal output leaf[N];
    signal output root;
    signal output vaultTotal[A];

    // Positions commitment.
    (leaf, root) <== PositionsTree(N)(assetIndex, custody, amount, salt);

    // The policy and prices used are the ones stored on chain (their hashes are public).
    signal computedPolicyHash <== PolicyHash(A, K, C)(chainId, vault, liabilityAsset, minCoverageBps,
                                                      minLiquidityBps, maxSlippageBps, maxAttestationAge,
                                                      tokensDigest, rulesDigest, capBps, haircutBps, liquid,
                                                      attestorKey, shockBps);
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

    // Custody: the vault's share is an output; every attestor's share is backed by its statement.
    component custodies = CustodyTotals(N, A, C);
    custodies.custody <== custody;
    custodies.heldAmount <== aggregation.heldAmount;
    vaultTotal <== custodies.vaultTotal;
    component attested = AttestedCustody(A, C);
    attested.chainId <== chainId;
    attested.vault <== vault;
    attested.tokensDigest <== tokensDigest;
    attested.maxAttestationAge <== maxAttestationAge;
    attested.priceTimestamp <== priceTimestamp;
    attested.attestorKey <== attestorKey;
    attested.attestedTotal <== custodies.attestedTotal;
    attested.enabled <== stEnabled;
    attested.timestamp <== stTimestamp;
    attested.signedAmount <== stAmount;
    attested.r8x <== stR8x;
    attested.r8y <== stR8y;
    attested.s <== stS;

    component checks = PolicyChecks(N, A, K);
    checks.assetValue <== assetValue;
    checks.liabTotal <== liabilities.total;
    checks.unitPrice <== unitPrice;
    checks.liabilityAsset <== liabilityAsset;
    checks.minCoverageBps <== minCoverageBps;
    checks.minLiquidityBps <== minLiquidityBps;
    checks.maxSlippageBps <== maxSlippageBps;
    checks.maxAttestationAge <== maxAttestationAge;
    checks.capBps <== capBps;
    checks.haircutBps <== haircutBps;
    checks.liquid <== liquid;
    checks.shockBps <== shockBps;
}
