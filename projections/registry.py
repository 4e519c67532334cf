"""Every read model of the service. A new projection is one line here."""

from __future__ import annotations

from projections.audit import AuditView
from projections.compliance import ComplianceView
from projections.consent import ConsentViews
from projections.counters import EventCounts
from projections.devices import DevicesView
from projections.diary import DiaryViews
from projections.engine import Projection
from projections.identity import IdentityViews
from projections.journey import JourneyViews
from projections.lifecycle import LifecycleView
from projections.media import MediaView
from projections.media_visibility import MediaVisibility
from projections.progress import ProgressView


def all_projections() -> list[Projection]:
    """A fresh instance of every projection."""
    return [
        IdentityViews(),
        JourneyViews(),
        DevicesView(),
        ConsentViews(),
        DiaryViews(),
        MediaView(),
        MediaVisibility(),
        ComplianceView(),
        ProgressView(),
        LifecycleView(),
        AuditView(),
        EventCounts(),
    ]
