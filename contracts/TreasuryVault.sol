// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRebalanceVerifier, PackedProof} from "./IGroth16Verifiers.sol";
import {PolicyMismatch, LiabilitiesMismatch, OldRootMismatch, InvalidProof, PolicyNotSet} from "./GateErrors.sol";
import {PriceSnapshots} from "./PriceSnapshots.sol";
import {RiskPolicy} from "./RiskPolicy.sol";
import {SolvencyRegistry} from "./SolvencyRegistry.sol";

/// @notice The one Uniswap V2 router call the vault makes.
interface IUniswapV2Router {
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);
}

/// @title TreasuryVault
/// @notice Holds the treasury's on-chain assets and moves them only through `rebalance`, which requires an
/// S2 Groth16 proof that the swap takes the committed positions from the current root to a new root whose
/// positions still satisfy the current policy at the latest snapshot and cover the current liabilities.
/// @dev Replays are impossible by construction: the proof's old root must equal the current root, and the
/// new root replaces it. The committed amount of `assetOut` grows by exactly `minAmountOut`; any surplus
/// the venue pays stays in the vault uncommitted (the commitment under-counts, never over-counts).
/// Roles: governance (the timelock) unpauses, allows venues and manages roles; the guardian pauses and
/// may remove a venue at once; the rebalancer (keeper) submits rebalances.
contract TreasuryVault is AccessControl, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Governance (the timelock in deployments).
    bytes32 public constant GOVERNANCE_ROLE = DEFAULT_ADMIN_ROLE;
    /// @notice May pause and remove venues, at once.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May submit proven rebalances.
    bytes32 public constant REBALANCER_ROLE = keccak256("REBALANCER_ROLE");

    /// @notice The swap a proof allows: sell `amountIn` of asset `assetIn` for at least `minAmountOut` of
    /// asset `assetOut` (asset indexes as in the policy; amounts in token base units).
    struct Action {
        uint256 assetIn;
        uint256 amountIn;
        uint256 assetOut;
        uint256 minAmountOut;
    }

    /// @notice The state an S2 proof is bound to, besides the action.
    struct Transition {
        uint256 oldRoot;
        uint256 newRoot;
        uint256 liabilitiesRoot;
        uint256 policyHash;
        uint256 pricesHash;
    }

    /// @notice Source of the policy hash, the snapshot age limit and the asset tokens.
    RiskPolicy public immutable policy;
    /// @notice Source of the latest price snapshot.
    PriceSnapshots public immutable snapshots;
    /// @notice Holder of the current positions and liabilities roots.
    SolvencyRegistry public immutable registry;
    /// @notice The S2 Groth16 verifier of this deployment's circuit instance.
    IRebalanceVerifier public immutable verifier;

    /// @notice Routers the vault may swap through.
    mapping(address router => bool) public allowedVenue;

    /// @notice The deadline has passed.
    error DeadlinePassed(uint256 deadline, uint256 nowTimestamp);
    /// @notice The router is not on the allow-list.
    error VenueNotAllowed(address router);
    /// @notice The proof's snapshot is older than the policy's maxSnapshotAge.
    error SnapshotExpired(uint256 snapshotTimestamp, uint256 maxAge);
    /// @notice The action sells and buys the same asset.
    error SameAsset(uint256 asset);
    /// @notice The venue paid less than the proven minimum (cannot happen with an honest router).
    error InsufficientOutput(uint256 received, uint256 minAmountOut);
    /// @notice A constructor or venue address is zero.
    error InvalidConfiguration();

    /// @notice A proven rebalance was executed.
    event Rebalanced(
        uint256 indexed oldRoot,
        uint256 indexed newRoot,
        address indexed venue,
        uint256 assetIn,
        uint256 amountIn,
        uint256 assetOut,
        uint256 minAmountOut,
        uint256 amountOut
    );
    /// @notice A venue was allowed or removed.
    event VenueSet(address indexed router, bool allowed, address indexed by);

    /// @param policy_ The RiskPolicy.
    /// @param snapshots_ The PriceSnapshots.
    /// @param registry_ The SolvencyRegistry (which must name this vault).
    /// @param verifier_ The S2 verifier.
    /// @param governance Receives GOVERNANCE_ROLE.
    /// @param guardian Receives GUARDIAN_ROLE (zero for none).
    /// @param rebalancer Receives REBALANCER_ROLE (zero for none).
    constructor(
        RiskPolicy policy_,
        PriceSnapshots snapshots_,
        SolvencyRegistry registry_,
        IRebalanceVerifier verifier_,
        address governance,
        address guardian,
        address rebalancer
    ) {
        if (address(policy_) == address(0) || address(snapshots_) == address(0) || address(registry_) == address(0)) {
            revert InvalidConfiguration();
        }
        if (address(verifier_) == address(0) || governance == address(0)) revert InvalidConfiguration();
        policy = policy_;
        snapshots = snapshots_;
        registry = registry_;
        verifier = verifier_;
        _grantRole(GOVERNANCE_ROLE, governance);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
        if (rebalancer != address(0)) _grantRole(REBALANCER_ROLE, rebalancer);
    }

    /// @notice Swaps `action.amountIn` of one asset for at least `action.minAmountOut` of another through
    /// an allowed Uniswap V2 router, if and only if `proof` is a valid S2 proof of the transition from the
    /// current positions root to `transition.newRoot` under the current policy, the latest (and fresh
    /// enough) snapshot and the current liabilities root. Stores the new root.
    /// @param router An allowed Uniswap V2 router.
    /// @param action The swap (the proof's last four public signals).
    /// @param transition The roots and hashes the proof is bound to (its first five public signals).
    /// @param proof The packed Groth16 proof.
    /// @param deadline Unix time after which the rebalance (and the swap) is refused.
    /// @return amountOut What the venue paid, in base units of the asset bought.
    function rebalance(
        address router,
        Action calldata action,
        Transition calldata transition,
        uint256[8] calldata proof,
        uint256 deadline
    ) external nonReentrant whenNotPaused onlyRole(REBALANCER_ROLE) returns (uint256 amountOut) {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        if (!allowedVenue[router]) revert VenueNotAllowed(router);
        (address tokenIn, address tokenOut) = _checkTransition(action, transition, proof);
        registry.advanceRoot(transition.oldRoot, transition.newRoot);
        amountOut = _swap(router, tokenIn, tokenOut, action, deadline);
        emit Rebalanced(
            transition.oldRoot,
            transition.newRoot,
            router,
            action.assetIn,
            action.amountIn,
            action.assetOut,
            action.minAmountOut,
            amountOut
        );
    }

    /// @notice Stops every rebalance at once. Guardian or governance.
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        _pause();
    }

    /// @notice Resumes rebalances. Governance only (slow in greed).
    function unpause() external onlyRole(GOVERNANCE_ROLE) {
        _unpause();
    }

    /// @notice Adds a router to the allow-list. Governance only.
    function allowVenue(address router) external onlyRole(GOVERNANCE_ROLE) {
        if (router == address(0)) revert InvalidConfiguration();
        allowedVenue[router] = true;
        emit VenueSet(router, true, msg.sender);
    }

    /// @notice Removes a router from the allow-list, at once. Guardian or governance.
    function disallowVenue(address router) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        allowedVenue[router] = false;
        emit VenueSet(router, false, msg.sender);
    }

    /// @dev Every check against stored state, cheapest first, then the proof. Returns the swap's tokens.
    function _checkTransition(Action calldata action, Transition calldata transition, uint256[8] calldata proof)
        private
        view
        returns (address tokenIn, address tokenOut)
    {
        if (action.assetIn == action.assetOut) revert SameAsset(action.assetIn);
        uint256 currentPolicy;
        uint32 maxSnapshotAge;
        (currentPolicy, maxSnapshotAge, tokenIn, tokenOut) = policy.swapContext(action.assetIn, action.assetOut);
        if (currentPolicy == 0) revert PolicyNotSet();
        (uint256 currentRoot, uint256 currentLiabilities) = registry.gateState();
        if (transition.oldRoot != currentRoot) revert OldRootMismatch(currentRoot, transition.oldRoot);
        if (transition.liabilitiesRoot != currentLiabilities) {
            revert LiabilitiesMismatch(currentLiabilities, transition.liabilitiesRoot);
        }
        if (transition.policyHash != currentPolicy) revert PolicyMismatch(currentPolicy, transition.policyHash);
        PriceSnapshots.Snapshot memory snapshot = snapshots.requireLatest(transition.pricesHash);
        if (block.timestamp - snapshot.timestamp > maxSnapshotAge) {
            revert SnapshotExpired(snapshot.timestamp, maxSnapshotAge);
        }
        uint256[9] memory signals = [
            transition.oldRoot,
            transition.newRoot,
            transition.liabilitiesRoot,
            transition.policyHash,
            transition.pricesHash,
            action.assetIn,
            action.amountIn,
            action.assetOut,
            action.minAmountOut
        ];
        (uint256[2] memory pA, uint256[2][2] memory pB, uint256[2] memory pC) = PackedProof.unpack(proof);
        if (!verifier.verifyProof(pA, pB, pC, signals)) revert InvalidProof();
    }

    /// @dev Sells exactly `action.amountIn` through the router; the router enforces `minAmountOut` and the
    /// balance check below makes sure of it.
    function _swap(address router, address tokenIn, address tokenOut, Action calldata action, uint256 deadline)
        private
        returns (uint256 received)
    {
        address[] memory path = new address[](2);
        path[0] = tokenIn;
        path[1] = tokenOut;
        uint256 before = IERC20(tokenOut).balanceOf(address(this));
        IERC20(tokenIn).forceApprove(router, action.amountIn);
        IUniswapV2Router(router).swapExactTokensForTokens(action.amountIn, action.minAmountOut, path, address(this), deadline);
        received = IERC20(tokenOut).balanceOf(address(this)) - before;
        if (received < action.minAmountOut) revert InsufficientOutput(received, action.minAmountOut);
    }
}
