"""Pacing behaviours whose bugs are silent (issue 15): who is notified, how long a single wait may
be, what is counted in flight, how each 429 is read. Deterministic: a fake clock and a condition
that records its waits (never elapsed time), so a mutant that would hang fails here first
(``scripts/mutation.sh`` runs this file before the threaded ones)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fake_clock import FakeClock

from okta_dbapi.http.pacing import DEFAULT_MARGIN, Bucket, Pacer, parse_rate_headers

MARGIN = 0.05


def hdrs(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
    }


class RecordingCondition:
    """A stand-in for the pacer's condition: records every wait and notify, never blocks (a wait
    times out at once, moving ``clock`` on by its timeout)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.waits: list[float | None] = []
        self.notified = 0

    def __enter__(self) -> bool:
        return self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def acquire(self) -> bool:
        return self.lock.acquire()

    def release(self) -> None:
        self.lock.release()

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if self.clock is not None and timeout is not None:
            self.clock.now += timeout
        if len(self.waits) > 50:
            raise AssertionError("waited 50 times")
        return False

    def notify_all(self) -> None:
        self.notified += 1


def recording_pacer(clock: FakeClock, **options: Any) -> tuple[Pacer, RecordingCondition]:
    pacer = Pacer(clock=clock, **({"sleep": clock.sleep} | options))
    cond = RecordingCondition(clock if pacer.sleep is None else None)
    pacer._cond = cond  # type: ignore[assignment]
    return pacer, cond


def test_every_answer_429_and_block_notifies_waiters() -> None:
    """Waiters learn of answers by notify, not by re-checking: each state change notifies."""
    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock)
    pacer.acquire("k")
    assert cond.notified == 0
    pacer.release("k", hdrs(10, 9, 1060), 200)
    assert cond.notified == 1
    pacer.release("k", None)  # no answer at all (a connection error) frees the slot too
    assert cond.notified == 2
    pacer.release("k", hdrs(10, 0, 1060), 429)
    assert cond.notified == 3
    pacer.block("k", 1070.0)
    assert cond.notified == 4
    pacer.wake()
    assert cond.notified == 5


def test_a_new_window_notifies_the_waiters_it_lets_go() -> None:
    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock)
    pacer.acquire("k")
    pacer.release("k", hdrs(2, 0, 1002), 200)
    notified = cond.notified
    assert pacer.try_acquire("k") == pytest.approx(2.05)  # spent: no admission, no notify
    assert cond.notified == notified
    clock.now = 1002.05
    assert pacer.try_acquire("k") == 0.0  # rolled over: a full window, others may go too
    assert cond.notified == notified + 1
    assert pacer.try_acquire("k") == 0.0  # same window: nothing new to tell
    assert cond.notified == notified + 1


def test_a_waiter_for_an_answer_waits_at_most_recheck() -> None:
    """With a probe in flight the next caller waits on the condition (bounded by ``recheck``),
    never sleeps; its statement's deadline bounds the wait further."""
    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock)
    pacer.recheck = 7.0
    pacer.acquire("k")  # the probe, in flight
    with pytest.raises(AssertionError, match="waited 50 times"):
        pacer.acquire("k")
    assert cond.waits and set(cond.waits) == {7.0}
    assert clock.sleeps == []


def test_with_nothing_in_flight_a_spent_window_is_slept_through() -> None:
    """Nothing in flight could wake a waiter early: the pacer sleeps (through ``sleep``), and a
    short sleep is counted as what it was."""
    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock, margin=MARGIN)
    pacer.acquire("k")
    pacer.release("k", hdrs(5, 0, 1000.45), 200)
    pacer.acquire("k")
    assert cond.waits == []
    assert clock.sleeps == [pytest.approx(0.5)]
    assert pacer.waited == pytest.approx(0.5)


