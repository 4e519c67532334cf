"""HTTP routes: logins, accounts, parents' links, opening hours, devices, support access."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec
from litestar import Request, delete, get, post, put

from adapters.bootstrap import Services
from adapters.http import replies
from adapters.http.auth import bearer
from adapters.http.errors import TooManyAttempts, Unauthenticated
from adapters.storage.credentials import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    PAIR_LIMIT,
    hash_password,
    new_token,
    token_hash,
)
from domain.actor import Actor
from domain.aggregates.account import check_password, normalise_email
from domain.aggregates.device import KINDS as DEVICE_KINDS
from domain.errors import NotFound
from projections import identity as identity_views

FAILED_LOGIN_DELAY = 0.25  # seconds per recent failure, at most 2 s


class Login(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str


class LoggedIn(msgspec.Struct):
    token: str
    account_id: UUID
    roles: list[str]
    setting_id: UUID


Role = Literal["manager", "practitioner", "safeguarding_lead", "parent", "support"]


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str
    display_name: str
    roles: list[Role]


class ParentLink(msgspec.Struct, forbid_unknown_fields=True):
    account_id: UUID
    relationship: str = "parent"


class OpeningHours(msgspec.Struct, forbid_unknown_fields=True):
    timezone: str
    days: dict[str, list[str]]


class NewDevice(msgspec.Struct, forbid_unknown_fields=True):
    label: str
    kind: Literal[DEVICE_KINDS]  # type: ignore[valid-type]


class SupportGrant(msgspec.Struct, forbid_unknown_fields=True):
    account_id: UUID
    until: datetime


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


WRONG_LOGIN = "The email or password is wrong."


@post("/auth/login", opt={"public": True}, sync_to_thread=True, status_code=200)
def login(data: Login, request: Request, services: Services) -> LoggedIn:
    """Exchange an email and password for a bearer token; throttled on failures.

    The attempt is counted before the password is checked (see `Credentials.attempt`).
    A disabled account gets the same answer as a wrong password, which would otherwise
    confirm that the password is right.
    """
    now = services.clock()
    email = normalise_email(data.email)
    address = _address(request)
    pair = f"account:{email}|address:{address}"
    limits = {pair: PAIR_LIMIT, f"address:{address}": ADDRESS_LIMIT,
              f"account:{email}": ACCOUNT_LIMIT}
    locked = services.credentials.attempt(limits, now)
    if locked is not None:
        services.access_log.login(now, services.credentials.account_of(email), address,
                                  "locked")
        raise TooManyAttempts(
            detail=f"Too many failed logins; try again in {_minutes(locked.retry_after)}.",
            headers={"Retry-After": str(locked.retry_after)},
        )
    account_id = services.credentials.verify(email, data.password)
    found = identity_views.account_status(services.db, account_id) if account_id else None
    if account_id is None or found is None or found[2]:
        outcome = "disabled" if found is not None else "failed"
        services.access_log.login(now, account_id or services.credentials.account_of(email),
                                  address, outcome)
        failures = services.credentials.failures(pair)
        time.sleep(min(FAILED_LOGIN_DELAY * failures, 2.0))
        raise Unauthenticated(WRONG_LOGIN)
    setting_id, roles, _ = found
    services.credentials.succeeded(list(limits))
    token = services.credentials.open_session(account_id, now)
    services.access_log.login(now, account_id, address, "ok")
    return LoggedIn(token, account_id, list(roles), setting_id)


@post("/auth/logout", opt={"public": True}, sync_to_thread=True, status_code=204)
def logout(request: Request, services: Services) -> None:
    """Revoke the bearer token sent with this request."""
    token = bearer(request)
    if not token:
        raise Unauthenticated("Log in first: there is no token to revoke.")
    services.credentials.close_session(token)


@post("/accounts", opt={"permission": "account.create"}, sync_to_thread=True, status_code=201)
def create_account(data: NewAccount, actor: Actor, services: Services
                   ) -> replies.AccountCreated:
    """A manager opens an account of their setting."""
    check_password(data.password, data.email)
    password_hash = hash_password(data.password)
    now = services.clock()
    account, position = services.app.create_account(
        data.email, data.display_name, data.roles, actor, now
    )
    services.credentials.set_password(account.id, account.email, password_hash, now)
    services.projections.wait_for(position)
    return replies.AccountCreated(account.id)


@get("/accounts", opt={"permission": "account.list"}, sync_to_thread=True)
def list_accounts(actor: Actor, services: Services) -> replies.AccountList:
    """The setting's accounts (managers)."""
    return {"items": identity_views.accounts_of_setting(services.db, actor.setting_id),
            "next_cursor": None}


@post("/accounts/{account_id:uuid}/disable", opt={"permission": "account.disable"},
      sync_to_thread=True, status_code=204)
