"""EXPLAIN: the HTTP calls a statement would make, without sending any."""

from __future__ import annotations

import json
import math
from typing import Any

from okta_dbapi.catalog import USERS, Operation
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.pacing import family
from okta_dbapi.http.paths import encode_query, expand_path
from okta_dbapi.sql.fetch import listed_users
from okta_dbapi.sql.planner import Plan, Source, id_listings, user_listings
from okta_dbapi.sql.residual import rewrite
from okta_dbapi.sql.result import Result, describe

COLUMNS = ("step", "operation", "method", "path", "parameters", "calls")
# Requests per minute when this connection has no X-Rate-Limit-Limit yet: Okta's common budget for
# the users and factors endpoints (orgs have 600 to 1,200 and more).
TYPICAL_BUDGET = 600


def explain_rows(plan: Plan, client: OktaClient) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for source in plan.sources:
        out.extend(_source_rows(source, client, len(out) + 1))
        if source.mode == "fanout":
            out.append(_estimate_row(source, client, len(out) + 1))
    if plan.stream is None:
        out.append((len(out) + 1, "residual", "LOCAL", "sqlite", json.dumps({"sql": rewrite(plan.ast)}), "0"))
    else:
        note = "" if plan.limit is None else f" (stops after {plan.limit + plan.offset} rows)"
        out.append((len(out) + 1, "stream", "LOCAL", "-", "{}", "0" + note))
    return out


def _source_rows(source: Source, client: OktaClient, step: int) -> list[tuple[Any, ...]]:
    op = source.operation
    page = client.settings.page_size
    if source.mode == "keyed":
        if not source.calls:
            # A key compared with NULL or an empty list: the WHERE admits no row.
            return [(step, op.name, op.method, op.path, json.dumps({}), "0 (the WHERE admits no row)")]
        checks: list[tuple[Any, ...]] = []
        if source.table.column("_links") is None and source.table.column("userId") is not None:
            # Rows that do not say whose they are: the userIds are looked up first (see fetch).
            ids = list(dict.fromkeys(str(c["userId"]) for c in source.calls))
            checks = _listing_rows(_USERS_LIST, id_listings(ids, page), step)
        return checks + [
            (step + len(checks) + i, op.name, op.method, expand_path(op.path, call), json.dumps(call), "1")
            for i, call in enumerate(source.calls)
        ]
    if source.mode == "transactions":
        out: list[tuple[Any, ...]] = []
        for call in source.calls:
            user = {"userId": call["userId"]}
            listing = expand_path("/api/v1/users/{userId}/factors", user)
            out.append((step + len(out), "list_factors", "GET", listing, json.dumps(user), "1"))
            per_push = "1 per push factor of the user (depends on data)"
            out.append((step + len(out), op.name, op.method, op.path, json.dumps(call), per_push))
        return out
    if source.mode == "users":
        if not source.queries:
            return [(step, op.name, op.method, op.path, json.dumps({}), "0 (the WHERE admits no row)")]
        return _listing_rows(op, source.queries, step)
    if source.mode == "dependent":
        whose = "user the semi-join keeps" if source.user_sets() else "user loaded above"
        return [
            (
                step,
                op.name,
                op.method,
                op.path,
                json.dumps({"userId": f"each {whose}"}),
                f"1 per {whose} (depends on data)",
            )
        ]
    listings = _listing_rows(_USERS_LIST, user_listings({"limit": page}), step)
    fanout = (
        step + len(listings),
        op.name,
        op.method,
        op.path,
        json.dumps({"userId": "each listed user"}),
        "1 per listed user (depends on data)",
    )
    return [*listings, fanout]


_USERS_LIST = next(op for op in USERS.operations if op.name == "list_users")


def _listing_rows(op: Operation, queries: list[dict[str, Any]], step: int) -> list[tuple[Any, ...]]:
    """One row per user listing: a listing without filter or search is followed by the
    DEPROVISIONED users' own listing (see :func:`okta_dbapi.sql.planner.user_listings`)."""
    return [
        (
            step + i,
            op.name,
            op.method,
            _target(op.path, listing),
            json.dumps(listing),
            f"1 per page of {listing.get('limit')} users (depends on data)",
        )
        for i, listing in enumerate(queries)
    ]


def _estimate_row(source: Source, client: OktaClient, step: int) -> tuple[Any, ...]:
    """How long the fan-out takes at the org's budget: one call per user plus the user pages."""
    budget, origin = _budget(client, source.operation.path)
    users = listed_users(client)
    page = client.settings.page_size
    facts: dict[str, Any] = {"budget_per_minute": budget, "budget_from": origin, "users": users}
    if users is None:
        # The user pages, the DEPROVISIONED users' listing (one page, say), then one call per user.
        per_thousand = (math.ceil(1000 / page) + 1 + 1000) / budget * 60
        facts["seconds_per_1000_users"] = round(per_thousand)
        text = (
            f"about {_duration(per_thousand)} per 1,000 users at {budget} requests/minute ({origin}); "
            "the number of users is known once a query on this connection has listed them all"
        )
    else:
        calls = math.ceil(users / page) + 1 + users
        seconds = calls / budget * 60
        facts.update(calls=calls, seconds=round(seconds))
        text = f"about {_duration(seconds)}: {calls:,} calls for {users:,} users at {budget} requests/minute ({origin})"
    return (step, "estimate", "LOCAL", "-", json.dumps(facts), text)


def _budget(client: OktaClient, path: str) -> tuple[int, str]:
    for key in (family("GET", path), family("GET", "/api/v1/users")):
        limit = client.pacer.limit(key)
        if limit:
            return limit, f"X-Rate-Limit-Limit of Okta's {key} bucket, last answer"
    return TYPICAL_BUDGET, "Okta's typical budget; this connection has no X-Rate-Limit-Limit yet"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"


def _target(path: str, query: dict[str, Any]) -> str:
    """The request target as the writes' EXPLAIN shows it: path, then the query string."""
    encoded = encode_query(query)
    return f"{path}?{encoded}" if encoded else path


def explain_result(rows: list[tuple[Any, ...]]) -> Result:
    kinds = ("integer", "string", "string", "string", "string", "string")
    return Result(description=[describe(n, k) for n, k in zip(COLUMNS, kinds)], rows=iter(rows), rowcount=len(rows))
