"""The residual query (SQLite over the fetched rows) pinned over real HTTP: its errors, the names
and types it hands back, and text comparisons of timestamps (issue 15)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.catalog import FACTORS
from okta_dbapi.emulator import Emulator
from okta_dbapi.exceptions import OperationalError, ProgrammingError
from okta_dbapi.sql.residual import create_table_sql


def run(conn: okta_dbapi.Connection, org: Emulator, sql: str, params: Any = ()) -> okta_dbapi.Cursor:
    org.log.clear()
    cur = conn.cursor()
    cur.execute(sql, params)
    return cur


def a_user_with_factors(org: Emulator) -> str:
    return next(u for u in org.org.user_ids(include_deprovisioned=False) if len(org.org.factors(u)) >= 2)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT nosuch FROM okta.users.users",
            "No such column: nosuch. okta.users.users has the columns id, status, ",
        ),
        (
            "SELECT id FROM okta.users.users u JOIN okta.users.factors f ON f.userId = u.id",
            "Ambiguous column name: id.",
        ),
        ("SELECT statuss FROM okta.users.users", "No such column: statuss. Did you mean status or statusChanged? "),
        ("SELECT id FROM okta.users.users WHERE count(*) > 1", "Misuse of aggregate function COUNT()."),
        (
            "SELECT count(*) FROM okta.users.users GROUP BY count(*)",
            "Aggregate functions are not allowed in the GROUP BY clause.",
        ),
        ("SELECT abc", "No such column: abc. The statement reads no table; write text in single quotes ('abc')."),
        # SQLite would take an unknown double-quoted name for text, and quietly keep no row
        ("SELECT id FROM okta.users.users WHERE \"stauts\" = 'ACTIVE'", "No such column: stauts. Did you mean status?"),
        (
            'SELECT id FROM okta.users.users WHERE status = "ACTIVE"',
            "No such column: ACTIVE. Did you mean activated? okta.users.users has the columns id, status, ",
        ),
    ],
)
def test_a_query_sqlite_cannot_compile_fails_before_any_call(
    org: Emulator, conn: okta_dbapi.Connection, sql: str, message: str
) -> None:
    org.log.clear()
    with pytest.raises(ProgrammingError) as caught:
        conn.cursor().execute(sql)
    assert str(caught.value).startswith(message)
    assert org.log.count() == 0


@pytest.mark.parametrize(
    ("expression", "reason"),
    [("json_extract('{', '$.a')", "malformed JSON"), ("abs(-9223372036854775808)", "integer overflow")],
)
def test_a_row_sqlite_cannot_evaluate_is_an_operational_error(
    org: Emulator, conn: okta_dbapi.Connection, expression: str, reason: str
) -> None:
    uid = a_user_with_factors(org)
    org.log.clear()
    with pytest.raises(OperationalError) as caught:
        cur = conn.cursor()
        cur.execute(f"SELECT {expression} FROM okta.users.factors WHERE userId = ?", [uid])
        cur.fetchall()
    assert str(caught.value) == f"Could not evaluate the query locally: {reason}."
    assert not isinstance(caught.value, ProgrammingError)
    assert org.log.count() == 1


def test_factorid_is_named_as_written_and_holds_the_id(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = a_user_with_factors(org)
    cur = run(conn, org, "SELECT factorId, f.factorId AS fid, f.id FROM okta.users.factors f WHERE userId = ?", [uid])
    assert cur.description is not None
    assert [d[0] for d in cur.description] == ["factorId", "fid", "id"]
    assert sorted(cur.fetchall()) == sorted((f["id"], f["id"], f["id"]) for f in org.org.factors(uid))


def test_factorid_inside_expressions_is_the_id(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Only a projected ``factorId`` keeps its name as an alias; inside a function's or an IN
    list's arguments it is just the column."""
    uid = a_user_with_factors(org)
    some = org.org.factors(uid)[0]["id"]
    sql = "SELECT coalesce(NULL, factorId) FROM okta.users.factors WHERE userId = ? AND ? IN (factorId, 'x')"
    assert run(conn, org, sql, [uid, some]).fetchall() == [(some,)]


