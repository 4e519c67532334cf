"""Which event fields hold a child's or an adult's personal data, and which records the
law keeps.

The storage adapter seals every field named here with a key of the child the event
concerns (the event's `child_id`, or else the aggregate id, which for a journey or
consent is the child id). Deleting the key erases the field for good; the event and
its aggregate still load, the field reading as `ERASED` (or None for non-text values).

Accident, incident and medication records are under a legal retention (until the
child is 21 years and 3 months old): their fields are sealed with a second key of the
child's, the retention key, which an erasure of the journey does not delete.

An account's own personal fields (`ACCOUNT_FIELDS`: e-mail and display name) are
sealed with a key of that account (the event's `account_id`, or else the aggregate id),
so that an adult's erasure is crypto-shredding too.
"""

ERASED = "[erased]"

PERSONAL_FIELDS = frozenset(
    {
        "name",
        "date_of_birth",
        "text",
        "next_steps",
        "summary",
        "judgements",
        "reason",
        "entry",
        "medicine",
        "dose",
        "relationship",
        "description",
        "changes",
    }
)

# Event class names (the last part of the topic) sealed with the retention key.
RETAINED_EVENTS = frozenset(
    {
        "MedicationGiven",
        "IncidentRecorded",
        "IncidentAcknowledged",
        "MedicationPermissionRecorded",
        "JourneyErased",  # the name and birth date kept for the retained records
    }
)

JOURNEY_KEY = "journey"
RETENTION_KEY = "retention"


def key_purpose(event_class_name: str, entry_kind: str | None = None) -> str:
    """Which of the child's keys seals this event's personal fields."""
    if event_class_name in RETAINED_EVENTS or entry_kind in ("medication", "incident"):
        return RETENTION_KEY
    return JOURNEY_KEY

ACCOUNT_FIELDS = frozenset({"email", "display_name"})
ACCOUNT_KEY = "account"
