"""Unit tests of okta_dbapi.cli.output: every format renders values consistently and parses back."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from okta_dbapi.cli.output import (
    FORMATS,
    display_width,
    format_csv,
    format_json,
    format_jsonl,
    format_table,
    get_formatter,
    to_json,
    to_text,
    unique_keys,
)

UTC = dt.timezone.utc
WHEN = dt.datetime(2024, 5, 17, 9, 30, 15, tzinfo=UTC)
COLUMNS = ["id", "profile", "created", "status", "n", "ok"]
ROWS: list[tuple[Any, ...]] = [
    ("mbl1", {"phoneNumber": "+1-555-0100", "tags": ["a", "b"]}, WHEN, "ACTIVE", 3, True),
    ("ufs2", None, None, None, None, False),
    ('q"uo,te\nnew', [], WHEN.replace(microsecond=123), "PENDING_ACTIVATION", 12.5, None),
]


def render(fmt: str, columns: list[str] = COLUMNS, rows: Any = ROWS) -> str:
    out = io.StringIO()
    get_formatter(fmt)(columns, rows, out)
    return out.getvalue()


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("x", "x"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (decimal.Decimal("1.10"), "1.10"),
        (WHEN, "2024-05-17T09:30:15+00:00"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        ({"b": 1, "a": [1, "é"]}, '{"b":1,"a":[1,"é"]}'),
        ([], "[]"),
        (b"\x01\xff", "01ff"),
    ],
)
def test_to_text(value: Any, text: str) -> None:
    assert to_text(value) == text


def test_to_json_is_strict_and_compact() -> None:
    assert to_json({"a": float("nan"), "b": [float("inf"), 1.0]}) == '{"a":null,"b":[null,1.0]}'
    assert to_json({"when": WHEN}) == '{"when":"2024-05-17T09:30:15+00:00"}'
    assert to_json(decimal.Decimal("2")) == "2"
    assert json.loads(to_json({"x": b"hi"})) == {"x": "aGk="}


def test_unique_keys_numbers_repeated_names() -> None:
    assert unique_keys(["id", "id", "status", "id", "id_2"]) == ["id", "id_2", "status", "id_3", "id_2_2"]
    assert unique_keys([""]) == ["?column?"]


def test_display_width_counts_wide_characters() -> None:
    assert display_width("abc") == 3
    assert display_width("日本") == 4
    assert display_width("e\u0301") == 1


# --- formats parse back ------------------------------------------------------------------------


def test_csv_parses_back() -> None:
    parsed = list(csv.reader(io.StringIO(render("csv"), newline="")))
    assert parsed[0] == COLUMNS
    assert parsed[1] == [
        "mbl1",
        '{"phoneNumber":"+1-555-0100","tags":["a","b"]}',
        "2024-05-17T09:30:15+00:00",
        "ACTIVE",
        "3",
        "true",
    ]
    assert parsed[2] == ["ufs2", "", "", "", "", "false"]
    assert parsed[3][0] == 'q"uo,te\nnew'
    assert parsed[3][2] == "2024-05-17T09:30:15.000123+00:00"
    assert len(parsed) == 4
    assert json.loads(parsed[1][1]) == ROWS[0][1]


def test_json_parses_back() -> None:
    data = json.loads(render("json"))
    assert data == [
        {
            "id": "mbl1",
            "profile": {"phoneNumber": "+1-555-0100", "tags": ["a", "b"]},
            "created": "2024-05-17T09:30:15+00:00",
            "status": "ACTIVE",
            "n": 3,
            "ok": True,
        },
        {"id": "ufs2", "profile": None, "created": None, "status": None, "n": None, "ok": False},
        {
            "id": 'q"uo,te\nnew',
            "profile": [],
            "created": "2024-05-17T09:30:15.000123+00:00",
            "status": "PENDING_ACTIVATION",
            "n": 12.5,
            "ok": None,
        },
    ]
    assert dt.datetime.fromisoformat(data[0]["created"]) == WHEN


def test_jsonl_parses_back_line_by_line() -> None:
    text = render("jsonl")
    lines = text.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    assert objects[0]["profile"] == {"phoneNumber": "+1-555-0100", "tags": ["a", "b"]}
    assert objects[1]["created"] is None
    assert objects[2]["id"] == 'q"uo,te\nnew'


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_results(fmt: str) -> None:
    text = render(fmt, rows=[])
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(text))) == [COLUMNS]
    elif fmt == "json":
        assert json.loads(text) == []
    elif fmt == "jsonl":
        assert text == ""
    else:
        assert "(0 rows)" in text
        assert text.splitlines()[0].split("|")[0].strip() == "id"


def test_json_keeps_duplicate_columns() -> None:
    data = json.loads(render("json", columns=["id", "id"], rows=[("u1", "f1")]))
    assert data == [{"id": "u1", "id_2": "f1"}]


def test_json_non_finite_floats_are_null() -> None:
    data = json.loads(render("json", columns=["x"], rows=[(math.nan,), (math.inf,)]))
    assert data == [{"x": None}, {"x": None}]


def test_formats_stream_rows() -> None:
    """CSV, JSON and JSON Lines write each row as it arrives, without reading ahead."""
    out = io.StringIO()
    seen: list[str] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(3):
            yield (i,)
            seen.append(out.getvalue())

    for formatter in (format_csv, format_json, format_jsonl):
        out.seek(0)
        out.truncate()
        seen.clear()
        formatter(["i"], rows(), out)
        # After row i is yielded and written, the output already holds it.
        assert all(str(i) in seen[i] for i in range(3)), formatter.__name__


# --- table -------------------------------------------------------------------------------------


def test_table_is_aligned() -> None:
    text = render("table")
    lines = text.splitlines()
    assert lines[-1] == "(3 rows)"
    body = lines[:-1]
    # Every separator '|' sits in the same column on every line.
    bars = [[i for i, ch in enumerate(line) if ch == "|"] for line in body if "|" in line]
    assert all(b == bars[0] for b in bars)
    assert len(bars[0]) == len(COLUMNS) - 1
    assert set(body[1]) <= {"-", "+"}
    assert "\\n" in text  # the newline inside a value is escaped, keeping the row on one line
    assert '{"phoneNumber":"+1-555-0100","tags":["a","b"]}' in text
    assert "2024-05-17T09:30:15+00:00" in text


def test_table_right_aligns_numbers() -> None:
    out = io.StringIO()
    format_table(["name", "count"], [("a", 5), ("bb", 1234)], out)
    lines = out.getvalue().splitlines()
    assert lines[0] == " name | count"
    assert lines[2] == " a    |     5"
    assert lines[3] == " bb   |  1234"
    assert lines[4] == "(2 rows)"


def test_table_single_row_footer_and_max_width() -> None:
    out = io.StringIO()
    format_table(["v"], [("x" * 100,)], out, max_width=10)
    lines = out.getvalue().splitlines()
    assert lines[2] == " " + "x" * 9 + "…"
    assert lines[3] == "(1 row)"


def test_table_wide_characters_align() -> None:
    out = io.StringIO()
    format_table(["a", "b"], [("日本", 1), ("x", 2)], out)
    lines = out.getvalue().splitlines()
    assert display_width(lines[2].split("|")[0]) == display_width(lines[3].split("|")[0])


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        get_formatter("xml")