def test_json_and_timestamps_come_back_typed(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = a_user_with_factors(org)
    factor = org.org.factors(uid)[0]
    sql = "SELECT profile, created, lastUpdated FROM okta.users.factors WHERE userId = ? AND id = ?"
    row = run(conn, org, sql, [uid, factor["id"]]).fetchone()
    assert row is not None
    profile, created, updated = row
    assert profile == factor.get("profile")
    assert created == dt.datetime.fromisoformat(factor["created"].replace("Z", "+00:00"))
    assert created.tzinfo is not None and isinstance(updated, dt.datetime)
    # through a subquery too
    sql = "SELECT p, c FROM (SELECT profile AS p, created AS c FROM okta.users.factors WHERE userId = ? AND id = ?)"
    assert run(conn, org, sql, [uid, factor["id"]]).fetchone() == (profile, created)


@pytest.mark.parametrize("bound", ["2019", "2019-06", "2020-01-01", "2100"])
def test_timestamps_compare_as_text(org: Emulator, conn: okta_dbapi.Connection, bound: str) -> None:
    """``created < '2021'`` compares ISO text with text, as in any SQLite table of strings."""
    users = [org.org.user(u) for u in org.org.user_ids()]
    listed = [u for u in users if u is not None and u["status"] != "DEPROVISIONED"]
    expected = sum(1 for u in listed if u["created"] < bound)
    sql = "SELECT count(*) FROM okta.users.users WHERE created < ? AND status <> 'DEPROVISIONED'"
    assert run(conn, org, sql, [bound]).fetchall() == [(expected,)]


def test_an_unknown_qualified_column_gets_a_did_you_mean(org: Emulator, conn: okta_dbapi.Connection) -> None:
    org.log.clear()
    for sql in ("SELECT u.statsu FROM okta.users.users u", "SELECT okta.users.users.statsu FROM okta.users.users"):
        with pytest.raises(ProgrammingError) as caught:
            conn.cursor().execute(sql)
        assert "Did you mean status?" in str(caught.value)  # the qualifier is not part of the name
    assert org.log.count() == 0


@pytest.mark.parametrize(
    "sql",
    [
        # A CTE takes the table's name, so the local table gets another; the table's own name still
        # qualifies its columns (fully qualified, or by the bare table name).
        "WITH factors AS (SELECT 1 AS x) SELECT okta.users.factors.factorType FROM okta.users.factors "
        "WHERE okta.users.factors.userId = ? ORDER BY 1",
        "WITH factors AS (SELECT 1 AS x) SELECT factors.factorType FROM okta.users.factors "
        "WHERE factors.userId = ? ORDER BY 1",
        # ...and the CTE is still there under its own name.
        "WITH factors AS (SELECT factorType FROM okta.users.factors WHERE userId = ?) "
        "SELECT factors.factorType FROM factors ORDER BY 1",
    ],
)
def test_a_table_keeps_its_name_beside_a_cte_of_that_name(org: Emulator, conn: okta_dbapi.Connection, sql: str) -> None:
    uid = a_user_with_factors(org)
    got = run(conn, org, sql, [uid]).fetchall()
    assert got == sorted((f["factorType"],) for f in org.org.factors(uid))
    assert org.log.count() == 1


def test_string_columns_compare_as_text(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Every catalog column has TEXT affinity: ``id < 5`` compares each id with the text '5' (as in
    an SQLite table of strings), so ids starting with '0' are smaller; a column of numeric affinity
    would compare text with a number and keep none."""
    everyone = len(org.org.user_ids())
    assert all(uid.startswith("00u") for uid in org.org.user_ids())
    assert run(conn, org, "SELECT count(*) FROM okta.users.users WHERE id < 5").fetchall() == [(everyone,)]
    assert run(conn, org, "SELECT DISTINCT typeof(id), typeof(status) FROM okta.users.users").fetchall() == [
        ("text", "text")
    ]


def test_create_table_sql_declares_the_catalog_types_and_can_run_twice() -> None:
    """The snapshot file creates its tables with IF NOT EXISTS at every open."""
    db = sqlite3.connect(":memory:")
    for _ in range(2):
        db.execute(create_table_sql(FACTORS, if_not_exists=True))
    declared = {name: kind for _, name, kind, *_ in db.execute('PRAGMA table_info("factors")')}
    assert declared["id"] == "TEXT" and declared["created"] == "OKTA_DATETIME TEXT"
    assert declared["profile"] == "OKTA_JSON TEXT"
    keys = [name for _, name, _, _, _, pk in db.execute('PRAGMA table_info("factors")') if pk]
    assert keys == list(FACTORS.primary_key)


def test_a_residual_result_can_be_fetched_from_another_thread(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Executed in one thread, fetched in another (a web server's worker, a BI tool's pool): the
    local database goes along with the result."""
    cur = run(conn, org, "SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED' ORDER BY id")
    first = cur.fetchone()
    fetched: list[Any] = []
    worker = threading.Thread(target=lambda: fetched.extend(cur.fetchall()))
    worker.start()
    worker.join(timeout=30)
    expected = sorted(org.org.user_ids(include_deprovisioned=False))
    assert [first, *fetched] == [(u,) for u in expected]


def test_a_double_quoted_text_gets_the_single_quotes_hint(org: Emulator, conn: okta_dbapi.Connection) -> None:
    with pytest.raises(ProgrammingError) as caught:
        conn.cursor().execute('SELECT id FROM okta.users.users WHERE status = "ACTIVE"')
    assert str(caught.value).endswith("Text goes in single quotes ('ACTIVE'): a name in double quotes is a column.")
