"""Execute a planned SELECT: stream an exact scan straight from the API, or load the rows the plan
fetches into SQLite and run the whole statement there."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Generator, Iterator
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import USERS, Column, Table
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.scope import Scope
from okta_dbapi.sql import rows
from okta_dbapi.sql.fetch import Fetcher, Progress
from okta_dbapi.sql.inference import output_kinds
from okta_dbapi.sql.planner import Plan, Source, plan_select, projected_columns
from okta_dbapi.sql.residual import LocalDatabase, rewrite
from okta_dbapi.sql.result import Result, describe
from okta_dbapi.sql.subdomain import strip_subdomain


def plan_query(ast: exp.Expression, client: OktaClient) -> Plan:
    settings = client.settings
    strip_subdomain(ast, settings.subdomain)
    return plan_select(ast, settings.page_size)


def run_select(
    ast: exp.Expression, client: OktaClient, progress: Progress | None = None, scope: Scope | None = None
) -> Result:
    return run_plan(plan_query(ast, client), client, progress, scope)


def run_plan(plan: Plan, client: OktaClient, progress: Progress | None = None, scope: Scope | None = None) -> Result:
    """Run a planned SELECT; its requests run in ``scope`` (its deadline and cancellation)."""
    fetcher = Fetcher(client, progress, scope, list_users_first=plan.stream is None or plan.limit is None)
    if plan.stream is not None:
        return _stream(plan, fetcher)
    return _materialise(plan, fetcher)


def _stream(plan: Plan, fetcher: Fetcher) -> Result:
    assert plan.stream is not None and isinstance(plan.ast, exp.Select)
    table = plan.stream.table
    pairs = projected_columns(plan.ast, plan.stream)
    columns = [table.column(source) for _, source in pairs]
    assert all(columns)
    description = [describe(name, col.kind) for (name, _), col in zip(pairs, columns) if col is not None]
    stop = None if plan.limit is None else plan.offset + plan.limit
    source = fetcher.rows(plan.sources[0], wanted=stop)
    body = _streamed_rows(source, [c for c in columns if c], plan.offset, stop)
    # Take the first row now, so that a failing first call (a 404 for the user asked for, a bad
    # token) is raised by execute() rather than by the first fetch.
    first = next(body, None)
    head = [first] if first is not None else []
    return Result(description=description, rows=itertools.chain(head, body), on_close=[body.close])


def _streamed_rows(
    source: Iterator[dict[str, Any]], columns: list[Column], offset: int, stop: int | None
) -> Generator[tuple[Any, ...], None, None]:
    """Rows as they arrive; the fan-out behind them stops as soon as LIMIT is reached or the
    result is closed, instead of fetching ahead for rows nobody will read."""
    read = rows.output_reader(columns)
    try:
        yield from map(read, itertools.islice(source, offset, stop))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


def _materialise(plan: Plan, fetcher: Fetcher) -> Result:
    db = LocalDatabase()
    try:
        tables: dict[str, Table] = {ref.local: ref.table for ref in plan.refs}
        for name, table in tables.items():
            db.create(table, name)
        sql = rewrite(plan.ast)
        db.check(sql)  # unknown columns and the like fail here, before any request
        for source in plan.sources:
            ids = _user_ids(plan, source, db) if source.mode == "dependent" else None
            fetched = fetcher.rows(source, ids)
            try:
                db.insert(source.table, fetched, source.local)
            finally:
                fetched.close()  # on an error, end its fan-out now
    except BaseException:
        db.close()
        raise
    return query_result(db, sql, tables)


def query_result(db: LocalDatabase, sql: str, tables: dict[str, Table]) -> Result:
    """Run the residual ``sql`` on ``db``; the result owns ``db`` and closes it."""
    try:
        names, raw = db.query(sql)
        kinds = output_kinds(sql, tables)
        if len(kinds) != len(names):
            kinds = [None] * len(names)
        body = rows.typed_rows(raw, kinds)
        first = next(body, None)
    except BaseException:
        db.close()
        raise
    description = [
        describe(name, _kind(name, first[i] if first else None, kinds[i], tables)) for i, name in enumerate(names)
    ]
    rest = itertools.chain([first] if first is not None else [], body)
    return Result(description=description or None, rows=rest, on_close=[db.close])


def _user_ids(plan: Plan, source: Source, db: LocalDatabase) -> list[str]:
    """The users a dependent source fetches for: for each of its refs, the intersection of the ids
    its semi-joins can yield (run locally over the users already loaded), else every loaded user."""
    loaded: list[str] | None = None
    wanted: dict[str, None] = {}
    for ref in source.refs:
        bound = _user_set_ids(ref.user_sets, db)
        if bound is None:
            if loaded is None:
                locals_ = dict.fromkeys(r.local for r in plan.refs if r.table is USERS)
                loaded = [str(v) for name in locals_ for v in db.distinct(name, "id")]
            bound = loaded
        wanted.update(dict.fromkeys(bound))
    return list(wanted)


def _user_set_ids(user_sets: list[exp.Expression], db: LocalDatabase) -> list[str] | None:
    result: list[str] | None = None
    for query in user_sets:
        try:
            values = db.values(rewrite(query))
        except sqlite3.Error:
            continue  # then this set bounds nothing; SQLite reports the error in the query itself
        found = [str(v) for v in values if v is not None]
        kept = set(found)
        result = found if result is None else [v for v in result if v in kept]
    return None if result is None else list(dict.fromkeys(result))


def _kind(name: str, value: Any, inferred: str | None, tables: dict[str, Table]) -> str:
    """The type code of an output column: from its first value, else the type inferred from the
    statement, else the catalog's type of a column of that name."""
    if value is not None:
        return rows.kind_of(value)
    if inferred is not None:
        return inferred
    for table in tables.values():
        column = table.column(name)
        if column is not None:
            return column.kind
    return "string"
