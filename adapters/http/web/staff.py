"""The staff's pages (issue 18): enrolling this browser as a setting device, the room
board with one- and two-tap diary records, a new observation, the photos still on this
tablet, the manager's moderation queue and the office computer's devices.

As the parents' pages: the same guard (a staff session needs a device of the setting,
here its token in an HttpOnly cookie, and the opening hours), the JSON handlers'
functions for every change, the projections' queries for reads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from adapters.bootstrap import Services
from adapters.http import custody, diary, journey, media
from adapters.http.web.pages import DEVICE_COOKIE, FileSource, form_values, render, see_other
from domain.actor import Actor
from domain.aggregates.device import DAMAGE_KINDS
from domain.errors import Invalid, NotFound
from domain.framework import framework_for
from projections import consent as consent_views
from projections import custody_reports
from projections import journey as journey_views
from projections.identity import active_managers, staff_of_setting

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie
MAX_FILES = 10


def _now(services: Services, actor: Actor) -> dt.datetime:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(services.lookups.setting_timezone(actor.setting_id) or "UTC")
    return services.clock().astimezone(zone)


def initials(name: str) -> str:
    """"Ada Lovelace" -> "AL": a photo-free avatar."""
    return "".join(part[0] for part in name.split()[:2]).upper() or "?"


# enrolling this browser as a device of the setting


class Enrolment(msgspec.Struct):
    token: str = ""


@get("/tablet/enrol", opt={"public": True}, sync_to_thread=False)
def enrol_page(request: Request) -> Response:
    """Make this browser one of the setting's devices, with its device token."""
    return render(request, "enrol.html", problem=None)


@post("/tablet/enrol", opt={"public": True}, sync_to_thread=True, status_code=303)
def enrol(request: Request, data: Enrolment = FORM) -> Response:
    """Keep a device token (from registering the device, or `journey devices token`) in
    a long-lived HttpOnly cookie, if it is one of an active device."""
    token = data.token.strip()
    device = request.app.state.gatekeeper.device(token) if token else None
    if device is None or device.status != "active":
        return render(request, "enrol.html", 400,
                      problem="That is not the token of an active device; ask the manager "
                              "for the token shown when the device was registered.")
    page = see_other("/")
    page.set_cookie(DEVICE_COOKIE, token, path="/", httponly=True, samesite="strict",
                    secure=request.url.scheme == "https",
                    max_age=DEVICE_COOKIE_DAYS * 24 * 3600)
    return page


# the room


@get("/room/{room:str}", opt={"permission": "room.board"}, sync_to_thread=True)
def room_page(room: str, request: Request, actor: Actor, services: Services,
              done: str | None = None) -> Response:
    """The room board: each child's day at a glance, with one-tap records."""
    board = diary.room_board.fn(room, actor, services, limit=200)
    for item in board["items"]:
        item["initials"] = initials(item["name"])
    return render(request, "room.html", actor=actor, staff_tab="room", room=room,
                  board=board, done=done, now=_now(services, actor),
                  meal=_meal_now(_now(services, actor).hour))


def _meal_now(hour: int) -> str:
    return ("breakfast" if hour < 10 else "morning_snack" if hour < 11 else "lunch"
            if hour < 14 else "afternoon_snack" if hour < 16 else "tea")


class Record(msgspec.Struct):
    what: str = ""
    state: str = ""
    amount: str = ""
    meal: str = ""
    food: str = ""
    drink: str = ""
    ml: str = ""


@post("/room/{room:str}/children/{child_id:uuid}/record",
      opt={"permission": "diary.record"}, sync_to_thread=True, status_code=303)
