"""Consent read models on both storage backends: terms, signatures, image consent, rebuild."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from adapters.setup import set_up_setting
from domain.actor import MANAGER, PARENT, Actor
from domain.errors import Forbidden, NotFound
from projections import consent as views
from tests.support import PASSWORD

pytestmark = pytest.mark.storage


@pytest.fixture
def people(services):
    made = set_up_setting(services, "Clarecroft", "m@clarecroft.test", PASSWORD,
                          open_all_hours=True)
    setting = UUID(made["setting_id"])
    manager = Actor(UUID(made["manager_id"]), setting, (MANAGER,))
    journey, _ = services.app.enrol_child("Ada", date(2024, 1, 1), "Rainbow", manager.account_id,
                                          manager, services.clock())
    child = journey.id
    parent = Actor(uuid4(), setting, (PARENT,), children=frozenset({child}))
    return services, setting, manager, parent, child


def _publish(services, manager, text="Terms", keep_older=False) -> int:
    version, position = services.app.publish_terms(text, manager, services.clock(), keep_older)
    services.projections.wait_for(position)
    return version


def _snapshot(services, setting, parent, child):
    return (
        views.current_terms(services.db, setting),
        views.signed_children(services.db, parent.account_id, setting),
        views.consent_of_child(services.db, child),
    )


def test_signatures_follow_the_current_terms_and_survive_a_rebuild(people):
    services, setting, manager, parent, child = people
    assert views.current_terms(services.db, setting) is None
    assert views.signed_children(services.db, parent.account_id, setting) == set()

    assert _publish(services, manager, "Version one") == 1
    services.projections.wait_for(
        services.app.sign_agreement(child, 1, parent, services.clock()))
    assert views.signed_children(services.db, parent.account_id, setting) == {child}

    assert _publish(services, manager, "Version two") == 2
    assert views.current_terms(services.db, setting) == (2, "Version two", False)
    assert views.signed_children(services.db, parent.account_id, setting) == set()

    assert _publish(services, manager, "Version three, small change", keep_older=True) == 3
    assert views.signed_children(services.db, parent.account_id, setting) == {child}

    services.projections.wait_for(
        services.app.set_image_consent(child, True, parent, services.clock()))
    consent = views.consent_of_child(services.db, child)
    assert consent["image_consent"] is True
    assert [a["terms_version"] for a in consent["agreements"]] == [1]

    before = _snapshot(services, setting, parent, child)
    services.projections.rebuild()
    assert _snapshot(services, setting, parent, child) == before


def test_image_consent_needs_a_signature_and_a_linked_child(people):
    services, setting, manager, parent, child = people
    _publish(services, manager)
    with pytest.raises(Forbidden, match="must be signed first"):
        services.app.set_image_consent(child, True, parent, services.clock())
    with pytest.raises(NotFound):
        services.app.sign_agreement(uuid4(), 1, parent, services.clock())
    assert views.consent_of_child(services.db, child)["image_consent"] is False


def test_image_consent_is_read_from_the_log(people):
    services, setting, manager, parent, child = people
    _publish(services, manager)
    services.app.sign_agreement(child, 1, parent, services.clock())
    other = uuid4()
    assert services.app.image_consent_of([child, other]) == {child: False, other: False}
    services.app.set_image_consent(child, True, parent, services.clock())
    assert services.app.image_consent_of([child, other]) == {child: True, other: False}
