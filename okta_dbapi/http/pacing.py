"""Client-side pacing from Okta's rate-limit headers, so that fan-outs do not earn 429s.

Okta answers every request with ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and
``X-Rate-Limit-Reset`` (epoch seconds at which the window's budget is restored). The
:class:`Pacer` keeps one :class:`Bucket` per ``(method, path_template)`` and, before each request,
decides whether it may be sent now:

* **Unknown budget** (first request of a bucket): one request is sent as a probe; the others
  wait for its answer. A bucket whose answers carry no rate-limit headers is not paced.
* **Known budget**: a request may go while ``remaining - in_flight > 0``, where ``remaining`` is
  the lowest ``Remaining`` reported in the current window (answers can arrive out of order) and
  ``in_flight`` counts requests sent but not yet answered (they may not be counted in
  ``remaining`` yet). When that is spent while requests are in flight, callers wait for their
  answers (an answer from a request Okta had already counted frees a slot); when nothing is
  in flight and the budget is spent, callers sleep until ``Reset`` + ``margin``.
* **Window rollover**: once ``Reset`` + ``margin`` has passed, the bucket assumes a full
  ``Limit`` (minus what is in flight) and forgets the old reset; the next answer with a later
  reset brings the real ``Remaining``. Answers still carrying the old window's reset (requests
  that were in flight across the boundary) are ignored for the budget.
* **429**: :meth:`Pacer.block` empties the bucket until a given time (the 429's reset, or a
  backoff when the reset is missing or already past, e.g. clock skew), so every thread waits.

All state changes happen under one lock; sleeping happens outside it. ``clock`` (epoch seconds)
and ``sleep`` are injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

DEFAULT_MARGIN = 0.05
#: Longest single wait for another thread's answer before re-checking (probe/in-flight waits).
_POLL = 0.5


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


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except (ValueError, AttributeError):
        return None
    if value != value or value < 0 or value == float("inf"):  # NaN, negative, inf
        return None
    return value


@dataclass
class Bucket:
    """The pacing state of one ``(method, path_template)``. Not thread-safe by itself."""

    margin: float = DEFAULT_MARGIN
    limit: int | None = None
    remaining: int | None = None  # None: unknown (probe first)
    reset: float | None = None  # epoch seconds; None: unknown
    in_flight: int = 0
    unpaced: bool = False  # answers carry no rate-limit headers
    stale_before: float = field(default=float("-inf"))  # answers with reset <= this are old
    rollovers: int = 0

    def admit(self, now: float) -> float | None:
        """Take a slot and return 0.0, or return how long to sleep (seconds), or None to wait
        for an in-flight answer."""
        if self.unpaced:
            self.in_flight += 1
            return 0.0
        if self.reset is not None and now >= self.reset + self.margin:
            self._roll_over()
        if self.remaining is None:
            if self.in_flight == 0:  # the probe
                self.in_flight += 1
                return 0.0
            return None
        if self.remaining - self.in_flight > 0:
            self.in_flight += 1
            return 0.0
        if self.reset is None:
            return None  # budget unknown after a rollover: wait for an answer
        return self.reset + self.margin - now  # > 0: the rollover check above failed

    def _roll_over(self) -> None:
        assert self.reset is not None
        self.stale_before = self.reset
        self.rollovers += 1
        self.reset = None
        self.remaining = self.limit  # None when the limit was never reported: probe again

    def release(self, headers: Mapping[str, str] | None) -> None:
        """Give the slot back and learn from the answer's headers (None: no answer)."""
        self.in_flight = max(self.in_flight - 1, 0)
        if headers is None:
            return
        limit, remaining, reset = parse_rate_headers(headers)
        if remaining is None or reset is None:
            if self.remaining is None and self.reset is None and limit is None:
                self.unpaced = True
            return
        self.unpaced = False
        if reset <= self.stale_before:
            return  # counted in a window that has already rolled over
        if limit is not None:
            self.limit = limit
        if self.reset is None or reset > self.reset:
            self.reset = reset
            self.remaining = remaining
        elif reset == self.reset:
            self.remaining = remaining if self.remaining is None else min(self.remaining, remaining)
        # an answer with an earlier (but not stale) reset is out of order: ignore it

    def block(self, until: float) -> None:
        """Spend the whole budget until ``until`` (after a 429)."""
        self.unpaced = False
        self.remaining = 0
        if self.reset is None or until > self.reset:
            self.reset = until

    @property
    def available(self) -> int | None:
        if self.unpaced:
            return None
        if self.remaining is None:
            return None
        return self.remaining - self.in_flight


class Pacer:
    """Thread-safe pacing of requests over many buckets. See the module docstring."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = DEFAULT_MARGIN,
        max_wait: float = 3600.0,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.margin = margin
        self.max_wait = max_wait
        self._buckets: dict[Hashable, Bucket] = {}
        self._cond = threading.Condition(threading.Lock())
        #: total seconds spent sleeping for budget (for EXPLAIN/benchmarks)
        self.waited = 0.0

    def bucket(self, key: Hashable) -> Bucket:
        with self._cond:
            return self._bucket(key)

    def _bucket(self, key: Hashable) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(margin=self.margin)
        return bucket

    def acquire(self, key: Hashable) -> None:
        """Block until a request for ``key`` may be sent, then count it as in flight."""
        cond = self._cond
        with cond:
            bucket = self._bucket(key)
            while True:
                rollovers = bucket.rollovers
                delay = bucket.admit(self.clock())
                if delay == 0.0:
                    if bucket.rollovers != rollovers:
                        cond.notify_all()  # a new window: waiters may go too
                    return
                if bucket.in_flight > 0 or delay is None:
                    # An answer may free a slot (a request we counted may already have been
                    # counted by Okta) or tell us the budget: wait for one, up to the reset.
                    cond.wait(_POLL if delay is None else min(delay, _POLL))
                    continue
                delay = min(delay, self.max_wait)
                self.waited += delay
                cond.release()
                try:
                    self.sleep(delay)
                finally:
                    cond.acquire()

    def release(self, key: Hashable, headers: Mapping[str, str] | None) -> None:
        """The request for ``key`` is over; ``headers`` of its answer, or None if none came."""
        with self._cond:
            self._bucket(key).release(headers)
            self._cond.notify_all()

    def block(self, key: Hashable, until: float) -> None:
        with self._cond:
            self._bucket(key).block(until)

    def remaining(self, key: Hashable) -> int | None:
        """What the bucket believes it may still send in this window (None: unknown/unpaced)."""
        with self._cond:
            bucket = self._buckets.get(key)
            return bucket.available if bucket else None


__all__ = ["DEFAULT_MARGIN", "Bucket", "Pacer", "parse_rate_headers"]
