"""Issue 9: the same answer under every plan. One regression test per class of wrong answer the
differential run found, each asserting the rows (computed from the org's own state) and the
exact HTTP calls made."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

USERS = "/api/v1/users"
FACTORS = r"/api/v1/users/[^/]+/factors"


def everyone(org: Emulator) -> list[str]:
    return list(org.org.user_ids(include_deprovisioned=True))


def user(org: Emulator, uid: str) -> dict[str, Any]:
    found = org.org.user(uid)
    assert found is not None
    return found


def with_status(org: Emulator, status: str) -> list[str]:
    return [u for u in everyone(org) if user(org, u)["status"] == status]


def listing_calls(org: Emulator, page: int = 200) -> int:
    """Listing everyone: the default listing's pages, then the DEPROVISIONED users' listing."""
    default = len(org.org.user_ids(include_deprovisioned=False))
    gone = len(everyone(org)) - default
    return max(1, math.ceil(default / page)) + max(1, math.ceil(gone / page))


def rows(conn: okta_dbapi.Connection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql, params)
    return cur.fetchall()


def calls(org: Emulator) -> int:
    return org.log.count()


def filters(org: Emulator) -> list[str | None]:
    return [e.query.get("filter") for e in org.log.entries if e.path == USERS]


# -- 1. DEPROVISIONED users do not depend on the plan -------------------------------------------


def test_users_holds_deprovisioned_users_under_every_plan(org: Emulator, conn: okta_dbapi.Connection) -> None:
    gone = with_status(org, "DEPROVISIONED")
    assert gone, "the seeded org should have DEPROVISIONED users"
    assert sorted(r[0] for r in rows(conn, "SELECT id FROM okta.users.users")) == sorted(everyone(org))
    assert calls(org) == listing_calls(org)
    assert filters(org)[-1] == 'status eq "DEPROVISIONED"'

    dept = user(org, gone[0])["profile"]["department"]
    expected = sorted(u for u in everyone(org) if user(org, u)["profile"].get("department") == dept)
    org.log.clear()
    searched = sorted(r[0] for r in rows(conn, "SELECT id FROM users WHERE profile->>'department' = ?", [dept]))
    assert (searched, calls(org)) == (expected, 1)  # a search listing includes them
    org.log.clear()
    lowered = "SELECT id FROM users WHERE lower(profile->>'department') = lower(?)"
    assert (sorted(r[0] for r in rows(conn, lowered, [dept])), calls(org)) == (expected, listing_calls(org))


def test_status_pushdown_lists_exactly_the_statuses_asked(org: Emulator, conn: okta_dbapi.Connection) -> None:
    gone = with_status(org, "DEPROVISIONED")
    assert sorted(rows(conn, "SELECT id FROM users WHERE status = 'DEPROVISIONED'")) == sorted((u,) for u in gone)
    assert filters(org) == ['status eq "DEPROVISIONED"']
    org.log.clear()
    active = rows(conn, "SELECT id FROM users WHERE status IN ('ACTIVE', 'SUSPENDED')")
    assert sorted(active) == sorted((u,) for u in with_status(org, "ACTIVE") + with_status(org, "SUSPENDED"))
    assert filters(org) == ['(status eq "ACTIVE" or status eq "SUSPENDED")']  # no DEPROVISIONED listing


def test_factors_fan_out_covers_deprovisioned_users(org: Emulator, conn: okta_dbapi.Connection) -> None:
    gone = with_status(org, "DEPROVISIONED")
    expected = sum(len(org.org.factors(u)) for u in gone)
    got = rows(conn, "SELECT count(*) FROM factors f JOIN users u ON u.id = f.userId WHERE u.status = 'DEPROVISIONED'")
    assert got == [(expected,)]
    assert calls(org) == 1 + len(gone)


# -- 2. shortcuts that were not exact; missing keys -----------------------------------------


def test_user_id_is_not_a_login(org: Emulator, conn: okta_dbapi.Connection) -> None:
    some = user(org, everyone(org)[4])
    login = some["profile"]["login"]
    assert rows(conn, "SELECT id FROM okta.users.users WHERE id = ?", [login]) == []
    assert rows(conn, "SELECT id FROM okta.users.users WHERE id = ?", [login.split("@")[0]]) == []
    assert calls(org) == 2
    assert filters(org) == [f'id eq "{login}"', f'id eq "{login.split("@")[0]}"']


@pytest.mark.parametrize(
    "table, expected_calls", [("factors", 1), ("supported_factors", 1), ("supported_security_questions", 1)]
)
def test_rows_of_a_login_are_no_rows(
    org: Emulator, conn: okta_dbapi.Connection, table: str, expected_calls: int
) -> None:
    """Okta's /users/{login}/... answers, but no row's userId is a login. Factors and catalog
    entries say their user in their links; security questions do not, so the user is looked up
    first, and no call is made for a user that does not exist."""
    uid = everyone(org)[0]
    login = user(org, uid)["profile"]["login"]
    assert rows(conn, f"SELECT * FROM okta.users.{table} WHERE userId = ?", [login]) == []
    assert calls(org) == expected_calls
    org.log.clear()
    assert rows(conn, f"SELECT * FROM okta.users.{table} WHERE userId = ?", [uid])
    assert calls(org) == expected_calls + (table == "supported_security_questions")


def test_transaction_id_without_factor_id(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Without factorId the user's push factors are asked; no transaction of that id is no row."""
    uid = everyone(org)[0]
    pushes = [f for f in org.org.factors(uid) if f["factorType"] == "push"]
    assert rows(conn, "SELECT id FROM factors WHERE userId = ? AND transactionId = 'v2mst.x'", [uid]) == []
    assert org.log.count("GET", FACTORS) == 1 and calls(org) == 1 + len(pushes)


