"""The Merkle tree over the access log (RFC 9162, section 2.1: the tree of Certificate Transparency).

Leaf ``i`` is the ``entry_hash`` of the entry with sequence ``i + 1`` (32 bytes, from its hex);
the leaf hash is ``SHA-256(0x00 || entry_hash)`` and an inner node ``SHA-256(0x01 || left || right)``.
Pure functions over bytes, no Django; the hashing and the audit-path check are those of the
standalone verifier (``sharing/proof_verifier.py``).

``Frontier`` keeps the right edge of the tree (one perfect subtree root per bit of the size), so a
checkpoint extends the previous one's tree with the entries appended since, without reading
the older ones again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# The verifier that auditors copy holds the hashing and the path check; the portal uses the same.
from sharing.proof_verifier import leaf_hash, node_hash, root_from_inclusion_path

__all__ = ["EMPTY_ROOT", "Frontier", "inclusion_path", "leaf_hash", "node_hash", "root_from_inclusion_path"]

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass
class Frontier:
    """The roots of the perfect subtrees that make a tree of ``size`` leaves, left to right
    (heights strictly decreasing, one per set bit of ``size``)."""

    size: int = 0
    nodes: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, entry_hash: bytes) -> None:
        height, node = 0, leaf_hash(entry_hash)
        while self.nodes and self.nodes[-1][0] == height:
            _, left = self.nodes.pop()
            height, node = height + 1, node_hash(left, node)
        self.nodes.append((height, node))
        self.size += 1

    def extend(self, entry_hashes: Iterable[bytes]) -> None:
        for entry_hash in entry_hashes:
            self.append(entry_hash)

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            root = node_hash(left, root)
        return root

    def to_json(self) -> list[list]:
        return [[height, node.hex()] for height, node in self.nodes]

    @classmethod
    def from_json(cls, size: int, nodes: Sequence[Sequence]) -> Frontier:
        frontier = cls(size, [(int(height), bytes.fromhex(node)) for height, node in nodes])
        if sum(1 << height for height, _ in frontier.nodes) != size:
            raise ValueError("The frontier does not describe a tree of that size.")
        return frontier


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(leaves: Iterable[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1: the audit path of leaf ``index``, bottom up.

    ``leaves`` yields the entry hashes of leaves 0..size-1 in order, read once as a stream (the
    sibling subtrees of the path partition the other leaves); raises ValueError when some are
    missing."""
    if not 0 <= index < size:
        raise ValueError("The leaf is not in a tree of that size.")
    start, end = 0, size
    siblings: list[tuple[int, int]] = []
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            siblings.append((start + k, end))
            end = start + k
        else:
            siblings.append((start, start + k))
            start = start + k
    by_start = sorted(siblings)
    frontiers = {sibling: Frontier() for sibling in siblings}
    current = 0
    position = -1
    for position, leaf in enumerate(leaves):
        if position >= size:
            raise ValueError("There are more leaves than the tree's size.")
        if position == index:
            continue
        while by_start[current][1] <= position:
            current += 1
        frontiers[by_start[current]].append(leaf)
    if position != size - 1:
        raise ValueError(f"Leaves {position + 1}..{size - 1} are missing.")
    return [frontiers[sibling].root() for sibling in reversed(siblings)]
