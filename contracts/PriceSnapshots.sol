// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {PoseidonHasher} from "./PoseidonHasher.sol";
import {RiskPolicy} from "./RiskPolicy.sol";
import {SnapshotExpired} from "./GateErrors.sol";

/// @title PriceSnapshots
/// @notice Reads every policy asset's Chainlink-style feed, refuses anything a treasury must not be valued
/// with, normalises the answers to unit prices (USD per base unit x 10^36) and stores the snapshot's
/// Poseidon hash, which proofs are bound to.
/// @dev Refused: incomplete rounds (updatedAt == 0, answeredInRound < roundId, updatedAt in the future),
/// non-positive answers, answers older than the asset's own maxAge, answers outside the asset's
/// [minAnswer, maxAnswer], a feed whose decimals changed, and, when the policy names an L2 sequencer uptime
/// feed, a sequencer that is down or came back less than the grace period ago.
/// Snapshots are taken by KEEPER_ROLE only: attestations and rebalances must use the latest snapshot
/// (`requireUsable`), so anyone able to snapshot could invalidate every proof in flight.
/// A snapshot records the policy version it was taken under; `requireUsable` (what the registry and the
/// vault call whenever a snapshot is used) refuses it once the policy changed, and refuses any snapshot
/// while the L2 sequencer is down or inside its grace period.
/// The unit prices are in the `SnapshotTaken` event (storage keeps only the hash, id, time and version).
contract PriceSnapshots is AccessControl {
    /// @notice May take snapshots (the operator / keeper).
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice Unit prices must stay below 2^128 (the circuits' range).
    uint256 public constant MAX_UNIT_PRICE = 1 << 128;

    /// @notice A stored snapshot: its number, time, the policy version it was taken under, and whether a newer
    /// one has been taken since (so that using a snapshot reads one slot).
    struct Snapshot {
        uint64 id;
        uint64 timestamp;
        uint64 policyVersion;
        bool superseded;
    }

    /// @notice The policy that names the assets and their feeds.
    RiskPolicy public immutable policy;
    /// @notice Computes the prices hash exactly as core/hash.ts.
    PoseidonHasher public immutable hasher;

    mapping(uint256 pricesHash => Snapshot) private _byHash;
    /// @notice Number of the latest snapshot (0 before the first).
    uint64 public latestId;
    /// @notice Prices hash of the latest snapshot.
    uint256 public latestHash;

    /// @notice The feed's latest round is not complete (or claims a time in the future).
    error IncompleteRound(uint256 asset, uint80 roundId, uint80 answeredInRound, uint256 updatedAt);
    /// @notice The feed answered zero or a negative price.
    error NonPositivePrice(uint256 asset, int256 answer);
    /// @notice The feed's answer is older than the asset's maxAge.
    error StalePrice(uint256 asset, uint256 updatedAt, uint256 maxAge);
    /// @notice The answer is outside the asset's [minAnswer, maxAnswer]: the feed is treated as broken.
    error PriceOutOfBounds(uint256 asset, int256 answer, int256 minAnswer, int256 maxAnswer);
    /// @notice The normalised unit price does not fit the circuits' 128-bit range.
    error UnitPriceTooLarge(uint256 asset, uint256 unitPrice);
    /// @notice The feed's decimals differ from the policy's.
    error FeedDecimalsChanged(uint256 asset, uint8 expected, uint8 actual);
    /// @notice The L2 sequencer is down (or its uptime feed is not initialised).
    error SequencerDown();
    /// @notice The L2 sequencer came back up less than the grace period ago.
    error SequencerGracePeriod(uint256 upSince, uint256 gracePeriod);
    /// @notice No policy is set, so there are no feeds to read.
    error PolicyNotSet();
    /// @notice No snapshot has this prices hash.
    error UnknownSnapshot(uint256 pricesHash);
    /// @notice The snapshot exists but a newer one has been taken.
    error OldSnapshot(uint64 id, uint64 latestId);
    /// @notice The snapshot was taken under an earlier policy version (any policy change, a tightening too).
    error SnapshotPolicyOutdated(uint64 snapshotVersion, uint32 currentVersion);
    /// @notice A constructor argument is zero.
    error InvalidConfiguration();

    /// @notice A snapshot was taken; `unitPrices` are in policy asset order.
    event SnapshotTaken(uint64 indexed id, uint256 pricesHash, uint64 timestamp, uint256[] unitPrices);

    /// @param policy_ The RiskPolicy.
    /// @param hasher_ The PoseidonHasher.
    /// @param governance Receives DEFAULT_ADMIN_ROLE (grants and revokes keepers).
    /// @param keeper Receives KEEPER_ROLE.
    constructor(RiskPolicy policy_, PoseidonHasher hasher_, address governance, address keeper) {
        if (address(policy_) == address(0) || address(hasher_) == address(0) || governance == address(0) || keeper == address(0)) {
            revert InvalidConfiguration();
        }
        policy = policy_;
        hasher = hasher_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(KEEPER_ROLE, keeper);
    }

    /// @notice Reads every feed, checks it, and stores a snapshot at the current block time.
    /// Taking a snapshot whose hash is already the latest returns it; any other hash seen before (the same
    /// answers earlier in this block, or under another policy version) is stored again as the new latest,
    /// so the snapshot taken last is always the latest one.
    /// @return id The snapshot's number.
    /// @return pricesHash listHash([block.timestamp, unitPrices...]).
    function takeSnapshot() external onlyRole(KEEPER_ROLE) returns (uint64 id, uint256 pricesHash) {
        uint256[] memory prices = currentUnitPrices();
        pricesHash = hasher.pricesHash(block.timestamp, prices);
        uint32 version = policy.version();
        Snapshot memory existing = _byHash[pricesHash];
        if (existing.id != 0 && !existing.superseded && existing.policyVersion == version) return (existing.id, pricesHash);
        uint256 previous = latestHash;
        if (previous != 0) _byHash[previous].superseded = true;
        id = latestId + 1;
        latestId = id;
        latestHash = pricesHash;
        _byHash[pricesHash] = Snapshot(id, uint64(block.timestamp), version, false);
        emit SnapshotTaken(id, pricesHash, uint64(block.timestamp), prices);
    }

    /// @notice The unit prices a snapshot taken now would store (reverts exactly as `takeSnapshot`).
    /// @return prices USD value of one base unit of each asset, times 10^36, in policy asset order.
    function currentUnitPrices() public view returns (uint256[] memory prices) {
        if (policy.version() == 0) revert PolicyNotSet();
        _checkSequencer();
        RiskPolicy.AssetRules[] memory rules = policy.allAssetRules();
        prices = new uint256[](rules.length);
        for (uint256 i = 0; i < rules.length; ++i) prices[i] = _unitPrice(i, rules[i]);
    }

    /// @notice Looks a snapshot up by its prices hash and requires that it is usable now under `context`
    /// (RiskPolicy.gateContext, which the caller read with the policy hash): the latest snapshot, taken under
    /// the policy's current version, no older than its maxSnapshotAge, with the L2 sequencer (if the policy
    /// names one) up and past its grace period.
    /// @param pricesHash The proof's prices hash.
    /// @param context The policy's current gate context.
    /// @return snapshot Its id, time and policy version.
    function requireUsable(uint256 pricesHash, RiskPolicy.GateContext calldata context)
        external
        view
        returns (Snapshot memory snapshot)
    {
        snapshot = _byHash[pricesHash];
        if (snapshot.id == 0) revert UnknownSnapshot(pricesHash);
        if (snapshot.superseded) revert OldSnapshot(snapshot.id, latestId);
        if (snapshot.policyVersion != context.version) revert SnapshotPolicyOutdated(snapshot.policyVersion, context.version);
        if (block.timestamp - snapshot.timestamp > context.maxSnapshotAge) {
            revert SnapshotExpired(snapshot.timestamp, context.maxSnapshotAge);
        }
        if (context.sequencerFeed != address(0)) _checkSequencerFeed(context.sequencerFeed, context.sequencerGracePeriod);
    }

    /// @notice Looks a snapshot up by its prices hash (id 0: unknown).
    function snapshotOf(uint256 pricesHash) external view returns (Snapshot memory) {
        return _byHash[pricesHash];
    }

    function _checkSequencer() private view {
        address feed = policy.sequencerUptimeFeed();
        if (feed != address(0)) _checkSequencerFeed(feed, policy.sequencerGracePeriod());
    }

    function _checkSequencerFeed(address feed, uint256 grace) private view {
        (, int256 answer, uint256 startedAt,,) = AggregatorV3Interface(feed).latestRoundData();
        if (answer != 0 || startedAt == 0) revert SequencerDown();
        // A start time in the future (a broken feed) counts as inside the grace period, not as a panic.
        if (startedAt > block.timestamp || block.timestamp - startedAt <= grace) revert SequencerGracePeriod(startedAt, grace);
    }

    function _unitPrice(uint256 asset, RiskPolicy.AssetRules memory r) private view returns (uint256 unitPrice) {
        AggregatorV3Interface feed = AggregatorV3Interface(r.feed);
        (uint80 roundId, int256 answer,, uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();
        if (updatedAt == 0 || answeredInRound < roundId || updatedAt > block.timestamp) {
            revert IncompleteRound(asset, roundId, answeredInRound, updatedAt);
        }
        if (answer <= 0) revert NonPositivePrice(asset, answer);
        if (block.timestamp - updatedAt > r.maxAge) revert StalePrice(asset, updatedAt, r.maxAge);
        if (answer < r.minAnswer || answer > r.maxAnswer) revert PriceOutOfBounds(asset, answer, r.minAnswer, r.maxAnswer);
        uint8 decimals = feed.decimals();
        if (decimals != r.feedDecimals) revert FeedDecimalsChanged(asset, r.feedDecimals, decimals);
        unitPrice = uint256(answer) * 10 ** (36 - uint256(r.feedDecimals) - r.tokenDecimals);
        if (unitPrice >= MAX_UNIT_PRICE) revert UnitPriceTooLarge(asset, unitPrice);
    }
}
