"""The errors users meet: Okta's errorCode and errorSummary, plus what to do next."""

from __future__ import annotations

import pytest
from writes_helpers import NewUser, factor_types

import okta_dbapi
from okta_dbapi.emulator import Emulator

PHONE = "+15551230040"


def test_wrong_passcode_on_activate(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": PHONE}}])
    (sms,) = emu.org.factors(uid)
    wrong = "000000" if emu.org.passcode(uid, sms["id"]) != "000000" else "111111"
    with pytest.raises(okta_dbapi.DataError) as caught:
        db.cursor().execute(
            "EXEC okta.users.factors.activate_factor @userId=?, @factorId=?, @passCode=?", [uid, sms["id"], wrong]
        )
    e = caught.value
    assert (e.error_code, e.error_summary) == ("E0000068", "Invalid Passcode/Answer")
    assert "E0000068 (Invalid Passcode/Answer" in str(e)
    assert f"EXEC okta.users.factors.resend_enroll_factor @userId='{uid}', @factorId='{sms['id']}'" in str(e)
    assert e.applied == [] and e.not_applied[0]["factorId"] == sms["id"]
    assert factor_types(emu, uid) == [("sms", "PENDING_ACTIVATION")]
    assert emu.log.count("POST") == 1


def test_wrong_passcode_on_verify(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "email"}])
    (email,) = emu.org.factors(uid)
    with pytest.raises(okta_dbapi.DataError, match="E0000068") as caught:
        db.cursor().execute(
            "EXEC okta.users.factors.verify_factor @userId=?, @factorId=?, @passCode='not-it'", [uid, email["id"]]
        )
    assert "without a passCode" in str(caught.value)


def test_phone_already_enrolled(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "profile": {"phoneNumber": PHONE}}])
    sql = "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'sms', 'OKTA', ?)"
    with pytest.raises(okta_dbapi.IntegrityError) as caught:
        db.cursor().execute(sql, [uid, {"phoneNumber": "+15551230041"}])
    e = caught.value
    assert e.error_code == "E0000001" and "There is an existing verified phone number." in e.error_causes
    assert "updatePhone = true" in str(e) and f"DELETE FROM okta.users.factors WHERE userId = '{uid}'" in str(e)
    assert emu.org.factors(uid)[0]["profile"] == {"phoneNumber": PHONE}


def test_factor_type_not_allowed_by_policy(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user()
    with pytest.raises(okta_dbapi.DataError) as caught:
        db.cursor().execute(
            "INSERT INTO okta.users.factors (userId, factorType, provider) VALUES (?, 'token:hardware', 'YUBICO')",
            [uid],
        )
    text = str(caught.value)
    assert "E0000001" in text and "Factor not allowed for the user based on the Multifactor policy." in text
    assert f"SELECT factorType, provider, status FROM okta.users.supported_factors WHERE userId = '{uid}'" in text
    assert factor_types(emu, uid) == []


def test_missing_factor_type(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": PHONE}}])
    (sms,) = emu.org.factors(uid)
    with pytest.raises(okta_dbapi.ProgrammingError, match="Row 1 has no factorType"):  # INSERT: checked locally
        db.cursor().execute("INSERT INTO okta.users.factors (userId, provider) VALUES (?, 'OKTA')", [uid])
    assert emu.log.entries == []
    with pytest.raises(okta_dbapi.DataError) as caught:  # resend: Okta says so
        db.cursor().execute("EXEC okta.users.factors.resend_enroll_factor @userId=?, @factorId=?", [uid, sms["id"]])
    text = str(caught.value)
    assert "E0000001" in text and "factorType: The field cannot be left blank" in text
    assert """@@json='{"factorType": "sms"}'""" in text
    assert emu.log.entries[-1].body == {}  # the spec requires a body: an empty one, not none
    assert all("resend" in v for v in emu.log.violations)  # the request is invalid on purpose
    emu.log.clear()


def test_unknown_user(db: okta_dbapi.Connection, emu: Emulator) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError) as caught:
        db.cursor().execute("INSERT INTO okta.users.factors (userId, factorType) VALUES ('00uNOBODY', 'email')")
    e = caught.value
    assert e.status == 404 and e.error_code == "E0000007"
    assert "profile->>'login'" in str(e) and "Check that the userId exists" in str(e)


def test_rate_limited_resend(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": PHONE}}])
    (sms,) = emu.org.factors(uid)
    resend = 'EXEC okta.users.factors.resend_enroll_factor @userId=?, @factorId=? @@json=\'{"factorType": "sms"}\''
    cur = db.cursor()
    cur.execute(resend, [uid, sms["id"]])
    with pytest.raises(okta_dbapi.OperationalError) as caught:
        cur.execute(resend, [uid, sms["id"]])
    e = caught.value
    assert e.status == 429 and e.error_code == "E0000047"
    assert "every 30 seconds" in str(e) and "The code already sent stays valid" in str(e)
    assert emu.log.count("POST", r".*/resend") == 2
    emu.org.clock.advance(31)
    cur.execute(resend, [uid, sms["id"]])
    assert emu.log.count("POST", r".*/resend") == 3