@pytest.mark.parametrize(
    "sql, params",
    [
        ("SELECT id FROM okta.users.users WHERE status IN ()", None),
        ("SELECT id FROM okta.users.factors WHERE userId IN ()", None),
        ("SELECT id FROM okta.users.factors WHERE userId = NULL", None),
        ("SELECT id FROM okta.users.factors WHERE userId = ?", [None]),
        ("SELECT id FROM okta.users.users WHERE id = ? AND status = 'ACTIVE'", [None]),
    ],
)
def test_a_where_that_admits_no_row_makes_no_call(
    org: Emulator, conn: okta_dbapi.Connection, sql: str, params: Any
) -> None:
    assert rows(conn, sql, params) == []
    assert calls(org) == 0


def test_missing_keys_are_no_rows(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = everyone(org)[1]
    assert rows(conn, "SELECT id FROM users WHERE id = '00uNOSUCHUSER0000000'") == []
    assert rows(conn, "SELECT id FROM factors WHERE userId = '00uNOSUCHUSER0000000'") == []
    assert calls(org) == 2
    org.log.clear()
    assert rows(conn, "SELECT id FROM users WHERE id IN (?, '00uNOSUCHUSER0000000')", [uid]) == [(uid,)]
    assert calls(org) == 1  # one filter listing for both ids
    org.log.clear()
    got = rows(conn, "SELECT id FROM factors WHERE userId IN (?, '00uNOSUCHUSER0000000')", [uid])
    assert sorted(got) == sorted((f["id"],) for f in org.org.factors(uid))
    assert calls(org) == 2


def test_delete_of_a_missing_key_has_rowcount_zero(fresh_org: Emulator) -> None:
    with okta_dbapi.connect(org_url=fresh_org.url, token=fresh_org.token) as conn:
        fresh_org.log.clear()
        cur = conn.cursor()
        cur.execute("DELETE FROM okta.users.factors WHERE userId = '00uNOSUCHUSER0000000' AND id = 'mbl1'")
        assert cur.rowcount == 0
        assert [e.method for e in fresh_org.log.entries] == ["GET"]


def test_a_bulk_delete_over_deprovisioned_users_is_refused_before_any_request() -> None:
    """factors holds a DEPROVISIONED user's factors too, and Okta refuses to unenroll them (403):
    the DELETE says so before sending anything, instead of stopping half-way."""
    with Emulator(users=40, seed=7) as emu, okta_dbapi.connect(org_url=emu.url, token=emu.token) as conn:
        gone = with_status(emu, "DEPROVISIONED")
        assert any(f["factorType"] == "email" for u in gone for f in emu.org.factors(u))
        cur = conn.cursor()
        with pytest.raises(okta_dbapi.OperationalError, match=r"DEPROVISIONED users .* nothing was sent"):
            cur.execute("DELETE FROM okta.users.factors WHERE factorType = 'email'")
        assert emu.log.count("DELETE") == 0
        assert emu.log.count() == listing_calls(emu) + len(everyone(emu))  # no call for the statuses
        emu.log.clear()
        kept = [u for u in everyone(emu) if u not in gone]
        expected = sum(f["factorType"] == "email" for u in kept for f in emu.org.factors(u))
        cur.execute(
            "DELETE FROM okta.users.factors WHERE factorType = 'email' "
            "AND userId IN (SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED')"
        )
        assert cur.rowcount == expected == emu.log.count("DELETE")
        assert emu.log.count("GET") == listing_calls(emu) + len(kept)


def test_ids_are_one_listing_per_20_whatever_the_page_size(org: Emulator) -> None:
    ids = everyone(org)[:25]
    with okta_dbapi.connect(org_url=org.url, token=org.token, page_size=10) as conn:
        org.log.clear()
        got = rows(conn, f"SELECT id FROM users WHERE id IN ({', '.join('?' for _ in ids)})", ids)
        assert sorted(got) == sorted((u,) for u in ids)
        assert [e.query.get("limit") for e in org.log.entries] == ["20", "20"]


def test_explain_shows_a_mistyped_id(org: Emulator, conn: okta_dbapi.Connection) -> None:
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.factors WHERE userId = '00uTYPO'")
    assert [(r[1], r[3]) for r in plan][:1] == [("list_factors", "/api/v1/users/00uTYPO/factors")]
    assert calls(org) == 0


# -- 3. residual typing ----------------------------------------------------------------------


def test_timestamps_and_json_compare_as_text(org: Emulator, conn: okta_dbapi.Connection) -> None:
    created = [user(org, u)["created"] for u in everyone(org)]
    assert rows(conn, "SELECT count(*) FROM users WHERE created < '2020'") == [(sum(c < "2020" for c in created),)]
    # '2019-..' < '20190121' as text: a numeric-looking literal must not turn into a number.
    updated = [user(org, u)["lastUpdated"] for u in everyone(org)]
    got = rows(conn, "SELECT count(*) FROM users WHERE lastUpdated > '20190121'")
    assert got == [(sum(u > "20190121" for u in updated),)]
    typed = rows(conn, "SELECT created, profile FROM users WHERE status = 'SUSPENDED' AND created < '2021'")
    assert typed and all(isinstance(c, dt.datetime) and c.tzinfo and isinstance(p, dict) for c, p in typed)


def test_collate_inside_an_or_of_keys(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """SQLite 3.40 loses the COLLATE of ``k = 'x' COLLATE NOCASE OR k = 'y'`` when k is indexed:
    the local tables have no index, so the answer is SQLite's documented one."""
    a, b = everyone(org)[:2]
    sql = "SELECT count(*) FROM okta.users.users WHERE id = ? COLLATE NOCASE OR id = ?"
    assert rows(conn, sql, [a.lower(), b]) == [(2,)]
    sql = "SELECT count(*) FROM factors WHERE userId = ? COLLATE NOCASE OR userId = ?"
    assert rows(conn, sql, [a.lower(), b]) == [(len(org.org.factors(a)) + len(org.org.factors(b)),)]
    assert calls(org) == 2 * listing_calls(org) + len(everyone(org))


# -- 4. pushed lastUpdated ranges cover the local text comparison ----------------------------


@pytest.mark.parametrize("op", [">", ">=", "<", "<="])
@pytest.mark.parametrize("form", ["canonical", "space", "zone", "compact", "date", "month"])
def test_last_updated_ranges_in_any_format(org: Emulator, conn: okta_dbapi.Connection, op: str, form: str) -> None:
    updated = sorted(user(org, u)["lastUpdated"] for u in everyone(org))
    pivot = updated[len(updated) // 2]  # a value some user has: the boundary itself is tested
    literal = {
        "canonical": pivot,
        "space": pivot[:10] + " " + pivot[11:19],
        "zone": pivot[:19] + "+02:00",
        "compact": pivot[:10].replace("-", ""),
        "date": pivot[:10],
        "month": pivot[:7],
    }[form]
    compare = {">": str.__gt__, ">=": str.__ge__, "<": str.__lt__, "<=": str.__le__}[op]
    expected = sorted(u for u in everyone(org) if compare(user(org, u)["lastUpdated"], literal))
    got = sorted(r[0] for r in rows(conn, f"SELECT id FROM users WHERE lastUpdated {op} ?", [literal]))
    assert got == expected
    assert calls(org) == 1 and filters(org)[0] is not None and "lastUpdated" in (filters(org)[0] or "")


# -- 5. merging sources ----------------------------------------------------------------------


def test_a_keyed_part_beside_a_listing(org: Emulator, conn: okta_dbapi.Connection) -> None:
    gone = with_status(org, "DEPROVISIONED")[0]
    got = rows(conn, "SELECT count(*) FROM users WHERE id = ? UNION ALL SELECT count(*) FROM okta.users.users", [gone])
    assert got == [(1,), (len(everyone(org)),)]
    assert calls(org) == listing_calls(org)  # the full listing covers the keyed part


def _push_transaction(emu: Emulator, conn: okta_dbapi.Connection) -> tuple[str, str, str]:
    uid, push = next(
        (u, f["id"])
        for u in emu.org.user_ids()
        for f in emu.org.factors(u)
        if f["factorType"] == "push" and f["status"] == "ACTIVE"
    )
    cur = conn.cursor()
    cur.execute("EXEC okta.users.factors.verify_factor @userId=?, @factorId=?", [uid, push])
    sent = dict(zip([d[0] for d in cur.description], cur.fetchone()))
    return uid, push, sent["transactionId"]


def test_transaction_rows_beside_factor_rows(fresh_org: Emulator) -> None:
    with okta_dbapi.connect(org_url=fresh_org.url, token=fresh_org.token) as conn:
        uid, push, tid = _push_transaction(fresh_org, conn)
        fresh_org.log.clear()
        both = rows(
            conn,
            "SELECT factorResult, transactionId FROM factors WHERE userId = ? AND factorId = ? AND transactionId = ? "
            "UNION ALL SELECT factorResult, transactionId FROM factors WHERE userId = ? AND id = ?",
            [uid, push, tid, uid, push],
        )
        assert sorted(both, key=repr) == sorted([("WAITING", tid), (None, None)], key=repr)
        assert fresh_org.log.count() == 2
        fresh_org.log.clear()
        pushes = [f["id"] for f in fresh_org.org.factors(uid) if f["factorType"] == "push"]
        found = rows(conn, "SELECT id, factorResult FROM factors WHERE userId = ? AND transactionId = ?", [uid, tid])
        assert found == [(push, "WAITING")]
        assert fresh_org.log.count() == 1 + len(pushes)
        fresh_org.log.clear()
        total = sum(len(fresh_org.org.factors(u)) for u in everyone(fresh_org))
        beside = rows(
            conn,
            "SELECT t.factorResult, (SELECT count(*) FROM factors) FROM factors t "
            "WHERE t.userId = ? AND t.factorId = ? AND t.transactionId = ?",
            [uid, push, tid],
        )
        assert beside == [("WAITING", total)]
        assert fresh_org.log.count() == 1 + listing_calls(fresh_org) + len(everyone(fresh_org))


# -- 6. name resolution ----------------------------------------------------------------------


def test_factor_id_rename_leaves_a_ctes_own_column(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = everyone(org)[0]
    ids = sorted((f["id"],) for f in org.org.factors(uid))
    got = rows(conn, "WITH c AS (SELECT id AS factorId FROM factors WHERE userId = ?) SELECT factorId FROM c", [uid])
    assert sorted(got) == ids
    projected = conn.cursor()
    projected.execute("WITH c AS (SELECT factorId FROM factors WHERE userId = ?) SELECT factorId FROM c", [uid])
    assert sorted(projected.fetchall()) == ids and projected.description[0][0] == "factorId"
    assert calls(org) == 2


def test_a_qualifier_names_the_alias_not_the_table(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = everyone(org)[0]
    got = rows(
        conn,
        "SELECT users.id FROM okta.users.factors users JOIN okta.users.users factors ON users.userId = factors.id "
        "WHERE users.userId = ? AND factors.id = ?",
        [uid, uid],
    )
    assert sorted(got) == sorted((f["id"],) for f in org.org.factors(uid))
    assert calls(org) == 2  # the user by filter, the factors by user: no factor looked up by a user id
    org.log.clear()
    active = sum(f["status"] == "ACTIVE" for u in everyone(org) for f in org.org.factors(u))
    sql = "SELECT count(*) FROM okta.users.factors users JOIN okta.users.users u ON users.userId = u.id "
    assert rows(conn, sql + "WHERE users.status = 'ACTIVE'") == [(active,)]
    assert filters(org)[0] is None  # the factors' status is not a user filter


def test_derived_tables_and_ctes_in_scope(org: Emulator, conn: okta_dbapi.Connection) -> None:
    n = len(everyone(org))
    sql = (
        "SELECT count(*) FROM okta.users.users u "
        "WHERE EXISTS (SELECT 1 FROM (SELECT 'SUSPENDED' AS status) u WHERE u.status = 'SUSPENDED')"
    )
    assert rows(conn, sql) == [(n,)]
    assert calls(org) == listing_calls(org)
    org.log.clear()
    sql = "WITH s AS (SELECT 'SUSPENDED' AS status) SELECT count(*) FROM okta.users.users, s WHERE s.status = ?"
    assert rows(conn, sql, ["SUSPENDED"]) == [(n,)]
    assert calls(org) == listing_calls(org)


def test_json_arrow_is_not_the_text_arrow(org: Emulator, conn: okta_dbapi.Connection) -> None:
    dept = "Engineering"
    expected = sorted(u for u in everyone(org) if user(org, u)["profile"].get("department") == dept)
    got = rows(conn, "SELECT id FROM users WHERE profile->'department' = ?", [f'"{dept}"'])
    assert sorted(r[0] for r in got) == expected
    assert calls(org) == listing_calls(org)  # nothing pushed: `->` yields JSON text
    assert rows(conn, "SELECT id FROM users WHERE profile->'department' = ?", [dept]) == []


# -- 7. what SQLite answers, the driver answers ----------------------------------------------


def test_negative_limit_and_offset_on_a_streamed_scan(org: Emulator, conn: okta_dbapi.Connection) -> None:
    assert len(rows(conn, "SELECT id FROM users LIMIT -1")) == len(everyone(org))
    assert len(rows(conn, "SELECT id FROM users LIMIT 3 OFFSET -1")) == 3
    uid = everyone(org)[0]
    got = rows(conn, "SELECT id FROM factors WHERE userId = ? LIMIT -1 OFFSET -5", [uid])
    assert len(got) == len(org.org.factors(uid))


def test_a_cte_named_like_a_table(org: Emulator, conn: okta_dbapi.Connection) -> None:
    n = len(everyone(org))
    assert rows(conn, "WITH users AS (SELECT id AS factorId FROM okta.users.users) SELECT count(*) FROM users") == [
        (n,)
    ]
    total = sum(len(org.org.factors(u)) for u in everyone(org))
    sql = (
        "WITH users AS (SELECT userId, id FROM okta.users.factors) "
        "SELECT count(*) FROM okta.users.users u JOIN users ON users.userId = u.id"
    )
    assert rows(conn, sql) == [(total,)]


def test_a_derived_column_named_subdomain(org: Emulator, conn: okta_dbapi.Connection) -> None:
    n = len(everyone(org))
    sql = "SELECT count(*) FROM (SELECT id AS subdomain FROM okta.users.users) d WHERE d.subdomain != 'x'"
    assert rows(conn, sql) == [(n,)]
    with pytest.raises(okta_dbapi.ProgrammingError, match="never sent to another org"):
        rows(conn, "SELECT id FROM okta.users.users WHERE subdomain = 'elsewhere'")


# -- the same answer with fewer calls --------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT f.id FROM factors f WHERE f.userId IN (SELECT id FROM users WHERE status = 'SUSPENDED')",
        "SELECT f.id FROM factors f WHERE EXISTS "
        "(SELECT 1 FROM users u WHERE u.id = f.userId AND u.status = 'SUSPENDED')",
        "SELECT f.id FROM factors f JOIN users u ON f.userId = u.id WHERE u.status = 'SUSPENDED'",
    ],
)
def test_semi_joins_are_planned_alike(org: Emulator, conn: okta_dbapi.Connection, sql: str) -> None:
    suspended = with_status(org, "SUSPENDED")
    assert sorted(rows(conn, sql)) == sorted((f["id"],) for u in suspended for f in org.org.factors(u))
    assert calls(org) == 1 + len(suspended)


def test_user_id_equal_to_a_scalar_subquery_is_two_calls(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = everyone(org)[2]
    login = user(org, uid)["profile"]["login"]
    sql = "SELECT id FROM factors WHERE userId = (SELECT id FROM users WHERE profile->>'login' = ?)"
    assert sorted(rows(conn, sql, [login])) == sorted((f["id"],) for f in org.org.factors(uid))
    assert calls(org) == 2


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT f.id FROM factors f WHERE f.userId IN (SELECT id FROM users ORDER BY id LIMIT 3)",
        "WITH u AS (SELECT id FROM users ORDER BY id LIMIT 3) SELECT f.id FROM factors f WHERE f.userId IN u",
        "WITH u AS (SELECT id FROM users ORDER BY id LIMIT 3) SELECT f.id FROM factors f JOIN u ON f.userId = u.id",
        "SELECT f.id FROM factors f JOIN (SELECT id FROM users ORDER BY id LIMIT 3) u ON u.id = f.userId",
    ],
)
def test_a_limit_inside_a_subquery_fetches_only_the_users_it_keeps(
    org: Emulator, conn: okta_dbapi.Connection, sql: str
) -> None:
    kept = sorted(everyone(org))[:3]
    assert sorted(rows(conn, sql)) == sorted((f["id"],) for u in kept for f in org.org.factors(u))
    assert calls(org) == listing_calls(org) + 3


def test_two_semi_joins_fan_out_over_their_intersection(org: Emulator, conn: okta_dbapi.Connection) -> None:
    first = sorted(everyone(org))[:10]
    both = [u for u in first if user(org, u)["status"] == "ACTIVE"]
    sql = (
        "SELECT count(*) FROM factors WHERE userId IN (SELECT id FROM users WHERE status = 'ACTIVE') "
        "AND userId IN (SELECT id FROM users ORDER BY id LIMIT 10)"
    )
    assert rows(conn, sql) == [(sum(len(org.org.factors(u)) for u in both),)]
    # The unfiltered listing covers the filtered one, so users are listed once.
    assert calls(org) == listing_calls(org) + len(both)