def record(room: str, child_id: UUID, actor: Actor, services: Services,
           data: Record = FORM) -> Response:
    """One tap on the board: a nappy, a meal's amount, a drink, a sleep's start or end
    (the API's diary entry and correction)."""
    now = _now(services, actor)
    day = now.date()
    at = now.isoformat()
    if data.what == "woke":
        _end_sleep(child_id, day, at, actor, services)
        return see_other(f"/room/{room}?done=woke#child-{child_id}")
    bodies = {
        "nappy": {"kind": "nappy", "state": data.state, "at": at},
        "meal": {"kind": "meal", "meal": data.meal or _meal_now(now.hour),
                 "food": data.food.strip() or "As on the menu", "amount": data.amount,
                 "at": at},
        "drink": {"kind": "drink", "drink": data.drink or "Water",
                  "ml": int(data.ml) if data.ml.isdigit() else -1, "at": at},
        "asleep": {"kind": "sleep", "start": at},
    }
    if data.what not in bodies:
        raise Invalid("Choose what to record.", "what")
    _record(child_id, day, bodies[data.what], actor, services)
    return see_other(f"/room/{room}?done={data.what}#child-{child_id}")


def _end_sleep(child_id: UUID, day: dt.date, at: str, actor: Actor,
               services: Services) -> None:
    """End the child's open sleep today (a correction of that entry, as the API's)."""
    items = diary.read_day.fn(child_id, day, actor, services, limit=200)["items"]
    open_sleeps = [i for i in items if i.get("kind") == "sleep" and not i.get("end")
                   and not i.get("retracted")]
    if not open_sleeps:
        raise Invalid("This child is not asleep: nothing to end.", "what")
    sleep = open_sleeps[-1]
    change = msgspec.json.decode(json.dumps({"base_version": sleep["version"], "end": at}),
                                 type=diary.Correction)
    diary.correct_entry.fn(child_id, day, UUID(sleep["entry_id"]), change, actor, services)


@get("/room/{room:str}/children/{child_id:uuid}", opt={"permission": "diary.read"},
     sync_to_thread=True)
def child_page(room: str, child_id: UUID, request: Request, actor: Actor,
               services: Services, done: str | None = None) -> Response:
    """A child's day so far (the API's day), with the medicine and incident forms."""
    now = _now(services, actor)
    day = diary.read_day.fn(child_id, now.date(), actor, services, limit=200)
    permissions = [p for p in diary.list_permissions.fn(child_id, actor, services,
                                                        limit=200)["items"]
                   if p["from"] <= now.date().isoformat() <= p["until"]]
    staff = staff_of_setting(services.db, actor.setting_id)
    name = journey_views.child_names(services.db, [str(child_id)]).get(str(child_id),
                                                                       ("",))[0]
    return render(request, "staff_child.html", actor=actor, staff_tab="home", room=room,
                  child={"child_id": str(child_id), "name": name}, day=day,
                  date=now.date(), timezone=now.tzinfo, done=done,
                  names={i: n for i, n, _ in staff}, staff=staff, permissions=permissions)


class MedicineGiven(msgspec.Struct):
    permission_id: str = ""
    dose: str = ""
    witnessed_by: str = ""


@post("/room/{room:str}/children/{child_id:uuid}/medication",
      opt={"permission": "diary.record"}, sync_to_thread=True, status_code=303)
def medicine(room: str, child_id: UUID, actor: Actor, services: Services,
             data: MedicineGiven = FORM) -> Response:
    """Medicine given by me, witnessed by a colleague, under the parent's permission."""
    permits = {p["permission_id"]: p for p in
               diary.list_permissions.fn(child_id, actor, services, limit=200)["items"]}
    permit = permits.get(data.permission_id)
    if permit is None:
        raise Invalid("Choose the medicine from the parent's permissions.", "permission_id")
    now = _now(services, actor)
    _record(child_id, now.date(), {
        "kind": "medication", "medicine": permit["medicine"], "dose": data.dose,
        "at": now.isoformat(), "given_by": str(actor.account_id),
        "witnessed_by": data.witnessed_by, "permission_id": data.permission_id},
        actor, services)
    return see_other(f"/room/{room}/children/{child_id}?done=medication")


class IncidentForm(msgspec.Struct):
    what: str = ""
    injury: str = ""
    first_aid: str = ""
    by: str = ""


@post("/room/{room:str}/children/{child_id:uuid}/incident",
      opt={"permission": "diary.record"}, sync_to_thread=True, status_code=303)
