pragma circom 2.1.0;
// S1, solvency attestation (DESIGN section 5; signal names fixed in docs/ARCHITECTURE.md).
include "./lib/treasury.circom";

// Solvency(N, A, K): the committed treasury respects its risk policy and covers its liabilities.
// Public (in this order): positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence.
// Private: the N positions (assetIndex, amount, salt), the policy fields, the price snapshot, and the
// liabilities root's two children (hash and sum each).
// Proves: the positions open positionsRoot; the policy fields and prices open their hashes; the
// liabilities total opens liabilitiesRoot; every field is in range; caps, coverage, the liquidity
// buffer and every stress scenario hold (TreasuryState).
// The verifier (SolvencyRegistry) must check that the public signals are the current on-chain policy hash,
// the latest fresh price snapshot's hash, the current liabilities root and the registry's current
// sequence number. The registry advances the sequence on every attestation and rebalance, so a proof is
// good for one moment only and no earlier state can be brought back.
template Solvency(N, A, K) {
    signal input positionsRoot;
    signal input liabilitiesRoot;
    signal input policyHash;
    signal input pricesHash;
    signal input sequence;

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

    component state = TreasuryState(N, A, K);
    state.liabilitiesRoot <== liabilitiesRoot;
    state.policyHash <== policyHash;
    state.pricesHash <== pricesHash;
    state.assetIndex <== assetIndex;
    state.amount <== amount;
    state.salt <== salt;
    state.chainId <== chainId;
    state.vault <== vault;
    state.liabilityAsset <== liabilityAsset;
    state.minCoverageBps <== minCoverageBps;
    state.minLiquidityBps <== minLiquidityBps;
    state.maxSlippageBps <== maxSlippageBps;
    state.rulesDigest <== rulesDigest;
    state.capBps <== capBps;
    state.haircutBps <== haircutBps;
    state.liquid <== liquid;
    state.shockBps <== shockBps;
    state.priceTimestamp <== priceTimestamp;
    state.unitPrice <== unitPrice;
    state.liabLeftHash <== liabLeftHash;
    state.liabLeftSum <== liabLeftSum;
    state.liabRightHash <== liabRightHash;
    state.liabRightSum <== liabRightSum;

    // The committed positions are the ones checked.
    positionsRoot === state.root;

    // The sequence number only binds the proof to one moment: one constraint keeps it in the statement.
    signal sequenceSquared <== sequence * sequence;
}
