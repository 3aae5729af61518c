"""What the client does with each kind of 429 and with headers it should not believe (requests-mock
and a fake clock: one call, or a short sequence, is the point of each test)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests_mock
from fake_clock import FakeClock

from okta_dbapi.exceptions import OperationalError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.pacing import CONCURRENT_BACKOFF, Pacer, family
from okta_dbapi.http.scope import Scope
from okta_dbapi.settings import Settings

ORG = "https://my-org.okta.com"
FACTORS = "/api/v1/users/{userId}/factors"
BUSY = {"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}


def make_client(clock: FakeClock, **options: Any) -> OktaClient:
    settings = Settings.resolve(org_url=ORG, token="00SecretToken_for_rate_limit_tests", **options)
    return OktaClient(settings, clock=clock, sleep=clock.sleep)


def rate(limit: Any, remaining: Any, reset: Any) -> dict[str, str]:
    names = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")
    return dict(zip(names, map(str, (limit, remaining, reset)), strict=True))


def test_families_are_oktas_buckets() -> None:
    assert family("GET", "/api/v1/users") == "/api/v1/users"
    assert family("GET", "/api/v1/users/{id}") == "/api/v1/users/{id}"
    assert family("GET", FACTORS) == family("DELETE", FACTORS + "/{factorId}") == "/api/v1/users*"
    assert family("GET", FACTORS + "/catalog") == "/api/v1/users*"
    assert family("GET", "/api/v1/logs") == "/api/v1/logs"


def test_a_concurrent_429_keeps_the_window_budget_and_lowers_concurrency(
    mock: requests_mock.Mocker, clock: FakeClock
) -> None:
    client = make_client(clock, concurrency=8)
    reset = int(clock.now) + 60
    mock.get(
        requests_mock.ANY,
        [
            {"json": [], "headers": rate(600, 500, reset)},
            # Okta's concurrent limit: the headers report the concurrent values (Reset an estimate).
            {"status_code": 429, "json": BUSY, "headers": rate(75, 0, reset)},
            {"json": [], "headers": rate(600, 499, reset)},
        ],
    )
    client.call("GET", FACTORS, {"userId": "a"})
    client.call("GET", FACTORS, {"userId": "b"})
    bucket = client.pacer.bucket("/api/v1/users*")
    assert (bucket.limit, bucket.remaining, bucket.reset) == (600, 499, reset)  # not 75 / 0
    assert clock.sleeps == [CONCURRENT_BACKOFF]  # not the minute to the estimated reset
    assert client.pacer.concurrent_429s == 1
    assert client.pacer.cap < 8


def test_concurrency_shrinks_by_half_and_grows_back_by_one_per_round() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep, concurrency=8)
    reset = int(clock.now) + 60
    assert pacer.try_acquire("k") == 0.0
    pacer.release("k", rate(600, 590, reset), 200)
    for _ in range(8):
        assert pacer.try_acquire("k") == 0.0
    assert pacer.try_acquire("k") is None  # 8 in flight: the cap
    pacer.release("k", rate(20, 0, reset), 429)  # a concurrent 429 with 8 in flight
    assert pacer.cap == 4
    assert pacer.try_acquire("k") is None  # 7 in flight, cap 4
    for _ in range(7):
        pacer.release("k", rate(600, 580, reset), 200)
    assert 4 < pacer.cap < 6  # additive increase: about one per round of answers
    for _ in range(200):
        assert pacer.try_acquire("k") == 0.0
        pacer.release("k", rate(600, 580, reset), 200)
    assert pacer.cap == 8  # never above the configured concurrency


def test_limit_zero_429s_do_not_hang_a_query(mock: requests_mock.Mocker, clock: FakeClock) -> None:
    """Issue 10, case 1: Limit 0 on requests 1 and 3 of a 2-user query."""
    client = make_client(clock)
    reset = int(clock.now) + 60
    mock.get(
        requests_mock.ANY,
        [
            {"status_code": 429, "json": BUSY, "headers": rate(0, 0, reset)},
            {"json": [], "headers": rate(600, 599, reset)},
            {"status_code": 429, "json": BUSY, "headers": rate(0, 0, reset)},
            {"json": [], "headers": rate(600, 598, reset)},
        ],
    )
    client.call("GET", FACTORS, {"userId": "a"})
    client.call("GET", FACTORS, {"userId": "b"})
    assert client.request_count == 4
    assert sum(clock.sleeps) < 1


def test_a_429_whose_reset_is_sooner_than_the_known_window_waits_for_it(
    mock: requests_mock.Mocker, clock: FakeClock
) -> None:
    client = make_client(clock)
    mock.get(
        requests_mock.ANY,
        [
            {"json": [], "headers": rate(600, 1, int(clock.now) + 60)},
            {"status_code": 429, "json": BUSY, "headers": rate(600, 0, int(clock.now) + 1)},
            {"json": [], "headers": rate(600, 599, int(clock.now) + 61)},
        ],
    )
    client.call("GET", FACTORS, {"userId": "a"})
    client.call("GET", FACTORS, {"userId": "b"})
    assert clock.sleeps == [pytest.approx(1.05)]  # not the 60 s of the old window


@pytest.mark.parametrize(("retry_after", "wait"), [("3", 3.0), ("0", 0.0)])
def test_retry_after_on_a_429_is_honoured(
    mock: requests_mock.Mocker, clock: FakeClock, retry_after: str, wait: float
) -> None:
    client = make_client(clock)
    headers = {**rate(600, 0, int(clock.now) + 50), "Retry-After": retry_after}
    mock.get(requests_mock.ANY, [{"status_code": 429, "json": BUSY, "headers": headers}, {"json": []}])
    client.call("GET", FACTORS, {"userId": "a"})
    assert sum(clock.sleeps) <= wait + 1.1  # Retry-After, not the 50 s to the reset
    assert client.request_count == 2


@pytest.mark.parametrize(
    ("reset", "says"),
    [
        (lambda now: int(now * 1000) + 30_000, "milliseconds"),
        (lambda now: int(now) + 86_400, "86,400 s away"),
    ],
)
def test_an_implausible_reset_is_refused_with_what_okta_said(
    mock: requests_mock.Mocker, clock: FakeClock, reset: Any, says: str
) -> None:
    client = make_client(clock)
    value = reset(clock.now)
    known = {"json": [], "headers": rate(600, 10, int(clock.now) + 30)}
    mock.get(requests_mock.ANY, [known, {"status_code": 429, "json": BUSY, "headers": rate(600, 0, value)}])
    client.call("GET", FACTORS, {"userId": "a"})
    with pytest.raises(OperationalError, match=says) as info:
        client.call("GET", FACTORS, {"userId": "a"})
    assert f"X-Rate-Limit-Reset {value}" in str(info.value)
    assert info.value.status == 429 and info.value.error_code == "E0000047"
    assert clock.sleeps == [] and client.request_count == 2


def test_an_implausible_retry_after_is_refused(mock: requests_mock.Mocker, clock: FakeClock) -> None:
    client = make_client(clock)
    headers = {**rate(600, 0, int(clock.now) + 30), "Retry-After": "7200"}
    mock.get(requests_mock.ANY, status_code=429, json=BUSY, headers=headers)
    with pytest.raises(OperationalError, match="Retry-After 7200"):  # believed at once: Okta said so
        client.call("GET", FACTORS, {"userId": "a"})
    assert clock.sleeps == []


def test_a_success_with_an_implausible_reset_is_not_waited_for(mock: requests_mock.Mocker, clock: FakeClock) -> None:
    client = make_client(clock)
    mock.get(requests_mock.ANY, json=[], headers=rate(600, 0, int(clock.now * 1000)))
    for user in "abc":
        client.call("GET", FACTORS, {"userId": user})
    assert clock.sleeps == []


def test_the_statement_deadline_bounds_a_rate_limit_wait(mock: requests_mock.Mocker, clock: FakeClock) -> None:
    client = make_client(clock)
    known = {"json": [], "headers": rate(600, 10, int(clock.now) + 30)}
    busy = {"status_code": 429, "json": BUSY, "headers": rate(600, 0, int(clock.now) + 40)}
    mock.get(requests_mock.ANY, [known, busy])
    client.call("GET", FACTORS, {"userId": "a"})
    scope = client.scope(timeout=5)
    with pytest.raises(OperationalError, match="statement_timeout=5 s"):
        client.call("GET", FACTORS, {"userId": "a"}, scope=scope)
    assert sum(clock.sleeps) <= 5.01
    assert client.request_count == 2


def test_statement_timeout_is_a_setting() -> None:
    settings = Settings.resolve(org_url=ORG, token="t0k3n-for-settings", statement_timeout="2.5")
    assert settings.statement_timeout == 2.5
    assert Settings.resolve(org_url=ORG, token="t0k3n-for-settings", statement_timeout="0").statement_timeout is None
    assert Settings.resolve(org_url=ORG, token="t0k3n-for-settings").statement_timeout is None
    with pytest.raises(Exception, match="statement_timeout"):
        Settings.resolve(org_url=ORG, token="t0k3n-for-settings", statement_timeout="-1")


# -- waiters are woken by notify, not found by polling ----------------------------------------------


def test_an_answer_wakes_a_waiter_at_once() -> None:
    pacer = Pacer()
    pacer.recheck = 3600.0  # were waiters only re-checking periodically, this test would hang
    pacer.acquire("k")  # the probe
    admitted = threading.Event()
    thread = threading.Thread(target=lambda: (pacer.acquire("k"), admitted.set()), daemon=True)
    thread.start()
    assert not admitted.wait(0.05)
    import time

    pacer.release("k", rate(600, 599, int(time.time()) + 60), 200)
    assert admitted.wait(30)


def test_a_cancellation_wakes_a_sleeper_at_once() -> None:
    pacer = Pacer()
    import time

    pacer.acquire("k")
    pacer.release("k", rate(600, 0, int(time.time()) + 80), 200)  # spent until the reset
    scope = Scope()
    scope.on_cancel(pacer.wake)
    failed: list[BaseException] = []

    def waiter() -> None:
        try:
            pacer.acquire("k", scope)
        except OperationalError as e:
            failed.append(e)

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    scope.cancel("cancelled by the test")
    thread.join(30)
    assert not thread.is_alive()
    assert failed and "cancelled by the test" in str(failed[0])