def incident(room: str, child_id: UUID, actor: Actor, services: Services,
             data: IncidentForm = FORM) -> Response:
    """An accident or incident: what happened, the injury, the first aid and who gave it."""
    now = _now(services, actor)
    _record(child_id, now.date(), {
        "kind": "incident", "at": now.isoformat(), "what": data.what,
        "injury": data.injury, "first_aid": data.first_aid,
        "by": data.by or str(actor.account_id)}, actor, services)
    return see_other(f"/room/{room}/children/{child_id}?done=incident")


def _record(child_id: UUID, day: dt.date, body: dict, actor: Actor,
            services: Services) -> None:
    """A diary entry through the API's handler, from the body the API would receive."""
    try:
        entry = msgspec.json.decode(json.dumps(body), type=diary.EntryBody)
    except msgspec.ValidationError as error:
        field = str(error).rsplit("$.", 1)[-1].rstrip("`") if "$." in str(error) else None
        raise Invalid(f"The field '{field or 'entry'}' is missing or not valid.",
                      field) from None
    diary.record_entry.fn(child_id, day, entry, actor, services)


@post("/room/{room:str}/children/{child_id:uuid}/end-session",
      opt={"permission": "diary.end_session"}, sync_to_thread=True, status_code=303)
def end_session(room: str, child_id: UUID, actor: Actor, services: Services) -> Response:
    """The child has gone home: later entries are flagged late."""
    diary.end_session.fn(child_id, _now(services, actor).date(), actor, services)
    return see_other(f"/room/{room}?done=home#child-{child_id}")


# a new observation


def _framework_choices() -> dict:
    fw = framework_for()
    return {"areas": [(a.key, a.name, [(x.key, x.name) for x in a.aspects]) for a in fw.areas],
            "bands": [(b.key, b.name) for b in fw.age_bands]}


FRAMEWORK = _framework_choices()


@get("/observe", opt={"permission": "observation.submit"}, sync_to_thread=True)
def observe_page(request: Request, actor: Actor, services: Services) -> Response:
    """The new-observation form: children by name (image consent shown), the camera or
    gallery, the framework in words."""
    everyone = actor.is_staff or actor.is_support  # a parent: their own, as the API lists
    children = journey_views.children_page(services.db, actor.setting_id,
                                           None if everyone else actor.children, None, 500)
    return render(request, "observe.html", actor=actor, staff_tab="observe",
                  children=[c for c in children if not c["left_on"]], framework=FRAMEWORK)


@post("/observe", opt={"permission": "observation.submit"},
      request_max_body_size=MAX_FILES * 100 * 1024 * 1024, status_code=200)
