"""Development Matters as data: areas of learning, aspects, age bands and the
Characteristics of Effective Learning.

A framework is plain data (`Framework`); the code that checks an observation's
references (`Framework.check_references`) knows nothing about Development Matters in
particular, so a setting using another framework later only needs another
`Framework(...)` value in `FRAMEWORKS`, not new code.

An observation refers to the framework with items like
`{"area": "communication_and_language", "aspect": "speaking", "age_band": "birth_to_three"}`
(the aspect and age band are optional) or `{"characteristic": "active_learning"}`.
Keys or the full names (any case) are accepted; references are stored as keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.errors import Invalid


def slug(name: str) -> str:
    """The key of a name: lower case, words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("&", "and")).strip("_")


@dataclass(frozen=True)
class Named:
    """Something of the framework with a stable key and the name people read."""

    key: str
    name: str


@dataclass(frozen=True)
class Area:
    """An area of learning; prime areas are the ones the progress check at two covers."""

    key: str
    name: str
    prime: bool
    aspects: tuple[Named, ...]


@dataclass(frozen=True)
class Framework:
    """A curriculum framework as data."""

    key: str
    name: str
    areas: tuple[Area, ...]
    age_bands: tuple[Named, ...]
    characteristics: tuple[Named, ...]
    judgements: tuple[str, ...] = ("emerging", "expected", "exceeding")

    @property
    def prime_areas(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.areas if a.prime)

    @property
    def area_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.areas)

    def area(self, ref: str) -> Area | None:
        """The area named by key or name, or None."""
        wanted = slug(ref or "")
        return next((a for a in self.areas if wanted in (a.key, slug(a.name))), None)

    def check_references(self, references: Iterable[Mapping[str, Any]]) -> list[dict]:
        """The references as keys, or `Invalid` naming the first bad one."""
        checked: list[dict] = []
        for index, ref in enumerate(references):
            where = f"framework[{index}]"
            if not isinstance(ref, Mapping):
                raise Invalid(f"The field '{where}' must be an object with an 'area'.", where)
            ref = {k: v for k, v in ref.items() if v is not None}
            unknown = set(ref) - {"area", "aspect", "age_band", "characteristic"}
            if unknown:
                raise Invalid(
                    f"The field '{where}' has an unknown part {sorted(unknown)[0]!r}; use "
                    "area, aspect, age_band or characteristic.", where)
            item: dict = {}
            if "characteristic" in ref:
                key = _key_in(self.characteristics, ref["characteristic"])
                if key is None:
                    raise Invalid(
                        f"The field '{where}.characteristic' names "
                        f"{_shown(ref['characteristic'])}, which is not a Characteristic of "
                        f"Effective Learning in {self.name}; use one of "
                        f"{', '.join(c.key for c in self.characteristics)}.",
                        f"{where}.characteristic")
                item["characteristic"] = key
            if "area" not in ref:
                if not item:
                    raise Invalid(f"The field '{where}' must name an 'area' (or a "
                                  "'characteristic').", where)
                if "aspect" in ref or "age_band" in ref:
                    raise Invalid(f"The field '{where}' names an aspect or age band "
                                  "without its 'area'.", where)
                checked.append(item)
                continue
            area = self.area(ref["area"]) if isinstance(ref["area"], str) else None
            if area is None:
                raise Invalid(
                    f"The field '{where}.area' names {_shown(ref['area'])}, which is not an "
                    f"area of learning in {self.name}; use one of "
                    f"{', '.join(self.area_keys)}.", f"{where}.area")
            item["area"] = area.key
            if "aspect" in ref:
                aspect = _key_in(area.aspects, ref["aspect"])
                if aspect is None:
                    raise Invalid(
                        f"The field '{where}.aspect' names {_shown(ref['aspect'])}, which is "
                        f"not an aspect of {area.name}; use one of "
                        f"{', '.join(a.key for a in area.aspects)}.", f"{where}.aspect")
                item["aspect"] = aspect
            if "age_band" in ref:
                band = _key_in(self.age_bands, ref["age_band"])
                if band is None:
                    raise Invalid(
                        f"The field '{where}.age_band' names {_shown(ref['age_band'])}, which "
                        f"is not an age band of {self.name}; use one of "
                        f"{', '.join(b.key for b in self.age_bands)}.", f"{where}.age_band")
                item["age_band"] = band
            checked.append(item)
        return checked

    def in_words(self, ref: Mapping[str, Any]) -> str:
        """A reference as people read it: "Communication and Language — Listening,
        Attention and Understanding (Birth to three)", or a characteristic's name. Keys
        this framework does not know are shown as they are."""
        if ref.get("characteristic"):
            return _name_in(self.characteristics, ref["characteristic"])
        area = self.area(ref.get("area") or "")
        if area is None:
            return str(ref.get("area") or "")
        text = area.name
        if ref.get("aspect"):
            text += " — " + _name_in(area.aspects, ref["aspect"])
        if ref.get("age_band"):
            text += f" ({_name_in(self.age_bands, ref['age_band'])})"
        return text

    def worded(self, references: Iterable[Mapping[str, Any]]) -> list[dict]:
        """Each reference with its `words` beside its keys."""
        return [{**ref, "words": self.in_words(ref)} for ref in references
                if isinstance(ref, Mapping)]

    def as_json(self) -> dict:
        """The framework as `GET /framework` shows it."""
        return {
            "key": self.key,
            "name": self.name,
            "areas": [
                {"key": a.key, "name": a.name, "prime": a.prime,
                 "aspects": [{"key": x.key, "name": x.name} for x in a.aspects]}
                for a in self.areas
            ],
            "age_bands": [{"key": b.key, "name": b.name} for b in self.age_bands],
            "characteristics": [{"key": c.key, "name": c.name} for c in self.characteristics],
            "judgements": list(self.judgements),
        }


