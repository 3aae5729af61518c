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
from okta_dbapi.sql.pushdown import Analyzer, Ref, find_refs
from okta_dbapi.sql.scopes import Resolver, cte_names
from okta_dbapi.sql.terms import literal_value, okta_string


@dataclass
class Source:
    """How to fetch one table's rows. ``mode`` is one of:

    ``keyed``: one call of ``operation`` per entry of ``calls`` (path parameters);
    ``users``: one paginated user listing per entry of ``queries`` (filter/search);
    ``dependent``: one call per user id the refs can match, known once the users are loaded;
    ``fanout``: list every user, then one call per user;
    ``transactions``: per entry of ``calls`` (userId, transactionId), list the user's factors, then
    ask each push factor for the transaction (a transactionId without its factorId).
    """

    table: Table
    operation: Operation
    mode: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)  # the table references whose rows it fetches
    local: str = ""  # the local table its rows go to
    covers_all: bool = False  # it fetches every row of its table (a fan-out, an unfiltered listing)

    def user_sets(self) -> bool:
        return any(r.user_sets for r in self.refs)


DEPROVISIONED_FILTER = 'status eq "DEPROVISIONED"'
ID_CHUNK = 20  # ids per ``filter=id eq "a" or id eq "b" ...`` listing: Okta bounds a filter's length


