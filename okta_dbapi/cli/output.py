"""Result formatters for ``okta-sql``: an aligned table (the default), CSV, JSON and JSON Lines.

Every formatter takes the column names (from ``cursor.description``) and an iterable of rows and
writes text to a stream. CSV, JSON and JSON Lines stream row by row, so a large result is never
held in memory; the table has to see every row to align its columns.

Values are rendered the same way everywhere:

- ``dict``/``list`` (Okta's object columns): compact JSON text in the table and CSV, nested JSON
  in JSON and JSON Lines;
- ``datetime``/``date``/``time``: ISO 8601;
- ``None``: an empty cell in the table and CSV, ``null`` in JSON;
- ``bool``: ``true``/``false``;
- ``bytes``: hex in the table and CSV, base64 text in JSON;
- non-finite floats: ``NaN``/``Infinity`` text in the table and CSV, ``null`` in JSON (which
  cannot carry them).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import json
import math
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

FORMATS: tuple[str, ...] = ("table", "csv", "json", "jsonl")


#: ``formatter(columns, rows, out) -> rows written``
Formatter = Callable[[Sequence[str], Iterable[Sequence[Any]], TextIO], int]


def _json_default(value: Any) -> Any:
    """``json.dumps`` fallback for the types a row may hold besides JSON's own."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return _json_number(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _json_number(value: decimal.Decimal) -> int | float | str | None:
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _jsonable(value: Any) -> Any:
    """Replace what strict JSON cannot carry (NaN, Infinity) with null, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def to_json(value: Any) -> str:
    """Compact, strict JSON text for ``value`` (non-ASCII kept as is)."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:  # NaN/Infinity somewhere inside
        return json.dumps(_jsonable(value), separators=(",", ":"), ensure_ascii=False, default=_json_default)


def to_text(value: Any) -> str:
    """One value as the text of a table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list, tuple)):
        return to_json(value)
    return str(value)


def unique_keys(columns: Sequence[str]) -> list[str]:
    """Object keys for a row: column names, with repeats numbered (``id``, ``id_2``, ...).

    ``SELECT u.id, f.id ...`` names two columns ``id``; a JSON object would silently keep only one.
    """
    seen: set[str] = set()
    keys: list[str] = []
    for name in columns:
        key = name or "?column?"
        if key in seen:
            n = 2
            while f"{key}_{n}" in seen:
                n += 1
            key = f"{key}_{n}"
        seen.add(key)
        keys.append(key)
    return keys


def _row_object(keys: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(keys, row, strict=False))


# --- table -----------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _truncate(text: str, max_width: int) -> str:
    if display_width(text) <= max_width:
        return text
    out: list[str] = []
    width = 0
    for ch in text:
        w = display_width(ch)
        if width + w > max_width - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _cell(value: Any, max_width: int | None) -> str:
    text = to_text(value).translate(_ESCAPES)
    if max_width is not None and max_width > 0:
        text = _truncate(text, max_width)
    return text


def format_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: TextIO,
    *,
    max_width: int | None = None,
    footer: bool = True,
) -> int:
    """An aligned table in the style of psql; numbers right-aligned. Returns the row count.

    Control characters in values are escaped (``\\n``) so every row stays on one line; with
    ``max_width`` longer cells are cut to that many columns and end in ``…``.
    """
    header = [str(c) for c in columns]
    cells: list[list[str]] = []
    numeric = [True] * len(header)
    seen_value = [False] * len(header)
    for row in rows:
        line = []
        for i, value in enumerate(row):
            line.append(_cell(value, max_width))
            if i < len(numeric) and value is not None:
                seen_value[i] = True
                if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
                    numeric[i] = False
        cells.append(line)
    right = [numeric[i] and seen_value[i] for i in range(len(header))]
    widths = [display_width(h) for h in header]
    for line in cells:
        for i, text in enumerate(line[: len(widths)]):
            widths[i] = max(widths[i], display_width(text))

    def render(line: Sequence[str], align: Sequence[bool]) -> str:
        parts = [_pad(text, widths[i], align[i]) for i, text in enumerate(line[: len(widths)])]
        return (" " + " | ".join(parts)).rstrip() + "\n"

    out.write(render(header, [False] * len(header)))
    out.write("-" + "-+-".join("-" * w for w in widths) + "-\n")
    for line in cells:
        out.write(render(line, right))
    if footer:
        out.write(f"({len(cells)} row{'' if len(cells) == 1 else 's'})\n")
    return len(cells)


# --- csv / json / jsonl ----------------------------------------------------------------------


def format_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    """RFC 4180 CSV with a header row (``\\r\\n`` line ends, as the ``csv`` module writes)."""
    writer = csv.writer(out)
    writer.writerow([str(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([to_text(v) for v in row])
        count += 1
    return count


def format_json(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    """A JSON array of objects keyed by column name, one object per line, written as it streams."""
    keys = unique_keys(columns)
    count = 0
    for row in rows:
        out.write("[\n" if count == 0 else ",\n")
        out.write(to_json(_row_object(keys, row)))
        count += 1
    out.write("[]\n" if count == 0 else "\n]\n")
    return count


def format_jsonl(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    """JSON Lines: one object per row, keyed by column name."""
    keys = unique_keys(columns)
    count = 0
    for row in rows:
        out.write(to_json(_row_object(keys, row)))
        out.write("\n")
        count += 1
    return count


def get_formatter(name: str, *, max_width: int | None = None, footer: bool = True) -> Formatter:
    """The formatter called ``name`` (one of ``FORMATS``)."""
    if name == "table":

        def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
            return format_table(columns, rows, out, max_width=max_width, footer=footer)

        return table
    simple: dict[str, Formatter] = {
        "csv": format_csv,
        "json": format_json,
        "jsonl": format_jsonl,
    }
    try:
        return simple[name]
    except KeyError:
        raise ValueError(f"unknown output format {name!r}; choose one of {', '.join(FORMATS)}") from None


__all__ = [
    "FORMATS",
    "Formatter",
    "display_width",
    "format_csv",
    "format_json",
    "format_jsonl",
    "format_table",
    "get_formatter",
    "to_json",
    "to_text",
    "unique_keys",
]
