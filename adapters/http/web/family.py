"""The parents' pages: the agreement and image consent, the journey (with comments), the
day's diary, contributing from home, photos. Reads come from the same views as the JSON
API (the journey's pre-rendered entries, decoded once, no query per observation);
writes call the JSON handlers' functions, so every rule is the API's."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from markupsafe import Markup

from adapters.bootstrap import Services
from adapters.http import consent, diary, journey, lifecycle, media, progress
from adapters.http.paging import cursors
from adapters.http.web.pages import (
    ENV,
    SESSION_COOKIE,
    FileSource,
    csrf_token,
    form_values,
    render,
    see_other,
)
from domain import access
from domain.actor import Actor
from domain.errors import Invalid
from projections import consent as consent_views
from projections import journey as journey_views
from projections.identity import staff_of_setting

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
PAGE_SIZE = 20
_entry = msgspec.json.Decoder(dict[str, Any])
MAX_PHOTOS = 6


def family_children(services: Services, actor: Actor) -> list[dict]:
    """The children a parent may switch between, by name, as the API lists them."""
    rows = services.lookups.cached(
        ("family_children", actor.setting_id, actor.children), ("journey",),
        lambda: journey_views.children_page(services.db, actor.setting_id, actor.children,
                                            None, 50))
    return [access.child_as_listed(actor, row) for row in rows]


def _timezone(services: Services, actor: Actor) -> ZoneInfo:
    return ZoneInfo(services.lookups.setting_timezone(actor.setting_id) or "UTC")


def _context(services: Services, actor: Actor, child_id: UUID, tab: str) -> dict:
    """What every page about a child shows: the child, the siblings' switch, the tab."""
    children = family_children(services, actor) if actor.is_parent else []
    child = next((c for c in children if c["child_id"] == str(child_id)), None)
    if child is None:
        named = journey_views.child_names(services.db, [str(child_id)])
        child = {"child_id": str(child_id), "name": named.get(str(child_id), ("",))[0]}
    return {"actor": actor, "child": child, "children": children, "tab": tab}


# the agreement and image consent


class Agreement(msgspec.Struct):
    terms_version: int = 0
    image_consent: str = ""


@get("/agreement/{child_id:uuid}", opt={"permission": "consent.read", "agreement": False},
     sync_to_thread=True)
def agreement_page(child_id: UUID, request: Request, actor: Actor,
                   services: Services) -> Response:
    """The setting's terms to sign, and image consent explained in plain words."""
    terms = consent_views.current_terms(services.db, actor.setting_id)
    record = access.consent_as_read(actor, child_id,
                                    consent_views.consent_of_child(services.db, child_id))
    return render(request, "agreement.html", **_context(services, actor, child_id, "agreement"),
                  terms=terms, signed=bool(record.get("agreement_current")),
                  image_consent=record.get("image_consent"))


@post("/agreement/{child_id:uuid}", opt={"permission": "consent.sign", "agreement": False},
      sync_to_thread=True, status_code=303)
def sign_agreement(child_id: UUID, request: Request, actor: Actor, services: Services,
                   data: Agreement = FORM) -> Response:
    """Sign the terms (if not yet signed) and set image consent, as the API does."""
    if data.image_consent not in ("yes", "no"):
        raise Invalid("Choose whether photos of your child may appear in other children's "
                      "journeys.", "image_consent")
    if child_id not in actor.agreed_children:
        consent.sign_agreement.fn(child_id, consent.Signature(data.terms_version), actor,
                                  services)
        # the guard reads the family afresh: the signature now counts
        actor = _again(request, services, "consent.image")
    consent.set_image_consent.fn(child_id, consent.ImageConsent(data.image_consent == "yes"),
                                 actor, services)
    return see_other(f"/journey/{child_id}")


def _again(request: Request, services: Services, permission: str) -> Actor:
    return request.app.state.gatekeeper.identify(
        request.cookies.get(SESSION_COOKIE), None, permission, services.clock())


# the journey


