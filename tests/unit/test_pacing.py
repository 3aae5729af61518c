"""Pacing math (Bucket/Pacer with a fake clock) and a threaded fan-out against a budgeted server."""

from __future__ import annotations

import math
import threading
import time

import pytest
import requests
from fake_clock import FakeClock

from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.pacing import Bucket, Pacer, parse_rate_headers
from okta_dbapi.settings import Settings

MARGIN = 0.05


def hdrs(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
    }


def test_parse_rate_headers() -> None:
    assert parse_rate_headers(hdrs(600, 599, 1700000060)) == (600, 599, 1700000060.0)
    assert parse_rate_headers({}) == (None, None, None)
    assert parse_rate_headers(None) == (None, None, None)
    assert parse_rate_headers({"X-Rate-Limit-Remaining": "x", "X-Rate-Limit-Reset": "-5"}) == (None, None, None)


def test_first_request_is_a_lone_probe() -> None:
    b = Bucket(margin=MARGIN)
    assert b.admit(1000.0) == 0.0  # the probe
    assert b.admit(1000.0) is None  # others wait for its answer
    b.release(hdrs(100, 99, 1002))
    for _ in range(8):
        assert b.admit(1000.1) == 0.0
    assert b.in_flight == 8


def test_in_flight_requests_count_against_remaining() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(1000.0)
    b.release(hdrs(10, 3, 1002))
    assert b.admit(1000.0) == 0.0
    assert b.admit(1000.0) == 0.0
    assert b.admit(1000.0) == 0.0
    # remaining 3, three in flight: sleep until the reset plus the margin
    assert b.admit(1000.5) == pytest.approx(1002 + MARGIN - 1000.5)
    assert b.in_flight == 3


def test_lowest_remaining_of_the_window_wins() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(0)
    b.release(hdrs(10, 5, 1002))
    b.admit(0)
    b.admit(0)
    b.release(hdrs(10, 3, 1002))
    b.release(hdrs(10, 4, 1002))  # arrived late, counted earlier
    assert b.remaining == 3


def test_window_rollover_assumes_the_limit_and_ignores_stale_answers() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(1000.0)
    b.release(hdrs(10, 1, 1002))
    assert b.admit(1000.0) == 0.0  # the last slot; stays in flight across the boundary
    assert b.admit(1001.0) == pytest.approx(1.05)
    assert b.admit(1002.0) == pytest.approx(0.05)  # the margin
    assert b.admit(1002.05) == 0.0  # rolled over: limit 10 assumed, 1 still in flight
    assert b.reset is None and b.remaining == 10
    b.release(hdrs(10, 0, 1002))  # the old window's answer: ignored
    assert b.remaining == 10
    b.release(hdrs(10, 9, 1004))  # the new window's first answer
    assert (b.remaining, b.reset, b.in_flight) == (9, 1004, 0)


def test_after_rollover_budget_is_exact_again() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(0)
    b.release(hdrs(4, 0, 10))
    assert b.admit(5) == pytest.approx(5.05)
    got = [b.admit(10.05) for _ in range(5)]
    assert got[:4] == [0.0] * 4
    assert got[4] is None  # budget assumed spent, reset unknown: wait for an answer
    b.release(hdrs(4, 3, 12))
    assert b.available == 0  # 3 remaining, 3 in flight


def test_answers_without_headers_unpace_the_bucket() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(0)
    b.release({"Content-Type": "application/json"})
    assert b.unpaced
    assert all(b.admit(0) == 0.0 for _ in range(50))
    b.release(hdrs(100, 10, 60))  # headers appear: paced from now on
    assert not b.unpaced
    assert b.admit(0) is not None


def test_failed_probe_lets_the_next_caller_probe() -> None:
    b = Bucket(margin=MARGIN)
    assert b.admit(0) == 0.0
    assert b.admit(0) is None
    b.release(None)  # no answer (connection error)
    assert b.admit(0) == 0.0


def test_block_after_429() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(0)
    b.release(hdrs(100, 50, 60))
    b.block(61.0)
    assert b.admit(30) == pytest.approx(31.05)
    assert b.admit(61.05) == 0.0  # rolled over to the full limit


