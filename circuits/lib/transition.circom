pragma circom 2.1.0;
// The parts of a state transition shared by S2 (Rebalance) and S4 (Payout): the old root opened by the old
// leaf hashes, a vault-held slot debited by an amount, and every untouched leaf kept exactly.
include "./comparators.circom";
include "./hashing.circom";
include "./select.circom";

// Proves root is the positions root of the N old leaf hashes (N a power of two: MerkleRootOf's shape).
// The caller binds root to its public old root.
template OldPositionsRoot(N) {
    signal input oldLeaf[N];
    signal output root;
    root <== MerkleRootOf(log2Ceil(N))(oldLeaf);
}

// A debit of a vault-held slot: slot `slot` held (asset, custody 0, oldAmount, oldSalt) in the old state and
// holds (asset, custody 0, oldAmount - amount) in the new one (any fresh salt), with 0 < amount < 2^96 and
// oldAmount < 2^96. Outputs sel[N], the slot as a one-hot vector (so slot < N).
// The caller must range-check the new amounts below 2^96 (TreasuryState does): then amount > oldAmount,
// which wraps the new amount to p - (amount - oldAmount) >= 2^96, has no witness. The caller must also keep
// every other leaf (UntouchedLeaves with sel among the touched slots).
// Only the vault's own tokens can leave this way: a position at an attestor never moves through the vault.
template VaultDebit(N) {
    signal input slot;
    signal input asset;
    signal input amount;
    signal input oldAmount;
    signal input oldSalt;
    signal input oldLeaf[N];
    signal input newAssetIndex[N];
    signal input newCustody[N];
    signal input newAmount[N];
    signal output sel[N];

    // amount in [1, 2^96): a zero or wrapped ("negative") debit has no witness.
    RangeCheck(96)(amount);
    AssertNonZero()(amount);
    RangeCheck(96)(oldAmount);

    sel <== OneHot(N)(slot);

    // The old leaf held asset at the vault.
    signal oldSlotLeaf <== Select(N)(sel, oldLeaf);
    signal computedOldSlotLeaf <== PositionLeaf()(asset, 0, oldAmount, oldSalt);
    oldSlotLeaf === computedOldSlotLeaf;

    // The new leaf holds the same asset at the vault, amount less.
    signal newSlotAsset <== Select(N)(sel, newAssetIndex);
    newSlotAsset === asset;
    signal newSlotCustody <== Select(N)(sel, newCustody);
    newSlotCustody === 0;
    signal newSlotAmount <== Select(N)(sel, newAmount);
    newSlotAmount === oldAmount - amount;
}

// Proves oldLeaf[i] == newLeaf[i] for every slot i not touched. The caller must pass touched[i] in {0, 1}:
// a one-hot vector, or the sum of one-hot vectors of distinct slots.
template UntouchedLeaves(N) {
    signal input oldLeaf[N];
    signal input newLeaf[N];
    signal input touched[N];
    for (var i = 0; i < N; i++) {
        (oldLeaf[i] - newLeaf[i]) * (1 - touched[i]) === 0;
    }
}
