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
from collections.abc import Callable, Iterable, Sequence
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


def subtree_root(leaves: Callable[[int, int], Iterable[bytes]], start: int, end: int) -> bytes:
    """MTH of the leaves ``start..end-1``; ``leaves(start, end)`` yields their entry hashes."""
    frontier = Frontier()
    frontier.extend(leaves(start, end))
    if frontier.size != end - start:
        raise ValueError(f"Leaves {start}..{end - 1} are not all there.")
    return frontier.root()


def inclusion_path(leaves: Callable[[int, int], Iterable[bytes]], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 2.1.3.1: the audit path of leaf ``index``, bottom up.

    Reads each other leaf once (the sibling subtrees partition them) and not the leaf itself."""
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
    return [subtree_root(leaves, sibling_start, sibling_end) for sibling_start, sibling_end in reversed(siblings)]
