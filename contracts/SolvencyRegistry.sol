// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISolvencyVerifier, PackedProof} from "./IGroth16Verifiers.sol";
import {PolicyMismatch, LiabilitiesMismatch, OldRootMismatch, InvalidProof, PolicyNotSet} from "./GateErrors.sol";
import {PriceSnapshots} from "./PriceSnapshots.sol";
import {RiskPolicy} from "./RiskPolicy.sol";

/// @title SolvencyRegistry
/// @notice Public record of the treasury's solvency. The operator publishes liabilities roots and S1
/// attestations (Groth16 proofs that the committed positions satisfy the current policy at the latest
/// price snapshot and cover the current liabilities); anyone reads the latest attestation.
/// @dev The registry holds the one current positions root that attestations and rebalances share: an
/// attestation sets it; the vault (and only the vault) advances it from old to new after a verified
/// rebalance. The vault's address is fixed at construction (precomputed by the deployer).
contract SolvencyRegistry is AccessControl {
    /// @notice Governance (the timelock in deployments): admin of the operator role.
    bytes32 public constant GOVERNANCE_ROLE = DEFAULT_ADMIN_ROLE;
    /// @notice Publishes liabilities roots and attestations.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice What the latest S1 proof established (its public signals) and when.
    struct Attestation {
        uint256 positionsRoot;
        uint256 liabilitiesRoot;
        uint256 policyHash;
        uint256 pricesHash;
        uint64 snapshotId;
        uint64 publishedAt;
        uint64 number;
    }

    /// @notice Source of the current policy hash.
    RiskPolicy public immutable policy;
    /// @notice Source of the latest price snapshot.
    PriceSnapshots public immutable snapshots;
    /// @notice The S1 Groth16 verifier of this deployment's circuit instance.
    ISolvencyVerifier public immutable verifier;
    /// @notice The vault allowed to advance the positions root.
    address public immutable vault;

    /// @notice The current positions root (set by attestations, advanced by rebalances).
    uint256 public positionsRoot;
    /// @notice The current liabilities root (Merkle sum tree over users, DESIGN section 3).
    uint256 public liabilitiesRoot;
    Attestation private _latest;

    /// @notice No liabilities root has been published yet.
    error LiabilitiesNotSet();
    /// @notice A liabilities root of zero was submitted.
    error InvalidLiabilitiesRoot();
    /// @notice Only the vault may advance the positions root.
    error NotVault(address caller);
    /// @notice A constructor argument is zero.
    error InvalidConfiguration();

    /// @notice A new liabilities root was published.
    event LiabilitiesRootPublished(uint256 indexed liabilitiesRoot, address indexed operator);
    /// @notice An S1 attestation was verified and stored; it also set the current positions root.
    event AttestationPublished(
        uint64 indexed number,
        uint256 positionsRoot,
        uint256 liabilitiesRoot,
        uint256 policyHash,
        uint256 pricesHash,
        uint64 snapshotId
    );
    /// @notice The vault moved the positions root after a verified rebalance.
    event PositionsRootAdvanced(uint256 oldRoot, uint256 newRoot);

    /// @param policy_ The RiskPolicy.
    /// @param snapshots_ The PriceSnapshots.
    /// @param verifier_ The S1 verifier.
    /// @param vault_ The TreasuryVault (its precomputed address).
    /// @param governance Receives GOVERNANCE_ROLE.
    /// @param operator Receives OPERATOR_ROLE (zero for none).
    constructor(
        RiskPolicy policy_,
        PriceSnapshots snapshots_,
        ISolvencyVerifier verifier_,
        address vault_,
        address governance,
        address operator
    ) {
        if (address(policy_) == address(0) || address(snapshots_) == address(0) || address(verifier_) == address(0)) {
            revert InvalidConfiguration();
        }
        if (vault_ == address(0) || governance == address(0)) revert InvalidConfiguration();
        policy = policy_;
        snapshots = snapshots_;
        verifier = verifier_;
        vault = vault_;
        _grantRole(GOVERNANCE_ROLE, governance);
        if (operator != address(0)) _grantRole(OPERATOR_ROLE, operator);
    }

    /// @notice Publishes the root of the users' liabilities sum tree. Operator only.
    /// @param root The new liabilities root.
    function publishLiabilitiesRoot(uint256 root) external onlyRole(OPERATOR_ROLE) {
        if (root == 0) revert InvalidLiabilitiesRoot();
        liabilitiesRoot = root;
        emit LiabilitiesRootPublished(root, msg.sender);
    }

    /// @notice Verifies and stores an S1 solvency attestation; its positions root becomes the current one.
    /// Refused unless the proof is for the current policy, the current liabilities root and the latest
    /// price snapshot. Operator only.
    /// @param signals S1 public signals: [positionsRoot, liabilitiesRoot, policyHash, pricesHash].
    /// @param proof The packed Groth16 proof (see PackedProof).
    function publishAttestation(uint256[4] calldata signals, uint256[8] calldata proof)
        external
        onlyRole(OPERATOR_ROLE)
    {
        uint256 currentPolicy = policy.policyHash();
        if (currentPolicy == 0) revert PolicyNotSet();
        if (signals[2] != currentPolicy) revert PolicyMismatch(currentPolicy, signals[2]);
        uint256 liabilities = liabilitiesRoot;
        if (liabilities == 0) revert LiabilitiesNotSet();
        if (signals[1] != liabilities) revert LiabilitiesMismatch(liabilities, signals[1]);
        PriceSnapshots.Snapshot memory snapshot = snapshots.requireLatest(signals[3]);
        (uint256[2] memory pA, uint256[2][2] memory pB, uint256[2] memory pC) = PackedProof.unpack(proof);
        if (!verifier.verifyProof(pA, pB, pC, signals)) revert InvalidProof();

        uint64 number = _latest.number + 1;
        positionsRoot = signals[0];
        _latest = Attestation(signals[0], signals[1], signals[2], signals[3], snapshot.id, uint64(block.timestamp), number);
        emit AttestationPublished(number, signals[0], signals[1], signals[2], signals[3], snapshot.id);
    }

    /// @notice The latest attestation (number 0: none yet).
    function latestAttestation() external view returns (Attestation memory) {
        return _latest;
    }

    /// @notice The two roots a rebalance is checked against, in one call.
    function gateState() external view returns (uint256 currentPositionsRoot, uint256 currentLiabilitiesRoot) {
        return (positionsRoot, liabilitiesRoot);
    }

    /// @notice Moves the positions root from `oldRoot` to `newRoot`. Vault only, after it verified an S2
    /// proof of exactly this transition.
    function advanceRoot(uint256 oldRoot, uint256 newRoot) external {
        if (msg.sender != vault) revert NotVault(msg.sender);
        uint256 current = positionsRoot;
        if (oldRoot != current) revert OldRootMismatch(current, oldRoot);
        positionsRoot = newRoot;
        emit PositionsRootAdvanced(oldRoot, newRoot);
    }
}
