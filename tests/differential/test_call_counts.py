"""Exact HTTP calls for every row of README.md's pushdown table, one query at a time.

The expected numbers come from the oracle (how many users have that status, that department...),
not from the emulator or the planner, and the connection pages 10 users at a time so that "every
user page" means several pages. Where a row says which users are fetched, the test checks the
paths too. ``test_every_readme_row_is_tested`` fails when the table gains or loses a row.
(tests/driver/test_pushdown_table.py checks the same rows summed per row, on the shared org.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import World

import okta_dbapi

README = Path(__file__).parents[2] / "README.md"
PAGE = 10
F, U = "okta.users.factors", "okta.users.users"


@pytest.fixture(scope="module")
def paged(world: World) -> Iterator[okta_dbapi.Connection]:
    conn = okta_dbapi.connect(org_url=world.emu.url, token=world.emu.token, page_size=PAGE)
    yield conn
    conn.close()


def readme_rows() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Pushdown") : text.index("## EXPLAIN")]
    return [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")][1:]


def pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE))


def count(world: World, sql: str) -> int:
    return int(world.oracle.execute(sql).fetchone()[0])


def ids(world: World, sql: str) -> set[str]:
    return {r[0] for r in world.oracle.execute(sql)}


def every_user_page(world: World) -> int:
    """The default listing leaves DEPROVISIONED users out; a second listing asks for them."""
    deprovisioned = count(world, "SELECT count(*) FROM users.users WHERE status = 'DEPROVISIONED'")
    return pages(count(world, "SELECT count(*) FROM users.users") - deprovisioned) + pages(deprovisioned)


def calls(world: World, conn: okta_dbapi.Connection, sql: str, params: list[str] | None = None) -> list[str]:
    """Run ``sql`` and return the paths it called (after the query string is dropped)."""
    world.emu.log.clear()
    cur = conn.cursor()
    cur.execute(sql, params)
    cur.fetchall()
    return [e.path for e in world.emu.log.entries]


def factor_users(paths: list[str]) -> set[str]:
    return {m.group(1) for p in paths if (m := re.fullmatch(r"/api/v1/users/([^/]+)/factors", p))}


def first_user(world: World) -> tuple[str, str, str]:
    uid, fid, tid = world.pools.transactions[0]
    return uid, fid, tid


def test_key_lookups(world: World, paged: okta_dbapi.Connection) -> None:
    uid, fid, tid = first_user(world)
    assert calls(world, paged, f"SELECT * FROM {F} WHERE userId = ? AND id = ?", [uid, fid]) == [
        f"/api/v1/users/{uid}/factors/{fid}"
    ]
    assert calls(world, paged, f"SELECT * FROM {F} WHERE userId = ?", [uid]) == [f"/api/v1/users/{uid}/factors"]
    sql = f"SELECT factorResult FROM {F} WHERE userId = ? AND factorId = ? AND transactionId = ?"
    assert calls(world, paged, sql, [uid, fid, tid]) == [f"/api/v1/users/{uid}/factors/{fid}/transactions/{tid}"]
    questions = calls(world, paged, "SELECT * FROM okta.users.supported_security_questions WHERE userId = ?", [uid])
    assert questions == ["/api/v1/users", f"/api/v1/users/{uid}/factors/questions"]
    catalog = calls(world, paged, "SELECT * FROM okta.users.supported_factors WHERE userId = ?", [uid])
    assert catalog == [f"/api/v1/users/{uid}/factors/catalog"]
    three = world.pools.user_ids[:3]
    assert factor_users(calls(world, paged, f"SELECT * FROM {F} WHERE userId IN (?, ?, ?)", three)) == set(three)
    assert len(calls(world, paged, f"SELECT * FROM {F} WHERE userId IN (?, ?, ?)", three)) == 3


def test_transaction_without_factor_id(world: World, paged: okta_dbapi.Connection) -> None:
    """The user's factors, then each push factor asked for the transaction."""
    uid, _, tid = first_user(world)
    push = ids(world, f"SELECT id FROM users.factors WHERE userId = '{uid}' AND factorType = 'push'")
    paths = calls(world, paged, f"SELECT factorResult FROM {F} WHERE userId = ? AND transactionId = ?", [uid, tid])
    assert paths[0] == f"/api/v1/users/{uid}/factors"
    assert sorted(paths[1:]) == sorted(f"/api/v1/users/{uid}/factors/{p}/transactions/{tid}" for p in push)


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT * FROM {F} WHERE userId = NULL",
        f"SELECT * FROM {F} WHERE userId IN ()",
        f"SELECT * FROM {U} WHERE status IN ()",
        f"SELECT * FROM {F} WHERE userId = (SELECT id FROM {U} WHERE id IN ())",
    ],
)
def test_no_row_can_match_no_call(world: World, paged: okta_dbapi.Connection, sql: str) -> None:
    assert calls(world, paged, sql) == []


