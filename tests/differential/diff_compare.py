"""Run one query through the driver and through the oracle, and compare the answers."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diff_world import TX_TABLE

import okta_dbapi

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    """A generated query. ``ordered``: its ORDER BY is total, so row order is part of the answer.
    ``sees_transactions``: its WHERE binds ``transactionId =``, so the oracle reads ``factors_tx``."""

    sql: str
    ordered: bool = False
    sees_transactions: bool = False
    oracle: str | None = None  # the oracle's text where it differs (``factorId`` is the column ``id``)
    params: tuple[Any, ...] | None = None  # qmark parameters, bound by the driver


def normalise(value: Any) -> Any:
    """One comparable form for a value from either side.

    The driver gives timezone-aware ``datetime`` for timestamps and ``dict``/``list`` for objects;
    the oracle gives the stored text. Both become Okta's ISO text and canonical JSON text. Floats
    are rounded (an aggregate may add in another order), and bools become ints (SQLite has none).
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, (dict, list)):
        return "json:" + json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return "json:" + json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 9)
    return value


def normalise_rows(rows: Sequence[Sequence[Any]]) -> list[Row]:
    return [tuple(normalise(v) for v in row) for row in rows]


def oracle_sql(query: Query) -> str:
    """The driver's SQL as the oracle runs it: ``okta.users.X`` is the attached schema's ``users.X``."""
    sql = re.sub(r"\bokta\.users\.", "users.", query.oracle or query.sql, flags=re.IGNORECASE)
    if query.sees_transactions:
        sql = re.sub(r"\busers\.factors\b", f"users.{TX_TABLE}", sql)
    return sql


def oracle_param(value: Any) -> Any:
    """A parameter as the oracle binds it. The documented rule (README "SQL", docs/sqlalchemy.md):
    a ``datetime`` parameter is written the way Okta writes timestamps (UTC, milliseconds, ``Z``;
    naive means UTC), so it compares in time order with the stored text."""
    if isinstance(value, dt.datetime):
        return normalise(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
    return value


def run_oracle(db: sqlite3.Connection, query: Query) -> list[Row]:
    params = tuple(oracle_param(v) for v in query.params or ())
    try:
        return normalise_rows(db.execute(oracle_sql(query), params).fetchall())
    except sqlite3.Error as e:  # a generator bug, not a driver bug: say so plainly
        raise AssertionError(f"the oracle cannot run the generated query ({e}): {oracle_sql(query)}") from e


def run_driver(conn: okta_dbapi.Connection, sql: str, params: tuple[Any, ...] | None = None) -> list[Row]:
    cur = conn.cursor()
    try:
        cur.execute(sql, params)
        return normalise_rows(cur.fetchall())
    finally:
        cur.close()


def explain(conn: okta_dbapi.Connection, sql: str, params: tuple[Any, ...] | None = None) -> str:
    try:
        return "\n".join(str(r) for r in run_driver(conn, "EXPLAIN " + sql, params))
    except Exception as e:
        return f"(EXPLAIN failed: {type(e).__name__}: {e})"


def same_answer(query: Query, expected: list[Row], got: list[Row]) -> bool:
    if query.ordered:
        return expected == got
    return Counter(expected) == Counter(got)


def describe(rows: list[Row], limit: int = 8) -> str:
    shown = [repr(tuple(str(v)[:60] for v in r)) for r in rows[:limit]]
    more = f"\n    ... {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{len(rows)} rows\n    " + "\n    ".join(shown) + more


def column_diff(expected: list[Row], got: list[Row]) -> str:
    """The columns where the first oracle-only row and the first driver-only row differ, in full."""
    if not expected or not got or len(expected[0]) != len(got[0]):
        return ""
    cols = [i for i, (a, b) in enumerate(zip(expected[0], got[0])) if a != b]
    return "".join(
        f"\n    column {i}: oracle {str(expected[0][i])[:300]}\n              driver {str(got[0][i])[:300]}"
        for i in cols
    )


def check(conn: okta_dbapi.Connection, db: sqlite3.Connection, query: Query) -> list[Row]:
    """Assert the driver answers ``query`` as the oracle does (an error counts as a wrong answer);
    returns the driver's rows, normalised."""
    expected = run_oracle(db, query)
    try:
        got = run_driver(conn, query.sql, query.params)
    except Exception as e:
        raise AssertionError(
            f"the driver raised where SQLite answers\n  query: {query.sql} {query.params or ''}\n"
            f"  {type(e).__name__}: {e}\n"
            f"  oracle: {describe(expected)}\n  plan:\n{explain(conn, query.sql, query.params)}"
        ) from e
    if not same_answer(query, expected, got):
        missing = list((Counter(expected) - Counter(got)).elements())
        extra = list((Counter(got) - Counter(expected)).elements())
        raise AssertionError(
            f"the driver's answer differs from the oracle's\n  query: {query.sql} {query.params or ''}\n"
            f"  oracle: {describe(expected)}\n  driver: {describe(got)}\n"
            f"  only in oracle: {describe(missing, 4)}\n  only in driver: {describe(extra, 4)}"
            f"{column_diff(missing, extra)}\n"
            f"  plan:\n{explain(conn, query.sql, query.params)}"
        )
    return got
