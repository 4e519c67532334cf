"""The event mapper that seals a child's personal data with that child's key, and an
account's e-mail and display name with that account's key.

Personal fields (see `domain.personal_data`) are replaced in the stored event by
an envelope `{"__sealed__": [child_id, purpose, kind, nonce+ciphertext (b64)]}`,
encrypted with AES-GCM, the child id and purpose as associated data. Reading an
event whose key has been shredded yields `ERASED` for text fields and None for
others: every aggregate still loads.
"""

from __future__ import annotations

import base64
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from adapters.storage.child_keys import ChildKeys
from domain.personal_data import (
    ACCOUNT_FIELDS,
    ACCOUNT_KEY,
    ERASED,
    PERSONAL_FIELDS,
    key_purpose,
)

SEALED = "__sealed__"


class SealingMapper(Mapper):
    """A Mapper that seals personal fields per child before the transcoder sees them."""

    def __init__(self, transcoder: Transcoder, keys: ChildKeys):
        super().__init__(transcoder=transcoder)
        self.keys = keys

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = vars(domain_event)
        plan = self._plan(state, type(domain_event).__name__)
        if not plan:
            return super().to_stored_event(domain_event)
        sealed = dict(state)
        for owner_id, purpose, names in plan:
            aes = self.keys.cipher(owner_id, purpose, create=True)
            aad = f"{owner_id}:{purpose}".encode()
            for name in names:
                value = state[name]
                plain = self.transcoder.encode({"v": value})
                nonce = os.urandom(12)
                blob = base64.b64encode(nonce + aes.encrypt(nonce, plain, aad)).decode()
                kind = "str" if isinstance(value, str) else "other"
                sealed[name] = {SEALED: [str(owner_id), purpose, kind, blob]}
        shadow = object.__new__(type(domain_event))
        object.__setattr__(shadow, "__dict__", sealed)
        return super().to_stored_event(shadow)

    @staticmethod
    def _plan(state: dict, event_name: str) -> list[tuple[Any, str, list[str]]]:
        """(whose key, which purpose, fields) for each group of personal fields."""
        plan = []
        personal = [name for name in PERSONAL_FIELDS if state.get(name) is not None]
        if personal:
            child_id = state.get("child_id") or state["originator_id"]
            entry = state.get("entry")
            entry_kind = entry.get("kind") if isinstance(entry, dict) else state.get("kind")
            plan.append((child_id, key_purpose(event_name, entry_kind), personal))
        adult = [name for name in ACCOUNT_FIELDS if state.get(name) is not None]
        if adult:
            plan.append((state.get("account_id") or state["originator_id"], ACCOUNT_KEY,
                         adult))
        return plan

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        state = vars(domain_event)
        for name, value in list(state.items()):
            if isinstance(value, dict) and SEALED in value:
                state[name] = self._open(value[SEALED])
        return domain_event

    def _open(self, envelope: list) -> Any:
        child_id, purpose, kind, blob = envelope
        aes = self.keys.cipher(UUID(child_id), purpose)
        erased = ERASED if kind == "str" else None
        if aes is None:
            return erased
        raw = base64.b64decode(blob)
        try:
            plain = aes.decrypt(raw[:12], raw[12:], f"{child_id}:{purpose}".encode())
        except InvalidTag:
            return erased
        return self.transcoder.decode(plain)["v"]
