"""The PEP 249 exception tree, with Okta's error details carried as attributes.

Every failure the driver reports is one of these. Where Okta answered, the exception carries
``status``, ``error_code``, ``error_summary``, ``error_id`` and ``error_causes``, and the message
names them; it never carries the API token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Warning(Exception):
    """Important warnings, such as data truncation."""


class Error(Exception):
    """Base of every error the driver raises.

    ``status``/``error_code``/``error_summary``/``error_id``/``error_causes`` are set when the
    error comes from an Okta response; ``applied``/``not_applied`` when a multi-row write stopped
    part-way (each a list of dicts describing rows, in statement order).
    """

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        error_code: str | None = None,
        error_summary: str | None = None,
        error_id: str | None = None,
        error_causes: Sequence[str] = (),
        request: str | None = None,
        applied: Sequence[dict[str, Any]] = (),
        not_applied: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.error_summary = error_summary
        self.error_id = error_id
        self.error_causes = list(error_causes)
        self.request = request
        self.applied = list(applied)
        self.not_applied = list(not_applied)

    def __str__(self) -> str:
        return self.message


class InterfaceError(Error):
    """Misuse of the driver itself, e.g. a closed cursor or connection."""


class DatabaseError(Error):
    """Errors related to the database, here Okta's API."""


class DataError(DatabaseError):
    """Problems with the data processed, e.g. a value of the wrong type."""


class OperationalError(DatabaseError):
    """Failures outside the caller's control: network, timeouts, rate limits, 5xx, auth."""


class IntegrityError(DatabaseError):
    """A write conflicts with existing state, e.g. a phone already enrolled."""


class InternalError(DatabaseError):
    """The driver reached a state it should not have: a bug to report."""


class ProgrammingError(DatabaseError):
    """The statement is wrong: syntax, unknown table or column, missing key, foreign org."""


class NotSupportedError(DatabaseError):
    """The statement or feature is not something Okta's API (or the driver) can do."""


__all__ = [
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
]
