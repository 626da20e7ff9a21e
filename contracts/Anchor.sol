// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Anchor: publishes Merkle roots of Pledge milestone batches.
/// @notice The root commits to a batch of salted milestone leaves (see src/ledger/README.md).
///         Each root is anchored at most once; only the deployer may anchor.
contract Anchor {
    event Anchored(bytes32 indexed root, uint64 count, bytes32 prevRoot);

    error NotOwner();
    error AlreadyAnchored(bytes32 root);
    error EmptyBatch();

    address public immutable owner;

    /// @notice The block number each root was anchored in (0: never).
    mapping(bytes32 => uint256) public anchoredAt;

    constructor() {
        owner = msg.sender;
    }

    function anchor(bytes32 root, uint64 count, bytes32 prevRoot) external {
        if (msg.sender != owner) revert NotOwner();
        if (count == 0) revert EmptyBatch();
        if (anchoredAt[root] != 0) revert AlreadyAnchored(root);
        anchoredAt[root] = block.number;
        emit Anchored(root, count, prevRoot);
    }
}
