"""Okta's rate limits: a budget per endpoint family per window, and a concurrent limit per org.

Families follow Okta's documented buckets for these endpoints (see ``routes.family_of``):
``/api/v1/users`` (GET: list users), ``/api/v1/users/{id}`` (GET: get a user), the
``/api/v1/users*`` catch-all for everything else under /api/v1/users (every factor call, any
method), ``/api/v1/logs`` (its own bucket: by default Okta's example of 120 a minute, see
``shared/okta-spec/system-log-notes.md``; the 50 %-per-token cap is not modelled), and ``other``
for unknown routes. The users families share the configured budget. Windows start at multiples
of ``window`` seconds of (org clock) epoch time, so ``X-Rate-Limit-Reset`` is exactly the window
end.

The concurrent limit caps the requests in flight across the org. A request over it is answered
429 E0000047 whose rate-limit headers report the concurrent values, as Okta's do: ``Limit`` is the
concurrent limit, ``Remaining`` 0, and ``Reset`` only an estimate (a minute ahead), which a client
must not wait for: the limit frees up as soon as a request in flight is answered.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

UNLIMITED_BUDGET = 10_000  # the budget advertised when no limit is configured
LOGS_DEFAULT = (120, 60.0)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset),
        }


def parse_rate_limit(spec: int | tuple[int, float] | str | None) -> tuple[int | None, float]:
    """``None`` | ``N`` | ``(N, window_s)`` | ``"N"`` | ``"N/window_s"`` -> (budget or None, window)."""
    if spec is None:
        return None, 60.0
    if isinstance(spec, str):
        budget, _, window = spec.partition("/")
        return int(budget), float(window) if window else 60.0
    if isinstance(spec, tuple):
        return int(spec[0]), float(spec[1])
    return int(spec), 60.0


def _checked(spec: int | tuple[int, float] | str | None) -> tuple[int | None, float]:
    budget, window = parse_rate_limit(spec)
    if budget is not None and budget < 1:
        raise ValueError("rate_limit budget must be >= 1")
    if window <= 0:
        raise ValueError("rate_limit window must be > 0")
    return budget, window


class RateLimiter:
    def __init__(
        self,
        spec: int | tuple[int, float] | str | None,
        now: Callable[[], float],
        families: dict[str, int | tuple[int, float] | str | None] | None = None,
    ) -> None:
        self.budget, self.window = _checked(spec)
        self.families = {name: _checked(s) for name, s in (families or {}).items()}
        self._now = now
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}  # family -> (window start, used)

    def _spec(self, family: str) -> tuple[int | None, float]:
        return self.families.get(family, (self.budget, self.window))

    def _window(self, family: str = "") -> tuple[float, int]:
        window = self._spec(family)[1]
        start = math.floor(self._now() / window) * window
        return start, math.ceil(start + window)

    def peek(self, family: str) -> Decision:
        """Headers for a response that doesn't consume budget (e.g. 401)."""
        limit = self._spec(family)[0] or UNLIMITED_BUDGET
        with self._lock:
            start, reset = self._window(family)
            used = self._used(family, start)
        return Decision(True, limit, max(0, limit - used), reset)

    def _used(self, family: str, start: float) -> int:
        ws, used = self._counts.get(family, (start, 0))
        return used if ws == start else 0

    def consume(self, family: str) -> Decision:
        budget = self._spec(family)[0]
        limit = budget or UNLIMITED_BUDGET
        with self._lock:
            start, reset = self._window(family)
            used = self._used(family, start)
            if budget is not None and used >= budget:
                return Decision(False, limit, 0, reset)  # a 429 doesn't count against the budget
            used += 1
            self._counts[family] = (start, used)
        return Decision(True, limit, max(0, limit - used), reset)


class ConcurrencyLimiter:
    """Requests in flight across the org, against ``limit`` (None: no limit)."""

    def __init__(self, limit: int | None, now: Callable[[], float]) -> None:
        if limit is not None and limit < 1:
            raise ValueError("concurrent_limit must be >= 1")
        self.limit = limit
        self._now = now
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.rejected = 0

    def enter(self) -> Decision:
        """Count a request in; a refusal (``allowed`` False) carries the concurrent values and is
        not counted (so it needs no :meth:`leave`)."""
        limit = self.limit
        with self._lock:
            if limit is not None and self.in_flight >= limit:
                self.rejected += 1
                return Decision(False, limit, 0, math.ceil(self._now()) + 60)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return Decision(True, limit or 0, 0, 0)

    def leave(self) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
