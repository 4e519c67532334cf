"""HTTP routes: a child leaves, a child is erased, records kept under legal retention."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from uuid import UUID, uuid4

import msgspec
from litestar import get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from adapters.bootstrap import Services
from adapters.erasure import erase_child
from adapters.portfolio import Portfolio, file_chunks, pdf_file, zip_stream
from adapters.storage.jobs import CANCELLED
from adapters.termination import run_due_terminations
from domain.actor import Actor
from domain.aggregates.child_journey import LEAVER_ACCESS_DAYS
from domain.errors import NotFound
from projections.lifecycle import retained_records, termination_of


class Leaving(msgspec.Struct, forbid_unknown_fields=True):
    """The leaving date; parents keep reading the journey `parent_access_days` after it."""

    date: dt.date
    parent_access_days: int = LEAVER_ACCESS_DAYS


class Termination(msgspec.Struct, forbid_unknown_fields=True):
    """`archive` (kept `archive_days`, then deleted) or `delete` (at once)."""

    mode: str
    archive_days: int | None = None


class Erasure(msgspec.Struct, forbid_unknown_fields=True):
    """The child's full name, exactly as enrolled, to confirm."""

    confirm: str


@post("/children/{child_id:uuid}/leave", opt={"permission": "child.leave"},
      sync_to_thread=True, status_code=204, summary="Record the day a child leaves",
      description="From that date nothing new is recorded about the child (`409`), the "
      "child drops off the room boards, and parents read the journey for "
      "`parent_access_days` (default 90).")
def leave(child_id: UUID, data: Leaving, actor: Actor, services: Services) -> None:
    """A manager records the day a child leaves: from then on nothing new is recorded,
    the child drops off the room boards, and parents read the journey for a while."""
    position = services.app.leave_child(child_id, data.date, actor, services.clock(),
                                        data.parent_access_days)
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/erase", opt={"permission": "child.erase"},
      sync_to_thread=True, status_code=204, summary="Erase a child for good",
      description="`confirm` is the child's full name (`409` and nothing erased if it does "
      "not match). The journey key is shredded, the views, media and caches forget the "
      "child; accident, incident and medication records stay under legal retention.")
def erase(child_id: UUID, data: Erasure, actor: Actor, services: Services) -> None:
    """A manager erases a child for good, confirming with the child's full name (`409`
    and nothing erased if it does not match). Accident, incident and medication
    records stay under legal retention."""
    erase_child(services, child_id, data.confirm, actor)


class RetainedRecord(msgspec.Struct):
    child_id: str
    record: str
    record_id: str
    date: str
    kind: str
    entry: dict[str, Any]
    recorded_by: str
    recorded_at: str
    retained_until: str
    notice: str


class RetainedList(msgspec.Struct):
    items: list[RetainedRecord]


class TerminationStarted(msgspec.Struct):
    job_id: str
    delete_after: str


class Job(msgspec.Struct):
    job_id: str
    setting_id: str
    kind: str
    status: str
    step: str | None
    done: int
    total: int
    created_at: str
    updated_at: str


@get("/reports/retained", opt={"permission": "report.retained"}, sync_to_thread=True,
     summary="Records kept under legal retention",
     description="Managers and safeguarding leads: the accident, incident and medication "
     "records of erased children, each marked 'kept under legal retention until <date>'.")
def retained(actor: Actor, services: Services) -> RetainedList:
    """Managers and safeguarding leads: the accident, incident and medication records of
    erased children, each "kept under legal retention until <date>"."""
    return msgspec.convert({"items": retained_records(services.db, actor.setting_id)},
                           RetainedList)


@get("/children/{child_id:uuid}/portfolio.pdf", opt={"permission": "child.portfolio"},
     sync_to_thread=True, summary="The child's portfolio as a PDF",
     description="Approved observations in date order with scaled photos, areas, next "
     "steps, comments, and the assessments; streamed.",
     responses={200: ResponseSpec(data_container=bytes, media_type="application/pdf",
                                  description="The PDF.", generate_examples=False)})
def portfolio_pdf(child_id: UUID, actor: Actor, services: Services) -> Stream:
    """The printable journal for the family to keep: approved observations in date
    order with their photos (scaled), areas, next steps, comments, and assessments."""
    path = pdf_file(Portfolio(services, child_id))
    return Stream(file_chunks(path), media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="learning-journey.pdf"'})


@get("/children/{child_id:uuid}/portfolio.zip", opt={"permission": "child.portfolio"},
     sync_to_thread=True, summary="The child's portfolio as a zip",
     description="The original photos and videos with readable names, index.html and "
     "journey.json; written while it is sent.",
     responses={200: ResponseSpec(data_container=bytes, media_type="application/zip",
                                  description="The zip.", generate_examples=False)})
def portfolio_zip(child_id: UUID, actor: Actor, services: Services) -> Stream:
    """The original photos and videos with readable names, `index.html` (opens offline)
    and `journey.json`; written while it is sent."""
    return Stream(zip_stream(Portfolio(services, child_id)), media_type="application/zip",
                  headers={"Content-Disposition":
                           'attachment; filename="learning-journey.zip"'})


@post("/setting/terminate", opt={"permission": "setting.terminate"}, sync_to_thread=True,
      status_code=202, summary="Terminate the setting's account",
      description="Every account is locked out at once; `archive` keeps the data "
      "`archive_days` (a manager may cancel meanwhile), `delete` deletes it now.")
def terminate(data: Termination, actor: Actor, services: Services) -> TerminationStarted:
    """A manager terminates the setting's account: every account is locked out at once;
    `archive` keeps the data `archive_days` (a manager may cancel meanwhile), `delete`
    deletes it now. The deletion is a job whose progress `GET /jobs/{id}` reads."""
    job_id = uuid4()
    now = services.clock()
    assert services.jobs is not None
    delete_after, position = services.app.request_termination(
        data.mode, data.archive_days, job_id, actor, now)
    services.jobs.create(job_id, actor.setting_id, f"termination ({data.mode})", now)
    services.projections.wait_for(position)
    if delete_after <= now:
        threading.Thread(target=run_due_terminations, args=(services,),
                         name="journey-termination-now", daemon=True).start()
    return TerminationStarted(str(job_id), delete_after.isoformat())


@post("/setting/terminate/cancel", opt={"permission": "setting.terminate"},
      sync_to_thread=True, status_code=204, summary="Cancel an archived termination",
      description="Before the deletion starts; the accounts work again.")
def cancel_termination(actor: Actor, services: Services) -> None:
    """A manager cancels an archive before its deletion starts; accounts work again."""
    under_way = termination_of(services.db, actor.setting_id)
    position = services.app.cancel_termination(actor, services.clock())
    services.projections.wait_for(position)
    if under_way is not None and services.jobs is not None:
        services.jobs.update(under_way["job_id"], services.clock(), CANCELLED, "cancelled")


@get("/jobs/{job_id:uuid}", opt={"permission": "job.read"}, sync_to_thread=True,
     summary="The progress of a long job",
     description="Status, step, done and total of a job of the actor's setting.")
def job(job_id: UUID, actor: Actor, services: Services) -> Job:
    """The progress of a long job of the actor's setting (`404` for any other)."""
    found = services.jobs.get(job_id) if services.jobs else None
    if found is None or found["setting_id"] != str(actor.setting_id):
        raise NotFound("No such job.")
    return msgspec.convert(found, Job)


ROUTES: list[Any] = [leave, erase, retained, portfolio_pdf, portfolio_zip, terminate,
                     cancel_termination, job]
