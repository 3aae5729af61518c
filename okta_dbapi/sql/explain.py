"""EXPLAIN: the HTTP calls a statement would make, without sending any."""

from __future__ import annotations

import json
from typing import Any

from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.paths import encode_query, expand_path
from okta_dbapi.sql.planner import Plan, Source
from okta_dbapi.sql.residual import rewrite
from okta_dbapi.sql.result import Result, describe

COLUMNS = ("step", "operation", "method", "path", "parameters", "calls")


def explain_rows(plan: Plan, client: OktaClient) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for source in plan.sources:
        out.extend(_source_rows(source, client, len(out) + 1))
    if plan.stream is None:
        out.append(
            (len(out) + 1, "residual", "LOCAL", "sqlite", json.dumps({"sql": rewrite(plan.ast, plan.refs)}), "0")
        )
    else:
        note = "" if plan.limit is None else f" (stops after {plan.limit + plan.offset} rows)"
        out.append((len(out) + 1, "stream", "LOCAL", "-", "{}", "0" + note))
    return out


def _source_rows(source: Source, client: OktaClient, step: int) -> list[tuple[Any, ...]]:
    op = source.operation
    page = client.settings.page_size
    if source.mode == "keyed":
        return [
            (step + i, op.name, op.method, expand_path(op.path, call), json.dumps(call), "1")
            for i, call in enumerate(source.calls)
        ]
    if source.mode == "users":
        return [
            (
                step,
                op.name,
                op.method,
                _target(op.path, source.query),
                json.dumps(source.query),
                f"1 per page of {source.query.get('limit', page)} users (depends on data)",
            )
        ]
    if source.mode == "dependent":
        return [
            (
                step,
                op.name,
                op.method,
                op.path,
                json.dumps({"userId": "each user loaded above"}),
                "1 per user loaded above (depends on data)",
            )
        ]
    listing = (
        step,
        "list_users",
        "GET",
        _target("/api/v1/users", {"limit": page}),
        json.dumps({"limit": page}),
        f"1 per page of {page} users (depends on data)",
    )
    return [
        listing,
        (
            step + 1,
            op.name,
            op.method,
            op.path,
            json.dumps({"userId": "each listed user"}),
            "1 per listed user (depends on data)",
        ),
    ]


def _target(path: str, query: dict[str, Any]) -> str:
    """The request target as the writes' EXPLAIN shows it: path, then the query string."""
    encoded = encode_query(query)
    return f"{path}?{encoded}" if encoded else path


def explain_result(rows: list[tuple[Any, ...]]) -> Result:
    kinds = ("integer", "string", "string", "string", "string", "string")
    return Result(description=[describe(n, k) for n, k in zip(COLUMNS, kinds)], rows=iter(rows), rowcount=len(rows))
