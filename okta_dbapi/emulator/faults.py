"""Fault injection knobs, settable at construction or at runtime (``emu.faults.error_rate = 0.5``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .ids import digest

TruncatePredicate = Callable[[str, str], bool]  # (method, path) -> bool


@dataclass
class Faults:
    """
    * ``error_rate``: fraction of authenticated requests answered 500 (E0000009) or 503 (E0000010)
      with an Okta error body; which requests fail is deterministic given the seed and the order
      of requests.
    * ``reset_on_user_page``: 1-based page number of GET /api/v1/users whose connection is reset
      mid-response (page 1 = no ``after``; page n+1 = the ``next`` link of page n).
    * ``reset_count``: how many times that page is reset before it is served normally
      (``None`` = always).
    * ``truncate_body_on``: a path regex (``re.search``) or a predicate ``(method, path) -> bool``;
      matching responses get a truncated JSON body (with a matching Content-Length).
    """

    error_rate: float = 0.0
    reset_on_user_page: int | None = None
    reset_count: int | None = 1
    truncate_body_on: str | TruncatePredicate | None = None
    _seed: int = field(default=0, repr=False)
    _n: int = field(default=0, repr=False)
    _resets_done: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def coerce(cls, value: Faults | dict[str, Any] | None, seed: int) -> Faults:
        if value is None:
            out = cls()
        elif isinstance(value, Faults):
            out = value
        else:
            known = {f.name for f in fields(cls) if not f.name.startswith("_")}
            unknown = set(value) - known
            if unknown:
                raise TypeError(f"unknown fault knobs: {sorted(unknown)}")
            out = cls(**value)
        out._seed = seed
        return out

    def pick_error(self) -> int | None:
        """500/503 for this request, or None; deterministic in (seed, request number)."""
        with self._lock:
            n = self._n
            self._n += 1
        if self.error_rate <= 0:
            return None
        d = digest(self._seed, "fault", n)
        if int.from_bytes(d[:4], "big") / 2**32 >= self.error_rate:
            return None
        return 500 if d[4] % 2 == 0 else 503

    def should_reset(self, page: int | None) -> bool:
        if page is None or self.reset_on_user_page is None or page != self.reset_on_user_page:
            return False
        with self._lock:
            if self.reset_count is not None and self._resets_done >= self.reset_count:
                return False
            self._resets_done += 1
            return True

    def should_truncate(self, method: str, path: str) -> bool:
        rule = self.truncate_body_on
        if rule is None:
            return False
        if isinstance(rule, str):
            return re.search(rule, path) is not None
        return bool(rule(method, path))
