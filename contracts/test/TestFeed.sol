// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";

/// @title TestFeed
/// @notice TEST ONLY: Chainlink's own MockV3Aggregator (from @chainlink/contracts), a Chainlink
/// AggregatorV2V3Interface implementation whose answer the tests set. A real Chainlink feed cannot run on
/// a local chain (its answers come from an off-chain oracle network), so local deployments and tests use
/// this one; PriceSnapshots reads it through AggregatorV3Interface exactly as it reads a real feed.
/// @dev Declared here only so that Hardhat emits an artifact for the npm contract.
contract TestFeed is MockV3Aggregator {
    /// @param decimals_ Decimals of the answer (8 for USD feeds).
    /// @param initialAnswer The first answer.
    constructor(uint8 decimals_, int256 initialAnswer) MockV3Aggregator(decimals_, initialAnswer) {}
}
