"""Different plans, same answer: the driver compared with itself.

- ``SELECT (A), (B)`` answers what A and B answer run alone (the two scalar subqueries share one
  statement, so their sources are merged; alone, each is planned on its own).
- The same question asked as ``IN (subquery)``, ``EXISTS``, ``JOIN``; ``NOT IN`` and ``NOT EXISTS``;
  an ``IN`` list and an ``OR`` of equalities; conjuncts in any order: each form is planned
  differently, and all must give the oracle's answer.
"""

from __future__ import annotations

from collections import Counter

from conftest import World
from diff_compare import Query, check, run_driver
from diff_queries import Draw, Gen, lit, make, share
from hypothesis import given, note, settings
from hypothesis import strategies as st

Q = "@@Q@@"  # the column prefix of a predicate written once and used under several aliases


@settings(max_examples=share(1 / 3))
@given(data=st.data())
def test_scalar_subqueries_answer_as_when_run_alone(world: World, data: st.DataObject) -> None:
    gen = Gen(world.pools)
    a = make(data.draw(st.composite(gen.scalar)()))
    b = make(data.draw(st.composite(gen.scalar)()))
    both = Query(f"SELECT ({a.sql}), ({b.sql})", oracle=f"SELECT ({a.oracle or a.sql}), ({b.oracle or b.sql})")
    note(both.sql)
    together = check(world.conn, world.oracle, both)
    alone = [run_driver(world.conn, a.sql)[0][0], run_driver(world.conn, b.sql)[0][0]]
    assert together == [tuple(alone)], f"{both.sql}\n  together: {together}\n  alone: {alone}"


def _semijoin_forms(user_pred: str, factor_pred: str, negated: bool) -> list[str]:
    """One question: factors whose user matches ``user_pred`` (or does not, when ``negated``)."""
    bare, aliased = user_pred.replace(Q, ""), user_pred.replace(Q, "u.")
    cols = "SELECT f.userId, f.id FROM okta.users.factors f"
    users = "okta.users.users"
    if negated:
        return [
            f"{cols} WHERE f.userId NOT IN (SELECT id FROM {users} WHERE {bare}) AND {factor_pred}",
            f"{cols} WHERE NOT EXISTS (SELECT 1 FROM {users} u WHERE u.id = f.userId AND {aliased}) AND {factor_pred}",
            f"{cols} WHERE {factor_pred} AND NOT EXISTS (SELECT 1 FROM {users} u WHERE {aliased} AND f.userId = u.id)",
            f"{cols} LEFT JOIN {users} u ON u.id = f.userId AND {aliased} WHERE u.id IS NULL AND {factor_pred}",
        ]
    return [
        f"{cols} WHERE f.userId IN (SELECT id FROM {users} WHERE {bare}) AND {factor_pred}",
        f"{cols} WHERE {factor_pred} AND f.userId IN (SELECT id FROM {users} WHERE {bare})",
        f"{cols} WHERE EXISTS (SELECT 1 FROM {users} u WHERE u.id = f.userId AND {aliased}) AND {factor_pred}",
        f"{cols} JOIN {users} u ON u.id = f.userId WHERE {aliased} AND {factor_pred}",
        f"{cols} JOIN {users} u ON u.id = f.userId AND {aliased} WHERE {factor_pred}",
    ]


@settings(max_examples=share(1 / 3))
@given(data=st.data(), negated=st.booleans())
def test_semijoin_forms_agree(world: World, data: st.DataObject, negated: bool) -> None:
    gen = Gen(world.pools)
    user_pred = data.draw(st.composite(lambda draw: gen.user_pred(draw, Q))())
    factor_pred = data.draw(st.composite(lambda draw: gen.factor_pred(draw, "f.", semijoins=False))())
    _agree(world, _semijoin_forms(user_pred, factor_pred, negated))


def _in_list_forms(draw: Draw, gen: Gen) -> list[str]:
    """``x IN (a, b, c)``, the same as ``OR``s, and the conjuncts of the WHERE in another order."""
    table, column, values = draw(
        st.sampled_from(
            (
                ("okta.users.users", "status", ("ACTIVE", "SUSPENDED", "DEPROVISIONED", "STAGED", "BOGUS")),
                ("okta.users.users", "id", tuple(gen.p.user_ids[:6]) + tuple(gen.p.deprovisioned_ids)),
                ("okta.users.factors", "userId", tuple(gen.p.user_ids[:6]) + tuple(gen.p.deprovisioned_ids)),
                ("okta.users.factors", "factorType", ("sms", "push", "email", "webauthn")),
            )
        )
    )
    chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=4, unique=True))
    if table.endswith("users"):
        others = [gen.user_atom(draw, "") for _ in range(draw(st.integers(0, 2)))]
    else:
        others = [gen.factor_atom(draw, "", semijoins=False) for _ in range(draw(st.integers(0, 2)))]
    in_list = f"{column} IN ({', '.join(lit(v) for v in chosen)})"
    ors = "(" + " OR ".join(f"{column} = {lit(v)}" for v in chosen) + ")"
    head = f"SELECT * FROM {table} WHERE "
    return [
        head + " AND ".join([in_list, *others]),
        head + " AND ".join([*reversed(others), ors]),
        head + " AND ".join([*others, in_list]),
    ]


@settings(max_examples=share(1 / 2))
@given(data=st.data())
def test_in_lists_ors_and_conjunct_order_agree(world: World, data: st.DataObject) -> None:
    gen = Gen(world.pools)
    forms = data.draw(st.composite(lambda draw: _in_list_forms(draw, gen))())
    _agree(world, forms)


def _agree(world: World, forms: list[str]) -> None:
    """Every form gives the same answer, and it is the oracle's."""
    queries = [make(sql) for sql in forms]
    for query in queries:
        note(query.sql)
    answers = [Counter(check(world.conn, world.oracle, query)) for query in queries]
    assert all(a == answers[0] for a in answers), "different plans gave different answers:\n" + "\n".join(forms)
