"""Client-side pacing from Okta's rate-limit headers, so that fan-outs do not earn 429s, and so
that no header, however wrong, can make a request wait without bound.

Okta answers every request with ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and
``X-Rate-Limit-Reset`` (epoch seconds at which the window's budget is restored). Okta budgets
per *endpoint family* (:func:`family`): listing users, getting one user, the ``/api/v1/users*``
catch-all (every factor call), the system log. The :class:`Pacer` keeps one :class:`Bucket` per
family and, before each request, decides whether it may be sent now:

* **Unknown budget** (first request of a bucket): one request is sent as a probe; the others
  wait for its answer. A bucket whose answers carry no rate-limit headers is not paced.
* **Known budget**: a request may go while ``remaining - in_flight > 0``, where ``remaining`` is
  the lowest ``Remaining`` reported in the current window (answers can arrive out of order) and
  ``in_flight`` counts requests sent but not yet answered. When that is spent while requests are
  in flight, callers wait for their answers; when nothing is in flight and the budget is spent,
  callers sleep until ``Reset`` + ``margin``. A spent budget whose reset is unknown, with
  nothing in flight, sends one probe instead of waiting: nothing else could ever wake it.
* **Window rollover**: once ``Reset`` + ``margin`` has passed, the bucket assumes a full
  ``Limit`` (minus what is in flight) and forgets the old reset; the next answer with a later
  reset brings the real ``Remaining``. Answers still carrying the old window's reset are
  ignored for the budget.
* **Implausible values are not believed**: a ``Limit`` of 0, or a ``Reset`` further ahead than
  one window plus a margin (:data:`RESET_HORIZON`; e.g. a value in milliseconds), is treated as
  unknown on a success; on a 429 it is refused (:meth:`Pacer.release` says so, and the client
  raises an OperationalError quoting what Okta reported).
* **429**: :meth:`Pacer.release` classifies it (:class:`RateLimited`):

  - *per-resource* (``Remaining`` > 0: one SMS per phone every 30 s): not the org's budget;
  - *concurrent* (Okta's concurrent limit: the headers report the concurrent values, so
    ``Limit`` differs from the window's, or is 0): the window's budget is left alone, the
    org-wide number of requests in flight is halved, and it grows back by one per round of
    answers (AIMD); the request is retried after a short backoff (or ``Retry-After``);
  - *window*: the bucket is emptied until the 429's reset (or ``Retry-After``). While a
    bucket's window limit is still unknown, a first 429 cannot be told from a concurrent one:
    it is retried after the short backoff, once, before its reset is believed.

All state changes happen under one condition variable; every release notifies it, so waiters
wake as soon as an answer could let them go. Every wait is bounded (by the reset, by
:data:`RECHECK`, by ``max_wait`` and by the statement's deadline): there is no busy loop and no
wait for an event that cannot come. ``clock`` (epoch seconds) and ``sleep`` are injectable for
tests; with the default ``sleep`` a sleeper waits on the condition, so a cancellation wakes it.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from okta_dbapi.http.scope import Scope

DEFAULT_MARGIN = 0.05
#: Okta's rate-limit windows are one minute long.
WINDOW = 60.0
#: A reset further ahead than this (one window plus a generous margin for clock skew) is not believed.
RESET_HORIZON = WINDOW + 30.0
#: Epoch seconds stay below this until the year 5138; a larger Reset is in milliseconds.
_MILLISECONDS = 1e11
#: The longest wait for another thread's answer before looking again. Answers notify waiters, so
#: this is only a safety net (e.g. for a clock that jumps); it is not how waiters learn of answers.
RECHECK = 1.0
#: A concurrent 429's retry backoff when Okta gives no Retry-After: short, since the concurrent
#: limit frees up as soon as any request in flight is answered.
CONCURRENT_BACKOFF = 0.25


def parse_rate_headers(headers: Mapping[str, str] | None) -> tuple[int | None, int | None, float | None]:
    """``(limit, remaining, reset)`` from Okta's headers; ``None`` for a missing/garbled one."""
    if not headers:
        return None, None, None
    limit = _number(headers.get("X-Rate-Limit-Limit"))
    remaining = _number(headers.get("X-Rate-Limit-Remaining"))
    return (
        None if limit is None else int(limit),
        None if remaining is None else int(remaining),
        _number(headers.get("X-Rate-Limit-Reset")),
    )


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` (delta seconds or an HTTP date) as seconds from ``now``; None if absent or
    unreadable."""
    if not value:
        return None
    text = value.strip()
    seconds = _number(text)
    if seconds is None:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = max(0.0, when.timestamp() - now)
    return seconds


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except (ValueError, AttributeError):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def family(method: str, path_template: str) -> str:
    """The rate-limit bucket Okta counts a request in (its endpoint family).

    ``GET /api/v1/users`` (list users) and ``GET /api/v1/users/{id}`` (get a user) have their
    own budgets; everything else under ``/api/v1/users`` (all factor calls, any method) shares
    the ``/api/v1/users*`` catch-all; ``/api/v1/logs`` has its own. Other paths are their own
    bucket.
    """
    path = path_template.rstrip("/")
    if path == "/api/v1/users":
        return "/api/v1/users" if method == "GET" else "/api/v1/users*"
    if path.startswith("/api/v1/users/"):
        rest = path[len("/api/v1/users/") :]
        if method == "GET" and "/" not in rest:
            return "/api/v1/users/{id}"
        return "/api/v1/users*"
    if path == "/api/v1/logs" or path.startswith("/api/v1/logs/"):
        return "/api/v1/logs"
    return f"{method} {path_template}"


@dataclass(frozen=True)
class RateLimited:
    """What a 429 means (see the module docstring); ``until``: when to try again (epoch s)."""

    kind: Literal["resource", "concurrent", "unsure", "window", "implausible"]
    until: float
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    retry_after: float | None = None

    def reported(self) -> str:
        """What Okta said, for an error message."""
        values: list[tuple[str, float | None]] = [("X-Rate-Limit-Limit", self.limit)]
        values += [("X-Rate-Limit-Remaining", self.remaining), ("X-Rate-Limit-Reset", self.reset)]
        values.append(("Retry-After", self.retry_after))
        parts = [f"{name} {_plain(value)}" for name, value in values if value is not None]
        return ", ".join(parts) or "no rate-limit headers"


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value}"


def plausible_reset(reset: float | None, now: float) -> bool:
    """A reset the pacer may wait for: not in milliseconds, not beyond :data:`RESET_HORIZON`."""
    return reset is not None and reset < _MILLISECONDS and reset - now <= RESET_HORIZON


@dataclass
class Bucket:
    """The pacing state of one endpoint family. Not thread-safe by itself."""

    margin: float = DEFAULT_MARGIN
    limit: int | None = None
    remaining: int | None = None  # None: unknown (probe first)
    reset: float | None = None  # epoch seconds; None: unknown
    in_flight: int = 0
    unpaced: bool = False  # answers carry no rate-limit headers
    stale_before: float = field(default=float("-inf"))  # answers with reset <= this are old
    rollovers: int = 0
    doubted: bool = False  # a 429 of unknown kind was retried soon instead of believed

    def admit(self, now: float) -> float | None:
        """Take a slot and return 0.0, or return how long to sleep (seconds), or None to wait
        for an in-flight answer (only ever returned while something is in flight)."""
        if self.unpaced:
            self.in_flight += 1
            return 0.0
        if self.reset is not None and now >= self.reset + self.margin:
            self._roll_over()
        if self.remaining is None or (self.reset is None and self.remaining - self.in_flight <= 0):
            if self.in_flight == 0:  # a probe: nothing in flight could tell us the budget
                self.in_flight += 1
                return 0.0
            return None
        if self.remaining - self.in_flight > 0:
            self.in_flight += 1
            return 0.0
        assert self.reset is not None
        return self.reset + self.margin - now  # > 0: the rollover check above failed

    def _roll_over(self) -> None:
        assert self.reset is not None
        self.stale_before = self.reset
        self.rollovers += 1
        self.reset = None
        self.remaining = self.limit  # None when the limit was never reported: probe again

    def release(self, headers: Mapping[str, str] | None, now: float | None = None) -> None:
        """Give the slot back and learn from a non-429 answer's headers (None: no answer)."""
        self.in_flight = max(self.in_flight - 1, 0)
        if headers is None:
            return
        self.doubted = False
        limit, remaining, reset = parse_rate_headers(headers)
        if remaining is None or reset is None:
            if self.remaining is None and self.reset is None and limit is None:
                self.unpaced = True
            return
        self.unpaced = False
        if now is not None and not plausible_reset(reset, now):
            return  # a reset we would never wait for tells us nothing about this window
        if reset <= self.stale_before:
            return  # counted in a window that has already rolled over
        if limit is not None and limit > 0:
            self.limit = limit
        if self.reset is None or reset > self.reset:
            self.reset = reset
            self.remaining = remaining
        elif reset == self.reset:
            self.remaining = remaining if self.remaining is None else min(self.remaining, remaining)
        # an answer with an earlier (but not stale) reset is out of order: ignore it

    def block(self, until: float) -> None:
        """Spend the whole budget until ``until`` (a window 429: Okta's word is the latest)."""
        self.unpaced = False
        self.remaining = 0
        self.reset = until

    def classify(self, headers: Mapping[str, str] | None, now: float) -> RateLimited:
        """What a 429 answer means for this bucket (see the module docstring)."""
        limit, remaining, reset = parse_rate_headers(headers)
        retry_after = parse_retry_after((headers or {}).get("Retry-After"), now)

        def verdict(
            kind: Literal["resource", "concurrent", "unsure", "window", "implausible"], until: float
        ) -> RateLimited:
            return RateLimited(kind, until, limit, remaining, reset, retry_after)

        if remaining is not None and remaining > 0:
            return verdict("resource", now)
        if retry_after is not None:
            if retry_after > RESET_HORIZON:
                return verdict("implausible", now)
            concurrent = limit == 0 or (limit is not None and self.limit is not None and limit != self.limit)
            return verdict("concurrent" if concurrent else "window", now + retry_after)
        if limit == 0 or (limit is not None and self.limit is not None and limit != self.limit):
            return verdict("concurrent", now + CONCURRENT_BACKOFF)
        if self.limit is None and not self.doubted:
            # The window's limit is unknown, so a concurrent 429 (whose Reset is only an
            # estimate, up to a minute away) cannot be told from a window one: try again soon,
            # once, before believing the reset.
            self.doubted = True
            return verdict("unsure", now + CONCURRENT_BACKOFF)
        if reset is None or reset <= now:
            return verdict("window", now)  # unknown or past (clock skew): the caller backs off
        if not plausible_reset(reset, now):
            return verdict("implausible", now)
        return verdict("window", reset)

    @property
    def available(self) -> int | None:
        if self.unpaced:
            return None
        if self.remaining is None:
            return None
        return self.remaining - self.in_flight


class Pacer:
    """Thread-safe pacing of requests over many buckets, and the org-wide concurrency that Okta's
    concurrent limit allows. See the module docstring."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        margin: float = DEFAULT_MARGIN,
        max_wait: float = RESET_HORIZON + 1.0,
        concurrency: int = 256,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.margin = margin
        self.max_wait = max_wait
        self.concurrency = max(1, concurrency)
        self.recheck = RECHECK
        self._buckets: dict[Hashable, Bucket] = {}
        self._cond = threading.Condition(threading.Lock())
        self._in_flight = 0  # over all buckets: what Okta's concurrent limit counts
        #: the AIMD limit on requests in flight; lowered by concurrent 429s, grows back by one per round
        self.cap: float = float(self.concurrency)
        #: seconds spent sleeping for budget, summed over threads (for EXPLAIN/benchmarks)
        self.waited = 0.0
        #: concurrent-limit 429s seen
        self.concurrent_429s = 0

    def bucket(self, key: Hashable) -> Bucket:
        with self._cond:
            return self._bucket(key)

    def _bucket(self, key: Hashable) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(margin=self.margin)
        return bucket

    def acquire(self, key: Hashable, scope: Scope | None = None) -> None:
        """Block until a request for ``key`` may be sent, then count it as in flight.

        Raises what ``scope.check()`` raises once the statement is cancelled or past its deadline.
        """
        cond = self._cond
        with cond:
            bucket = self._bucket(key)
            while True:
                if scope is not None:
                    scope.check()
                delay = self._decide(bucket)
                if delay == 0.0:
                    return
                if delay is None or (bucket.in_flight > 0 and self.sleep is not None):
                    # An answer frees a slot, tells us the budget, or brings the next window
                    # early, and notifies: wait for one rather than sleep through it.
                    cond.wait(self._bound(min(delay or self.recheck, self.recheck), scope))
                    continue
                delay = self._bound(delay, scope)
                started = self.clock()
                if self.sleep is None:
                    cond.wait(delay)  # a release, a 429 or a cancellation wakes it early
                else:
                    cond.release()
                    try:
                        self.sleep(delay)
                    finally:
                        cond.acquire()
                self.waited += max(0.0, self.clock() - started)

    def try_acquire(self, key: Hashable) -> float | None:
        """One admission decision without waiting: 0.0 (sent: counted in flight), a delay in
        seconds to sleep before asking again, or None: wait for an answer to a request in flight
        (only ever None while one is)."""
        with self._cond:
            return self._decide(self._bucket(key))

    def _decide(self, bucket: Bucket) -> float | None:
        if self._in_flight >= max(1, int(self.cap)):
            return None  # Okta's concurrent limit (as learnt): an answer frees a slot
        rollovers = bucket.rollovers
        delay = bucket.admit(self.clock())
        if delay == 0.0:
            self._in_flight += 1
            if bucket.rollovers != rollovers:
                self._cond.notify_all()  # a new window: waiters may go too
        return delay

    def _bound(self, delay: float, scope: Scope | None) -> float:
        delay = min(delay, self.max_wait)
        if scope is not None:
            left = scope.remaining()
            if left is not None:
                delay = min(delay, max(left, 0.0) + 0.001)
        return max(delay, 0.001)

    def release(
        self, key: Hashable, headers: Mapping[str, str] | None, status: int | None = None
    ) -> RateLimited | None:
        """The request for ``key`` is over: ``headers`` and ``status`` of its answer, or None if
        none came. For a 429, returns what it means (and has already acted on it)."""
        with self._cond:
            bucket = self._bucket(key)
            in_flight = self._in_flight
            self._in_flight = max(0, self._in_flight - 1)
            verdict = None
            if status == 429:
                bucket.in_flight = max(bucket.in_flight - 1, 0)
                verdict = bucket.classify(headers, self.clock())
                if verdict.kind == "concurrent":
                    self.concurrent_429s += 1
                    self.cap = float(max(1, min(in_flight, int(self.cap)) // 2))
                elif verdict.kind == "window" and verdict.until > self.clock():
                    bucket.block(verdict.until)
            else:
                bucket.release(headers, self.clock())
                if headers is not None and self.cap < self.concurrency:
                    self.cap = min(float(self.concurrency), self.cap + 1.0 / max(self.cap, 1.0))
            self._cond.notify_all()
            return verdict

    def block(self, key: Hashable, until: float) -> None:
        with self._cond:
            self._bucket(key).block(until)
            self._cond.notify_all()

    def wake(self) -> None:
        """Wake every waiter so that it looks again (e.g. its statement was cancelled)."""
        with self._cond:
            self._cond.notify_all()

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def limit(self, key: Hashable) -> int | None:
        """The budget per window Okta last announced for ``key`` (X-Rate-Limit-Limit), if any."""
        with self._cond:
            bucket = self._buckets.get(key)
            return bucket.limit if bucket else None

    def remaining(self, key: Hashable) -> int | None:
        """What the bucket believes it may still send in this window (None: unknown/unpaced)."""
        with self._cond:
            bucket = self._buckets.get(key)
            return bucket.available if bucket else None


__all__ = [
    "DEFAULT_MARGIN",
    "RESET_HORIZON",
    "Bucket",
    "Pacer",
    "RateLimited",
    "family",
    "parse_rate_headers",
    "parse_retry_after",
    "plausible_reset",
]
