pragma circom 2.1.0;
// S2, rebalance transition (DESIGN section 5; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/treasury.circom";
include "./lib/transition.circom";

// Rebalance(N, A, K, C): a swap of vault-held funds moves the treasury from oldRoot to newRoot, and the
// new state respects the policy.
// Public (in this order): oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, the action
// assetIn, amountIn, assetOut, minAmountOut, the registry's sequence number, and the NEW state's
// vault-held totals packed two per signal (vaultTotals, see PackTotals).
// Private: the NEW positions (assetIndex, custody, amount, salt); oldLeaf[N], the old leaf hashes; the old
// contents of the two touched slots (slotIn: oldAmountIn, oldSaltIn; slotOut: oldAssetOut, oldCustodyOut,
// oldAmountOut, oldSaltOut); the policy fields, prices, liabilities children and custody statements as in
// Solvency.
// Proves:
//  - oldLeaf opens oldRoot; the new positions open newRoot;
//  - slotIn != slotOut, both < N; every other slot's leaf is unchanged;
//  - both touched slots are held by the vault (custody 0) before and after: only the vault's own tokens
//    can be swapped (an empty old slotOut may have had any custody);
//  - old slotIn held (assetIn, oldAmountIn); new slotIn holds (assetIn, oldAmountIn - amountIn) with
//    0 < amountIn <= oldAmountIn (all amounts < 2^96, so a wrapped difference has no witness);
//  - old slotOut held (assetOut, oldAmountOut), or was empty (oldAmountOut == 0, any old asset);
//    new slotOut holds (assetOut, oldAmountOut + minAmountOut);
//  - assetIn != assetOut;
//  - a fair price: minAmountOut * unitPrice[assetOut] * 10^4 >=
//                  amountIn * unitPrice[assetIn] * (10^4 - maxSlippageBps), at the snapshot's prices;
//  - the new state passes every Solvency check (TreasuryState).
// Touched slots may take fresh salts, so the new root reveals nothing about the old salts.
// The old root, the debit of slotIn and the untouched leaves are the templates S4 (Payout) shares
// (lib/transition.circom).
// The verifier (the vault) must check oldRoot and sequence against the registry (the sequence makes
// replay impossible even when a root comes back), the policy/prices/liabilities signals as for Solvency,
// swap with amountOutMin = minAmountOut, and check after the swap that each vault total is at most the
// vault's balance of that token.
template Rebalance(N, A, K, C) {
    signal input oldRoot;
    signal input newRoot;
    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;
    signal input assetIn;
    signal input amountIn;
    signal input assetOut;
    signal input minAmountOut;
    signal input sequence;
    signal input vaultTotals[(A + 1) \ 2];

    signal input assetIndex[N];
    signal input custody[N];
    signal input amount[N];
    signal input salt[N];
    signal input oldLeaf[N];

    signal input slotIn;
    signal input oldAmountIn;
    signal input oldSaltIn;
    signal input slotOut;
    signal input oldAssetOut;
    signal input oldCustodyOut;
    signal input oldAmountOut;
    signal input oldSaltOut;

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

    // The new state: opens newRoot and passes every solvency check.
    component state = TreasuryState(N, A, K, C);
    state.liabilitiesRoot <== liabilitiesRoot;
    state.policyHash <== policyHash;
    state.pricesHash <== pricesHash;
    state.assetIndex <== assetIndex;
    state.custody <== custody;
    state.amount <== amount;
    state.salt <== salt;
    state.chainId <== chainId;
    state.vault <== vault;
    state.liabilityAsset <== liabilityAsset;
    state.minCoverageBps <== minCoverageBps;
    state.minLiquidityBps <== minLiquidityBps;
    state.maxSlippageBps <== maxSlippageBps;
    state.maxAttestationAge <== maxAttestationAge;
    state.tokensDigest <== tokensDigest;
    state.rulesDigest <== rulesDigest;
    state.capBps <== capBps;
    state.haircutBps <== haircutBps;
    state.liquid <== liquid;
    state.attestorKey <== attestorKey;
    state.shockBps <== shockBps;
    state.stEnabled <== stEnabled;
    state.stTimestamp <== stTimestamp;
    state.stAmount <== stAmount;
    state.stR8x <== stR8x;
    state.stR8y <== stR8y;
    state.stS <== stS;
    state.priceTimestamp <== priceTimestamp;
    state.unitPrice <== unitPrice;
    state.liabLeftHash <== liabLeftHash;
    state.liabLeftSum <== liabLeftSum;
    state.liabRightHash <== liabRightHash;
    state.liabRightSum <== liabRightSum;

    // The vault-held totals, packed two per signal, are public: the contract compares them with the
    // vault's token balances (at most, so a donation to the vault never breaks a pending proof).
    signal packedTotals[(A + 1) \ 2] <== PackTotals(A)(state.vaultTotal);
    vaultTotals === packedTotals;
    newRoot === state.root;

    // The old state: its leaf hashes open oldRoot.
    signal computedOldRoot <== OldPositionsRoot(N)(oldLeaf);
    oldRoot === computedOldRoot;

    // The action. minAmountOut in [0, 2^96) (amountIn is checked by VaultDebit below); the old amount of
    // slotOut is range-checked too, so its update below is plain integer arithmetic.
    RangeCheck(96)(minAmountOut);
    RangeCheck(96)(oldAmountOut);
    AssertNonZero()(assetIn - assetOut);
    signal sequenceSquared <== sequence * sequence;

    // A fair price. Both sides are below 2^96 * 2^128 * 2^14 = 2^238 (amounts < 2^96, prices < 2^128 by
    // PriceRanges, maxSlippageBps <= 10^4 by PolicyChecks), so the 238-bit comparison is exact. A lower
    // minAmountOut has no witness, whatever the venue would pay.
    signal priceIn <== Select(A)(OneHot(A)(assetIn), unitPrice);
    signal priceOut <== Select(A)(OneHot(A)(assetOut), unitPrice);
    signal valueIn <== amountIn * priceIn;
    signal fairFloor <== valueIn * (BPS() - maxSlippageBps);
    signal valueOut <== minAmountOut * priceOut;
    component fairPrice = AssertLessEqBounded(238);
    fairPrice.lhs <== fairFloor;
    fairPrice.rhs <== valueOut * BPS();

    // The touched slots: both < N (OneHot) and distinct, so isIn[i] + isOut[i] is a bit.
    signal isOut[N] <== OneHot(N)(slotOut);
    AssertNonZero()(slotIn - slotOut);

    // slotIn: the vault's old leaf held assetIn; the new leaf holds the same asset, amountIn less, with
    // 0 < amountIn <= oldAmountIn (VaultDebit; the new amount's range check in TreasuryState refuses an
    // underflow).
    component debit = VaultDebit(N);
    debit.slot <== slotIn;
    debit.asset <== assetIn;
    debit.amount <== amountIn;
    debit.oldAmount <== oldAmountIn;
    debit.oldSalt <== oldSaltIn;
    debit.oldLeaf <== oldLeaf;
    debit.newAssetIndex <== assetIndex;
    debit.newCustody <== custody;
    debit.newAmount <== amount;

    // Every untouched slot keeps its leaf exactly (asset, custody, amount and salt).
    signal touched[N];
    for (var i = 0; i < N; i++) {
        touched[i] <== debit.sel[i] + isOut[i];
    }
    UntouchedLeaves(N)(oldLeaf, state.leaf, touched);

    // slotOut: the old leaf held assetOut, or nothing (an empty slot may change asset); the new leaf
    // holds assetOut with minAmountOut more. The new asset index is < A by TreasuryState.
    signal oldLeafOut <== Select(N)(isOut, oldLeaf);
    signal computedOldLeafOut <== PositionLeaf()(oldAssetOut, oldCustodyOut, oldAmountOut, oldSaltOut);
    oldLeafOut === computedOldLeafOut;
    (oldAssetOut - assetOut) * oldAmountOut === 0;
    oldCustodyOut * oldAmountOut === 0;
    signal newAssetOut <== Select(N)(isOut, assetIndex);
    newAssetOut === assetOut;
    signal newCustodyOut <== Select(N)(isOut, custody);
    newCustodyOut === 0;
    signal newAmountOut <== Select(N)(isOut, amount);
    newAmountOut === oldAmountOut + minAmountOut;
}