class JourneyFragments:
    """Each journey entry rendered to HTML once, kept by the view row's own JSON (so any
    change to the row, a comment or a hidden photo, is a new entry), at most `size` of
    them, least recently used out first. Registered with the caches, so erasure drops a
    child's at once. The CSRF token is put in per page."""

    TOKEN = "\x00csrf\x00"

    def __init__(self, size: int = 4000):
        self.size = size
        self._kept: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()
        self._template = ENV.get_template("observation.html")

    def render(self, child_id: str, entries: list[str]) -> str:
        """The entries' articles, in order."""
        out = []
        for entry in entries:
            key = (child_id, entry)
            with self._lock:
                html = self._kept.get(key)
                if html is not None:
                    self._kept.move_to_end(key)
            if html is None:
                html = self._template.render(o=_entry.decode(entry), csrf_token=self.TOKEN,
                                             child={"child_id": child_id})
                with self._lock:
                    self._kept[key] = html
                    while len(self._kept) > self.size:
                        self._kept.popitem(last=False)
            out.append(html)
        return "".join(out)

    def forget_child(self, child_id: UUID) -> None:
        with self._lock:
            for key in [k for k in self._kept if k[0] == str(child_id)]:
                del self._kept[key]


def journey_entries(services: Services, child_id: UUID, cursor: str | None
                    ) -> tuple[list[str], str | None]:
    """A page of the parents' journey: the same rows the JSON page serves (the entries'
    JSON as the view keeps it), and the cursor of the next page (the API's codec)."""
    after = journey._sort_key(services, "journey", cursor)
    rows = journey_views.parent_page(services.db, str(child_id), after, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    return [entry for _, entry in rows[:PAGE_SIZE]], (
        cursors(services).encode("journey", rows[PAGE_SIZE - 1][0]) if more else None)


def fragments(request: Request) -> JourneyFragments:
    return request.app.state.journey_fragments


@get("/journey/{child_id:uuid}", opt={"permission": "journey.read"}, sync_to_thread=False)
def journey_page(child_id: UUID, request: Request, actor: Actor, services: Services,
                 cursor: str | None = None, sent: str | None = None) -> Response:
    """The child's journey, newest first: approved observations, photos, comments. As the
    JSON page, it runs on the event loop: two indexed queries, entries rendered once."""
    entries, next_cursor = journey_entries(services, child_id, cursor)
    html = fragments(request).render(str(child_id), entries)
    return render(request, "journey.html", **_context(services, actor, child_id, "journey"),
                  entries=Markup(html.replace(JourneyFragments.TOKEN, csrf_token(request))),
                  next_cursor=next_cursor, sent=sent)


class CommentForm(msgspec.Struct):
    text: str = ""


@post("/journey/{child_id:uuid}/observations/{observation_id:uuid}/comments",
      opt={"permission": "comment.add"}, sync_to_thread=True, status_code=303)
def comment(child_id: UUID, observation_id: UUID, actor: Actor, services: Services,
            data: CommentForm = FORM) -> Response:
    """Write a comment on an observation (the API's comment)."""
    journey.add_comment.fn(child_id, observation_id, journey.NewComment(data.text), actor,
                           services)
    return see_other(f"/journey/{child_id}?sent=comment#obs-{observation_id}")


@get("/photos/{media_id:uuid}", opt={"permission": "media.read"}, sync_to_thread=True)
def photo(media_id: UUID, request: Request, actor: Actor, services: Services) -> Response:
    """A photo or video, to whoever may see it (the API's download, `Range` too)."""
    return media.download_media.fn(media_id, request, actor, services)


# contributing from home


@get("/journey/{child_id:uuid}/contribute", opt={"permission": "observation.submit"},
     sync_to_thread=True)
def contribute_page(child_id: UUID, request: Request, actor: Actor,
                    services: Services) -> Response:
    """A short text and photos from the phone."""
    return render(request, "contribute.html", **_context(services, actor, child_id, "journey"),
                  today=_today(services, actor))


@post("/journey/{child_id:uuid}/contribute", opt={"permission": "observation.submit"},
      request_max_body_size=MAX_PHOTOS * 26 * 1024 * 1024, status_code=303)
async def contribute(child_id: UUID, request: Request, actor: Actor,
                     services: Services) -> Response:
    """Store the photos as the API's upload does, then submit the observation; it waits
    for the nursery's approval."""
    import anyio

    form = await request.form()
    text = str(form.get("text") or "")
    files = [f for f in form_values(form, "photos") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_PHOTOS:
        raise Invalid(f"Send at most {MAX_PHOTOS} photos at a time.", "photos")
    media_ids = []
    for upload in files:
        stored = await media.store_upload(FileSource(upload), upload.content_type, None,
                                          str(child_id), media.upload_throttle(request),
                                          actor, services)
        media_ids.append(stored.media_id)
    today = _today(services, actor)
    new = journey.NewObservation(observed_on=today, text=text, media=media_ids)
    await anyio.to_thread.run_sync(
        lambda: journey.submit_observation.fn(child_id, new, actor, services))
    return see_other(f"/journey/{child_id}?sent=contribution")




# the day


def _today(services: Services, actor: Actor) -> dt.date:
    return services.clock().astimezone(_timezone(services, actor)).date()


def _staff_names(services: Services, actor: Actor) -> dict[str, str]:
    return {account_id: name for account_id, name, _ in
            staff_of_setting(services.db, actor.setting_id)}


@get("/day/{child_id:uuid}", opt={"permission": "diary.read"}, sync_to_thread=True)
def today_page(child_id: UUID, request: Request, actor: Actor, services: Services) -> Response:
    """Today's diary."""
    return _day(child_id, _today(services, actor), request, actor, services)


@get("/day/{child_id:uuid}/{date:date}", opt={"permission": "diary.read"},
     sync_to_thread=True)
def day_page(child_id: UUID, date: dt.date, request: Request, actor: Actor,
             services: Services) -> Response:
    """A day's diary."""
    return _day(child_id, date, request, actor, services)


def _day(child_id: UUID, date: dt.date, request: Request, actor: Actor,
         services: Services) -> Response:
    day = diary.read_day.fn(child_id, date, actor, services, limit=200)
    today = _today(services, actor)
    return render(request, "day.html", **_context(services, actor, child_id, "day"),
                  day=day, date=date, today=today, timezone=_timezone(services, actor),
                  names=_staff_names(services, actor),
                  previous=date - dt.timedelta(days=1),
                  next=date + dt.timedelta(days=1) if date < today else None)


@post("/day/{child_id:uuid}/{date:date}/incidents/{entry_id:uuid}/acknowledge",
      opt={"permission": "incident.acknowledge"}, sync_to_thread=True, status_code=303)
def acknowledge(child_id: UUID, date: dt.date, entry_id: UUID, actor: Actor,
                services: Services) -> Response:
    """Acknowledge an incident (the API's acknowledgement)."""
    diary.acknowledge_incident.fn(child_id, date, entry_id, actor, services)
    return see_other(f"/day/{child_id}/{date.isoformat()}#entry-{entry_id}")


class MessageForm(msgspec.Struct):
    text: str = ""


@post("/day/{child_id:uuid}/{date:date}/messages", opt={"permission": "diary.message"},
      sync_to_thread=True, status_code=303)
def message(child_id: UUID, date: dt.date, actor: Actor, services: Services,
            data: MessageForm = FORM) -> Response:
    """A message to the nursery on the child's day."""
    diary.post_message.fn(child_id, date, diary.Message(data.text), actor, services)
    return see_other(f"/day/{child_id}/{date.isoformat()}#messages")


# progress and the portfolio


@get("/progress/{child_id:uuid}", opt={"permission": "child.progress"}, sync_to_thread=True)
def progress_page(child_id: UUID, request: Request, actor: Actor,
                  services: Services) -> Response:
    """Progress across the areas of learning (the API's answer, in words), the chart,
    and the portfolio to download."""
    answer = progress.progress.fn(child_id, actor, services)
    return render(request, "progress.html", **_context(services, actor, child_id, "progress"),
                  progress=answer)


@get("/progress/{child_id:uuid}/chart.svg", opt={"permission": "child.progress"},
     sync_to_thread=True)
def progress_chart(child_id: UUID, actor: Actor, services: Services) -> Response:
    """The progress chart (the API's drawing)."""
    return progress.progress.fn(child_id, actor, services, format="svg")


@get("/progress/{child_id:uuid}/portfolio.pdf", opt={"permission": "child.portfolio"},
     sync_to_thread=True, media_type="application/pdf")
def portfolio_pdf(child_id: UUID, actor: Actor, services: Services) -> Any:
    """The printable journal (the API's PDF)."""
    return lifecycle.portfolio_pdf.fn(child_id, actor, services)


@get("/progress/{child_id:uuid}/portfolio.zip", opt={"permission": "child.portfolio"},
     sync_to_thread=True, media_type="application/zip")
def portfolio_zip(child_id: UUID, actor: Actor, services: Services) -> Any:
    """The photos and videos with the journal (the API's zip)."""
    return lifecycle.portfolio_zip.fn(child_id, actor, services)


ROUTES: list[Any] = [
    agreement_page, sign_agreement, journey_page, comment, photo, contribute_page,
    contribute, today_page, day_page, acknowledge, message, progress_page, progress_chart,
    portfolio_pdf, portfolio_zip,
]
