"""Terminating a setting's account: archive for N days then delete, or delete at once.

`POST /setting/terminate` records `Setting.TerminationRequested` (every account is locked
out from then on, support access ends) and creates a job. When the archive period is
over (at once in delete mode) `run_termination` deletes the setting: it records
`DeletionStarted` (no cancelling any more), erases every child as an erasure does
(`adapters.erasure`), deletes every account's credentials and sessions and every media
object of the setting (all versions), records `Deleted` (the views drop the setting's
accounts, devices, terms and media rows), and makes the deletions final on disk. What
stays: the event log (sealed fields unreadable) and the audit trail, and the accident,
incident and medication records under legal retention.

Every step can run again: a job interrupted by a restart is resumed by the next
`run_due_terminations` (every server runs it every minute, and at start-up).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any
from uuid import UUID

from adapters.erasure import erase_child, view_tables
from adapters.storage.forget import forget_child
from adapters.storage.jobs import DONE, RUNNING
from domain.actor import MANAGER, Actor
from domain.errors import Conflict
from domain.personal_data import JOURNEY_KEY
from projections.lifecycle import (
    accounts_of_setting,
    children_of_setting,
    termination_of,
    terminations_due,
)

log = logging.getLogger("journey.termination")
_running = threading.Lock()  # one deletion at a time in this process


def run_due_terminations(services: Any) -> int:
    """Run (or resume) every deletion that is due; how many finished."""
    finished = 0
    with _running:
        for setting_id in terminations_due(services.db, services.clock().isoformat()):
            run_termination(services, setting_id)
            finished += 1
    return finished


def run_termination(services: Any, setting_id: UUID) -> None:
    """Delete the setting (see the module docstring); safe to run again."""
    termination = termination_of(services.db, setting_id)
    if termination is None or termination["deleted"]:
        return
    job_id = termination["job_id"]
    actor = Actor(UUID(termination["requested_by"]), setting_id, (MANAGER,))
    jobs = services.jobs
    with contextlib.suppress(Conflict):
        services.projections.wait_for(
            services.app.start_deletion(setting_id, actor, services.clock()))
    services.ledger.record("setting_deleted", services.clock(), setting_id=setting_id)
    children = children_of_setting(services.db, setting_id)
    for done, child_id in enumerate(children):
        jobs.update(job_id, services.clock(), RUNNING, "children", done, len(children))
        journey = services.app.repository.get(child_id)
        erase_child(services, child_id, journey.name, actor)
    _sweep(services, setting_id, job_id)
    services.projections.wait_for(
        services.app.finish_deletion(setting_id, actor, services.clock()))
    services.db.purge_deleted(view_tables(services) + ["credentials", "sessions"])
    jobs.update(job_id, services.clock(), DONE, "done", len(children), len(children))
    log.info("setting deleted", extra={"setting_id": str(setting_id)})


def _sweep(services: Any, setting_id: UUID, job_id: str) -> None:
    """Accounts, media objects and any journey key left by an interrupted erasure."""
    accounts = accounts_of_setting(services.db, setting_id)
    for done, account_id in enumerate(accounts):
        services.jobs.update(job_id, services.clock(), RUNNING, "accounts", done,
                             len(accounts))
        services.credentials.forget(account_id)
    keys = services.media.keys(f"{setting_id}/")
    for done, key in enumerate(keys):
        services.jobs.update(job_id, services.clock(), RUNNING, "media", done, len(keys))
        services.media.delete(key)
    for child_id in children_of_setting(services.db, setting_id, erased_too=True):
        services.keys.shred(child_id, JOURNEY_KEY)
        forget_child(services, child_id)


def run_terminations_every(services: Any, stop: threading.Event,
                           every: float = 60.0) -> threading.Thread:
    """The leader's loop: due deletions now (resuming any interrupted), then every
    minute."""
    def loop() -> None:
        while not stop.is_set():
            if not services.leads():
                stop.wait(min(every, 1.0))
                continue
            try:
                run_due_terminations(services)
            except Exception:  # logged; tried again next time
                log.exception("termination run failed")
            stop.wait(every)

    thread = threading.Thread(target=loop, name="journey-termination", daemon=True)
    thread.start()
    return thread
