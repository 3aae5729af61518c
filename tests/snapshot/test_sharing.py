"""One file, many users: two processes, readers during a refresh, a crash mid-refresh, own writes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from snap_helpers import calls, rows, snapshot_factors, truth_factors

import okta_dbapi
from okta_dbapi.emulator import Emulator

FACTOR_LIST = r"/api/v1/users/[^/]+/factors"


def _count_factors(url: str, token: str, path: str, barrier: Any, out: Any) -> None:
    conn = okta_dbapi.connect(org_url=url, token=token, snapshot=path, max_age=3600)
    barrier.wait()
    out.put(conn.cursor().execute("SELECT count(*) FROM okta.users.factors").fetchone()[0])
    conn.close()


def test_two_processes_share_one_file_and_one_load(emu: Emulator, snap_path: Path) -> None:
    emu.latency = 0.01  # the load takes a while, so both processes ask while it runs
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_count_factors, args=(emu.url, emu.token, str(snap_path), barrier, out)) for _ in "ab"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    answers = [out.get(timeout=5), out.get(timeout=5)]
    assert answers == [len(truth_factors(emu))] * 2
    # one refresher at a time: the second waited for the first and found the snapshot loaded
    assert calls(emu, FACTOR_LIST) == len(emu.org.user_ids())


def test_readers_are_not_blocked_by_a_refresh(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=3600)
    before = snapshot_factors(conn)
    other = connect(max_age=3600)
    assert conn.snapshot is not None
    with conn.snapshot.store.transaction() as writer:  # a refresh holding the write lock
        writer.clear(okta_dbapi.catalog.FACTORS)
        started = time.monotonic()
        assert snapshot_factors(other) == before  # the last committed state, at once
        late = connect(max_age=3600)  # opening the file does not wait for the lock either
        assert snapshot_factors(late) == before
        assert time.monotonic() - started < 2
    # and the refresh committed afterwards
    assert snapshot_factors(other) == set()


def test_an_error_mid_refresh_leaves_the_previous_snapshot(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0, max_retries=0)
    before = snapshot_factors(conn)
    users = emu.org.user_ids(include_deprovisioned=False)
    for uid in users[:4]:
        emu.org.reset_factors(uid)
    state = conn.snapshot.store.state()
    seen: list[str] = []

    def third_factor_list_fails(method: str, path: str) -> bool:
        if path.endswith("/factors"):
            seen.append(path)
            return len(seen) == 3
        return False

    emu.faults.truncate_body_on = third_factor_list_fails
    with pytest.raises(okta_dbapi.OperationalError):
        snapshot_factors(conn)
    assert len(seen) >= 3
    emu.faults.truncate_body_on = None
    assert conn.snapshot.store.state() == state  # cursor and stamps untouched
    plain = sqlite3.connect(conn.snapshot.path)
    stored = {tuple(r) for r in plain.execute('SELECT "userId", id, factorType, provider, status FROM factors')}
    plain.close()
    assert stored == before
    assert snapshot_factors(conn) == truth_factors(emu)  # the next refresh replays the same events


_KILLED_LOADER = textwrap.dedent(
    """
    import sys, okta_dbapi
    conn = okta_dbapi.connect(org_url=sys.argv[1], token=sys.argv[2], snapshot=sys.argv[3], concurrency=1)
    conn.cursor().execute("REFRESH okta.users.factors FULL")
    """
)


def test_a_process_killed_mid_refresh_leaves_the_previous_snapshot(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=3600)
    before = snapshot_factors(conn)
    emu.latency = 0.05
    emu.log.clear()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_LOADER, emu.url, emu.token, str(conn.snapshot.path)], env=env
    )
    try:
        deadline = time.monotonic() + 30
        while calls(emu, FACTOR_LIST) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert calls(emu, FACTOR_LIST) >= 3  # inside the full reload's transaction
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    emu.latency = 0.0
    emu.org.reset_factors(emu.org.user_ids(include_deprovisioned=False)[0])  # so a reload would differ
    emu.log.clear()
    assert snapshot_factors(conn) == before and calls(emu) == 0  # still loaded, still fresh: no calls


def test_own_writes_are_visible_at_once(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=3600)
    snapshot_factors(conn)
    uid = next(
        u
        for u in emu.org.user_ids(include_deprovisioned=False)
        if not any(f["factorType"] == "email" for f in emu.org.factors(u))
    )
    emu.log.clear()
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'email', 'OKTA', ?)",
        [uid, '{"email": "me@example.com"}'],
    )
    # the enrolment, then one list of that user's factors into the snapshot; nothing else
    assert [(e.method, e.path) for e in emu.log.entries] == [
        ("POST", f"/api/v1/users/{uid}/factors"),
        ("GET", f"/api/v1/users/{uid}/factors"),
    ]
    emu.log.clear()
    assert snapshot_factors(conn) == truth_factors(emu) and calls(emu) == 0
    factor_id = rows(conn, "SELECT id FROM okta.users.factors WHERE userId = ? ORDER BY created DESC LIMIT 1", [uid])
    cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND id = ?", [uid, factor_id[0][0]])
    assert snapshot_factors(conn) == truth_factors(emu)


def test_a_failed_write_changes_nothing(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=3600)
    before = snapshot_factors(conn)
    uid = emu.org.user_ids(include_deprovisioned=False)[0]
    emu.log.clear()
    with pytest.raises(okta_dbapi.DatabaseError):
        conn.cursor().execute(
            "INSERT INTO okta.users.factors (userId, factorType, provider) VALUES (?, 'token:hardware', 'YUBICO')",
            [uid],
        )
    assert [e.method for e in emu.log.entries] == ["POST"]  # refused by Okta: nothing re-read
    assert snapshot_factors(conn) == before


def test_exec_activate_is_re_read_and_verify_is_not(emu: Emulator, connect: Any) -> None:
    uid = next(
        u
        for u in emu.org.user_ids(include_deprovisioned=False)
        if not any(f["factorType"] == "email" for f in emu.org.factors(u))
    )
    pending = emu.org.add_factor(
        uid,
        {"factorType": "email", "provider": "OKTA", "status": "PENDING_ACTIVATION", "profile": {"email": "a@b.co"}},
    )
    conn = connect(max_age=3600)
    snapshot_factors(conn)
    code = emu.org.passcode(uid, pending["id"])
    emu.log.clear()
    cur = conn.cursor()
    cur.execute(
        "EXEC okta.users.factors.activate_factor @userId=?, @factorId=?, @passCode=?", [uid, pending["id"], code]
    )
    assert [e.method for e in emu.log.entries] == ["POST", "GET"]
    assert rows(conn, "SELECT status FROM okta.users.factors WHERE id = ?", [pending["id"]]) == [("ACTIVE",)]
    emu.log.clear()
    cur.execute("EXEC okta.users.factors.verify_factor @userId=?, @factorId=?, @passCode=?", [uid, pending["id"], code])
    assert [e.method for e in emu.log.entries] == ["POST"]  # a verify changes no row: nothing re-read


@pytest.mark.parametrize("body", [None, "no factors here", [1, 2]])
def test_a_malformed_factor_list_fails_the_refresh_instead_of_emptying_a_user(
    emu: Emulator, connect: Any, body: Any
) -> None:
    """Okta answering 200 with something that is not an array of factors is an error, never "no
    factors": the refresh stops and the snapshot keeps what it had."""
    conn = connect(max_age=0, max_retries=0)
    before = snapshot_factors(conn)
    (uid,) = [u for u in emu.org.user_ids(include_deprovisioned=False) if emu.org.factors(u)][:1]
    emu.org.reset_factors(uid)  # logged: the next refresh re-reads this user's factors
    rule = emu.faults.add("shape", FACTOR_LIST, "GET", times=1, body=body)
    with pytest.raises(okta_dbapi.OperationalError, match=r"where a JSON array was expected|as item 0"):
        snapshot_factors(conn)
    assert rule.hits == 1
    plain = sqlite3.connect(conn.snapshot.path)
    stored = {tuple(r) for r in plain.execute('SELECT "userId", id, factorType, provider, status FROM factors')}
    plain.close()
    assert stored == before
    assert snapshot_factors(conn) == truth_factors(emu)
