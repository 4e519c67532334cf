"""HTTP routes: tablets signed out and in, damage, photos left on devices, custody reports.

Signing out and in happen at an office computer (its `X-Device-Token`), by the member
of staff logged in there, naming the tablet in the path (see `domain.commands.custody`).
Signing in answers `200 {"photos_on_device": [...], "photos_to_delete": [...]}`: the
photos uploaded from the tablet that are still on it, each with who must delete it (who
took it), so that they can be deleted before it goes on the dock. The tablet is still
accepted back: it must go in the cabinet.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.paging import cursors
from domain.actor import Actor
from domain.aggregates.device import DAMAGE_KINDS
from domain.errors import Invalid
from domain.opening_hours import DEFAULT_TIMEZONE
from projections import custody_reports as reports


class SignIn(msgspec.Struct, forbid_unknown_fields=True):
    on_charger: bool = True


class DamageReport(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal[DAMAGE_KINDS]  # type: ignore[valid-type]
    description: str
    deliberate: bool
    occurred_at: datetime | None = None


def _custody_changed(services: Services, position: int) -> None:
    """Wait for the views, then move the security stamp: from this response on, every
    process sees the device's new holder or status (see `Credentials.security_changed`)."""
    services.projections.wait_for(position)
    services.credentials.security_changed()


@post("/devices/{device_id:uuid}/sign-out", opt={"permission": "device.sign_out"},
      sync_to_thread=True, status_code=204)
def sign_out(device_id: UUID, actor: Actor, services: Services) -> None:
    """Sign a tablet out to the member of staff logged in at the office computer."""
    position = services.app.sign_out_device(device_id, actor, services.clock())
    _custody_changed(services, position)


@post("/devices/{device_id:uuid}/sign-in", opt={"permission": "device.sign_in"},
      sync_to_thread=True, status_code=200)
def sign_in(device_id: UUID, actor: Actor, services: Services,
            data: SignIn | None = None) -> replies.SignedIn:
    """Sign a tablet back in (its holder or a manager); lists the photos still on it."""
    on_charger = True if data is None else data.on_charger
    photos, position = services.app.sign_in_device(device_id, on_charger, actor,
                                                   services.clock())
    _custody_changed(services, position)
    return replies.SignedIn(device_id, on_charger, [str(p["media_id"]) for p in photos], [
        replies.PhotoToDelete(str(p["media_id"]), p["taken_at"].isoformat(),
                              str(p["taken_by"]) if p["taken_by"] else None)
        for p in photos])


@post("/devices/{device_id:uuid}/damage", opt={"permission": "device.damage"},
      sync_to_thread=True, status_code=201)
def report_damage(device_id: UUID, data: DamageReport, actor: Actor,
                  services: Services) -> replies.DamageReported:
    """Report damage; the holder at that moment (nobody in the office) is responsible."""
    report_id, responsible, position = services.app.report_device_damage(
        device_id, data.kind, data.description, data.deliberate, actor, services.clock(),
        occurred_at=data.occurred_at,
    )
    _custody_changed(services, position)
    return replies.DamageReported(report_id, responsible)


@post("/devices/{device_id:uuid}/photos/{media_id:uuid}/deleted",
      opt={"permission": "device.photo_deleted"}, sync_to_thread=True, status_code=204)
def photo_deleted(device_id: UUID, media_id: UUID, actor: Actor, services: Services) -> None:
    """Record that a photo uploaded from a tablet has been deleted from it."""
    position = services.app.record_photo_deleted(device_id, media_id, actor, services.clock())
    services.projections.wait_for(position)


@post("/devices/{device_id:uuid}/retire", opt={"permission": "device.retire"},
      sync_to_thread=True, status_code=204)
def retire(device_id: UUID, actor: Actor, services: Services) -> None:
    """Take a device out of use for good (manager); its token stops working at once."""
    position = services.app.retire_device(device_id, actor, services.clock())
    _custody_changed(services, position)


def _filters(request: Request) -> tuple[date | None, UUID | None]:
    params = request.query_params
    day = account = None
    if params.get("date"):
        try:
            day = date.fromisoformat(params["date"])
        except ValueError:
            raise Invalid("The query parameter 'date' must be a date like 2026-11-25.",
                          "date") from None
    if params.get("account_id"):
        try:
            account = UUID(params["account_id"])
        except ValueError:
            raise Invalid("The query parameter 'account_id' must be an account id (a UUID).",
                          "account_id") from None
    return day, account


def _wants_csv(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt:
        if fmt not in ("csv", "json"):
            raise Invalid("The query parameter 'format' must be 'csv' or 'json'.", "format")
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _page(request: Request, services: Services, list_name: str,
          items: list[dict[str, Any]]) -> dict:
    params = request.query_params
    try:
        limit = int(params["limit"]) if params.get("limit") else None
    except ValueError:
        limit = 0
    return cursors(services).offset_page(list_name, items, limit, params.get("cursor"))


def _timezone(services: Services, actor: Actor) -> str:
    return services.lookups.setting_timezone(actor.setting_id) or DEFAULT_TIMEZONE


def _csv(name: str, body: str) -> Response:
    return Response(body, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


@get("/reports/custody", opt={"permission": "report.custody"}, sync_to_thread=True)
def custody_report(request: Request, actor: Actor, services: Services
                   ) -> replies.CustodyReport:
    """Every device: holder and since when, overdue, photos still on it (?date, ?account_id)."""
    day, account = _filters(request)
    items = reports.custody_report(services.db, actor.setting_id, services.clock(), day,
                                   account)
    if _wants_csv(request):
        return _csv("custody", reports.to_csv(items, reports.CUSTODY_COLUMNS,
                                                  _timezone(services, actor)))
    return _page(request, services, "custody", items)


@get("/reports/damage", opt={"permission": "report.damage"}, sync_to_thread=True)
def damage_report(request: Request, actor: Actor, services: Services) -> replies.DamageList:
    """Every damage report with the responsible person (?date, ?account_id)."""
    day, account = _filters(request)
    items = reports.damage_report(services.db, actor.setting_id, day, account)
    if _wants_csv(request):
        return _csv("damage", reports.to_csv(items, reports.DAMAGE_COLUMNS,
                                                  _timezone(services, actor)))
    return _page(request, services, "damage", items)


ROUTES: list[Any] = [sign_out, sign_in, report_damage, photo_deleted, retire, custody_report,
                     damage_report]
