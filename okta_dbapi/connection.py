"""The PEP 249 connection: settings, the one HTTP client, and statement dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from okta_dbapi import exceptions
from okta_dbapi.client import OktaClient
from okta_dbapi.cursor import Cursor
from okta_dbapi.exceptions import InterfaceError, NotSupportedError, ProgrammingError
from okta_dbapi.explain import explain_result, explain_rows
from okta_dbapi.fetch import Progress
from okta_dbapi.query import Result, plan_query, run_select
from okta_dbapi.settings import Settings
from okta_dbapi.sql.parse import Statement, prepare

Params = Sequence[Any] | Mapping[str, Any] | None


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
        self.settings = settings
        self.client = client or OktaClient(settings)
        self.closed = False

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
        """Close the connection; closing it a second time is an error, as PEP 249 has it."""
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

    # -- statement dispatch (used by Cursor) ----------------------------------------------------

    def _run(self, operation: str, parameters: Params, progress: Progress | None = None) -> Result:
        statement = prepare(operation, parameters)
        return self._dispatch(statement, progress)

    def _run_many(self, operation: str, seq_of_parameters: list[Any], progress: Progress | None = None) -> Result:
        from okta_dbapi import writes

        statements = [prepare(operation, p) for p in seq_of_parameters]
        if statements and all(s.kind == "insert" for s in statements) and hasattr(writes, "execute_many"):
            return writes.execute_many(statements, self, progress)
        result = Result(description=None, rows=iter(()), rowcount=0)
        total = 0
        for statement in statements:
            result = self._dispatch(statement, progress)
            total += max(result.rowcount, 0)
        result.rowcount = total
        return result

    def _dispatch(self, statement: Statement, progress: Progress | None) -> Result:
        kind = statement.kind
        if kind == "select":
            assert statement.ast is not None
            if statement.explain:
                return explain_result(explain_rows(plan_query(statement.ast, self.client), self.client))
            return run_select(statement.ast, self.client, progress)
        if kind in ("insert", "delete", "exec"):
            from okta_dbapi import writes

            return writes.execute(statement, self, progress)
        if kind == "update":
            raise NotSupportedError(
                "UPDATE is not supported: Okta's factor API has no update. Unenroll with DELETE and enroll "
                "again with INSERT, or use EXEC for the lifecycle methods."
            )
        raise ProgrammingError(
            "Only SELECT, INSERT, DELETE, EXEC and EXPLAIN statements are supported; "
            f"got: {statement.sql.strip()[:60]!r}."
        )
