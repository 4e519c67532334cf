"""Progress per area equals a straightforward recount of the observations behind it."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.framework import DEVELOPMENT_MATTERS
from projections.progress import ProgressView, child_progress, term_of
from storage.database import SQLiteDatabase

AREAS = [a.key for a in DEVELOPMENT_MATTERS.areas]
observations = st.lists(st.tuples(
    st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    st.lists(st.sampled_from(AREAS), max_size=3, unique=True),
    st.booleans(),  # approved
    st.booleans(),  # removed
), max_size=12)


def apply(view: ProgressView, db, name: str, **fields) -> None:
    event = SimpleNamespace(timestamp=datetime(2026, 11, 25, tzinfo=UTC), **fields)
    with db.transaction() as tx:
        view.process(event, f"domain:ChildJourney.{name}", tx)


@settings(max_examples=30, deadline=None)
@given(observations)
def test_progress_per_area_is_a_recount_of_the_events(history):
    with tempfile.TemporaryDirectory() as folder:
        db = SQLiteDatabase(Path(folder) / "views.sqlite")
        view = ProgressView()
        db.create_tables(view.schema)
        child = uuid4()
        for observed_on, areas, approved, removed in history:
            observation = uuid4()
            apply(view, db, "ObservationSubmitted", observation_id=observation,
                  child_id=child, observed_on=observed_on, next_steps=None,
                  framework=[{"area": a} for a in areas])
            if approved:
                apply(view, db, "RevisionApproved", observation_id=observation, revision=1,
                      child_id=child)
            if removed:
                apply(view, db, "ObservationRemoved", observation_id=observation,
                      child_id=child)
        for approved_only in (False, True):
            expected: dict[str, dict[str, int]] = {a: {} for a in AREAS}
            for observed_on, areas, approved, removed in history:
                if removed or (approved_only and not approved):
                    continue
                for a in areas:
                    term = term_of(observed_on)
                    expected[a][term] = expected[a].get(term, 0) + 1
            got = child_progress(db, child, approved_only)
            assert {a["area"]: a["observations"] for a in got["areas"]} == expected
        db.close()
