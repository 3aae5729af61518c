"""Per-endpoint-family rate limits with epoch-aligned windows, as Okta reports them.

Families: ``users`` (GET /api/v1/users and /api/v1/users/{id}), ``factors`` (everything under
/api/v1/users/{userId}/factors) and ``other`` (unknown routes). Windows start at multiples of
``window`` seconds of (org clock) epoch time, so ``X-Rate-Limit-Reset`` is exactly the window end.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

UNLIMITED_BUDGET = 10_000  # the budget advertised when no limit is configured


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


class RateLimiter:
    def __init__(self, spec: int | tuple[int, float] | str | None, now: Callable[[], float]) -> None:
        self.budget, self.window = parse_rate_limit(spec)
        if self.budget is not None and self.budget < 1:
            raise ValueError("rate_limit budget must be >= 1")
        if self.window <= 0:
            raise ValueError("rate_limit window must be > 0")
        self._now = now
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}  # family -> (window start, used)

    def _window(self) -> tuple[float, int]:
        now = self._now()
        start = math.floor(now / self.window) * self.window
        return start, math.ceil(start + self.window)

    def peek(self, family: str) -> Decision:
        """Headers for a response that doesn't consume budget (e.g. 401)."""
        limit = self.budget or UNLIMITED_BUDGET
        with self._lock:
            start, reset = self._window()
            used = self._used(family, start)
        return Decision(True, limit, max(0, limit - used), reset)

    def _used(self, family: str, start: float) -> int:
        ws, used = self._counts.get(family, (start, 0))
        return used if ws == start else 0

    def consume(self, family: str) -> Decision:
        limit = self.budget or UNLIMITED_BUDGET
        with self._lock:
            start, reset = self._window()
            used = self._used(family, start)
            if self.budget is not None and used >= self.budget:
                return Decision(False, limit, 0, reset)  # a 429 doesn't count against the budget
            used += 1
            self._counts[family] = (start, used)
        return Decision(True, limit, max(0, limit - used), reset)
