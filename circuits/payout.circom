pragma circom 2.1.0;
// S4, payout (DESIGN section 5, issue 16; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/treasury.circom";
include "./lib/transition.circom";

// Payout(N, A, K, C): `amount` of asset `asset` leaves the vault for `recipient`, moving the treasury from
// oldRoot to newRoot, and the positions left still respect the policy.
// Public (in this order): oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, the payout asset,
// amount and recipient (an address as a field element), the registry's sequence number, and the NEW state's
// vault-held totals packed two per signal (vaultTotals, see PackTotals).
// Private: the NEW positions (assetIndex, custody, positionAmount, salt: `amount` is the public payout, so
// the positions' amounts take another name here); oldLeaf[N], the old leaf hashes; the paying slot and its
// old contents (slot: oldAmount, oldSalt); the policy fields, prices, liabilities children and custody
// statements as in Solvency.
// Proves:
//  - oldLeaf opens oldRoot; the new positions open newRoot;
//  - slot < N held (asset, custody 0, oldAmount) and holds (asset, custody 0, oldAmount - amount), with
//    0 < amount <= oldAmount, all amounts < 2^96 (VaultDebit: a wrapped amount has no witness); only the
//    vault's own tokens are paid out;
//  - every other slot's leaf is unchanged;
//  - recipient < 2^160 (an address; its range check also keeps it in the statement);
//  - the new state passes every Solvency check (TreasuryState): a payout that breaks a bound has no witness.
// The paying slot may take a fresh salt, so the new root reveals nothing about the old salt.
// The verifier (the vault's payout gate) must check oldRoot and sequence against the registry (so a proof
// pays once, even if a root comes back), the policy/prices/liabilities signals as for Solvency, that asset is
// a policy asset index, transfer exactly `amount` of the policy's token `asset` to the address `recipient`
// (both are proven: the caller cannot redirect the payout), and check after the transfer that each vault
// total is at most the vault's balance of that token. Who may pay out, and how much per period (a payout
// role within a policy-set limit, or governance), is the contract's to enforce, not the proof's.
template Payout(N, A, K, C) {
    signal input oldRoot;
    signal input newRoot;
    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;
    signal input asset;
    signal input amount;
    signal input recipient;
    signal input sequence;
    signal input vaultTotals[(A + 1) \ 2];

    signal input assetIndex[N];
    signal input custody[N];
    signal input positionAmount[N];
    signal input salt[N];
    signal input oldLeaf[N];

    signal input slot;
    signal input oldAmount;
    signal input oldSalt;

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
    state.amount <== positionAmount;
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
    // vault's token balances after the transfer.
    signal packedTotals[(A + 1) \ 2] <== PackTotals(A)(state.vaultTotal);
    vaultTotals === packedTotals;
    newRoot === state.root;

    // The old state: its leaf hashes open oldRoot.
    signal computedOldRoot <== OldPositionsRoot(N)(oldLeaf);
    oldRoot === computedOldRoot;

    // The recipient is an address; the sequence number binds the proof to one moment (one constraint).
    RangeCheck(160)(recipient);
    signal sequenceSquared <== sequence * sequence;

    // The paying slot: the vault held asset there; amount less now (VaultDebit).
    component debit = VaultDebit(N);
    debit.slot <== slot;
    debit.asset <== asset;
    debit.amount <== amount;
    debit.oldAmount <== oldAmount;
    debit.oldSalt <== oldSalt;
    debit.oldLeaf <== oldLeaf;
    debit.newAssetIndex <== assetIndex;
    debit.newCustody <== custody;
    debit.newAmount <== positionAmount;

    // Every other slot keeps its leaf exactly (asset, custody, amount and salt).
    UntouchedLeaves(N)(oldLeaf, state.leaf, debit.sel);
}
