"""HTTP routes: the compliance report a manager prints for an inspection.

`GET /reports/compliance?from=&to=&quiet_weeks=` answers JSON; `Accept: text/csv` (or
`?format=csv`) one CSV row per record behind a figure; `?format=pdf` one printable page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.params import QueryParameter

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.report_pdf import compliance_pdf
from domain.actor import Actor
from domain.errors import Invalid, NotFound
from domain.opening_hours import DEFAULT_TIMEZONE
from projections.compliance import compliance_report
from projections.custody_reports import to_csv
from projections.journey import is_room
from projections.progress import cohort, term_of

FIGURES = ("late_observations", "late_diary_entries", "devices_not_signed_in",
           "photos_left_on_devices", "parents_not_signed", "children_without_observations",
           "unacknowledged_incidents")
CSV_COLUMNS = ("figure", "record_id", "child_id", "room", "account_id", "at")
RECORD_ID = ("observation_id", "entry_id", "device_id", "media_id", "parent_id")
PERSON = ("author_id", "recorded_by", "account_id", "captured_by", "parent_id")
WHEN = ("uploaded_at", "recorded_at", "signed_out_at", "captured_at", "last_observed_on")
LONGEST_PERIOD = dt.timedelta(days=366)


def _period(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date,
                                                                                 dt.date]:
    end = end or today
    start = start or end - dt.timedelta(days=27)
    if start > end:
        raise Invalid("The query parameter 'from' must not be after 'to'.", "from")
    if end - start > LONGEST_PERIOD:
        raise Invalid("The period from 'from' to 'to' must be at most a year.", "from")
    return start, end


def _first(row: dict, keys: tuple[str, ...]) -> Any:
    return next((row[k] for k in keys if row.get(k)), None)


def _csv_rows(report: dict) -> list[dict]:
    rows = [{"figure": "moderation_backlog", "record_id": o}
            for o in report["moderation_backlog"]["observation_ids"]]
    for figure in FIGURES:
        for row in report[figure]:
            rows.append({"figure": figure, "record_id": _first(row, RECORD_ID),
                         "child_id": row.get("child_id"), "room": row.get("room"),
                         "account_id": _first(row, PERSON), "at": _first(row, WHEN)})
    return rows


@get("/reports/compliance", opt={"permission": "report.compliance"}, sync_to_thread=True,
     operation_class=replies.answers_also_as("text/csv", "application/pdf"),
     summary="The compliance report",
     description="For the period (default: the last four weeks): observations uploaded more "
     "than a week after they were made, diary entries recorded after the end of session, "
     "the moderation backlog, tablets not signed in by the end of the day, photos left on "
     "tablets after sign-in, parents who have not signed the current terms, children with "
     "no observation for `quiet_weeks` weeks, unacknowledged incidents; each figure with "
     "the ids behind it, and counted per practitioner and per room. `Accept: text/csv` or "
     "`?format=csv` for CSV, `?format=pdf` for a printable page.")
def compliance(request: Request, actor: Actor, services: Services,
               start: Annotated[dt.date | None, QueryParameter(name="from")] = None,
               end: Annotated[dt.date | None, QueryParameter(name="to")] = None,
               quiet_weeks: Annotated[int, QueryParameter(ge=1, le=52)] = 4,
               format: Literal["json", "csv", "pdf"] | None = None,  # noqa: A002 - its name
               ) -> replies.ComplianceReport:
    now = services.clock()
    start, end = _period(start, end, now.date())
    report = compliance_report(services.db, actor.setting_id, start, end, now, quiet_weeks)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        return Response(to_csv(_csv_rows(report), CSV_COLUMNS,
                               services.lookups.setting_timezone(actor.setting_id)
                               or DEFAULT_TIMEZONE), media_type="text/csv",
                        headers={"Content-Disposition":
                                 'attachment; filename="compliance.csv"'})
    if format == "pdf":
        return Response(compliance_pdf(report), media_type="application/pdf", headers={
            "Content-Disposition": 'attachment; filename="compliance.pdf"'})
    return report


TERM = re.compile(r"\d{4} (spring|summer|autumn)")


@get("/reports/cohort", opt={"permission": "report.cohort"}, sync_to_thread=True,
     summary="A room's children at or above the expected band, per area",
     description="For the room's children who have not left: per area of learning, how "
     "many were assessed in the term and the share whose latest judgement is expected or "
     "exceeding. `term` is like `2026 autumn` (default: the current term).")
def cohort_report(actor: Actor, services: Services, room: str | None = None,
                  term: str | None = None) -> replies.Cohort:
    if not room:
        raise Invalid("The query parameter 'room' is required: GET /rooms lists them.", "room")
    term = term or term_of(services.clock().date())
    if not TERM.fullmatch(term):
        raise Invalid("The query parameter 'term' must be a year and a term, like "
                      "'2026 autumn' (spring, summer or autumn).", "term")
    if not is_room(services.db, actor.setting_id, room):
        raise NotFound("No such room in this setting; GET /rooms lists them.")
    return cohort(services.db, actor.setting_id, room, term)


ROUTES: list[Any] = [compliance, cohort_report]
