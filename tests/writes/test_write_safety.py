"""Nothing is lost: partial failures, requests that may have been applied, read-only, EXPLAIN."""

from __future__ import annotations

import time

import pytest
from writes_helpers import NewUser, columns, factor_types

import okta_dbapi
from okta_dbapi.emulator import Emulator

INSERT = "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, ?, ?, ?)"


def test_multi_row_insert_failing_part_way_says_which_rows_were_applied(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    a, b, c = new_user(), new_user(), new_user()
    with pytest.raises(okta_dbapi.DataError) as caught:
        db.cursor().execute(
            "INSERT INTO okta.users.factors (userId, factorType, provider) VALUES "
            "(?, 'email', 'OKTA'), (?, 'token:hardware', 'YUBICO'), (?, 'email', 'OKTA')",
            [a, b, c],
        )
    e = caught.value
    enrolled = emu.org.factors(a)[0]["id"]
    assert e.applied == [
        {
            "row": 1,
            "userId": a,
            "factorType": "email",
            "provider": "OKTA",
            "id": enrolled,
            "status": "PENDING_ACTIVATION",
        }
    ]
    assert [r["row"] for r in e.not_applied] == [2, 3]
    assert e.not_applied[0]["error"] == "E0000001" and e.not_applied[0]["maybe_applied"] is False
    assert e.error_code == "E0000001" and e.status == 400
    text = str(e)
    assert text.startswith(f"INSERT stopped at row 2 (userId {b}, factorType token:hardware, provider YUBICO)")
    assert f"Applied (1): row 1 (userId {a}, factorType email, provider OKTA, id {enrolled}" in text
    assert "Not applied (2): row 2" in text and "Nothing was undone" in text
    assert factor_types(emu, a) == [("email", "PENDING_ACTIVATION")]
    assert factor_types(emu, b) == [] and factor_types(emu, c) == []
    assert emu.log.count("POST") == 2  # row 3 was never sent


def test_executemany_failing_part_way(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    users = [new_user(), "no-such-user", new_user()]
    with pytest.raises(okta_dbapi.ProgrammingError) as caught:
        db.cursor().executemany(INSERT, [[u, "email", "OKTA", None] for u in users])
    assert [r["row"] for r in caught.value.applied] == [1]
    assert [(r["row"], r["userId"]) for r in caught.value.not_applied] == [(2, "no-such-user"), (3, users[2])]
    assert factor_types(emu, users[0]) == [("email", "PENDING_ACTIVATION")] and factor_types(emu, users[2]) == []


def test_delete_failing_part_way(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    a = new_user([{"factorType": "email"}])
    gone = new_user([{"factorType": "email"}], status="DEPROVISIONED")
    c = new_user([{"factorType": "email"}])
    with pytest.raises(okta_dbapi.OperationalError) as caught:
        db.cursor().execute(
            "DELETE FROM okta.users.factors WHERE userId IN (?, ?, ?) AND factorType = 'email'", [a, gone, c]
        )
    e = caught.value
    assert [(r["row"], r["userId"]) for r in e.applied] == [(1, a)]
    assert [(r["row"], r["userId"]) for r in e.not_applied] == [(2, gone), (3, c)]
    assert e.error_code == "E0000006"
    assert factor_types(emu, a) == [] and factor_types(emu, c) == [("email", "ACTIVE")]
    assert emu.log.count("DELETE") == 2


def test_enroll_whose_answer_is_lost_is_not_retried_and_says_how_to_check(new_user: NewUser) -> None:
    with Emulator(users=0, seed=5, faults={"truncate_body_on": r"/factors$"}) as emu:
        uid = emu.org.add_user({"login": "lost@example.com"})["id"]
        other = emu.org.add_user({"login": "next@example.com"})["id"]
        db = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        with pytest.raises(okta_dbapi.OperationalError) as caught:
            db.cursor().executemany(INSERT, [[uid, "email", "OKTA", None], [other, "email", "OKTA", None]])
        e = caught.value
        assert e.maybe_applied is True  # type: ignore[attr-defined]
        assert e.applied == [] and e.not_applied[0]["maybe_applied"] is True
        assert [r["userId"] for r in e.not_applied] == [uid, other]
        text = str(e)
        assert f"Check with SELECT id, factorType, status FROM okta.users.factors WHERE userId = '{uid}'" in text
        assert "Row 1 (userId" in text and "may have been applied after all" in text
        assert emu.log.count("POST") == 1  # never repeated, and row 2 never sent
        assert factor_types(emu, uid) == [("email", "PENDING_ACTIVATION")]  # it was applied
        assert factor_types(emu, other) == []


def test_enroll_timeout_is_reported_as_such(new_user: NewUser) -> None:
    with Emulator(users=0, seed=5, latency=0.4) as emu:
        uid = emu.org.add_user({"login": "slow@example.com"})["id"]
        db = okta_dbapi.connect(org_url=emu.url, token=emu.token, timeout=0.1)
        with pytest.raises(okta_dbapi.OperationalError) as caught:
            db.cursor().execute(INSERT, [uid, "email", "OKTA", None])
        text = str(caught.value)
        assert "read timeout" in text and "may have reached Okta" in text and "not retried" in text
        assert f"WHERE userId = '{uid}'" in text and "do not enroll it again" in text
        deadline = time.monotonic() + 5
        while not emu.log.count("POST") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert emu.log.count("POST") == 1
        assert factor_types(emu, uid) == [("email", "PENDING_ACTIVATION")]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO okta.users.factors (userId, factorType) VALUES ('00u1', 'email')",
        "DELETE FROM okta.users.factors WHERE userId = '00u1' AND id = 'emf1'",
        "EXEC okta.users.factors.verify_factor @userId='00u1', @factorId='emf1'",
    ],
)
@pytest.mark.parametrize("flag", [True, "true"])
def test_read_only_refuses_writes_before_any_request(emu: Emulator, sql: str, flag: object) -> None:
    db = okta_dbapi.connect(org_url=emu.url, token=emu.token, read_only=flag)
    with pytest.raises(okta_dbapi.ProgrammingError, match=r"read-only \(read_only=True\)"):
        db.cursor().execute(sql)
    cur = db.cursor()
    cur.execute("EXPLAIN " + sql)  # still allowed: it sends nothing
    assert cur.fetchall()
    assert emu.log.entries == []


def test_explain_insert_values_shows_each_request(db: okta_dbapi.Connection, emu: Emulator) -> None:
    cur = db.cursor()
    cur.execute(
        "EXPLAIN INSERT INTO okta.users.factors (userId, factorType, profile, activate, Accept-Language) "
        "VALUES ('00u1', 'sms', '{\"phoneNumber\": \"+15551230030\"}', true, 'fr'), ('00u2', 'email', NULL, "
        "false, NULL)"
    )
    assert columns(cur) == ["step", "operation", "method", "path", "parameters", "calls"]
    rows = cur.fetchall()
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [
        (1, "enroll_factor", "POST", "/api/v1/users/00u1/factors?activate=true", "1"),
        (2, "enroll_factor", "POST", "/api/v1/users/00u2/factors?activate=false", "1"),
    ]
    assert '"headers": {"Accept-Language": "fr"}' in rows[0][4] and '"phoneNumber": "+15551230030"' in rows[0][4]
    assert emu.log.entries == []


def test_explain_insert_select_and_delete_show_reads_then_writes(db: okta_dbapi.Connection, emu: Emulator) -> None:
    cur = db.cursor()
    cur.execute(
        "EXPLAIN INSERT INTO okta.users.factors (userId, factorType) SELECT id, 'email' FROM okta.users.users "
        "WHERE status = 'ACTIVE'"
    )
    ops = [(r[1], r[5]) for r in cur.fetchall()]
    assert ops[0][0] == "list_users" and ops[-1] == ("enroll_factor", "1 per row of the query above (depends on data)")
    cur.execute(
        "EXPLAIN DELETE FROM okta.users.factors WHERE userId = '00u1' AND id = 'emf1' "
        "AND removeRecoveryEnrollment = true"
    )
    rows = cur.fetchall()
    assert [(r[1], r[3]) for r in rows[:1]] == [("get_factor", "/api/v1/users/00u1/factors/emf1")]
    assert ("unenroll_factor", "/api/v1/users/00u1/factors/emf1?removeRecoveryEnrollment=true") in [
        (r[1], r[3]) for r in rows
    ]
    assert emu.log.entries == []


def test_explain_exec(db: okta_dbapi.Connection, emu: Emulator) -> None:
    cur = db.cursor()
    cur.execute(
        "EXPLAIN EXEC okta.users.factors.verify_factor @userId='00u1', @factorId='sms1', @passCode='123456', "
        "@tokenLifetimeSeconds=60"
    )
    (row,) = cur.fetchall()
    assert row[1:4] == ("verify_factor", "POST", "/api/v1/users/00u1/factors/sms1/verify?tokenLifetimeSeconds=60")
    assert '"body": {"passCode": "123456"}' in row[4]
    assert emu.log.entries == []


def test_autocommit_commit_and_rollback_do_not_raise(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user()
    db.cursor().execute(INSERT, [uid, "email", "OKTA", None])
    db.rollback()  # cannot undo: the factor stays
    db.commit()
    assert factor_types(emu, uid) == [("email", "PENDING_ACTIVATION")]
