"""Who is asking: the `actor` dependency every non-public route receives.

In order: a live session (401 otherwise); the account not disabled; for staff and
support, an active device of the same setting (`X-Device-Token`; a tablet only while
signed out to them, and not after it was left idle: the session ends) and the
setting's opening hours (`domain.access.within_staff_hours`: returning a tablet late
is allowed for a while after closing); for support, a manager's running grant;
then the role table of `domain.access` for the route's `permission`. Parents get the
children they are linked to. Every read of a child's data is written to the access log.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Request

from adapters.http.errors import Unauthenticated
from domain import access
from domain.actor import Actor
from domain.errors import Forbidden, NotFound
from projections import identity
from projections.consent import signed_children
from projections.devices import DeviceSeen, device_by_token_hash
from projections.lifecycle import left_on as lifecycle_left_on
from projections.lifecycle import parents_access_ended, termination_of

DEVICE_MISSING = (
    "Staff may use the system only from the setting's equipment: send the "
    "X-Device-Token of a registered device of your setting."
)
DEVICE_UNKNOWN = "This device token is not one of your setting's active devices."
TABLET_NOT_HELD = (
    "This tablet is not signed out to you: sign it out from the office computer first."
)
SESSION_REUSE_SECONDS = 1.0

TABLET_IDLE = ("This tablet was left idle, so you were logged out (the policy: log out "
               "when not in use); log in again.")
OUTSIDE_HOURS = "The system is only available to staff during the setting's opening hours."

LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what `new_token` makes


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Gatekeeper:
    """Turns a request's credentials into an Actor, or refuses it."""

    def __init__(self, services: Any, credentials: Any):
        self.services = services
        self.credentials = credentials
        self.db = services.db
        self.lookups = services.lookups
        self._sessions: dict[str, tuple] = {}
        settings = services.settings
        self.after_closing = timedelta(minutes=settings.return_after_closing_minutes)
        self.tablet_idle = timedelta(minutes=settings.tablet_idle_minutes)

    def device(self, token: str) -> DeviceSeen | None:
        from adapters.storage.credentials import token_hash

        return device_by_token_hash(self.db, token_hash(token))

    def _family(self, parent_id: UUID, setting_id: UUID, today: date
                ) -> tuple[frozenset, frozenset]:
        """The parent's linked children (but those who left longer ago than the parents'
        access lasts), and those with a current signed agreement."""
        def load() -> tuple[frozenset, frozenset]:
            children = identity.children_of_parent(self.db, parent_id)
            children -= parents_access_ended(self.db, children, today)
            agreed = frozenset(signed_children(self.db, parent_id, setting_id)) & children
            return children, agreed

        return self.lookups.cached(("family", parent_id, today),
                                   ("identity", "consent", "lifecycle"), load)

    def require_child(self, actor: Actor, child_id: Any, agreement: bool = True) -> None:
        """The child must be visible to the actor (see `domain.access.require_child_visible`)."""
        try:
            child = child_id if isinstance(child_id, UUID) else UUID(str(child_id))
        except ValueError:
            raise NotFound() from None
        access.require_child_visible(actor, self.lookups.child_setting(child), child,
                                     agreement=agreement)

    def forget_child(self, child_id: UUID) -> None:
        """Forget every kept session row (the cache register): each is one query away."""
        self._sessions.clear()

    def require_recording_open(self, actor: Actor, child_id: Any, permission: str,
                               now: datetime) -> None:
        """Nothing new about a child who has left (see `domain.access`)."""
        if permission not in access.RECORDS_ABOUT_CHILD:
            return
        child = UUID(str(child_id))
        left_on = self.lookups.cached(("left_on", child), ("lifecycle",),
                                      lambda: lifecycle_left_on(self.db, child))
        if left_on is not None:
            timezone = self.lookups.setting_timezone(actor.setting_id) or "UTC"
            access.require_recording_open(permission, left_on,
                                          now.astimezone(ZoneInfo(timezone)).date())

    def _session(self, digest: str, security: int | None = None) -> tuple | None:
        """The session's row joined with its account and setting, or None.

        A row is reused for at most `SESSION_REUSE_SECONDS`, and only while nothing has
        moved since it was read: the identity views (roles, disabled accounts, opening
        hours), this process's writes to the sessions table (sliding expiry) and the
        shared security stamp (`security`: a logout or a disabled account in any
        process). A burst of requests from one phone (a journey page, then its photos)
        thus costs one small lookup.
        """
        if security is None:
            security = self.credentials.security_version()
        stamp = (*self.services.projections.versions("identity"),
                 self.credentials.sessions_version, security)
        seen = self._sessions.get(digest)
        if seen is not None and seen[0] == stamp and time.monotonic() < seen[1]:
            return seen[2]
        row = self.credentials.session_row(digest)
        if row is not None:
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            self._sessions[digest] = (stamp, time.monotonic() + SESSION_REUSE_SECONDS, row)
        return row

    def owner(self, token: str) -> tuple[str, str] | None:
        """The (account id, setting id) of a session token, or None: what an
        Idempotency-Key is scoped to."""
        from adapters.storage.credentials import token_hash

        row = self._session(token_hash(token))
        return (str(row[0]), str(row[3])) if row is not None else None

    def identify(self, token: str | None, device_token: str | None, permission: str,
                 now: datetime) -> Actor:
        """The actor for these credentials, allowed this permission now, or an error."""
        if not token:
            raise Unauthenticated(
                "Log in first: send 'Authorization: Bearer <token>' from POST /auth/login."
            )
        from adapters.storage.credentials import IDLE, token_hash

        if not LOGIN_TOKEN.fullmatch(token):
            raise Unauthenticated(
                "This is not a login token: send 'Authorization: Bearer <token>' with the "
                "token POST /auth/login returned.")
        digest = token_hash(token)
        security = self.credentials.security_version()
        row = self._session(digest, security)
        if row is None:
            raise Unauthenticated("Your session has expired or was ended; log in again.")
        account_id, setting_id = UUID(row[0]), UUID(row[3])
        last_seen = datetime.fromisoformat(row[1])
        if now >= datetime.fromisoformat(row[2]) or now - last_seen >= IDLE:
            self.credentials.close_session(token)
            raise Unauthenticated("Your session has expired or was ended; log in again.")
        if row[5]:
            self.credentials.close_all_sessions(account_id)
            raise Unauthenticated("This account is disabled; ask your manager.")
        if (now - last_seen).total_seconds() > 60:
            self.credentials.touch_session(digest, now)
        roles = tuple(json.loads(row[4]))
        actor = Actor(account_id, setting_id, roles)
        granted_until = None
        if access.uses_setting_equipment(actor):
            actor, kind = self._staff_device(actor, device_token, security)
            if kind == "tablet" and now - last_seen >= self.tablet_idle:
                self.credentials.close_session(token)
                raise Unauthenticated(TABLET_IDLE)
            if row[6] is None or not access.within_staff_hours(
                    permission, json.loads(row[6]), row[7], now, self.after_closing):
                raise Forbidden(OUTSIDE_HOURS)
            if actor.is_support:
                granted_until = identity.support_until(self.db, setting_id, account_id)
        else:
            today = now.astimezone(ZoneInfo(row[7] or "UTC")).date()
            children, agreed = self._family(account_id, setting_id, today)
            actor = Actor(account_id, setting_id, roles, None, children, agreed)
        closing = self.lookups.cached(("closing", setting_id), ("lifecycle",),
                                      lambda: termination_of(self.db, setting_id))
        access.require_setting_open(actor, permission, closing is not None)
        access.require(actor, permission, support_granted_until=granted_until, now=now)
        return actor

    def _staff_device(self, actor: Actor, device_token: str | None, security: int
                      ) -> tuple[Actor, str]:
        """The actor on a device of their setting they may use, and the device's kind."""
        if not device_token:
            raise Forbidden(DEVICE_MISSING)
        # Kept while the devices view and the security stamp (custody changes made by
        # any process) stay the same.
        device = self.lookups.cached(("device", device_token, security), ("devices",),
                                     lambda: self.device(device_token))
        if device is None or device.setting_id != actor.setting_id:
            raise Forbidden(DEVICE_UNKNOWN)
        if device.status in ("lost", "stolen"):
            raise Forbidden(f"This device is reported {device.status}; its token no longer works.")
        if device.status != "active":
            raise Forbidden("This device is retired; its token no longer works.")
        if device.kind == "tablet" and device.holder != str(actor.account_id):
            raise Forbidden(TABLET_NOT_HELD)
        return Actor(actor.account_id, actor.setting_id, actor.roles, device.device_id), device.kind


