"""The ChildConsent aggregate: signatures by terms version, image consent, reviews."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import MANAGER, PARENT, Actor
from domain.aggregates.child_consent import ChildConsent, consent_id
from domain.errors import Conflict, Forbidden, Invalid

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTING = uuid4()
CHILD = uuid4()
PARENT_ID = uuid4()
PARENT_ACTOR = Actor(PARENT_ID, SETTING, (PARENT,), children=frozenset({CHILD}))
MANAGER_ACTOR = Actor(uuid4(), SETTING, (MANAGER,))


def opened() -> ChildConsent:
    return ChildConsent.open(CHILD, SETTING, PARENT_ACTOR, AT)


def test_one_record_per_child_with_a_derived_id():
    consent = opened()
    assert consent.id == consent_id(CHILD)
    assert consent_id(CHILD) != CHILD
    assert consent.child_id == CHILD
    assert consent.image_consent is False


def test_signing_records_version_and_time():
    consent = opened()
    assert consent.sign_agreement(PARENT_ID, 1, 1, PARENT_ACTOR, AT)
    assert consent.agreements == [
        {"parent_id": PARENT_ID, "terms_version": 1, "signed_at": AT}
    ]
    assert consent.has_agreement(PARENT_ID, 1)
    assert not consent.sign_agreement(PARENT_ID, 1, 1, PARENT_ACTOR, AT)
    assert len(consent.agreements) == 1
    event = consent.collect_events()[-1]
    assert type(event).__name__ == "AgreementSigned" and event.child_id == CHILD


def test_new_terms_need_a_new_signature():
    consent = opened()
    consent.sign_agreement(PARENT_ID, 1, 1, PARENT_ACTOR, AT)
    assert not consent.has_agreement(PARENT_ID, 2)
    assert consent.has_agreement(PARENT_ID, 2, keep_older=True)
    with pytest.raises(Conflict, match="version 2"):
        consent.sign_agreement(PARENT_ID, 1, 2, PARENT_ACTOR, AT)
    consent.sign_agreement(PARENT_ID, 2, 2, PARENT_ACTOR, AT + timedelta(days=1))
    assert consent.has_agreement(PARENT_ID, 2)


def test_nothing_to_sign_before_terms_are_published():
    with pytest.raises(Conflict, match="not published"):
        opened().sign_agreement(PARENT_ID, 1, 0, PARENT_ACTOR, AT)


@pytest.mark.parametrize("version", [0, -1, True, "1"])
def test_terms_version_must_be_a_positive_whole_number(version):
    with pytest.raises(Invalid) as caught:
        opened().sign_agreement(PARENT_ID, version, 1, PARENT_ACTOR, AT)
    assert caught.value.field == "terms_version"


def test_image_consent_needs_a_current_agreement():
    consent = opened()
    with pytest.raises(Forbidden, match="must be signed first"):
        consent.set_image_consent(True, PARENT_ID, 1, False, PARENT_ACTOR, AT)
    consent.sign_agreement(PARENT_ID, 1, 1, PARENT_ACTOR, AT)
    assert consent.set_image_consent(True, PARENT_ID, 1, False, PARENT_ACTOR, AT)
    assert consent.image_consent is True
    assert not consent.set_image_consent(True, PARENT_ID, 1, False, PARENT_ACTOR, AT)
    assert consent.set_image_consent(False, PARENT_ID, 1, False, PARENT_ACTOR, AT)
    assert consent.image_consent is False
    names = [type(e).__name__ for e in consent.collect_events()]
    assert names == ["Opened", "AgreementSigned", "ImageConsentGiven", "ImageConsentWithdrawn"]


def test_review_records_whether_the_media_come_back():
    consent = opened()
    consent.sign_agreement(PARENT_ID, 1, 1, PARENT_ACTOR, AT)
    observation = uuid4()
    consent.resolve_review(observation, MANAGER_ACTOR, AT)
    consent.set_image_consent(True, PARENT_ID, 1, False, PARENT_ACTOR, AT)
    consent.resolve_review(observation, MANAGER_ACTOR, AT)
    reviews = [e for e in consent.collect_events() if type(e).__name__ == "ReviewResolved"]
    assert [e.restored for e in reviews] == [False, True]
    assert all(e.observation_id == observation for e in reviews)
