// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {NonCanonicalProof} from "./GateErrors.sol";

/// @notice The snarkjs Groth16 verifier of S1 (Solvency), generated per instance into contracts/generated/:
/// `verifyProof(uint256[2] pA, uint256[2][2] pB, uint256[2] pC, uint256[5 + ceil(A/2)] pubSignals)` over
/// [positionsRoot, liabilitiesRoot, policyHash, pricesHash, sequence, vaultTotals...]. The signal count depends
/// on the instance's A, so the gate calls it by selector with the words packed (PackedProof), never through a
/// fixed-size Solidity signature.
interface ISolvencyVerifier {}

/// @notice The snarkjs Groth16 verifier of S2 (Rebalance), generated per instance: public signals
/// [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, assetIn, amountIn, assetOut, minAmountOut, sequence,
/// vaultTotals...] (10 + ceil(A/2)), called as for S1.
interface IRebalanceVerifier {}

/// @notice The snarkjs Groth16 verifier of S4 (Payout), generated per instance: public signals
/// [oldRoot, newRoot, liabilitiesRoot, policyHash, pricesHash, asset, amount, recipient, sequence, vaultTotals...]
/// (9 + ceil(A/2)), called as for S1.
interface IPayoutVerifier {}

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
    /// @param selector `selectorFor(signals.length)`, computed once by the caller's constructor.
    function verifySolvency(ISolvencyVerifier verifier, bytes4 selector, uint256[8] calldata p, uint256[] calldata signals)
        internal
        view
        returns (bool)
    {
        requireCanonical(p);
        return _call(address(verifier), abi.encodePacked(selector, p, signals));
    }

    /// @notice The same for an S2 or S4 verifier (`verifier` is an IRebalanceVerifier or an IPayoutVerifier), with
    /// the signals assembled in memory by the vault.
    function verifyTransition(address verifier, bytes4 selector, uint256[8] calldata p, uint256[] memory signals)
        internal
        view
        returns (bool)
    {
        requireCanonical(p);
        return _call(verifier, abi.encodePacked(selector, p, signals));
    }

    /// @notice The selector of snarkjs's `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])`.
    function selectorFor(uint256 n) internal pure returns (bytes4) {
        return bytes4(
            keccak256(abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", Strings.toString(n), "])"))
        );
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
