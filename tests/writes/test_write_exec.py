"""EXEC activate_factor / resend_enroll_factor / verify_factor, and push polling with SELECT."""

from __future__ import annotations

import pytest
from writes_helpers import NewUser, factor_types, first, one

import okta_dbapi
from okta_dbapi.emulator import Emulator

PHONE = "+15551230020"


def test_enroll_activate_verify_sms(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user()
    cur = db.cursor()
    cur.execute(
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'sms', 'OKTA', ?) "
        "RETURNING id",
        [uid, {"phoneNumber": PHONE}],
    )
    (fid,) = first(cur)
    code = emu.org.passcode(uid, fid)
    cur.execute("EXEC okta.users.factors.activate_factor @userId=?, @factorId=?, @passCode=?", [uid, fid, code])
    assert one(cur)["status"] == "ACTIVE"
    cur.execute("EXEC okta.users.factors.verify_factor @userId=?, @factorId=?", [uid, fid])
    assert one(cur)["factorResult"] == "CHALLENGE"
    cur.execute(
        "EXEC okta.users.factors.verify_factor @userId=:u, @factorId=:f @@json=:body",
        {"u": uid, "f": fid, "body": {"passCode": code}},
    )
    got = one(cur)
    assert got["factorResult"] == "SUCCESS" and got["transactionId"] is None and cur.rowcount == 1
    posts = [(e.path.rsplit("/", 1)[-1], e.body) for e in emu.log.entries if e.method == "POST"]
    assert posts == [
        ("factors", {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": PHONE}}),
        ("activate", {"passCode": code}),
        ("verify", None),
        ("verify", {"passCode": code}),
    ]
    assert len(emu.log.entries) == 4


def test_activate_totp_with_json_body(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "token:software:totp", "provider": "OKTA", "status": "PENDING_ACTIVATION"}])
    (totp,) = emu.org.factors(uid)
    code = emu.org.passcode(uid, totp["id"])
    cur = db.cursor()
    cur.execute(f"""EXEC okta.users.factors.activate_factor
        @userId='{uid}' -- the user
        @factorId='{totp["id"]}'
        @@json='{{"passCode": "{code}"}}';""")
    assert one(cur)["status"] == "ACTIVE"
    assert factor_types(emu, uid) == [("token:software:totp", "ACTIVE")]
    assert emu.log.entries[0].body == {"passCode": code}


def test_push_verify_polled_to_completion_with_select(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "push", "profile": {"credentialId": "p@example.com"}}])
    (push,) = emu.org.factors(uid)
    cur = db.cursor()
    cur.execute(
        "EXEC okta.users.factors.verify_factor @userId=?, @factorId=?, @User-Agent='okta-dbapi tests'",
        [uid, push["id"]],
    )
    started = one(cur)
    assert started["factorResult"] == "WAITING"
    emu.org.set_push_outcome(uid, push["id"], "SUCCESS")  # the user taps "Yes, it's me"
    results = []
    for _ in range(5):
        cur.execute(
            "SELECT factorResult FROM okta.users.factors WHERE userId=? AND factorId=? AND transactionId=?",
            [uid, push["id"], started["transactionId"]],
        )
        results.append(first(cur)[0])
        if results[-1] != "WAITING":
            break
    assert results[-1] == "SUCCESS"
    assert emu.log.count("POST") == 1
    assert emu.log.count("GET", rf"/api/v1/users/{uid}/factors/{push['id']}/transactions/.+") == len(results)
    assert emu.log.entries[0].headers["User-Agent"] == "okta-dbapi tests"


def test_number_matching_push_returns_the_challenge(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "push"}])
    (push,) = emu.org.factors(uid)
    cur = db.cursor()
    cur.execute(
        "EXEC okta.users.factors.verify_factor @userId=?, @factorId=?, @useNumberMatchingChallenge=true",
        [uid, push["id"]],
    )
    got = one(cur)
    assert isinstance(got["_embedded"], dict) and "correctAnswer" in got["_embedded"]["challenge"]
    assert emu.log.entries[0].body == {"useNumberMatchingChallenge": True}


def test_resend_with_named_body_field(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "email", "status": "PENDING_ACTIVATION"}])
    (email,) = emu.org.factors(uid)
    cur = db.cursor()
    cur.execute(
        "EXEC okta.users.factors.resend_enroll_factor @userId=?, @factorId=?, @factorType='email'", [uid, email["id"]]
    )
    assert one(cur)["id"] == email["id"]
    (entry,) = emu.log.entries
    assert entry.path.endswith("/resend") and entry.body == {"factorType": "email"}


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("EXEC okta.users.factors.verify_factor @userId='u'", None, "verify_factor needs factorId: add @factorId"),
        ("EXEC okta.users.factors.nope @userId='u'", None, "has no EXEC method 'nope'"),
        ("EXEC okta.users.factors.enroll_factor @userId='u'", None, "runs as INSERT INTO"),
        ("EXEC okta.users.factors.verify_factor @userId=? @factorId=?", ["u"], "2 \\? placeholder"),
        ("EXEC okta.users.factors.verify_factor @userId='u' @factorId='f' @@json='[1]'", None, "must be a JSON object"),
        ("EXEC okta.users.factors.verify_factor @userId='u' @factorId='f' @subdomain='elsewhere'", None, "another org"),
        ("EXEC okta.users.factors.verify_factor @userId='u' @factorId='f' @userId='v'", None, "given twice"),
        ("EXEC okta.users.factors.verify_factor userId='u'", None, "Syntax error in EXEC"),
    ],
)
def test_bad_exec_is_refused_before_any_request(
    db: okta_dbapi.Connection, emu: Emulator, sql: str, params: list[str] | None, message: str
) -> None:
    with pytest.raises(okta_dbapi.DatabaseError, match=message):
        db.cursor().execute(sql, params)
    assert emu.log.entries == []
