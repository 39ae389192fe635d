pragma circom 2.1.0;
// S1, solvency attestation (DESIGN section 5; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/treasury.circom";

// Solvency(N, A, K, C): the committed treasury respects its risk policy, covers its liabilities and is
// backed by its custodians.
// Public (in this order): positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence, and the
// vault-held totals packed two per signal (vaultTotals, see PackTotals).
// Private: the N positions (assetIndex, custody, amount, salt), the policy fields, the price snapshot,
// the liabilities root's two children (hash and sum each), and one custody statement per attestor slot.
// Proves: the positions open positionsRoot; the policy fields and prices open their hashes; the
// liabilities total opens liabilitiesRoot; every field is in range; caps, coverage, the liquidity
// buffer and every stress scenario hold; positions at attestors are within fresh signed statements; the
// vault-held totals are vaultTotals (TreasuryState).
// The verifier (SolvencyRegistry) must check that the public signals are the current on-chain policy hash,
// the latest fresh price snapshot's hash, the current liabilities root and the registry's current
// sequence number, and that each vault total is at most the vault's balance. The registry advances the
// sequence on every attestation and rebalance, so a proof is good for one moment only and no earlier
// state can be brought back.
template Solvency(N, A, K, C) {
    signal input positionsRoot;
    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;
    signal input sequence;
    signal input vaultTotals[(A + 1) \ 2];

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

    // The committed positions are the ones checked.
    positionsRoot === state.root;

    // The sequence number only binds the proof to one moment: one constraint keeps it in the statement.
    signal sequenceSquared <== sequence * sequence;
}
