// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPayoutVerifier, IRebalanceVerifier, PackedProof} from "./IGroth16Verifiers.sol";
import {PolicyMismatch, InvalidProof, PolicyNotSet, SignalCountMismatch} from "./GateErrors.sol";
import {VaultTotals} from "./VaultTotals.sol";
import {PriceSnapshots} from "./PriceSnapshots.sol";
import {RiskPolicy} from "./RiskPolicy.sol";
import {SolvencyRegistry} from "./SolvencyRegistry.sol";

/// @notice The two calls the vault makes on a Uniswap V2 pair (as in @uniswap/v2-core's IUniswapV2Pair).
interface IUniswapV2Pair {
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @title TreasuryVault
/// @notice Holds the treasury's on-chain assets and moves them only through `rebalance`, which requires an
/// S2 Groth16 proof that the swap takes the committed positions from the current root to a new root whose
/// positions still satisfy the current policy at the latest snapshot and cover the current liabilities, at
/// a minimum no worse than the policy's maxSlippageBps below the snapshot's prices.
/// @dev Replays are impossible: the proof is made for the registry's current sequence number, which every
/// attestation and rebalance advances. The committed amount of `assetOut` grows by exactly `minAmountOut`;
/// any surplus the pool pays stays in the vault uncommitted (the commitment under-counts, never over-counts).
/// The vault swaps through the Uniswap V2 pair of a governance-listed factory itself: it derives the pair's
/// address from the factory and its pair init-code hash (CREATE2, as Uniswap's own library does), pays the
/// pair and calls `swap`, so no router runs and no allowance is ever granted.
/// It pays out only through `payout`, which requires an S4 proof that the committed positions still satisfy
/// the policy after the vault-held amount leaves for the named recipient. Anyone may `deposit` a policy asset
/// (counted by the next attestation).
/// Roles: governance (the timelock) unpauses, lists factories, sweeps tokens outside the policy, sets payout
/// limits, pays out without a limit and manages roles; the guardian pauses and may delist a factory or lower a
/// payout limit at once; the rebalancer (keeper) submits rebalances; the payout role (granted by governance)
/// submits proven payouts within each asset's limit per period.
contract TreasuryVault is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Governance (the timelock in deployments).
    bytes32 public constant GOVERNANCE_ROLE = DEFAULT_ADMIN_ROLE;
    /// @notice May pause and remove venues, at once.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May submit proven rebalances.
    bytes32 public constant REBALANCER_ROLE = keccak256("REBALANCER_ROLE");
    /// @notice May submit proven payouts, within each asset's payout limit per period.
    bytes32 public constant PAYOUT_ROLE = keccak256("PAYOUT_ROLE");

    /// @notice What the payout role may pay of one asset: at most `limit` base units per window of `period`
    /// seconds (windows are aligned on multiples of `period`); `spent` in the window starting at `windowStart`.
    /// A zero limit (the default) allows the payout role nothing. Governance is not limited.
    struct PayoutLimit {
        uint128 limit;
        uint64 period;
        uint64 windowStart;
        uint128 spent;
    }

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
    /// @notice Public signals of this deployment's S2 instance: 10 + ceil(A / 2) (the packed vault totals).
    uint256 public immutable signalCount;
    /// @dev The S2 verifier's `verifyProof` selector for `signalCount` signals.
    bytes4 private immutable verifySelector;
    /// @notice The S4 Groth16 verifier of this deployment's circuit instance.
    IPayoutVerifier public immutable payoutVerifier;
    /// @dev The S4 verifier's `verifyProof` selector for its 9 + ceil(A / 2) signals.
    bytes4 private immutable payoutSelector;

    /// @notice Per asset index: the payout role's limit per period and what it spent in the current window.
    mapping(uint256 asset => PayoutLimit) public payoutLimits;

    /// @notice Uniswap V2 factories whose pairs the vault may swap through, with the keccak hash of their
    /// pairs' creation code (zero: not listed).
    mapping(address factory => bytes32 initCodeHash) public pairInitCodeHash;

