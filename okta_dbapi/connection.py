"""The PEP 249 connection: settings, the one HTTP client, and statement dispatch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from okta_dbapi import exceptions
from okta_dbapi.cursor import Cursor
from okta_dbapi.exceptions import InterfaceError
from okta_dbapi.settings import Settings
from okta_dbapi.sql.result import Result

# The HTTP client (requests) and the SQL side (sqlglot) are imported when a connection is made,
# not by ``import okta_dbapi``: that keeps the import cheap for tools that only load the module
# (SQLAlchemy's entry points, Superset's engine-spec scan, ``okta-sql --help``).
if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient
    from okta_dbapi.http.scope import Scope
    from okta_dbapi.snapshot import Snapshot
    from okta_dbapi.sql.fetch import Progress
    from okta_dbapi.sql.parse import Params


class Connection:
    """A connection to one Okta org. Every statement takes effect at once (autocommit):
    ``commit()`` does nothing and ``rollback()`` cannot undo anything."""

    Warning = exceptions.Warning
    Error = exceptions.Error
    InterfaceError = exceptions.InterfaceError
    DatabaseError = exceptions.DatabaseError
    DataError = exceptions.DataError
    OperationalError = exceptions.OperationalError
    IntegrityError = exceptions.IntegrityError
    InternalError = exceptions.InternalError
    ProgrammingError = exceptions.ProgrammingError
    NotSupportedError = exceptions.NotSupportedError

    def __init__(self, settings: Settings, client: OktaClient | None = None) -> None:
        from okta_dbapi.http.client import OktaClient

        self.settings = settings
        self.client = client or OktaClient(settings)
        self.closed = False
        #: the local snapshot this connection reads through (``connect(snapshot=...)``), or None
        self.snapshot: Snapshot | None = None
        if settings.snapshot:
            from okta_dbapi.snapshot import Snapshot

            self.snapshot = Snapshot(settings, self.client)

    @property
    def subdomain(self) -> str:
        return self.settings.subdomain

    def cursor(self) -> Cursor:
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to do: every statement already took effect."""
        self._check_open()

    def rollback(self) -> None:
        """Cannot undo anything (Okta has no transactions); a no-op so connection pools work."""
        self._check_open()

    def close(self) -> None:
        """Close the connection; closing it a second time is an error, as PEP 249 has it.

        May be called from another thread while a statement runs: its fan-out stops at once."""
        self._check_open()
        self.closed = True
        self.client.close()

    def _check_open(self) -> None:
        if self.closed:
            raise InterfaceError("The connection is closed; open a new one with okta_dbapi.connect().")

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.closed:
            self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<okta_dbapi.Connection {state} to {self.settings.org_url}>"

    # -- statement execution (used by Cursor) ---------------------------------------------------

    def _scope(self) -> Scope:
        """A new statement scope: ``statement_timeout``, and cancelled by close()."""
        return self.client.scope()

    def _run(
        self, operation: str, parameters: Params, progress: Progress | None = None, scope: Scope | None = None
    ) -> Result:
        from okta_dbapi import runner

        return runner.run(operation, parameters, self.client, progress, self.snapshot, scope)

    def _run_many(self, operation: str, seq_of_parameters: list[Any], progress: Progress | None = None) -> Result:
        from okta_dbapi import runner

        return runner.run_many(operation, seq_of_parameters, self.client, progress, self.snapshot)