def test_a_null_parameter_is_no_call(world: World, paged: okta_dbapi.Connection) -> None:
    assert calls(world, paged, f"SELECT * FROM {F} WHERE userId = ?", [None]) == []  # type: ignore[list-item]


def test_users_by_id_one_call_per_20_ids(world: World, paged: okta_dbapi.Connection) -> None:
    some = world.pools.user_ids[:25]
    marks = ", ".join("?" for _ in some)
    assert len(calls(world, paged, f"SELECT * FROM {U} WHERE id IN ({marks})", some)) == 2
    assert len(calls(world, paged, f"SELECT * FROM {U} WHERE id = ?", some[:1])) == 1


@pytest.mark.parametrize(
    "where",
    [
        "status = 'ACTIVE'",
        "status IN ('ACTIVE', 'SUSPENDED')",
        "status = 'DEPROVISIONED'",
        "profile->>'login' = 'Mixed.Case@Example.com'",
        "lastUpdated > '2019-05-01T00:00:00.000Z'",
        "profile->>'department' = 'Sales'",
        "profile->>'department' = 'Engineering'",
    ],
)
def test_users_one_filtered_listing(world: World, paged: okta_dbapi.Connection, where: str) -> None:
    """`filter` (status, login, lastUpdated) or `search` (other profile attributes): that listing's pages."""
    paths = calls(world, paged, f"SELECT * FROM {U} WHERE {where}")
    assert set(paths) == {"/api/v1/users"}
    assert len(paths) == pages(count(world, f"SELECT count(*) FROM users.users WHERE {where}"))


@pytest.mark.parametrize(
    "sql", [f"SELECT * FROM {U}", f"SELECT * FROM {U} WHERE lower(profile->>'department') = 'sales'"]
)
def test_users_with_nothing_pushed_list_every_page(world: World, paged: okta_dbapi.Connection, sql: str) -> None:
    paths = calls(world, paged, sql)
    assert set(paths) == {"/api/v1/users"}
    assert len(paths) == every_user_page(world)


SUSPENDED = "SELECT id FROM users.users WHERE status = 'SUSPENDED'"


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT f.* FROM {F} f WHERE f.userId IN (SELECT id FROM {U} WHERE status = 'SUSPENDED')",
        f"SELECT f.* FROM {F} f JOIN {U} u ON f.userId = u.id WHERE u.status = 'SUSPENDED'",
        f"SELECT f.* FROM {F} f WHERE EXISTS (SELECT 1 FROM {U} u WHERE u.id = f.userId AND u.status = 'SUSPENDED')",
    ],
)
def test_semi_join_fetches_the_listed_users_only(world: World, paged: okta_dbapi.Connection, sql: str) -> None:
    paths = calls(world, paged, sql)
    suspended = ids(world, SUSPENDED)
    assert factor_users(paths) == suspended
    assert len(paths) == pages(len(suspended)) + len(suspended)


def test_scalar_login_subquery_two_calls(world: World, paged: okta_dbapi.Connection) -> None:
    uid = world.pools.user_ids[4]
    login = world.pools.logins[4]
    sql = f"SELECT * FROM {F} WHERE userId = (SELECT id FROM {U} WHERE profile->>'login' = ?)"
    paths = calls(world, paged, sql, [login])
    assert paths == ["/api/v1/users", f"/api/v1/users/{uid}/factors"]


