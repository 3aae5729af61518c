"""Name resolution (okta_dbapi.sql.scopes) on parsed statements: which source a column reads.

The driver tests pin what a wrong resolution does to rows and calls; these pin the walk itself,
so that a resolver which never leaves a scope fails an assertion instead of hanging the suite.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlglot import exp

from okta_dbapi.sql import scopes
from okta_dbapi.sql.parse import parse_sql
from okta_dbapi.sql.scopes import Resolver, find_refs, within

U, F = "okta.users.users", "okta.users.factors"


def column(ast: exp.Expression, sql: str) -> exp.Column:
    return next(c for c in ast.find_all(exp.Column) if c.sql() == sql)


def same(seen: list[exp.Select], expected: list[exp.Select]) -> bool:
    return [id(s) for s in seen] == [id(s) for s in expected]


def selects(ast: exp.Expression) -> list[exp.Select]:
    return list(ast.find_all(exp.Select))


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[exp.Select]]:
    """The scopes source() looks into, in order; more than 20 means it is not moving outward."""
    seen: list[exp.Select] = []
    items = scopes.scope_items

    def recording(scope: exp.Select) -> list[exp.Expression]:
        seen.append(scope)
        assert len(seen) <= 20, "the resolver keeps looking into the same scopes"
        return items(scope)

    monkeypatch.setattr(scopes, "scope_items", recording)
    yield seen


SQL = (
    f"SELECT 1 FROM {U} u WHERE EXISTS (SELECT 1 FROM {F} f WHERE f.userId IN "
    "(SELECT u.id FROM (SELECT 1 AS z) d WHERE d.z = 1 AND nowhere.x = 1))"
)


def test_resolution_ends() -> None:
    """First in the file: a walk up the tree that never moves fails here instead of hanging the
    suite (each answer takes microseconds; the bound is generous)."""
    ast = parse_sql(SQL)
    outer, middle, inner, _derived = selects(ast)
    resolver = Resolver(find_refs(ast))
    answers: list[tuple[object, ...]] = []

    def walk() -> None:
        lost = resolver.source(column(ast, "nowhere.x"), inner)
        answers.append((within(inner, outer), within(outer, inner), resolver.outside(middle), lost))

    worker = threading.Thread(target=walk, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "resolving names did not end"
    assert answers == [(True, False, True, None)]


def test_a_correlated_column_is_found_one_scope_after_another(walked: list[exp.Select]) -> None:
    ast = parse_sql(SQL)
    outer, middle, inner, _derived = selects(ast)
    refs = find_refs(ast)
    found = Resolver(refs).source(column(ast, "u.id"), inner)
    assert same(walked, [inner, middle, outer])
    users = next(r for r in refs if r.alias == "u")
    assert found is not None and found[0] is outer and found[1] is users.node


def test_an_unknown_qualifier_is_looked_for_in_every_scope_once(walked: list[exp.Select]) -> None:
    ast = parse_sql(SQL)
    outer, middle, inner, _derived = selects(ast)
    assert Resolver(find_refs(ast)).source(column(ast, "nowhere.x"), inner) is None
    assert same(walked, [inner, middle, outer])


def test_an_unqualified_column_no_source_has_is_looked_for_outward(walked: list[exp.Select]) -> None:
    ast = parse_sql(f"SELECT 1 FROM {U} u WHERE u.id IN (SELECT profile FROM (SELECT 1 AS z) d)")
    outer, inner, _derived = selects(ast)
    resolver = Resolver(find_refs(ast))
    found = resolver.source(column(ast, "profile"), inner)
    assert found is not None and found[0] is outer and resolver.ref_of(found[1]) is not None
    assert same(walked, [inner, outer])


def test_within_is_strictly_below() -> None:
    ast = parse_sql(SQL)
    outer, middle, inner, derived = selects(ast)
    assert within(inner, outer) and within(derived, middle) and within(column(ast, "u.id"), outer)
    assert not within(outer, inner)
    assert not within(outer, outer)
    assert not within(middle, derived)


def test_outside_tells_a_correlated_subquery() -> None:
    ast = parse_sql(
        f"SELECT 1 FROM {U} u WHERE u.id IN (SELECT f.userId FROM {F} f WHERE f.status = u.status) "
        f"AND u.id IN (SELECT g.userId FROM {F} g WHERE g.status = 'ACTIVE' AND g.id IN (SELECT h.id FROM {F} h))"
    )
    resolver = Resolver(find_refs(ast))
    correlated, standalone, nested = (s for s in selects(ast)[1:])
    assert resolver.outside(correlated)
    assert not resolver.outside(standalone)
    assert not resolver.outside(nested)
    assert resolver.outside(exp.column("x", table="nowhere"))  # a column in no SELECT at all
