// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {PoseidonHasher, PolicyFields} from "./PoseidonHasher.sol";

/// @title RiskPolicy
/// @notice Stores the treasury's risk policy (DESIGN section 4) and its Poseidon hash, which every proof
/// is bound to. The hash covers the chain id and the vault address, so a proof is bound to one deployment,
/// and the whole policy: the rules the circuits evaluate as fields, every other rule (symbols, tokens,
/// feeds, decimals, answer bounds, ages, delays, the sequencer feed) through one `rulesDigest` field.
/// @dev Roles. Governance (`GOVERNANCE_ROLE`, which is `DEFAULT_ADMIN_ROLE`) is an OpenZeppelin
/// `TimelockController` in deployments: any policy may be set, after the timelock's delay. The
/// `RISK_GUARDIAN_ROLE` may only tighten (`tighten`), applied at once: fast in danger, slow in greed.
/// Deployment order: the vault's address is part of the hash but the vault needs this contract, so the
/// deployer passes the vault's precomputed CREATE address (chain/deploy.ts checks it after deploying).
contract RiskPolicy is AccessControl {
    /// @notice Governance: sets any policy and the sequencer feed. The timelock in deployments.
    bytes32 public constant GOVERNANCE_ROLE = DEFAULT_ADMIN_ROLE;
    /// @notice May apply a strictly tighter policy at once.
    bytes32 public constant RISK_GUARDIAN_ROLE = keccak256("RISK_GUARDIAN_ROLE");
    /// @notice 100% in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice Largest maxSlippageBps a policy may set (20%): a swap's proven minimum is never near zero.
    uint256 public constant MAX_SLIPPAGE_BPS = 2_000;
    /// @notice Longest liabilities publication delay (7 days): a hostile guardian cannot freeze liabilities.
    uint256 public constant MAX_LIABILITIES_DELAY = 7 days;

    /// @notice One asset: its token, its Chainlink-style feed with that feed's own freshness and answer
    /// bounds, and its risk parameters. Packed into three storage slots.
    struct AssetRules {
        /// The symbol users read: 1-16 printable ASCII bytes, left-aligned, zero-padded.
        bytes16 symbol;
        address token;
        uint8 tokenDecimals;
        uint16 capBps;
        uint16 haircutBps;
        bool liquid;
        address feed;
        uint8 feedDecimals;
        /// Maximum age of the feed's answer in seconds (its heartbeat plus a margin).
        uint32 maxAge;
        /// Answers outside [minAnswer, maxAnswer] mean the feed is broken (e.g. pinned at its floor).
        int128 minAnswer;
        int128 maxAnswer;
    }

    /// @notice A whole policy, as governance sets it.
    struct Policy {
        /// Exactly `assetCount` entries; index = the asset index the circuits use.
        AssetRules[] assets;
        /// `scenarioCount` rows of `assetCount` price drops in bps.
        uint16[][] shockBps;
        uint8 liabilityAsset;
        uint16 minCoverageBps;
        uint16 minLiquidityBps;
        /// Largest price concession a swap's proven minimum may make against the snapshot (S2 proves it).
        uint16 maxSlippageBps;
        /// Oldest snapshot (seconds) an attestation or a rebalance may use.
        uint32 maxSnapshotAge;
        /// Seconds a published liabilities root waits before it backs attestations (users check first).
        uint32 liabilitiesDelay;
        /// Oldest custody statement (seconds before the price snapshot) a proof may rely on.
        uint32 maxAttestationAge;
    }

    /// @notice Number of assets and stress scenarios: the circuit instance's A and K.
    uint256 public immutable assetCount;
    uint256 public immutable scenarioCount;
    /// @notice Attestor slots: the circuit instance's C. Positions with custody c in 1..C are held by the
    /// attestor in slot c - 1 and backed by its signed statements (checked in the proofs).
    uint256 public immutable attestorCount;
    /// @notice Computes the policy hash exactly as core/hash.ts.
    PoseidonHasher public immutable hasher;
    /// @notice The vault whose proofs this policy binds (hashed).
    address public immutable vault;

    mapping(uint256 asset => AssetRules) private _assets;
    /// @notice Every token any version of the policy has named (the vault never sweeps those).
    mapping(address token => bool) public everPolicyToken;
    mapping(uint256 scenario => mapping(uint256 asset => uint16)) private _shockBps;
    /// @notice Index of the asset liabilities are denominated in.
    uint8 public liabilityAsset;
    /// @notice Haircut-adjusted assets must be at least this share of liabilities.
    uint16 public minCoverageBps;
    /// @notice Liquid assets must be at least this share of liabilities.
    uint16 public minLiquidityBps;
    /// @notice Largest price concession of a swap against the snapshot, bps.
    uint16 public maxSlippageBps;
    /// @notice Seconds a new liabilities root waits before it backs attestations.
    uint32 public liabilitiesDelay;
    /// @notice Oldest custody statement (seconds before the price snapshot) a proof may rely on.
    uint32 public maxAttestationAge;
    /// @notice BabyJubjub public key (Ax, Ay) of the attestor in each slot; (0, 0) = empty slot.
    mapping(uint256 slot => uint256[2]) private _attestorKeys;
    /// @notice Poseidon hash of the current policy; 0 while no policy is set.
    uint256 public policyHash;
    // What every attestation and rebalance reads, in one slot (160 + 32 + 32 + 32 bits).
    /// @notice Optional L2 sequencer uptime feed (0 = none) and the grace period after it comes back up.
    address public sequencerUptimeFeed;
    uint32 public sequencerGracePeriod;
    /// @notice Oldest snapshot (seconds) an attestation or a rebalance may use.
    uint32 public maxSnapshotAge;
    /// @notice Incremented on every change (the sequencer feed included); 0 while no policy is set.
    uint32 public version;

    /// @notice What the gate checks a proof against, read in one call: the policy hash and version, the
    /// snapshot age limit and the sequencer feed with its grace period.
    struct GateContext {
        uint256 policyHash;
        uint32 version;
        uint32 maxSnapshotAge;
        address sequencerFeed;
        uint32 sequencerGracePeriod;
    }

    /// @notice The policy's shape does not match this deployment's assets and scenarios.
    error PolicyShapeMismatch(uint256 expectedAssets, uint256 expectedScenarios);
    /// @notice An asset's rules are unusable (`reason` says which rule).
    error InvalidAssetRules(uint256 asset, string reason);
    /// @notice A policy-wide value is out of range.
    error InvalidPolicyValue(string field);
    /// @notice A guardian's policy is looser than the current one in `field` (of asset/scenario `index`).
    error NotTightening(string field, uint256 index);
    /// @notice No policy has been set yet.
    error PolicyNotSet();
    /// @notice An asset index is not below `assetCount`.
    error UnknownAsset(uint256 asset);
    /// @notice A constructor argument is zero or out of range.
    error InvalidConfiguration();
    /// @notice Not an attestor slot of this deployment.
    error UnknownAttestorSlot(uint256 slot);
    /// @notice The key is not a point of the BabyJubjub curve, or one of its x = 0 points (order 1 or 2).
    error InvalidAttestorKey(uint256 ax, uint256 ay);
    /// @notice The slot holds no attestor.
    error NoAttestor(uint256 slot);
    /// @notice The key already sits in `otherSlot`: one statement would back both slots (counted twice).
    error DuplicateAttestorKey(uint256 slot, uint256 otherSlot);

    /// @notice Governance put an attestor's key in a slot.
    event AttestorSet(uint256 indexed slot, uint256 ax, uint256 ay, uint32 version);
    /// @notice The slot was emptied (guardian or governance): proofs relying on it are refused from now on.
    event AttestorRemoved(uint256 indexed slot, address indexed by, uint32 version);

    /// @notice Governance set a policy.
    event PolicySet(uint32 indexed version, uint256 policyHash, address indexed by);
    /// @notice A guardian applied a tighter policy.
    event PolicyTightened(uint32 indexed version, uint256 policyHash, address indexed guardian);
    /// @notice Governance set (or removed, feed = 0) the L2 sequencer uptime feed.
    event SequencerUptimeFeedSet(address indexed feed, uint32 gracePeriod);

    /// @param hasher_ The PoseidonHasher.
    /// @param assetCount_ A of the circuit instance.
    /// @param scenarioCount_ K of the circuit instance.
    /// @param attestorCount_ C of the circuit instance.
    /// @param vault_ The vault's address (precomputed when the vault is deployed after this contract).
    /// @param governance Receives GOVERNANCE_ROLE (admin of every role).
    /// @param guardian Receives RISK_GUARDIAN_ROLE.
    constructor(
        PoseidonHasher hasher_,
        uint256 assetCount_,
        uint256 scenarioCount_,
        uint256 attestorCount_,
        address vault_,
        address governance,
        address guardian
    ) {
        if (assetCount_ == 0 || assetCount_ > 255 || scenarioCount_ == 0 || vault_ == address(0)) {
            revert InvalidConfiguration();
        }
        if (attestorCount_ == 0 || attestorCount_ > 16) revert InvalidConfiguration();
        attestorCount = attestorCount_;
        if (address(hasher_) == address(0) || governance == address(0) || guardian == address(0)) revert InvalidConfiguration();
        hasher = hasher_;
        assetCount = assetCount_;
        scenarioCount = scenarioCount_;
        vault = vault_;
        _grantRole(GOVERNANCE_ROLE, governance);
        _grantRole(RISK_GUARDIAN_ROLE, guardian);
    }

    // ------------------------------------------------------------------------------------------------
    // Changes

    /// @notice Replaces the whole policy. Governance only (the timelock in deployments).
    /// @param p The new policy; validated in full.
    function setPolicy(Policy calldata p) external onlyRole(GOVERNANCE_ROLE) {
        _validate(p);
        _store(p);
        emit PolicySet(version, policyHash, msg.sender);
    }

    /// @notice Applies a policy that is at least as strict as the current one in every bound, at once.
    /// Caps may only go down; haircuts, non-liability-asset shocks and minimums up; liquid may only
    /// turn off; feed ages and snapshot age down; answer bounds narrower. Tokens, feeds, decimals, the
    /// liability asset and the liability asset's shocks must not change (a higher shock on the liability
    /// asset also shrinks the shocked liabilities, so it is not a tightening in general).
    /// @param p The new policy.
    function tighten(Policy calldata p) external onlyRole(RISK_GUARDIAN_ROLE) {
        if (version == 0) revert PolicyNotSet();
        _validate(p);
        _requireTighter(p);
        _store(p);
        emit PolicyTightened(version, policyHash, msg.sender);
    }

    /// @notice Sets the L2 sequencer uptime feed (feed = 0 removes it). Governance only. The feed is part of
    /// the hashed rules, so this is a policy change: the version moves and older snapshots become unusable.
    /// @param feed Chainlink L2 sequencer uptime feed: answer 0 = up, 1 = down; startedAt = last change.
    /// @param gracePeriod Seconds after the sequencer comes back during which no snapshot is used.
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external onlyRole(GOVERNANCE_ROLE) {
        sequencerUptimeFeed = feed;
        sequencerGracePeriod = gracePeriod;
        emit SequencerUptimeFeedSet(feed, gracePeriod);
        if (version != 0) {
            _rehash();
            emit PolicySet(version, policyHash, msg.sender);
        }
    }

    /// @notice Puts an attestor's BabyJubjub public key in `slot` (custody number slot + 1). Governance only,
    /// so behind the timelock: a new custodian's word backs positions only after the delay. A policy change:
    /// the version moves and older snapshots become unusable.
    function setAttestor(uint256 slot, uint256 ax, uint256 ay) external onlyRole(GOVERNANCE_ROLE) {
        if (slot >= attestorCount) revert UnknownAttestorSlot(slot);
        if (!_onBabyJubjub(ax, ay)) revert InvalidAttestorKey(ax, ay);
        for (uint256 other = 0; other < attestorCount; ++other) {
            if (other != slot && _attestorKeys[other][0] == ax && _attestorKeys[other][1] == ay) revert DuplicateAttestorKey(slot, other);
        }
        _attestorKeys[slot] = [ax, ay];
        if (version != 0) _rehash();
        emit AttestorSet(slot, ax, ay, version);
    }

    /// @notice Empties `slot` at once. The guardian may (a tightening: fewer custodians to trust), and so may
    /// governance. Every proof relying on the attestor is refused from now on: the policy hash changes, and
    /// the empty key (0, 0) verifies no signature.
    function removeAttestor(uint256 slot) external {
        if (!hasRole(RISK_GUARDIAN_ROLE, msg.sender)) _checkRole(GOVERNANCE_ROLE);
        if (slot >= attestorCount) revert UnknownAttestorSlot(slot);
        if (_attestorKeys[slot][0] == 0) revert NoAttestor(slot);
        delete _attestorKeys[slot];
        if (version != 0) _rehash();
        emit AttestorRemoved(slot, msg.sender, version);
    }

    // ------------------------------------------------------------------------------------------------
    // Reads

    /// @notice Every attestor slot's key, in slot order ((0, 0) = empty).
    function attestorKeys() public view returns (uint256[2][] memory keys) {
        uint256 c = attestorCount;
        keys = new uint256[2][](c);
        for (uint256 i = 0; i < c; ++i) keys[i] = _attestorKeys[i];
    }

    /// @notice The policy's tokens in asset order (what the gate compares the proven vault totals with).
    function tokens() public view returns (address[] memory list) {
        uint256 a = assetCount;
        list = new address[](a);
        for (uint256 i = 0; i < a; ++i) list[i] = _assets[i].token;
    }

    /// @notice The current policy.
    function getPolicy() external view returns (Policy memory p) {
        uint256 a = assetCount;
        p.assets = new AssetRules[](a);
        for (uint256 i = 0; i < a; ++i) p.assets[i] = _assets[i];
        p.shockBps = new uint16[][](scenarioCount);
        for (uint256 s = 0; s < scenarioCount; ++s) {
            p.shockBps[s] = new uint16[](a);
            for (uint256 i = 0; i < a; ++i) p.shockBps[s][i] = _shockBps[s][i];
        }
        p.liabilityAsset = liabilityAsset;
        p.minCoverageBps = minCoverageBps;
        p.minLiquidityBps = minLiquidityBps;
        p.maxSlippageBps = maxSlippageBps;
        p.maxSnapshotAge = maxSnapshotAge;
        p.liabilitiesDelay = liabilitiesDelay;
        p.maxAttestationAge = maxAttestationAge;
    }

    /// @notice The rules of every asset, in index order (what PriceSnapshots reads).
    function allAssetRules() external view returns (AssetRules[] memory rules) {
        uint256 a = assetCount;
        rules = new AssetRules[](a);
        for (uint256 i = 0; i < a; ++i) rules[i] = _assets[i];
    }

    /// @notice The rules of one asset.
    function assetRules(uint256 asset) external view returns (AssetRules memory) {
        if (asset >= assetCount) revert UnknownAsset(asset);
        return _assets[asset];
    }

    /// @notice The policy as the circuits hash it (chain id and vault included).
    function policyFields() public view returns (PolicyFields memory f) {
        uint256 a = assetCount;
        f.chainId = block.chainid;
        f.vault = uint256(uint160(vault));
        f.liabilityAsset = liabilityAsset;
        f.minCoverageBps = minCoverageBps;
        f.minLiquidityBps = minLiquidityBps;
        f.maxSlippageBps = maxSlippageBps;
        f.maxAttestationAge = maxAttestationAge;
        address[] memory assetTokens = tokens();
        uint256[] memory tokenFields = new uint256[](a);
        for (uint256 i = 0; i < a; ++i) tokenFields[i] = uint160(assetTokens[i]);
        f.tokensDigest = hasher.listHash(tokenFields);
        f.rulesDigest = hasher.listHash(rulesFieldList());
        f.capBps = new uint256[](a);
        f.haircutBps = new uint256[](a);
        f.liquid = new uint256[](a);
        for (uint256 i = 0; i < a; ++i) {
            AssetRules storage r = _assets[i];
            f.capBps[i] = r.capBps;
            f.haircutBps[i] = r.haircutBps;
            f.liquid[i] = r.liquid ? 1 : 0;
        }
        f.attestorKeys = attestorKeys();
        f.shockBps = new uint256[][](scenarioCount);
        for (uint256 s = 0; s < scenarioCount; ++s) {
            f.shockBps[s] = new uint256[](a);
            for (uint256 i = 0; i < a; ++i) f.shockBps[s][i] = _shockBps[s][i];
        }
    }

    /// @notice The rules the circuits do not evaluate, as the field list hashed into `rulesDigest`:
    /// [A, per asset (symbol, token, tokenDecimals, feed, feedDecimals, maxAge, minAnswer, maxAnswer),
    /// maxSnapshotAge, liabilitiesDelay, sequencerUptimeFeed, sequencerGracePeriod] (core/hash.ts).
    function rulesFieldList() public view returns (uint256[] memory list) {
        uint256 a = assetCount;
        list = new uint256[](5 + 8 * a);
        list[0] = a;
        for (uint256 i = 0; i < a; ++i) {
            AssetRules storage r = _assets[i];
            uint256 at = 1 + 8 * i;
            list[at] = uint128(r.symbol);
            list[at + 1] = uint160(r.token);
            list[at + 2] = r.tokenDecimals;
            list[at + 3] = uint160(r.feed);
            list[at + 4] = r.feedDecimals;
            list[at + 5] = r.maxAge;
            // Both bounds are positive (validated), so the cast keeps the value.
            list[at + 6] = uint256(int256(r.minAnswer));
            list[at + 7] = uint256(int256(r.maxAnswer));
        }
        uint256 tail = 1 + 8 * a;
        list[tail] = maxSnapshotAge;
        list[tail + 1] = liabilitiesDelay;
        list[tail + 2] = uint160(sequencerUptimeFeed);
        list[tail + 3] = sequencerGracePeriod;
    }

    /// @notice What a rebalance needs from the policy, in one call: the gate context and every token (the
    /// swap's two, and all of them for the custody check after the swap).
    function swapContext(uint256 assetIn, uint256 assetOut)
        external
        view
        returns (GateContext memory context, address[] memory assetTokens)
    {
        if (assetIn >= assetCount) revert UnknownAsset(assetIn);
        if (assetOut >= assetCount) revert UnknownAsset(assetOut);
        return (gateContext(), tokens());
    }

    /// @notice What an attestation needs from the policy, in one call: the gate context and every token.
    function attestContext() external view returns (GateContext memory context, address[] memory assetTokens) {
        return (gateContext(), tokens());
    }

    /// @notice What an attestation needs from the policy, in one call.
    function gateContext() public view returns (GateContext memory) {
        return GateContext(policyHash, version, maxSnapshotAge, sequencerUptimeFeed, sequencerGracePeriod);
    }

    /// @notice Whether `token` is, or ever was, one of the policy's assets (the vault never sweeps those:
    /// replacing a token in the policy does not make it sweepable).
    function isPolicyToken(address token) external view returns (bool) {
        return everPolicyToken[token];
    }

    // ------------------------------------------------------------------------------------------------
    // Internals

    function _validate(Policy calldata p) private view {
        uint256 a = assetCount;
        if (p.assets.length != a || p.shockBps.length != scenarioCount) revert PolicyShapeMismatch(a, scenarioCount);
        if (p.liabilityAsset >= a) revert InvalidPolicyValue("liabilityAsset");
        if (p.maxSnapshotAge == 0) revert InvalidPolicyValue("maxSnapshotAge");
        if (p.maxSlippageBps > MAX_SLIPPAGE_BPS) revert InvalidPolicyValue("maxSlippageBps");
        if (p.liabilitiesDelay > MAX_LIABILITIES_DELAY) revert InvalidPolicyValue("liabilitiesDelay");
        if (p.maxAttestationAge == 0) revert InvalidPolicyValue("maxAttestationAge");
        for (uint256 i = 0; i < a; ++i) {
            AssetRules calldata r = p.assets[i];
            if (!_validSymbol(r.symbol)) revert InvalidAssetRules(i, "symbol");
            if (r.token == address(0)) revert InvalidAssetRules(i, "token");
            if (r.feed == address(0)) revert InvalidAssetRules(i, "feed");
            if (r.capBps > BPS) revert InvalidAssetRules(i, "capBps");
            if (r.haircutBps > BPS) revert InvalidAssetRules(i, "haircutBps");
            if (r.maxAge == 0) revert InvalidAssetRules(i, "maxAge");
            if (r.minAnswer <= 0 || r.minAnswer >= r.maxAnswer) revert InvalidAssetRules(i, "answer bounds");
            if (uint256(r.tokenDecimals) + r.feedDecimals > 36) revert InvalidAssetRules(i, "decimals");
            if (IERC20Metadata(r.token).decimals() != r.tokenDecimals) revert InvalidAssetRules(i, "tokenDecimals");
            if (AggregatorV3Interface(r.feed).decimals() != r.feedDecimals) revert InvalidAssetRules(i, "feedDecimals");
            for (uint256 j = 0; j < i; ++j) {
                if (p.assets[j].token == r.token) revert InvalidAssetRules(i, "duplicate token");
            }
        }
        for (uint256 s = 0; s < scenarioCount; ++s) {
            if (p.shockBps[s].length != a) revert PolicyShapeMismatch(a, scenarioCount);
            for (uint256 i = 0; i < a; ++i) {
                if (p.shockBps[s][i] > BPS) revert InvalidPolicyValue("shockBps");
            }
        }
    }

    function _requireTighter(Policy calldata p) private view {
        uint256 a = assetCount;
        uint256 liab = liabilityAsset;
        if (p.liabilityAsset != liab) revert NotTightening("liabilityAsset", 0);
        if (p.minCoverageBps < minCoverageBps) revert NotTightening("minCoverageBps", 0);
        if (p.minLiquidityBps < minLiquidityBps) revert NotTightening("minLiquidityBps", 0);
        if (p.maxSnapshotAge > maxSnapshotAge) revert NotTightening("maxSnapshotAge", 0);
        if (p.maxSlippageBps > maxSlippageBps) revert NotTightening("maxSlippageBps", 0);
        if (p.liabilitiesDelay < liabilitiesDelay) revert NotTightening("liabilitiesDelay", 0);
        if (p.maxAttestationAge > maxAttestationAge) revert NotTightening("maxAttestationAge", 0);
        for (uint256 i = 0; i < a; ++i) {
            AssetRules calldata r = p.assets[i];
            AssetRules storage c = _assets[i];
            if (r.symbol != c.symbol || r.token != c.token || r.feed != c.feed || r.tokenDecimals != c.tokenDecimals || r.feedDecimals != c.feedDecimals) {
                revert NotTightening("asset identity", i);
            }
            if (r.capBps > c.capBps) revert NotTightening("capBps", i);
            if (r.haircutBps < c.haircutBps) revert NotTightening("haircutBps", i);
            if (r.liquid && !c.liquid) revert NotTightening("liquid", i);
            if (r.maxAge > c.maxAge) revert NotTightening("maxAge", i);
            if (r.minAnswer < c.minAnswer || r.maxAnswer > c.maxAnswer) revert NotTightening("answer bounds", i);
        }
        for (uint256 s = 0; s < scenarioCount; ++s) {
            for (uint256 i = 0; i < a; ++i) {
                uint16 current = _shockBps[s][i];
                uint16 next = p.shockBps[s][i];
                if (i == liab ? next != current : next < current) revert NotTightening("shockBps", s);
            }
        }
    }

    function _store(Policy calldata p) private {
        uint256 a = assetCount;
        for (uint256 i = 0; i < a; ++i) {
            _assets[i] = p.assets[i];
            everPolicyToken[p.assets[i].token] = true;
        }
        for (uint256 s = 0; s < scenarioCount; ++s) {
            for (uint256 i = 0; i < a; ++i) _shockBps[s][i] = p.shockBps[s][i];
        }
        liabilityAsset = p.liabilityAsset;
        minCoverageBps = p.minCoverageBps;
        minLiquidityBps = p.minLiquidityBps;
        maxSlippageBps = p.maxSlippageBps;
        maxSnapshotAge = p.maxSnapshotAge;
        liabilitiesDelay = p.liabilitiesDelay;
        maxAttestationAge = p.maxAttestationAge;
        _rehash();
    }

    function _rehash() private {
        version += 1;
        policyHash = hasher.policyHash(policyFields());
    }

    /// @dev a * x^2 + y^2 == 1 + d * x^2 * y^2 over the BN254 scalar field (BabyJubjub, a = 168700,
    /// d = 168696), with x != 0 (the points with x = 0 have order 1 or 2). Not a subgroup check: a point of
    /// small order (8 * A = identity) verifies no signature in circomlib's EdDSAPoseidonVerifier, which
    /// refuses it; a mixed-order key A' + T verifies, after the verifier's cofactor clearing, only what the
    /// owner of A' signs (and the statement's message names the key, so it backs no other slot). Off chain,
    /// prover/attestor.ts refuses any key outside the prime-order subgroup.
    function _onBabyJubjub(uint256 x, uint256 y) private pure returns (bool) {
        uint256 q = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        if (x == 0 || x >= q || y >= q) return false;
        uint256 x2 = mulmod(x, x, q);
        uint256 y2 = mulmod(y, y, q);
        uint256 lhs = addmod(mulmod(168700, x2, q), y2, q);
        uint256 rhs = addmod(1, mulmod(168696, mulmod(x2, y2, q), q), q);
        return lhs == rhs;
    }

    /// @dev 1-16 printable ASCII bytes, then only zeros (core/hash.ts symbolToField).
    function _validSymbol(bytes16 symbol) private pure returns (bool) {
        bool ended = false;
        for (uint256 i = 0; i < 16; ++i) {
            uint8 b = uint8(symbol[i]);
            if (b == 0) {
                if (i == 0) return false;
                ended = true;
            } else if (ended || b < 0x21 || b > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
