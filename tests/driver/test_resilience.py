"""Reads survive what a real org and network do to them: 5xx, dropped connections, truncated
bodies and a binding rate limit. Real HTTP against the emulator; results must be complete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

FACTORS = r"/api/v1/users/[^/]+/factors"


def expected_count(emu: Emulator) -> int:
    return sum(len(emu.org.factors(u)) for u in emu.org.user_ids(include_deprovisioned=True))


@pytest.fixture
def faulty() -> Iterator[Emulator]:
    with Emulator(users=30, seed=3) as emu:
        yield emu


def connect(emu: Emulator, **options: object) -> okta_dbapi.Connection:
    conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, **options)
    conn.client.backoff_base = 0.01  # keep the retry waits short in tests
    return conn


def test_fan_out_retries_server_errors_and_stays_complete(faulty: Emulator) -> None:
    expected = expected_count(faulty)
    faulty.faults.error_rate = 0.2
    conn = connect(faulty)
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.factors")
    assert cur.fetchone() == (expected,)
    failed = [e for e in faulty.log.entries if e.status >= 500]
    assert failed, "the fault should have fired"
    listed = len(faulty.org.user_ids(include_deprovisioned=True))
    # Every failed GET was sent again, and nothing else was.
    assert faulty.log.count("GET", FACTORS) == listed + len([e for e in failed if "/factors" in e.path])


def test_connection_reset_mid_pagination_is_retried(faulty: Emulator) -> None:
    expected = expected_count(faulty)
    faulty.faults.reset_on_user_page = 2
    conn = connect(faulty, page_size=10)
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.factors")
    assert cur.fetchone() == (expected,)
    listed = len(faulty.org.user_ids(include_deprovisioned=True))
    assert faulty.log.count("GET", FACTORS) == listed


def test_truncated_body_is_retried_for_a_get(faulty: Emulator) -> None:
    uid = faulty.org.user_ids(include_deprovisioned=False)[0]
    calls = {"n": 0}

    def first_time_only(method: str, path: str) -> bool:
        if path.endswith("/factors") and calls["n"] == 0:
            calls["n"] += 1
            return True
        return False

    faulty.faults.truncate_body_on = first_time_only
    conn = connect(faulty)
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.factors WHERE userId = ?", [uid])
    assert cur.fetchone() == (len(faulty.org.factors(uid)),)
    assert faulty.log.count("GET", FACTORS) == 2


def test_binding_rate_limit_is_paced_without_429() -> None:
    with Emulator(users=30, seed=4, rate_limit=(12, 1)) as emu:
        expected = expected_count(emu)
        conn = connect(emu, concurrency=4)
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM okta.users.factors")
        assert cur.fetchone() == (expected,)
        assert [e for e in emu.log.entries if e.status == 429] == []


def test_exhausted_retries_are_an_operational_error_with_okta_details(faulty: Emulator) -> None:
    faulty.faults.error_rate = 1.0
    conn = connect(faulty, max_retries=1)
    with pytest.raises(okta_dbapi.OperationalError) as info:
        conn.cursor().execute("SELECT * FROM okta.users.users")
    assert info.value.status in (500, 503)
    assert info.value.error_code in ("E0000009", "E0000010")
    assert faulty.token not in str(info.value)
    assert faulty.log.count("GET", "/api/v1/users") == 2
