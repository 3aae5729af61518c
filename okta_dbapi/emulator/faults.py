"""Fault injection knobs, settable at construction or at runtime (``emu.faults.error_rate = 0.5``),
and :class:`Rule` s for the faults a real org or network produces once in a while
(``emu.faults.add("drip", path="/factors$", interval=0.2)``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .ids import digest

TruncatePredicate = Callable[[str, str], bool]  # (method, path) -> bool

#: A rule that holds a request (in flight) until its ``gate`` opens, then serves it normally.
HOLD = frozenset({"hold"})
#: Rules applied before the request reaches the org (nothing is applied): the answer is the fault.
BEFORE = frozenset({"status", "html", "redirect", "429"})
#: Rules applied to the org's answer (a write has been applied): the answer is damaged on its way.
AFTER = frozenset({"reset", "truncate", "shape", "drip", "cycle"})


@dataclass
class Rule:
    """One injected fault, for requests whose method matches ``method`` (None: any) and whose
    path matches the regex ``path`` (``re.search``): after the first ``skip`` of them, the next
    ``times`` (None: all).

    ``hold``: keep the request in flight until ``gate`` (a ``threading.Event``) is set, at most
    ``hold_max`` seconds, then serve it normally (to catch a client in the act).

    Before the org sees the request (so nothing is applied):

    * ``status``: answer ``status`` (default 503) with an Okta error body;
    * ``html``: answer ``status`` (default 502) with an HTML error page, as a proxy does;
    * ``redirect``: answer ``status`` (default 302) with ``Location: location``;
    * ``429``: answer 429 E0000047 with ``headers`` (e.g. a concurrent limit's values), and with
      ``X-Rate-Limit-Reset`` ``reset_in`` seconds ahead of the org clock when that is set.

    After the org has answered (so a write has been applied):

    * ``reset``: send half the body, then reset the connection (TCP RST); an empty answer (a
      DELETE's 204) is lost whole;
    * ``truncate``: send half the body with a matching Content-Length;
    * ``shape``: answer 200 with ``body`` instead (``null``, a string, objects without ``id``);
    * ``drip``: send the body one byte every ``interval`` seconds;
    * ``cycle``: a users page read with an ``after`` cursor links back to the first page.
    """

    kind: str
    path: str = ""
    method: str | None = None
    times: int | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    location: str = "https://example.com/elsewhere"
    interval: float = 0.2
    reset_in: float | None = None
    skip: int = 0
    seen: int = 0
    gate: threading.Event = field(default_factory=threading.Event)
    hold_max: float = 30.0
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in HOLD | BEFORE | AFTER:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(HOLD | BEFORE | AFTER)}")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None


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
    * ``rules``: :class:`Rule` s (see :meth:`add`), tried in order; the first that matches fires.
    """

    error_rate: float = 0.0
    reset_on_user_page: int | None = None
    reset_count: int | None = 1
    truncate_body_on: str | TruncatePredicate | None = None
    rules: list[Rule] = field(default_factory=list)
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

    def add(self, kind: str, path: str = "", method: str | None = None, times: int | None = None, **knobs: Any) -> Rule:
        """Add a :class:`Rule` and return it (its ``hits`` counts how often it fired)."""
        rule = Rule(kind, path, method, times, **knobs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def pick(self, method: str, path: str, kinds: frozenset[str]) -> Rule | None:
        """The first rule of ``kinds`` matching this request that has firings left (counted)."""
        with self._lock:
            for rule in self.rules:
                if rule.kind in kinds and rule.matches(method, path):
                    rule.seen += 1
                    if rule.seen <= rule.skip or (rule.times is not None and rule.hits >= rule.times):
                        continue
                    rule.hits += 1
                    return rule
        return None
