"""The snapshot against an emulated org over real HTTP: loads, warm reads, incremental refreshes
from the System Log while the org changes elsewhere, healing, late events; HTTP calls counted."""

from __future__ import annotations

import time
from typing import Any

from snap_helpers import calls, rows, snapshot_factors, snapshot_users, truth_factors, truth_users

from okta_dbapi.emulator import Emulator

FACTOR_LIST = r"/api/v1/users/[^/]+/factors"


def _first_with(emu: Emulator, factor_type: str, status: str = "ACTIVE") -> tuple[str, str]:
    for uid in emu.org.user_ids(include_deprovisioned=False):
        for f in emu.org.factors(uid):
            if f["factorType"] == factor_type and f["status"] == status:
                return uid, f["id"]
    raise LookupError(factor_type)


def _users_without_deprovisioned(emu: Emulator) -> list[str]:
    return emu.org.user_ids(include_deprovisioned=False)


def test_cold_load_then_warm_reads_make_no_calls(emu: Emulator, connect: Any) -> None:
    conn = connect()
    emu.log.clear()
    assert snapshot_factors(conn) == truth_factors(emu)
    n = len(emu.org.user_ids())
    # users: the default listing and the DEPROVISIONED one (one page each), then one list per user
    assert calls(emu, "/api/v1/users") == 2 and calls(emu, FACTOR_LIST) == n and calls(emu) == n + 2
    emu.log.clear()
    assert snapshot_users(conn) == truth_users(emu)
    assert rows(conn, "SELECT count(*) FROM factors f JOIN users u ON u.id = f.userId WHERE u.status = 'ACTIVE'")
    uid = emu.org.user_ids()[0]
    assert len(rows(conn, "SELECT * FROM okta.users.factors WHERE userId = ?", [uid])) == len(emu.org.factors(uid))
    assert calls(emu) == 0


def test_refresh_follows_changes_made_elsewhere(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    org = emu.org
    ids = _users_without_deprovisioned(emu)
    pending = org.add_factor(
        ids[1],
        {
            "factorType": "email",
            "provider": "OKTA",
            "status": "PENDING_ACTIVATION",
            "profile": {"email": "x@example.com"},
        },
    )
    org.activate_factor(ids[1], pending["id"])
    u_unenroll, f_unenroll = _first_with(emu, "push")
    org.unenroll_factor(u_unenroll, f_unenroll)
    org.reset_factors(ids[2])
    org.deactivate_user(ids[3])
    org.delete_user(ids[4])
    new_user = org.add_user(
        {"login": "new.one@example.com"},
        factors=[{"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15550001111"}}],
    )
    emu.log.clear()
    assert snapshot_factors(conn) == truth_factors(emu)
    assert snapshot_users(conn) == truth_users(emu)
    assert ids[4] not in {u for u, _ in snapshot_users(conn)}
    named = {ids[1], u_unenroll, ids[2], ids[3], new_user["id"]}  # ids[4] is deleted: no call for it
    refetched = {e.path.split("/")[4] for e in emu.log.entries if e.path.endswith("/factors")}
    assert refetched == named
    # each of the 3 queries refreshed (max_age=0): 1 log page and 1 users page each; the first also
    # re-read the factors of the users the log named, once each
    assert calls(emu, "/api/v1/logs") == 3 and calls(emu, "/api/v1/users") == 3
    assert calls(emu, FACTOR_LIST) == len(named)


