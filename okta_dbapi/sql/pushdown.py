"""Pushdown analysis: which rows of each table reference the query can possibly use.

For every reference to a catalog table this works out, from the predicates around it, what the
API must return so that running the whole query locally over those rows gives the same answer as
running it over the whole org: key equalities and ``IN`` lists (``userId``, ``id``, ``factorId``,
``transactionId``, also written as ``OR``s), semi-joins to ``users`` (``userId IN (SELECT id FROM
users ...)``, ``JOIN ... ON f.userId = u.id``, correlated ``EXISTS``), keys carried across join
equalities, and the user filters Okta's ``filter`` and ``search`` answer. A pushdown only ever
has to return a superset; ``Ref.exact`` says whether the API answers every predicate exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import USERS, Table, require_table
from okta_dbapi.exceptions import DataError, ProgrammingError
from okta_dbapi.sql.rows import parse_timestamp
from okta_dbapi.sql.values import format_timestamp

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


def _and_terms(condition: Any) -> list[exp.Expression]:
    if condition is None:
        return []
    if isinstance(condition, exp.Paren):
        return _and_terms(condition.this)
    if isinstance(condition, exp.And):
        return _and_terms(condition.left) + _and_terms(condition.right)
    return [condition]


def literal_value(node: exp.Expression) -> tuple[bool, Any]:
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
        ok, value = literal_value(node.this)
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
        table = require_table(parts)
        scope = node.find_ancestor(exp.Select)
        if scope is None:
            raise ProgrammingError(f"The table {'.'.join(parts)} can only be used in a SELECT here.")
        refs.append(Ref(node=node, table=table, alias=node.alias_or_name, scope=scope))
    return refs


class Analyzer:
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
                    ok, value = literal_value(other)
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
                ok, value = literal_value(item)
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
        key = key_for(ref.table, name)
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
        key = key_for(ref.table, name)
        other_ref = self.resolve(other, ref.scope)
        if key is None or other_ref is None or other_ref is ref:
            return False
        other_key = key_for(other_ref.table, other.name)
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
        key = key_for(ref.table, name)
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
            ok, value = literal_value(other)
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
        ok, value = literal_value(other)
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
    try:
        return format_timestamp(parsed)
    except DataError:  # e.g. year 1 with a zone east of UTC: no instant to send, compared locally
        return None


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
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and literal_value(node.expression)[0]:
            col, found = node.this, [node.expression]
        elif isinstance(node, exp.EQ) and isinstance(node.expression, exp.Column) and literal_value(node.this)[0]:
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


def key_for(table: Table, column_name: str) -> str | None:
    """The operation key a column constrains (``factorId``/``id`` → ``factorId`` on factors)."""
    lowered = column_name.lower()
    for op in table.operations:
        for key in op.keys:
            if key.lower() == lowered or table.key_columns.get(key, "").lower() == lowered:
                return key
    return None


def _is_key(table: Table, name: str) -> bool:
    return key_for(table, name) is not None or name.lower() in PSEUDO_COLUMNS


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
            ok, value = literal_value(node)
            if not ok:
                raise ProgrammingError("subdomain must be compared with a literal or a parameter.")
            if str(value).lower() != subdomain.lower():
                raise ProgrammingError(
                    f"This connection is to the org {subdomain!r} but the query names subdomain {value!r}. "
                    "Open a connection to that org to query it: a token is never sent to another org."
                )
        predicate.replace(exp.true())
