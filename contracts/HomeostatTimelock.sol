// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title HomeostatTimelock
/// @notice OpenZeppelin's TimelockController, unchanged: the governance of a Homeostat deployment. Every
/// loosening of the policy, unpausing and venue listing waits `minDelay` seconds after being proposed.
/// @dev Declared here only so that Hardhat emits an artifact for it.
contract HomeostatTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and executing an operation.
    /// @param proposers May schedule (and cancel) operations.
    /// @param executors May execute ready operations (address(0) = anyone).
    /// @param admin Optional bootstrap admin of the timelock's own roles (zero for none).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
