"""The Superset engine spec imports without Superset and describes the dialect honestly."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

import pytest
import sqlglot
from sqlalchemy.engine import Engine
from sqlglot.dialects.dialect import Dialect

from okta_dbapi.emulator import Emulator
from okta_dbapi.sql.dialect import DIALECT
from okta_sqlalchemy import superset
from okta_sqlalchemy.superset import OktaEngineSpec, okta_timestamp


def test_identity_and_capabilities() -> None:
    assert OktaEngineSpec.engine == "okta"
    assert OktaEngineSpec.engine_name == "Okta"
    assert OktaEngineSpec.default_driver == "rest"
    assert OktaEngineSpec.allows_joins is True
    assert OktaEngineSpec.allows_subqueries is True
    assert OktaEngineSpec.supports_file_upload is False


def test_okta_timestamp_format() -> None:
    naive = dt.datetime(2024, 5, 1, 9, 30, 0, 123456)
    assert okta_timestamp(naive) == "2024-05-01T09:30:00.123Z"
    aware = dt.datetime(2024, 5, 1, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert okta_timestamp(aware) == "2024-05-01T09:30:00.000Z"


@pytest.mark.parametrize(("target", "expected"), [("datetime", True), ("string", True), ("integer", False)])
def test_convert_dttm(target: str, expected: bool) -> None:
    literal = OktaEngineSpec.convert_dttm(target, dt.datetime(2024, 5, 1))
    assert (literal == "'2024-05-01T00:00:00.000Z'") is expected


GRAINS = [
    (None, "2024-05-15T13:47:21.000Z"),
    ("PT1S", "2024-05-15 13:47:21"),
    ("PT5S", "2024-05-15 13:47:20"),
    ("PT1M", "2024-05-15 13:47:00"),
    ("PT15M", "2024-05-15 13:45:00"),
    ("PT1H", "2024-05-15 13:00:00"),
    ("PT6H", "2024-05-15 12:00:00"),
    ("P1D", "2024-05-15 00:00:00"),
    ("P1W", "2024-05-12 00:00:00"),
    ("P1M", "2024-05-01 00:00:00"),
    ("P3M", "2024-04-01 00:00:00"),
    ("P1Y", "2024-01-01 00:00:00"),
    ("P1W/1970-01-03T00:00:00Z", "2024-05-18 00:00:00"),
    ("1969-12-29T00:00:00Z/P1W", "2024-05-13 00:00:00"),
]


def grain_sql(code: str | None) -> str:
    by_code = {(getattr(k, "value", k)): v for k, v in superset.TIME_GRAIN_EXPRESSIONS.items()}
    return by_code[code].format(col="created")


def run_in_sqlite(expression: str, timestamps: list[str]) -> list[str]:
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE f (n INTEGER, created TEXT)")
        db.executemany("INSERT INTO f VALUES (?, ?)", list(enumerate(timestamps)))
        return [row[0] for row in db.execute(f"SELECT {expression} FROM f ORDER BY n")]


@pytest.mark.parametrize(("grain", "expected"), GRAINS, ids=[str(g[0]) for g in GRAINS])
def test_time_grains_run_in_sqlite_on_okta_timestamps(grain: str | None, expected: str) -> None:
    """Residual SQL runs in SQLite over Okta's ISO 8601 text: every grain must compute there."""
    assert run_in_sqlite(grain_sql(grain), ["2024-05-15T13:47:21.000Z"]) == [expected]


def test_every_superset_grain_is_covered() -> None:
    codes = {getattr(k, "value", k) for k in superset.TIME_GRAIN_EXPRESSIONS}
    assert len(codes) == 22  # None plus Superset's 21 grains
    assert codes - {None} == set(BUCKET) | {"PT0.5H", "P0.25Y"}


# -- every grain against a reference, over two weeks of days and over quarter boundaries -----------


def _floor(seconds: int) -> Callable[[dt.datetime], dt.datetime]:
    def bucket(t: dt.datetime) -> dt.datetime:
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        into_day = int((t - midnight).total_seconds())
        return midnight + dt.timedelta(seconds=into_day - into_day % seconds)

    return bucket


def _day_moved(days: Callable[[int], int]) -> Callable[[dt.datetime], dt.datetime]:
    """The day of ``t`` moved by ``days(weekday)`` days (Python weekdays: Monday is 0)."""

    def bucket(t: dt.datetime) -> dt.datetime:
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + dt.timedelta(days=days(t.weekday()))

    return bucket


def _quarter(t: dt.datetime) -> dt.datetime:
    return dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1)


