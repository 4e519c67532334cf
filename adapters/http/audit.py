"""HTTP routes: the safeguarding lead's audit trail (managers of the setting too).

`GET /audit/events` pages through every stored event of the setting, newest first
(`Accept: text/csv` or `?format=csv` for a referral); `GET /audit/access` every read
of a child's data; `GET /audit/logins` every login of the setting's accounts;
`GET /audit/verify` whether the log still matches its Merkle tree (`adapters.audit`).
Each of these reads is itself written to the access log.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, Response, get
from litestar.params import QueryParameter

from adapters.audit import verify
from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.paging import cursors, page_limit
from adapters.replay import replay
from domain.actor import Actor
from domain.errors import Invalid, NotFound
from projections.audit import EVENT_COLUMNS, audit_events, setting_event_count
from projections.custody_reports import to_csv
from projections.identity import accounts_of_setting

# Times are taken as text and read here: the framework would also take a number as
# seconds since 1970, which no one here means.
From = Annotated[str | None, QueryParameter(
    name="from", description="An ISO time, like 2026-03-03T09:00:00Z (without a zone: UTC).")]
To = Annotated[str | None, QueryParameter(
    name="to", description="An ISO time, like 2026-03-03T17:00:00Z (without a zone: UTC).")]
Limit = Annotated[int | None, QueryParameter()]


def _utc(text: str | None, name: str) -> dt.datetime | None:
    """An ISO time as UTC (one without a zone is taken as UTC); 400 naming the parameter
    if it is not one, or falls outside the years a date can have once in UTC."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
        return (moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None
                else moment.astimezone(dt.UTC))
    except (OverflowError, ValueError):
        raise Invalid(f"The query parameter '{name}' must be an ISO time, like "
                      "2026-03-03T12:00:00Z.", name) from None


def _period(start: str | None, end: str | None
            ) -> tuple[dt.datetime | None, dt.datetime | None]:
    start, end = _utc(start, "from"), _utc(end, "to")
    if start is not None and end is not None and start > end:
        raise Invalid("The query parameter 'from' must not be after 'to'.", "from")
    return start, end


def _audited(request: Request, services: Services, actor: Actor,
             child_id: UUID | None = None) -> None:
    """Reading the audit trail is itself audited."""
    request.app.state.access_log.record(str(child_id) if child_id else "", actor,
                                        request.url.path, services.clock())


def _wants_csv(request: Request, format: str | None) -> bool:  # noqa: A002 - its name
    return format == "csv" or (format is None
                               and "text/csv" in request.headers.get("accept", ""))


@get("/audit/events", opt={"permission": "audit.read"}, sync_to_thread=True,
     operation_class=replies.answers_also_as("text/csv"),
     summary="Every event of the setting, newest first",
     description="One row per stored event: its position in the log, time, what happened "
     "in words, the children it concerns, the acting account with its roles, the device. "
     "Filters combine: `child_id`, `actor_id`, `from` and `to` (ISO times; without a zone, "
     "UTC). Paged with `limit` and `cursor`. `Accept: text/csv` or `?format=csv` gives the "
     "same rows as CSV (one page, up to `limit` rows). Never a personal field: ids and "
     "words, so the rows stay after a child is erased.")
