"""The Superset engine spec imports without Superset and describes the dialect honestly."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

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


@pytest.mark.parametrize(("grain", "expected"), GRAINS, ids=[str(g[0]) for g in GRAINS])
def test_time_grains_run_in_sqlite_on_okta_timestamps(grain: str | None, expected: str) -> None:
    """Residual SQL runs in SQLite over Okta's ISO 8601 text: every grain must compute there."""
    by_code = {(getattr(k, "value", k)): v for k, v in superset.TIME_GRAIN_EXPRESSIONS.items()}
    expression = by_code[grain].format(col="created")
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE f (created TEXT)")
        db.execute("INSERT INTO f VALUES ('2024-05-15T13:47:21.000Z')")
        assert db.execute(f"SELECT {expression} FROM f").fetchone()[0] == expected


def test_every_superset_grain_is_covered() -> None:
    codes = {getattr(k, "value", k) for k in superset.TIME_GRAIN_EXPRESSIONS}
    assert len(codes) == 22  # None plus Superset's 21 grains


def test_description_type_codes_map_to_sqlalchemy_types() -> None:
    from sqlalchemy import JSON, Boolean, DateTime, Integer, String

    expected = {"string": String, "datetime": DateTime, "json": JSON, "boolean": Boolean, "integer": Integer}
    for code, type_ in expected.items():
        assert isinstance(OktaEngineSpec.get_sqla_column_type(code), type_), code