def test_a_single_sleep_is_capped_by_max_wait() -> None:
    clock = FakeClock(1000.0)
    pacer, _ = recording_pacer(clock, margin=MARGIN, max_wait=4.0)
    pacer.acquire("k")
    pacer.release("k", hdrs(5, 0, 1010), 200)
    pacer.acquire("k")  # spent until 1010.05: slept in steps of at most max_wait
    assert clock.sleeps == [4.0, 4.0, pytest.approx(2.05)]
    assert pacer.waited == pytest.approx(10.05)
    assert clock.now == pytest.approx(1010.05)


def test_the_default_cap_is_one_window_and_a_bit() -> None:
    clock = FakeClock(1000.0)
    pacer, _ = recording_pacer(clock, margin=MARGIN)
    pacer.acquire("k")
    pacer.release("k", hdrs(5, 0, 1085), 200)  # plausible (within the horizon), 85 s away
    pacer.acquire("k")
    assert clock.sleeps == [pytest.approx(85.05)]
    short = Pacer(clock=clock, margin=MARGIN)
    assert short.max_wait == pytest.approx(91.0)


def test_an_unpaced_bucket_counts_what_is_in_flight_when_headers_appear() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(0)
    b.release({"Content-Type": "application/json"})  # no rate-limit headers: unpaced
    assert b.unpaced and b.in_flight == 0
    for _ in range(3):
        assert b.admit(0) == 0.0
    assert b.in_flight == 3  # counted even while unpaced
    assert b.available is None
    b.release(hdrs(10, 5, 60))  # headers appear: 5 left, 2 still in flight
    assert not b.unpaced
    assert b.in_flight == 2
    assert b.available == 3
    assert [b.admit(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.admit(1) == pytest.approx(60 + MARGIN - 1)


def test_an_unpaced_pacer_counts_requests_in_flight() -> None:
    clock = FakeClock(0.0)
    pacer, _ = recording_pacer(clock)
    pacer.acquire("k")
    pacer.release("k", {"Content-Type": "application/json"}, 200)
    for _ in range(3):
        pacer.acquire("k")
    assert pacer.in_flight == 3
    assert pacer.remaining("k") is None
    pacer.release("k", hdrs(10, 5, 60), 200)
    assert pacer.in_flight == 2
    assert pacer.remaining("k") == 3
    assert pacer.remaining("other") is None


def test_retry_after_as_seconds_or_an_http_date() -> None:
    from okta_dbapi.http.pacing import parse_retry_after

    now = 1_700_000_000.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    date = "Tue, 14 Nov 2023 22:13:50 GMT"  # now + 30 s
    assert parse_retry_after(date, now) == pytest.approx(30.0)
    assert parse_retry_after(date, now + 40) == 0.0  # in the past: go now
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after(None, now) is None


def test_what_a_429_reported_is_quoted_header_by_header() -> None:
    import dataclasses

    from okta_dbapi.http.pacing import RateLimited

    verdict = RateLimited("window", 10.0, limit=600, remaining=0, reset=1_700_000_060.0, retry_after=2.5)
    assert verdict.reported() == (
        "X-Rate-Limit-Limit 600, X-Rate-Limit-Remaining 0, X-Rate-Limit-Reset 1700000060, Retry-After 2.5"
    )
    assert RateLimited("resource", 0.0, remaining=3).reported() == "X-Rate-Limit-Remaining 3"
    assert RateLimited("window", 0.0).reported() == "no rate-limit headers"
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.until = 0.0  # type: ignore[misc]


def test_a_success_lets_the_next_unknown_429_be_doubted_again() -> None:
    """While the window's limit is unknown, the first 429 of a run is retried soon (it may be the
    concurrent limit); a success in between starts a new run."""
    now = 1000.0
    no_limit = {"X-Rate-Limit-Remaining": "5", "X-Rate-Limit-Reset": "1030"}
    spent = {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "1030"}
    b = Bucket(margin=MARGIN)
    assert b.classify(spent, now).kind == "unsure"
    assert b.classify(spent, now).kind == "window"  # the second in a row is believed
    b.release(no_limit, now)  # a success without a Limit: the limit stays unknown
    assert b.limit is None
    assert b.classify(spent, now).kind == "unsure"
    assert b.classify(spent, now).until == 1030.0


def test_a_limit_of_zero_on_a_success_is_not_believed() -> None:
    b = Bucket(margin=MARGIN)
    b.admit(1000.0)
    b.release(hdrs(0, 5, 1030), 1000.0)
    assert (b.limit, b.remaining, b.reset) == (None, 5, 1030)
    # so a later window 429 is doubted (limit unknown), not taken for a concurrent one (limit differs)
    assert b.classify(hdrs(600, 0, 1030), 1000.0).kind == "unsure"


@pytest.mark.parametrize(("limit", "kind"), [(0, "concurrent"), (600, "window"), (75, "concurrent")])
def test_a_retry_after_429_is_concurrent_when_its_limit_is_not_the_windows(limit: int, kind: str) -> None:
    b = Bucket(margin=MARGIN)
    b.admit(1000.0)
    b.release(hdrs(600, 500, 1030), 1000.0)
    verdict = b.classify({**hdrs(limit, 0, 1030), "Retry-After": "3"}, 1000.0)
    assert (verdict.kind, verdict.until, verdict.retry_after) == (kind, 1003.0, 3.0)


def test_families_of_every_other_path() -> None:
    from okta_dbapi.http.pacing import family

    assert family("GET", "/api/v1/users/") == "/api/v1/users"
    assert family("POST", "/api/v1/users") == "/api/v1/users*"
    assert family("DELETE", "/api/v1/users/{id}") == "/api/v1/users*"
    assert family("GET", "/api/v1/logs/") == family("GET", "/api/v1/logs/x") == "/api/v1/logs"
    assert family("GET", "/api/v1/logsx") == "GET /api/v1/logsx"
    assert family("GET", "/api/v1/groups") == "GET /api/v1/groups"


def test_plausible_resets() -> None:
    from okta_dbapi.http.pacing import RESET_HORIZON, plausible_reset

    now = 1_700_000_000.0
    assert plausible_reset(now + RESET_HORIZON, now)
    assert not plausible_reset(now + RESET_HORIZON + 0.5, now)
    assert plausible_reset(now - 5, now)  # past: plausible, the caller backs off
    assert not plausible_reset(None, now)
    assert not plausible_reset(now * 1000, now)  # milliseconds
    assert parse_rate_headers(hdrs(10, 0, 0)) == (10, 0, 0.0)
    assert parse_rate_headers({**hdrs(10, 1, 5), "X-Rate-Limit-Limit": "inf"}) == (None, 1, 5.0)


def test_without_a_sleep_function_the_pacer_waits_on_its_condition() -> None:
    """The default: a sleeper waits on the condition (so a cancellation or an answer wakes it),
    each wait capped by max_wait, and what it waited is counted."""
    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock, sleep=None, max_wait=4.0, margin=MARGIN)
    pacer.acquire("k")
    pacer.release("k", hdrs(5, 0, 1010), 200)
    pacer.acquire("k")
    assert cond.waits == [4.0, 4.0, pytest.approx(2.05)]
    assert pacer.waited == pytest.approx(10.05)
    assert pacer.in_flight == 1


def test_a_statement_deadline_bounds_each_wait_and_ends_it() -> None:
    """A deadline 3 s away: the wait for a spent window (10 s) is cut to the deadline (plus a
    millisecond, so that the check after it sees the deadline passed), then the statement ends."""
    from okta_dbapi.exceptions import OperationalError
    from okta_dbapi.http.scope import Scope

    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock, sleep=None, margin=MARGIN)
    pacer.acquire("k")
    pacer.release("k", hdrs(5, 0, 1010), 200)
    scope = Scope(clock=clock, timeout=3.0)
    with pytest.raises(OperationalError, match="statement_timeout=3 s"):
        pacer.acquire("k", scope)
    assert cond.waits == [pytest.approx(3.001)]
    assert pacer.in_flight == 0


