"""Domain errors. The HTTP adapter maps each to one status code; nothing else does."""


class DomainError(Exception):
    """A command broke a rule; nothing was recorded."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Invalid(DomainError):
    """The input is malformed or breaks a field rule (HTTP 400). Names the field."""

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.field = field


class Forbidden(DomainError):
    """The actor is known but may not do this (HTTP 403)."""


class NotFound(DomainError):
    """Unknown, or not the actor's to know about (HTTP 404)."""

    def __init__(self, detail: str = "Not found."):
        super().__init__(detail)


class Conflict(DomainError):
    """A rule or a concurrent change refused the command (HTTP 409)."""


class ChangedMeanwhile(Conflict):
    """Another writer saved the same aggregate first (the event store's version check).

    Commands about a child are run again on what is stored now (`Commands._one_writer`),
    so a client sees this only when the retries ran out; it is never a rule's verdict.
    """

    def __init__(self, detail: str = "Someone else changed this at the same time; reload it "
                                      "and try again."):
        super().__init__(detail)


class TooLarge(DomainError):
    """The body is larger than allowed (HTTP 413)."""


class UnsupportedMedia(DomainError):
    """The bytes are not of a supported type, or not of the declared one (HTTP 415)."""