async def observe(request: Request, actor: Actor, services: Services) -> Response:
    """Store the photos and videos as the API's upload does, then submit the
    observation (for the first child, with the others tagged); it waits for a manager."""
    import anyio

    form = await request.form()
    children = list(dict.fromkeys(str(c) for c in form_values(form, "children")))
    if not children:
        raise Invalid("Choose at least one child.", "children")
    try:
        child_ids = [UUID(c) for c in children]
    except ValueError:
        raise Invalid("Choose the children from the list.", "children") from None
    refs = []
    for area, aspect, band in zip(form_values(form, "area"), form_values(form, "aspect"),
                                  form_values(form, "age_band"), strict=False):
        if area:
            refs.append(journey.FrameworkRef(area=str(area), aspect=str(aspect) or None,
                                             age_band=str(band) or None))
    files = [f for f in form_values(form, "media") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise Invalid(f"Send at most {MAX_FILES} photos or videos at a time.", "media")
    shown = [str(c) for c in form_values(form, "in_photos")] or children
    media_ids = []
    for upload in files:
        stored = await media.store_upload(FileSource(upload), upload.content_type, None,
                                          ",".join(shown), media.upload_throttle(request),
                                          actor, services)
        media_ids.append(stored.media_id)
    new = journey.NewObservation(
        observed_on=_now(services, actor).date(), text=str(form.get("text") or ""),
        framework=refs, media=media_ids, children=child_ids[1:],
        next_steps=str(form.get("next_steps") or "") or None)
    request.app.state.gatekeeper.require_child(actor, child_ids[0])
    saved = await anyio.to_thread.run_sync(
        lambda: journey.submit_observation.fn(child_ids[0], new, actor, services))
    return render(request, "observed.html", actor=actor, staff_tab="observe", saved=saved,
                  photos=len(media_ids))




# photos still on this tablet


@get("/tablet/photos", opt={"permission": "device.list"}, sync_to_thread=True)
def tablet_photos(request: Request, actor: Actor, services: Services) -> Response:
    """The photos uploaded from this device and not yet deleted from it."""
    photos = _on_this_device(services, actor)
    return render(request, "tablet_photos.html", actor=actor, staff_tab="photos",
                  photos=photos)


def _on_this_device(services: Services, actor: Actor) -> list[dict]:
    devices = custody_reports.custody_report(services.db, actor.setting_id, services.clock())
    mine = [d for d in devices if d["device_id"] == str(actor.device_id)]
    return mine[0]["photos_to_delete"] if mine else []


@post("/tablet/photos/{media_id:uuid}/deleted", opt={"permission": "device.photo_deleted"},
      sync_to_thread=True, status_code=303)
def photo_deleted(media_id: UUID, actor: Actor, services: Services) -> Response:
    """This photo has been deleted from this tablet (the API's record of it)."""
    if actor.device_id is None:
        raise NotFound()
    custody.photo_deleted.fn(actor.device_id, media_id, actor, services)
    return see_other("/tablet/photos")


# the manager's moderation queue


@get("/moderation", opt={"permission": "moderation.queue"}, sync_to_thread=True)
def moderation_page(request: Request, actor: Actor, services: Services,
                    cursor: str | None = None) -> Response:
    """Pending observations, oldest first (the API's queue), to approve or return."""
    answer = journey.moderation_queue.fn(actor, services, limit=20, cursor=cursor)
    queue = json.loads(answer.content)
    managers = active_managers(services.db, actor.setting_id)
    for item in queue["items"]:
        own = item["author"]["account_id"] == str(actor.account_id)
        item["four_eyes"] = own and managers > 1
    return render(request, "moderation.html", actor=actor, staff_tab="moderation",
                  queue=queue)


class Decision(msgspec.Struct):
    revision: int = 0
    decision: str = ""
    note: str = ""


@post("/moderation/{observation_id:uuid}", opt={"permission": "observation.moderate"},
      sync_to_thread=True, status_code=303)
def moderate(observation_id: UUID, actor: Actor, services: Services,
             data: Decision = FORM) -> Response:
    """Approve, or return to its author with a note (the API's approval and rejection)."""
    decision = journey.Moderation(data.revision, data.note.strip() or None)
    if data.decision == "approve":
        journey.approve_observation.fn(observation_id, decision, actor, services)
    elif data.decision == "return":
        journey.reject_observation.fn(observation_id, decision, actor, services)
    else:
        raise Invalid("Choose approve or return.", "decision")
    return see_other(f"/moderation?done={data.decision}")


# the office computer: devices


@get("/office/devices", opt={"permission": "device.list"}, sync_to_thread=True)
def devices_page(request: Request, actor: Actor, services: Services,
                 registered: str | None = None) -> Response:
    """Who holds which tablet (overdue ones marked), signing tablets out and in."""
    report = custody_reports.custody_report(services.db, actor.setting_id, services.clock())
    return render(request, "devices.html", actor=actor, staff_tab="devices",
                  devices=report, here=str(actor.device_id))


@post("/office/devices/{device_id:uuid}/sign-out", opt={"permission": "device.sign_out"},
      sync_to_thread=True, status_code=303)
def device_sign_out(device_id: UUID, actor: Actor, services: Services) -> Response:
    """Sign a tablet out to whoever is signed in here."""
    custody.sign_out.fn(device_id, actor, services)
    return see_other("/office/devices")


@post("/office/devices/{device_id:uuid}/sign-in", opt={"permission": "device.sign_in"},
      sync_to_thread=True, status_code=303)
def device_sign_in(device_id: UUID, actor: Actor, services: Services) -> Response:
    """Sign a tablet back in, onto the charger."""
    custody.sign_in.fn(device_id, actor, services, custody.SignIn(True))
    return see_other("/office/devices")


class NewTablet(msgspec.Struct):
    label: str = ""
    kind: str = "tablet"


@post("/office/devices", opt={"permission": "device.register"}, sync_to_thread=True,
      status_code=200)
def register_device(request: Request, actor: Actor, services: Services,
                    data: NewTablet = FORM) -> Response:
    """Register a device: its token is shown once, to enrol it."""
    from adapters.http import identity

    made = identity.register_device.fn(identity.NewDevice(data.label, data.kind), actor,
                                       services)
    return render(request, "registered.html", actor=actor, staff_tab="devices",
                  label=data.label, token=made.device_token)


# damage and the custody reports


@get("/office/devices/{device_id:uuid}/damage", opt={"permission": "device.damage"},
     sync_to_thread=True)
def damage_page(device_id: UUID, request: Request, actor: Actor,
                services: Services) -> Response:
    """Report damage to or the loss of a device."""
    report = custody_reports.custody_report(services.db, actor.setting_id, services.clock())
    device = next((d for d in report if d["device_id"] == str(device_id)), None)
    if device is None:
        raise NotFound()
    return render(request, "damage.html", actor=actor, staff_tab="devices", device=device,
                  kinds=DAMAGE_KINDS)


class DamageForm(msgspec.Struct):
    kind: str = ""
    description: str = ""
    deliberate: str = ""


@post("/office/devices/{device_id:uuid}/damage", opt={"permission": "device.damage"},
      sync_to_thread=True, status_code=303)
def damage(device_id: UUID, actor: Actor, services: Services,
           data: DamageForm = FORM) -> Response:
    """Record the damage; the holder at the time is responsible (the API's report)."""
    if data.kind not in DAMAGE_KINDS:
        raise Invalid("Choose what happened to the device.", "kind")
    custody.report_damage.fn(device_id, custody.DamageReport(
        data.kind, data.description, data.deliberate == "yes"), actor, services)
    return see_other("/office/reports")


@get("/office/reports", opt={"permission": "report.damage"}, sync_to_thread=True)
def reports_page(request: Request, actor: Actor, services: Services) -> Response:
    """The damage reports with the responsible person, and both reports as CSV."""
    damage_list = custody.damage_report.fn(request, actor, services)
    return render(request, "reports.html", actor=actor, staff_tab="devices",
                  damage=damage_list["items"], date=request.query_params.get("date") or "")


@get("/office/reports/custody.csv", opt={"permission": "report.custody"},
     sync_to_thread=True)
def custody_csv(request: Request, actor: Actor, services: Services) -> Any:
    """The custody report as CSV (the API's, `?format=csv`)."""
    return custody.custody_report.fn(request, actor, services)


@get("/office/reports/damage.csv", opt={"permission": "report.damage"}, sync_to_thread=True)
def damage_csv(request: Request, actor: Actor, services: Services) -> Any:
    """The damage report as CSV (the API's, `?format=csv`)."""
    return custody.damage_report.fn(request, actor, services)


# the office computer: people, children, terms


@get("/office/people", opt={"permission": "account.list"}, sync_to_thread=True)
def people_page(request: Request, actor: Actor, services: Services,
                done: str | None = None) -> Response:
    """Accounts, children and the agreement terms, with their forms."""
    from adapters.http import identity

    accounts = identity.list_accounts.fn(actor, services)["items"]
    children = journey.list_children.fn(actor, services, limit=200)["items"]
    names = {a["account_id"]: a["display_name"] for a in accounts}
    terms = consent_views.current_terms(services.db, actor.setting_id)
    return render(request, "people.html", actor=actor, staff_tab="people",
                  accounts=accounts, children=children, names=names, terms=terms,
                  staff=staff_of_setting(services.db, actor.setting_id), done=done,
                  parents=[a for a in accounts if "parent" in a["roles"]])


class AccountForm(msgspec.Struct):
    email: str = ""
    display_name: str = ""
    role: str = ""
    password: str = ""


@post("/office/people/accounts", opt={"permission": "account.create"}, sync_to_thread=True,
      status_code=303)
def add_account(actor: Actor, services: Services, data: AccountForm = FORM) -> Response:
    """Open an account (the API's), with a first password to hand over in person."""
    from adapters.http import identity

    if data.role not in ("manager", "practitioner", "safeguarding_lead", "parent"):
        raise Invalid("Choose the person's role.", "role")
    new = identity.NewAccount(data.email, data.password, data.display_name,
                              [data.role])  # type: ignore[list-item]
    identity.create_account.fn(new, actor, services)
    return see_other("/office/people?done=account")


class ChildForm(msgspec.Struct):
    name: str = ""
    date_of_birth: str = ""
    room: str = ""
    key_person_id: str = ""


@post("/office/people/children", opt={"permission": "child.enrol"}, sync_to_thread=True,
      status_code=303)
def add_child(actor: Actor, services: Services, data: ChildForm = FORM) -> Response:
    """Enrol a child with a room and a key person (the API's)."""
    try:
        born = dt.date.fromisoformat(data.date_of_birth)
        key_person = UUID(data.key_person_id)
    except ValueError:
        raise Invalid("Give the date of birth and choose the key person.",
                      "date_of_birth") from None
    journey.enrol_child.fn(journey.NewChild(data.name, born, data.room, key_person), actor,
                           services)
    return see_other("/office/people?done=child")


class LinkForm(msgspec.Struct):
    child_id: str = ""
    account_id: str = ""
    relationship: str = "parent"


@post("/office/people/links", opt={"permission": "child.link_parent"}, sync_to_thread=True,
      status_code=303)
def link_parent(actor: Actor, services: Services, data: LinkForm = FORM) -> Response:
    """Link a parent's account to a child (the API's)."""
    from adapters.http import identity

    try:
        child, parent = UUID(data.child_id), UUID(data.account_id)
    except ValueError:
        raise Invalid("Choose the child and the parent.", "child_id") from None
    identity.link_parent.fn(child, identity.ParentLink(
        parent, data.relationship.strip() or "parent"), actor, services)
    return see_other("/office/people?done=link")


class DisableForm(msgspec.Struct):
    account_id: str = ""


@post("/office/people/disable", opt={"permission": "account.disable"}, sync_to_thread=True,
      status_code=303)
def disable(actor: Actor, services: Services, data: DisableForm = FORM) -> Response:
    """Disable an account (the API's): its sessions end at once, its records stay."""
    from adapters.http import identity

    try:
        account = UUID(data.account_id)
    except ValueError:
        raise Invalid("Choose the account to disable.", "account_id") from None
    identity.disable_account.fn(account, actor, services)
    return see_other("/office/people?done=disabled")


class RestrictionForm(msgspec.Struct):
    child_id: str = ""
    account_id: str = ""
    change: str = "restrict"
    reason: str = ""


@post("/office/people/restrictions", opt={"permission": "child.restrict_parent"},
      sync_to_thread=True, status_code=303)
def restriction(actor: Actor, services: Services, data: RestrictionForm = FORM) -> Response:
    """Restrict a parent's access to a child, or lift it (a court order; the API's):
    at once, with the reason in the audit trail."""
    from adapters.http import identity

    try:
        child, parent = UUID(data.child_id), UUID(data.account_id)
    except ValueError:
        raise Invalid("Choose the child and the parent.", "child_id") from None
    change = {"restrict": identity.restrict_parent, "lift": identity.lift_restriction}.get(
        data.change)
    if change is None:
        raise Invalid("Choose whether to restrict or to lift the restriction.", "change")
    change.fn(child, parent, identity.Reason(data.reason), actor, services)
    return see_other("/office/people?done=restriction")


class TermsForm(msgspec.Struct):
    text: str = ""


@post("/office/people/terms", opt={"permission": "setting.terms.publish"},
      sync_to_thread=True, status_code=303)
def publish_terms(actor: Actor, services: Services, data: TermsForm = FORM) -> Response:
    """Publish new agreement terms: parents sign them again (the API's)."""
    from adapters.http import consent

    consent.publish_terms.fn(consent.NewTerms(data.text), actor, services)
    return see_other("/office/people?done=terms")


# opening hours

DAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
        ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))


