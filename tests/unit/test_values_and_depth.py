"""Parameter values as literals (okta_dbapi.sql.values) and the nesting guards (okta_dbapi.sql.depth).

Fast checks of each rule on its own; tests/driver/test_hostile_input.py runs the same cases through
the driver against the emulator.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import sqlite3
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from okta_dbapi.exceptions import DataError, NotSupportedError, ProgrammingError
from okta_dbapi.sql import depth
from okta_dbapi.sql.dialect import DIALECT
from okta_dbapi.sql.parse import prepare
from okta_dbapi.sql.values import INT_MAX, INT_MIN, check_params, number_literal, to_json, to_literal


def in_sqlite(value: Any) -> Any:
    """What SQLite makes of the literal ``to_literal`` writes for ``value``."""
    sql = "SELECT " + to_literal(value).sql(dialect="sqlite")
    return sqlite3.connect(":memory:").execute(sql).fetchone()[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, 1),
        (False, 0),
        (INT_MAX, INT_MAX),
        (INT_MIN, INT_MIN),
        (1.5, 1.5),
        (math.inf, math.inf),
        (-math.inf, -math.inf),
        (decimal.Decimal("-Infinity"), -math.inf),
        (decimal.Decimal("2.50"), 2.5),
        ("it's", "it's"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 678000), "2024-01-02T03:04:05.678Z"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2024-01-02T01:04:05.000Z"),
        (dt.datetime.min, "0001-01-01T00:00:00.000Z"),
        (dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=-1))), "0001-01-01T01:00:00.000Z"),
        ([1, "é", None], '[1,"é",null]'),
        ((1, 2), "[1,2]"),
        ({"a": {"b": [True]}}, '{"a":{"b":[true]}}'),
    ],
    ids=repr,
)
def test_accepted_values_mean_the_same_in_sqlite(value: Any, expected: Any) -> None:
    assert in_sqlite(value) == expected


def deeply_nested_list(levels: int) -> list[Any]:
    top: list[Any] = []
    current = top
    for _ in range(levels):
        current.append([])
        current = current[0]
    return top


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (INT_MAX + 1, DataError, "with 19 digits does not fit in 64 bits"),
        (INT_MIN - 1, DataError, "64 bits"),
        (10**5000, DataError, "more than 1000 digits"),
        (math.nan, DataError, "NaN"),
        (decimal.Decimal("sNaN"), DataError, "NaN"),
        ("a\ud800b", DataError, "lone surrogate .'\\\\ud800' at position 1"),
        ({"a": "\udfff"}, DataError, "lone surrogate"),
        (["\ud800"], DataError, "lone surrogate"),
        ([math.inf], DataError, "NaN or infinity"),
        (deeply_nested_list(100_000), DataError, "nested too deeply"),
        ({(1, 2): 3}, DataError, "keys must be"),
        (dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-1))), DataError, "UTC"),
        (b"x", NotSupportedError, "bytes"),
        (dt.time(1, 2), NotSupportedError, "time"),
        ({1, 2}, NotSupportedError, "set"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_refused_values_say_why(value: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        to_literal(value)


def test_to_json_is_compact_and_keeps_text_as_text() -> None:
    assert to_json({"k": ["é", 1.5]}) == '{"k":["é",1.5]}'


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("9223372036854775807", INT_MAX),
        ("-9223372036854775808", INT_MIN),
        ("-5", -5),
        ("1e999", math.inf),
        ("0.5", 0.5),
    ],
)
def test_number_literals(text: str, value: float) -> None:
    assert number_literal(text) == value and type(number_literal(text)) is type(value)


@pytest.mark.parametrize("text", ["9223372036854775808", "9" * 5000, "-9" * 1])
def test_number_literals_beyond_64_bits(text: str) -> None:
    if text == "-9":
        assert number_literal(text) == -9
        return
    with pytest.raises(DataError, match="64 bits"):
        number_literal(text)


@pytest.mark.parametrize("params", [None, [], (1,), {"a": 1}, range(2)])
def test_parameter_shapes_accepted(params: Any) -> None:
    assert check_params(params) == (list(params) if isinstance(params, range) else params)


@pytest.mark.parametrize("params", [5, "ab", b"ab", {1, 2}, iter([1]), 1.5, object()])
def test_parameter_shapes_refused(params: Any) -> None:
    with pytest.raises(ProgrammingError, match=r"sequence \(list or tuple\)"):
        check_params(params)


# -- depth -------------------------------------------------------------------------------------


def test_the_limits_are_the_documented_ones() -> None:
    assert (depth.MAX_NESTING, depth.MAX_DEPTH) == (24, 120)


def test_parentheses_side_by_side_do_not_count_as_nesting() -> None:
    sql = "SELECT " + " + ".join(["lower((1))"] * 40)
    prepare(sql)  # 80 parentheses, never more than 2 open at once


def test_unbalanced_closing_parentheses_do_not_hide_nesting() -> None:
    with pytest.raises(ProgrammingError, match="25 levels"):
        prepare("SELECT 1))))) + " + "(" * 25 + "1" + ")" * 25)


@pytest.mark.parametrize("count", [7, 8, 9, 1000, 1001])
@pytest.mark.parametrize("connector", ["AND", "OR"])
def test_balanced_chains_keep_every_term_in_order(count: int, connector: str) -> None:
    terms = [f"c{i} = {i}" for i in range(count)]
    ast = depth.balance(sqlglot.parse_one("SELECT 1 WHERE " + f" {connector} ".join(terms), dialect=DIALECT))
    where = ast.args["where"].this
    found = [node.sql() for node in where.find_all(exp.EQ)]
    assert sorted(found, key=lambda s: int(s.split()[-1])) == terms
    assert [e.sql() for e in _leaves(where, exp.And if connector == "AND" else exp.Or)] == terms
    depth.check_depth(ast)
    levels = _depth(where)
    assert levels <= 2 * math.ceil(math.log2(count)) + 3


def _leaves(node: exp.Expression, kind: type) -> list[exp.Expression]:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, kind):
        return _leaves(node.left, kind) + _leaves(node.right, kind)
    return [node]


def _depth(node: exp.Expression) -> int:
    return 1 + max((_depth(c) for c in node.iter_expressions()), default=0)


@pytest.mark.parametrize("last", ["0", "1"])
def test_a_balanced_chain_means_the_same_in_sqlite(last: str) -> None:
    for connector, count in (("AND", 1001), ("OR", 1000)):
        filler = "1" if connector == "AND" else "0"
        sql = "SELECT 7 WHERE " + f" {connector} ".join([filler] * (count - 1) + [last])
        ast = depth.balance(sqlglot.parse_one(sql, dialect=DIALECT))
        rows = sqlite3.connect(":memory:").execute(ast.sql(dialect="sqlite")).fetchall()
        assert rows == ([(7,)] if last == "1" else [])


def test_a_short_chain_is_left_as_written() -> None:
    sql = "SELECT 1 WHERE a = 1 AND b = 2 AND c = 3"
    assert depth.balance(sqlglot.parse_one(sql, dialect=DIALECT)).sql(dialect=DIALECT) == sql


def test_a_tree_deeper_than_the_limit_is_refused() -> None:
    ast = sqlglot.parse_one("SELECT " + " + ".join(["1"] * (depth.MAX_DEPTH + 5)), dialect=DIALECT)
    with pytest.raises(ProgrammingError, match="too deeply nested"):
        depth.check_depth(ast)
    depth.check_depth(sqlglot.parse_one("SELECT " + " + ".join(["1"] * 50), dialect=DIALECT))


def test_recursion_errors_become_the_nesting_error_also_when_a_library_wraps_them() -> None:
    def wrapped() -> None:
        try:
            raise RecursionError("deep")
        except RecursionError as e:
            raise ValueError("library error") from e

    for fail in (lambda: (_ for _ in ()).throw(RecursionError("deep")), wrapped):
        with pytest.raises(ProgrammingError, match="too deeply nested"), depth.recursion_guard():
            fail()
    with pytest.raises(KeyError), depth.recursion_guard():
        raise KeyError("not about depth")
