"""HTTP routes: the daily diary (entries, corrections, retractions, messages, medication
permissions, end of session, incident acknowledgement), the room board and the diary
reports (late entries, unacknowledged incidents)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from litestar import get, patch, post
from litestar.params import QueryParameter

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.paging import cursors, page_limit
from domain.actor import Actor
from domain.diary_entries import AMOUNTS, KINDS, MEALS, STATES, Entry, Time
from domain.errors import NotFound
from projections import diary as views
from projections.journey import is_room, room_children

DAY = "/children/{child_id:uuid}/diary/{date:str}"

WireTime = Annotated[str, msgspec.Meta(
    min_length=4, max_length=40, examples=["12:05", "2026-03-04T12:05:00+00:00"],
    description="A time of day on the diary's date in the setting's local time (HH:MM or "
                "HH:MM:SS), or a full RFC 3339 time with an offset.")]


def _on_the_wire(kind: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """An entry kind as a request body: the same fields, with its times as text, which
    the domain reads on the diary's date (`domain.diary_entries.on_the_day`)."""
    wire = {Time: WireTime, Time | None: WireTime | None}
    fields = []
    for f in msgspec.structs.fields(kind):
        default = (f.default if f.default is not msgspec.NODEFAULT
                   else msgspec.field(default_factory=f.default_factory)
                   if f.default_factory is not msgspec.NODEFAULT else msgspec.NODEFAULT)
        typ = wire.get(f.type, f.type)
        fields.append((f.name, typ) if default is msgspec.NODEFAULT else (f.name, typ, default))
    config = kind.__struct_config__
    return msgspec.defstruct(kind.__name__, fields, tag=config.tag,
                             tag_field=config.tag_field, forbid_unknown_fields=True)


EntryBody = Union[tuple(_on_the_wire(kind) for kind in get_args(Entry))]  # noqa: UP007


class Message(msgspec.Struct, forbid_unknown_fields=True):
    text: str


