"""Development Matters as data, and the checking of an observation's references."""

import pytest

from domain.errors import Invalid
from domain.framework import DEVELOPMENT_MATTERS, Area, Framework, Named, framework_for


def test_seven_areas_three_of_them_prime():
    assert len(DEVELOPMENT_MATTERS.areas) == 7
    assert DEVELOPMENT_MATTERS.prime_areas == (
        "communication_and_language",
        "personal_social_and_emotional_development",
        "physical_development",
    )


def test_seventeen_early_learning_goals_and_three_bands_and_characteristics():
    aspects = [a.name for area in DEVELOPMENT_MATTERS.areas for a in area.aspects]
    assert len(aspects) == 17
    assert "Listening, Attention and Understanding" in aspects
    assert "Being Imaginative and Expressive" in aspects
    assert [b.name for b in DEVELOPMENT_MATTERS.age_bands] == [
        "Birth to three", "3 and 4-year-olds", "Children in reception"]
    assert [c.name for c in DEVELOPMENT_MATTERS.characteristics] == [
        "Playing and exploring", "Active learning", "Creating and thinking critically"]


def test_references_by_key_or_by_name_are_stored_as_keys():
    checked = DEVELOPMENT_MATTERS.check_references([
        {"area": "Communication and Language", "aspect": "Speaking",
         "age_band": "3 and 4-year-olds"},
        {"area": "mathematics", "aspect": "numerical_patterns"},
        {"characteristic": "Active learning"},
    ])
    assert checked == [
        {"area": "communication_and_language", "aspect": "speaking",
         "age_band": "three_and_four_year_olds"},
        {"area": "mathematics", "aspect": "numerical_patterns"},
        {"characteristic": "active_learning"},
    ]


@pytest.mark.parametrize("ref, field, named", [
    ({"area": "Astrology"}, "framework[0].area", "Astrology"),
    ({"area": "literacy", "aspect": "Number"}, "framework[0].aspect", "Number"),
    ({"area": "literacy", "age_band": "teenagers"}, "framework[0].age_band", "teenagers"),
    ({"characteristic": "sitting still"}, "framework[0].characteristic", "sitting still"),
    ({"aspect": "speaking"}, "framework[0]", None),
    ({"area": "literacy", "colour": "red"}, "framework[0]", "colour"),
])
def test_a_bad_reference_is_400_naming_it(ref, field, named):
    with pytest.raises(Invalid) as error:
        DEVELOPMENT_MATTERS.check_references([ref])
    assert error.value.field == field
    if named:
        assert named in error.value.detail


def test_another_framework_is_new_data_only():
    other = Framework(
        key="forest_school", name="Forest School",
        areas=(Area("outdoors", "Outdoors", True, (Named("den_building", "Den building"),)),),
        age_bands=(Named("all", "All ages"),),
        characteristics=(Named("curiosity", "Curiosity"),),
    )
    assert other.check_references([{"area": "Outdoors", "aspect": "Den building"}]) == [
        {"area": "outdoors", "aspect": "den_building"}]
    with pytest.raises(Invalid):
        other.check_references([{"area": "mathematics"}])
    assert framework_for(None) is DEVELOPMENT_MATTERS
    assert framework_for("unknown") is DEVELOPMENT_MATTERS


def test_framework_as_json_lists_everything():
    shown = DEVELOPMENT_MATTERS.as_json()
    assert shown["name"] == "Development Matters"
    assert sum(len(a["aspects"]) for a in shown["areas"]) == 17
    assert shown["judgements"] == ["emerging", "expected", "exceeding"]