def events(request: Request, actor: Actor, services: Services,
           child_id: UUID | None = None, actor_id: UUID | None = None,
           start: From = None, end: To = None, cursor: str | None = None,
           limit: Limit = None,
           format: Literal["json", "csv"] | None = None,  # noqa: A002 - its name
           ) -> replies.AuditEvents:
    size = page_limit(limit)
    start, end = _period(start, end)
    after = cursors(services).decode("audit.events", cursor, 1)
    before = after[0] if after else None
    if before is not None and not isinstance(before, int):
        raise Invalid("The query parameter 'cursor' is not one this service gave.", "cursor")
    rows = audit_events(services.db, actor.setting_id,
                        child_id=str(child_id) if child_id else None,
                        actor_id=str(actor_id) if actor_id else None,
                        start=start, end=end, before=before, limit=size + 1)
    _audited(request, services, actor, child_id)
    more = len(rows) > size
    rows = rows[:size]
    if _wants_csv(request, format):
        flat = [{**r, "children": " ".join(r["children"]), "roles": " ".join(r["roles"])}
                for r in rows]
        return Response(to_csv(flat, EVENT_COLUMNS), media_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="audit-events.csv"'})
    return replies.AuditEvents(
        [replies.AuditEvent(**r) for r in rows],
        cursors(services).encode("audit.events", rows[-1]["position"]) if more else None)


def _page_after(services: Services, name: str, cursor: str | None) -> tuple[str | None, int]:
    """(time, rows at that time already shown) a cursor of a time-ordered list stands for."""
    after = cursors(services).decode(name, cursor, 2)
    if after is None:
        return None, 0
    at, skip = after
    if not isinstance(at, str) or not isinstance(skip, int) or skip < 0:
        raise Invalid("The query parameter 'cursor' is not one this service gave.", "cursor")
    return at, skip


def _next(services: Services, name: str, rows: list[dict], size: int,
          before: str | None, skip: int) -> str | None:
    """The cursor after this page: the last time shown, and how many rows at it."""
    if len(rows) <= size:
        return None
    last = rows[size - 1]["at"]
    shown = sum(1 for r in rows[:size] if r["at"] == last)
    if last == before:
        shown += skip
    return cursors(services).encode(name, last, shown)


@get("/audit/access", opt={"permission": "audit.read"}, sync_to_thread=True,
     summary="Every read of a child's data, newest first",
     description="Who read what: the account, its roles, the device, the route and when, "
     "for every read of a child's data (and of this trail: `child_id` null for a read of "
     "the setting's lists). `child_id` narrows it to one child; `from` and `to` (ISO "
     "times) to a period. Paged with `limit` and `cursor`. Reads reach this list within "
     "a second (they are written in batches).")
def access(request: Request, actor: Actor, services: Services,
           child_id: UUID | None = None, start: From = None, end: To = None,
           cursor: str | None = None, limit: Limit = None) -> replies.AccessTrail:
    size = page_limit(limit)
    start, end = _period(start, end)
    before, skip = _page_after(services, "audit.access", cursor)
    rows = services.access_log.reads(actor.setting_id, str(child_id) if child_id else None,
                                     start, end, before, skip, size + 1)
    _audited(request, services, actor, child_id)
    return replies.AccessTrail([replies.AccessRecord(**r) for r in rows[:size]],
                               _next(services, "audit.access", rows, size, before, skip))


@get("/audit/logins", opt={"permission": "audit.read"}, sync_to_thread=True,
     summary="Every login of the setting's accounts, failed or not",
     description="Each login of an account of this setting: when, from which address, "
     "and the outcome (`ok`, `failed` for a wrong password, `disabled`, `locked` while "
     "too many failures hold the login back), newest first. `from` and `to` (ISO times) "
     "narrow it to a period. Paged with `limit` and `cursor`.")
def logins(request: Request, actor: Actor, services: Services,
           start: From = None, end: To = None, cursor: str | None = None,
           limit: Limit = None) -> replies.LoginTrail:
    size = page_limit(limit)
    start, end = _period(start, end)
    before, skip = _page_after(services, "audit.logins", cursor)
    accounts = [a["account_id"] for a in accounts_of_setting(services.db, actor.setting_id)]
    rows = services.access_log.logins([str(a) for a in accounts], start, end, before, skip,
                                      size + 1)
    _audited(request, services, actor)
    return replies.LoginTrail([replies.LoginRecord(**r) for r in rows[:size]],
                              _next(services, "audit.logins", rows, size, before, skip))


@get("/audit/verify", opt={"permission": "audit.verify"}, sync_to_thread=True,
     summary="Whether the event log was altered",
     description="Recomputes every event's Merkle leaf from its stored bytes and the root "
     "at the size of every signed tree head; `ok` is false if an event was changed, "
     "deleted or inserted, or the log was truncated, with `first_bad_position` the first "
     "event that does not match and `problems` in words. `events_checked` counts this "
     "setting's events (the whole log, shared with other settings, is proved; its size "
     "is told only by `journey audit verify`). Takes a while on a large log.")
def verify_log(request: Request, actor: Actor, services: Services) -> replies.AuditVerdict:
    verdict = verify(services)
    _audited(request, services, actor)
    # The log is the deployment's, shared by every setting: a setting is told how many
    # of its own events were proved, not how large the whole log is (which would show
    # other nurseries' activity).
    return replies.AuditVerdict(**{
        **verdict.as_json(), "tree_size": None,
        "events_checked": setting_event_count(services.db, actor.setting_id)})


@get("/audit/children/{child_id:uuid}/replay", opt={"permission": "audit.read"},
     sync_to_thread=True, summary="A child's record as it stood at a past moment",
     description="Rebuilt from the event log alone (not from the read models): every "
     "observation with its revisions, text, status and comments as they were at `at`, "
     "what the parents saw, the diary days up to then, consent and agreements, and the "
     "linked parents. `at` is an ISO time (without a zone, UTC); a time before the child "
     "was enrolled is `404`, a time in the future `400`. Sealed fields of an erased child "
     "read as erased.")
def replay_child(child_id: UUID, actor: Actor, services: Services,
                 at: Annotated[str | None, QueryParameter(
                     description="An ISO time, like 2026-03-03T12:00:00Z (without a "
                     "zone: UTC).")] = None) -> replies.Replay:
    moment = _utc(at, "at")
    if moment is None:
        raise Invalid("The query parameter 'at' is required: an ISO time, like "
                      "2026-03-03T12:00:00Z.", "at")
    if moment > services.clock():
        raise Invalid("The query parameter 'at' must not be in the future.", "at")
    record = replay(services, child_id, moment)
    if record is None:
        raise NotFound("The child was not enrolled yet at that time.")
    return replies.Replay(**record)


ROUTES: list[Any] = [events, access, logins, verify_log, replay_child]
