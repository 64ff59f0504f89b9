"""Errors the services raise for a person to read; each names what and where.

The subclasses are what callers tell apart: each surface (web, desktop, CLI) maps them to
a status, a title or an exit code in one place, and shows the message as is.
"""


class DomainError(Exception):
    """A business rule refused the request; the message is shown to the user as is."""


class NotFound(DomainError):
    """What the request names does not exist (or is not the caller's to see)."""


class PermissionDenied(DomainError):
    """The signed-in person's post or grants do not allow this."""


class Conflict(DomainError):
    """The thing's state forbids it now: already done, voided, closed, or taken."""


class InvalidInput(DomainError):
    """What was typed or sent is malformed or out of range."""
