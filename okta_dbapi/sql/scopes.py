"""Name resolution, SQLite's way: which table reference a column of the query belongs to.

Every ``SELECT`` is a scope. Its sources are catalog tables (``Ref``), CTE references and
derived tables; a qualifier names a source by its alias (or by its name when it has none); an
unqualified column belongs to the one source of the scope that has it; a column no source of a
scope has is looked up in the enclosing scopes (a correlated subquery). Whatever cannot be
resolved for certain resolves to None, and then nothing is pushed down for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import Table, require_table
from okta_dbapi.exceptions import ProgrammingError

# Columns of a table that are really request parameters, not data: they are checked or turned
# into pushdowns, then removed from the residual query.
PSEUDO_COLUMNS = {"subdomain"}


@dataclass(eq=False)
class Ref:
    """One reference to a catalog table in the query (``FROM okta.users.factors AS f``)."""

    node: exp.Table
    table: Table
    alias: str
    scope: exp.Select
    keys: dict[str, list[Any]] = field(default_factory=dict)
    depends_on_users: bool = False  # its userId is filled from the ids of the users the statement loads
    # Queries (over the local database) whose rows hold the only user ids this ref can match:
    # ``userId IN (SELECT id FROM users LIMIT 3)``. Their intersection bounds the fan-out.
    user_sets: list[exp.Expression] = field(default_factory=list)
    user_filters: list[str] = field(default_factory=list)
    user_search: list[str] = field(default_factory=list)
    exact: bool = True  # every predicate on this ref's scope was answered exactly by the API
    local: str = ""  # the name of its table in the local database


def cte_names(ast: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in ast.find_all(exp.CTE)}


def table_parts(node: exp.Table) -> list[str]:
    return [p for p in (node.catalog, node.db, node.name) if p]


def _is_cte_reference(node: exp.Table, ctes: set[str]) -> bool:
    parts = table_parts(node)
    return len(parts) == 1 and parts[0].lower() in ctes


def find_refs(ast: exp.Expression) -> list[Ref]:
    """Every reference to a catalog table; unknown tables are a ProgrammingError."""
    ctes = cte_names(ast)
    refs = []
    for node in ast.find_all(exp.Table):
        parts = table_parts(node)
        if not parts or _is_cte_reference(node, ctes):
            continue  # a table-valued function, or a CTE
        table = require_table(parts)
        scope = node.find_ancestor(exp.Select)
        if scope is None:
            raise ProgrammingError(f"The table {'.'.join(parts)} can only be used in a SELECT here.")
        refs.append(Ref(node=node, table=table, alias=node.alias_or_name, scope=scope))
    return refs


def scope_items(scope: exp.Select) -> list[exp.Expression]:
    """The FROM and JOIN items of a scope, in order."""
    items: list[exp.Expression] = []
    from_ = scope.args.get("from_") or scope.args.get("from")
    if from_ is not None:
        items.append(from_.this)
    items.extend(join.this for join in scope.args.get("joins") or [])
    return items


def is_key(table: Table, name: str) -> bool:
    return key_for(table, name) is not None or name.lower() in PSEUDO_COLUMNS


def key_for(table: Table, column_name: str) -> str | None:
    """The operation key a column constrains (``factorId``/``id`` → ``factorId`` on factors)."""
    lowered = column_name.lower()
    for op in table.operations:
        for key in op.keys:
            if key.lower() == lowered or table.key_columns.get(key, "").lower() == lowered:
                return key
    return None


class Resolver:
    """Resolves columns to the catalog refs (or other sources) of their scopes."""

    def __init__(self, refs: list[Ref]) -> None:
        self.refs = refs
        self._by_node = {id(r.node): r for r in refs}

    def ref_of(self, item: exp.Expression) -> Ref | None:
        return self._by_node.get(id(item))

    def source(self, column: exp.Column, scope: exp.Select) -> tuple[exp.Select, exp.Expression] | None:
        """The scope and FROM/JOIN item a column reads, or None when that is not certain."""
        current: exp.Select | None = scope
        qualifier = column.table.lower() if column.table else ""
        while current is not None:
            items = scope_items(current)
            if qualifier:
                named = [i for i in items if i.alias_or_name.lower() == qualifier]
                if len(named) == 1:
                    return current, named[0]
                if named:
                    return None
            else:
                owners = [i for i in items if self._may_have(i, column.name)]
                if len(owners) == 1:
                    return current, owners[0]
                if owners:
                    return None
            current = current.parent.find_ancestor(exp.Select) if current.parent else None
        return None

    def _may_have(self, item: exp.Expression, name: str) -> bool:
        ref = self.ref_of(item)
        if ref is not None:
            return ref.table.column(name) is not None or is_key(ref.table, name)
        if isinstance(item, exp.Subquery):
            select = item.unnest()
            if isinstance(select, exp.Select) and not any(isinstance(e, exp.Star) for e in select.expressions):
                return any(e.alias_or_name.lower() == name.lower() for e in select.expressions)
        return True  # a CTE or anything else: it may have the column, so nothing is certain

    def resolve(self, column: exp.Column, scope: exp.Select) -> Ref | None:
        """The catalog ref a column belongs to, or None (another source, or not certain)."""
        found = self.source(column, scope)
        return self.ref_of(found[1]) if found is not None else None

    def outside(self, node: exp.Expression) -> bool:
        """Whether any column inside ``node`` reads a source outside it (a correlated subquery)."""
        for column in node.find_all(exp.Column):
            if isinstance(column.this, exp.Star):
                continue
            scope = column.find_ancestor(exp.Select)
            if scope is None:
                return True
            found = self.source(column, scope)
            if found is None:
                return True
            owner_scope = found[0]
            if owner_scope is not node and not within(owner_scope, node):
                return True
        return False


def within(inner: exp.Expression, outer: exp.Expression) -> bool:
    """Whether ``inner`` stands somewhere below ``outer`` in the tree."""
    parent = inner.parent
    while parent is not None:
        if parent is outer:
            return True
        parent = parent.parent
    return False