    /// @notice The deadline has passed.
    error DeadlinePassed(uint256 deadline, uint256 nowTimestamp);
    /// @notice The factory is not on the governance list.
    error FactoryNotAllowed(address factory);
    /// @notice The listed factory has no pair for the two tokens.
    error NoPair(address factory, address tokenIn, address tokenOut);
    /// @notice An init-code hash of zero was given for a factory.
    error InvalidInitCodeHash();
    /// @notice The action sells and buys the same asset.
    error SameAsset(uint256 asset);
    /// @notice The pool would pay (or paid) less than the proven minimum.
    error InsufficientOutput(uint256 received, uint256 minAmountOut);
    /// @notice A constructor argument is zero, or the registry or the policy does not name this vault.
    error InvalidConfiguration();
    /// @notice A zero address where an account is required.
    error ZeroAddress();
    /// @notice Policy assets are moved only by proven rebalances and payouts, never swept.
    error PolicyToken(address token);
    /// @notice The payout role asked for more of `asset` than is left of its limit in the current period.
    error PayoutLimitExceeded(uint256 asset, uint256 requested, uint256 remaining);
    /// @notice A payout limit with no period, or a period of more than a year.
    error InvalidPayoutPeriod(uint256 period);
    /// @notice The guardian may only lower a payout limit.
    error PayoutLimitNotLowered(uint256 asset, uint256 current, uint256 requested);
    /// @notice An asset index is not below the policy's asset count.
    error UnknownAsset(uint256 asset);
    /// @notice A zero amount.
    error ZeroAmount();

    /// @notice A proven rebalance was executed: what the pair paid. The action is the transaction's calldata
    /// (and the proof's public signals); the registry's PositionsRootAdvanced of the same `sequence` carries the
    /// old and the new root.
    event Rebalanced(uint256 indexed sequence, address indexed pair, uint256 amountOut);
    /// @notice A factory was listed (with its pairs' init-code hash) or delisted (hash zero).
    event FactorySet(address indexed factory, bytes32 initCodeHash, address indexed by);
    /// @notice Governance swept a token that is not a policy asset.
    event Swept(address indexed token, address indexed to, uint256 amount);
    /// @notice A proven payout was executed. The registry's PositionsRootAdvanced of the same `sequence` carries
    /// the old and the new root. `by` is the caller (a payout role account, or governance).
    event Payout(uint256 indexed sequence, uint256 indexed asset, address indexed recipient, uint256 amount, address by);
    /// @notice Tokens of a policy asset came in through `deposit` (what the vault received). The next
    /// attestation counts them; until then they are held but uncommitted.
    event Deposited(uint256 indexed asset, address indexed token, address indexed from, uint256 amount);
    /// @notice A payout limit was set (governance) or lowered (guardian).
    event PayoutLimitSet(uint256 indexed asset, uint256 limit, uint256 period, address indexed by);

    /// @param policy_ The RiskPolicy.
    /// @param snapshots_ The PriceSnapshots.
    /// @param registry_ The SolvencyRegistry (which must name this vault, this policy and these snapshots).
    /// @param verifier_ The S2 verifier.
    /// @param payoutVerifier_ The S4 verifier.
    /// @param governance Receives GOVERNANCE_ROLE.
    /// @param guardian Receives GUARDIAN_ROLE.
    /// @param rebalancer Receives REBALANCER_ROLE.
    constructor(
        RiskPolicy policy_,
        PriceSnapshots snapshots_,
        SolvencyRegistry registry_,
        IRebalanceVerifier verifier_,
        IPayoutVerifier payoutVerifier_,
        address governance,
        address guardian,
        address rebalancer
    ) {
        if (address(policy_) == address(0) || address(snapshots_) == address(0) || address(registry_) == address(0)) {
            revert InvalidConfiguration();
        }
        if (address(verifier_) == address(0) || address(payoutVerifier_) == address(0)) revert InvalidConfiguration();
        if (governance == address(0) || guardian == address(0) || rebalancer == address(0)) revert ZeroAddress();
        if (policy_.vault() != address(this) || registry_.vault() != address(this)) revert InvalidConfiguration();
        if (registry_.policy() != policy_ || registry_.snapshots() != snapshots_ || snapshots_.policy() != policy_) {
            revert InvalidConfiguration();
        }
        policy = policy_;
        snapshots = snapshots_;
        registry = registry_;
        verifier = verifier_;
        signalCount = 10 + VaultTotals.packedCount(policy_.assetCount());
        verifySelector = PackedProof.selectorFor(signalCount);
        payoutVerifier = payoutVerifier_;
        payoutSelector = PackedProof.selectorFor(signalCount - 1);
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
    /// @param vaultTotals The new state's vault-held totals, packed two per signal (public signals 10...):
    /// after the swap each must be at most the vault's balance (VaultBalanceShort otherwise).
    /// @param proof The packed Groth16 proof.
    /// @param deadline Unix time after which the rebalance is refused.
    /// @return amountOut What the pair paid, in base units of the asset bought.
    function rebalance(
        address factory,
        Action calldata action,
        Transition calldata transition,
        uint256 sequence,
        uint256[] calldata vaultTotals,
        uint256[8] calldata proof,
        uint256 deadline
    ) external nonReentrant whenNotPaused onlyRole(REBALANCER_ROLE) returns (uint256 amountOut) {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline, block.timestamp);
        bytes32 initCodeHash = pairInitCodeHash[factory];
        if (initCodeHash == 0) revert FactoryNotAllowed(factory);
        address[] memory assetTokens = _checkPolicyAndSnapshot(action, transition);
        // Roots, liabilities and sequence are checked (and the commitment advanced) by the registry; a
        // failing proof below reverts the advance with everything else.
        registry.advance(transition.oldRoot, transition.newRoot, transition.liabilitiesRoot, sequence);
        _verify(action, transition, sequence, vaultTotals, proof);
        amountOut = _swapThroughPair(factory, initCodeHash, assetTokens, action, sequence);
        // The new state's vault-held totals are within what the vault holds right after the swap.
        VaultTotals.requireBacked(assetTokens, vaultTotals, address(this));
    }