def test_a_cancelled_statement_sends_nothing() -> None:
    from okta_dbapi.exceptions import OperationalError
    from okta_dbapi.http.scope import Scope

    clock = FakeClock(1000.0)
    pacer, cond = recording_pacer(clock)
    scope = Scope(clock=clock)
    scope.cancel("cancelled by the test")
    with pytest.raises(OperationalError, match="cancelled by the test"):
        pacer.acquire("k", scope)  # even a first probe, which could go at once
    assert pacer.in_flight == 0
    assert cond.waits == []


def test_only_a_window_429_empties_the_bucket() -> None:
    clock = FakeClock(1000.0)
    pacer, _ = recording_pacer(clock, concurrency=8)
    pacer.acquire("k")
    verdict = pacer.release("k", hdrs(600, 0, 1030), 429)  # limit unknown: doubted, retried soon
    assert verdict is not None and verdict.kind == "unsure"
    assert pacer.bucket("k").remaining is None  # not emptied
    pacer.acquire("k")
    pacer.release("k", hdrs(600, 590, 1030), 200)
    pacer.acquire("k")
    verdict = pacer.release("k", hdrs(20, 0, 1030), 429)  # the concurrent limit
    assert verdict is not None and verdict.kind == "concurrent"
    bucket = pacer.bucket("k")
    assert (bucket.remaining, bucket.reset) == (590, 1030)  # the window's budget is untouched
    pacer.acquire("k")
    verdict = pacer.release("k", hdrs(600, 0, 1030), 429)  # the window's own
    assert verdict is not None and (verdict.kind, verdict.until) == ("window", 1030)
    assert (bucket.remaining, bucket.reset) == (0, 1030)
    pacer.acquire("k")  # sleeps until the reset
    assert clock.sleeps[-1] == pytest.approx(30 + DEFAULT_MARGIN)


