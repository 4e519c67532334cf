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


class TooLarge(DomainError):
    """The body is larger than allowed (HTTP 413)."""


class UnsupportedMedia(DomainError):
    """The bytes are not of a supported type, or not of the declared one (HTTP 415)."""
