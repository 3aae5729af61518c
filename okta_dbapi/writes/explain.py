"""EXPLAIN of a write: the requests it would send, and the reads that find its rows; none is sent.

Rows have the SELECT EXPLAIN's columns (step, operation, method, path, parameters, calls). Where
the rows of a write depend on data (INSERT ... SELECT from a table, DELETE ... WHERE other than
by keys), the write step says "1 per ... (depends on data)" after the read steps.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from okta_dbapi.http.paths import encode_query, expand_path
from okta_dbapi.sql.explain import explain_result, explain_rows
from okta_dbapi.sql.parse import Statement
from okta_dbapi.sql.result import Result
from okta_dbapi.sql.select import plan_query
from okta_dbapi.writes import delete, insert
from okta_dbapi.writes.calls import Call, build_call
from okta_dbapi.writes.lifecycle import prepare_exec

if TYPE_CHECKING:
    from okta_dbapi.http.client import OktaClient


def explain_write(statement: Statement, client: OktaClient) -> Result:
    if statement.kind == "exec":
        _, call = prepare_exec(statement.sql, statement.params, client.settings.subdomain)
        return explain_result([_row(1, call, client)])
    assert statement.ast is not None
    if statement.kind == "insert":
        return explain_result(_insert_rows(statement, client))
    return explain_result(_delete_rows(statement, client))


def _row(step: int, call: Call, client: OktaClient, calls: str = "1") -> tuple[Any, ...]:
    op = call.operation
    path = expand_path(op.path, call.path) + _query_suffix(call)
    return (step, op.name, op.method, path, json.dumps(call.request()), calls)


def _insert_rows(statement: Statement, client: OktaClient) -> list[tuple[Any, ...]]:
    assert statement.ast is not None
    t = insert.target(statement.ast)
    source = t.source
    if not isinstance(source, insert.exp.Values):
        plan = plan_query(source.copy(), client)
        if plan.sources:  # the rows come from Okta: known only when the query runs
            out = explain_rows(plan, client)
            step = len(out) + 1
            op = t.operation
            columns = t.columns or "the query's column names"
            out.append(
                (
                    step,
                    op.name,
                    op.method,
                    op.path,
                    json.dumps({"columns": columns}),
                    "1 per row of the query above (depends on data)",
                )
            )
            return out
    _, calls = insert.prepare_insert(statement.ast, client)  # constants only: no request
    return [_row(i + 1, call, client) for i, call in enumerate(calls)]


def _delete_rows(statement: Statement, client: OktaClient) -> list[tuple[Any, ...]]:
    assert statement.ast is not None
    plan = delete.plan_delete(statement.ast)
    query = plan_query(plan.select.copy(), client)
    out = explain_rows(query, client)
    op = plan.operation
    keyed = [s for s in query.sources if s.mode == "keyed" and s.table is plan.table]
    exact_calls = [c for s in keyed for c in s.calls if "factorId" in c]
    subdomain = client.settings.subdomain
    if exact_calls and len(keyed) == len(query.sources):
        for c in exact_calls:
            values = [("userId", c["userId"]), ("factorId", c["factorId"]), *plan.params]
            call = build_call(plan.table, op, values, subdomain=subdomain)
            out.append(_row(len(out) + 1, call, client, "1 if the factor matches the WHERE clause"))
    else:
        sample = build_call(
            plan.table, op, [("userId", "{userId}"), ("factorId", "{factorId}"), *plan.params], subdomain=subdomain
        )
        out.append(
            (
                len(out) + 1,
                op.name,
                op.method,
                op.path + _query_suffix(sample),
                json.dumps({"query": sample.query} if sample.query else {}),
                "1 per factor the query above finds (depends on data)",
            )
        )
    if plan.list_operation is not None:
        lop = plan.list_operation
        out.append(
            (
                len(out) + 1,
                lop.name,
                lop.method,
                lop.path,
                json.dumps({"userId": "each user losing a push factor"}),
                "2 per user whose push or signed_nonce factor is removed (before and after: counts Okta's cascade)",
            )
        )
    return out


def _query_suffix(call: Call) -> str:
    query = encode_query(call.query)
    return f"?{query}" if query else ""