def test_a_window_429_with_a_past_reset_does_not_block() -> None:
    clock = FakeClock(1000.0)
    pacer, _ = recording_pacer(clock)
    pacer.acquire("k")
    pacer.release("k", hdrs(600, 590, 1030), 200)
    pacer.acquire("k")
    verdict = pacer.release("k", hdrs(600, 0, 990), 429)  # clock skew: the caller backs off
    assert verdict is not None and (verdict.kind, verdict.until) == ("window", 1000.0)
    assert pacer.bucket("k").remaining == 590


def test_a_retry_after_429_with_limit_zero_is_concurrent_before_any_window_is_known() -> None:
    b = Bucket(margin=MARGIN)
    verdict = b.classify({**hdrs(0, 0, 1030), "Retry-After": "2"}, 1000.0)
    assert (verdict.kind, verdict.until) == ("concurrent", 1002.0)
    verdict = b.classify({**hdrs(600, 0, 1030), "Retry-After": "2"}, 1000.0)
    assert (verdict.kind, verdict.until) == ("window", 1002.0)


@pytest.mark.parametrize("headers", [hdrs(600, 0, 1030), hdrs(20, 0, 1030), hdrs(600, 3, 1030), {}])
def test_a_429_gives_its_slot_back(headers: dict[str, str]) -> None:
    clock = FakeClock(1000.0)
    pacer, _ = recording_pacer(clock, concurrency=8)
    pacer.acquire("k")
    pacer.release("k", hdrs(600, 590, 1030), 200)
    pacer.acquire("k")
    pacer.acquire("k")
    assert (pacer.in_flight, pacer.bucket("k").in_flight) == (2, 2)
    pacer.release("k", headers, 429)
    assert (pacer.in_flight, pacer.bucket("k").in_flight) == (1, 1)
    pacer.release("k", headers, 429)
    assert (pacer.in_flight, pacer.bucket("k").in_flight) == (0, 0)
