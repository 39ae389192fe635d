// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {NonCanonicalProof} from "./GateErrors.sol";

/// @notice The snarkjs Groth16 verifier of S1 (Solvency): public signals
/// [positionsRoot, liabilitiesRoot, policyHash, pricesHash]. Generated per instance into contracts/generated/.
interface ISolvencyVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The snarkjs Groth16 verifier of S2 (Rebalance): public signals
/// [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, assetIn, amountIn, assetOut, minAmountOut].
interface IRebalanceVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) external view returns (bool);
}

/// @notice Unpacks the proof shape used end to end (bundle `packedProof`, core/packed-proof.ts):
/// uint256[8] = [pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]] in the order the
/// snarkjs Solidity verifier takes them, i.e. snarkjs's [a0, a1, b01, b00, b11, b10, c0, c1] (each G2
/// coordinate pair swapped, as EIP-197 wants). Every coordinate must be below the base field modulus q:
/// the snarkjs verifier checks the public signals against the scalar field, not the proof's coordinates.
library PackedProof {
    /// @dev The BN254 base field modulus (core/field.ts BASE_FIELD_MODULUS).
    uint256 internal constant BASE_FIELD_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @return pA The A point.
    /// @return pB The B point.
    /// @return pC The C point.
    function unpack(uint256[8] calldata p)
        internal
        pure
        returns (uint256[2] memory pA, uint256[2][2] memory pB, uint256[2] memory pC)
    {
        for (uint256 i = 0; i < 8; i++) {
            if (p[i] >= BASE_FIELD_MODULUS) revert NonCanonicalProof(i, p[i]);
        }
        pA = [p[0], p[1]];
        pB = [[p[2], p[3]], [p[4], p[5]]];
        pC = [p[6], p[7]];
    }
}
