"""DELETE: by keys, by any WHERE (planned like a SELECT), Okta's push cascade, parameters, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from writes_helpers import NewUser, factor_types

import okta_dbapi
from okta_dbapi.emulator import Emulator

DAY = 86400.0


def test_delete_by_keys(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "email"}, {"factorType": "sms", "profile": {"phoneNumber": "+15551230010"}}])
    email = next(f for f in emu.org.factors(uid) if f["factorType"] == "email")
    cur = db.cursor()
    cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND id = ?", [uid, email["id"]])
    assert cur.rowcount == 1
    assert factor_types(emu, uid) == [("sms", "ACTIVE")]
    assert [(e.method, e.path) for e in emu.log.entries] == [
        ("GET", f"/api/v1/users/{uid}/factors/{email['id']}"),
        ("DELETE", f"/api/v1/users/{uid}/factors/{email['id']}"),
    ]


def test_delete_matching_nothing_sends_no_delete(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "email"}])
    cur = db.cursor()
    cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND factorType = 'sms'", [uid])
    assert cur.rowcount == 0
    assert emu.log.count("DELETE") == 0 and len(emu.log.entries) == 1


def test_delete_by_keys_of_a_missing_factor_removes_nothing(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "email"}])
    cur = db.cursor()
    cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND id = 'emfNOSUCHFACTOR'", [uid])
    assert cur.rowcount == 0
    assert emu.log.count("DELETE") == 0 and factor_types(emu, uid) == [("email", "ACTIVE")]


def test_bulk_cleanup_of_stale_pending_sms(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    """All PENDING_ACTIVATION sms factors older than 30 days, over the whole org."""
    stale = new_user(
        [
            {"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": "+15551230011"}},
            {"factorType": "email"},
        ]
    )
    emu.org.clock.advance(40 * DAY)
    fresh = new_user(
        [{"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": "+15551230012"}}]
    )
    now = dt.datetime.fromtimestamp(emu.org.clock.now(), dt.timezone.utc)
    users = emu.org.user_ids(include_deprovisioned=True)
    cutoff = (now - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    expected = {
        (u, f["id"])
        for u in users
        for f in emu.org.factors(u)
        if f["factorType"] == "sms" and f["status"] == "PENDING_ACTIVATION" and f["created"] < cutoff
    }
    assert (stale, next(f["id"] for f in emu.org.factors(stale) if f["factorType"] == "sms")) in expected
    cur = db.cursor()
    cur.execute(
        "DELETE FROM okta.users.factors WHERE factorType = 'sms' AND status = 'PENDING_ACTIVATION' AND created < ?",
        [now - dt.timedelta(days=30)],
    )
    assert cur.rowcount == len(expected)
    assert factor_types(emu, stale) == [("email", "ACTIVE")]
    assert factor_types(emu, fresh) == [("sms", "PENDING_ACTIVATION")]
    deleted = {tuple(e.path.split("/")[4:7:2]) for e in emu.log.entries if e.method == "DELETE"}
    assert deleted == expected
    assert emu.log.count("GET", "/api/v1/users") == 2  # the default listing, then the DEPROVISIONED users
    assert emu.log.count("GET", r"/api/v1/users/[^/]+/factors") == len(users)
    assert emu.log.count("DELETE") == len(expected)


def test_deleting_push_counts_okta_cascade(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user(
        [
            {"factorType": "push"},
            {"factorType": "token:software:totp", "provider": "OKTA"},
            {"factorType": "sms", "profile": {"phoneNumber": "+15551230013"}},
        ]
    )
    cur = db.cursor()
    cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND factorType = 'push' RETURNING factorType", [uid])
    assert cur.rowcount == 2  # the push factor, and the Okta Verify TOTP Okta removed with it
    assert sorted(r[0] for r in cur.fetchall()) == ["push", "token:software:totp"]
    assert factor_types(emu, uid) == [("sms", "ACTIVE")]
    assert emu.log.count("DELETE") == 1
    # the planning list, then the list before and after the push goes
    assert emu.log.count("GET", rf"/api/v1/users/{uid}/factors") == 3


def test_deleting_push_and_totp_together_sends_two_deletes(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "push"}, {"factorType": "token:software:totp", "provider": "OKTA"}])
    cur = db.cursor()
    cur.execute(
        "DELETE FROM okta.users.factors WHERE userId = ? AND factorType IN ('push', 'token:software:totp')", [uid]
    )
    assert cur.rowcount == 2
    assert factor_types(emu, uid) == []
    deletes = [e.path for e in emu.log.entries if e.method == "DELETE"]
    assert len(deletes) == 2 and "/factors/ost" in deletes[0] and "/factors/opf" in deletes[1]  # TOTP first


def test_remove_recovery_enrollment_is_sent(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "profile": {"phoneNumber": "+15551230014"}}])
    db.cursor().execute(
        "DELETE FROM okta.users.factors WHERE userId = ? AND factorType = 'sms' AND removeRecoveryEnrollment = ?",
        [uid, True],
    )
    (entry,) = [e for e in emu.log.entries if e.method == "DELETE"]
    assert entry.query == {"removeRecoveryEnrollment": "true"}
    assert factor_types(emu, uid) == []


def test_delete_by_semi_join_on_users(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    leaver = new_user([{"factorType": "email"}], department="Leavers")
    stayer = new_user([{"factorType": "email"}], department="Stayers")
    cur = db.cursor()
    cur.execute(
        "DELETE FROM okta.users.factors AS f WHERE f.factorType = 'email' AND f.userId IN "
        "(SELECT id FROM okta.users.users WHERE profile->>'department' = 'Leavers')"
    )
    assert cur.rowcount == 1
    assert factor_types(emu, leaver) == [] and factor_types(emu, stayer) == [("email", "ACTIVE")]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM okta.users.factors", "DELETE without a WHERE clause"),
        ("DELETE FROM okta.users.factors WHERE subdomain = '127.0.0.1'", "DELETE without a WHERE clause"),
        ("DELETE FROM okta.users.factors WHERE removeRecoveryEnrollment = true", "DELETE without a WHERE clause"),
        (
            "DELETE FROM okta.users.factors WHERE id = 'x' OR removeRecoveryEnrollment = true",
            "removeRecoveryEnrollment is a parameter",
        ),
        ("DELETE FROM okta.users.factors WHERE id = 'x' AND subdomain = 'other'", "never sent to another org"),
        ("DELETE FROM okta.users.users WHERE id = 'x'", "read-only"),
    ],
)
def test_unbounded_or_wrong_deletes_are_refused_before_any_request(
    db: okta_dbapi.Connection, emu: Emulator, sql: str, message: str
) -> None:
    with pytest.raises(okta_dbapi.DatabaseError, match=message):
        db.cursor().execute(sql)
    assert emu.log.entries == []
