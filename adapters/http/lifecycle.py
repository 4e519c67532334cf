"""HTTP routes: a child leaves, a child is erased, records kept under legal retention."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.response import Stream

from adapters.bootstrap import Services
from adapters.erasure import erase_child
from adapters.portfolio import Portfolio, file_chunks, pdf_file, zip_stream
from domain.actor import Actor
from domain.aggregates.child_journey import LEAVER_ACCESS_DAYS
from projections.lifecycle import retained_records


class Leaving(msgspec.Struct, forbid_unknown_fields=True):
    """The leaving date; parents keep reading the journey `parent_access_days` after it."""

    date: dt.date
    parent_access_days: int = LEAVER_ACCESS_DAYS


class Erasure(msgspec.Struct, forbid_unknown_fields=True):
    """The child's full name, exactly as enrolled, to confirm."""

    confirm: str


@post("/children/{child_id:uuid}/leave", opt={"permission": "child.leave"},
      sync_to_thread=True, status_code=204)
def leave(child_id: UUID, data: Leaving, actor: Actor, services: Services) -> None:
    """A manager records the day a child leaves: from then on nothing new is recorded,
    the child drops off the room boards, and parents read the journey for a while."""
    position = services.app.leave_child(child_id, data.date, actor, services.clock(),
                                        data.parent_access_days)
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/erase", opt={"permission": "child.erase"},
      sync_to_thread=True, status_code=204)
def erase(child_id: UUID, data: Erasure, actor: Actor, services: Services) -> None:
    """A manager erases a child for good, confirming with the child's full name (`409`
    and nothing erased if it does not match). Accident, incident and medication
    records stay under legal retention."""
    erase_child(services, child_id, data.confirm, actor)


@get("/reports/retained", opt={"permission": "report.retained"}, sync_to_thread=True)
def retained(actor: Actor, services: Services) -> dict[str, Any]:
    """Managers and safeguarding leads: the accident, incident and medication records of
    erased children, each "kept under legal retention until <date>"."""
    return {"items": retained_records(services.db, actor.setting_id)}


@get("/children/{child_id:uuid}/portfolio.pdf", opt={"permission": "child.portfolio"},
     sync_to_thread=True)
def portfolio_pdf(child_id: UUID, actor: Actor, services: Services) -> Stream:
    """The printable journal for the family to keep: approved observations in date
    order with their photos (scaled), areas, next steps, comments, and assessments."""
    path = pdf_file(Portfolio(services, child_id))
    return Stream(file_chunks(path), media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="learning-journey.pdf"'})


@get("/children/{child_id:uuid}/portfolio.zip", opt={"permission": "child.portfolio"},
     sync_to_thread=True)
def portfolio_zip(child_id: UUID, actor: Actor, services: Services) -> Stream:
    """The original photos and videos with readable names, `index.html` (opens offline)
    and `journey.json`; written while it is sent."""
    return Stream(zip_stream(Portfolio(services, child_id)), media_type="application/zip",
                  headers={"Content-Disposition":
                           'attachment; filename="learning-journey.zip"'})


ROUTES: list[Any] = [leave, erase, retained, portfolio_pdf, portfolio_zip]