    /// @dev The swap of `action` through the listed factory's pair of its two tokens.
    function _swapThroughPair(
        address factory,
        bytes32 initCodeHash,
        address[] memory assetTokens,
        Action calldata action,
        uint256 sequence
    ) private returns (uint256) {
        address tokenIn = assetTokens[action.assetIn];
        address tokenOut = assetTokens[action.assetOut];
        return _swap(_pairFor(factory, initCodeHash, tokenIn, tokenOut), tokenIn, tokenOut, action, sequence);
    }

    /// @notice Pays `amount` of asset `asset` from the vault to `recipient`, if and only if `proof` is a valid S4
    /// proof that taking `amount` from a vault-held position moves the registry's current commitment (root and
    /// sequence) to `transition.newRoot`, whose positions still satisfy the current policy at the latest fresh
    /// snapshot and cover the current liabilities. Advances the commitment. A payout role caller spends the
    /// asset's limit for the current period (PayoutLimitExceeded beyond it); governance is not limited.
    /// @param asset The policy asset index (public signal 5).
    /// @param amount Base units paid (public signal 6).
    /// @param recipient Who receives them (public signal 7).
    /// @param transition The roots and hashes the proof is bound to (public signals 0-4).
    /// @param sequence The registry's sequence number the proof was made for (public signal 8).
    /// @param vaultTotals The new state's vault-held totals, packed two per signal (public signals 9...):
    /// after the transfer each must be at most the vault's balance (VaultBalanceShort otherwise).
    /// @param proof The packed Groth16 proof.
    function payout(
        uint256 asset,
        uint256 amount,
        address recipient,
        Transition calldata transition,
        uint256 sequence,
        uint256[] calldata vaultTotals,
        uint256[8] calldata proof
    ) external nonReentrant whenNotPaused {
        if (recipient == address(0)) revert ZeroAddress();
        if (!hasRole(GOVERNANCE_ROLE, msg.sender)) {
            _checkRole(PAYOUT_ROLE);
            _spendPayoutLimit(asset, amount);
        }
        address[] memory assetTokens = _checkContext(asset, asset, transition);
        registry.advance(transition.oldRoot, transition.newRoot, transition.liabilitiesRoot, sequence);
        _verifyPayout(asset, amount, recipient, transition, sequence, vaultTotals, proof);
        IERC20(assetTokens[asset]).safeTransfer(recipient, amount);
        VaultTotals.requireBacked(assetTokens, vaultTotals, address(this));
        emit Payout(sequence, asset, recipient, amount, msg.sender);
    }

