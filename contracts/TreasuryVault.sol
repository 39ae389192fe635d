// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV2Factory} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Factory.sol";
import {IUniswapV2Pair} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Pair.sol";
import {IRebalanceVerifier, PackedProof} from "./IGroth16Verifiers.sol";
import {PolicyMismatch, InvalidProof, PolicyNotSet, SnapshotExpired} from "./GateErrors.sol";
import {PriceSnapshots} from "./PriceSnapshots.sol";
import {RiskPolicy} from "./RiskPolicy.sol";
import {SolvencyRegistry} from "./SolvencyRegistry.sol";

/// @title TreasuryVault
/// @notice Holds the treasury's on-chain assets and moves them only through `rebalance`, which requires an
/// S2 Groth16 proof that the swap takes the committed positions from the current root to a new root whose
/// positions still satisfy the current policy at the latest snapshot and cover the current liabilities, at
/// a minimum no worse than the policy's maxSlippageBps below the snapshot's prices.
/// @dev Replays are impossible: the proof is made for the registry's current sequence number, which every
/// attestation and rebalance advances. The committed amount of `assetOut` grows by exactly `minAmountOut`;
/// any surplus the pool pays stays in the vault uncommitted (the commitment under-counts, never over-counts).
/// The vault swaps through the Uniswap V2 pair of a governance-listed factory itself: it pays the pair and
/// calls `swap`, so no router runs and no allowance is ever granted.
/// Roles: governance (the timelock) unpauses, lists factories, sweeps tokens outside the policy and manages
/// roles; the guardian pauses and may delist a factory at once; the rebalancer (keeper) submits rebalances.
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

    /// @notice Uniswap V2 factories whose pairs the vault may swap through.
    mapping(address factory => bool) public allowedFactory;

    /// @notice The deadline has passed.
    error DeadlinePassed(uint256 deadline, uint256 nowTimestamp);
    /// @notice The factory is not on the governance list.
    error FactoryNotAllowed(address factory);
    /// @notice The listed factory has no pair for the two tokens.
    error NoPair(address factory, address tokenIn, address tokenOut);
    /// @notice The action sells and buys the same asset.
    error SameAsset(uint256 asset);
    /// @notice The pool would pay (or paid) less than the proven minimum.
    error InsufficientOutput(uint256 received, uint256 minAmountOut);
    /// @notice A constructor argument is zero, or the registry or the policy does not name this vault.
    error InvalidConfiguration();
    /// @notice A zero address where an account is required.
    error ZeroAddress();
    /// @notice Policy assets are moved only by proven rebalances, never swept.
    error PolicyToken(address token);

    /// @notice A proven rebalance was executed.
    event Rebalanced(
        uint256 indexed oldRoot,
        uint256 indexed newRoot,
        address indexed pair,
        uint256 assetIn,
        uint256 amountIn,
        uint256 assetOut,
        uint256 minAmountOut,
        uint256 amountOut
    );
    /// @notice A factory was listed or delisted.
    event FactorySet(address indexed factory, bool allowed, address indexed by);
    /// @notice Governance swept a token that is not a policy asset.
    event Swept(address indexed token, address indexed to, uint256 amount);

    /// @param policy_ The RiskPolicy.
    /// @param snapshots_ The PriceSnapshots.
    /// @param registry_ The SolvencyRegistry (which must name this vault, this policy and these snapshots).
    /// @param verifier_ The S2 verifier.
    /// @param governance Receives GOVERNANCE_ROLE.
    /// @param guardian Receives GUARDIAN_ROLE.
    /// @param rebalancer Receives REBALANCER_ROLE.
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
        if (address(verifier_) == address(0)) revert InvalidConfiguration();
        if (governance == address(0) || guardian == address(0) || rebalancer == address(0)) revert ZeroAddress();
        if (policy_.vault() != address(this) || registry_.vault() != address(this)) revert InvalidConfiguration();
        if (registry_.policy() != policy_ || registry_.snapshots() != snapshots_ || snapshots_.policy() != policy_) {
            revert InvalidConfiguration();
        }
        policy = policy_;
        snapshots = snapshots_;
        registry = registry_;
        verifier = verifier_;
        _grantRole(GOVERNANCE_ROLE, governance);
        _grantRole(GUARDIAN_ROLE, guardian);
        _grantRole(REBALANCER_ROLE, rebalancer);
    }

    /// @notice Swaps `action.amountIn` of one asset for at least `action.minAmountOut` of another through the
    /// Uniswap V2 pair of a listed factory, if and only if `proof` is a valid S2 proof of the transition from
    /// the registry's current commitment (root and sequence) to `transition.newRoot` under the current
    /// policy, the latest fresh snapshot and the current liabilities epoch. Advances the commitment.
    /// @param factory A listed Uniswap V2 factory.
    /// @param action The swap (public signals 5-8).
    /// @param transition The roots and hashes the proof is bound to (public signals 0-4).
    /// @param sequence The registry's sequence number the proof was made for (public signal 9).
    /// @param proof The packed Groth16 proof.
    /// @param deadline Unix time after which the rebalance is refused.
    /// @return amountOut What the pair paid, in base units of the asset bought.
    function rebalance(
        address factory,
        Action calldata action,
        Transition calldata transition,
        uint256 sequence,
        uint256[8] calldata proof,
        uint256 deadline
    ) external nonReentrant whenNotPaused onlyRole(REBALANCER_ROLE) returns (uint256 amountOut) {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        if (!allowedFactory[factory]) revert FactoryNotAllowed(factory);
        (address tokenIn, address tokenOut) = _checkPolicyAndSnapshot(action, transition);
        // Roots, liabilities and sequence are checked (and the commitment advanced) by the registry; a
        // failing proof below reverts the advance with everything else.
        registry.advance(transition.oldRoot, transition.newRoot, transition.liabilitiesRoot, sequence);
        _verify(action, transition, sequence, proof);
        amountOut = _swap(factory, tokenIn, tokenOut, action, transition);
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

    /// @notice Lists a Uniswap V2 factory. Governance only.
    function allowFactory(address factory) external onlyRole(GOVERNANCE_ROLE) {
        if (factory == address(0)) revert ZeroAddress();
        allowedFactory[factory] = true;
        emit FactorySet(factory, true, msg.sender);
    }

    /// @notice Delists a factory, at once. Guardian or governance.
    function disallowFactory(address factory) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        allowedFactory[factory] = false;
        emit FactorySet(factory, false, msg.sender);
    }

    /// @notice Sends a token that is not a policy asset (an airdrop, a mistaken transfer) to `to`.
    /// Governance only, so behind the timelock's delay; policy assets move only by proven rebalances.
    function sweep(IERC20 token, address to, uint256 amount) external onlyRole(GOVERNANCE_ROLE) {
        if (to == address(0) || address(token) == address(0)) revert ZeroAddress();
        if (policy.isPolicyToken(address(token))) revert PolicyToken(address(token));
        token.safeTransfer(to, amount);
        emit Swept(address(token), to, amount);
    }

    /// @dev The policy and snapshot checks; returns the swap's tokens.
    function _checkPolicyAndSnapshot(Action calldata action, Transition calldata transition)
        private
        view
        returns (address tokenIn, address tokenOut)
    {
        if (action.assetIn == action.assetOut) revert SameAsset(action.assetIn);
        uint256 currentPolicy;
        uint64 version;
        uint32 maxAge;
        (currentPolicy, version, maxAge, tokenIn, tokenOut) = policy.swapContext(action.assetIn, action.assetOut);
        if (currentPolicy == 0) revert PolicyNotSet();
        if (transition.policyHash != currentPolicy) revert PolicyMismatch(currentPolicy, transition.policyHash);
        PriceSnapshots.Snapshot memory snapshot = snapshots.requireLatest(transition.pricesHash, version);
        if (block.timestamp - snapshot.timestamp > maxAge) revert SnapshotExpired(snapshot.timestamp, maxAge);
    }

    function _verify(Action calldata action, Transition calldata transition, uint256 sequence, uint256[8] calldata proof)
        private
        view
    {
        uint256[10] memory signals = [
            transition.oldRoot,
            transition.newRoot,
            transition.liabilitiesRoot,
            transition.policyHash,
            transition.pricesHash,
            action.assetIn,
            action.amountIn,
            action.assetOut,
            action.minAmountOut,
            sequence
        ];
        (uint256[2] memory pA, uint256[2][2] memory pB, uint256[2] memory pC) = PackedProof.unpack(proof);
        if (!verifier.verifyProof(pA, pB, pC, signals)) revert InvalidProof();
    }

    /// @dev Pays `amountIn` to the pair and takes the output the constant-product formula (0.3% fee) gives
    /// for what the pair really received, refusing less than `minAmountOut` before and after. Emits Rebalanced.
    function _swap(address factory, address tokenIn, address tokenOut, Action calldata action, Transition calldata transition)
        private
        returns (uint256 received)
    {
        address pair = IUniswapV2Factory(factory).getPair(tokenIn, tokenOut);
        if (pair == address(0)) revert NoPair(factory, tokenIn, tokenOut);
        (uint256 out0, uint256 out1) = _payPair(pair, tokenIn, tokenOut, action);
        uint256 before = IERC20(tokenOut).balanceOf(address(this));
        IUniswapV2Pair(pair).swap(out0, out1, address(this), "");
        received = IERC20(tokenOut).balanceOf(address(this)) - before;
        if (received < action.minAmountOut) revert InsufficientOutput(received, action.minAmountOut);
        emit Rebalanced(
            transition.oldRoot,
            transition.newRoot,
            pair,
            action.assetIn,
            action.amountIn,
            action.assetOut,
            action.minAmountOut,
            received
        );
    }

    /// @dev Transfers `amountIn` to the pair; returns the pair's two outputs for what it received.
    function _payPair(address pair, address tokenIn, address tokenOut, Action calldata action)
        private
        returns (uint256 out0, uint256 out1)
    {
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(pair).getReserves();
        bool inIsToken0 = tokenIn < tokenOut;
        (uint256 reserveIn, uint256 reserveOut) = inIsToken0 ? (reserve0, reserve1) : (reserve1, reserve0);
        IERC20(tokenIn).safeTransfer(pair, action.amountIn);
        uint256 paidWithFee = (IERC20(tokenIn).balanceOf(pair) - reserveIn) * 997;
        uint256 out = (paidWithFee * reserveOut) / (reserveIn * 1000 + paidWithFee);
        if (out < action.minAmountOut) revert InsufficientOutput(out, action.minAmountOut);
        (out0, out1) = inIsToken0 ? (uint256(0), out) : (out, uint256(0));
    }
}
