"""Signing in and out of the pages: a cookie holding the same session token the API's
login gives (HttpOnly, SameSite=Lax, Secure over TLS), the same lockout and throttling
(the login handler itself), and the caller identified by the same guard."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from adapters.bootstrap import Services
from adapters.http import directory, identity
from adapters.http.auth import check_child, identify_request
from adapters.http.errors import Unauthenticated
from adapters.http.web.family import family_children
from adapters.http.web.pages import DEVICE_COOKIE, SESSION_COOKIE, SignFirst, render, see_other
from domain.actor import Actor
from domain.errors import Forbidden
from projections import identity as identity_views

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def provide_page_actor(request: Request, services: Any) -> Actor:
    """The `actor` of a page: the session and device cookies through the API's guard. A
    parent who has not signed for the child is sent to the agreement."""
    actor = identify_request(request, services, request.cookies.get(SESSION_COOKIE),
                             request.cookies.get(DEVICE_COOKIE))
    try:
        check_child(request, actor, services)
    except Forbidden:
        child = UUID(str(request.path_params["child_id"]))
        if actor.is_parent and child in actor.children and child not in actor.agreed_children:
            raise SignFirst(str(child)) from None
        raise
    return actor


class SignIn(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = "/"


def _safe_next(target: str) -> str:
    """Only a path of this site (never `//elsewhere` or a scheme)."""
    return target if target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else "/"


@get("/sign-in", opt={"public": True}, sync_to_thread=False)
def sign_in_page(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return render(request, "sign_in.html", next=_safe_next(next), email="", problem=None)


@post("/sign-in", opt={"public": True}, sync_to_thread=True, status_code=303)
def sign_in(request: Request, services: Services, data: SignIn = FORM) -> Response:
    """Sign in with the API's login (its lockout and throttling), into a session cookie."""
    target = _safe_next(data.next)
    try:
        logged_in = identity.login.fn(identity.Login(data.email, data.password), request,
                                      services)
    except Unauthenticated as refusal:
        return render(request, "sign_in.html", 401, next=target, email=data.email,
                      problem=refusal.detail)
    page = see_other(target)
    page.set_cookie(SESSION_COOKIE, logged_in.token, path="/", httponly=True,
                    samesite="lax", secure=request.url.scheme == "https")
    return page


@post("/sign-out", opt={"public": True}, sync_to_thread=True, status_code=303)
def sign_out(request: Request, services: Services) -> Response:
    """End the session (as the API's logout) and forget the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.credentials.close_session(token)
    page = see_other("/sign-in")
    page.delete_cookie(SESSION_COOKIE, path="/")
    return page


@get("/forgotten-password", opt={"public": True}, sync_to_thread=False)
def forgotten_password(request: Request) -> Response:
    """Who to ask: the nursery sets a new password."""
    return render(request, "forgotten_password.html")


@get("/", opt={"permission": "child.list"}, sync_to_thread=True)
def home(request: Request, actor: Actor, services: Services) -> Response:
    """Where each person starts: a parent their child's journey (or the agreement)."""
    if actor.is_parent:
        children = family_children(services, actor)
        unsigned = [c for c in children if not c["agreement_signed"]]
        if unsigned:
            return see_other(f"/agreement/{unsigned[0]['child_id']}")
        if len(children) == 1:
            return see_other(f"/journey/{children[0]['child_id']}")
        return render(request, "family_home.html", children=children, actor=actor)
    setting = identity_views.setting_of(services.db, actor.setting_id) or {}
    rooms = directory.list_rooms.fn(actor, services).items
    return render(request, "staff_home.html", actor=actor, setting=setting, rooms=rooms,
                  staff_tab="home")


ROUTES = [sign_in_page, sign_in, sign_out, forgotten_password, home]
