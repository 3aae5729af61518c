"""Reads against the emulator over real HTTP: the rows, and exactly which HTTP calls were made."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

FACTORS = r"/api/v1/users/[^/]+/factors"
USERS = r"/api/v1/users"


def listed_user_ids(org: Emulator) -> list[str]:
    """Every user: okta.users.users holds the DEPROVISIONED ones too, whatever the plan."""
    return list(org.org.user_ids(include_deprovisioned=True))


def listing_calls(org: Emulator, page: int = 200) -> int:
    """GET /api/v1/users calls to list everyone: the default listing's pages (it leaves the
    DEPROVISIONED users out; an empty listing is still one page), then theirs."""
    default = len(org.org.user_ids(include_deprovisioned=False))
    gone = len(listed_user_ids(org)) - default
    return max(1, math.ceil(default / page)) + max(1, math.ceil(gone / page))


def user_with_factors(org: Emulator, minimum: int = 2) -> str:
    for uid in listed_user_ids(org):
        if len(org.org.factors(uid)) >= minimum:
            return uid
    raise AssertionError("the seeded org has no user with enough factors")


def test_keyed_get_is_one_call(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org)
    factor = org.org.factors(uid)[0]
    cur = conn.cursor()
    cur.execute(
        "SELECT id, factorType, status, created, profile FROM okta.users.factors WHERE userId = ? AND id = ?",
        [uid, factor["id"]],
    )
    rows = cur.fetchall()
    assert rows == [
        (
            factor["id"],
            factor["factorType"],
            factor["status"],
            dt.datetime.fromisoformat(factor["created"].replace("Z", "+00:00")),
            factor.get("profile"),
        )
    ]
    assert rows[0][3].tzinfo is not None
    assert org.log.count() == 1
    assert org.log.count("GET", FACTORS + "/" + factor["id"]) == 1


def test_factorid_key_works_like_id(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org)
    factor = org.org.factors(uid)[1]
    cur = conn.cursor()
    cur.execute("SELECT id FROM factors WHERE userId = :u AND factorId = :f", {"u": uid, "f": factor["id"]})
    assert cur.fetchall() == [(factor["id"],)]
    assert org.log.count() == 1


def test_list_for_one_user(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org)
    cur = conn.cursor()
    cur.execute("SELECT * FROM okta.users.factors WHERE userId = ?", [uid])
    names = [d[0] for d in cur.description]
    assert names[:10] == [
        "id",
        "_embedded",
        "_links",
        "created",
        "factorType",
        "lastUpdated",
        "profile",
        "provider",
        "status",
        "vendorName",
    ]
    rows = cur.fetchall()
    assert sorted(r[0] for r in rows) == sorted(f["id"] for f in org.org.factors(uid))
    assert all(r[names.index("userId")] == uid for r in rows)
    assert org.log.count() == 1 and org.log.count("GET", FACTORS) == 1


def test_in_list_lists_only_those_users(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uids = listed_user_ids(org)[:3]
    cur = conn.cursor()
    cur.execute("SELECT userId, count(*) FROM users.factors WHERE userId IN (?, ?, ?) GROUP BY userId", uids)
    got = dict(cur.fetchall())
    expected = {u: len(org.org.factors(u)) for u in uids if org.org.factors(u)}
    assert got == expected
    assert org.log.count("GET", FACTORS) == 3
    assert org.log.count() == 3


def test_semi_join_pushes_the_user_filter(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT userId, factorType FROM okta.users.factors "
        "WHERE userId IN (SELECT id FROM okta.users.users WHERE status = 'SUSPENDED')"
    )
    rows = cur.fetchall()
    suspended = [u for u in listed_user_ids(org) if org.org.user(u)["status"] == "SUSPENDED"]
    assert suspended, "the seeded org should have SUSPENDED users"
    assert sorted(rows) == sorted((u, f["factorType"]) for u in suspended for f in org.org.factors(u))
    users_calls = [e for e in org.log.entries if e.path == USERS]
    assert len(users_calls) == 1 and users_calls[0].query.get("filter") == 'status eq "SUSPENDED"'
    assert org.log.count("GET", FACTORS) == len(suspended)
    assert org.log.count() == 1 + len(suspended)


def test_join_pushes_the_user_filter(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT u.profile->>'login' AS login, f.factorType FROM okta.users.users u "
        "JOIN okta.users.factors f ON f.userId = u.id WHERE u.status = 'LOCKED_OUT' ORDER BY login, f.factorType"
    )
    rows = cur.fetchall()
    locked = [u for u in listed_user_ids(org) if org.org.user(u)["status"] == "LOCKED_OUT"]
    expected = sorted(
        (org.org.user(u)["profile"]["login"], f["factorType"]) for u in locked for f in org.org.factors(u)
    )
    assert rows == expected
    assert org.log.count("GET", USERS) == 1
    assert org.log.count("GET", FACTORS) == len(locked)


def test_full_fan_out_pages_plus_one_call_per_user(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7)
    org.log.clear()
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.factors")
    listed = listed_user_ids(org)
    assert cur.fetchone() == (sum(len(org.org.factors(u)) for u in listed),)
    assert org.log.count("GET", USERS) == listing_calls(org, 7)
    assert org.log.count("GET", FACTORS) == len(listed)
    assert org.log.count() == org.log.count("GET", USERS) + len(listed)
    conn.close()


def test_demo_query_active_users_without_active_factor(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT u.id FROM okta.users.users u WHERE u.status = 'ACTIVE' AND NOT EXISTS "
        "(SELECT 1 FROM okta.users.factors f WHERE f.userId = u.id AND f.status = 'ACTIVE') ORDER BY u.id"
    )
    active = [u for u in listed_user_ids(org) if org.org.user(u)["status"] == "ACTIVE"]
    expected = sorted(u for u in active if not any(f["status"] == "ACTIVE" for f in org.org.factors(u)))
    assert [r[0] for r in cur.fetchall()] == expected
    assert org.log.count("GET", USERS) == 1
    assert org.log.count("GET", FACTORS) == len(active)


def test_users_filters_push_down(org: Emulator, conn: okta_dbapi.Connection) -> None:
    some = org.org.user(listed_user_ids(org)[3])
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users WHERE profile->>'login' = ?", [some["profile"]["login"]])
    assert cur.fetchall() == [(some["id"],)]
    assert [e.query.get("filter") for e in org.log.entries] == [f'profile.login eq "{some["profile"]["login"]}"']
    cur.execute("SELECT id FROM okta.users.users WHERE id = ?", [some["id"]])
    assert cur.fetchall() == [(some["id"],)]
    assert (org.log.entries[-1].path, org.log.entries[-1].query.get("filter")) == (USERS, f'id eq "{some["id"]}"')


def test_limit_is_pushed_only_when_every_predicate_was(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users LIMIT 2")
    assert len(cur.fetchall()) == 2
    assert org.log.entries[-1].query.get("limit") == "2"
    org.log.clear()
    dept = org.org.user(listed_user_ids(org)[0])["profile"]["department"]
    cur.execute(
        "SELECT id FROM okta.users.users WHERE profile->>'department' = ? AND profile->>'title' IS NOT NULL LIMIT 1",
        [dept],
    )
    assert len(cur.fetchall()) == 1
    assert all(e.query.get("limit") != "1" for e in org.log.entries)


def test_sql_over_results(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uids = listed_user_ids(org)[:6]
    marks = ", ".join("?" for _ in uids)
    cur = conn.cursor()
    cur.execute(
        f"""WITH f AS (SELECT * FROM okta.users.factors WHERE userId IN ({marks}))
            SELECT factorType, count(*) AS n, row_number() OVER (ORDER BY factorType) AS rn
            FROM f GROUP BY factorType HAVING count(*) >= 1 ORDER BY factorType LIMIT 50 OFFSET 0""",
        uids,
    )
    rows = cur.fetchall()
    counts: dict[str, int] = {}
    for u in uids:
        for f in org.org.factors(u):
            counts[f["factorType"]] = counts.get(f["factorType"], 0) + 1
    assert [(r[0], r[1]) for r in rows] == sorted(counts.items())
    assert [r[2] for r in rows] == list(range(1, len(rows) + 1))
    assert [d[1] for d in cur.description] == ["string", "integer", "integer"]
    assert cur.description[1][1] == okta_dbapi.NUMBER


def test_json_access(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = next(u for u in listed_user_ids(org) if any(f["factorType"] == "sms" for f in org.org.factors(u)))
    phone = next(f["profile"]["phoneNumber"] for f in org.org.factors(uid) if f["factorType"] == "sms")
    cur = conn.cursor()
    cur.execute(
        "SELECT json_extract(profile, '$.phoneNumber'), profile->>'phoneNumber', profile FROM factors "
        "WHERE userId = ? AND factorType = 'sms'",
        [uid],
    )
    row = cur.fetchone()
    assert row[0] == phone and row[1] == phone and row[2]["phoneNumber"] == phone


def test_streaming_scan_does_not_materialise(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=5, concurrency=1)
    org.log.clear()
    cur = conn.cursor()
    cur.execute("SELECT id, userId FROM okta.users.factors")
    first = cur.fetchone()
    assert first is not None
    # Only the first page of users and a few factor lists were needed for one row.
    assert org.log.count("GET", FACTORS) < len(listed_user_ids(org))
    conn.close()


def test_explain_sends_nothing(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "EXPLAIN SELECT * FROM okta.users.factors WHERE userId IN (SELECT id FROM users WHERE status = 'ACTIVE')"
    )
    rows = cur.fetchall()
    assert [r[1] for r in rows] == ["list_users", "list_factors", "residual"]
    assert json.loads(rows[0][4])["filter"] == 'status eq "ACTIVE"'
    assert org.token not in repr(rows)
    assert org.log.count() == 0


def test_unknown_factor_types_flow_through(requests_mock: Any) -> None:
    """Okta adds factor types and providers; they are data, never a crash (a single call: mocked)."""
    unknown = {
        "id": "xyz1",
        "factorType": "signed_nonce_v9",
        "provider": "FUTURE_VENDOR",
        "vendorName": "FUTURE_VENDOR",
        "status": "SOMETHING_NEW",
        "created": "2031-01-02T03:04:05.000Z",
        "lastUpdated": "not a timestamp",
        "profile": {"novel": [1, 2]},
        "surprise": {"field": True},
    }
    requests_mock.get("https://acme.okta.com/api/v1/users/u1/factors", json=[unknown])
    conn = okta_dbapi.connect(subdomain="acme", token="00secret")
    cur = conn.cursor()
    cur.execute("SELECT factorType, provider, status, created, lastUpdated, profile FROM factors WHERE userId = 'u1'")
    assert cur.fetchall() == [
        (
            "signed_nonce_v9",
            "FUTURE_VENDOR",
            "SOMETHING_NEW",
            dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
            "not a timestamp",
            {"novel": [1, 2]},
        )
    ]
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    "sql, message",
    [
        ("SELECT * FROM okta.users.nope", "Unknown table"),
        ("SELECT nope FROM okta.users.factors WHERE userId = 'x'", "No such column"),
        ("SELECT * FROM WHERE", "line 1, column"),
        ("SELECT * FROM factors WHERE subdomain = 'someone-else'", "subdomain"),
        ("UPDATE okta.users.factors SET status = 'x'", "UPDATE is not supported"),
    ],
)
def test_errors_before_any_request(org: Emulator, conn: okta_dbapi.Connection, sql: str, message: str) -> None:
    cur = conn.cursor()
    with pytest.raises(okta_dbapi.DatabaseError, match=message):
        cur.execute(sql)
    assert org.log.count() == 0


def test_update_is_not_supported(conn: okta_dbapi.Connection) -> None:
    with pytest.raises(okta_dbapi.NotSupportedError):
        conn.cursor().execute("UPDATE okta.users.factors SET status = 'x' WHERE userId = 'y'")


def test_own_subdomain_is_accepted(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = listed_user_ids(org)[0]
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.factors WHERE subdomain = ? AND userId = ?", [conn.subdomain, uid])
    assert cur.fetchone() == (len(org.org.factors(uid)),)


def test_unknown_user_in_keyed_query_is_no_row(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """A key that does not exist is no row, like in any SQL table (Okta answers 404, E0000007)."""
    cur = conn.cursor()
    cur.execute("SELECT * FROM okta.users.factors WHERE userId = '00unknownuser000000'")
    assert cur.fetchall() == []
    assert [(e.path, e.status) for e in org.log.entries] == [("/api/v1/users/00unknownuser000000/factors", 404)]


def test_path_parameters_stay_in_their_segment(org: Emulator, conn: okta_dbapi.Connection) -> None:
    for evil in ("../../apps", "a/b?x=1"):
        cur = conn.cursor()
        cur.execute("SELECT * FROM okta.users.factors WHERE userId = ?", [evil])
        assert cur.fetchall() == []
    assert all(e.path.startswith("/api/v1/users/") and "/apps" not in e.path for e in org.log.entries)


def test_parameter_types_bind_as_values(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT ?, ?, ?, ?, ?, ?, ?",
        [None, True, 3, 2.5, "it's", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), {"a": [1]}],
    )
    assert cur.fetchone() == (None, 1, 3, 2.5, "it's", "2024-01-02T03:04:05.000Z", '{"a":[1]}')
    assert org.log.count() == 0


def test_cursor_protocol(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org, 3)
    cur = conn.cursor()
    cur.arraysize = 2
    cur.execute("SELECT id FROM factors WHERE userId = ? ORDER BY id", [uid])
    first_two = cur.fetchmany()
    assert len(first_two) == 2
    rest = list(cur)
    assert len(first_two) + len(rest) == len(org.org.factors(uid))
    assert cur.fetchone() is None
    with pytest.raises(okta_dbapi.ProgrammingError):
        cur.arraysize = 0
    cur.close()
    with pytest.raises(okta_dbapi.InterfaceError):
        cur.execute("SELECT 1")
    conn.close()
    with pytest.raises(okta_dbapi.InterfaceError):
        conn.cursor()


def test_sibling_tables_by_user(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = listed_user_ids(org)[0]
    cur = conn.cursor()
    cur.execute(
        "SELECT factorType, provider, enrollment, userId FROM okta.users.supported_factors WHERE userId = ?", [uid]
    )
    rows = cur.fetchall()
    assert rows and all(r[3] == uid for r in rows)
    cur.execute("SELECT question, questionText FROM users.supported_security_questions WHERE userId = ?", [uid])
    assert all(isinstance(q, str) and text for q, text in cur.fetchall())
    assert org.log.count("GET", FACTORS + "/catalog") == 1
    assert org.log.count("GET", FACTORS + "/questions") == 1
    # Security questions do not say whose they are: the user is looked up first.
    assert [e.query.get("filter") for e in org.log.entries if e.path == USERS] == [f'id eq "{uid}"']
    assert org.log.count() == 3


def test_join_equality_carries_the_literal_key(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org)
    cur = conn.cursor()
    cur.execute(
        "SELECT f.factorType, s.enrollment FROM factors f JOIN supported_factors s "
        "ON s.userId = f.userId AND s.factorType = f.factorType AND s.provider = f.provider WHERE f.userId = ?",
        [uid],
    )
    cur.fetchall()
    assert org.log.count("GET", FACTORS) == 1
    assert org.log.count("GET", FACTORS + "/catalog") == 1
    assert org.log.count() == 2


def test_streaming_limit_stops_the_fan_out(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=10, concurrency=2)
    org.log.clear()
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.factors LIMIT 3")
    assert len(cur.fetchall()) == 3
    assert org.log.count("GET", FACTORS) < len(listed_user_ids(org)) // 2
    conn.close()


def test_progress_is_reported_during_fan_out(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token)
    seen: list[tuple[int, int | None]] = []
    cur = conn.cursor()
    cur.progress = lambda done, total: seen.append((done, total))
    cur.execute("SELECT count(*) FROM okta.users.factors")
    done = [d for d, _ in seen]
    assert done == sorted(done) and sorted(set(done)) == list(range(1, len(listed_user_ids(org)) + 1))
    conn.close()


def test_connections_in_threads(org: Emulator) -> None:
    """threadsafety = 1: threads share the module, each with its own connection."""
    from concurrent.futures import ThreadPoolExecutor

    uids = listed_user_ids(org)[:8]

    def count(uid: str) -> int:
        with okta_dbapi.connect(org_url=org.url, token=org.token) as c:
            cur = c.cursor()
            cur.execute("SELECT count(*) FROM factors WHERE userId = ?", [uid])
            return int(cur.fetchone()[0])

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(count, uids)) == [len(org.org.factors(u)) for u in uids]


def test_key_lookup_of_a_missing_factor_is_empty(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Like any key lookup: no such factor, no row; no such user, no row either."""
    uid = user_with_factors(org)
    cur = conn.cursor()
    cur.execute("SELECT * FROM okta.users.factors WHERE userId = ? AND id = ?", [uid, "mblNOSUCHFACTOR00000"])
    assert cur.fetchall() == []
    assert org.log.count("GET", FACTORS + "/mblNOSUCHFACTOR00000") == 1
    cur.execute("SELECT * FROM okta.users.factors WHERE userId = ? AND id = ?", ["00uNOSUCHUSER", "mbl1"])
    assert cur.fetchall() == []


