"""`/schema` documents every operation: a summary and description, a typed request body
where the route takes one, a typed 2xx response, and the refusals it gives (issue 15)."""

from __future__ import annotations

import inspect

import pytest

from adapters.http.routes import route_handlers

pytestmark = pytest.mark.storage

UNTYPED = ({}, {"type": "object"}, {"additionalProperties": {}, "type": "object"})


def _takes_body(handler) -> bool:
    """A `data` parameter, or a raw body its own operation class declares (POST /media)."""
    fn = getattr(handler.fn, "value", handler.fn)
    raw = handler.operation_class.__name__ != "Operation" and "GET" not in handler.http_methods
    return "data" in inspect.signature(fn).parameters or raw


def _typed(schema: dict) -> bool:
    if schema in UNTYPED:
        return False
    if "$ref" in schema or schema.get("type") in ("string", "array", "integer", "boolean"):
        return True
    choices = schema.get("oneOf") or schema.get("anyOf") or []
    return bool(choices) and all(_typed(c) or c == {"type": "null"} for c in choices)


def test_every_operation_is_documented_and_typed(nursery):
    schema = nursery.client.get("/schema").json()
    bodies = {(path, method): _takes_body(h)
              for h in route_handlers() for method in h.http_methods
              for path in [p.replace(":uuid", "").replace(":str", "") for p in h.paths]}
    problems = []
    operations = 0
    for path, item in schema["paths"].items():
        for method, op in item.items():
            operations += 1
            name = f"{method.upper()} {path}"
            summary = op.get("summary") or ""
            if not summary or summary.replace(" ", "").isalnum() and " " not in summary:
                problems.append(f"{name}: no summary (got {summary!r})")
            if not op.get("description"):
                problems.append(f"{name}: no description")
            if bodies.get((path, method.upper())):
                content = (op.get("requestBody") or {}).get("content") or {}
                if not content or not all(_typed(c.get("schema") or {})
                                          for c in content.values()):
                    problems.append(f"{name}: request body not typed")
            for status, response in op["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content") or {}
                if not content or not all(_typed(c.get("schema") or {})
                                          for c in content.values()):
                    problems.append(f"{name}: {status} response not typed")
            if "400" not in op["responses"]:
                problems.append(f"{name}: 400 not declared")
    assert operations > 40
    assert problems == [], "\n".join(problems)