def test_incremental_refresh_counts(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    emu.log.clear()
    rows(conn, "SELECT count(*) FROM okta.users.factors")
    assert calls(emu) == 2  # nothing changed: one System Log page and one users page
    log_call = next(e for e in emu.log.entries if e.path == "/api/v1/logs")
    assert "since" in log_call.query and 'eventType eq "user.mfa.factor.activate"' in log_call.query["filter"]
    emu.log.clear()
    rows(conn, "SELECT count(*) FROM okta.users.factors")
    again = next(e for e in emu.log.entries if e.path == "/api/v1/logs")
    assert "after" in again.query and "since" not in again.query  # the stored next link


def test_max_age_answers_stale_data_without_calls_until_it_expires(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=3600)
    before = snapshot_factors(conn)
    uid, fid = _first_with(emu, "push")
    emu.org.unenroll_factor(uid, fid)
    emu.log.clear()
    assert snapshot_factors(conn) == before and calls(emu) == 0
    assert conn.snapshot is not None
    conn.snapshot.clock = lambda: time.time() + 3600
    assert snapshot_factors(conn) == truth_factors(emu) != before
    assert calls(emu, "/api/v1/logs") == 1 and calls(emu, FACTOR_LIST) == 1


def test_max_age_zero_refreshes_before_every_answer(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    for n in range(3):
        uid = _users_without_deprovisioned(emu)[n]
        emu.org.reset_factors(uid)
        emu.log.clear()
        assert rows(conn, "SELECT count(*) FROM okta.users.factors WHERE userId = ?", [uid]) == [(0,)]
        assert calls(emu, "/api/v1/logs") == 1 and calls(emu, FACTOR_LIST) == 1


def test_a_missed_event_is_healed_by_the_full_refresh(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0, full_refresh_after=3600)
    snapshot_factors(conn)
    uid, fid = _first_with(emu, "push")
    with emu.org.syslog.unlogged():
        emu.org.unenroll_factor(uid, fid)
    assert (uid, fid) in {(u, f) for u, f, *_ in snapshot_factors(conn)}  # the log never said
    assert conn.snapshot is not None
    conn.snapshot.clock = lambda: time.time() + 3601
    emu.log.clear()
    assert snapshot_factors(conn) == truth_factors(emu)
    assert calls(emu, FACTOR_LIST) == len(emu.org.user_ids())  # a full reload


def test_late_events_are_not_lost(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    uid, fid = _first_with(emu, "push")
    with emu.org.syslog.late(30):
        emu.org.suspend_factor(uid, fid)
    assert snapshot_factors(conn) != truth_factors(emu)  # not in the log yet
    emu.org.clock.advance(31)
    assert snapshot_factors(conn) == truth_factors(emu)


def test_replayed_events_are_applied_once(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    emu.org.reset_factors(_users_without_deprovisioned(emu)[0])
    rows(conn, "SELECT 1 FROM okta.users.factors LIMIT 1")
    # a full reload starts its cursor OVERLAP seconds back: the reset comes again, with the same uuid
    rows(conn, "REFRESH okta.users.factors FULL")
    emu.log.clear()
    rows(conn, "SELECT 1 FROM okta.users.factors LIMIT 1")
    assert calls(emu, FACTOR_LIST) == 0 and calls(emu, "/api/v1/logs") == 1


def test_keyed_queries_on_an_unloaded_table_go_to_okta_and_do_not_fill_it(emu: Emulator, connect: Any) -> None:
    conn = connect()
    uid = emu.org.user_ids()[0]
    emu.log.clear()
    assert len(rows(conn, "SELECT id FROM okta.users.factors WHERE userId = ?", [uid])) == len(emu.org.factors(uid))
    assert [e.path for e in emu.log.entries] == [f"/api/v1/users/{uid}/factors"]
    rows(conn, "SELECT id FROM okta.users.users WHERE status = 'ACTIVE'")
    assert conn.snapshot is not None and not conn.snapshot.store.state().get("factors.loaded_at")
    assert not conn.snapshot.store.state().get("users.loaded_at")


def test_users_alone_load_without_factors(emu: Emulator, connect: Any) -> None:
    conn = connect()
    emu.log.clear()
    assert snapshot_users(conn) == truth_users(emu)
    assert calls(emu) == 2 and calls(emu, FACTOR_LIST) == 0


def test_transaction_lookups_always_go_to_okta(emu: Emulator, connect: Any) -> None:
    conn = connect()
    snapshot_factors(conn)
    emu.log.clear()
    sql = "SELECT factorResult FROM okta.users.factors WHERE userId = ? AND factorId = ? AND transactionId = ?"
    # Asked of Okta, not the snapshot: its 404 is no row.
    assert rows(conn, sql, [emu.org.user_ids()[0], "nope", "v2mst.nope"]) == []
    assert [e.path for e in emu.log.entries] == [
        f"/api/v1/users/{emu.org.user_ids()[0]}/factors/nope/transactions/v2mst.nope"
    ]
