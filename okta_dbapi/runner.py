"""One statement runner: takes a prepared statement and what it needs to run it (the HTTP client,
which carries the settings), and hands it to the SQL side (SELECT, EXPLAIN SELECT) or to the
writes (INSERT, DELETE, EXEC). The Connection calls it; nothing below it knows the Connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from okta_dbapi import writes
from okta_dbapi.exceptions import NotSupportedError, ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.sql.explain import explain_result, explain_rows
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.parse import Params, Statement, prepare
from okta_dbapi.sql.result import Result, no_rows
from okta_dbapi.sql.select import plan_query, run_select


def run(operation: str, parameters: Params, client: OktaClient, progress: Progress | None = None) -> Result:
    """Parse, bind and run one statement."""
    return run_statement(prepare(operation, parameters), client, progress)


def run_many(
    operation: str, seq_of_parameters: Sequence[Any], client: OktaClient, progress: Progress | None = None
) -> Result:
    """``executemany``: an INSERT runs as one checked write of all rows; anything else once per set."""
    statements = [prepare(operation, p) for p in seq_of_parameters]
    if statements and all(s.kind == "insert" for s in statements):
        return writes.execute_many(statements, client, progress)
    result = no_rows()
    total = 0
    for statement in statements:
        result = run_statement(statement, client, progress)
        total += max(result.rowcount, 0)
    result.rowcount = total
    return result


def run_statement(statement: Statement, client: OktaClient, progress: Progress | None = None) -> Result:
    kind = statement.kind
    if kind == "select":
        assert statement.ast is not None
        if statement.explain:
            return explain_result(explain_rows(plan_query(statement.ast, client), client))
        return run_select(statement.ast, client, progress)
    if kind in ("insert", "delete", "exec"):
        return writes.execute(statement, client, progress)
    if kind == "update":
        raise NotSupportedError(
            "UPDATE is not supported: Okta's factor API has no update. Unenroll with DELETE and enroll "
            "again with INSERT, or use EXEC for the lifecycle methods."
        )
    raise ProgrammingError(
        "Only SELECT, INSERT, DELETE, EXEC and EXPLAIN statements are supported; "
        f"got: {statement.sql.strip()[:60]!r}."
    )
