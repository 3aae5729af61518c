"""SQLAlchemy types for the catalog's column kinds.

The driver already hands back Python values (``dict``/``list`` for JSON, timezone-aware
``datetime`` for timestamps), so these types only convert what still needs converting: text that
SQL expressions produce. JSON text (e.g. from ``JSON_QUOTE(JSON_EXTRACT(...))``) is parsed; date and
time text (``max(created)`` gives Okta's ``2024-05-01T09:30:00.000Z``, ``func.now()`` and SQLite's
date functions give ``2024-05-01 09:30:00``, ``cast(x, Date)`` gives ``2024-05-01``) becomes an
aware UTC ``datetime`` or a ``date``. Decoded values pass through untouched, and text that is not
what the type says flows through unchanged rather than failing a whole result.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.sqlite.json import JSONIndexType, JSONPathType

from okta_dbapi.catalog import ColumnKind

__all__ = ["JSONIndexType", "JSONPathType", "OktaDate", "OktaDateTime", "OktaJSON", "sqla_type"]


class OktaJSON(sqltypes.JSON):
    """``JSON`` whose result processor leaves already-decoded values alone."""

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        loads: Callable[[str], Any] = getattr(dialect, "_json_deserializer", None) or json.loads

        def process(value: Any) -> Any:
            if isinstance(value, (bytes, bytearray)):
                value = value.decode("utf-8")
            if not isinstance(value, str):
                return value
            try:
                return loads(value)
            except ValueError:
                # A plain string from an expression that SQLAlchemy typed as JSON.
                return value

        return process


def parse_datetime(value: Any) -> Any:
    """ISO 8601 text (Okta's or SQLite's) as an aware datetime; naive means UTC, as in SQLite."""
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        text = value.strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    return value


def parse_date(value: Any) -> Any:
    """A date from date or timestamp text (a timestamp's UTC day), or from a datetime."""
    value = parse_datetime(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).date()
    return value


class OktaDateTime(sqltypes.DateTime):
    """``DateTime`` that reads the text SQL expressions produce (always an aware UTC datetime)."""

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        return parse_datetime


class OktaDate(sqltypes.Date):
    """``Date`` that reads ``2024-05-01`` text (and the day of a timestamp)."""

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        return parse_date


_KINDS: dict[str, Callable[[], sqltypes.TypeEngine[Any]]] = {
    "string": sqltypes.String,
    "datetime": lambda: sqltypes.DateTime(timezone=True),
    "json": sqltypes.JSON,
    "boolean": sqltypes.Boolean,
    "integer": sqltypes.Integer,
    "number": sqltypes.Float,
}


def sqla_type(kind: ColumnKind | str) -> sqltypes.TypeEngine[Any]:
    """The SQLAlchemy type reflected for a catalog column kind (``String`` for unknown kinds)."""
    factory = _KINDS.get(kind, sqltypes.String)
    return factory()