def test_or_of_keys_is_an_in_list(org: Emulator, conn: okta_dbapi.Connection) -> None:
    a, b = listed_user_ids(org)[:2]
    cur = conn.cursor()
    cur.execute("SELECT DISTINCT userId FROM factors WHERE (userId = ? OR userId = ?) AND status IS NOT NULL", [a, b])
    assert {r[0] for r in cur.fetchall()} <= {a, b}
    assert org.log.count("GET", FACTORS) == 2
    assert org.log.count() == 2


def test_login_filter_is_rechecked_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """Okta's login filter ignores case; SQL's = does not, so the residual query decides."""
    some = org.org.user(listed_user_ids(org)[5])
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users WHERE profile->>'login' = ?", [some["profile"]["login"].upper()])
    assert cur.fetchall() == []
    cur.execute("SELECT id FROM okta.users.users WHERE lower(profile->>'login') = lower(?)", [some["profile"]["login"]])
    assert cur.fetchall() == [(some["id"],)]


def test_closing_a_streamed_result_stops_the_fan_out(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=10, concurrency=2)
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.factors")
    cur.fetchone()
    cur.close()
    sent = org.log.count("GET", FACTORS)
    assert sent < len(listed_user_ids(org))
    conn.close()
    assert org.log.count("GET", FACTORS) == sent  # nothing more went out after close


