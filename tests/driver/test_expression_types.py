"""Expressions keep their types and their names: an aggregate or coalesce of a timestamp is a
timestamp, count(*) an integer, and an unaliased expression is named as written (as SQLite names it)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

UTC = dt.timezone.utc


def okta_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def listed_users(org: Emulator) -> list[dict[str, Any]]:
    return [org.org.user(u) or {} for u in org.org.user_ids(include_deprovisioned=True)]


def described(cur: okta_dbapi.Cursor) -> list[tuple[str, str]]:
    assert cur.description is not None
    return [(d[0], d[1]) for d in cur.description]


def test_aggregates_and_coalesce_of_timestamps_are_timestamps(org: Emulator, conn: okta_dbapi.Connection) -> None:
    users = listed_users(org)
    cur = conn.cursor()
    cur.execute("SELECT max(created), min(created), count(*) FROM okta.users.users")
    assert described(cur) == [("max(created)", "datetime"), ("min(created)", "datetime"), ("count(*)", "integer")]
    created = [okta_time(u["created"]) for u in users]
    assert cur.fetchall() == [(max(created), min(created), len(users))]  # type: ignore[type-var]
    assert org.log.count("GET", r"/api/v1/users") == 2  # the users, then the DEPROVISIONED ones

    cur.execute("SELECT id, coalesce(lastLogin, created) AS seen FROM okta.users.users ORDER BY id")
    assert described(cur) == [("id", "string"), ("seen", "datetime")]
    expected = sorted((u["id"], okta_time(u.get("lastLogin") or u["created"])) for u in users)
    got = cur.fetchall()
    assert got == expected
    assert all(isinstance(seen, dt.datetime) and seen.tzinfo is not None for _, seen in got)


def test_min_of_a_joined_tables_timestamp(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = next(u["id"] for u in listed_users(org) if org.org.factors(u["id"]))
    cur = conn.cursor()
    cur.execute(
        "SELECT u.id, min(f.created), max(f.lastUpdated) FROM okta.users.users u "
        "JOIN okta.users.factors f ON f.userId = u.id WHERE u.id = ? GROUP BY u.id",
        [uid],
    )
    assert described(cur) == [("id", "string"), ("min(f.created)", "datetime"), ("max(f.lastUpdated)", "datetime")]
    factors = org.org.factors(uid)
    assert cur.fetchall() == [
        (
            uid,
            min(okta_time(f["created"]) for f in factors),  # type: ignore[type-var]
            max(okta_time(f["lastUpdated"]) for f in factors),  # type: ignore[type-var]
        )
    ]


def test_an_empty_result_is_described_from_the_statement(conn: okta_dbapi.Connection) -> None:
    """No value to look at: the types come from the statement alone."""
    cur = conn.cursor()
    cur.execute(
        "SELECT max(created) AS latest, count(*) AS n, date(created) AS day, id FROM okta.users.users "
        "WHERE status = 'NO_SUCH_STATUS'"
    )
    assert described(cur) == [("latest", "datetime"), ("n", "integer"), ("day", "date"), ("id", "string")]
    assert cur.fetchall() == [(None, 0, None, None)]
    cur.execute("SELECT count(*) + 1, created FROM okta.users.users WHERE status = 'NO_SUCH_STATUS' GROUP BY id")
    assert described(cur) == [("count(*) + 1", "integer"), ("created", "datetime")]
    assert cur.fetchall() == []


def test_date_and_case_of_timestamps(org: Emulator, conn: okta_dbapi.Connection) -> None:
    users = listed_users(org)
    cur = conn.cursor()
    cur.execute(
        "SELECT id, date(created), CASE WHEN lastLogin IS NULL THEN created ELSE lastLogin END "
        "FROM okta.users.users ORDER BY id"
    )
    assert [k for _, k in described(cur)] == ["string", "date", "datetime"]
    expected = sorted(
        (u["id"], okta_time(u["created"]).date(), okta_time(u.get("lastLogin") or u["created"]))  # type: ignore[union-attr]
        for u in users
    )
    assert cur.fetchall() == expected


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT count(*)", None),
        ("SELECT COUNT(*), Count(1)", None),
        ("SELECT ?", ["a bound value"]),
        ("SELECT ?, ? AS b", ["p", 3]),
        ("SELECT 1, 'it''s', 2.5, NULL, upper('x'), 1 + 2", None),
        ("SELECT DISTINCT abs(-1), (SELECT 2)", None),
        ("WITH t AS (SELECT count(*), max(1) AS m) SELECT * FROM t", None),
        ("SELECT * FROM (SELECT length('abc'), 'x' || 'y') AS s", None),
        ("SELECT coalesce(NULL, 1) UNION ALL SELECT 2", None),
        ("SELECT (SELECT upper('a')), * FROM (SELECT lower('B'), abs(-2)) WHERE 1 IN (SELECT 1) ORDER BY 1", None),
        ("WITH a AS (SELECT max(1), min(2)) SELECT *, (SELECT count(*) FROM a) FROM a WHERE EXISTS (SELECT 1)", None),
    ],
)
def test_names_are_sqlites(conn: okta_dbapi.Connection, sql: str, params: Any) -> None:
    """The same statement in SQLite itself is the oracle for the names."""
    with sqlite3.connect(":memory:") as db:
        oracle = db.execute(sql, params or [])
        expected_names = [d[0] for d in oracle.description]
        expected_rows = oracle.fetchall()
    cur = conn.cursor()
    cur.execute(sql, params)
    assert [d[0] for d in cur.description or []] == expected_names
    assert cur.fetchall() == expected_rows


def test_named_parameter_is_named_as_written(conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT :who, :n + 1 AS next", {"who": "alice", "n": 1})
    assert described(cur) == [(":who", "string"), ("next", "integer")]
    assert cur.fetchall() == [("alice", 2)]


def test_count_star_is_named_as_written_over_a_table(conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT status, count(*) FROM okta.users.users GROUP BY status ORDER BY count(*) DESC, status")
    assert [d[0] for d in cur.description or []] == ["status", "count(*)"]
    rows = cur.fetchall()
    assert rows and all(isinstance(n, int) for _, n in rows)


def test_concat_works_as_in_sqlite_3_44(conn: okta_dbapi.Connection) -> None:
    """concat() and concat_ws() run on any SQLite (3.44 added them); NULLs count as empty."""
    cur = conn.cursor()
    cur.execute("SELECT concat('a', NULL, 1, 'b'), concat_ws('-', 'x', NULL, 'y', 2), concat_ws(NULL, 'z')")
    assert cur.fetchall() == [("a1b", "x-y-2", None)]
    assert [d[0] for d in cur.description or []] == [
        "concat('a', NULL, 1, 'b')",
        "concat_ws('-', 'x', NULL, 'y', 2)",
        "concat_ws(NULL, 'z')",
    ]


def test_concat_over_a_table(org: Emulator, conn: okta_dbapi.Connection) -> None:
    users = listed_users(org)
    cur = conn.cursor()
    cur.execute("SELECT concat(profile->>'firstName', ' ', profile->>'lastName') AS name FROM okta.users.users")
    expected = sorted(f"{u['profile'].get('firstName') or ''} {u['profile'].get('lastName') or ''}" for u in users)
    assert sorted(r[0] for r in cur.fetchall()) == expected


def test_types_are_inferred_once_per_statement_whatever_its_parameters(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    from okta_dbapi.sql import inference

    users = [u["id"] for u in listed_users(org)][:3]
    inference._inferred.cache_clear()
    cur = conn.cursor()
    for uid in users:
        cur.execute("SELECT max(created), count(*) FROM okta.users.factors WHERE userId = ? AND 1 < ?", [uid, 2])
        assert described(cur) == [("max(created)", "datetime"), ("count(*)", "integer")]
        cur.fetchall()
    info = inference._inferred.cache_info()
    assert (info.misses, info.hits) == (1, len(users) - 1)
