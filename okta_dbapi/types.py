"""PEP 249 type objects and constructors.

``cursor.description`` type codes are plain strings (the catalog's column kinds: ``"string"``,
``"datetime"``, ``"json"``, ``"boolean"``, ``"integer"``, ``"number"``) because BI tools such as
Superset read them as strings; each compares equal to the matching PEP 249 type object.
"""

from __future__ import annotations

import datetime as _dt
import time as _time
from typing import Any


class DBAPITypeObject:
    """Compares equal to every type code it groups, as PEP 249 asks."""

    def __init__(self, name: str, *codes: str) -> None:
        self.name = name
        self.codes = frozenset(codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self.codes == other.codes
        return other in self.codes

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.codes)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}>"


STRING = DBAPITypeObject("STRING", "string", "json")
BINARY = DBAPITypeObject("BINARY", "binary")
NUMBER = DBAPITypeObject("NUMBER", "integer", "number", "boolean")
DATETIME = DBAPITypeObject("DATETIME", "datetime", "date", "time")
ROWID = DBAPITypeObject("ROWID", "rowid")
JSON = DBAPITypeObject("JSON", "json")
BOOLEAN = DBAPITypeObject("BOOLEAN", "boolean")

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime


def DateFromTicks(ticks: float) -> _dt.date:
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    return Timestamp(*_time.localtime(ticks)[:6])


def Binary(value: Any) -> bytes:
    return bytes(value)


__all__ = [
    "BINARY",
    "BOOLEAN",
    "DATETIME",
    "JSON",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "DBAPITypeObject",
    "Date",
    "DateFromTicks",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
]
