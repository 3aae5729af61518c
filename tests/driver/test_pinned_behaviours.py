"""Behaviours whose bugs are silent (wrong rows, no error), pinned over real HTTP against the
emulator: the rows, computed from the org's own state, and the exact HTTP calls.

Each test holds for any correct planner: the expectations never depend on how many DEPROVISIONED
users ``okta.users.users`` lists (the queries either name their users or exclude that status).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from org_queries import USERS, calls, query, user_with_factors, users_with

import okta_dbapi
from okta_dbapi.emulator import Emulator


def looks_up(org: Emulator, *uids: str) -> bool:
    """The calls were one lookup per user named (by path, or by an ``id eq`` filter), nothing else."""
    found: list[str] = []
    for e in org.log.entries:
        if e.method != "GET":
            return False
        if e.path.startswith(USERS + "/"):
            found.append(e.path[len(USERS) + 1 :])
        elif e.path == USERS:
            found += [u for u in uids if f'id eq "{u}"' in e.query.get("filter", "")]
        else:
            return False
    return sorted(set(found)) == sorted(set(uids)) and len(org.log.entries) <= len(set(uids))


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- OFFSET on a streamed scan ------------------------------------------------------------------


def test_offset_on_a_streamed_scan_skips_rows(org: Emulator, conn: okta_dbapi.Connection) -> None:
    active = users_with(org, "ACTIVE")
    rows = query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 2 OFFSET 3")
    assert rows == [(active[3],), (active[4],)]
    assert calls(org) == [("GET", USERS)]
    assert org.log.entries[0].query["limit"] == "5"  # every predicate was pushed: one page of LIMIT + OFFSET
    # the same with no filter: the page's 4th and 5th users
    everyone = [r[0] for r in query(conn, org, "SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED'")]
    listings = len(org.log.entries)  # one, or two where DEPROVISIONED users are listed apart
    rows = query(conn, org, "SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED' LIMIT 2 OFFSET 3")
    assert rows == [(everyone[3],), (everyone[4],)]
    assert 1 <= len(calls(org)) <= listings
    assert set(calls(org)) == {("GET", USERS)}


def test_offset_past_the_end_is_empty(org: Emulator, conn: okta_dbapi.Connection) -> None:
    active = users_with(org, "ACTIVE")
    assert (
        query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 5 OFFSET ?", [len(active)])
        == []
    )
    rows = query(
        conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 5 OFFSET ?", [len(active) - 1]
    )
    assert rows == [(active[-1],)]


def test_limit_zero_on_a_streamed_scan(org: Emulator, conn: okta_dbapi.Connection) -> None:
    assert query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 0") == []
    assert len(calls(org)) <= 1
    assert all(e.query["limit"] == "1" for e in org.log.entries)  # Okta's smallest page


def test_limit_one_reads_a_page_of_one(org: Emulator, conn: okta_dbapi.Connection) -> None:
    active = users_with(org, "ACTIVE")
    assert query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 1") == [(active[0],)]
    assert [e.query["limit"] for e in org.log.entries] == ["1"]


def test_a_negative_limit_is_no_limit(org: Emulator, conn: okta_dbapi.Connection) -> None:
    active = users_with(org, "ACTIVE")  # SQLite: a negative LIMIT is no limit
    rows = query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT -1 OFFSET 2")
    assert rows == [(u,) for u in active[2:]]
    assert calls(org) == [("GET", USERS)]


# -- a keyed user re-checks the other predicates -----------------------------------------------


def test_id_and_status_rechecks_status(org: Emulator, conn: okta_dbapi.Connection) -> None:
    active, staged = users_with(org, "ACTIVE")[0], users_with(org, "STAGED")[0]
    sql = "SELECT id, status FROM okta.users.users WHERE id = ? AND status = 'ACTIVE'"
    assert query(conn, org, sql, [active]) == [(active, "ACTIVE")]
    assert looks_up(org, active)
    assert query(conn, org, sql, [staged]) == []
    assert looks_up(org, staged)


# -- JSON predicates on factors are never answered by the API ------------------------------------


def test_json_predicate_on_factors_is_evaluated_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = next(
        u
        for u in users_with(org, "ACTIVE")
        if any("credentialId" in (f.get("profile") or {}) for f in org.org.factors(u))
    )
    factors = org.org.factors(uid)
    wanted = next(f for f in factors if "credentialId" in (f.get("profile") or {}))
    value = wanted["profile"]["credentialId"]
    expected = sorted((f["id"],) for f in factors if (f.get("profile") or {}).get("credentialId") == value)
    assert len(expected) < len(factors)
    sql = "SELECT id FROM okta.users.factors WHERE userId = ? AND profile->>'credentialId' = ? ORDER BY id"
    assert query(conn, org, sql, [uid, value]) == expected
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]
    assert query(conn, org, sql, [uid, "no-such-credential"]) == []
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


# -- fully qualified columns and factorId in the residual query ----------------------------------


def test_fully_qualified_columns(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = next(u for u in users_with(org, "ACTIVE") if len({f["status"] for f in org.org.factors(u)}) > 1)
    factors = org.org.factors(uid)
    expected = sorted((f["id"], f["factorType"]) for f in factors if f["status"] == "ACTIVE")
    sql = (
        "SELECT okta.users.factors.id, okta.users.factors.factorType FROM okta.users.factors "
        "WHERE okta.users.factors.userId = ? AND okta.users.factors.status = 'ACTIVE' ORDER BY okta.users.factors.id"
    )
    assert query(conn, org, sql, [uid]) == expected
    assert 0 < len(expected) < len(factors)
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]
    rows = query(
        conn, org, "SELECT okta.users.factors.userId FROM okta.users.factors WHERE okta.users.factors.userId = ?", [uid]
    )
    assert rows == [(uid,)] * len(factors)
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]
    # the schema-qualified form (no catalog) too
    rows = query(
        conn,
        org,
        "SELECT users.factors.id FROM users.factors WHERE users.factors.status = 'ACTIVE' AND userId = ? ORDER BY 1",
        [uid],
    )
    assert rows == [(i,) for i, _ in expected]


def test_factorid_is_left_for_sqlite(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org)
    factors = org.org.factors(uid)
    first = factors[0]["id"]
    others = sorted((f["id"],) for f in factors[1:])
    rows = query(
        conn, org, "SELECT id FROM okta.users.factors WHERE userId = ? AND factorId <> ? ORDER BY id", [uid, first]
    )
    assert rows == others
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]
    rows = query(
        conn, org, "SELECT factorId FROM okta.users.factors WHERE userId = ? AND factorId > '' ORDER BY 1", [uid]
    )
    assert rows == sorted((f["id"],) for f in factors)
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


# -- literals -------------------------------------------------------------------------------------


def test_literal_on_the_left_of_an_or(org: Emulator, conn: okta_dbapi.Connection) -> None:
    a, b = users_with(org, "ACTIVE")[:2]
    expected = sorted((f["id"], uid) for uid in (a, b) for f in org.org.factors(uid))
    sql = f"SELECT id, userId FROM okta.users.factors WHERE '{a}' = userId OR '{b}' = userId ORDER BY id"
    assert query(conn, org, sql) == expected
    assert sorted(calls(org)) == sorted([("GET", f"{USERS}/{a}/factors"), ("GET", f"{USERS}/{b}/factors")])
    sql = f"SELECT id FROM okta.users.factors WHERE '{a}' = userId ORDER BY id"
    assert query(conn, org, sql) == sorted((f["id"],) for f in org.org.factors(a))
    assert calls(org) == [("GET", f"{USERS}/{a}/factors")]


@pytest.mark.parametrize("literal", ["-1", "-7", "2.5", "-0.5"])
def test_negative_and_float_literals_keep_their_value(org: Emulator, conn: okta_dbapi.Connection, literal: str) -> None:
    uid = user_with_factors(org)
    rows = query(conn, org, f"SELECT id FROM okta.users.factors WHERE userId = ? AND id = {literal}", [uid])
    assert rows == []
    # one call: the keyed factor (the literal as written) or the user's list, never another key
    assert calls(org) in ([("GET", f"{USERS}/{uid}/factors/{literal}")], [("GET", f"{USERS}/{uid}/factors")])
    rows = query(conn, org, f"SELECT id FROM okta.users.users WHERE status = {literal}")
    assert rows == []
    assert calls(org) == [("GET", USERS)]
    assert org.log.entries[0].query.get("filter") in (None, f'status eq "{literal}"')


@pytest.mark.parametrize("op", [">", ">=", "<", "<="])
def test_last_updated_bound_given_as_a_full_timestamp(org: Emulator, conn: okta_dbapi.Connection, op: str) -> None:
    users = [org.org.user(uid) for uid in org.org.user_ids()]
    listed = [u for u in users if u and u["status"] != "DEPROVISIONED"]
    bound = sorted(u["lastUpdated"] for u in listed)[len(listed) // 2]  # a value some user has exactly
    compare = {
        ">": lambda x: x > instant(bound),
        ">=": lambda x: x >= instant(bound),
        "<": lambda x: x < instant(bound),
        "<=": lambda x: x <= instant(bound),
    }[op]
    expected = sorted((u["id"],) for u in listed if compare(instant(u["lastUpdated"])))
    sql = f"SELECT id FROM okta.users.users WHERE lastUpdated {op} ? AND status <> 'DEPROVISIONED' ORDER BY id"
    assert query(conn, org, sql, [bound]) == expected
    assert calls(org) == [("GET", USERS)]
    sql = sql.replace("?", f"'{bound}'")
    assert query(conn, org, sql) == expected
    assert calls(org) == [("GET", USERS)]
    flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]  # the literal on the left
    sql = f"SELECT id FROM okta.users.users WHERE ? {flipped} lastUpdated AND status <> 'DEPROVISIONED' ORDER BY id"
    assert query(conn, org, sql, [bound]) == expected
    assert calls(org) == [("GET", USERS)]


@pytest.mark.parametrize("column", ["created", "activated", "statusChanged", "lastLogin", "passwordChanged"])
def test_other_timestamps_are_not_taken_for_last_updated(
    org: Emulator, conn: okta_dbapi.Connection, column: str
) -> None:
    users = [org.org.user(uid) for uid in org.org.user_ids()]
    listed = [u for u in users if u is not None and u["status"] != "DEPROVISIONED"]
    values = sorted(u[column] for u in listed if u.get(column))
    bound = values[len(values) // 2]
    expected = sorted((u["id"],) for u in listed if u.get(column) and instant(u[column]) >= instant(bound))
    sql = f"SELECT id FROM okta.users.users WHERE {column} >= ? AND status <> 'DEPROVISIONED' ORDER BY id"
    assert query(conn, org, sql, [bound]) == expected
    assert set(calls(org)) == {("GET", USERS)}
    assert all("lastUpdated" not in e.query.get("filter", "") for e in org.log.entries)


# -- source merging in self-joins ------------------------------------------------------------------


def test_self_join_fetches_each_source_once(org: Emulator, conn: okta_dbapi.Connection) -> None:
    a, b = users_with(org, "ACTIVE")[:2]
    sql = "SELECT x.id, y.id FROM okta.users.users x, okta.users.users y WHERE x.id = ? AND y.id = ?"
    assert query(conn, org, sql, [a, b]) == [(a, b)]
    assert looks_up(org, a, b)
    assert query(conn, org, sql, [a, a]) == [(a, a)]
    assert looks_up(org, a)  # the two sources are one: fetched once

    factors = sorted(f["id"] for f in org.org.factors(a))
    pairs = sorted((f, g) for f in factors for g in factors)
    sql = (
        "SELECT f.id, g.id FROM okta.users.factors f JOIN okta.users.factors g ON f.userId = g.userId "
        "WHERE f.userId = ? ORDER BY 1, 2"
    )
    assert query(conn, org, sql, [a]) == pairs
    assert calls(org) == [("GET", f"{USERS}/{a}/factors")]
    sql = (
        "SELECT f.id, g.id FROM okta.users.factors f, okta.users.factors g "
        "WHERE f.userId = ? AND g.userId = ? ORDER BY 1, 2"
    )
    assert query(conn, org, sql, [a, a]) == pairs
    assert calls(org) == [("GET", f"{USERS}/{a}/factors")]
    # different keys on the two sides: both fetched, and no pair spans the two users
    assert (
        query(
            conn,
            org,
            sql.replace("f, okta", "f JOIN okta").replace(" g WHERE", " g ON f.userId = g.userId WHERE"),
            [a, b],
        )
        == []
    )


# -- pushdown narrows the calls, the residual query decides the rows ------------------------------


def test_two_key_predicates_fetch_only_their_intersection(org: Emulator, conn: okta_dbapi.Connection) -> None:
    a, b = users_with(org, "ACTIVE")[:2]
    expected = sorted((f["id"],) for f in org.org.factors(a))
    for sql, params in (
        ("SELECT id FROM okta.users.factors WHERE userId = ? AND userId IN (?, ?) ORDER BY id", [a, a, b]),
        ("SELECT id FROM okta.users.factors WHERE userId IN (?, ?) AND userId = ? ORDER BY id", [a, b, a]),
    ):
        assert query(conn, org, sql, params) == expected
        assert calls(org) == [("GET", f"{USERS}/{a}/factors")]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT f.id FROM okta.users.factors f WHERE f.userId IN "
        "(SELECT id FROM okta.users.users WHERE status = 'SUSPENDED') ORDER BY 1",
        "SELECT f.id FROM okta.users.factors f JOIN okta.users.users u ON u.id = f.userId "
        "WHERE u.status = 'SUSPENDED' ORDER BY 1",
        "SELECT f.id FROM okta.users.factors f WHERE EXISTS "
        "(SELECT 1 FROM okta.users.users u WHERE u.id = f.userId AND u.status = 'SUSPENDED') ORDER BY 1",
        # SQLite's ``x IN table`` form, over a CTE
        "WITH s AS (SELECT id FROM okta.users.users WHERE status = 'SUSPENDED') "
        "SELECT f.id FROM okta.users.factors f WHERE f.userId IN s ORDER BY 1",
    ],
)
def test_factors_of_the_users_a_filter_selects(org: Emulator, conn: okta_dbapi.Connection, sql: str) -> None:
    suspended = users_with(org, "SUSPENDED")
    assert suspended
    expected = sorted((f["id"],) for uid in suspended for f in org.org.factors(uid))
    assert query(conn, org, sql) == expected
    factor_calls = sorted(path for method, path in calls(org) if path != USERS)
    assert factor_calls == sorted(f"{USERS}/{uid}/factors" for uid in suspended)  # only theirs
    assert calls(org).count(("GET", USERS)) == 1


def test_a_status_list_and_profile_predicates_on_users(org: Emulator, conn: okta_dbapi.Connection) -> None:
    wanted = {"SUSPENDED", "STAGED"}
    expected = sorted((uid,) for s in wanted for uid in users_with(org, s))
    sql = "SELECT id FROM okta.users.users WHERE status IN ('SUSPENDED', 'STAGED') ORDER BY id"
    assert query(conn, org, sql) == expected
    assert calls(org) == [("GET", USERS)]

    users = [org.org.user(u) for u in org.org.user_ids()]
    listed = [u for u in users if u is not None and u["status"] != "DEPROVISIONED"]
    department = listed[0]["profile"]["department"]
    expected = sorted((u["id"],) for u in listed if u["profile"]["department"] == department)
    sql = "SELECT id FROM okta.users.users WHERE profile->>'department' = ? AND status <> 'DEPROVISIONED' ORDER BY id"
    assert query(conn, org, sql, [department]) == expected
    assert 0 < len(expected) < len(listed)
    assert set(calls(org)) == {("GET", USERS)}


def test_a_login_is_matched_exactly_though_okta_ignores_its_case(org: Emulator, conn: okta_dbapi.Connection) -> None:
    user = org.org.user(users_with(org, "ACTIVE")[0])
    assert user is not None
    login = user["profile"]["login"]
    sql = "SELECT id FROM okta.users.users WHERE profile->>'login' = ?"
    assert query(conn, org, sql, [login]) == [(user["id"],)]
    assert len(calls(org)) == 1
    # a login is found by Okta's filter, which is consistent at once (never by its search, which is not)
    assert org.log.entries[0].query == {"limit": "200", "filter": f'profile.login eq "{login}"'}
    assert query(conn, org, sql, [login.upper()]) == []  # Okta would answer it: SQL's = must not
    assert len(calls(org)) <= 1


def test_an_or_across_columns_is_checked_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Only ``col = a OR col = b`` is a list the API can answer; any other OR is evaluated by SQLite."""
    one = users_with(org, "ACTIVE")[0]
    expected = sorted((u,) for u in {*users_with(org, "SUSPENDED"), one})
    sql = "SELECT id FROM okta.users.users WHERE status = 'SUSPENDED' OR id = ? ORDER BY id"
    assert query(conn, org, sql, [one]) == expected
    assert set(calls(org)) <= {("GET", USERS), ("GET", f"{USERS}/{one}")}
    sql = "SELECT id FROM okta.users.users WHERE (status = 'SUSPENDED' OR id = ?) AND status <> 'DEPROVISIONED'"
    assert sorted(query(conn, org, sql, [one])) == expected
    uid = next(u for u in users_with(org, "ACTIVE") if len({f["factorType"] for f in org.org.factors(u)}) > 2)
    factors = org.org.factors(uid)
    kind = factors[0]["factorType"]
    expected = sorted((f["id"],) for f in factors if f["factorType"] == kind or f["status"] != "ACTIVE")
    sql = "SELECT id FROM okta.users.factors WHERE userId = ? AND (factorType = ? OR status <> 'ACTIVE') ORDER BY id"
    assert query(conn, org, sql, [uid, kind]) == expected
    assert len(expected) < len(factors)
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


