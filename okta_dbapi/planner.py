"""Plan a SELECT into Okta API calls.

For every reference to a catalog table the planner works out, from the predicates around it,
which rows the API must return so that running the whole query locally over them gives the same
answer as running it over the whole org: key equalities and ``IN`` lists (``userId``, ``id``,
``factorId``, ``transactionId``), semi-joins to ``users`` (``userId IN (SELECT id FROM users ...)``,
``JOIN ... ON f.userId = u.id``, correlated ``EXISTS``), and the user filters Okta's ``filter`` and
``search`` answer. A pushdown only ever has to return a superset: the whole WHERE is re-applied
locally by the residual query, unless the plan is an exact single-table scan that can stream.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import TABLES, USERS, Operation, Table, resolve_table
from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.rows import parse_timestamp
from okta_dbapi.sql.parse import format_timestamp

# Columns of a table that are really request parameters, not data: they are checked or turned
# into pushdowns, then removed from the residual query.
PSEUDO_COLUMNS = {"subdomain"}


@dataclass
class Ref:
    """One reference to a catalog table in the query (``FROM okta.users.factors AS f``)."""

    node: exp.Table
    table: Table
    alias: str
    scope: exp.Select
    keys: dict[str, list[Any]] = field(default_factory=dict)
    depends_on_users: str | None = None  # key filled from the ids of the loaded users
    user_filters: list[str] = field(default_factory=list)
    user_search: list[str] = field(default_factory=list)
    exact: bool = True  # every predicate on this ref's scope was answered exactly by the API


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
    key: str = "userId"


@dataclass
class Plan:
    ast: exp.Expression
    refs: list[Ref]
    sources: list[Source]
    stream: Ref | None = None  # set when the query is an exact plain scan of one table
    limit: int | None = None  # with ``stream``: stop after this many rows
    offset: int = 0


def _and_terms(condition: Any) -> list[exp.Expression]:
    if condition is None:
        return []
    if isinstance(condition, exp.Paren):
        return _and_terms(condition.this)
    if isinstance(condition, exp.And):
        return _and_terms(condition.left) + _and_terms(condition.right)
    return [condition]


def _literal_value(node: exp.Expression) -> tuple[bool, Any]:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return True, node.this
        text = node.this
        try:
            return True, int(text)
        except ValueError:
            return True, float(text)
    if isinstance(node, exp.Boolean):
        return True, node.this
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        ok, value = _literal_value(node.this)
        return ok, -value if ok else None
    return False, None


def _cte_names(ast: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in ast.find_all(exp.CTE)}


def _table_parts(node: exp.Table) -> list[str]:
    return [p for p in (node.catalog, node.db, node.name) if p]


def find_refs(ast: exp.Expression) -> list[Ref]:
    """Every reference to a catalog table; unknown tables are a ProgrammingError."""
    ctes = _cte_names(ast)
    refs = []
    for node in ast.find_all(exp.Table):
        parts = _table_parts(node)
        if not parts:
            continue  # e.g. a table-valued function
        if len(parts) == 1 and parts[0].lower() in ctes:
            continue
        table = resolve_table(parts)
        if table is None:
            known = ", ".join(f"okta.users.{name}" for name in TABLES)
            raise ProgrammingError(f"Unknown table {'.'.join(parts)!r}. Known tables: {known}.")
        scope = node.find_ancestor(exp.Select)
        if scope is None:
            raise ProgrammingError(f"The table {'.'.join(parts)} can only be used in a SELECT here.")
        refs.append(Ref(node=node, table=table, alias=node.alias_or_name, scope=scope))
    return refs


class _Analyzer:
    def __init__(self, refs: list[Ref], subdomain: str) -> None:
        self.refs = refs
        self.subdomain = subdomain
        # (ref, key, other ref, other key): ref's key equals the other's in ref's own conditions.
        self.equalities: list[tuple[Ref, str, Ref, str]] = []

    # -- column resolution -------------------------------------------------------------------

    def scope_refs(self, scope: exp.Select) -> list[Ref]:
        return [r for r in self.refs if r.scope is scope]

    def resolve(self, column: exp.Column, scope: exp.Select) -> Ref | None:
        """The ref a column belongs to, searching ``scope`` and then its enclosing scopes."""
        current: exp.Select | None = scope
        qualifier = column.table.lower() if column.table else ""
        while current is not None:
            candidates = self.scope_refs(current)
            if qualifier:
                for ref in candidates:
                    if ref.alias.lower() == qualifier or ref.table.name == qualifier:
                        return ref
            else:
                owners = [r for r in candidates if r.table.column(column.name) or _is_key(r.table, column.name)]
                if len(owners) == 1:
                    return owners[0]
                if owners:
                    return None
            current = current.parent.find_ancestor(exp.Select) if current.parent else None
        return None

    # -- predicates ----------------------------------------------------------------------------

    def conditions_for(self, ref: Ref) -> list[exp.Expression]:
        """The conjuncts that every row of ``ref`` that matters must satisfy."""
        where = ref.scope.args.get("where")
        terms = _and_terms(where.this if where is not None else None)
        for join in ref.scope.args.get("joins") or []:
            side = (join.side or "").upper()
            joined_ref = join.this is ref.node
            # Inner-join ON conditions restrict both sides; a LEFT JOIN's only its right side.
            if side == "" or (side == "LEFT" and joined_ref):
                terms.extend(_and_terms(join.args.get("on")))
        return terms

    def analyze(self, ref: Ref) -> None:
        terms = self.conditions_for(ref)
        answered = [self.apply(ref, term) for term in terms]  # every term, for its pushdowns
        ref.exact = not ref.scope.args.get("joins") and all(answered)

    def apply(self, ref: Ref, term: exp.Expression) -> bool:
        """Record what ``term`` pushes down for ``ref``; True when the API answers it exactly."""
        if isinstance(term, exp.Boolean) and term.this is True:
            return True  # what a checked subdomain predicate became
        if isinstance(term, exp.EQ):
            for col, other in ((term.this, term.expression), (term.expression, term.this)):
                if isinstance(col, exp.Column) and self.resolve(col, ref.scope) is ref:
                    ok, value = _literal_value(other)
                    if ok:
                        return self.push_values(ref, col.name, [value])
                    if isinstance(other, exp.Column):
                        return self.push_join(ref, col.name, other)
            return self.push_user_json(ref, term)
        if isinstance(term, exp.In) and isinstance(term.this, exp.Column):
            col = term.this
            if self.resolve(col, ref.scope) is not ref:
                return False
            query = term.args.get("query")
            if query is not None:
                return self.push_semijoin(ref, col.name, query)
            values = []
            for item in term.expressions:
                ok, value = _literal_value(item)
                if not ok:
                    return False
                values.append(value)
            return self.push_values(ref, col.name, values)
        if isinstance(term, (exp.GT, exp.GTE, exp.LT, exp.LTE)) and ref.table is USERS:
            return self.push_user_range(ref, term)
        if isinstance(term, exp.Or):
            as_in = _or_as_in(term)
            return self.apply(ref, as_in) if as_in is not None else False
        return False

    def push_values(self, ref: Ref, name: str, values: list[Any]) -> bool:
        lowered = name.lower()
        key = _key_for(ref.table, name)
        if key is None:
            if ref.table is USERS and lowered == "status":
                quoted = " or ".join(f'status eq "{_okta_string(v)}"' for v in values)
                ref.user_filters.append(f"({quoted})" if len(values) > 1 else quoted)
                return True
            return False
        if any(v is None for v in values):
            return False
        merged = [str(v) for v in values]
        if key in ref.keys:
            merged = [v for v in ref.keys[key] if v in merged]
        ref.keys[key] = list(dict.fromkeys(merged))
        return True

    def push_join(self, ref: Ref, name: str, other: exp.Column) -> bool:
        """``ref.userId = users.id`` or ``ref.userId = other.userId``: fetch only what can match.

        The join itself is always evaluated locally, so this never counts as exact.
        """
        key = _key_for(ref.table, name)
        other_ref = self.resolve(other, ref.scope)
        if key is None or other_ref is None or other_ref is ref:
            return False
        other_key = _key_for(other_ref.table, other.name)
        if other_key is not None:
            self.equalities.append((ref, key, other_ref, other_key))
        if key == "userId" and ref.table is not USERS and other_ref.table is USERS and other.name.lower() == "id":
            ref.depends_on_users = key
        return False

    def propagate_keys(self) -> None:
        """Carry literal keys across join equalities: ``s.userId = f.userId AND f.userId = 'x'``."""
        changed = True
        while changed:
            changed = False
            for ref, key, other, other_key in self.equalities:
                if key not in ref.keys and other_key in other.keys:
                    ref.keys[key] = list(other.keys[other_key])
                    changed = True

    def push_semijoin(self, ref: Ref, name: str, query: exp.Expression) -> bool:
        """``userId IN (SELECT id FROM okta.users.users WHERE ...)``."""
        key = _key_for(ref.table, name)
        select = query.this if isinstance(query, exp.Subquery) else query
        if key != "userId" or ref.table is USERS or not isinstance(select, exp.Select):
            return False
        projections = select.expressions
        if len(projections) != 1 or not isinstance(projections[0], exp.Column):
            return False
        inner = self.resolve(projections[0], select)
        if inner is None or inner.table is not USERS or projections[0].name.lower() != "id":
            return False
        ref.depends_on_users = key
        return False

    def push_user_json(self, ref: Ref, term: exp.EQ) -> bool:
        """``profile->>'login' = 'x'`` (or json_extract) on users: Okta's filter or search."""
        if ref.table is not USERS:
            return False
        for access, other in ((term.this, term.expression), (term.expression, term.this)):
            attribute = _profile_attribute(access)
            ok, value = _literal_value(other)
            if attribute and ok and isinstance(value, str) and access.this is not None:
                column = access.this
                if not isinstance(column, exp.Column) or self.resolve(column, ref.scope) is not ref:
                    return False
                if attribute == "login":
                    # Okta matches logins without regard to case, SQL's = does not: re-checked locally.
                    ref.user_filters.append(f'profile.login eq "{_okta_string(value)}"')
                    return False
                # Search is eventually consistent in Okta: a superset at worst, so re-checked locally.
                ref.user_search.append(f'profile.{attribute} eq "{_okta_string(value)}"')
                return False
        return False

    def push_user_range(self, ref: Ref, term: exp.Expression) -> bool:
        """``lastUpdated > x`` and friends, sent to Okta widened to an inclusive bound.

        Okta compares instants while the residual query compares ISO text, so the API is asked for
        the inclusive range (a superset) and the exact comparison is left to the residual query.
        """
        inclusive: dict[type, str] = {exp.GT: "ge", exp.GTE: "ge", exp.LT: "le", exp.LTE: "le"}
        flipped = {"ge": "le", "le": "ge"}
        op = inclusive[type(term)]
        col, other = term.this, term.expression
        if not isinstance(col, exp.Column):
            col, other, op = term.expression, term.this, flipped[op]
        if not isinstance(col, exp.Column) or col.name.lower() != "lastupdated":
            return False
        if self.resolve(col, ref.scope) is not ref:
            return False
        ok, value = _literal_value(other)
        instant = okta_timestamp(value) if ok else None
        if instant is not None:
            ref.user_filters.append(f'lastUpdated {op} "{instant}"')
        return False


