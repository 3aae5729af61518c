"""Every SQL block of the seed document runs, placeholders filled, against the emulator.

The document's generator lists only ``subdomain`` as required; ``userId`` and ``factorId`` are
path parameters, so where an example needs them they are appended (``AND userId = ...`` in WHERE,
``@userId=...`` in EXEC, a ``userId`` column in INSERT) and the example as written is checked to
be refused with a message saying so, before any request.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from writes_helpers import NewUser, columns, factor_types, fill, one, with_keys

import okta_dbapi
from okta_dbapi.emulator import Emulator

SEED_DIR = Path(__file__).parents[1] / "data" / "seed"
SEED_DOC = Path(__file__).parents[3] / "shared" / "seed" / "000_9cc8cbfdaa39c7ee.txt"
PHONE = "+15551230001"


def example(prefix: str) -> str:
    (path,) = SEED_DIR.glob(f"{prefix}_*.sql")
    return path.read_text()


# The columns the seed document lists for SELECT and RETURNING, in its order.
SEED_COLUMNS = [
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


def test_the_files_are_the_seed_documents_blocks_verbatim() -> None:
    files = [p.read_text() for p in sorted(SEED_DIR.glob("*.sql"))]
    assert len(files) == 8
    if not SEED_DOC.exists():
        pytest.skip("the seed document is not next to the repository")
    assert re.findall(r"```sql\n(.*?)```", SEED_DOC.read_text(), re.S) == files


def test_select_list_factors_fans_out_over_users(db: okta_dbapi.Connection, emu: Emulator) -> None:
    sql = fill(example("01"), {"subdomain": db.subdomain})
    cur = db.cursor()
    cur.execute(sql)
    got = cur.fetchall()
    assert columns(cur) == SEED_COLUMNS
    users = emu.org.user_ids(include_deprovisioned=True)
    expected = sorted(f["id"] for u in users for f in emu.org.factors(u))
    assert sorted(r[0] for r in got) == expected
    assert emu.log.count("GET", r"/api/v1/users") == 2  # the default listing, then the DEPROVISIONED users
    assert emu.log.count("GET", r"/api/v1/users/[^/]+/factors") == len(users)


def test_select_get_factor_as_written_and_with_keys(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "sms", "profile": {"phoneNumber": PHONE}}])
    (factor,) = emu.org.factors(uid)
    cur = db.cursor()
    cur.execute(fill(example("02"), {"subdomain": db.subdomain}))
    assert factor["id"] in [r[0] for r in cur.fetchall()]
    emu.log.clear()
    keyed = with_keys(example("02"), f"AND userId = '{uid}' AND id = '{factor['id']}'")
    cur.execute(fill(keyed, {"subdomain": db.subdomain}))
    rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][0] == factor["id"]
    assert [(e.method, e.path) for e in emu.log.entries] == [("GET", f"/api/v1/users/{uid}/factors/{factor['id']}")]


def test_select_transaction_status_as_written_and_with_keys(
    db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser
) -> None:
    uid = new_user([{"factorType": "push", "profile": {"credentialId": "w@example.com"}}])
    (push,) = emu.org.factors(uid)
    emu.org.set_push_outcome(uid, push["id"], "SUCCESS")
    cur = db.cursor()
    cur.execute(fill(example("03"), {"subdomain": db.subdomain}))
    assert columns(cur) == ["factorResult"]
    assert all(r == (None,) for r in cur.fetchall())  # no transaction named: nothing to report
    cur.execute("EXEC okta.users.factors.verify_factor @userId=?, @factorId=?", [uid, push["id"]])
    transaction = one(cur)["transactionId"]
    emu.log.clear()
    keyed = with_keys(
        example("03"), f"AND userId = '{uid}' AND factorId = '{push['id']}' AND transactionId = '{transaction}'"
    )
    cur.execute(fill(keyed, {"subdomain": db.subdomain}))
    assert cur.fetchall() == [("SUCCESS",)]
    assert emu.log.count("GET", rf"/api/v1/users/{uid}/factors/{push['id']}/transactions/{re.escape(transaction)}") == 1
    assert len(emu.log.entries) == 1


INSERT_VALUES = {
    "factorType": "sms",
    "profile": '{"phoneNumber": "' + PHONE + '"}',
    "provider": "OKTA",
    "updatePhone": "false",
    "templateId": "cstk2flOtuCMDJK4b0g3",
    "tokenLifetimeSeconds": "300",
    "activate": "true",
    "Accept-Language": "fr",
}


def test_insert_enroll_factor(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user()
    sql = example("04").replace("(\ndata__factorType,", "(\nuserId,\ndata__factorType,", 1)
    sql = sql.replace("SELECT \n'{{ factorType }}',", f"SELECT \n'{uid}',\n'{{{{ factorType }}}}',", 1)
    cur = db.cursor()
    cur.execute(fill(sql, {**INSERT_VALUES, "subdomain": db.subdomain}))
    assert cur.rowcount == 1
    assert columns(cur) == SEED_COLUMNS
    (row,) = cur.fetchall()
    (factor,) = emu.org.factors(uid)
    assert row[0] == factor["id"] and row[4] == "sms" and row[6] == {"phoneNumber": PHONE} and row[8] == "ACTIVE"
    (entry,) = emu.log.entries
    assert (entry.method, entry.path, entry.status) == ("POST", f"/api/v1/users/{uid}/factors", 200)
    assert entry.query == {
        "updatePhone": "false",
        "templateId": "cstk2flOtuCMDJK4b0g3",
        "tokenLifetimeSeconds": "300",
        "activate": "true",
    }
    assert entry.headers["Accept-Language"] == "fr"
    assert entry.body == {"factorType": "sms", "profile": {"phoneNumber": PHONE}, "provider": "OKTA"}


def test_insert_as_written_says_userid_is_needed(db: okta_dbapi.Connection, emu: Emulator) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError, match="enroll_factor needs userId: add a userId column"):
        db.cursor().execute(fill(example("04"), {**INSERT_VALUES, "subdomain": db.subdomain}))
    assert emu.log.entries == []


def test_delete_unenroll_factor(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "profile": {"phoneNumber": PHONE}}, {"factorType": "email"}])
    sms = next(f for f in emu.org.factors(uid) if f["factorType"] == "sms")
    sql = with_keys(example("05"), f"AND userId = '{uid}' AND id = '{sms['id']}';")
    cur = db.cursor()
    cur.execute(fill(sql, {"subdomain": db.subdomain, "removeRecoveryEnrollment": "true"}))
    assert cur.rowcount == 1
    assert factor_types(emu, uid) == [("email", "ACTIVE")]
    assert emu.log.count("GET", rf"/api/v1/users/{uid}/factors/{sms['id']}") == 1
    (delete,) = [e for e in emu.log.entries if e.method == "DELETE"]
    assert delete.path == f"/api/v1/users/{uid}/factors/{sms['id']}" and delete.query == {
        "removeRecoveryEnrollment": "true"
    }
    assert len(emu.log.entries) == 2


def test_delete_as_written_is_refused_before_any_request(db: okta_dbapi.Connection, emu: Emulator) -> None:
    sql = fill(example("05"), {"subdomain": db.subdomain, "removeRecoveryEnrollment": "true"})
    with pytest.raises(okta_dbapi.ProgrammingError, match="would unenroll every factor of every user"):
        db.cursor().execute(sql)
    assert emu.log.entries == []


def test_exec_activate_factor(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "push", "status": "PENDING_ACTIVATION"}])
    (push,) = emu.org.factors(uid)
    sql = with_keys(example("06"), f"@userId='{uid}' @factorId='{push['id']}'")
    cur = db.cursor()
    cur.execute(fill(sql, {"subdomain": db.subdomain}))
    got = one(cur)
    assert (got["id"], got["status"], got["userId"]) == (push["id"], "ACTIVE", uid)
    assert factor_types(emu, uid) == [("push", "ACTIVE")]
    assert emu.log.count("POST", rf"/api/v1/users/{uid}/factors/{push['id']}/lifecycle/activate") == 1
    assert len(emu.log.entries) == 1


def test_exec_resend_enroll_factor(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "sms", "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": PHONE}}])
    (sms,) = emu.org.factors(uid)
    sql = with_keys(example("07"), f", @userId='{uid}', @factorId='{sms['id']}';")
    cur = db.cursor()
    cur.execute(fill(sql, {"subdomain": db.subdomain, "templateId": "cstk2flOtuCMDJK4b0g3", "factorType": "sms"}))
    got = one(cur)
    assert (got["id"], got["status"]) == (sms["id"], "PENDING_ACTIVATION")
    (entry,) = emu.log.entries
    assert (entry.method, entry.path) == ("POST", f"/api/v1/users/{uid}/factors/{sms['id']}/resend")
    assert entry.query == {"templateId": "cstk2flOtuCMDJK4b0g3"} and entry.body == {"factorType": "sms"}


def test_exec_verify_factor_push_then_poll(db: okta_dbapi.Connection, emu: Emulator, new_user: NewUser) -> None:
    uid = new_user([{"factorType": "push", "profile": {"credentialId": "w@example.com"}}])
    (push,) = emu.org.factors(uid)
    sql = with_keys(example("08"), f", @userId='{uid}', @factorId='{push['id']}'")
    values = {
        "subdomain": db.subdomain,
        "templateId": "cstk2flOtuCMDJK4b0g3",
        "tokenLifetimeSeconds": "300",
        "X-Forwarded-For": "203.0.113.7",
        "User-Agent": "Mozilla/5.0 (seed test)",
        "Accept-Language": "de",
    }
    cur = db.cursor()
    cur.execute(fill(sql, values))
    got = one(cur)
    assert got["factorResult"] == "WAITING" and got["transactionId"]
    assert got["pollUrl"].endswith(f"/factors/{push['id']}/transactions/{got['transactionId']}")
    (entry,) = emu.log.entries
    assert entry.path == f"/api/v1/users/{uid}/factors/{push['id']}/verify"
    assert entry.query == {"templateId": "cstk2flOtuCMDJK4b0g3", "tokenLifetimeSeconds": "300"}
    assert (entry.headers["X-Forwarded-For"], entry.headers["User-Agent"], entry.headers["Accept-Language"]) == (
        "203.0.113.7",
        "Mozilla/5.0 (seed test)",
        "de",
    )
    assert entry.body is None  # a push challenge is issued by a request without a body
