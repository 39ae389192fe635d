// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {NonCanonicalProof} from "./GateErrors.sol";

/// @notice The snarkjs Groth16 verifier of S1 (Solvency): public signals
/// [positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence]. Generated per instance into contracts/generated/.
interface ISolvencyVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}

/// @notice The snarkjs Groth16 verifier of S2 (Rebalance): public signals
/// [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, assetIn, amountIn, assetOut, minAmountOut, sequence].
interface IRebalanceVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) external view returns (bool);
}

/// @notice Verifies the proof shape used end to end (bundle `packedProof`, core/packed-proof.ts):
/// uint256[8] = [pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]] in the order the
/// snarkjs Solidity verifier takes them, i.e. snarkjs's [a0, a1, b01, b00, b11, b10, c0, c1] (each G2
/// coordinate pair swapped, as EIP-197 wants). Every coordinate must be below the base field modulus q:
/// the snarkjs verifier checks the public signals against the scalar field, not the proof's coordinates.
library PackedProof {
    /// @dev The BN254 base field modulus (core/field.ts BASE_FIELD_MODULUS).
    uint256 internal constant BASE_FIELD_MODULUS =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice Calls an S1 `verifier.verifyProof(pA, pB, pC, signals)` with the packed proof as it is: its eight
    /// words are already the verifier's first eight arguments, in order, so the call data is the selector, the
    /// proof and the signals, copied once. Refuses a non-canonical proof first. True iff the verifier accepts.
    function verifySolvency(ISolvencyVerifier verifier, uint256[8] calldata p, uint256[5] calldata signals)
        internal
        view
        returns (bool)
    {
        requireCanonical(p);
        return _call(address(verifier), abi.encodePacked(ISolvencyVerifier.verifyProof.selector, p, signals));
    }

    /// @notice The same for an S2 verifier.
    function verifyRebalance(IRebalanceVerifier verifier, uint256[8] calldata p, uint256[10] memory signals)
        internal
        view
        returns (bool)
    {
        requireCanonical(p);
        return _call(address(verifier), abi.encodePacked(IRebalanceVerifier.verifyProof.selector, p, signals));
    }

    /// @notice Refuses a coordinate at or above q.
    function requireCanonical(uint256[8] calldata p) internal pure {
        for (uint256 i = 0; i < 8; i++) {
            if (p[i] >= BASE_FIELD_MODULUS) revert NonCanonicalProof(i, p[i]);
        }
    }

    function _call(address verifier, bytes memory data) private view returns (bool) {
        (bool ok, bytes memory result) = verifier.staticcall(data);
        return ok && result.length == 32 && abi.decode(result, (bool));
    }
}