def disable_account(account_id: UUID, actor: Actor, services: Services) -> None:
    """Disable an account; its tokens stop working at once."""
    position = services.app.disable_account(account_id, actor, services.clock())
    services.credentials.close_all_sessions(account_id)
    services.projections.wait_for(position)


@post("/children/{child_id:uuid}/parents", opt={"permission": "child.link_parent"},
      sync_to_thread=True, status_code=204)
def link_parent(child_id: UUID, data: ParentLink, actor: Actor, services: Services) -> None:
    """Link a parent account to a child of the setting."""
    position = services.app.link_parent(
        child_id, data.account_id, data.relationship, actor, services.clock()
    )
    services.projections.wait_for(position)


class Reason(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


def _parent_access(change: str, child_id: UUID, account_id: UUID, data: Reason,
                   actor: Actor, services: Services) -> None:
    position = services.app.change_parent_access(change, child_id, account_id, data.reason,
                                                 actor, services.clock())
    services.credentials.close_all_sessions(account_id)  # its children are read afresh
    services.projections.wait_for(position)


@delete("/children/{child_id:uuid}/parents/{account_id:uuid}",
        opt={"permission": "child.unlink_parent"}, sync_to_thread=True, status_code=204)
def unlink_parent(child_id: UUID, account_id: UUID, data: Reason, actor: Actor,
                  services: Services) -> None:
    """Unlink a parent from a child (parental responsibility changed): access ends at once."""
    _parent_access("unlink", child_id, account_id, data, actor, services)


@post("/children/{child_id:uuid}/parents/{account_id:uuid}/restriction",
      opt={"permission": "child.restrict_parent"}, sync_to_thread=True, status_code=204)
def restrict_parent(child_id: UUID, account_id: UUID, data: Reason, actor: Actor,
                    services: Services) -> None:
    """Restrict a linked parent's access to a child (a court order): at once, audited."""
    _parent_access("restrict", child_id, account_id, data, actor, services)


@delete("/children/{child_id:uuid}/parents/{account_id:uuid}/restriction",
        opt={"permission": "child.restrict_parent"}, sync_to_thread=True, status_code=204)
def lift_restriction(child_id: UUID, account_id: UUID, data: Reason, actor: Actor,
                     services: Services) -> None:
    """Lift a restriction of a parent's access to a child."""
    _parent_access("lift", child_id, account_id, data, actor, services)


@put("/setting/opening-hours", opt={"permission": "setting.opening_hours"},
     sync_to_thread=True, status_code=204)
def set_opening_hours(data: OpeningHours, actor: Actor, services: Services) -> None:
    """Set the timezone and the hours staff may use the system; a missing day is closed."""
    position = services.app.set_opening_hours(data.timezone, data.days, actor, services.clock())
    services.projections.wait_for(position)


@post("/devices", opt={"permission": "device.register"}, sync_to_thread=True, status_code=201)
def register_device(data: NewDevice, actor: Actor, services: Services
                    ) -> replies.DeviceRegistered:
    """Register a tablet or computer; its token is shown now and never again."""
    token = new_token()
    device, position = services.app.register_device(
        data.label, data.kind, token_hash(token), actor, services.clock()
    )
    services.projections.wait_for(position)
    return replies.DeviceRegistered(device.id, token)


@post("/setting/support-access", opt={"permission": "setting.support_access"},
      sync_to_thread=True, status_code=204)
def grant_support_access(data: SupportGrant, actor: Actor, services: Services) -> None:
    """Let a support account read the setting's data until a time."""
    position = services.app.grant_support_access(
        data.account_id, data.until, actor, services.clock()
    )
    services.projections.wait_for(position)


@delete("/setting/support-access/{account_id:uuid}",
        opt={"permission": "setting.support_access"}, sync_to_thread=True, status_code=204)
def revoke_support_access(account_id: UUID, actor: Actor, services: Services) -> None:
    """End a support grant at once."""
    position = services.app.revoke_support_access(account_id, actor, services.clock())
    services.projections.wait_for(position)


@get("/setting", opt={"permission": "setting.terms.read"}, sync_to_thread=True)
def read_setting(actor: Actor, services: Services) -> replies.SettingRead:
    """The caller's setting: name, timezone and opening hours."""
    found = identity_views.setting_of(services.db, actor.setting_id)
    if found is None:
        raise NotFound()
    return {"setting_id": actor.setting_id, **found}



ROUTES = [
    login,
    logout,
    create_account,
    list_accounts,
    disable_account,
    link_parent,
    unlink_parent,
    restrict_parent,
    lift_restriction,
    set_opening_hours,
    register_device,
    grant_support_access,
    revoke_support_access,
    read_setting,
]


def _minutes(seconds: int) -> str:
    """`900` as "15 minutes", `40` as "1 minute" (rounded up: never too early)."""
    minutes = max(1, -(-int(seconds) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
