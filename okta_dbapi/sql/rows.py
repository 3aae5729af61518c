"""Rows: from Okta's JSON to SQLite storage values, and from either to the Python values users get.

Timestamps are stored in one canonical form, Okta's own (``2021-04-25T20:00:00.000Z``: ISO 8601
UTC text with milliseconds, which sorts and compares correctly and which SQLite's date functions
read); objects are stored as JSON text for ``json_extract``/``->>``.
An integer outside SQLite's 64-bit range (JSON allows any size) is stored as its decimal text, so
it survives exactly and the query still runs; inside objects it stays a number in the JSON text.
Users get ``dict``/``list`` for objects and timezone-aware ``datetime`` for timestamps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from okta_dbapi.catalog import Column, ColumnKind, Table
from okta_dbapi.sql.ranges import canonical_timestamp, read_timestamp
from okta_dbapi.sql.values import format_timestamp


def api_row(table: Table, item: Mapping[str, Any], keys: Mapping[str, Any]) -> dict[str, Any]:
    """One API item (plus the path keys it was fetched with) as a row of ``table``'s columns.

    ``userId`` comes from the item's own links when it has them: Okta also resolves a login (or
    ``me``) in the path, and the row must carry the user's id, not what the request said.
    """
    names = table.column_names
    row = dict(zip(names, map(item.get, names)))
    if "userId" in row and row["userId"] is None:
        row["userId"] = _linked_user_id(item)
    for key, value in keys.items():
        column = table.key_columns.get(key, key)
        if column in row and row[column] is None:
            row[column] = value
    return row


def api_converter(table: Table) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``api_row`` without path keys (a users page), with the column names looked up once."""
    names = table.column_names

    def convert(item: Mapping[str, Any]) -> dict[str, Any]:
        return dict(zip(names, map(item.get, names)))

    return convert


def _linked_user_id(item: Mapping[str, Any]) -> str | None:
    """The user id in the item's links (``.../api/v1/users/{id}/...``); every link of a factor, a
    catalog entry or a transaction is under its user."""
    links = item.get("_links")
    if not isinstance(links, Mapping):
        return None
    for link in links.values():
        for one in link if isinstance(link, list) else [link]:
            href = one.get("href") if isinstance(one, Mapping) else None
            if isinstance(href, str) and "/api/v1/users/" in href:
                segment = href.split("/api/v1/users/", 1)[1].split("/", 1)[0].split("?", 1)[0]
                if segment:
                    return segment
    return None


def to_storage(kind: ColumnKind, value: Any) -> Any:
    """A value as the local SQLite database keeps it (timestamps in one canonical text form)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "datetime":
        return canonical_timestamp(value)
    if kind == "json":
        return json.dumps(value, separators=(",", ":"))
    if kind == "boolean":
        return int(bool(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
        return str(value)
    return value


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def parse_timestamp(value: Any) -> Any:
    """ISO 8601 text to an aware datetime; anything unreadable flows through unchanged."""
    if value.__class__ is str:
        # Python 3.11+ reads Okta's "...Z" directly, several times faster than the rewrite below.
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            return _parse_timestamp_slow(value)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)
    return _parse_timestamp_slow(value)


_fromisoformat = dt.datetime.fromisoformat


def _parse_timestamp_slow(value: Any) -> Any:
    parsed = read_timestamp(value) if isinstance(value, str) else None
    if parsed is None:
        return value
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)


def parse_date(value: Any) -> Any:
    """``YYYY-MM-DD`` text (SQLite's ``date()``) to a date; anything else flows through unchanged."""
    if not isinstance(value, str):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


def parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _identity(value: Any) -> Any:
    return value


def _boolean(value: Any) -> Any:
    return value if value is None else bool(value)


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": parse_timestamp,
    "json": parse_json,
    "boolean": _boolean,
}


def decoder(kind: str) -> Callable[[Any], Any]:
    """How a stored value of ``kind`` becomes the Python value users get."""
    return _DECODERS.get(kind, _identity)


# Text that SQLite computes for a column whose type was inferred (sql.inference) as a timestamp or a date.
_TEXT_OF_INFERRED: dict[str, Callable[[Any], Any]] = {"datetime": parse_timestamp, "date": parse_date}


def typed_rows(body: Iterator[tuple[Any, ...]], kinds: Sequence[str | None]) -> Iterator[tuple[Any, ...]]:
    """``body`` with the values of inferred timestamp and date columns parsed from SQLite's text."""
    converters = [(i, _TEXT_OF_INFERRED[k]) for i, k in enumerate(kinds) if k in _TEXT_OF_INFERRED]
    if not converters:
        return body
    return (_converted(row, converters) for row in body)


def _converted(row: tuple[Any, ...], converters: list[tuple[int, Callable[[Any], Any]]]) -> tuple[Any, ...]:
    values = list(row)
    for i, convert in converters:
        values[i] = convert(values[i])
    return tuple(values)


def output_row(columns: Sequence[Column], row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A row straight from the API (no SQLite in between) as the tuple users get."""
    return output_reader(columns)(row)


def output_reader(columns: Sequence[Column]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``output_row`` for many rows of the same columns: names and timestamp positions looked up once."""
    names = [c.name for c in columns]
    stamps = [i for i, c in enumerate(columns) if c.kind == "datetime"]

    def read(row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = list(map(row.get, names))
        for i in stamps:
            value = values[i]
            if value is not None:
                values[i] = parse_timestamp(value)
        return tuple(values)

    return read


def kind_of(value: Any) -> str:
    """The type code (``cursor.description``) a Python value of a result stands for."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, (dict, list)):
        return "json"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, bytes):
        return "binary"
    return "string"