@pytest.mark.parametrize(
    ("sql", "kept"),
    [
        (f"SELECT * FROM {F} WHERE userId IN (SELECT id FROM {U} ORDER BY id LIMIT 3)", "ORDER BY id LIMIT 3"),
        (
            f"WITH u AS (SELECT id FROM {U} ORDER BY id DESC LIMIT 3) SELECT f.* FROM {F} f JOIN u ON f.userId = u.id",
            "ORDER BY id DESC LIMIT 3",
        ),
        (
            f"SELECT f.* FROM {F} f JOIN (SELECT id FROM {U} ORDER BY id LIMIT 3 OFFSET 2) d ON f.userId = d.id",
            "ORDER BY id LIMIT 3 OFFSET 2",
        ),
    ],
)
def test_limited_subquery_runs_first(world: World, paged: okta_dbapi.Connection, sql: str, kept: str) -> None:
    paths = calls(world, paged, sql)
    assert factor_users(paths) == ids(world, f"SELECT id FROM users.users {kept}")
    assert len(paths) == every_user_page(world) + 3


def test_two_semi_joins_fetch_the_intersection(world: World, paged: okta_dbapi.Connection) -> None:
    sql = (
        f"SELECT * FROM {F} WHERE userId IN (SELECT id FROM {U} WHERE status = 'ACTIVE') "
        f"AND userId IN (SELECT id FROM {U} WHERE profile->>'department' = 'Engineering')"
    )
    paths = calls(world, paged, sql)
    active = ids(world, "SELECT id FROM users.users WHERE status = 'ACTIVE'")
    engineers = ids(world, "SELECT id FROM users.users WHERE profile->>'department' = 'Engineering'")
    assert factor_users(paths) == active & engineers
    assert len(paths) == pages(len(active)) + pages(len(engineers)) + len(active & engineers)


def test_fan_out_every_page_then_every_user(world: World, paged: okta_dbapi.Connection) -> None:
    paths = calls(world, paged, f"SELECT * FROM {F}")
    everyone = ids(world, "SELECT id FROM users.users")
    assert factor_users(paths) == everyone
    assert len(paths) == every_user_page(world) + len(everyone)


def test_limit_is_pushed_only_when_every_predicate_was(world: World, paged: okta_dbapi.Connection) -> None:
    world.emu.log.clear()
    assert len(calls(world, paged, f"SELECT id FROM {U} WHERE status = 'ACTIVE' LIMIT 3")) == 1
    assert world.emu.log.entries[0].query.get("limit") == "3"
    sql = f"SELECT id FROM {U} WHERE status = 'ACTIVE' AND lower(profile->>'department') = 'sales' LIMIT 3"
    assert len(calls(world, paged, sql)) == pages(
        count(world, "SELECT count(*) FROM users.users WHERE status = 'ACTIVE'")
    )


TESTED_ROWS = {
    "`factors WHERE userId = ? AND id = ?`": test_key_lookups,
    "`factors WHERE userId = ?`": test_key_lookups,
    "`factors WHERE userId = ? AND factorId = ? AND transactionId = ?`": test_key_lookups,
    "`factors WHERE userId = ? AND transactionId = ?` (no `factorId`)": test_transaction_without_factor_id,
    "`factors WHERE userId IN (?, ?, ?)`": test_key_lookups,
    "`factors WHERE userId = NULL`, `userId IN ()`, `users WHERE status IN ()`": test_no_row_can_match_no_call,
    "`users WHERE id = ?` (or `id IN (...)`)": test_users_by_id_one_call_per_20_ids,
    "`users WHERE status = ?` (or `IN`), `profile->>'login' = ?`, `lastUpdated > ?`": test_users_one_filtered_listing,
    "`users WHERE profile->>'department' = ?` (any other profile attribute)": test_users_one_filtered_listing,
    "`users` with none of those": test_users_with_nothing_pushed_list_every_page,
    "`factors WHERE userId IN (SELECT id FROM users WHERE status = ?)`, or `JOIN users u ON f.userId = u.id "
    "WHERE u.status = ?`, or `EXISTS (SELECT 1 FROM users u WHERE u.id = f.userId AND u.status = ?)`": (
        test_semi_join_fetches_the_listed_users_only
    ),
    "`factors WHERE userId = (SELECT id FROM users WHERE profile->>'login' = ?)`": test_scalar_login_subquery_two_calls,
    "`factors WHERE userId IN (SELECT id FROM users ORDER BY id LIMIT 3)` (or the same subquery as a CTE or "
    "a derived table joined on `userId`)": test_limited_subquery_runs_first,
    "two such semi-joins under `AND`": test_two_semi_joins_fetch_the_intersection,
    "`factors` with no `userId` at all": test_fan_out_every_page_then_every_user,
}


def test_every_readme_row_is_tested() -> None:
    assert readme_rows() == list(TESTED_ROWS)