def test_two_fan_outs_list_the_users_once(org: Emulator, conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "SELECT count(*) FROM okta.users.factors f JOIN okta.users.supported_factors s "
        "ON s.userId = f.userId AND s.factorType = f.factorType AND s.provider = f.provider"
    )
    cur.fetchall()
    listed = len(listed_user_ids(org))
    assert org.log.count("GET", USERS) == listing_calls(org)
    assert org.log.count("GET", FACTORS) == listed
    assert org.log.count("GET", FACTORS + "/catalog") == listed


def test_fan_out_progress_learns_the_total(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, concurrency=1)
    seen: list[tuple[int, int | None]] = []
    cur = conn.cursor()
    cur.progress = lambda done, total: seen.append((done, total))
    cur.execute("SELECT count(*) FROM okta.users.factors")
    assert seen[-1] == (len(listed_user_ids(org)), len(listed_user_ids(org)))
    conn.close()


def test_an_error_on_a_later_row_is_a_pep249_error(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """SQLite evaluates row by row: a failure past the first row still surfaces as a DB-API error."""
    cur = conn.cursor()
    cur.execute(
        "WITH t(n, s) AS (VALUES (1, '{}'), (2, '{}'), (3, '{}'), (4, 'not json')) SELECT json_extract(s, '$.a') FROM t"
    )
    assert cur.fetchone() == (None,)
    with pytest.raises(okta_dbapi.OperationalError, match="malformed JSON"):
        cur.fetchall()


def test_cte_column_lists_are_kept(org: Emulator, conn: okta_dbapi.Connection) -> None:
    """sqlglot 28 drops ``WITH t(a, b)`` column lists when writing SQLite; the driver keeps them."""
    uid = user_with_factors(org)
    cur = conn.cursor()
    cur.execute(
        "WITH mine(fid, kind) AS (SELECT id, factorType FROM okta.users.factors WHERE userId = ?) "
        "SELECT kind FROM mine ORDER BY kind",
        [uid],
    )
    assert [r[0] for r in cur.fetchall()] == sorted(f["factorType"] for f in org.org.factors(uid))


def test_fan_out_progress_has_the_total_from_the_first_call(org: Emulator) -> None:
    """A fan-out that reads every row lists the users first: every report carries the total."""
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7, concurrency=4)
    seen: list[tuple[int, int | None]] = []
    cur = conn.cursor()
    cur.progress = lambda done, total: seen.append((done, total))
    org.log.clear()
    cur.execute("SELECT factorType, count(*) FROM okta.users.factors GROUP BY factorType")
    listed = len(listed_user_ids(org))
    assert seen and all(total == listed for _, total in seen)
    assert org.log.count("GET", USERS) == listing_calls(org, 7)
    assert org.log.count("GET", FACTORS) == listed
    conn.close()


def test_a_streamed_limit_still_lists_users_page_by_page(org: Emulator) -> None:
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7, concurrency=1)
    org.log.clear()
    cur = conn.cursor()
    cur.execute("SELECT id, factorType FROM okta.users.factors LIMIT 1")
    assert len(cur.fetchall()) == 1
    assert org.log.count("GET", USERS) == 1
    conn.close()


def test_explain_estimates_a_fan_out_from_the_budget() -> None:
    """Before any answer: Okta's typical 600/minute, per 1,000 users; after a fan-out on the same
    connection: the org's X-Rate-Limit-Limit and its number of users. EXPLAIN itself sends nothing."""
    with Emulator(users=60, seed=3, rate_limit=(1200, 60)) as emu:
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        cur = conn.cursor()
        cur.execute("EXPLAIN SELECT factorType, count(*) FROM okta.users.factors GROUP BY factorType")
        rows = cur.fetchall()
        assert [r[1] for r in rows] == ["list_users", "list_users", "list_factors", "estimate", "residual"]
        facts = json.loads(rows[3][4])
        assert facts["budget_per_minute"] == 600 and facts["users"] is None
        assert facts["seconds_per_1000_users"] == round((5 + 1 + 1000) / 600 * 60)
        assert "600 requests/minute (Okta's typical budget" in rows[3][5] and "per 1,000 users" in rows[3][5]
        assert emu.log.count() == 0

        cur.execute("SELECT count(*) FROM okta.users.factors")
        cur.fetchall()
        listed = len(emu.org.user_ids(include_deprovisioned=True))
        before = emu.log.count()
        cur.execute("EXPLAIN SELECT * FROM okta.users.factors WHERE status = 'ACTIVE'")
        estimate = next(r for r in cur.fetchall() if r[1] == "estimate")
        facts = json.loads(estimate[4])
        assert facts["budget_per_minute"] == 1200 and "X-Rate-Limit-Limit" in facts["budget_from"]
        assert facts["users"] == listed and facts["calls"] == listed + 2  # a page of users, one of DEPROVISIONED
        assert facts["seconds"] == round((listed + 2) / 1200 * 60)
        assert f"{listed + 2} calls for {listed} users at 1200 requests/minute" in estimate[5]
        assert emu.log.count() == before
        conn.close()


def test_explain_of_a_keyed_query_has_no_estimate(conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    cur.execute("EXPLAIN SELECT * FROM okta.users.factors WHERE userId = 'x'")
    assert "estimate" not in [r[1] for r in cur.fetchall()]
