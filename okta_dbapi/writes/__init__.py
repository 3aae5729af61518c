"""Writes: INSERT enrolls factors, DELETE unenrolls them, EXEC runs their lifecycle methods.

Every statement takes effect at once (Okta has no transactions): ``commit()`` does nothing and
``rollback()`` cannot undo anything. Requests go one at a time, in statement order, and a POST
or DELETE that may have reached Okta is never repeated. A statement that fails part-way raises
the error with ``applied``/``not_applied`` lists (see :mod:`.ledger`). A ``read_only=True``
connection refuses every write before any request; ``EXPLAIN`` shows a write's requests without
sending any.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.fetch import Progress
from okta_dbapi.query import Result
from okta_dbapi.sql.parse import Statement
from okta_dbapi.writes import delete, insert, lifecycle
from okta_dbapi.writes.calls import Call
from okta_dbapi.writes.ledger import Ledger

if TYPE_CHECKING:
    from okta_dbapi.connection import Connection

_VERBS = {"insert": "INSERT (enroll_factor)", "delete": "DELETE (unenroll_factor)", "exec": "EXEC"}


def execute(statement: Statement, connection: Connection, progress: Progress | None = None) -> Result:
    """Run one INSERT, DELETE or EXEC statement (or EXPLAIN it)."""
    if statement.explain:
        from okta_dbapi.writes.explain import explain_write

        return explain_write(statement, connection)
    check_writable(statement, connection)
    if statement.kind == "exec":
        return lifecycle.run_exec(statement.sql, statement.params, connection, progress)
    assert statement.ast is not None
    if statement.kind == "insert":
        return insert.run_insert(statement.ast, connection, progress)
    if statement.kind == "delete":
        return delete.run_delete(statement.ast, connection, progress)
    raise ProgrammingError(f"Not a write statement: {statement.sql.strip()[:60]!r}.")


def execute_many(statements: Sequence[Statement], connection: Connection, progress: Progress | None = None) -> Result:
    """``executemany`` of an INSERT: all rows of all parameter sets as one write, checked first."""
    if not statements:
        return Result(description=None, rows=iter(()), rowcount=0)
    if any(s.explain for s in statements):
        raise ProgrammingError("EXPLAIN cannot be used with executemany(); EXPLAIN one parameter set with execute().")
    check_writable(statements[0], connection)
    calls: list[Call] = []
    target = None
    for statement in statements:
        assert statement.ast is not None
        target, more = insert.prepare_insert(statement.ast, connection, first_row=len(calls) + 1)
        calls.extend(more)
    assert target is not None
    return insert.run_calls(target, calls, connection, progress)


def check_writable(statement: Statement, connection: Connection) -> None:
    if connection.settings.read_only:
        raise ProgrammingError(
            f"This connection is read-only (read_only=True), so {_VERBS.get(statement.kind, 'the write')} was "
            "refused before any request. Open a connection without read_only to change factors; EXPLAIN still "
            "shows what the statement would send."
        )


__all__ = ["Ledger", "execute", "execute_many"]