def _key_in(items: Iterable[Named], ref: Any) -> str | None:
    if not isinstance(ref, str):
        return None
    wanted = slug(ref)
    return next((i.key for i in items if wanted in (i.key, slug(i.name))), None)


def _name_in(items: Iterable[Named], key: Any) -> str:
    return next((i.name for i in items if i.key == key), str(key))


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value[:60]}'"
    return text


def _named(*names: str) -> tuple[Named, ...]:
    return tuple(Named(slug(n), n) for n in names)


def _area(name: str, prime: bool, *aspects: str) -> Area:
    return Area(slug(name), name, prime, _named(*aspects))


DEVELOPMENT_MATTERS = Framework(
    key="development_matters",
    name="Development Matters",
    areas=(
        _area("Communication and Language", True,
              "Listening, Attention and Understanding", "Speaking"),
        _area("Personal, Social and Emotional Development", True,
              "Self-Regulation", "Managing Self", "Building Relationships"),
        _area("Physical Development", True, "Gross Motor Skills", "Fine Motor Skills"),
        _area("Literacy", False, "Comprehension", "Word Reading", "Writing"),
        _area("Mathematics", False, "Number", "Numerical Patterns"),
        _area("Understanding the World", False,
              "Past and Present", "People, Culture and Communities", "The Natural World"),
        _area("Expressive Arts and Design", False,
              "Creating with Materials", "Being Imaginative and Expressive"),
    ),
    age_bands=(
        Named("birth_to_three", "Birth to three"),
        Named("three_and_four_year_olds", "3 and 4-year-olds"),
        Named("children_in_reception", "Children in reception"),
    ),
    characteristics=_named(
        "Playing and exploring", "Active learning", "Creating and thinking critically"
    ),
)

FRAMEWORKS: dict[str, Framework] = {DEVELOPMENT_MATTERS.key: DEVELOPMENT_MATTERS}
DEFAULT = DEVELOPMENT_MATTERS


def framework_for(key: str | None = None) -> Framework:
    """The framework a setting uses (Development Matters unless it names another)."""
    return FRAMEWORKS.get(key or DEFAULT.key, DEFAULT)
