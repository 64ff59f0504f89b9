"""Errors the services raise for a person to read; each names what and where."""


class DomainError(Exception):
    """A business rule refused the request; the message is shown to the user as is."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass
