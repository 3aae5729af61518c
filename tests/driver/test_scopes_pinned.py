"""Behaviours of name resolution (scopes.py) and of the SQL term readers (terms.py) whose bugs are
silent, pinned over real HTTP against the emulator: the rows, from the org's own state, and the
exact HTTP calls. Each test fails under a one-token change of one of those modules (issue 15).
"""

from __future__ import annotations

import json

import pytest
from org_queries import USERS, calls, query, user_with_factors, users_with

import okta_dbapi
from okta_dbapi.emulator import Emulator

U, F = "okta.users.users", "okta.users.factors"


def factor_ids(org: Emulator, uid: str) -> list[str]:
    return sorted(f["id"] for f in org.org.factors(uid))


# -- scopes: an unqualified column belongs to the one source that has it --------------------------


def test_an_unqualified_key_beside_a_catalog_table_without_it(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # users has no userId: the bare userId is the factors' key, and nothing is listed.
    uid = user_with_factors(org, 2)
    rows = query(conn, org, f"SELECT f.id, u.status FROM {U} u JOIN {F} f ON f.userId = u.id WHERE userId = ?", [uid])
    assert sorted(rows) == [(fid, "ACTIVE") for fid in factor_ids(org, uid)]
    assert sorted(calls(org)) == [("GET", USERS), ("GET", f"{USERS}/{uid}/factors")]
    assert [e.query.get("filter") for e in org.log.entries if e.path == USERS] == [f'id eq "{uid}"']


def test_an_unqualified_key_beside_a_derived_table_without_it(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # The derived table projects only z: userId can only be the factors'.
    uid = user_with_factors(org, 2)
    rows = query(conn, org, f"SELECT id FROM {F}, (SELECT 1 AS z) d WHERE userId = ?", [uid])
    assert sorted(rows) == [(fid,) for fid in factor_ids(org, uid)]
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


def test_an_unqualified_factor_id_beside_a_derived_table_is_the_key(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # factorId is no column of factors but the key its id answers to: still the factors' name.
    uid = user_with_factors(org, 2)
    fid = factor_ids(org, uid)[0]
    sql = f"SELECT id FROM {F}, (SELECT 1 AS z) d WHERE factorId = ? AND userId = ?"
    assert query(conn, org, sql, [fid, uid]) == [(fid,)]
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors/{fid}")]


def test_an_unknown_table_names_the_known_ones(org: Emulator, conn: okta_dbapi.Connection) -> None:
    with pytest.raises(
        okta_dbapi.ProgrammingError, match=r"Unknown table 'nosuch'\. Known tables: okta\.users\.factors"
    ):
        query(conn, org, "SELECT * FROM nosuch")
    assert calls(org) == []


# -- terms: conjuncts, literals ------------------------------------------------------------------


def test_a_parenthesised_conjunction_still_pushes_its_key(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org, 2)
    active = sorted(f["id"] for f in org.org.factors(uid) if f["status"] == "ACTIVE")
    rows = query(conn, org, f"SELECT id FROM {F} WHERE (userId = ? AND status = 'ACTIVE')", [uid])
    assert sorted(rows) == [(fid,) for fid in active]
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]
    rows = query(conn, org, f"SELECT id FROM {F} WHERE ((userId = ?)) AND (status = 'ACTIVE')", [uid])
    assert sorted(rows) == [(fid,) for fid in active]
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


def test_a_null_key_matches_nothing_and_fetches_nothing(org: Emulator, conn: okta_dbapi.Connection) -> None:
    assert query(conn, org, f"SELECT count(*) FROM {F} WHERE userId = NULL") == [(0,)]
    assert calls(org) == []
    uid = user_with_factors(org, 2)
    rows = query(conn, org, f"SELECT id FROM {F} WHERE userId IN (?, NULL)", [uid])
    assert sorted(rows) == [(fid,) for fid in factor_ids(org, uid)]
    assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


def test_a_number_sqlite_cannot_read_is_its_error_not_a_key(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # sqlglot reads 1e as a number; it is no value (not NULL), so nothing is pushed and SQLite says why.
    for sql in (f"SELECT id FROM {F} WHERE userId = 1e", f"SELECT id FROM {U} WHERE status IN ('ACTIVE', 1e)"):
        with pytest.raises(okta_dbapi.OperationalError, match='unrecognized token: "1e"'):
            query(conn, org, sql)
        assert calls(org) == []


def test_a_null_in_an_or_of_keys_is_dropped(org: Emulator, conn: okta_dbapi.Connection) -> None:
    uid = user_with_factors(org, 2)
    for sql in (
        f"SELECT id FROM {F} WHERE userId = ? OR userId = NULL",
        f"SELECT id FROM {F} WHERE ? = userId OR NULL = userId",
    ):
        assert sorted(query(conn, org, sql, [uid])) == [(fid,) for fid in factor_ids(org, uid)]
        assert calls(org) == [("GET", f"{USERS}/{uid}/factors")]


# -- terms: Okta strings and profile attributes ----------------------------------------------------


def sent(org: Emulator, name: str) -> list[str]:
    """The ``filter`` or ``search`` of every users listing made."""
    return [e.query[name] for e in org.log.entries if e.path == USERS and name in e.query]


def test_quotes_and_backslashes_are_escaped_in_okta_strings(org: Emulator, conn: okta_dbapi.Connection) -> None:
    assert query(conn, org, f"SELECT id FROM {U} WHERE profile->>'login' = ?", ['x"y\\z']) == []
    assert sent(org, "filter") == ['profile.login eq "x\\"y\\\\z"']
    assert query(conn, org, f"SELECT id FROM {U} WHERE profile->>'department' = ?", ['R"D\\']) == []
    assert sent(org, "search") == ['profile.department eq "R\\"D\\\\"']
    assert len(calls(org)) == 1


@pytest.mark.parametrize(
    "predicate",
    [
        "profile->'department' = 'Legal'",  # -> is JSON text ('"Legal"'): equals no plain string
        "type->>'id' = 'Legal'",  # not the profile
        "profile->>'$.address.city' = 'Legal'",
        "profile->>'first-name' = 'Legal'",  # no attribute name Okta's search can take
        "profile->>'$.\"first name\"' = 'Legal'",  # a quoted key that is no attribute name either
        "json_extract(profile, '$.a.b') = 'Legal'",
        "json_extract(profile, '$.department', '$.title') = 'Legal'",  # a JSON array of both
    ],
)
def test_json_reads_that_are_no_profile_attribute_push_nothing(
    org: Emulator, conn: okta_dbapi.Connection, predicate: str
) -> None:
    assert query(conn, org, f"SELECT id FROM {U} WHERE {predicate}") == []
    assert calls(org) and set(calls(org)) == {("GET", USERS)}
    assert sent(org, "search") == []
    assert all("profile" not in f for f in sent(org, "filter"))


def test_negative_float_and_boolean_keys_are_keys_as_sqlite_compares_them(
    org: Emulator, conn: okta_dbapi.Connection
) -> None:
    # SQLite compares a TEXT column with -1, 2.5, TRUE and FALSE as '-1', '2.5', '1' and '0': each is a key
    # (a user that does not exist), so only those users' factors are fetched, never every user's.
    uid = user_with_factors(org, 2)
    rows = query(conn, org, f"SELECT id FROM {F} WHERE userId IN (-1, 2.5, TRUE, FALSE, ?)", [uid])
    assert sorted(rows) == [(fid,) for fid in factor_ids(org, uid)]
    assert sorted(calls(org)) == sorted(("GET", f"{USERS}/{key}/factors") for key in ("-1", "2.5", "1", "0", uid))


def test_a_scan_without_where_streams_with_its_limit(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # No WHERE is no predicate, so nothing is left to check locally: the first page is enough.
    listed = [uid for uid in org.org.user_ids() if org.org.user(uid)["status"] != "DEPROVISIONED"]  # type: ignore[index]
    assert query(conn, org, f"SELECT id FROM {U} LIMIT 2") == [(listed[0],), (listed[1],)]
    assert calls(org) == [("GET", USERS)]
    assert org.log.entries[0].query.get("limit") == "2"


def test_json_extract_of_two_paths_is_checked_locally(org: Emulator, conn: okta_dbapi.Connection) -> None:
    # SQLite gives a JSON array of both values; it was searched for as the first attribute (no rows).
    uid = users_with(org, "ACTIVE")[0]
    profile = org.org.user(uid)["profile"]  # type: ignore[index]
    both = json.dumps([profile["firstName"], profile["lastName"]], separators=(",", ":"))
    sql = f"SELECT id FROM {U} WHERE json_extract(profile, '$.firstName', '$.lastName') = ?"
    assert query(conn, org, sql, [both]) == [(uid,)]
    assert sent(org, "search") == []
