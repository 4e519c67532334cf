"""Every read model of the service. A new projection is one line here."""

from __future__ import annotations

from functools import cache

from projections.engine import Projection


def all_projections() -> list[Projection]:
    """A fresh instance of every projection."""
    from projections.compliance import ComplianceView
    from projections.consent import ConsentViews
    from projections.devices import DevicesView
    from projections.diary import DiaryViews
    from projections.identity import IdentityViews
    from projections.journey import JourneyViews
    from projections.media import MediaView

    return [
        IdentityViews(),
        JourneyViews(),
        DevicesView(),
        ConsentViews(),
        DiaryViews(),
        MediaView(),
        ComplianceView(),
    ]


@cache
def kept_tables() -> frozenset[str]:
    """Every table some registered projection keeps."""
    return frozenset(t for p in all_projections() for t in p.tables)
