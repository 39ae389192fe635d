// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISolvencyVerifier, PackedProof} from "./IGroth16Verifiers.sol";
import {VaultTotals} from "./VaultTotals.sol";
import {
    PolicyMismatch,
    LiabilitiesMismatch,
    OldRootMismatch,
    InvalidProof,
    PolicyNotSet,
    SequenceMismatch,
    SignalCountMismatch
} from "./GateErrors.sol";
import {PriceSnapshots} from "./PriceSnapshots.sol";
import {RiskPolicy} from "./RiskPolicy.sol";

/// @title SolvencyRegistry
/// @notice Public record of the treasury's solvency. The operator publishes liabilities roots (numbered
/// epochs, each usable only after the policy's publication delay) and S1 attestations (Groth16 proofs that
/// the committed positions satisfy the current policy at the latest fresh price snapshot and cover the
/// current liabilities); anyone reads the latest attestation and whether it is still current.
/// @dev The registry holds the one commitment attestations and rebalances share: the positions root and a
/// sequence number. Every attestation and every rebalance is proven for the current sequence number (a
/// public signal) and advances it, so the commitment never returns to an earlier value, even when a root
/// does (a swap there and back with reused salts), and no proof can be used twice.
/// Storage keeps the positions root, the keccak hash of the latest attestation, one packed slot with
/// everything else an attestation reads or writes (`Head`) and the root of each liabilities epoch; the
/// attestation's fields are in the `AttestationPublished` event (check them against `attestationHash`).
contract SolvencyRegistry is AccessControl {
    /// @notice Governance (the timelock in deployments): admin of every role, unpauses.
    bytes32 public constant GOVERNANCE_ROLE = DEFAULT_ADMIN_ROLE;
    /// @notice Publishes liabilities roots and attestations.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice May pause attestations at once.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice What an S1 proof established, as hashed into `attestationHash` and emitted.
    struct Attestation {
        uint256 positionsRoot;
        uint256 liabilitiesRoot;
        uint256 policyHash;
        uint256 pricesHash;
        /// The sequence number the proof was made for (the commitment's number becomes sequence + 1).
        uint64 sequence;
        uint64 snapshotId;
        uint64 liabilitiesEpoch;
        uint64 policyVersion;
        uint64 publishedAt;
    }

    /// @notice The packed current state: one slot (40 + 40 + 32 + 32 + 32 + 32 + 40 + 8 bits).
    struct Head {
        /// Number of the commitment the registry holds; the next proof must be made for it.
        uint40 sequence;
        /// `sequence` right after the latest attestation (0: none yet).
        uint40 attestedSequence;
        /// The latest attestation's snapshot, policy version and liabilities epoch.
        uint32 snapshotId;
        uint32 policyVersion;
        uint32 liabilitiesEpoch;
        /// The latest liabilities epoch and when its root becomes usable.
        uint32 latestEpoch;
        uint40 latestActiveFrom;
        /// Attestations stopped (guardian or governance); only governance resumes them.
        bool paused;
    }

    /// @notice Source of the current policy hash, version, snapshot age limit and liabilities delay.
    RiskPolicy public immutable policy;
    /// @notice Source of the latest price snapshot.
    PriceSnapshots public immutable snapshots;
    /// @notice The S1 Groth16 verifier of this deployment's circuit instance.
    ISolvencyVerifier public immutable verifier;
    /// @notice The vault allowed to advance the positions root.
    address public immutable vault;
    /// @notice Public signals of this deployment's S1 instance: 5 + ceil(A / 2) (the packed vault totals).
    uint256 public immutable signalCount;
    /// @dev The S1 verifier's `verifyProof` selector for `signalCount` signals.
    bytes4 private immutable verifySelector;

    /// @notice The current positions root (set by attestations, advanced by rebalances).
    uint256 public positionsRoot;
    /// @notice keccak256(abi.encode(Attestation)) of the latest attestation (0: none yet).
    bytes32 public attestationHash;
    /// @notice The packed current state.
    Head public head;
    /// @notice The root of each liabilities epoch (1, 2, ...).
    mapping(uint256 epoch => uint256 root) public liabilitiesRootOf;

    /// @notice No liabilities root is usable yet.
    error LiabilitiesNotSet();
    /// @notice A liabilities root of zero was submitted.
    error InvalidLiabilitiesRoot();
    /// @notice The latest liabilities root is still inside its publication delay; no new one until then.
    error LiabilitiesRootPending(uint64 epoch, uint64 activeFrom);
    /// @notice No liabilities root is pending.
    error NoPendingLiabilities();
    /// @notice Only the vault may advance the positions root.
    error NotVault(address caller);
    /// @notice A constructor argument is zero.
    error InvalidConfiguration();
    /// @notice Attestations are paused.
    error EnforcedPause();
    /// @notice Attestations are not paused.
    error ExpectedPause();

    /// @notice Governance withdrew the pending liabilities epoch before it became usable.
    event LiabilitiesRootCancelled(uint64 indexed epoch, uint256 root);
    /// @notice A new liabilities epoch: its root backs attestations from `activeFrom` on.
    event LiabilitiesRootPublished(
        uint64 indexed epoch, uint256 oldRoot, uint256 newRoot, uint64 activeFrom, address indexed operator
    );
    /// @notice An S1 attestation was verified; it set the positions root and advanced the sequence.
    event AttestationPublished(uint64 indexed sequence, Attestation attestation);
    /// @notice The vault moved the positions root after a verified rebalance made for `sequence`.
    event PositionsRootAdvanced(uint64 indexed sequence, uint256 oldRoot, uint256 newRoot);
    /// @notice Attestations were paused or resumed by `account`.
    event Paused(address account);
    event Unpaused(address account);

    /// @param policy_ The RiskPolicy (which must name `vault_`).
    /// @param snapshots_ The PriceSnapshots.
    /// @param verifier_ The S1 verifier.
    /// @param vault_ The TreasuryVault (its precomputed address).
    /// @param governance Receives GOVERNANCE_ROLE.
    /// @param operator Receives OPERATOR_ROLE.
    /// @param guardian Receives GUARDIAN_ROLE.
    constructor(
        RiskPolicy policy_,
        PriceSnapshots snapshots_,
        ISolvencyVerifier verifier_,
        address vault_,
        address governance,
        address operator,
        address guardian
    ) {
        if (address(policy_) == address(0) || address(snapshots_) == address(0) || address(verifier_) == address(0)) {
            revert InvalidConfiguration();
        }
        if (vault_ == address(0) || governance == address(0) || operator == address(0) || guardian == address(0)) {
            revert InvalidConfiguration();
        }
        if (policy_.vault() != vault_ || address(snapshots_.policy()) != address(policy_)) revert InvalidConfiguration();
        policy = policy_;
        snapshots = snapshots_;
        verifier = verifier_;
        vault = vault_;
        signalCount = 5 + VaultTotals.packedCount(policy_.assetCount());
        verifySelector = PackedProof.selectorFor(signalCount);
        _grantRole(GOVERNANCE_ROLE, governance);
        _grantRole(OPERATOR_ROLE, operator);
        _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ------------------------------------------------------------------------------------------------
    // Liabilities

    /// @notice Publishes the root of the users' liabilities sum tree as a new epoch. It backs attestations
    /// only after the policy's `liabilitiesDelay`, so users can check their inclusion first; until then the
    /// previous epoch stays current and no other root may be published. Operator only.
    /// @param root The new liabilities root.
    function publishLiabilitiesRoot(uint256 root) external onlyRole(OPERATOR_ROLE) {
        if (root == 0) revert InvalidLiabilitiesRoot();
        Head memory h = head;
        if (h.paused) revert EnforcedPause();
        if (h.latestEpoch != 0 && block.timestamp < h.latestActiveFrom) revert LiabilitiesRootPending(h.latestEpoch, h.latestActiveFrom);
        uint256 oldRoot = liabilitiesRootOf[h.latestEpoch];
        uint32 epoch = h.latestEpoch + 1;
        uint40 activeFrom = uint40(block.timestamp) + policy.liabilitiesDelay();
        liabilitiesRootOf[epoch] = root;
        h.latestEpoch = epoch;
        h.latestActiveFrom = activeFrom;
        head = h;
        emit LiabilitiesRootPublished(epoch, oldRoot, root, activeFrom, msg.sender);
    }

    /// @notice Withdraws the pending liabilities epoch (a wrong or hostile root users flagged during the delay):
    /// the previous epoch stays current and the operator may publish again. Governance only.
    function cancelPendingLiabilities() external onlyRole(GOVERNANCE_ROLE) {
        Head memory h = head;
        if (h.latestEpoch == 0 || block.timestamp >= h.latestActiveFrom) revert NoPendingLiabilities();
        uint32 epoch = h.latestEpoch;
        uint256 root = liabilitiesRootOf[epoch];
        delete liabilitiesRootOf[epoch];
        h.latestEpoch = epoch - 1;
        h.latestActiveFrom = 0; // the previous epoch was already active
        head = h;
        emit LiabilitiesRootCancelled(epoch, root);
    }

    /// @notice The latest liabilities epoch and when its root becomes (or became) usable.
    function epochs() external view returns (uint64 latest, uint64 latestActiveFrom) {
        Head memory h = head;
        return (h.latestEpoch, h.latestActiveFrom);
    }

    /// @notice The liabilities epoch attestations and rebalances must use now, and its root.
    function currentLiabilities() public view returns (uint64 epoch, uint256 root) {
        epoch = _currentEpoch(head);
        if (epoch == 0) revert LiabilitiesNotSet();
        root = liabilitiesRootOf[epoch];
    }

    /// @notice The current liabilities root (reverts with LiabilitiesNotSet while none is usable).
    function liabilitiesRoot() external view returns (uint256 root) {
        (, root) = currentLiabilities();
    }

    /// @notice Whether attestations are paused.
    function paused() external view returns (bool) {
        return head.paused;
    }

    /// @notice Number of the commitment the registry holds: the next S1 or S2 proof must be made for it.
    function sequence() external view returns (uint64) {
        return head.sequence;
    }

    function _currentEpoch(Head memory h) private view returns (uint32) {
        return block.timestamp >= h.latestActiveFrom ? h.latestEpoch : h.latestEpoch - 1;
    }

    // ------------------------------------------------------------------------------------------------
    // Attestations

    /// @notice Verifies and records an S1 solvency attestation; its positions root becomes the current one
    /// and the sequence advances. Refused while paused, and unless the proof is for the current policy, the
    /// current liabilities epoch, the latest snapshot (taken under this policy version, no older than the
    /// policy's maxSnapshotAge, sequencer up) and the current sequence number. Operator only.
    /// Then the vault must hold at least each proven vault-held total (VaultBalanceShort otherwise).
    /// @param signals S1 public signals: [positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence,
    /// vaultTotals...] (`signalCount` of them; the totals packed two per signal, see VaultTotals).
    /// @param proof The packed Groth16 proof (see PackedProof).
    function publishAttestation(uint256[] calldata signals, uint256[8] calldata proof)
        external
        onlyRole(OPERATOR_ROLE)
    {
        if (signals.length != signalCount) revert SignalCountMismatch(signalCount, signals.length);
        Head memory h = head;
        if (h.paused) revert EnforcedPause();
        if (signals[4] != h.sequence) revert SequenceMismatch(h.sequence, signals[4]);
        (RiskPolicy.GateContext memory context, address[] memory assetTokens) = policy.attestContext();
        Attestation memory a = _checkAttestation(signals, h, context);
        if (!PackedProof.verifySolvency(verifier, verifySelector, proof, signals)) revert InvalidProof();
        // The vault holds at least what the proof commits to its own custody, asset by asset.
        VaultTotals.requireBacked(assetTokens, signals[5:], vault);

        positionsRoot = signals[0];
        attestationHash = keccak256(abi.encode(a));
        h.sequence += 1;
        h.attestedSequence = h.sequence;
        h.snapshotId = uint32(a.snapshotId); // ids stay below 2^32 (one snapshot per second for 136 years)
        h.policyVersion = uint32(a.policyVersion);
        h.liabilitiesEpoch = uint32(a.liabilitiesEpoch);
        head = h;
        emit AttestationPublished(a.sequence, a);
    }

    /// @dev Every check of an attestation against stored state, before the proof.
    function _checkAttestation(uint256[] calldata signals, Head memory h, RiskPolicy.GateContext memory context)
        private
        view
        returns (Attestation memory)
    {
        if (context.policyHash == 0) revert PolicyNotSet();
        if (signals[2] != context.policyHash) revert PolicyMismatch(context.policyHash, signals[2]);
        uint32 epoch = _currentEpoch(h);
        if (epoch == 0) revert LiabilitiesNotSet();
        uint256 liabilities = liabilitiesRootOf[epoch];
        if (signals[1] != liabilities) revert LiabilitiesMismatch(liabilities, signals[1]);
        PriceSnapshots.Snapshot memory snapshot = snapshots.requireUsable(signals[3], context);
        return Attestation(
            signals[0], signals[1], signals[2], signals[3], h.sequence, snapshot.id, epoch, context.version, uint64(block.timestamp)
        );
    }

    /// @notice Whether the latest attestation still describes the treasury: attestations not paused, no
    /// rebalance or attestation since, the same policy version, the same liabilities epoch, and the same snapshot,
    /// still the latest and no older than the policy's maxSnapshotAge. (The L2 sequencer is checked when a
    /// snapshot is used, not here.)
    function isCurrent() external view returns (bool) {
        Head memory h = head;
        if (h.paused || h.attestedSequence == 0 || h.sequence != h.attestedSequence) return false;
        if (policy.version() != h.policyVersion) return false;
        if (snapshots.latestId() != h.snapshotId) return false;
        PriceSnapshots.Snapshot memory latest = snapshots.snapshotOf(snapshots.latestHash());
        if (block.timestamp - latest.timestamp > policy.maxSnapshotAge()) return false;
        return _currentEpoch(h) == h.liabilitiesEpoch;
    }

    // ------------------------------------------------------------------------------------------------
    // Rebalances

    /// @notice Checks a rebalance's roots and sequence against the registry and advances the commitment
    /// from `oldRoot` to `newRoot`. Vault only; the vault verifies the S2 proof of exactly this transition
    /// in the same transaction (a failed proof reverts this too).
    /// @param oldRoot The proof's old positions root: must be the current one.
    /// @param newRoot The proof's new positions root.
    /// @param liabilities The proof's liabilities root: must be the current epoch's.
    /// @param proofSequence The proof's sequence number: must be the current one.
    function advance(uint256 oldRoot, uint256 newRoot, uint256 liabilities, uint256 proofSequence) external {
        if (msg.sender != vault) revert NotVault(msg.sender);
        Head memory h = head;
        if (proofSequence != h.sequence) revert SequenceMismatch(h.sequence, proofSequence);
        uint256 root = positionsRoot;
        if (oldRoot != root) revert OldRootMismatch(root, oldRoot);
        uint32 epoch = _currentEpoch(h);
        if (epoch == 0) revert LiabilitiesNotSet();
        uint256 currentLiabilitiesRoot = liabilitiesRootOf[epoch];
        if (liabilities != currentLiabilitiesRoot) revert LiabilitiesMismatch(currentLiabilitiesRoot, liabilities);
        positionsRoot = newRoot;
        head.sequence = h.sequence + 1;
        emit PositionsRootAdvanced(h.sequence, oldRoot, newRoot);
    }

    // ------------------------------------------------------------------------------------------------
    // Pause

    /// @notice Stops attestations at once. Guardian or governance.
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        if (head.paused) revert EnforcedPause();
        head.paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Resumes attestations. Governance only.
    function unpause() external onlyRole(GOVERNANCE_ROLE) {
        if (!head.paused) revert ExpectedPause();
        head.paused = false;
        emit Unpaused(msg.sender);
    }
}
