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
    # the product at its best (issue 20 #9): a week of diary days, tagged observations
    # with photos, one waiting, an incident to acknowledge, tablets out today
    assert db.query_one("SELECT COUNT(DISTINCT date) FROM diary_days")[0] >= 5
    assert db.query_one("SELECT COUNT(*) FROM diary_days WHERE session_ended_at "
                        "IS NOT NULL")[0] >= 20
    observations = db.query("SELECT status, framework, media FROM journey_revisions")
    assert {status for status, _, _ in observations} >= {"approved", "pending"}
    assert all(framework != "[]" for _, framework, _ in observations)
    assert sum(media != "[]" for _, _, media in observations) >= 5
    assert db.query_one("SELECT COUNT(*) FROM diary_entries WHERE kind = 'incident' AND "
                        "acknowledged_by = '[]'")[0] == 1
    holders = db.query("SELECT holder_account_id FROM devices_view WHERE kind = 'tablet'")
    assert len(holders) == 2 and all(holder for (holder,) in holders)
    assert seed_demo(services) is None  # not twice
