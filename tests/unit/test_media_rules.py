"""The Media aggregate and who may download a photo or video."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.access import require_media_visible
from domain.actor import Actor
from domain.aggregates.media import Media
from domain.commands.media import MediaCommands
from domain.errors import Forbidden, Invalid, NotFound

AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SETTING = uuid4()
CHILD, OTHER_CHILD = uuid4(), uuid4()


def person(*roles: str, children=(), agreed=(), device=None) -> Actor:
    return Actor(uuid4(), SETTING, roles, device, frozenset(children), frozenset(agreed))


def test_an_upload_records_who_appears_and_the_tablet():
    tablet = uuid4()
    staff = person("practitioner", device=tablet)
    media = Media.upload(uuid4(), "photo", "image/jpeg", 10, "a" * 64, [CHILD, CHILD], None,
                         staff, AT)
    event = media.pending_events[0]
    assert event.children == [CHILD] and event.device_id == tablet
    assert event.uploaded_by == staff.account_id and event.setting_id == SETTING
    media.attach(uuid4(), [CHILD], staff, AT)
    assert len(media.observations) == 1


def test_an_empty_upload_is_refused():
    with pytest.raises(Invalid):
        Media.upload(uuid4(), "photo", "image/jpeg", 0, "a" * 64, [], None, person("manager"),
                     AT)


def test_parents_name_only_their_own_child():
    parent = person("parent", children=[CHILD], agreed=[CHILD])
    settings = {CHILD: SETTING, OTHER_CHILD: SETTING}
    assert MediaCommands.check_media_children([CHILD], settings, parent) == [CHILD]
    # another family's child and an id that exists nowhere get one answer (issue 16 F7)
    answers = []
    for child in (OTHER_CHILD, uuid4()):
        with pytest.raises(Invalid) as refused:
            MediaCommands.check_media_children([child], settings, parent)
        answers.append(refused.value.detail.replace(str(child), "<id>"))
    assert answers[0] == answers[1] and "not your child" in answers[0]
    with pytest.raises(Invalid, match="not a child of this setting"):
        MediaCommands.check_media_children([uuid4()], settings, person("practitioner"))
    with pytest.raises(Invalid):
        MediaCommands.check_media_children([CHILD], {CHILD: uuid4()}, person("manager"))


def test_a_parent_uploads_only_after_signing_the_agreement():
    unsigned = person("parent", children=[CHILD])
    settings = {CHILD: SETTING}
    for children in ([CHILD], []):
        with pytest.raises(Forbidden, match="agreement"):
            MediaCommands.check_media_children(children, settings, unsigned)


def test_before_use_only_the_uploader_and_managers_download():
    uploader = person("practitioner")
    require_media_visible(uploader, SETTING, uploader.account_id, [])
    require_media_visible(person("manager"), SETTING, uploader.account_id, [])
    for other in (person("practitioner"), person("parent", children=[CHILD], agreed=[CHILD])):
        with pytest.raises(NotFound):
            require_media_visible(other, SETTING, uploader.account_id, [])
    stranger = Actor(uuid4(), uuid4(), ("manager",))
    with pytest.raises(NotFound):
        require_media_visible(stranger, SETTING, uploader.account_id, [])


def test_once_used_the_observations_readers_download():
    uploader = uuid4()
    parent = person("parent", children=[CHILD], agreed=[CHILD])
    require_media_visible(person("practitioner"), SETTING, uploader, [(CHILD, False, True)])
    require_media_visible(parent, SETTING, uploader, [(CHILD, True, True)])
    for uses in ([(CHILD, False, True)], [(CHILD, True, False)], [(OTHER_CHILD, True, True)]):
        with pytest.raises(NotFound):
            require_media_visible(parent, SETTING, uploader, uses)
    unsigned = person("parent", children=[CHILD])
    with pytest.raises(NotFound):
        require_media_visible(unsigned, SETTING, uploader, [(CHILD, True, True)])
