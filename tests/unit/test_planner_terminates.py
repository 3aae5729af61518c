"""The planner always finishes: each statement is planned in a thread that must end within a
generous bound (planning takes milliseconds), so a loop that never ends fails here instead of
hanging the suite."""

from __future__ import annotations

import threading

import pytest

from okta_dbapi.sql.parse import prepare
from okta_dbapi.sql.planner import Plan, plan_select
from okta_dbapi.sql.subdomain import strip_subdomain

F, U, S = "okta.users.factors", "okta.users.users", "okta.users.supported_factors"

STATEMENTS = [
    # keys carried across a chain of join equalities, both ways
    f"SELECT * FROM {F} a JOIN {F} b ON a.userId = b.userId JOIN {S} s ON s.userId = b.userId WHERE s.userId = 'x'",
    f"SELECT * FROM {F} a, {S} s WHERE a.userId = s.userId AND s.userId = a.userId AND a.userId IN ('x', 'y')",
    # a CTE that takes a table's name, and one that takes the renamed name too
    f"WITH users AS (SELECT 1 AS id), okta_users AS (SELECT 2 AS id) SELECT * FROM {U} JOIN users ON 1 = 1",
    f"WITH factors AS (SELECT 'x' AS userId) SELECT * FROM {F} f WHERE f.userId IN (SELECT userId FROM factors)",
]


def _plan(sql: str) -> Plan:
    statement = prepare(sql, None)
    assert statement.ast is not None
    strip_subdomain(statement.ast, "acme")
    return plan_select(statement.ast, 200)


@pytest.mark.parametrize("sql", STATEMENTS)
def test_planning_ends(sql: str) -> None:
    plans: list[Plan] = []
    worker = threading.Thread(target=lambda: plans.append(_plan(sql)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), f"planning did not end: {sql}"
    assert len(plans) == 1 and plans[0].sources
