"""``subdomain``: StackQL's org parameter, checked against the connection's org and then dropped."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.scopes import PSEUDO_COLUMNS, Resolver, find_refs, scope_items
from okta_dbapi.sql.terms import literal_value


def iter_pseudo_predicates(ast: exp.Expression) -> Iterator[exp.Column]:
    """Columns named ``subdomain`` that belong to a catalog table (not a CTE's or a derived table's)."""
    resolver = Resolver(find_refs(ast))
    for column in list(ast.find_all(exp.Column)):
        if column.name.lower() not in PSEUDO_COLUMNS:
            continue
        scope = column.find_ancestor(exp.Select)
        found = resolver.source(column, scope) if scope is not None else None
        if found is None:
            if scope is not None and any(resolver.ref_of(i) is None for i in scope_items(scope)):
                continue  # may belong to a CTE or derived table: leave it to SQLite
            yield column
        elif resolver.ref_of(found[1]) is not None:
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