    /// @notice Pulls `amount` of policy asset `asset` from the caller (who approved the vault) and emits
    /// Deposited with what the vault received. Anyone may deposit; the next attestation commits the tokens.
    function deposit(uint256 asset, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (asset >= policy.assetCount()) revert UnknownAsset(asset);
        IERC20 token = IERC20(policy.assetRules(asset).token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(asset, address(token), msg.sender, token.balanceOf(address(this)) - before);
    }

    /// @notice Sets the payout role's limit for `asset`: at most `limit` base units per `period` seconds (1 s to
    /// 365 days; windows aligned on multiples of it). Governance only. What was spent in the current window
    /// still counts unless the period changes.
    function setPayoutLimit(uint256 asset, uint128 limit, uint64 period) external onlyRole(GOVERNANCE_ROLE) {
        if (asset >= policy.assetCount()) revert UnknownAsset(asset);
        if (period == 0 || period > 365 days) revert InvalidPayoutPeriod(period);
        PayoutLimit storage l = payoutLimits[asset];
        if (l.period != period) {
            l.period = period;
            l.windowStart = 0;
            l.spent = 0;
        }
        l.limit = limit;
        emit PayoutLimitSet(asset, limit, period, msg.sender);
    }

    /// @notice Lowers the payout role's limit for `asset`, at once (zero stops its payouts). Guardian or governance.
    function lowerPayoutLimit(uint256 asset, uint128 limit) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        PayoutLimit storage l = payoutLimits[asset];
        if (limit > l.limit) revert PayoutLimitNotLowered(asset, l.limit, limit);
        l.limit = limit;
        emit PayoutLimitSet(asset, limit, l.period, msg.sender);
    }

    /// @notice What the payout role may still pay of `asset` in the current period.
    function payoutRemaining(uint256 asset) public view returns (uint256) {
        PayoutLimit memory l = payoutLimits[asset];
        if (l.period == 0) return 0;
        uint256 spent = _windowStart(l.period) == l.windowStart ? l.spent : 0;
        return spent >= l.limit ? 0 : l.limit - spent;
    }

    /// @notice Whether `factory` is listed.
    function allowedFactory(address factory) external view returns (bool) {
        return pairInitCodeHash[factory] != 0;
    }

