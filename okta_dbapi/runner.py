"""One statement runner: takes a prepared statement and what it needs to run it (the HTTP client,
which carries the settings), and hands it to the SQL side (SELECT, EXPLAIN SELECT) or to the
writes (INSERT, DELETE, EXEC). The Connection calls it; nothing below it knows the Connection.

With a snapshot (``connect(..., snapshot=...)``) a SELECT it can answer is answered there, a
write's touched users are handed to it afterwards, and ``REFRESH <table> [FULL]`` refreshes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from okta_dbapi import writes
from okta_dbapi.exceptions import NotSupportedError, ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.scope import Scope
from okta_dbapi.sql.depth import recursion_guard
from okta_dbapi.sql.explain import explain_result, explain_rows
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.names import name_as_written
from okta_dbapi.sql.parse import Params, Statement, prepare
from okta_dbapi.sql.result import Result, no_rows
from okta_dbapi.sql.select import plan_query, run_plan

if TYPE_CHECKING:
    from okta_dbapi.snapshot import Snapshot


def run(
    operation: str,
    parameters: Params,
    client: OktaClient,
    progress: Progress | None = None,
    snapshot: Snapshot | None = None,
    scope: Scope | None = None,
) -> Result:
    """Parse, bind and run one statement (a SELECT's requests in ``scope``: its deadline and
    cancellation)."""
    from okta_dbapi.snapshot import parse_refresh

    refresh = parse_refresh(operation)
    if refresh is not None:
        if snapshot is None:
            raise ProgrammingError(
                "REFRESH needs a snapshot: connect with snapshot=PATH (or snapshot=True), or okta-sql --snapshot PATH."
            )
        return snapshot.refresh(*refresh)
    with recursion_guard():  # the planner, the writes and sqlglot's generator walk the tree recursively
        return run_statement(prepare(operation, parameters), client, progress, snapshot, scope)


def run_many(
    operation: str,
    seq_of_parameters: Sequence[Any],
    client: OktaClient,
    progress: Progress | None = None,
    snapshot: Snapshot | None = None,
) -> Result:
    """``executemany``: an INSERT runs as one checked write of all rows; anything else once per set."""
    with recursion_guard():
        return _run_many(operation, seq_of_parameters, client, progress, snapshot)


def _run_many(
    operation: str,
    seq_of_parameters: Sequence[Any],
    client: OktaClient,
    progress: Progress | None,
    snapshot: Snapshot | None,
) -> Result:
    statements = [prepare(operation, p) for p in seq_of_parameters]
    if statements and all(s.kind == "insert" for s in statements):
        return _write(lambda c: writes.execute_many(statements, c, progress), client, snapshot)
    result = no_rows()
    total = 0
    for statement in statements:
        result = run_statement(statement, client, progress, snapshot)
        total += max(result.rowcount, 0)
    result.rowcount = total
    return result


def run_statement(
    statement: Statement,
    client: OktaClient,
    progress: Progress | None = None,
    snapshot: Snapshot | None = None,
    scope: Scope | None = None,
) -> Result:
    kind = statement.kind
    if kind == "select":
        assert statement.ast is not None
        name_as_written(statement.ast, statement.sql)
        plan = plan_query(statement.ast, client)
        if statement.explain:
            rows = snapshot.explain(plan) if snapshot is not None else None
            return explain_result(rows if rows is not None else explain_rows(plan, client))
        answered = snapshot.answer(plan) if snapshot is not None else None
        return answered if answered is not None else run_plan(plan, client, progress, scope)
    if kind in ("insert", "delete", "exec"):
        return _write(lambda c: writes.execute(statement, c, progress), client, snapshot)
    if kind == "update":
        raise NotSupportedError(
            "UPDATE is not supported: Okta's factor API has no update. Unenroll with DELETE and enroll "
            "again with INSERT, or use EXEC for the lifecycle methods."
        )
    raise ProgrammingError(
        "Only SELECT, INSERT, DELETE, EXEC, EXPLAIN and REFRESH statements are supported; "
        f"got: {statement.sql.strip()[:60]!r}."
    )


def _write(execute: Callable[[OktaClient], Result], client: OktaClient, snapshot: Snapshot | None) -> Result:
    """Run a write; with a snapshot, then re-read the users it changed into it (also after a
    failure part-way, for the rows that were applied). A write Okta refused changes nothing."""
    if snapshot is None:
        return execute(client)
    from okta_dbapi.snapshot import RecordingClient

    recorder = RecordingClient(client)
    try:
        return execute(cast(OktaClient, recorder))
    finally:
        snapshot.after_write(recorder.users)
