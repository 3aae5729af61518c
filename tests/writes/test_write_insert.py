"""INSERT in plain SQL: VALUES (one and many rows), executemany, INSERT ... SELECT, RETURNING."""

from __future__ import annotations

import pytest
from writes_helpers import NewUser, columns, factor_types, first

import okta_dbapi
from okta_dbapi.emulator import Emulator

INSERT = "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, ?, ?, ?)"


def test_insert_one_row_with_a_dict_profile(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user()
    cur = db.cursor()
    cur.execute(INSERT, [uid, "sms", "OKTA", {"phoneNumber": "+15551230002"}])
    assert cur.rowcount == 1 and cur.description is None
    assert factor_types(emu, uid) == [("sms", "PENDING_ACTIVATION")]
    (entry,) = emu.log.entries
    assert entry.body == {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15551230002"}}
    assert entry.query == {}


def test_multi_row_values_with_a_json_string_profile(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    a, b = new_user(), new_user()
    cur = db.cursor()
    cur.execute(
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES "
        "(?, 'email', 'OKTA', '{\"email\": \"a@example.org\"}'), (?, 'call', 'OKTA', ?), (?, 'question', 'OKTA', ?)",
        [a, b, '{"phoneNumber": "+15551230003"}', b, {"question": "disliked_food", "answer": "mushrooms"}],
    )
    assert cur.rowcount == 3
    assert factor_types(emu, a) == [("email", "PENDING_ACTIVATION")]
    assert factor_types(emu, b) == [("call", "PENDING_ACTIVATION"), ("question", "ACTIVE")]
    assert emu.log.count("POST", r"/api/v1/users/[^/]+/factors") == 3
    assert len(emu.log.entries) == 3


def test_executemany(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    users = [new_user() for _ in range(3)]
    cur = db.cursor()
    cur.executemany(INSERT, [[u, "email", "OKTA", {"email": f"{i}@example.org"}] for i, u in enumerate(users)])
    assert cur.rowcount == 3
    assert [factor_types(emu, u) for u in users] == [[("email", "PENDING_ACTIVATION")]] * 3
    assert len(emu.log.entries) == 3


def test_query_params_and_header_map_as_in_the_spec(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user()
    cur = db.cursor()
    cur.execute(
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile, updatePhone, templateId, "
        "tokenLifetimeSeconds, activate, Accept-Language) VALUES (?, 'sms', 'OKTA', ?, ?, ?, ?, ?, ?)",
        [uid, {"phoneNumber": "+15551230004"}, False, "cstk2flOtuCMDJK4b0g3", 600, True, "fr"],
    )
    (entry,) = emu.log.entries
    assert entry.query == {
        "updatePhone": "false",
        "templateId": "cstk2flOtuCMDJK4b0g3",
        "tokenLifetimeSeconds": "600",
        "activate": "true",
    }
    assert entry.headers["Accept-Language"] == "fr"
    assert factor_types(emu, uid) == [("sms", "ACTIVE")]  # activate=true


def test_returning_gives_the_totp_secret_and_qr_link(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user()
    cur = db.cursor()
    cur.execute(
        "INSERT INTO okta.users.factors (userId, factorType, provider) VALUES (?, 'token:software:totp', 'OKTA') "
        "RETURNING id, status, _embedded->>'$.activation.sharedSecret' AS secret, "
        "_embedded->>'$.activation._links.qrcode.href' AS qr, _embedded",
        [uid],
    )
    assert cur.rowcount == 1
    assert columns(cur) == ["id", "status", "secret", "qr", "_embedded"]
    fid, status, secret, qr, embedded = first(cur)
    (factor,) = emu.org.factors(uid)
    assert (fid, status) == (factor["id"], "PENDING_ACTIVATION")
    assert secret == factor["_embedded"]["activation"]["sharedSecret"]
    assert qr == factor["_embedded"]["activation"]["_links"]["qrcode"]["href"]
    assert embedded == factor["_embedded"]


def test_insert_select_enrolls_email_for_active_users_of_a_department_without_one(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    needs = new_user([{"factorType": "sms", "profile": {"phoneNumber": "+15551230005"}}], department="WQA")
    has = new_user([{"factorType": "email", "profile": {"email": "has@example.com"}}], department="WQA")
    suspended = new_user(status="SUSPENDED", department="WQA")
    elsewhere = new_user(department="Eng")
    cur = db.cursor()
    cur.execute(
        """INSERT INTO okta.users.factors (userId, factorType, provider, profile)
        SELECT u.id, 'email', 'OKTA', json_object('email', u.profile->>'email')
        FROM okta.users.users u
        WHERE u.status = 'ACTIVE' AND u.profile->>'department' = 'WQA'
          AND NOT EXISTS (SELECT 1 FROM okta.users.factors f WHERE f.userId = u.id AND f.factorType = 'email')
        RETURNING userId, factorType, status"""
    )
    assert cur.rowcount == 1
    assert cur.fetchall() == [(needs, "email", "PENDING_ACTIVATION")]
    assert factor_types(emu, needs) == [("email", "PENDING_ACTIVATION"), ("sms", "ACTIVE")]
    assert factor_types(emu, has) == [("email", "ACTIVE")]
    assert factor_types(emu, suspended) == [] and factor_types(emu, elsewhere) == []
    # one users page (filtered and searched by Okta), the two users' factor lists, one enroll
    assert emu.log.count("GET", "/api/v1/users") == 1
    assert emu.log.count("GET", r"/api/v1/users/[^/]+/factors") == 2
    assert emu.log.count("POST") == 1


def test_insert_select_without_a_column_list_uses_the_query_names(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user()
    cur = db.cursor()
    cur.execute("INSERT INTO okta.users.factors SELECT ? AS userId, 'email' AS factorType, 'true' AS activate", [uid])
    assert cur.rowcount == 1
    assert factor_types(emu, uid) == [("email", "ACTIVE")]


def test_named_placeholders_and_data_prefix(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user()
    db.cursor().execute(
        "INSERT INTO okta.users.factors (userId, data__factorType, data__provider, data__profile) "
        "VALUES (:user, :kind, 'OKTA', :profile)",
        {"user": uid, "kind": "email", "profile": {"email": "named@example.org"}},
    )
    assert emu.org.factors(uid)[0]["profile"] == {"email": "named@example.org"}


@pytest.mark.parametrize(
    ("sql", "params", "error", "message"),
    [
        (
            "INSERT INTO okta.users.factors (userId, provider) VALUES (?, 'OKTA')",
            ["u"],
            okta_dbapi.ProgrammingError,
            "Row 1 has no factorType",
        ),
        (
            "INSERT INTO okta.users.factors (factorType) VALUES ('sms')",
            None,
            okta_dbapi.ProgrammingError,
            "needs userId",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType, status) VALUES ('u', 'sms', 'ACTIVE')",
            None,
            okta_dbapi.ProgrammingError,
            "status is set by Okta",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType, profile) VALUES ('u', 'sms', 'not json')",
            None,
            okta_dbapi.DataError,
            "profile must be a JSON object",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType, activate) VALUES ('u', 'sms', 'maybe')",
            None,
            okta_dbapi.DataError,
            "activate must be true or false",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType, tokenLifetimeSeconds) VALUES ('u', 'sms', 'soon')",
            None,
            okta_dbapi.DataError,
            "tokenLifetimeSeconds must be an integer",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType, subdomain) VALUES ('u', 'sms', 'other-org')",
            None,
            okta_dbapi.ProgrammingError,
            "a token is never sent to another org",
        ),
        ("INSERT INTO okta.users.users (id) VALUES ('u')", None, okta_dbapi.NotSupportedError, "read-only"),
        (
            "INSERT INTO okta.users.factors (userId, factorType) VALUES ('u', 'sms'), ('v')",
            None,
            okta_dbapi.ProgrammingError,
            "Row 2 has 1 values but 2 columns",
        ),
        (
            "INSERT INTO okta.users.factors (userId, factorType) VALUES ('u', 'sms') RETURNING nope",
            None,
            okta_dbapi.ProgrammingError,
            "In RETURNING: no such column: nope",
        ),
    ],
)
def test_bad_rows_are_refused_before_any_request(
    db: okta_dbapi.Connection, emu: Emulator, sql: str, params: list[str] | None, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        db.cursor().execute(sql, params)
    assert emu.log.entries == []


def test_a_bad_row_anywhere_stops_the_whole_statement_before_any_request(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user()
    with pytest.raises(okta_dbapi.ProgrammingError, match="Row 3 has no factorType"):
        db.cursor().executemany(
            INSERT, [[uid, "email", "OKTA", None], [uid, "sms", "OKTA", None], [uid, None, None, None]]
        )
    assert emu.log.entries == [] and factor_types(emu, uid) == []
