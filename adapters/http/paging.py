"""The paging rule of every list: `?limit=` defaults to 50, between 1 and 200."""

from __future__ import annotations

from domain.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def page_limit(limit: int | None) -> int:
    """`?limit=`: default 50, between 1 and 200; otherwise 400 naming the parameter."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"The query parameter 'limit' must be between 1 and {MAX_LIMIT}.",
                      "limit")
    return limit
