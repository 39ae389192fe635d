// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VaultBalanceShort} from "./GateErrors.sol";

/// @title VaultTotals
/// @notice The vault-held totals S1 and S2 make public, packed two per signal (circuits/lib/custody.circom
/// PackTotals): asset a's total is the 128-bit lane `a % 2` of signal `a / 2` of the packed run. The circuits
/// keep each total below 2^101, so every lane holds one total exactly.
library VaultTotals {
    /// @notice Number of packed signals for `assetCount` assets.
    function packedCount(uint256 assetCount) internal pure returns (uint256) {
        return (assetCount + 1) / 2;
    }

    /// @notice Refuses unless, for every asset, the proven vault-held total is at most `holder`'s balance.
    /// At most, not equal: a donation to the vault must not break a pending proof (it is simply
    /// uncommitted until the next attestation). Assets with a zero total are not read.
    /// @param tokens The policy's tokens, in asset order.
    /// @param packed The packed totals (the statement's last public signals).
    /// @param holder The vault.
    function requireBacked(address[] memory tokens, uint256[] memory packed, address holder) internal view {
        for (uint256 a = 0; a < tokens.length; ++a) {
            uint256 committed = uint128(packed[a / 2] >> (128 * (a % 2)));
            if (committed == 0) continue;
            uint256 balance = _balanceOf(tokens[a], holder);
            if (balance < committed) revert VaultBalanceShort(a, committed, balance);
        }
    }

    /// @dev `token.balanceOf(holder)` by a plain staticcall (policy tokens are contracts: RiskPolicy checks
    /// their decimals when the policy is set). A call that fails or returns less than a word reads as 0,
    /// which refuses any committed amount.
    function _balanceOf(address token, address holder) private view returns (uint256 amount) {
        bytes4 selector = IERC20.balanceOf.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 4), holder)
            let ok := staticcall(gas(), token, ptr, 36, ptr, 32)
            amount := mul(mload(ptr), and(ok, gt(returndatasize(), 31)))
        }
    }
}
