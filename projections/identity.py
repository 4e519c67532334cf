"""Identity views: settings (timezone, hours), accounts, parents' children, support grants.

Listens to Setting.* and Account.* events; writes settings_view, accounts_view,
parent_children, parent_restrictions (children a court order keeps from a linked
parent) and support_grants.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from projections.engine import Projection, handles
from storage.database import Database


class IdentityViews(Projection):
    """Who is who in each setting, read by the auth dependency on every request."""

    name = "identity"
    schema = (
        """CREATE TABLE IF NOT EXISTS settings_view (
            setting_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            timezone TEXT NOT NULL,
            hours TEXT NOT NULL,
            registered_at TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS accounts_view (
            account_id TEXT PRIMARY KEY,
            setting_id TEXT NOT NULL,
            email TEXT NOT NULL,
            display_name TEXT NOT NULL,
            roles TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS accounts_by_setting ON accounts_view (setting_id)",
        """CREATE TABLE IF NOT EXISTS parent_children (
            parent_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            relationship TEXT NOT NULL,
            PRIMARY KEY (parent_id, child_id))""",
        "CREATE INDEX IF NOT EXISTS parents_by_child ON parent_children (child_id)",
        """CREATE TABLE IF NOT EXISTS parent_restrictions (
            parent_id TEXT NOT NULL,
            child_id TEXT NOT NULL,
            restricted_at TEXT NOT NULL,
            PRIMARY KEY (parent_id, child_id))""",
        """CREATE TABLE IF NOT EXISTS support_grants (
            setting_id TEXT NOT NULL,
            account_id TEXT NOT NULL,
            until TEXT NOT NULL,
            PRIMARY KEY (setting_id, account_id))""",
    )
    tables = ("settings_view", "accounts_view", "parent_children", "parent_restrictions",
              "support_grants")
    child_tables = ("parent_children", "parent_restrictions")
    setting_tables = ("support_grants", "accounts_view", "settings_view")

    @handles("Setting.TerminationRequested")
    def support_ends(self, event, tx) -> None:
        """Support access ends with a termination request."""
        tx.execute("DELETE FROM support_grants WHERE setting_id = ?", (str(event.originator_id),))

    @handles("Setting.Deleted")
    def forget_setting(self, event, tx) -> None:
        for table in ("parent_children", "parent_restrictions"):
            tx.execute(f"DELETE FROM {table} WHERE parent_id IN "
                       "(SELECT account_id FROM accounts_view WHERE setting_id = ?)",
                       (str(event.originator_id),))
        super().forget_setting(event, tx)

    @handles("Setting.Registered")
    def registered(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO settings_view (setting_id, name, timezone, hours, registered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (setting_id) DO NOTHING",
            (str(event.originator_id), event.name, event.timezone, json.dumps(event.hours),
             event.timestamp.isoformat()),
        )

    @handles("Setting.OpeningHoursSet")
    def hours_set(self, event, tx) -> None:
        tx.execute(
            "UPDATE settings_view SET timezone = ?, hours = ? WHERE setting_id = ?",
            (event.timezone, json.dumps(event.hours), str(event.originator_id)),
        )

    @handles("Setting.SupportAccessGranted")
    def support_granted(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO support_grants (setting_id, account_id, until) VALUES (?, ?, ?) "
            "ON CONFLICT (setting_id, account_id) DO UPDATE SET until = excluded.until",
            (str(event.originator_id), str(event.account_id), event.until.isoformat()),
        )

    @handles("Setting.SupportAccessRevoked")
    def support_revoked(self, event, tx) -> None:
        tx.execute(
            "DELETE FROM support_grants WHERE setting_id = ? AND account_id = ?",
            (str(event.originator_id), str(event.account_id)),
        )

    @handles("Account.Created")
    def account_created(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO accounts_view (account_id, setting_id, email, display_name, roles, "
            "disabled, created_at) VALUES (?, ?, ?, ?, ?, 0, ?) "
            "ON CONFLICT (account_id) DO NOTHING",
            (str(event.originator_id), str(event.setting_id), event.email, event.display_name,
             json.dumps(list(event.roles)), event.timestamp.isoformat()),
        )

    @handles("Account.Disabled")
    def account_disabled(self, event, tx) -> None:
        tx.execute("UPDATE accounts_view SET disabled = 1 WHERE account_id = ?",
                   (str(event.originator_id),))

    @handles("Account.ChildLinked")
    def child_linked(self, event, tx) -> None:
        tx.execute(
            "INSERT INTO parent_children (parent_id, child_id, relationship) VALUES (?, ?, ?) "
            "ON CONFLICT (parent_id, child_id) DO NOTHING",
            (str(event.originator_id), str(event.child_id), event.relationship or "parent"),
        )

    @handles("Account.ChildUnlinked")
    def child_unlinked(self, event, tx) -> None:
        for table in ("parent_children", "parent_restrictions"):
            tx.execute(f"DELETE FROM {table} WHERE parent_id = ? AND child_id = ?",
                       (str(event.originator_id), str(event.child_id)))

    @handles("Account.ChildRestricted")
    def child_restricted(self, event, tx) -> None:
        tx.execute("INSERT INTO parent_restrictions (parent_id, child_id, restricted_at) "
                   "VALUES (?, ?, ?) ON CONFLICT (parent_id, child_id) DO NOTHING",
                   (str(event.originator_id), str(event.child_id),
                    event.timestamp.isoformat()))

    @handles("Account.RestrictionLifted")
    def restriction_lifted(self, event, tx) -> None:
        tx.execute("DELETE FROM parent_restrictions WHERE parent_id = ? AND child_id = ?",
                   (str(event.originator_id), str(event.child_id)))


def staff_of_setting(db, setting_id) -> list[tuple[str, str, list[str]]]:
    """(account_id, display_name, roles) of the setting's staff still in post, by name."""
    rows = db.query(
        "SELECT account_id, display_name, roles FROM accounts_view "
        "WHERE setting_id = ? AND disabled = 0 ORDER BY display_name, account_id",
        (str(setting_id),))
    staff = {"manager", "practitioner", "safeguarding_lead"}
    people = [(r[0], r[1], json.loads(r[2])) for r in rows]
    return [person for person in people if staff.intersection(person[2])]


def names_of_setting(db: Database, setting_id: UUID | str) -> dict[str, str]:
    """Account id to display name, for every account of the setting."""
    return dict(db.query("SELECT account_id, display_name FROM accounts_view "
                         "WHERE setting_id = ?", (str(setting_id),)))


def account_status(db: Database, account_id: UUID) -> tuple[UUID, tuple[str, ...], bool] | None:
    """An account's setting, roles and whether it is disabled; None if unknown."""
    row = db.query_one(
        "SELECT setting_id, roles, disabled FROM accounts_view WHERE account_id = ?",
        (str(account_id),),
    )
    if row is None:
        return None
    return UUID(row[0]), tuple(json.loads(row[1])), bool(row[2])


def support_until(db: Database, setting_id: UUID, account_id: UUID) -> datetime | None:
    """Until when a manager lets this support account read the setting (None: no grant)."""
    row = db.query_one(
        "SELECT until FROM support_grants WHERE setting_id = ? AND account_id = ?",
        (str(setting_id), str(account_id)),
    )
    return datetime.fromisoformat(row[0]) if row else None


def children_of_parent(db: Database, parent_id: UUID) -> frozenset[UUID]:
    """The children a parent account is linked to, but for those a restriction (a court
    order) keeps from them."""
    rows = db.query("SELECT child_id FROM parent_children WHERE parent_id = ? AND child_id "
                    "NOT IN (SELECT child_id FROM parent_restrictions WHERE parent_id = ?)",
                    (str(parent_id), str(parent_id)))
    return frozenset(UUID(r[0]) for r in rows)


def accounts_of_setting(db: Database, setting_id: UUID) -> list[dict]:
    """The setting's accounts, oldest first."""
    rows = db.query(
        "SELECT account_id, email, display_name, roles, disabled FROM accounts_view "
        "WHERE setting_id = ? ORDER BY created_at",
        (str(setting_id),),
    )
    return [{"account_id": r[0], "email": r[1], "display_name": r[2],
             "roles": json.loads(r[3]), "disabled": bool(r[4])} for r in rows]


def active_managers(db: Database, setting_id: UUID) -> int:
    """How many managers of the setting are not disabled (the four-eyes rule)."""
    rows = db.query("SELECT roles FROM accounts_view WHERE setting_id = ? AND disabled = 0",
                    (str(setting_id),))
    return sum(1 for (roles,) in rows if "manager" in json.loads(roles))


def setting_of(db: Database, setting_id: UUID) -> dict | None:
    """A setting's name, timezone and opening hours (`days`); None if unknown."""
    row = db.query_one("SELECT name, timezone, hours FROM settings_view WHERE setting_id = ?",
                       (str(setting_id),))
    if row is None:
        return None
    return {"name": row[0], "timezone": row[1], "days": json.loads(row[2])}


def setting_timezone(db: Database, setting_id: UUID | str) -> str | None:
    """A setting's timezone; None if unknown."""
    row = db.query_one("SELECT timezone FROM settings_view WHERE setting_id = ?",
                       (str(setting_id),))
    return row[0] if row else None