@get("/office/hours", opt={"permission": "setting.terms.read"}, sync_to_thread=True)
def hours_page(request: Request, actor: Actor, services: Services) -> Response:
    """The hours staff may use the system, day by day."""
    from adapters.http import identity

    setting = identity.read_setting.fn(actor, services)
    return render(request, "hours.html", actor=actor, staff_tab="people", setting=setting,
                  days=DAYS)


@post("/office/hours", opt={"permission": "setting.opening_hours"}, status_code=303)
async def set_hours(request: Request, actor: Actor, services: Services) -> Response:
    """Set the opening hours (the API's): a day without both times is closed."""
    import anyio

    from adapters.http import identity

    form = await request.form()
    days = {key: [str(form.get(f"{key}_open")), str(form.get(f"{key}_close"))]
            for key, _ in DAYS if form.get(f"{key}_open") and form.get(f"{key}_close")}
    hours = identity.OpeningHours(str(form.get("timezone") or "Europe/London"), days)
    await anyio.to_thread.run_sync(
        lambda: identity.set_opening_hours.fn(hours, actor, services))
    return see_other("/office/hours")


# the audit trail (safeguarding leads and managers)


@get("/audit-trail", opt={"permission": "audit.read"}, sync_to_thread=True)
def audit_page(request: Request, actor: Actor, services: Services,
               child_id: UUID | None = None, on: str | None = None,
               time: str | None = None) -> Response:
    """What happened to a child's record, who read it (the API's audit trail), by name;
    and, given a date (`on`) and a local time, the record as it stood then (the API's
    replay, rebuilt from the event log alone)."""
    from adapters.http import audit
    from projections.identity import accounts_of_setting

    children = journey_views.children_page(services.db, actor.setting_id, None, None, 500)
    now = _now(services, actor)
    events = reads = []
    record = None
    if child_id is not None:
        request.app.state.gatekeeper.require_child(actor, child_id)
        events = audit.events.fn(request, actor, services, child_id=child_id,
                                 limit=100, format="json").items
        reads = audit.access.fn(request, actor, services, child_id=child_id,
                                limit=100).items
        if on:
            record = audit.replay_child.fn(child_id, actor, services,
                                           at=_local_instant(on, time, now))
    names = {a["account_id"]: a["display_name"]
             for a in accounts_of_setting(services.db, actor.setting_id)}
    return render(request, "audit.html", actor=actor, staff_tab="audit", children=children,
                  chosen=str(child_id) if child_id else "", events=events, reads=reads,
                  names=names, timezone=now.tzinfo, record=record, on=on or "",
                  time=time or "")


def _local_instant(on: str, time: str | None, now: dt.datetime) -> str:
    """A date and a time of day in the setting's timezone as an ISO time with offset
    (the end of the day when no time is given); Invalid naming the field otherwise."""
    try:
        day = dt.date.fromisoformat(on)
    except ValueError:
        raise Invalid("The field 'on' must be a date, like 2026-03-03.", "on") from None
    try:
        hour, minute = (int(part) for part in (time or "23:59").split(":"))
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo)
    except ValueError:
        raise Invalid("The field 'time' must be a time of day, like 14:30.", "time") from None
    return min(moment, now).isoformat()


ROUTES: list[Any] = [
    audit_page,
    hours_page, set_hours,
    people_page, add_account, add_child, link_parent, publish_terms, disable, restriction,
    damage_page, damage, reports_page, custody_csv, damage_csv,
    enrol_page, enrol, room_page, record, child_page, medicine, incident, end_session,
    observe_page, observe,
    tablet_photos, photo_deleted, moderation_page, moderate, devices_page,
    device_sign_out, device_sign_in, register_device,
]
