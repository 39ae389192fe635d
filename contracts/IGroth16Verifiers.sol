// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The snarkjs Groth16 verifier of S1 (Solvency): public signals
/// [positionsRoot, liabilitiesRoot, policyHash, pricesHash]. Generated per instance into contracts/generated/.
interface ISolvencyVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[4] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The snarkjs Groth16 verifier of S2 (Rebalance): public signals
/// [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, assetIn, amountIn, assetOut, minAmountOut].
interface IRebalanceVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[9] calldata pubSignals
    ) external view returns (bool);
}

/// @notice Unpacks the proof shape used end to end (bundle `packedProof`, TS and Solidity alike):
/// uint256[8] = [a0, a1, b00, b01, b10, b11, c0, c1], with pB already in the order the verifier takes
/// (snarkjs's pi_b coordinates swapped within each pair).
library PackedProof {
    /// @return pA The A point.
    /// @return pB The B point.
    /// @return pC The C point.
    function unpack(uint256[8] calldata p)
        internal
        pure
        returns (uint256[2] memory pA, uint256[2][2] memory pB, uint256[2] memory pC)
    {
        pA = [p[0], p[1]];
        pB = [[p[2], p[3]], [p[4], p[5]]];
        pC = [p[6], p[7]];
    }
}
