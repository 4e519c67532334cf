"""`make run` seeds a demo nursery into an empty data directory, once."""

from __future__ import annotations

from adapters.demo import seed_demo


def test_demo_seeds_people_children_observations_and_diary_once(services):
    printed = seed_demo(services)
    assert printed is not None and "manager@demo.nursery" in printed
    assert printed.count("tablet token") == 2 and printed.count("parent") >= 3
    db = services.db
    assert db.query_one("SELECT COUNT(*) FROM children_view")[0] == 6
    roles = [r[0] for r in db.query("SELECT roles FROM accounts_view")]
    assert sum("practitioner" in r for r in roles) == 2
    assert sum("parent" in r for r in roles) == 3
    assert db.query_one("SELECT COUNT(*) FROM diary_entries")[0] >= 12
    assert seed_demo(services) is None  # not twice
