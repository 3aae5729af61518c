"""Timestamp ranges sent to Okta that always cover what the local comparison keeps.

Locally a timestamp is text in one canonical form (``2021-04-25T20:00:00.000Z``, UTC) and SQLite
compares it with a string literal as text, whatever the literal's format or zone. So the bound
sent to Okta is derived from the text, not from the instant the literal may stand for:

* a literal in the canonical form compares as text exactly as its instant does: the bound is
  that instant, widened to inclusive (``gt`` becomes ``ge``);
* any other literal (``'2021-04-25 20:00:00'``, ``'...+02:00'``, ``'2021'``, ``'20210425'``):
  text ``S > L`` implies ``S[:n] >= L[:n]`` for every prefix length ``n``, so the longest prefix
  of ``L`` that is a valid date, month or year bounds every kept row to that whole day, month or
  year, which Okta is asked for;
* anything else is not pushed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

# ASCII digits only: Python's \d also matches other scripts' digits (``'२०२१'``), which strptime
# reads as a year but SQLite sorts after every stored timestamp.
CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def okta_bound(literal: Any, op: str) -> str | None:
    """The inclusive Okta bound (``op`` is ``ge`` or ``le``) that covers ``column <op> literal``
    compared as canonical text; None when no bound can be derived."""
    if not isinstance(literal, str):
        return None
    if CANONICAL.fullmatch(literal):
        try:
            dt.datetime.strptime(literal, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            return None
        return literal
    low_high = _prefix_span(literal)
    if low_high is None:
        return None
    low, high = low_high
    return _format(low if op == "ge" else high)


_PREFIXES = (
    (10, "%Y-%m-%d", re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")),
    (7, "%Y-%m", re.compile(r"[0-9]{4}-[0-9]{2}")),
    (4, "%Y", re.compile(r"[0-9]{4}")),
)


def _prefix_span(text: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last instant of the longest date, month or year that prefixes ``text``."""
    for length, fmt, shape in _PREFIXES:
        if not shape.fullmatch(text[:length]):
            continue
        try:
            start = dt.datetime.strptime(text[:length], fmt)
        except ValueError:
            continue
        if length == 10:
            last_day = start
        elif length == 7:
            last_day = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        else:
            last_day = start.replace(month=12, day=31)  # not the next year less 1 ms: 9999 has none
        return start, last_day.replace(hour=23, minute=59, second=59, microsecond=999000)
    return None


def _format(value: dt.datetime) -> str:
    # Not strftime: it writes year 1 as '1', which would sort after '2019'.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def read_timestamp(text: str) -> dt.datetime | None:
    """ISO 8601 text (``Z`` or an offset) as a datetime, naive where the text has no offset; None
    when it is not one."""
    try:
        return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None


def canonical_timestamp(value: Any) -> Any:
    """Timestamp text as the local database stores it (the canonical form); other values unchanged."""
    if not isinstance(value, str) or CANONICAL.fullmatch(value):
        return value
    parsed = read_timestamp(value)
    if parsed is None:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return _format(parsed)