BUCKET: dict[str, Callable[[dt.datetime], dt.datetime]] = {
    "PT1S": _floor(1),
    "PT5S": _floor(5),
    "PT30S": _floor(30),
    "PT1M": _floor(60),
    "PT5M": _floor(300),
    "PT10M": _floor(600),
    "PT15M": _floor(900),
    "PT30M": _floor(1800),
    "PT1H": _floor(3600),
    "PT6H": _floor(6 * 3600),
    "P1D": _floor(86400),
    "P1W": _day_moved(lambda wd: -((wd + 1) % 7)),  # weeks start on Sunday, as in Superset's SQLite spec
    "1969-12-28T00:00:00Z/P1W": _day_moved(lambda wd: -((wd + 1) % 7)),  # the Sunday on or before
    "1969-12-29T00:00:00Z/P1W": _day_moved(lambda wd: -wd),  # the Monday on or before
    "P1W/1970-01-03T00:00:00Z": _day_moved(lambda wd: (5 - wd) % 7),  # the Saturday on or after
    "P1W/1970-01-04T00:00:00Z": _day_moved(lambda wd: (6 - wd) % 7),  # the Sunday on or after
    "P1M": lambda t: dt.datetime(t.year, t.month, 1),
    "P3M": _quarter,
    "P1Y": lambda t: dt.datetime(t.year, 1, 1),
}
BUCKET["PT0.5H"] = BUCKET["PT30M"]
BUCKET["P0.25Y"] = BUCKET["P3M"]


def _moments() -> list[dt.datetime]:
    """Two weeks of days at the edges of the day, and the first and last instant of every month."""
    two_weeks = [
        dt.datetime(2024, 5, 6) + dt.timedelta(days=d, hours=h, minutes=m, seconds=s, milliseconds=ms)
        for d in range(14)
        for h, m, s, ms in [(0, 0, 0, 0), (5, 59, 59, 999), (13, 47, 21, 500), (23, 59, 59, 999)]
    ]
    month_edges = []
    for year in (2023, 2024):
        for month in range(1, 13):
            first = dt.datetime(year, month, 1)
            month_edges += [first, first - dt.timedelta(milliseconds=1)]
    return two_weeks + month_edges


MOMENTS = _moments()
OKTA_TEXT = [okta_timestamp(t) for t in MOMENTS]


def _expected(code: str) -> list[str]:
    return [BUCKET[code](t).strftime("%Y-%m-%d %H:%M:%S") for t in MOMENTS]


def _generic_roundtrip(expression: str) -> str:
    """What Superset does with a query for an engine it knows no sqlglot dialect for: parse it with
    sqlglot's generic dialect (a failure is HTTP 422) and, where it rewrites SQL, write it back
    with the same dialect (``SQLStatement.format``); the driver then reads it with its own dialect."""
    statement = sqlglot.parse_one(f"SELECT {expression} AS bucket FROM f ORDER BY n")
    generic = Dialect.get_or_raise(None).generate(statement, copy=True, pretty=True)
    driver_sql = sqlglot.parse_one(generic, read=DIALECT).sql(dialect=DIALECT)
    return driver_sql[len("SELECT ") : driver_sql.index(" AS bucket")]


@pytest.mark.parametrize("code", sorted(BUCKET))
def test_grain_buckets_match_the_reference(code: str) -> None:
    assert len(set(OKTA_TEXT)) == len(OKTA_TEXT) == 14 * 4 + 48
    assert run_in_sqlite(grain_sql(code), OKTA_TEXT) == _expected(code)


@pytest.mark.parametrize("code", sorted(BUCKET))
def test_grains_parse_with_sqlglots_generic_dialect_and_keep_their_meaning(code: str) -> None:
    assert run_in_sqlite(_generic_roundtrip(grain_sql(code)), OKTA_TEXT) == _expected(code)


def test_week_grains_keep_a_weeks_first_and_last_day_in_that_week() -> None:
    sunday, saturday, monday = "2024-05-12T00:00:00.000Z", "2024-05-18T23:59:59.999Z", "2024-05-13T00:00:00.000Z"
    assert run_in_sqlite(grain_sql("1969-12-28T00:00:00Z/P1W"), [sunday, saturday]) == ["2024-05-12 00:00:00"] * 2
    assert run_in_sqlite(grain_sql("1969-12-29T00:00:00Z/P1W"), [monday]) == ["2024-05-13 00:00:00"]
    assert run_in_sqlite(grain_sql("P1W/1970-01-03T00:00:00Z"), [saturday]) == ["2024-05-18 00:00:00"]


def test_description_type_codes_map_to_sqlalchemy_types() -> None:
    from sqlalchemy import JSON, Boolean, DateTime, Integer, String

    expected = {"string": String, "datetime": DateTime, "json": JSON, "boolean": Boolean, "integer": Integer}
    for code, type_ in expected.items():
        assert isinstance(OktaEngineSpec.get_sqla_column_type(code), type_), code


def test_every_grain_through_the_dialect_against_the_emulator(engine: Engine, log: Emulator) -> None:
    """The grains as Superset sends them: compiled by the dialect, run by the driver over real HTTP."""
    from sqlalchemy import column, literal_column, select, table

    uid = next(u for u in log.org.user_ids(include_deprovisioned=False) if log.org.factors(u))
    codes = sorted(BUCKET)
    factors = table("factors", column("created"), column("userId"), schema="users")
    grains = [literal_column(grain_sql(code)).label(f"g{i}") for i, code in enumerate(codes)]
    query = select(factors.c.created, *grains).where(factors.c.userId == uid)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    assert len(rows) == len(log.org.factors(uid))
    assert log.log.count() == 1
    for created, *buckets in rows:
        naive = created.astimezone(dt.timezone.utc).replace(tzinfo=None)
        assert buckets == [BUCKET[code](naive).strftime("%Y-%m-%d %H:%M:%S") for code in codes]
