"""GET /api/v1/logs: polling and bounded System Log queries, as Okta documents them.

* Polling (ASCENDING, no ``until``): events persisted after ``since`` (or after the ``after``
  cursor), in persistence order. Every response has a ``next`` link, even an empty one, so a
  client keeps following it; the cursor moves past everything already scanned.
* Bounded (``until`` given, or DESCENDING): events whose ``published`` is in ``[since, until)``,
  ordered by ``published``; the last page has no ``next`` link.
* ``since`` defaults to 7 days before ``until`` (now); events older than 90 days are never
  returned. ``since`` and ``after`` can't be combined. ``limit`` defaults to 100 and is capped at
  1000. Late events (see :mod:`.syslog`) are invisible until persisted.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from .errors import OktaError, validation_failed
from .ids import parse_iso
from .logfilter import Predicate, compile_filter, compile_q
from .syslog import Stored, SystemLog

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_WINDOW = 7 * 86400.0
RETENTION = 90 * 86400.0
_CURSOR = re.compile(r"^(\d+)_(-?\d+)(?:_(\d+))?$")  # key ms, seq, and a bounded query's since (ms)

Key = tuple[int, int]


def _time(query: dict[str, str], name: str) -> float | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    t = parse_iso(raw)
    if t is None:
        raise validation_failed(name, f"{name}: '{raw}' is not an ISO 8601 timestamp")
    return t


def _limit(query: dict[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        n = int(raw)
    except ValueError:
        raise validation_failed("limit", f"limit: '{raw}' is not a valid integer") from None
    if n < 0:
        raise validation_failed("limit", "limit: must be between 0 and 1000")
    return min(n, MAX_LIMIT)


def _cursor(raw: str) -> tuple[Key, int | None]:
    m = _CURSOR.match(raw)
    if not m:
        raise validation_failed("after", "after: The cursor is not valid; follow the next link Okta returned")
    return (int(m.group(1)), int(m.group(2))), None if m.group(3) is None else int(m.group(3))


def _encode(key: Key, since_ms: int | None = None) -> str:
    return f"{key[0]}_{key[1]}" + ("" if since_ms is None else f"_{since_ms}")


class LogQuery:
    def __init__(self, syslog: SystemLog, now: Any) -> None:
        self.syslog = syslog
        self._now = now

    def list_logs(self, base: str, query: dict[str, str]) -> tuple[int, list[dict[str, Any]], list[str]]:
        """(status, events, Link header values)."""
        order = query.get("sortOrder", "ASCENDING")
        if order not in ("ASCENDING", "DESCENDING"):
            raise validation_failed("sortOrder", f"sortOrder: '{order}' is not one of ASCENDING, DESCENDING")
        if query.get("after") and query.get("since"):
            raise validation_failed("after", "since and after can't be used together; follow the next link")
        since, until = _time(query, "since"), _time(query, "until")
        limit = _limit(query)
        preds: list[Predicate] = []
        if query.get("filter"):
            preds.append(compile_filter(query["filter"]))
        if query.get("q"):
            preds.append(compile_q(query["q"]))
        now = self._now()
        links = [f'<{_url(base, query)}>; rel="self"']
        nxt: str | None
        if until is None and order == "ASCENDING":
            page, key = self._poll(now, since, query.get("after"), limit, preds)
            nxt = _encode(key)
        else:
            page, nxt = self._bounded(now, since, until, order, query.get("after"), limit, preds)
        if nxt is not None:
            params = {k: v for k, v in query.items() if k not in ("since", "after")}
            links.append(f'<{_url(base, {"after": nxt, **params})}>; rel="next"')
        return 200, [s.event for s in page], links

    def _poll(
        self, now: float, since: float | None, after: str | None, limit: int, preds: list[Predicate]
    ) -> tuple[list[Stored], Key]:
        floor = int((now - RETENTION) * 1000)
        if after:
            cursor = _cursor(after)[0]
        else:
            start = since if since is not None else now - DEFAULT_WINDOW
            cursor = (round(start * 1000), -1)
        scanned = [s for s in self.syslog.visible(now) if (s.persisted_ms, s.seq) > cursor]
        page: list[Stored] = []
        last = cursor
        for s in scanned:
            if len(page) == limit:
                break
            last = (s.persisted_ms, s.seq)
            if s.persisted_ms >= floor and all(p(s.event) for p in preds):
                page.append(s)
        return page, last

    def _bounded(
        self,
        now: float,
        since: float | None,
        until: float | None,
        order: str,
        after: str | None,
        limit: int,
        preds: list[Predicate],
    ) -> tuple[list[Stored], str | None]:
        """A page and the next cursor (None on the last page); the cursor carries ``since``."""
        key, since_ms = _cursor(after) if after else (None, None)
        hi = now if until is None else until
        lo_ms = since_ms if since_ms is not None else round((hi - DEFAULT_WINDOW if since is None else since) * 1000)
        lo_ms, hi_ms = max(lo_ms, round((now - RETENTION) * 1000)), round(hi * 1000)
        events = [
            s for s in self.syslog.visible(now) if lo_ms <= s.published_ms < hi_ms and all(p(s.event) for p in preds)
        ]
        descending = order == "DESCENDING"
        events.sort(key=lambda s: (s.published_ms, s.seq), reverse=descending)
        if key is not None:
            events = [
                s for s in events if ((s.published_ms, s.seq) < key if descending else (s.published_ms, s.seq) > key)
            ]
        page = events[:limit]
        if len(events) > len(page) and page:
            return page, _encode((page[-1].published_ms, page[-1].seq), lo_ms)
        return page, None


def _url(base: str, query: dict[str, str]) -> str:
    qs = urlencode(query)
    return f"{base}/api/v1/logs" + (f"?{qs}" if qs else "")


__all__ = ["LogQuery", "OktaError"]