def okta_timestamp(value: Any) -> str | None:
    """An ISO 8601 date or timestamp in the form Okta's filter expects, or None."""
    if not isinstance(value, str):
        return None
    parsed = parse_timestamp(value)
    if not isinstance(parsed, dt.datetime):
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.timezone.utc)
        except ValueError:
            return None
    return format_timestamp(parsed)


def _or_as_in(term: exp.Or) -> exp.In | None:
    """``a = 1 OR a = 2 OR a IN (3)`` as ``a IN (1, 2, 3)``; None for any other disjunction."""
    column: exp.Column | None = None
    values: list[exp.Expression] = []
    stack: list[Any] = [term]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.Or):
            stack.extend((node.right, node.left))
            continue
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and _literal_value(node.expression)[0]:
            col, found = node.this, [node.expression]
        elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Column) and _literal_value(node.this)[0]:
            col, found = node.expression, [node.this]
        elif isinstance(node, exp.In) and isinstance(node.this, exp.Column) and not node.args.get("query"):
            col, found = node.this, list(node.expressions)
        else:
            return None
        if column is not None and (col.name.lower(), col.table.lower()) != (column.name.lower(), column.table.lower()):
            return None
        column = col
        values.extend(found)
    if column is None:
        return None
    return exp.In(this=column, expressions=values)


