"""Cancelling a fan-out: Ctrl-C, or cursor.close() / connection.close() from another thread, stops
new requests and returns without waiting for the calls in flight. Real HTTP against the emulator,
which holds the fan-out's calls in flight (a ``hold`` fault) so that the test catches the driver
in the act, without timing anything."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.faults import Rule

FACTORS = r"/api/v1/users/[^/]+/factors"
CONCURRENCY = 4


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(users=60, seed=5) as emulator:
        yield emulator


def connect(emu: Emulator) -> okta_dbapi.Connection:
    """A connection whose pacer already knows the factor calls' budget (so that a fan-out sends
    ``CONCURRENCY`` calls at once instead of one probe first)."""
    conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, concurrency=CONCURRENCY)
    conn.cursor().execute("SELECT id FROM okta.users.factors WHERE userId = ?", [emu.org.user_ids()[0]]).fetchall()
    emu.log.clear()
    return conn


def hold_factor_calls(emu: Emulator) -> Rule:
    return emu.faults.add("hold", path=r"/factors$", method="GET", hold_max=20)


def when_in_flight(emu: Emulator, count: int, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` on another thread once ``count`` requests are held in flight."""

    def run() -> None:
        deadline = time.monotonic() + 20
        while emu.concurrency.in_flight < count and time.monotonic() < deadline:
            time.sleep(0.01)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def settled(emu: Emulator, conn: okta_dbapi.Connection, rule: Rule | None = None) -> int:
    """Let any held calls go, wait until every call the driver sent is answered, and return how
    many factor calls were made."""
    if rule is not None:
        rule.gate.set()
    deadline = time.monotonic() + 20
    while (conn.client.pacer.in_flight or emu.concurrency.in_flight) and time.monotonic() < deadline:
        time.sleep(0.01)
    return emu.log.count("GET", FACTORS)


def test_connection_close_from_another_thread_abandons_the_calls_in_flight(emu: Emulator) -> None:
    conn = connect(emu)
    rule = hold_factor_calls(emu)
    closer = when_in_flight(emu, CONCURRENCY, conn.close)
    with pytest.raises(okta_dbapi.OperationalError, match="connection was closed"):
        conn.cursor().execute("SELECT count(*) FROM okta.users.factors")
    # execute returned while its calls were still held by the server: it did not wait for them.
    assert emu.concurrency.in_flight == CONCURRENCY and not rule.gate.is_set()
    closer.join()
    assert settled(emu, conn, rule) == CONCURRENCY  # the calls in flight, and not one more
    assert conn.closed


def test_cursor_close_from_another_thread_cancels_only_that_statement(emu: Emulator) -> None:
    conn = connect(emu)
    rule = hold_factor_calls(emu)
    cur = conn.cursor()
    closer = when_in_flight(emu, CONCURRENCY, cur.close)
    with pytest.raises(okta_dbapi.OperationalError, match="cursor was closed"):
        cur.execute("SELECT count(*) FROM okta.users.factors")
    assert emu.concurrency.in_flight == CONCURRENCY and not rule.gate.is_set()
    closer.join()
    assert settled(emu, conn, rule) == CONCURRENCY
    # The connection is still usable.
    users = conn.cursor().execute("SELECT count(*) FROM okta.users.users").fetchone()
    assert users == (len(emu.org.user_ids(include_deprovisioned=True)),)
    conn.close()


def test_ctrl_c_during_a_fan_out_returns_at_once_and_sends_nothing_more(emu: Emulator) -> None:
    conn = connect(emu)
    rule = hold_factor_calls(emu)
    main = threading.main_thread().ident
    assert main == threading.get_ident()
    interrupter = when_in_flight(emu, CONCURRENCY, lambda: signal.pthread_kill(main, signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        conn.cursor().execute("SELECT count(*) FROM okta.users.factors")
    assert emu.concurrency.in_flight == CONCURRENCY and not rule.gate.is_set()
    interrupter.join()
    assert settled(emu, conn, rule) == CONCURRENCY
    again = conn.cursor().execute("SELECT count(*) FROM okta.users.factors WHERE userId = ?", [emu.org.user_ids()[0]])
    assert again.fetchone() is not None
    conn.close()


@pytest.mark.parametrize("streamed", [True, False])
def test_ctrl_c_in_a_progress_callback_stops_the_fan_out(emu: Emulator, streamed: bool) -> None:
    """The interrupt lands outside the fan-out's own wait (here in the progress callback)."""
    conn = connect(emu)
    cur = conn.cursor()

    def progress(done: int, total: int | None) -> None:
        if done == 3:
            raise KeyboardInterrupt

    cur.progress = progress
    sql = "SELECT id FROM okta.users.factors" if streamed else "SELECT count(*) FROM okta.users.factors"
    with pytest.raises(KeyboardInterrupt):
        cur.execute(sql)
        cur.fetchall()
    sent = settled(emu, conn)
    # Those read, and at most the fan-out's read-ahead window (4 x concurrency) besides.
    assert 3 <= sent <= 3 + 4 * CONCURRENCY
    time.sleep(0.2)
    assert emu.log.count("GET", FACTORS) == sent  # nothing more goes out later
    assert len(emu.org.user_ids(include_deprovisioned=False)) > sent
    conn.close()
