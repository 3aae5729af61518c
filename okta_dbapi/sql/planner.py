"""Plan a SELECT into Okta API calls.

The pushdown analysis (:mod:`okta_dbapi.sql.pushdown`) says what each table reference needs; this
module picks the operation for it the way StackQL does (list, get, or transaction status, from
the keys bound), merges the references to one table into as few sources as cover them, and marks
an exact single-table scan to stream. Everything else runs as a residual query in SQLite.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import USERS, Operation, Table
from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.pushdown import Analyzer, Ref, find_refs, literal_value


@dataclass
class Source:
    """How to fetch one table's rows. ``mode`` is one of:

    ``keyed``: one call of ``operation`` per entry of ``calls`` (path parameters);
    ``users``: list users with ``query`` (filter/search), paginated;
    ``dependent``: one call per id of the users loaded by earlier steps;
    ``fanout``: list every user, then one call per user.
    """

    table: Table
    operation: Operation
    mode: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    ast: exp.Expression
    refs: list[Ref]
    sources: list[Source]
    stream: Ref | None = None  # set when the query is an exact plain scan of one table
    limit: int | None = None  # with ``stream``: stop after this many rows
    offset: int = 0


def _select_op(table: Table, keys: set[str]) -> Operation:
    """The most specific select operation whose keys are all bound (StackQL's choice)."""
    best: Operation | None = None
    for op in table.operations_for("select"):
        if set(op.keys) <= keys and (best is None or len(op.keys) > len(best.keys)):
            best = op
    if best is None:
        raise ProgrammingError(f"No operation of {table.qualified_name} can be called with keys {sorted(keys)}.")
    return best


def _source_for(ref: Ref, page_size: int) -> Source:
    table = ref.table
    keys = {k for k, v in ref.keys.items() if v is not None}
    if table is USERS:
        if "id" in keys:
            # get_user ignores any filter: those predicates are left to the residual query.
            ref.exact = ref.exact and not ref.user_filters and not ref.user_search
            return Source(table, _operation(table, "get_user"), "keyed", calls=[{"id": v} for v in ref.keys["id"]])
        query: dict[str, Any] = {"limit": page_size}
        if ref.user_filters:
            query["filter"] = " and ".join(ref.user_filters)
        if ref.user_search:
            query["search"] = " and ".join(ref.user_search)
        return Source(table, _operation(table, "list_users"), "users", query=query)
    if "userId" in keys:
        op = _select_op(table, keys)
        return Source(table, op, "keyed", calls=_combinations(ref.keys, op))
    if "transactionId" in keys:
        raise ProgrammingError(
            "A transaction status lookup needs userId, factorId and transactionId in the WHERE clause, "
            "e.g. WHERE userId = ? AND factorId = ? AND transactionId = ?."
        )
    # Without a literal userId, list each user's rows and leave the other keys to the residual
    # query: a per-user get of one factorId would answer 404 for every other user.
    op = _select_op(table, {"userId"})
    ref.exact = ref.exact and keys <= {"userId"}
    mode = "dependent" if ref.depends_on_users else "fanout"
    return Source(table, op, mode)


def _operation(table: Table, name: str) -> Operation:
    op = table.operation(name)
    if op is None:
        raise ProgrammingError(f"{table.qualified_name} has no operation {name}.")
    return op


def _combinations(keys: dict[str, list[Any]], op: Operation, skip: str | None = None) -> list[dict[str, Any]]:
    combos: list[dict[str, Any]] = [{}]
    for key in op.keys:
        if key == skip:
            continue
        combos = [{**c, key: v} for c in combos for v in keys[key]]
    return combos


def merge_sources(sources: list[Source]) -> list[Source]:
    """One source per table where one covers the others (a fan-out, an unfiltered user list)."""
    merged: list[Source] = []
    by_table: dict[str, list[Source]] = {}
    for s in sources:
        by_table.setdefault(s.table.name, []).append(s)
    for group in by_table.values():
        covering = [s for s in group if s.mode == "fanout" or (s.mode == "users" and set(s.query) == {"limit"})]
        if covering:
            merged.append(covering[0])
            continue
        seen: set[str] = set()
        for s in group:
            identity = json.dumps([s.mode, s.operation.name, s.calls, s.query], sort_keys=True, default=str)
            if identity not in seen:
                seen.add(identity)
                merged.append(s)
    if any(s.mode == "users" and set(s.query) == {"limit"} for s in merged):
        # Every user is loaded anyway: fan out over those rather than listing them twice.
        for s in merged:
            if s.mode == "fanout":
                s.mode = "dependent"
    # Users first: dependent sources read the ids they loaded.
    merged.sort(key=lambda s: (s.mode == "dependent", s.table is not USERS))
    return merged


def plan_select(ast: exp.Expression, subdomain: str, page_size: int) -> Plan:
    refs = find_refs(ast)
    analyzer = Analyzer(refs, subdomain)
    for ref in refs:
        analyzer.analyze(ref)
    analyzer.propagate_keys()
    users_loaded = any(r.table is USERS for r in refs)
    for ref in refs:
        if ref.depends_on_users and not users_loaded:
            ref.depends_on_users = None
    sources = merge_sources([_source_for(ref, page_size) for ref in refs])
    plan = Plan(ast=ast, refs=refs, sources=sources)
    _mark_streaming(plan)
    return plan


_STREAMABLE_CLAUSES = {"expressions", "from", "from_", "where", "limit", "offset"}


def _mark_streaming(plan: Plan) -> None:
    """A single exact scan of one table, projecting plain columns, streams straight from the API."""
    ast = plan.ast
    if not isinstance(ast, exp.Select) or len(plan.refs) != 1 or len(plan.sources) != 1:
        return
    ref = plan.refs[0]
    if not ref.exact or ref.scope is not ast or plan.sources[0].mode == "dependent":
        return
    # An allowlist, not a blocklist: sqlglot renames and adds clause keys between releases.
    if any(value for key, value in ast.args.items() if key not in _STREAMABLE_CLAUSES):
        return
    for projection in ast.expressions:
        target = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(target, exp.Star):
            continue
        if not isinstance(target, exp.Column) or isinstance(target.this, exp.Star):
            if isinstance(target, exp.Column) and isinstance(target.this, exp.Star):
                continue
            return
        if ref.table.column(target.name) is None:
            return
    limit = ast.args.get("limit")
    offset = ast.args.get("offset")
    if limit is not None:
        ok, value = literal_value(limit.expression)
        if not ok or not _row_count(value):
            return  # e.g. LIMIT -1 (no limit in SQLite): the residual query applies it
        plan.limit = value
    if offset is not None:
        ok, value = literal_value(offset.expression)
        if not ok or not _row_count(value):
            return
        plan.offset = value
    plan.stream = ref
    source = plan.sources[0]
    # Every predicate was pushed, so LIMIT can shrink the users page too (never otherwise).
    if source.mode == "users" and plan.limit is not None:
        source.query["limit"] = max(1, min(int(source.query["limit"]), plan.limit + plan.offset))


def _row_count(value: Any) -> bool:
    """A LIMIT or OFFSET the stream can apply itself (``itertools.islice`` takes 0..sys.maxsize)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= sys.maxsize


def projected_columns(ast: exp.Select, ref: Ref) -> list[tuple[str, str]]:
    """(output name, catalog column) pairs of a streaming scan."""
    out: list[tuple[str, str]] = []
    for projection in ast.expressions:
        target = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(target, exp.Star) or (isinstance(target, exp.Column) and isinstance(target.this, exp.Star)):
            out.extend((c.name, c.name) for c in ref.table.columns)
            continue
        column = ref.table.column(target.name)
        assert column is not None
        out.append((projection.alias_or_name if isinstance(projection, exp.Alias) else column.name, column.name))
    return out
