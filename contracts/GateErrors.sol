// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Refusals shared by SolvencyRegistry and TreasuryVault: a proof's public signals must match the state
// stored on chain before the proof itself is checked.

/// @notice The proof was made for another policy than the current one.
error PolicyMismatch(uint256 current, uint256 claimed);
/// @notice The proof was made for another liabilities root than the current one.
error LiabilitiesMismatch(uint256 current, uint256 claimed);
/// @notice The transition starts from another positions root than the current one (e.g. a replay).
error OldRootMismatch(uint256 current, uint256 claimed);
/// @notice The Groth16 verifier rejected the proof.
error InvalidProof();
/// @notice No policy is set yet.
error PolicyNotSet();
/// @notice A proof coordinate is not below the BN254 base field modulus q. The pairing would see `x + q` as
/// `x` (or reject it), so a proof would have more than one encoding; only the canonical one is accepted.
/// @param index Position in the packed proof (0..7).
error NonCanonicalProof(uint256 index, uint256 value);
/// @notice The proof was made for another sequence number than the registry's current one: it is from an
/// earlier moment (a replayed attestation or rebalance) or for a later one.
error SequenceMismatch(uint64 current, uint256 claimed);
/// @notice The proof's snapshot is older than the policy's maxSnapshotAge.
error SnapshotExpired(uint256 snapshotTimestamp, uint256 maxAge);
/// @notice A proof commits more of an asset to the vault's own custody than the vault holds.
/// @param asset The asset index. @param committed The proven vault-held total. @param balance The vault's balance.
error VaultBalanceShort(uint256 asset, uint256 committed, uint256 balance);
/// @notice The public signals are not as many as this deployment's circuit exposes.
error SignalCountMismatch(uint256 expected, uint256 actual);
