"""A 100 000-user org starts about as fast as a tiny one and serves pages quickly (ratios only)."""

from __future__ import annotations

import time

from emu_helpers import Api

from okta_dbapi.emulator import Emulator


def _startup(users: int) -> float:
    t = time.perf_counter()
    emu = Emulator(users=users, seed=1).start()
    elapsed = time.perf_counter() - t
    emu.stop()
    return elapsed


def test_100k_startup_and_page_ratio() -> None:
    small = min(_startup(10) for _ in range(3))
    big = min(_startup(100_000) for _ in range(3))
    # Lazy generation: start-up does not grow with the org (eager generation would take seconds).
    assert big < small * 20 + 0.5
    with Emulator(users=100_000, seed=1) as emu:
        api = Api(emu)
        first = api.get("/api/v1/users")  # warm-up
        t = time.perf_counter()
        page = api.s.get(first.links["next"]["url"])
        deep_page = time.perf_counter() - t
        assert page.status_code == 200 and len(page.json()) == 200
        t = time.perf_counter()
        api.get(f"/api/v1/users/{emu.org.user_ids(include_deprovisioned=True)[99_999]}")
        one_user = time.perf_counter() - t
        assert deep_page < one_user * 200  # a 200-user page costs at most ~200 single-user lookups
