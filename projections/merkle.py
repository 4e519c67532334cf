"""The Merkle tree of the event log, as certificate transparency builds it (RFC 6962 /
RFC 9162, section 2.1): pure hashing, no storage.

A leaf is one stored event: its position in the log (notification id), aggregate id,
version, topic, time and the SHA-256 of its stored (sealed) bytes, so a proof reveals
nothing of what the event says and survives crypto-shredding. Leaf hashes are
`SHA-256(0x00 || leaf)`, inner nodes `SHA-256(0x01 || left || right)`.

Nodes are addressed `(level, index)`: the perfect subtree of `2**level` leaves starting
at leaf `index * 2**level`. Every subtree RFC 6962 splits a tree into is either such a
node or the rightmost, partial one, so `root`, `inclusion_proof` and `consistency_proof`
need only a function giving the hash of a stored perfect node.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

Node = Callable[[int, int], bytes]  # (level, index) -> hash of a perfect subtree

_TIME = re.compile(rb'^\{"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]{1,64})"')


def event_time(state: bytes) -> str:
    """The time recorded in a stored event's bytes ('' if it has none where expected)."""
    found = _TIME.match(state)
    return found.group(1).decode() if found else ""


def leaf_data(position: int, aggregate_id: str, version: int, topic: str, time: str,
              state: bytes) -> bytes:
    """The bytes a leaf stands for: the event's place and kind, and the hash of its bytes."""
    return (f"{position}\n{aggregate_id}\n{version}\n{topic}\n{time}\n".encode()
            + hashlib.sha256(state).digest())


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(position: int, aggregate_id: str, version: int, topic: str,
               state: bytes, _sha256: Callable = hashlib.sha256, _match: Callable = _TIME.match
               ) -> bytes:
    """The leaf hash of a stored event: `leaf_hash(leaf_data(...))` in one call (a
    verification computes millions)."""
    found = _match(state)
    time = found.group(1).decode() if found else ""
    return _sha256(b"\x00" + f"{position}\n{aggregate_id}\n{version}\n{topic}\n{time}\n"
                   .encode() + _sha256(state).digest()).digest()


def leaf_of_digest(position: int, aggregate_id: str, version: int, topic: str, head: bytes,
                   digest: bytes, _sha256: Callable = hashlib.sha256,
                   _match: Callable = _TIME.match) -> bytes:
    """`event_leaf` from the SHA-256 of the stored bytes and their first bytes (`head`,
    where the time is), for a verifier whose database hashes the events itself."""
    found = _match(head)
    time = found.group(1).decode() if found else ""
    return _sha256(b"\x00" + f"{position}\n{aggregate_id}\n{version}\n{topic}\n{time}\n"
                   .encode() + digest).digest()


HEAD_BYTES = 128  # the time is in the first bytes of a stored event


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree(node: Node, start: int, end: int) -> bytes:
    """The hash of leaves [start, end) as RFC 6962 defines it."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        return node(size.bit_length() - 1, start // size)
    k = _split(size)
    return node_hash(subtree(node, start, start + k), subtree(node, start + k, end))


def root(node: Node, size: int) -> bytes:
    """The root of the tree of the first `size` leaves."""
    return EMPTY_ROOT if size == 0 else subtree(node, 0, size)


def inclusion_proof(node: Node, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]): the sibling hashes from the leaf up."""
    path: list[bytes] = []

    def walk(m: int, start: int, end: int) -> None:
        n = end - start
        if n <= 1:
            return
        k = _split(n)
        if m < k:
            walk(m, start, start + k)
            path.append(subtree(node, start + k, end))
        else:
            walk(m - k, start + k, end)
            path.append(subtree(node, start, start + k))

    walk(index, 0, size)
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 2.1.3.2: whether `path` proves leaf `index` in the tree of `size`."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def consistency_proof(node: Node, old: int, new: int) -> list[bytes]:
    """RFC 6962 PROOF(old, D[0:new]): that the first `old` leaves are unchanged."""
    proof: list[bytes] = []

    def sub(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree(node, start, end))
            return
        k = _split(n)
        if m <= k:
            sub(m, start, start + k, whole)
            proof.append(subtree(node, start + k, end))
        else:
            sub(m - k, start + k, end, False)
            proof.append(subtree(node, start, start + k))

    if 0 < old < new:
        sub(old, 0, new, True)
    return proof


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2: whether `proof` shows the tree of `old` leaves is a prefix of
    the tree of `new` leaves."""
    if old == new:
        return old_root == new_root and not proof
    if old == 0 or old > new or not proof:
        return old == 0 and not proof
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class Frontier:
    """A tree built leaf by leaf in memory: the perfect subtrees along its right edge
    (at most log2(n) hashes), enough to give the root at any size."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), largest first

    def add(self, leaf: bytes) -> None:
        level, value = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            value = node_hash(self._stack.pop()[1], value)
            level += 1
        self._stack.append((level, value))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        value = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value