    /// @notice Stops every rebalance and payout at once (deposits stay open). Guardian or governance.
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        _pause();
    }

    /// @notice Resumes rebalances and payouts. Governance only (slow in greed).
    function unpause() external onlyRole(GOVERNANCE_ROLE) {
        _unpause();
    }

    /// @notice Lists a Uniswap V2 factory with the keccak hash of its pairs' creation code (for Uniswap's
    /// own factory, the hash of UniswapV2Pair's bytecode). Governance only.
    function allowFactory(address factory, bytes32 initCodeHash) external onlyRole(GOVERNANCE_ROLE) {
        if (factory == address(0)) revert ZeroAddress();
        if (initCodeHash == 0) revert InvalidInitCodeHash();
        pairInitCodeHash[factory] = initCodeHash;
        emit FactorySet(factory, initCodeHash, msg.sender);
    }

    /// @notice Delists a factory, at once. Guardian or governance.
    function disallowFactory(address factory) external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        delete pairInitCodeHash[factory];
        emit FactorySet(factory, 0, msg.sender);
    }

    /// @notice Sends a token that is not a policy asset (an airdrop, a mistaken transfer) to `to`.
    /// Governance only, so behind the timelock's delay; policy assets move only by proven rebalances.
    function sweep(IERC20 token, address to, uint256 amount) external onlyRole(GOVERNANCE_ROLE) {
        if (to == address(0) || address(token) == address(0)) revert ZeroAddress();
        if (policy.isPolicyToken(address(token))) revert PolicyToken(address(token));
        token.safeTransfer(to, amount);
        emit Swept(address(token), to, amount);
    }

    /// @dev The policy and snapshot checks; returns the policy's tokens.
    function _checkPolicyAndSnapshot(Action calldata action, Transition calldata transition)
        private
        view
        returns (address[] memory assetTokens)
    {
        if (action.assetIn == action.assetOut) revert SameAsset(action.assetIn);
        return _checkContext(action.assetIn, action.assetOut, transition);
    }

    /// @dev Both assets are policy assets, the proof's policy is the current one and its snapshot is usable;
    /// returns the policy's tokens.
    function _checkContext(uint256 assetA, uint256 assetB, Transition calldata transition)
        private
        view
        returns (address[] memory assetTokens)
    {
        RiskPolicy.GateContext memory context;
        (context, assetTokens) = policy.swapContext(assetA, assetB);
        if (context.policyHash == 0) revert PolicyNotSet();
        if (transition.policyHash != context.policyHash) revert PolicyMismatch(context.policyHash, transition.policyHash);
        snapshots.requireUsable(transition.pricesHash, context);
    }

    /// @dev Counts `amount` against the asset's limit in the current window, or refuses it.
    function _spendPayoutLimit(uint256 asset, uint256 amount) private {
        uint256 remaining = payoutRemaining(asset);
        if (amount > remaining) revert PayoutLimitExceeded(asset, amount, remaining);
        PayoutLimit storage l = payoutLimits[asset];
        uint64 start = _windowStart(l.period);
        if (l.windowStart != start) {
            l.windowStart = start;
            l.spent = 0;
        }
        // amount <= remaining <= limit < 2^128, and spent + amount <= limit.
        l.spent += uint128(amount);
    }

    function _windowStart(uint64 period) private view returns (uint64) {
        return uint64(block.timestamp - (block.timestamp % period));
    }

    function _verifyPayout(
        uint256 asset,
        uint256 amount,
        address recipient,
        Transition calldata transition,
        uint256 sequence,
        uint256[] calldata vaultTotals,
        uint256[8] calldata proof
    ) private view {
        uint256 count = 9 + vaultTotals.length;
        if (count != signalCount - 1) revert SignalCountMismatch(signalCount - 1, count);
        uint256[] memory signals = new uint256[](count);
        signals[0] = transition.oldRoot;
        signals[1] = transition.newRoot;
        signals[2] = transition.liabilitiesRoot;
        signals[3] = transition.policyHash;
        signals[4] = transition.pricesHash;
        signals[5] = asset;
        signals[6] = amount;
        signals[7] = uint160(recipient);
        signals[8] = sequence;
        for (uint256 j = 0; j < vaultTotals.length; ++j) signals[9 + j] = vaultTotals[j];
        if (!PackedProof.verifyTransition(address(payoutVerifier), payoutSelector, proof, signals)) revert InvalidProof();
    }

    /// @dev The pair of two tokens under a factory: CREATE2 address from the sorted tokens and the init-code hash.
    function _pairFor(address factory, bytes32 initCodeHash, address tokenA, address tokenB) private pure returns (address) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        return address(
            uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, keccak256(abi.encodePacked(token0, token1)), initCodeHash))))
        );
    }

    function _verify(
        Action calldata action,
        Transition calldata transition,
        uint256 sequence,
        uint256[] calldata vaultTotals,
        uint256[8] calldata proof
    ) private view {
        uint256 count = 10 + vaultTotals.length;
        if (count != signalCount) revert SignalCountMismatch(signalCount, count);
        uint256[] memory signals = new uint256[](count);
        signals[0] = transition.oldRoot;
        signals[1] = transition.newRoot;
        signals[2] = transition.liabilitiesRoot;
        signals[3] = transition.policyHash;
        signals[4] = transition.pricesHash;
        signals[5] = action.assetIn;
        signals[6] = action.amountIn;
        signals[7] = action.assetOut;
        signals[8] = action.minAmountOut;
        signals[9] = sequence;
        for (uint256 j = 0; j < vaultTotals.length; ++j) signals[10 + j] = vaultTotals[j];
        if (!PackedProof.verifyTransition(address(verifier), verifySelector, proof, signals)) revert InvalidProof();
    }

    /// @dev Pays `amountIn` to the pair and takes the output the constant-product formula (0.3% fee) gives
    /// for what the pair really received, refusing less than `minAmountOut` before and after. Emits Rebalanced.
    function _swap(address pair, address tokenIn, address tokenOut, Action calldata action, uint256 sequence)
        private
        returns (uint256 received)
    {
        if (pair.code.length == 0) revert NoPair(pair, tokenIn, tokenOut);
        (uint256 out0, uint256 out1) = _payPair(pair, tokenIn, tokenOut, action);
        uint256 before = IERC20(tokenOut).balanceOf(address(this));
        IUniswapV2Pair(pair).swap(out0, out1, address(this), "");
        received = IERC20(tokenOut).balanceOf(address(this)) - before;
        if (received < action.minAmountOut) revert InsufficientOutput(received, action.minAmountOut);
        emit Rebalanced(sequence, pair, received);
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