class Retraction(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


class Correction(msgspec.Struct, forbid_unknown_fields=True):
    """A correction: the version it starts from (`base_version`, or `base_revision` as
    for observations) and the fields of the entry's kind that change."""

    base_version: int | Unset = UNSET
    base_revision: int | Unset = UNSET
    kind: Literal[KINDS] | Unset = UNSET  # type: ignore[valid-type]
    at: WireTime | Unset = UNSET
    meal: Literal[MEALS] | Unset = UNSET  # type: ignore[valid-type]
    food: str | Unset = UNSET
    amount: Literal[AMOUNTS] | Unset = UNSET  # type: ignore[valid-type]
    drink: str | Unset = UNSET
    ml: int | Unset = UNSET
    start: WireTime | Unset = UNSET
    end: WireTime | None | Unset = UNSET
    state: Literal[STATES] | Unset = UNSET  # type: ignore[valid-type]
    cream: bool | Unset = UNSET
    medicine: str | Unset = UNSET
    dose: str | Unset = UNSET
    given_by: UUID | Unset = UNSET
    witnessed_by: UUID | Unset = UNSET
    permission_id: UUID | Unset = UNSET
    what: str | Unset = UNSET
    injury: str | Unset = UNSET
    first_aid: str | Unset = UNSET
    by: UUID | Unset = UNSET
    text: str | Unset = UNSET
    media: list[UUID] | Unset = UNSET


class Permission(msgspec.Struct, forbid_unknown_fields=True):
    medicine: str
    dose: str
    valid_from: dt.date = msgspec.field(name="from")
    valid_until: dt.date = msgspec.field(name="until")


# ---- reading helpers ---------------------------------------------------------------


def _visible_child(services: Services, actor: Actor, child_id: UUID) -> tuple[str, str]:
    """The child's setting id and the setting's timezone. Whether the actor may see the
    child was decided once, by the guard (`adapters.http.auth.provide_actor`)."""
    setting_id = services.lookups.child_setting(child_id)
    if setting_id is None:
        raise NotFound()
    return str(setting_id), _timezone(services, setting_id)


def _timezone(services: Services, setting_id: UUID | str) -> str:
    timezone = services.lookups.setting_timezone(setting_id)
    if timezone is None:
        raise NotFound()
    return timezone


def _today(services: Services, setting_id: UUID) -> dt.date:
    return services.clock().astimezone(ZoneInfo(_timezone(services, setting_id))).date()


# ---- commands ------------------------------------------------------------------------


@post(f"{DAY}/entries", opt={"permission": "diary.record"}, sync_to_thread=True,
      status_code=201)
def record_entry(child_id: UUID, date: dt.date, data: EntryBody, actor: Actor,
                 services: Services) -> replies.EntryRecorded:
    """Staff record an entry of the child's day; late if after the end of the session."""
    setting_id, timezone = _visible_child(services, actor, child_id)
    result = services.app.record_diary_entry(
        child_id, UUID(setting_id), date, msgspec.to_builtins(data), timezone, actor,
        services.clock(),
    )
    services.projections.wait_for(result.position)
    return replies.EntryRecorded(result.entry_id, result.late, list(result.warnings))


@patch(f"{DAY}/entries/{{entry_id:uuid}}", opt={"permission": "diary.correct"},
       sync_to_thread=True, status_code=200)
def correct_entry(child_id: UUID, date: dt.date, entry_id: UUID, data: Correction,
                  actor: Actor, services: Services) -> replies.EntryCorrected:
    """Staff correct an entry: `base_version` and the fields that change. The earlier
    version stays in the history; `409` if someone changed it since."""
    setting_id, timezone = _visible_child(services, actor, child_id)
    changes = msgspec.to_builtins(data)
    alias = changes.pop("base_revision", None)  # the word API.md uses for observations
    base_version = changes.pop("base_version", alias)
    result = services.app.correct_diary_entry(
        child_id, UUID(setting_id), date, entry_id, base_version, changes,
        timezone, actor, services.clock(),
    )
    services.projections.wait_for(result.position)
    return replies.EntryCorrected(entry_id, result.version)


@post(f"{DAY}/entries/{{entry_id:uuid}}/retract", opt={"permission": "diary.retract"},
      sync_to_thread=True, status_code=204)
def retract_entry(child_id: UUID, date: dt.date, entry_id: UUID, data: Retraction,
                  actor: Actor, services: Services) -> None:
    """A manager retracts an entry, with a reason; it stays in the history."""
    setting_id, _ = _visible_child(services, actor, child_id)
    position = services.app.retract_diary_entry(
        child_id, UUID(setting_id), date, entry_id, data.reason, actor, services.clock()
    )
    services.projections.wait_for(position)


@post(f"{DAY}/messages", opt={"permission": "diary.message"}, sync_to_thread=True,
      status_code=201)
def post_message(child_id: UUID, date: dt.date, data: Message, actor: Actor,
                 services: Services) -> replies.MessagePosted:
    """A parent of the child or staff post a message on the child's day."""
    setting_id, _ = _visible_child(services, actor, child_id)
    message_id, position = services.app.post_diary_message(
        child_id, UUID(setting_id), date, data.text, actor, services.clock()
    )
    services.projections.wait_for(position)
    return replies.MessagePosted(message_id)


@post(f"{DAY}/end-session", opt={"permission": "diary.end_session"}, sync_to_thread=True,
      status_code=204)
def end_session(child_id: UUID, date: dt.date, actor: Actor, services: Services) -> None:
    """Staff end the child's session; later staff entries are flagged late."""
    setting_id, timezone = _visible_child(services, actor, child_id)
    position = services.app.end_diary_session(
        child_id, UUID(setting_id), date, timezone, actor,
        services.clock(),
    )
    services.projections.wait_for(position)


@post(f"{DAY}/incidents/{{entry_id:uuid}}/acknowledge",
      opt={"permission": "incident.acknowledge"}, sync_to_thread=True, status_code=204)
def acknowledge_incident(child_id: UUID, date: dt.date, entry_id: UUID, actor: Actor,
                         services: Services) -> None:
    """A parent of the child acknowledges an incident."""
    setting_id, _ = _visible_child(services, actor, child_id)
    position = services.app.acknowledge_incident(
        child_id, UUID(setting_id), date, entry_id, actor, services.clock()
    )
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/medication-permissions",
      opt={"permission": "medication.permission"}, sync_to_thread=True, status_code=201)
def record_permission(child_id: UUID, data: Permission, actor: Actor,
                      services: Services) -> replies.PermissionRecorded:
    """A parent (or staff, from the signed form) records permission to give a medicine."""
    setting_id, _ = _visible_child(services, actor, child_id)
    result = services.app.record_medication_permission(
        child_id, UUID(setting_id), data.medicine, data.dose, data.valid_from,
        data.valid_until, actor, services.clock(),
    )
    services.projections.wait_for(result.position)
    return replies.PermissionRecorded(result.permission_id)


# ---- reads ---------------------------------------------------------------------------


@get("/children/{child_id:uuid}/medication-permissions", opt={"permission": "diary.read"},
     sync_to_thread=True)
def list_permissions(child_id: UUID, actor: Actor, services: Services,
                     limit: int | None = None, cursor: str | None = None
                     ) -> replies.PermissionList:
    """The child's medication permissions, newest first."""
    _visible_child(services, actor, child_id)
    return cursors(services).offset_page("permissions",
                                         views.medication_permissions(services.db, child_id),
                                         limit, cursor)


