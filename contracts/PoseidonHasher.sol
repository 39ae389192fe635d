// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The generated Poseidon contracts (chain/poseidon.ts): circomlibjs's for 2, 3, 4 inputs, and the
/// 8-input one assembled with circomlibjs's assembler from the same constants.
interface IPoseidon2 {
    function poseidon(uint256[2] calldata input) external pure returns (uint256);
}

interface IPoseidon3 {
    function poseidon(uint256[3] calldata input) external pure returns (uint256);
}

interface IPoseidon4 {
    function poseidon(uint256[4] calldata input) external pure returns (uint256);
}

interface IPoseidon8 {
    function poseidon(uint256[8] calldata input) external pure returns (uint256);
}

/// @notice The policy exactly as the circuits hash it (core/hash.ts `PolicyFields`): integers only,
/// asset order fixed by the policy.
struct PolicyFields {
    uint256 chainId;
    uint256 vault;
    uint256 liabilityAsset;
    uint256 minCoverageBps;
    uint256 minLiquidityBps;
    uint256 maxSlippageBps;
    /// Oldest custody statement (seconds before the price snapshot) the circuits accept.
    uint256 maxAttestationAge;
    /// listHash of the assets' token addresses (custody statements sign it).
    uint256 tokensDigest;
    /// listHash of the rules the circuits do not evaluate (RiskPolicy.rulesFieldList, core/hash.ts).
    uint256 rulesDigest;
    uint256[] capBps;
    uint256[] haircutBps;
    uint256[] liquid;
    /// One BabyJubjub key (Ax, Ay) per attestor slot; (0, 0) = an empty slot.
    uint256[2][] attestorKeys;
    uint256[][] shockBps;
}

