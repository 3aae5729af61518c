"""What the planner asks Okta for, per query shape (no HTTP: the plan only)."""

from __future__ import annotations

from typing import Any

import pytest

from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.parse import prepare
from okta_dbapi.sql.planner import Plan, plan_select, user_listings
from okta_dbapi.sql.subdomain import strip_subdomain


def plan(sql: str, params: Any = None) -> Plan:
    statement = prepare(sql, params)
    assert statement.ast is not None
    strip_subdomain(statement.ast, "acme")
    return plan_select(statement.ast, 200)


def shape(p: Plan) -> list[tuple[str, str, str, Any]]:
    return [(s.table.name, s.mode, s.operation.name, s.calls or s.queries) for s in p.sources]


@pytest.mark.parametrize(
    "sql, expected, streams",
    [
        (
            "SELECT * FROM okta.users.factors WHERE userId = 'u' AND id = 'f'",
            [("factors", "keyed", "get_factor", [{"userId": "u", "factorId": "f"}])],
            True,
        ),
        (
            "SELECT * FROM factors WHERE userId = 'u' AND factorId = 'f' AND transactionId = 't'",
            [
                (
                    "factors",
                    "keyed",
                    "get_factor_transaction_status",
                    [{"userId": "u", "factorId": "f", "transactionId": "t"}],
                )
            ],
            True,
        ),
        (
            "SELECT id FROM factors WHERE userId IN ('a', 'b') AND status = 'ACTIVE'",
            [("factors", "keyed", "list_factors", [{"userId": "a"}, {"userId": "b"}])],
            False,
        ),
        (
            "SELECT id FROM factors WHERE userId = 'a' OR userId = 'b'",
            [("factors", "keyed", "list_factors", [{"userId": "a"}, {"userId": "b"}])],
            True,
        ),
        (
            "SELECT * FROM factors WHERE id = 'f'",  # no userId: list per user, filter locally
            [("factors", "fanout", "list_factors", [])],
            False,
        ),
        (
            "SELECT * FROM factors WHERE userId IN (SELECT id FROM users WHERE status = 'SUSPENDED')",
            [
                ("users", "users", "list_users", [{"limit": 200, "filter": 'status eq "SUSPENDED"'}]),
                ("factors", "dependent", "list_factors", []),
            ],
            False,
        ),
        (
            # factors is the preserved side of the LEFT JOIN: every factor counts, so all are listed.
            "SELECT * FROM factors f LEFT JOIN users u ON f.userId = u.id WHERE u.status = 'ACTIVE'",
            [
                ("users", "users", "list_users", [{"limit": 200, "filter": 'status eq "ACTIVE"'}]),
                ("factors", "fanout", "list_factors", []),
            ],
            False,
        ),
        (
            "SELECT * FROM users u LEFT JOIN factors f ON f.userId = u.id",
            [
                (
                    "users",
                    "users",
                    "list_users",
                    [{"limit": 200}, {"limit": 200, "filter": 'status eq "DEPROVISIONED"'}],
                ),
                ("factors", "dependent", "list_factors", []),
            ],
            False,
        ),
        (
            "SELECT * FROM users WHERE lastUpdated > '2024-01-01' LIMIT 5",  # widened, so no LIMIT pushdown
            [("users", "users", "list_users", [{"limit": 200, "filter": 'lastUpdated ge "2024-01-01T00:00:00.000Z"'}])],
            False,
        ),
        (
            "SELECT id FROM users WHERE status IN ('ACTIVE', 'LOCKED_OUT') LIMIT 5",
            [
                (
                    "users",
                    "users",
                    "list_users",
                    [{"limit": 5, "filter": '(status eq "ACTIVE" or status eq "LOCKED_OUT")'}],
                )
            ],
            True,
        ),
        (
            "SELECT id FROM users WHERE profile->>'department' = 'Sales'",
            [("users", "users", "list_users", [{"limit": 200, "search": 'profile.department eq "Sales"'}])],
            False,
        ),
        (
            "WITH mine AS (SELECT * FROM factors WHERE userId = 'u') SELECT count(*) FROM mine",
            [("factors", "keyed", "list_factors", [{"userId": "u"}])],
            False,
        ),
        (
            "SELECT * FROM factors WHERE subdomain = 'acme' AND userId = 'u'",
            [("factors", "keyed", "list_factors", [{"userId": "u"}])],
            True,
        ),
    ],
)
def test_plans(sql: str, expected: list[tuple[str, str, str, Any]], streams: bool) -> None:
    p = plan(sql)
    assert shape(p) == expected
    assert (p.stream is not None) == streams


def test_foreign_subdomain_is_refused() -> None:
    with pytest.raises(ProgrammingError, match="never sent to another org"):
        plan("SELECT * FROM factors WHERE subdomain = 'other' AND userId = 'u'")


def test_okta_filter_strings_are_escaped() -> None:
    p = plan("SELECT * FROM users WHERE status = ?", ['x" or status eq "ACTIVE'])
    assert p.sources[0].queries[0]["filter"] == 'status eq "x\\" or status eq \\"ACTIVE"'


def test_transaction_lookup_needs_its_keys() -> None:
    with pytest.raises(ProgrammingError, match="transaction status lookup needs"):
        plan("SELECT factorResult FROM factors WHERE transactionId = 't'")


def test_user_listings_add_the_deprovisioned_listing_only_to_an_unfiltered_query() -> None:
    plain = {"limit": 5}
    assert user_listings(plain) == [plain, {"limit": 5, "filter": 'status eq "DEPROVISIONED"'}]
    for narrowed in ({"limit": 5, "filter": 'status eq "ACTIVE"'}, {"limit": 5, "search": 'profile.a eq "b"'}):
        assert user_listings(narrowed) == [narrowed]  # Okta's filter and search include DEPROVISIONED users