def user_listings(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The user listings that return every user ``query`` can match.

    ``okta.users.users`` holds every user. Okta's default listing leaves DEPROVISIONED users out,
    while a ``filter`` or ``search`` listing includes them: so a listing with neither is followed
    by one for the DEPROVISIONED users.
    """
    if query.get("filter") or query.get("search"):
        return [query]
    return [query, {**query, "filter": DEPROVISIONED_FILTER}]


@dataclass
class Plan:
    ast: exp.Expression
    refs: list[Ref]
    sources: list[Source]
    stream: Ref | None = None  # set when the query is an exact plain scan of one table
    limit: int | None = None  # with ``stream``: stop after this many rows
    offset: int = 0


def select_op(table: Table, keys: set[str]) -> Operation:
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
    keys = set(ref.keys)
    if table is USERS:
        return _users_source(ref, page_size)
    if any(not values for values in ref.keys.values()):
        # A key compared with NULL or an empty IN list: no row can match, so nothing is fetched.
        return Source(table, select_op(table, {"userId"}), "keyed", calls=[])
    if "userId" in keys and "transactionId" in keys and "factorId" not in keys:
        return _transactions_source(ref)
    if "userId" in keys:
        op = select_op(table, keys)
        # Keys the operation does not take are checked locally.
        ref.exact = ref.exact and keys <= set(op.keys)
        if "transactionId" in op.keys:
            ref.local = _transactions_table(ref)
        return Source(table, op, "keyed", calls=_combinations(ref.keys, op))
    if "transactionId" in keys:
        raise ProgrammingError(
            "A transaction status lookup needs userId, factorId and transactionId in the WHERE clause, "
            "e.g. WHERE userId = ? AND factorId = ? AND transactionId = ?."
        )
    # Without a literal userId, list each user's rows and leave the other keys to the residual
    # query: a per-user get of one factorId would answer 404 for every other user.
    op = select_op(table, {"userId"})
    ref.exact = ref.exact and not keys
    if ref.depends_on_users or ref.user_sets:
        return Source(table, op, "dependent")
    return Source(table, op, "fanout", covers_all=True)


def _users_source(ref: Ref, page_size: int) -> Source:
    """Users always come from listings, which hold DEPROVISIONED users when asked and give every
    user the same (collection) form; ``id = ?`` is ``filter=id eq "?"``, which, unlike
    ``GET /users/{id}``, does not also resolve logins, short names or ``me``."""
    op = _operation(USERS, "list_users")
    query: dict[str, Any] = {"limit": page_size}
    if ref.user_search:
        query["search"] = " and ".join(ref.user_search)
    if "id" in ref.keys:
        ids = ref.keys["id"]
        ref.exact = False  # the listing is a superset at worst: ids are compared locally as SQL does
        queries = [
            _filtered({**query, "limit": _id_page(page_size)}, [_id_filter(ids[i : i + ID_CHUNK]), *ref.user_filters])
            for i in range(0, len(ids), ID_CHUNK)
        ]
        return Source(USERS, op, "users", queries=queries)
    if ref.user_filters:
        return Source(USERS, op, "users", queries=[_filtered(query, ref.user_filters)])
    return Source(USERS, op, "users", queries=user_listings(query), covers_all=not ref.user_search)


def _filtered(query: dict[str, Any], filters: list[str]) -> dict[str, Any]:
    return {**query, "filter": " and ".join(filters)}


def id_listings(ids: list[Any], page_size: int) -> list[dict[str, Any]]:
    """The user listings that return exactly the users with these ids (20 ids per listing)."""
    page = _id_page(page_size)
    return [{"limit": page, "filter": _id_filter(ids[i : i + ID_CHUNK])} for i in range(0, len(ids), ID_CHUNK)]


def _id_page(page_size: int) -> int:
    """A page that holds a whole chunk of ids, so each id listing is one call whatever page_size says."""
    return max(page_size, ID_CHUNK)


def _id_filter(ids: list[Any]) -> str:
    terms = [f'id eq "{okta_string(i)}"' for i in ids]
    return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"


PUSH_TYPES = ("push",)  # the factor types whose verification is a transaction to poll


def _transactions_source(ref: Ref) -> Source:
    """``userId = ? AND transactionId = ?`` without ``factorId``: the transaction is one of the
    user's push factors', so each is asked (a 404 is no row)."""
    op = select_op(ref.table, {"userId", "factorId", "transactionId"})
    ref.local = _transactions_table(ref)
    ref.exact = False
    calls = [{"userId": u, "transactionId": t} for u in ref.keys["userId"] for t in ref.keys["transactionId"]]
    return Source(ref.table, op, "transactions", calls=calls)


def _transactions_table(ref: Ref) -> str:
    """Transaction rows live in a table of their own: they share (userId, id) with factor rows."""
    name = ref.local + "__transactions"
    ref.node.meta["okta_local"] = name
    return name


def _operation(table: Table, name: str) -> Operation:
    op = table.operation(name)
    if op is None:
        raise ProgrammingError(f"{table.qualified_name} has no operation {name}.")
    return op


def _combinations(keys: dict[str, list[Any]], op: Operation) -> list[dict[str, Any]]:
    combos: list[dict[str, Any]] = [{}]
    for key in op.keys:
        combos = [{**c, key: v} for c in combos for v in keys[key]]
    return combos


def merge_sources(sources: list[Source]) -> list[Source]:
    """One source per local table where one covers the others (a fan-out, an unfiltered user list)."""
    merged: list[Source] = []
    by_table: dict[str, list[Source]] = {}
    for s in sources:
        by_table.setdefault(s.local, []).append(s)
    for group in by_table.values():
        covering = [s for s in group if s.covers_all]
        if covering:
            covering[0].refs = [r for s in group for r in s.refs]
            merged.append(covering[0])
            continue
        seen: dict[str, Source] = {}
        for s in group:
            identity = json.dumps([s.mode, s.operation.name, s.calls, s.queries], sort_keys=True, default=str)
            if identity in seen:
                seen[identity].refs.extend(s.refs)
            else:
                seen[identity] = s
                merged.append(s)
    if any(s.mode == "users" and s.covers_all for s in merged):
        # Every user is loaded anyway: fan out over those rather than listing them twice.
        for s in merged:
            if s.mode == "fanout":
                s.mode, s.covers_all = "dependent", False
    # Users first: dependent sources read the ids they loaded.
    merged.sort(key=lambda s: (s.mode == "dependent", s.table is not USERS))
    return merged


def assign_local_names(ast: exp.Expression, refs: list[Ref]) -> None:
    """Each ref's local table name, never one of the statement's CTE names (``WITH users AS``)."""
    taken = cte_names(ast)
    for ref in refs:
        name = ref.table.name
        while name.lower() in taken:
            name = "okta_" + name
        ref.local = name
        ref.node.meta["okta_local"] = name


def plan_select(ast: exp.Expression, page_size: int) -> Plan:
    refs = find_refs(ast)
    assign_local_names(ast, refs)
    analyzer = Analyzer(refs)
    for ref in refs:
        analyzer.analyze(ref)
    analyzer.propagate_keys()
    # depends_on_users is only ever set by an equality with a users reference's id, so the users
    # it depends on are always loaded by the same statement.
    sources = []
    for ref in refs:
        source = _source_for(ref, page_size)
        source.refs, source.local = [ref], ref.local
        sources.append(source)
    mark_renames(analyzer)
    plan = Plan(ast=ast, refs=refs, sources=merge_sources(sources))
    _mark_streaming(plan)
    return plan


def mark_renames(resolver: Resolver) -> None:
    """Mark the columns that name a key by another name (``factorId`` is the factors' ``id``).

    Only columns that resolve to such a table are renamed, never a CTE's or a derived table's
    own column of that name; a renamed projection keeps its name as an alias.
    """
    for ref in resolver.refs:
        renames = {k.lower(): v for k, v in ref.table.key_columns.items() if ref.table.column(k) is None}
        if not renames:
            continue
        for column in ref.node.root().find_all(exp.Column):
            target = renames.get(column.name.lower())
            if target is None:
                continue
            scope = column.find_ancestor(exp.Select)
            if scope is not None and resolver.resolve(column, scope) is ref:
                column.meta["okta_rename"] = target


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
        target = projection.unalias()
        if _is_star(target):
            continue
        if not isinstance(target, exp.Column) or ref.table.column(target.name) is None:
            return
    counts: dict[str, int] = {}
    for key in ("limit", "offset"):
        clause = ast.args.get(key)
        if clause is not None:
            ok, value = literal_value(clause.expression)
            if not ok or not _row_count(value):
                return  # e.g. LIMIT -1 (no limit in SQLite), OFFSET 1 + 1: the residual query applies it
            counts[key] = value
    limit, offset = counts.get("limit"), counts.get("offset", 0)
    if limit is not None and not _row_count(limit + offset):
        return  # LIMIT 9223372036854775807 OFFSET 1 ends past what islice takes
    plan.stream, plan.limit, plan.offset = ref, limit, offset
    source = plan.sources[0]
    # Every predicate was pushed, so LIMIT can shrink the users page too (never otherwise).
    if source.mode == "users" and plan.limit is not None:
        for query in source.queries:
            query["limit"] = max(1, min(int(query["limit"]), plan.limit + plan.offset))


def _is_star(projection: exp.Expression) -> bool:
    """``*`` or ``t.*``."""
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    )


def _row_count(value: Any) -> bool:
    """A LIMIT or OFFSET the stream can apply itself (``itertools.islice`` takes 0..sys.maxsize)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= sys.maxsize


def projected_columns(ast: exp.Select, ref: Ref) -> list[tuple[str, str]]:
    """(output name, catalog column) pairs of a streaming scan."""
    out: list[tuple[str, str]] = []
    for projection in ast.expressions:
        target = projection.unalias()
        if _is_star(target):
            out.extend((c.name, c.name) for c in ref.table.columns)
            continue
        column = ref.table.column(target.name)
        assert column is not None
        out.append((projection.alias_or_name if isinstance(projection, exp.Alias) else column.name, column.name))
    return out