/// @title PoseidonHasher
/// @notice On-chain mirror of Homeostat's hash layouts (core/hash.ts is the single source; the shared
/// vectors test checks TS, circuit and this contract against each other).
/// - position leaf = Poseidon4(assetIndex, custody, amount, salt); Merkle node = Poseidon2(left, right)
/// - sum-tree node = Poseidon4(l.hash, l.sum, r.hash, r.sum)
/// - list hash: acc = length; for each 7-element chunk (the last zero-padded): acc = Poseidon8(acc, chunk)
/// - policy hash = listHash([chainId, vault, A, K, C, liabilityAsset, minCoverageBps, minLiquidityBps,
///   maxSlippageBps, maxAttestationAge, tokensDigest, rulesDigest, capBps[A], haircutBps[A], liquid[A],
///   attestorKeys[C][2], shockBps[K][A]])
/// - prices hash = listHash([timestamp, unitPrice[A]])
contract PoseidonHasher {
    /// @notice Elements absorbed per Poseidon8 call (one input slot carries the accumulator).
    uint256 public constant LIST_RATE = 7;

    /// @notice The deployed Poseidon contracts, by arity.
    IPoseidon2 public immutable poseidon2;
    IPoseidon3 public immutable poseidon3;
    IPoseidon4 public immutable poseidon4;
    IPoseidon8 public immutable poseidon8;

    /// @notice A policy's per-asset or per-scenario list does not have one entry per asset.
    error PolicyShape(uint256 assets, uint256 row);

    /// @param p2 Poseidon with 2 inputs.
    /// @param p3 Poseidon with 3 inputs.
    /// @param p4 Poseidon with 4 inputs.
    /// @param p8 Poseidon with 8 inputs.
    constructor(IPoseidon2 p2, IPoseidon3 p3, IPoseidon4 p4, IPoseidon8 p8) {
        poseidon2 = p2;
        poseidon3 = p3;
        poseidon4 = p4;
        poseidon8 = p8;
    }

    /// @notice Hash of one position: Poseidon(assetIndex, custody, amount, salt) (custody 0 = the vault).
    function positionLeaf(uint256 assetIndex, uint256 custody, uint256 amount, uint256 salt)
        external
        view
        returns (uint256)
    {
        return poseidon4.poseidon([assetIndex, custody, amount, salt]);
    }

    /// @notice Inner node of the positions Merkle tree: Poseidon(left, right).
    function merkleNode(uint256 left, uint256 right) external view returns (uint256) {
        return poseidon2.poseidon([left, right]);
    }

    /// @notice Hash of a liabilities sum-tree node: Poseidon(l.hash, l.sum, r.hash, r.sum).
    function sumNodeHash(uint256 leftHash, uint256 leftSum, uint256 rightHash, uint256 rightSum)
        external
        view
        returns (uint256)
    {
        return poseidon4.poseidon([leftHash, leftSum, rightHash, rightSum]);
    }

    /// @notice Chained Poseidon8 over a list: acc = length, then acc = Poseidon8(acc, next 7 elements).
    /// @param values The list; every element must be a field element (the callers' values all are).
    function listHash(uint256[] memory values) public view returns (uint256 acc) {
        uint256 length = values.length;
        acc = length;
        uint256[8] memory block_;
        for (uint256 start = 0; start < length; start += LIST_RATE) {
            block_[0] = acc;
            for (uint256 j = 0; j < LIST_RATE; ++j) {
                block_[j + 1] = start + j < length ? values[start + j] : 0;
            }
            acc = poseidon8.poseidon(block_);
        }
    }

    /// @notice The ordered field list of a policy (see the contract header).
    function policyFieldList(PolicyFields memory p) public pure returns (uint256[] memory list) {
        uint256 a = p.capBps.length;
        uint256 k = p.shockBps.length;
        if (p.haircutBps.length != a) revert PolicyShape(a, p.haircutBps.length);
        if (p.liquid.length != a) revert PolicyShape(a, p.liquid.length);
        uint256 c = p.attestorKeys.length;
        list = new uint256[](12 + 3 * a + 2 * c + k * a);
        list[0] = p.chainId;
        list[1] = p.vault;
        list[2] = a;
        list[3] = k;
        list[4] = c;
        list[5] = p.liabilityAsset;
        list[6] = p.minCoverageBps;
        list[7] = p.minLiquidityBps;
        list[8] = p.maxSlippageBps;
        list[9] = p.maxAttestationAge;
        list[10] = p.tokensDigest;
        list[11] = p.rulesDigest;
        uint256 at = 12;
        for (uint256 i = 0; i < a; ++i) list[at + i] = p.capBps[i];
        at += a;
        for (uint256 i = 0; i < a; ++i) list[at + i] = p.haircutBps[i];
        at += a;
        for (uint256 i = 0; i < a; ++i) list[at + i] = p.liquid[i];
        at += a;
        for (uint256 j = 0; j < c; ++j) {
            list[at] = p.attestorKeys[j][0];
            list[at + 1] = p.attestorKeys[j][1];
            at += 2;
        }
        for (uint256 s = 0; s < k; ++s) {
            uint256[] memory row = p.shockBps[s];
            if (row.length != a) revert PolicyShape(a, row.length);
            for (uint256 i = 0; i < a; ++i) list[at + i] = row[i];
            at += a;
        }
    }

    /// @notice Policy hash: listHash(policyFieldList(p)).
    function policyHash(PolicyFields memory p) external view returns (uint256) {
        return listHash(policyFieldList(p));
    }

    /// @notice Prices hash: listHash([timestamp, unitPrices...]).
    /// @param timestamp The snapshot time (unix seconds).
    /// @param unitPrices USD value of one base unit of each asset, times 10^36, in policy asset order.
    function pricesHash(uint256 timestamp, uint256[] memory unitPrices) external view returns (uint256) {
        uint256[] memory list = new uint256[](unitPrices.length + 1);
        list[0] = timestamp;
        for (uint256 i = 0; i < unitPrices.length; ++i) list[i + 1] = unitPrices[i];
        return listHash(list);
    }
}