@get(DAY, opt={"permission": "diary.read"}, sync_to_thread=True)
def read_day(child_id: UUID, date: dt.date, actor: Actor, services: Services,
             limit: int | None = None, cursor: str | None = None) -> replies.Day:
    """The child's day, entries and messages in time order. Parents see neither retracted
    entries nor corrections' history, and of the messages only staff's and their own.
    A day with nothing recorded (the child did not attend) is empty."""
    setting_id, timezone = _visible_child(services, actor, child_id)
    session, entries, messages = views.read_day(
        services.db, setting_id, str(child_id), date.isoformat()
    )
    staff = actor.is_staff or actor.is_support
    items = views.day_items(entries, messages, staff, str(actor.account_id))
    page = cursors(services).offset_page("day", items, limit, cursor)
    tz, names = ZoneInfo(timezone), services.lookups.names(setting_id)
    page["items"] = [_as_people_read_it(item, names, tz) for item in page["items"]]
    ended_at = session["session_ended_at"] if session else None
    return {
        "child_id": str(child_id),
        "date": date.isoformat(),
        "session_ended": bool(ended_at),
        "session_ended_at": _local(ended_at, tz),
        **page,
    }


PEOPLE = ("recorded_by", "given_by", "witnessed_by", "by", "author_id")
TIMES = ("at", "start", "end", "recorded_at", "first_recorded_at", "acknowledged_at")


def _local(value: str | None, tz: ZoneInfo) -> str | None:
    """An ISO time as the setting's local time with its offset, to the second."""
    if not value:
        return value
    return dt.datetime.fromisoformat(value).astimezone(tz).isoformat(timespec="seconds")


def _as_people_read_it(item: dict, names: dict[str, str], tz: ZoneInfo) -> dict:
    """A day's item with a name beside each account id (`recorded_by_name`...) and its
    times in the setting's local time (issue 20 #3)."""
    shown = dict(item)
    for field in PEOPLE:
        if isinstance(account_id := item.get(field), str):
            shown[f"{field.removesuffix('_id')}_name"] = names.get(account_id)
    for field in TIMES:
        if isinstance(item.get(field), str):
            shown[field] = _local(item[field], tz)
    if isinstance(item.get("acknowledged_by"), list):
        shown["acknowledged_by_names"] = [names.get(p) for p in item["acknowledged_by"]]
    return shown


@get("/rooms/{room:str}/board", opt={"permission": "room.board"}, sync_to_thread=True)
def room_board(room: str, actor: Actor, services: Services,
               date: Annotated[dt.date | None, QueryParameter(name="date")] = None,
               limit: int | None = None, cursor: str | None = None) -> replies.Board:
    """Each child of the room with the day at a glance: asleep now (since when), last meal
    and how much, last nappy, unacknowledged incidents, medication given."""
    if not is_room(services.db, actor.setting_id, room):
        raise NotFound("No such room in this setting; GET /rooms lists them.")
    day = date or _today(services, actor.setting_id)
    size = page_limit(limit)
    after = cursors(services).decode("board", cursor, 2)
    children = room_children(services.db, actor.setting_id, room, day.isoformat(),
                             (after[0], after[1]) if after is not None else None, size + 1)
    more = len(children) > size
    children = children[:size]
    by_child, ended = views.board_days(services.db, actor.setting_id, day.isoformat(),
                                       [c[0] for c in children])
    items = [
        {"child_id": child_id, "name": name, "session_ended_at": ended.get(child_id),
         **views.board_row(by_child[child_id])}
        for child_id, name in children
    ]
    next_cursor = (cursors(services).encode("board", children[-1][1], children[-1][0])
                   if more else None)
    return {"room": room, "date": day.isoformat(), "items": items, "next_cursor": next_cursor}


@get("/reports/late-diary", opt={"permission": "report.late"}, sync_to_thread=True)
def late_diary(actor: Actor, services: Services,
               date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
               date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
               limit: int | None = None, cursor: str | None = None
               ) -> replies.LateDiary:
    """Diary entries recorded after the end of the child's session (or on a later day),
    newest day first, with their count."""
    size = page_limit(limit)
    after = cursors(services).decode("late", cursor, 2)
    count, items = views.late_entries(
        services.db, actor.setting_id, date_from.isoformat() if date_from else None,
        date_to.isoformat() if date_to else None,
        (after[0], after[1]) if after is not None else None, size + 1)
    more = len(items) > size
    items = items[:size]
    return {"count": count, "items": items,
            "next_cursor": cursors(services).encode("late", items[-1]["date"],
                                                    items[-1]["entry_id"])
            if more else None}


@get("/reports/incidents/unacknowledged", opt={"permission": "report.incidents"},
     sync_to_thread=True)
def unacknowledged_incidents(actor: Actor, services: Services,
                             date: Annotated[dt.date | None, QueryParameter(name="date")] = None,
                             limit: int | None = None, cursor: str | None = None
                             ) -> replies.Incidents:
    """Incidents of the day (today by default) that no parent has acknowledged yet."""
    day = date or _today(services, actor.setting_id)
    items = views.unacknowledged_incidents(services.db, actor.setting_id, day.isoformat())
    page = cursors(services).offset_page("incidents", items, limit, cursor)
    return {"date": day.isoformat(), **page}


ROUTES = [
    record_entry,
    correct_entry,
    retract_entry,
    post_message,
    end_session,
    acknowledge_incident,
    record_permission,
    list_permissions,
    read_day,
    room_board,
    late_diary,
    unacknowledged_incidents,
]
