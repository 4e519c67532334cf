"""`st` (schemathesis's command line) with one workaround: CPython 3.11 can fail with
"AST constructor recursion depth mismatch" when Hypothesis parses a lambda's source deep
in a stack only to describe it; such a lambda is described as unknown instead."""

from __future__ import annotations

import sys

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _described(f, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - Hypothesis's own
    try:
        return _describe(f, *args, **kwargs)
    except (SystemError, RecursionError):
        return "lambda: <unknown>"


lambda_sources._lambda_description = _described

if __name__ == "__main__":
    from schemathesis.cli import schemathesis

    sys.argv[0] = "st"
    sys.exit(schemathesis())