def test_explain_says_which_users_a_dependent_fetch_follows(org: Emulator, conn: okta_dbapi.Connection) -> None:
    semi = "SELECT f.id FROM okta.users.factors f WHERE f.userId IN (SELECT id FROM okta.users.users WHERE status = ?)"
    join = "SELECT f.id FROM okta.users.factors f JOIN okta.users.users u ON u.id = f.userId WHERE u.status = ?"
    for sql, whose in ((semi, "user the semi-join keeps"), (join, "user loaded above")):
        steps = query(conn, org, "EXPLAIN " + sql, ["SUSPENDED"])
        assert [s[1] for s in steps] == ["list_users", "list_factors", "residual"]
        assert steps[1][5] == f"1 per {whose} (depends on data)"
        assert calls(org) == []  # EXPLAIN sends nothing


@pytest.mark.parametrize("column", ["created", "lastLogin"])
def test_a_range_on_another_timestamp_alone_is_checked_locally(
    org: Emulator, conn: okta_dbapi.Connection, column: str
) -> None:
    """Nothing is pushed for it, so the scan is not exact: the rows are still filtered (every user,
    DEPROVISIONED included, as okta.users.users holds them)."""
    users = [u for u in (org.org.user(uid) for uid in org.org.user_ids()) if u is not None]
    values = sorted(u[column] for u in users if u.get(column))
    bound = values[len(values) // 2]
    expected = sorted(u["id"] for u in users if u.get(column) and instant(u[column]) >= instant(bound))
    rows = query(conn, org, f"SELECT id FROM okta.users.users WHERE {column} >= ?", [bound])
    assert sorted(r[0] for r in rows) == expected
    assert 0 < len(expected) < len(users)
    assert set(calls(org)) == {("GET", USERS)}


# -- what the API cannot answer keeps the statement off the stream ---------------------------------


def test_an_in_list_with_an_expression_is_checked_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """``upper('suspended')`` is no literal: nothing is pushed, and the rows are still filtered."""
    wanted = {"ACTIVE", "SUSPENDED"}
    users = [u for u in (org.org.user(uid) for uid in org.org.user_ids()) if u is not None]
    expected = sorted(u["id"] for u in users if u["status"] in wanted)
    rows = query(conn, org, "SELECT id FROM okta.users.users WHERE status IN ('ACTIVE', upper('suspended'))")
    assert sorted(r[0] for r in rows) == expected
    assert 0 < len(expected) < len(users)
    assert set(calls(org)) == {("GET", USERS)}


def test_in_a_table_is_left_to_sqlite(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """SQLite's ``x IN table`` runs locally, where it fails as SQLite says (a table of many columns),
    instead of streaming every user as though it were answered."""
    cur = conn.cursor()
    with pytest.raises(okta_dbapi.OperationalError, match=r"sub-select returns .* columns - expected 1"):
        cur.execute("SELECT id FROM okta.users.users WHERE id IN users")


@pytest.mark.parametrize("projection", ["u.id", "u.id AS uid", "(u.id)"])
def test_a_correlated_semi_join_fetches_factors_of_its_users_only(
    org: Emulator, conn: okta_dbapi.Connection, projection: str
) -> None:
    """The subquery reads other columns of the outer row, so it cannot run on its own: the factors
    are still fetched only for the users it lists (one call each), never for the whole org."""
    suspended = users_with(org, "SUSPENDED")
    expected = sorted(f["id"] for uid in suspended for f in org.org.factors(uid))
    sql = (
        f"SELECT f.id FROM okta.users.factors f WHERE f.userId IN "
        f"(SELECT {projection} FROM okta.users.users u WHERE u.status = 'SUSPENDED' AND u.id = f.userId)"
    )
    assert sorted(r[0] for r in query(conn, org, sql)) == expected
    assert 0 < len(suspended) < len(org.org.user_ids()) // 2
    assert sorted(calls(org)) == sorted([("GET", USERS)] + [("GET", f"{USERS}/{uid}/factors") for uid in suspended])


def test_a_semi_join_through_another_per_user_table(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """The subquery reads the factor catalog, which is fetched in the same statement: it can bound
    nothing before that table is loaded, so it never narrows the factors fetched (every user has a
    catalog, so the count is every factor of a SUSPENDED user)."""
    expected = sum(len(org.org.factors(uid)) for uid in users_with(org, "SUSPENDED"))
    sql = (
        "SELECT count(*) FROM okta.users.factors f WHERE f.userId IN (SELECT s.userId FROM "
        "okta.users.supported_factors s WHERE s.userId IN (SELECT id FROM okta.users.users WHERE status = 'SUSPENDED'))"
    )
    assert query(conn, org, sql) == [(expected,)]
    assert expected > 0


def test_a_semi_join_on_the_outer_row_alone_is_checked_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """``userId IN (SELECT f.id)`` reads only the outer row: nothing bounds the users, and the
    predicate (never true: a factor id is no user id) is still evaluated."""
    assert query(conn, org, "SELECT id FROM okta.users.factors f WHERE f.userId IN (SELECT f.id)") == []
    assert len(calls(org)) > len(users_with(org, "ACTIVE"))  # listed for every user


def test_only_a_projected_user_id_narrows_a_correlated_semi_join(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """A correlated subquery that projects another users column may yield any value of it, so it
    does not limit the fan-out to the users it loads (here it keeps no row at all)."""
    sql = (
        "SELECT f.id FROM okta.users.factors f WHERE f.userId IN (SELECT u.status FROM okta.users.users u "
        "WHERE u.status = 'SUSPENDED' AND u.status = f.status)"
    )
    assert query(conn, org, sql) == []
    listed = {path for method, path in calls(org) if path.endswith("/factors")}
    assert len(listed) == len(org.org.user_ids()) > 2 * len(users_with(org, "SUSPENDED"))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT f.id FROM okta.users.factors f WHERE f.userId = nosuch.id",
        "SELECT f.id FROM okta.users.factors f WHERE EXISTS (SELECT 1 FROM okta.users.users u WHERE u.id = nosuch.id)",
    ],
)
def test_an_equality_with_an_unknown_source_fails_before_any_call(
    org: Emulator, conn: okta_dbapi.Connection, sql: str
) -> None:
    org.log.clear()
    with pytest.raises(okta_dbapi.ProgrammingError, match=r"No such column: nosuch\.id\."):
        conn.cursor().execute(sql)
    assert calls(org) == []


def test_an_exists_on_another_tables_user_narrows_only_that_table(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """The EXISTS ties ``g`` to SUSPENDED users; ``f`` is matched on factorType alone, so every
    user's factors are still read for it."""
    factors = [f for uid in org.org.user_ids() for f in org.org.factors(uid)]
    suspended = [f for uid in users_with(org, "SUSPENDED") for f in org.org.factors(uid)]
    expected = sum(1 for f in factors for g in suspended if f["factorType"] == g["factorType"])
    sql = (
        "SELECT count(*) FROM okta.users.factors f, okta.users.factors g WHERE f.factorType = g.factorType "
        "AND EXISTS (SELECT 1 FROM okta.users.users u WHERE u.id = g.userId AND u.status = 'SUSPENDED')"
    )
    assert query(conn, org, sql) == [(expected,)]
    assert 0 < len(suspended) < expected


def test_a_join_to_a_cte_column_that_needs_quoting_narrows_the_fan_out(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    """The CTE's ids are read locally as ``SELECT "user id" FROM s``; every user is loaded for the
    count, yet factors are listed only for the users the CTE keeps."""
    suspended = users_with(org, "SUSPENDED")
    sql = (
        "WITH s(\"user id\") AS (SELECT id FROM okta.users.users WHERE status = 'SUSPENDED') "
        "SELECT f.id, (SELECT count(*) FROM okta.users.users) FROM okta.users.factors f "
        'JOIN s ON f.userId = s."user id"'
    )
    rows = query(conn, org, sql)
    assert sorted(r[0] for r in rows) == sorted(f["id"] for uid in suspended for f in org.org.factors(uid))
    assert {r[1] for r in rows} == {len(org.org.user_ids())}
    listed = sorted(path for method, path in calls(org) if path.endswith("/factors"))
    assert listed == sorted(f"{USERS}/{uid}/factors" for uid in suspended)


@pytest.mark.parametrize("projection", ["*", "f.*", "f.id, f.*"])
def test_a_star_scan_with_a_limit_streams_and_stops_early(
    org: Emulator, conn: okta_dbapi.Connection, projection: str
) -> None:
    rows = query(conn, org, f"SELECT {projection} FROM okta.users.factors f LIMIT 1")
    assert len(rows) == 1
    # streamed: the fan-out stops once a row is read (at most one round of concurrent calls)
    assert len(calls(org)) <= 1 + conn.settings.concurrency < len(org.org.user_ids())


@pytest.mark.parametrize(
    ("clause", "params", "window"),
    [
        ("LIMIT '2'", (), slice(0, 2)),  # SQLite reads the text as a number
        ("LIMIT 2 OFFSET 1 + 1", (), slice(2, 4)),
        ("LIMIT 2 OFFSET ?", (-3,), slice(0, 2)),  # a negative OFFSET is none
        ("LIMIT ? OFFSET 1", (-1,), slice(1, None)),  # a negative LIMIT is no limit
        ("LIMIT 9223372036854775807", (), slice(0, None)),
        ("LIMIT 9223372036854775807 OFFSET 1", (), slice(1, None)),  # ends past 2**63 - 1: SQLite's to apply
    ],
)
def test_limit_and_offset_forms_sqlite_takes(
    org: Emulator, conn: okta_dbapi.Connection, clause: str, params: tuple[Any, ...], window: slice
) -> None:
    active = users_with(org, "ACTIVE")
    rows = query(conn, org, f"SELECT id FROM okta.users.users WHERE status = 'ACTIVE' {clause}", params)
    assert rows == [(u,) for u in active[window]]
    assert calls(org) == [("GET", USERS)]


def test_a_fractional_limit_is_sqlites_datatype_mismatch(org: Emulator, conn: okta_dbapi.Connection) -> None:
    with pytest.raises(okta_dbapi.DataError, match="datatype mismatch"):
        query(conn, org, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE' LIMIT 2.5")


def test_a_join_on_factor_ids_to_a_cte_is_no_bound_on_users(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """``f.id = c.fid``: the CTE holds factor ids, which say nothing of whose factors to list (only a
    ``userId`` join to a CTE bounds the users)."""
    uid = user_with_factors(org, 2)
    wanted = sorted(f["id"] for f in org.org.factors(uid))[:2]
    sql = (
        "WITH c(fid) AS (VALUES (?), (?)) "
        "SELECT f.id, f.userId FROM okta.users.factors f JOIN c ON f.id = c.fid ORDER BY f.id"
    )
    assert query(conn, org, sql, wanted) == [(w, uid) for w in wanted]


def test_a_semi_join_with_its_own_cte_beside_an_outer_one(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """The subquery's own WITH stays with it (the statement's WITH is only added where it has none):
    the factors are listed only for the users it keeps, though every user is loaded for the count."""
    suspended = users_with(org, "SUSPENDED")
    sql = (
        "WITH o AS (SELECT 1 AS one) SELECT f.id, (SELECT count(*) FROM okta.users.users) FROM okta.users.factors f "
        "WHERE f.userId IN (WITH s AS (SELECT id FROM okta.users.users WHERE status = 'SUSPENDED') SELECT id FROM s)"
    )
    rows = query(conn, org, sql)
    assert sorted(r[0] for r in rows) == sorted(f["id"] for uid in suspended for f in org.org.factors(uid))
    listed = sorted(path for method, path in calls(org) if path.endswith("/factors"))
    assert listed == sorted(f"{USERS}/{uid}/factors" for uid in suspended)


def test_a_json_predicate_on_factors_keeps_a_plain_scan_off_the_stream(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    """Without ORDER BY the scan could stream, were the JSON predicate taken as answered by the API."""
    uid = user_with_factors(org, 2)
    factors = org.org.factors(uid)
    wanted = next(f for f in factors if f.get("profile"))
    key, value = next(iter(wanted["profile"].items()))
    sql = f"SELECT id FROM okta.users.factors WHERE userId = ? AND profile->>'{key}' = ?"
    expected = sorted(f["id"] for f in factors if (f.get("profile") or {}).get(key) == value)
    assert sorted(r[0] for r in query(conn, org, sql, [uid, value])) == expected
    assert len(expected) < len(factors)


def test_a_doubly_correlated_exists_fetches_factors_of_its_users_only(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    """The EXISTS also compares the factor's own status, so it cannot run on its own; its
    ``u.id = f.userId`` still limits the fan-out to the users it lists."""
    suspended = users_with(org, "SUSPENDED")
    expected = sorted(f["id"] for uid in suspended for f in org.org.factors(uid) if f["status"] != "SUSPENDED")
    sql = (
        "SELECT f.id FROM okta.users.factors f WHERE EXISTS (SELECT 1 FROM okta.users.users u "
        "WHERE u.id = f.userId AND u.status = 'SUSPENDED' AND u.status <> f.status)"
    )
    assert sorted(r[0] for r in query(conn, org, sql)) == expected
    listed = sorted(path for method, path in calls(org) if path.endswith("/factors"))
    assert listed == sorted(f"{USERS}/{uid}/factors" for uid in suspended)


def test_an_exists_with_a_term_okta_cannot_answer_narrows_the_fan_out_locally(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    """``lower(u.status) = 'suspended'`` is not sent to Okta, so every user is listed; the EXISTS
    without its ``u.id = f.userId`` then runs locally over them and picks whose factors to list."""
    suspended = users_with(org, "SUSPENDED")
    sql = (
        "SELECT f.id FROM okta.users.factors f WHERE EXISTS (SELECT 1 FROM okta.users.users u "
        "WHERE u.id = f.userId AND lower(u.status) = 'suspended')"
    )
    assert sorted(r[0] for r in query(conn, org, sql)) == sorted(
        f["id"] for uid in suspended for f in org.org.factors(uid)
    )
    listed = sorted(path for method, path in calls(org) if path.endswith("/factors"))
    assert listed == sorted(f"{USERS}/{uid}/factors" for uid in suspended)
