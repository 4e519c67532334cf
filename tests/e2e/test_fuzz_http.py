"""Fuzz every JSON route with what attackers send: deep nesting, huge numbers, bad and
far dates, overlong strings, odd unicode, in bodies, query parameters and path dates.
Whatever comes, never a 5xx (issue 16)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.storage

NASTY_TEXT = [
    "9999-12-31", "0001-01-01", "2026-13-45", "9999-12-31T23:59:00-12:00",
    "0001-01-01T00:00:00+14:00", "2026-02-30", "99999-01-01", "", " ", "\u0000",
    "\u202egnp.exe", "\ud800", "e\u0301" * 50, "\U0001f476" * 300, "x" * 100_000,
    "1e999", "NaN", "-0", "../../etc/passwd", "<script>", "' OR 1=1 --",
]
NASTY_NUMBERS = [10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, -1, 0]


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


nasty_value = st.one_of(
    st.sampled_from(NASTY_TEXT), st.sampled_from(NASTY_NUMBERS),
    st.text(max_size=50), st.integers(), st.floats(allow_nan=False),
    st.lists(st.sampled_from(NASTY_TEXT), max_size=3), st.none(), st.booleans(),
)


def _json_operations(schema: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            body = (op.get("requestBody") or {}).get("content", {})
            if method.upper() == "GET" or "application/json" in body:
                found.append((method.upper(), path, op))
    return found


def _fields(schema: dict, op: dict) -> list[str]:
    body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
    ref = json.dumps(body.get("schema", {}))
    names: set[str] = set()
    for name in re.findall(r'#/components/schemas/([^"]+)"', ref):
        names |= set(schema["components"]["schemas"].get(name, {}).get("properties", {}))
    return sorted(names) or ["text"]


@pytest.fixture
def fuzz_target(nursery):
    child_id = nursery.enrol_child()
    schema = nursery.client.get("/schema").json()
    return nursery, child_id, schema, _json_operations(schema)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_input_makes_a_5xx(fuzz_target, data):
    nursery, child_id, schema, operations = fuzz_target
    method, path, op = data.draw(st.sampled_from(operations), label="operation")
    day = data.draw(st.sampled_from(["2026-11-25", "9999-12-31", "2026-13-45", "0001-01-01"]))
    url = (path.replace("{child_id}", child_id).replace("{date}", day)
           .replace("{room}", data.draw(st.sampled_from(["Rainbow", "\u202e", "x" * 5000]))))
    url = re.sub(r"\{[a-z_]+\}", lambda _: str(uuid.uuid4()), url)
    params = {p["name"]: str(data.draw(nasty_value, label=p["name"]))
              for p in op.get("parameters", []) if p["in"] == "query"
              and data.draw(st.booleans())}
    kind = data.draw(st.sampled_from(["fields", "deep", "huge", "not json"]), label="body")
    if kind == "fields":
        body = json.dumps({name: data.draw(nasty_value, label=name)
                           for name in _fields(schema, op)}, default=str)
    elif kind == "deep":
        field = data.draw(st.sampled_from(_fields(schema, op)))
        body = f'{{"{field}":{_deep(data.draw(st.sampled_from([100, 1000, 10_000])))}}}'
    elif kind == "huge":
        body = json.dumps({name: 10**4000 for name in _fields(schema, op)}, default=str)
        body = body.replace('"' + str(10**4000) + '"', str(10**4000))
    else:
        body = "{" + "\u0000\ud800"
    response = nursery.client.request(
        method, url, params=params, headers={**nursery.manager.headers,
                                             "Content-Type": "application/json"},
        content=None if method == "GET" else body.encode("utf-8", "surrogatepass"))
    assert response.status_code < 500, (method, url, params, body[:300], response.text)