def route_permission(handler: Any) -> str | None:
    """The permission a route handler declares in `opt` (`opt={"permission": ...}`)."""
    opt = handler.opt or {}
    nested = opt.get("opts") if isinstance(opt.get("opts"), dict) else {}
    return opt.get("permission") or nested.get("permission")


def provide_actor(request: Request, services: Any) -> Actor:
    """The `actor` dependency: identify the caller for the route's permission.

    It depends on `services` so that Litestar resolves the two one after the other
    (both are immediate) rather than spawning a task group for them on every request.
    """
    actor = identify_request(request, services, bearer(request),
                             request.headers.get("x-device-token"))
    check_child(request, actor, services)
    if actor.is_support and request.path_params.get("child_id") is None:
        record_read(request, actor, services, "", services.clock())
    return actor


def record_read(request: Request, actor: Actor, services: Any, child_id: str,
                now: datetime) -> None:
    """Put a read in the access log; every read by a support account, with the grant
    that allowed it (issue 23 #9); staff's and parents' reads of a child's data."""
    grant = (identity.support_until(services.db, actor.setting_id, actor.account_id)
             if actor.is_support else None)
    request.app.state.access_log.record(child_id, actor, request.url.path, now, grant)


def identify_request(request: Request, services: Any, token: str | None,
                     device_token: str | None) -> Actor:
    """The actor of these credentials for the route's permission (the JSON API sends them
    as headers, the web pages as cookies)."""
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    permission = route_permission(request.route_handler)
    if permission is None:
        raise RuntimeError(f"route {request.url.path} has no permission in its opts")
    return gatekeeper.identify(token, device_token, permission, services.clock())


def check_child(request: Request, actor: Actor, services: Any) -> None:
    """One check for every route with a `child_id`, before the body is read: another
    setting's or another family's child is 404; an unsigned agreement 403."""
    child_id = request.path_params.get("child_id")
    if child_id is None:
        return
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    now = services.clock()
    gatekeeper.require_child(actor, child_id, (request.route_handler.opt or {}).get(
        "agreement", True))
    gatekeeper.require_recording_open(actor, child_id, route_permission(request.route_handler)
                                      or "", now)
    if request.method == "GET":
        record_read(request, actor, services, child_id, now)
