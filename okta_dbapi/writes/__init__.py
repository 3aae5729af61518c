"""Writes: INSERT enrolls factors, DELETE unenrolls them, EXEC runs their lifecycle methods.

Every statement takes effect at once (Okta has no transactions): ``commit()`` does nothing and
``rollback()`` cannot undo anything. Requests go one at a time, in statement order, and a POST
or DELETE that may have reached Okta is never repeated. A statement that fails part-way raises
the error with ``applied``/``not_applied`` lists (see :mod:`.ledger`). A ``read_only=True``
connection refuses every write before any request; ``EXPLAIN`` shows a write's requests without
sending any.

Layer: beside ``sql``, below the runner. May import ``sql`` (to find what a DELETE or
``INSERT ... SELECT`` touches), ``http`` and the ground floor; never the runner or the PEP 249 face.
Functions take the connection's :class:`~okta_dbapi.http.client.OktaClient` (settings are
``client.settings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.parse import Statement
from okta_dbapi.sql.result import Result
from okta_dbapi.writes import delete, insert, lifecycle
from okta_dbapi.writes.calls import Call
from okta_dbapi.writes.ledger import Ledger

if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient

_VERBS = {"insert": "INSERT (enroll_factor)", "delete": "DELETE (unenroll_factor)", "exec": "EXEC"}


def execute(statement: Statement, client: OktaClient, progress: Progress | None = None) -> Result:
    """Run one INSERT, DELETE or EXEC statement (or EXPLAIN it)."""
    if statement.explain:
        from okta_dbapi.writes.explain import explain_write

        return explain_write(statement, client)
    check_writable(statement, client)
    if statement.kind == "exec":
        return lifecycle.run_exec(statement.sql, statement.params, client, progress)
    assert statement.ast is not None
    if statement.kind == "insert":
        return insert.run_insert(statement.ast, client, progress)
    if statement.kind == "delete":
        return delete.run_delete(statement.ast, client, progress)
    raise ProgrammingError(f"Not a write statement: {statement.sql.strip()[:60]!r}.")


def execute_many(statements: Sequence[Statement], client: OktaClient, progress: Progress | None = None) -> Result:
    """``executemany`` of an INSERT: all rows of all parameter sets as one write, checked first."""
    if not statements:
        return Result(description=None, rows=iter(()), rowcount=0)
    if any(s.explain for s in statements):
        raise ProgrammingError("EXPLAIN cannot be used with executemany(); EXPLAIN one parameter set with execute().")
    check_writable(statements[0], client)
    calls: list[Call] = []
    target = None
    for statement in statements:
        assert statement.ast is not None
        target, more = insert.prepare_insert(statement.ast, client, first_row=len(calls) + 1)
        calls.extend(more)
    assert target is not None
    return insert.run_calls(target, calls, client, progress)


def check_writable(statement: Statement, client: OktaClient) -> None:
    if client.settings.read_only:
        raise ProgrammingError(
            f"This connection is read-only (read_only=True), so {_VERBS.get(statement.kind, 'the write')} was "
            "refused before any request. Open a connection without read_only to change factors; EXPLAIN still "
            "shows what the statement would send."
        )


__all__ = ["Ledger", "execute", "execute_many"]