def test_pacer_sleeps_until_reset_with_fake_clock() -> None:
    clock = FakeClock(1000.0)
    pacer = Pacer(clock=clock, sleep=clock.sleep, margin=MARGIN)
    key = ("GET", "/api/v1/users/{userId}/factors")
    pacer.acquire(key)
    pacer.release(key, hdrs(2, 1, 1002))
    pacer.acquire(key)
    pacer.release(key, hdrs(2, 0, 1002))
    pacer.acquire(key)  # must wait for the window
    assert clock.sleeps == [pytest.approx(2.05)]
    assert clock.now == pytest.approx(1002.05)
    assert pacer.remaining(key) == 1  # limit 2 assumed, one in flight
    assert pacer.waited == pytest.approx(2.05)


def test_buckets_are_independent() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    a = ("GET", "/api/v1/users")
    b = ("GET", "/api/v1/users/{userId}/factors")
    pacer.acquire(a)
    pacer.release(a, hdrs(1, 0, 60))
    pacer.acquire(b)  # not delayed by a's exhausted budget
    assert clock.sleeps == []


def test_probe_waiters_are_woken_by_the_answer() -> None:
    pacer = Pacer(margin=MARGIN)
    key = ("GET", "/x")
    pacer.acquire(key)  # probe in flight
    admitted = threading.Event()

    def second() -> None:
        pacer.acquire(key)
        admitted.set()

    t = threading.Thread(target=second)
    t.start()
    assert not admitted.wait(0.1)
    pacer.release(key, hdrs(100, 99, time.time() + 60))
    assert admitted.wait(2.0)
    t.join()


# -- a threaded fan-out against a budgeted, epoch-windowed server ------------------------------


class WindowedServer:
    """A stand-in for ``requests.Session``: a budget per epoch-aligned window, counted on
    arrival, answered after ``latency``. (requests-mock serialises calls, so it cannot be used
    to measure concurrency.)"""

    def __init__(self, clock: ScaledClock, budget: int, window: float, latency: float) -> None:
        self.clock = clock
        self.budget = budget
        self.window = window
        self.latency = latency
        self.lock = threading.Lock()
        self.counts: dict[float, int] = {}
        self.too_many = 0
        self.served = 0
        self.active = 0
        self.max_active = 0

    def request(self, method: str, url: str, **kwargs: object) -> requests.Response:
        with self.lock:
            now = self.clock()
            start = math.floor(now / self.window) * self.window
            used = self.counts.get(start, 0)
            reset = start + self.window
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            if used >= self.budget:
                self.too_many += 1
                status, remaining = 429, 0
            else:
                used += 1
                self.counts[start] = used
                self.served += 1
                status, remaining = 200, self.budget - used
        self.clock.sleep(self.latency)
        with self.lock:
            self.active -= 1
        resp = requests.Response()
        resp.status_code = status
        resp.url = url
        resp.headers.update(hdrs(self.budget, remaining, int(reset)))
        resp.headers["Content-Type"] = "application/json"
        resp._content = b"[]" if status == 200 else b'{"errorCode": "E0000047"}'
        return resp

    def close(self) -> None:
        pass


class ScaledClock:
    """Simulated epoch seconds running ``speed`` times faster than real time."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.origin = time.time()
        self.base = 1_700_000_000.0

    def __call__(self) -> float:
        return self.base + (time.time() - self.origin) * self.speed

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


def test_fan_out_uses_each_window_fully_without_429() -> None:
    """500 calls, 100 per 2 s window, 25 ms latency, concurrency 8 (run 2x faster than real)."""
    clock = ScaledClock(speed=2.0)
    window, budget, latency, calls, concurrency = 2.0, 100, 0.025, 500, 8
    server = WindowedServer(clock, budget, window, latency)
    settings = Settings(
        org_url="http://127.0.0.1:8080",
        subdomain="127.0.0.1",
        token="token-for-pacing-test",
        concurrency=concurrency,
    )
    client = OktaClient(settings, session=server, clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    # start right at a window boundary, as the floor formula assumes
    now = clock()
    clock.sleep(math.ceil(now / window) * window - now + 0.001)
    started = clock()
    ids = (f"00u{i}" for i in range(calls))
    results = list(
        client.map_concurrent(lambda i: client.call("GET", "/api/v1/users/{userId}/factors", {"userId": i}), ids)
    )
    elapsed = clock() - started
    windows = math.ceil(calls / budget)
    last = calls - (windows - 1) * budget
    floor = (windows - 1) * window + last * latency / concurrency
    assert len(results) == calls
    assert server.too_many == 0
    assert client.request_count == calls
    assert concurrency // 2 <= server.max_active <= concurrency
    # A window left unused would cost +24 %; the slack above the floor is for a noisy machine
    # (the time-lapse magnifies thread-scheduling delays).
    assert floor * 0.95 <= elapsed <= floor * 1.15, (elapsed, floor)