def _okta_string(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def _profile_attribute(node: exp.Expression) -> str | None:
    """The profile attribute read by ``profile->>'x'``, ``profile->>'$.x'`` or json_extract(profile, '$.x')."""
    if not isinstance(node, (exp.JSONExtractScalar, exp.JSONExtract)):
        return None
    column = node.this
    if not isinstance(column, exp.Column) or column.name.lower() != "profile":
        return None
    path = node.expression
    if isinstance(path, exp.JSONPath):
        keys = path.expressions
        if len(keys) == 2 and isinstance(keys[0], exp.JSONPathRoot) and isinstance(keys[1], exp.JSONPathKey):
            name = keys[1].this
            return name if isinstance(name, str) and name.replace("_", "").isalnum() else None
    return None


def _key_for(table: Table, column_name: str) -> str | None:
    """The operation key a column constrains (``factorId``/``id`` → ``factorId`` on factors)."""
    lowered = column_name.lower()
    for op in table.operations:
        for key in op.keys:
            if key.lower() == lowered or table.key_columns.get(key, "").lower() == lowered:
                return key
    return None


def _is_key(table: Table, name: str) -> bool:
    return _key_for(table, name) is not None or name.lower() in PSEUDO_COLUMNS


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
    analyzer = _Analyzer(refs, subdomain)
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
        ok, value = _literal_value(limit.expression)
        if not ok or not isinstance(value, int):
            return
        plan.limit = value
    if offset is not None:
        ok, value = _literal_value(offset.expression)
        if not ok or not isinstance(value, int):
            return
        plan.offset = value
    plan.stream = ref
    source = plan.sources[0]
    # Every predicate was pushed, so LIMIT can shrink the users page too (never otherwise).
    if source.mode == "users" and plan.limit is not None:
        source.query["limit"] = max(1, min(int(source.query["limit"]), plan.limit + plan.offset))


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


def iter_pseudo_predicates(ast: exp.Expression) -> Iterator[exp.Column]:
    for column in ast.find_all(exp.Column):
        if column.name.lower() in PSEUDO_COLUMNS:
            yield column


def strip_subdomain(ast: exp.Expression, subdomain: str) -> None:
    """Check every ``subdomain`` predicate against the connection's org, then drop it.

    ``subdomain`` is StackQL's org parameter, not data: a query may name only the connection's
    own org, so the token is never sent to another host. This runs before any request.
    """
    for column in list(iter_pseudo_predicates(ast)):
        predicate = column.parent
        if isinstance(predicate, exp.EQ):
            other = predicate.expression if predicate.this is column else predicate.this
            values = [other]
        elif isinstance(predicate, exp.In) and predicate.this is column and predicate.expressions:
            values = list(predicate.expressions)
        else:
            raise ProgrammingError("subdomain can only be compared with = or IN (...) in a WHERE clause.")
        for node in values:
            ok, value = _literal_value(node)
            if not ok:
                raise ProgrammingError("subdomain must be compared with a literal or a parameter.")
            if str(value).lower() != subdomain.lower():
                raise ProgrammingError(
                    f"This connection is to the org {subdomain!r} but the query names subdomain {value!r}. "
                    "Open a connection to that org to query it: a token is never sent to another org."
                )
        predicate.replace(exp.true())
