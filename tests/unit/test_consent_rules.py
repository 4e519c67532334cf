"""The consent rules: image consent at approval and in views, the agreement's currency."""

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.consent_rules import (
    ImageConsentMissing,
    agreement_current,
    agreement_required_sentence,
    check_images_may_appear,
    image_consent_warnings,
    media_visible_in,
)
from domain.errors import Conflict

A, B, C = uuid4(), uuid4(), uuid4()


def test_own_photo_needs_no_consent():
    check_images_may_appear(A, {A}, {})
    assert media_visible_in(A, [A], {A: False})


def test_group_photo_with_a_child_without_consent_is_refused_in_another_journey():
    with pytest.raises(Conflict) as caught:
        check_images_may_appear(A, {A, B}, {B: False})
    assert isinstance(caught.value, ImageConsentMissing)
    assert caught.value.children == frozenset({B})
    assert "image consent" in caught.value.detail
    assert str(B) not in caught.value.detail


def test_a_child_missing_from_the_mapping_has_not_consented():
    with pytest.raises(ImageConsentMissing):
        check_images_may_appear(A, [B], {})


def test_the_sentence_to_a_parent_states_the_rule_and_no_count():
    with pytest.raises(ImageConsentMissing) as caught:
        check_images_may_appear(A, {B, C}, {B: False, C: True}, viewer_is_staff=False)
    detail = caught.value.detail
    assert "their own journey" in detail
    assert str(B) not in detail and "1 other child" not in detail


def test_group_photo_with_consent_everywhere_is_allowed():
    check_images_may_appear(A, {A, B, C}, {B: True, C: True})
    assert media_visible_in(A, [A, B, C], {B: True, C: True})
    assert not media_visible_in(A, [A, B, C], {B: True, C: False})
    assert media_visible_in(C, [A, B, C], {A: True, B: True, C: False})


@given(st.sets(st.integers(0, 5)), st.dictionaries(st.integers(0, 5), st.booleans()),
       st.integers(0, 5))
def test_visibility_and_approval_agree(shown, consent, journey):
    ids = [uuid4() for _ in range(6)]
    shows = {ids[i] for i in shown}
    allowed = {ids[i]: v for i, v in consent.items()}
    visible = media_visible_in(ids[journey], shows, allowed)
    try:
        check_images_may_appear(ids[journey], shows, allowed)
        approvable = True
    except ImageConsentMissing:
        approvable = False
    assert visible == approvable


def test_upload_warnings():
    assert image_consent_warnings(A, [A, B], {B: True}) == []
    assert image_consent_warnings(B, [A, B], {A: False}) != []
    assert image_consent_warnings(A, [A], {A: False}) == []
    assert image_consent_warnings(None, [A, B], {A: True, B: False}) != []
    assert image_consent_warnings(None, [A], {}) == []


def test_agreement_must_cover_the_current_terms():
    assert agreement_current({1}, 1)
    assert not agreement_current({1}, 2)
    assert agreement_current({1, 2}, 2)
    assert agreement_current({1}, 2, keep_older=True)
    assert not agreement_current(set(), 2, keep_older=True)
    assert not agreement_current(set(), 0)


def test_agreement_sentence_says_where_to_sign():
    sentence = agreement_required_sentence(A, 2)
    assert "must be signed first" in sentence
    assert "GET /setting/terms" in sentence
    assert f"POST /children/{A}/agreement" in sentence
