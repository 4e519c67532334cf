"""Every event the domain can record has words in the audit trail, and the Merkle
functions agree with RFC 6962's definitions."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil

from eventsourcing.domain import Aggregate

import domain.aggregates
from projections import merkle
from projections.audit import WORDS


def _event_names() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(domain.aggregates.__path__):
        module = importlib.import_module(f"domain.aggregates.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (not issubclass(cls, Aggregate) or cls.__module__ != module.__name__
                    or cls.__name__ == "NurseryAggregate"):  # the base records nothing
                continue
            events = [a for a in vars(cls).values() if inspect.isclass(a)
                      and issubclass(a, Aggregate.Event) and a.__name__ != "Event"]
            created = [a for a in events if issubclass(a, Aggregate.Created)]
            for attr in events:  # the library's default `Created` is unused beside another
                if not (attr.__name__ == "Created" and len(created) > 1):
                    names.add(attr.__qualname__)
    return names


def test_every_domain_event_has_words() -> None:
    names = _event_names()
    assert {"ChildJourney.JourneyErased", "ChildJourney.RetentionEnded",
            "Setting.TerminationRequested", "Setting.TerminationCancelled",
            "Setting.DeletionStarted", "Setting.Deleted", "Device.PhotoDeleted"} <= names
    assert sorted(names - set(WORDS)) == []
    assert sorted(set(WORDS) - names) == []  # no words for an event that is gone


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 2.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_roots_and_proofs_follow_rfc_6962() -> None:
    data = [f"leaf {i}".encode() for i in range(37)]
    hashes = [merkle.leaf_hash(d) for d in data]

    def node(level: int, index: int) -> bytes:
        size = 1 << level
        return _mth(data[index * size:(index + 1) * size])

    frontier = merkle.Frontier()
    for n in range(len(data) + 1):
        assert merkle.root(node, n) == _mth(data[:n]) == frontier.root()
        for m in range(n):
            path = merkle.inclusion_proof(node, m, n)
            assert merkle.verify_inclusion(hashes[m], m, n, path, _mth(data[:n]))
            assert not merkle.verify_inclusion(hashes[m - 1 if m else 1], m, n, path,
                                               _mth(data[:n])) or n == 1
        for old in range(1, n + 1):
            proof = merkle.consistency_proof(node, old, n)
            assert merkle.verify_consistency(old, n, _mth(data[:old]), _mth(data[:n]), proof)
            if old < n:
                assert not merkle.verify_consistency(old, n, _mth(data[1:old + 1]),
                                                     _mth(data[:n]), proof)
        if n < len(data):
            frontier.add(hashes[n])


def test_a_leaf_from_the_digest_is_the_leaf_from_the_bytes() -> None:
    state = (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-25T10:00:00+00:00"},'
             b'"x":"' + b"y" * 500 + b'"}')
    digest = hashlib.sha256(state).digest()
    assert merkle.event_time(state) == "2026-11-25T10:00:00+00:00"
    assert (merkle.leaf_of_digest(7, "a", 2, "t", state[:merkle.HEAD_BYTES], digest)
            == merkle.event_leaf(7, "a", 2, "t", state)
            == merkle.leaf_hash(merkle.leaf_data(7, "a", 2, "t", merkle.event_time(state),
                                                 state)))
