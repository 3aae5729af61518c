"""INSERT INTO okta.users.factors: one enroll_factor request per row.

Rows come from ``VALUES`` (constants and bound parameters) or from a query (``INSERT ...
SELECT``, run like any SELECT, over the API or with no table at all). Every row is checked and
turned into a request before the first one is sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from okta_dbapi.catalog import Operation, Table, require_table
from okta_dbapi.exceptions import NotSupportedError, ProgrammingError
from okta_dbapi.sql import rows
from okta_dbapi.sql.dialect import DIALECT
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.sql.result import Result
from okta_dbapi.sql.select import run_select
from okta_dbapi.sql.values import number_literal
from okta_dbapi.writes.calls import Call, build_call
from okta_dbapi.writes.ledger import Ledger, run_sequence
from okta_dbapi.writes.returning import Returning

if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient

# The plain column names that are fields of the enroll request body.
BODY_COLUMNS = frozenset({"factorType", "provider", "profile"})


@dataclass
class InsertTarget:
    table: Table
    operation: Operation
    columns: list[str] | None
    source: exp.Expression
    returning: Returning | None


def target(ast: exp.Expression) -> InsertTarget:
    """What an INSERT writes to, and from what; checks that need no request."""
    assert isinstance(ast, exp.Insert)
    for unsupported in ("conflict", "alternative", "overwrite", "where"):
        if ast.args.get(unsupported):
            raise NotSupportedError("INSERT OR ..., ON CONFLICT and the like are not supported by Okta's API.")
    node = ast.this
    columns: list[str] | None = None
    if isinstance(node, exp.Schema):
        columns = [c.name for c in node.expressions]
        node = node.this
    if not isinstance(node, exp.Table):
        raise ProgrammingError("INSERT needs a table, e.g. INSERT INTO okta.users.factors (...) VALUES (...).")
    parts = [p for p in (node.catalog, node.db, node.name) if p]
    table = require_table(parts)
    op = table.require_operation("insert")
    source = ast.expression
    if source is None:
        raise ProgrammingError("INSERT needs VALUES (...) or a SELECT.")
    with_key = "with_" if "with_" in exp.Insert.arg_types else "with"  # sqlglot 30 renamed it
    if ast.args.get(with_key) is not None and isinstance(source, exp.Select):  # WITH ... INSERT ... SELECT
        source = source.copy()
        source.set(with_key, ast.args[with_key].copy())
    returning = ast.args.get("returning")
    compiled = Returning(table, returning.expressions) if returning is not None else None
    return InsertTarget(table, op, columns, source, compiled)


def source_rows(t: InsertTarget, client: OktaClient) -> tuple[list[str], list[Sequence[Any]]]:
    """The column names and the rows to insert (running the query, if there is one)."""
    if isinstance(t.source, exp.Values):
        if t.columns is None:
            raise ProgrammingError(
                "Name the columns: INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES ..."
            )
        return t.columns, [constant_row(row) for row in t.source.expressions]
    result = run_select(t.source.copy(), client)
    try:
        names = [d[0] for d in result.description or ()]
        found: list[Sequence[Any]] = list(result.rows)
    finally:
        result.close()
    return (t.columns if t.columns is not None else names), found


def constant_row(row: exp.Expression) -> list[Any]:
    items = row.expressions if isinstance(row, exp.Tuple) else [row]
    return [constant(item) for item in items]


def constant(node: exp.Expression) -> Any:
    """The value of a constant expression; anything beyond a literal is evaluated by SQLite."""
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return number_literal(node.this)
    if node.find(exp.Column, exp.Table, exp.Select) is not None:
        raise ProgrammingError(
            f"VALUES can only hold constants and parameters, not {node.sql(dialect=DIALECT)!r}; "
            "use INSERT ... SELECT to read from tables."
        )
    db = sqlite3.connect(":memory:")
    try:
        return db.execute("SELECT " + node.sql(dialect=DIALECT)).fetchone()[0]
    except sqlite3.Error as e:
        raise ProgrammingError(f"Could not evaluate {node.sql(dialect=DIALECT)!r} in VALUES: {e}.") from e
    finally:
        db.close()


def build_calls(
    t: InsertTarget, columns: list[str], found: list[Sequence[Any]], subdomain: str, first_row: int = 1
) -> list[Call]:
    calls = []
    for offset, values in enumerate(found):
        row = first_row + offset
        if len(values) != len(columns):
            raise ProgrammingError(f"Row {row} has {len(values)} values but {len(columns)} columns are named.")
        call = build_call(
            t.table, t.operation, zip(columns, values), subdomain=subdomain, body_names=BODY_COLUMNS, row=row
        )
        if not (call.body or {}).get("factorType"):
            raise ProgrammingError(
                f"Row {row} has no factorType: say which factor to enroll, e.g. 'sms', 'email', 'push' or "
                "'token:software:totp' (a factorType or data__factorType column). Nothing was sent."
            )
        calls.append(call)
    return calls


def prepare_insert(ast: exp.Expression, client: OktaClient, first_row: int = 1) -> tuple[InsertTarget, list[Call]]:
    t = target(ast)
    columns, found = source_rows(t, client)
    return t, build_calls(t, columns, found, client.settings.subdomain, first_row)


def run_calls(t: InsertTarget, calls: list[Call], client: OktaClient, progress: Progress | None) -> Result:
    ledger = Ledger("INSERT", len(calls), progress)
    enrolled: list[dict[str, Any]] = []

    def done(call: Call, body: Any) -> dict[str, Any]:
        item = body if isinstance(body, dict) else {}
        enrolled.append(rows.api_row(t.table, item, call.path))
        return {**call.label(), "id": item.get("id"), "status": item.get("status")}

    run_sequence(client, calls, ledger, done)
    if t.returning is not None:
        return t.returning.result(enrolled, rowcount=len(calls))
    return Result(description=None, rows=iter(()), rowcount=len(calls))


def run_insert(ast: exp.Expression, client: OktaClient, progress: Progress | None) -> Result:
    t, calls = prepare_insert(ast, client)
    return run_calls(t, calls, client, progress)
