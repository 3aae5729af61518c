"""pandas through the engine: read_sql, read_sql with text() and parameters, read_sql_table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy
from pandas.api.types import is_datetime64_any_dtype
from sqlalchemy import text
from sqlalchemy.engine import Engine

from okta_dbapi.emulator import Emulator


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


# pandas 2.2+ accepts only SQLAlchemy 2 engines (it treats a 1.4 Engine as a raw DBAPI
# connection); Superset 6.1 pins pandas 2.1.x with SQLAlchemy 1.4.
pytestmark = pytest.mark.skipif(
    _major_minor(sqlalchemy.__version__) < (2, 0) and _major_minor(pd.__version__) >= (2, 2),
    reason=f"pandas {pd.__version__} does not support SQLAlchemy {sqlalchemy.__version__}; use pandas<2.2",
)


def assert_utc_timestamps(series: pd.Series) -> None:
    assert is_datetime64_any_dtype(series.dtype), series.dtype
    assert str(series.dt.tz) == "UTC"


@pytest.fixture(scope="module")
def user_id(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text('SELECT "userId" FROM users.factors LIMIT 1')).scalar())


def test_read_sql_string(engine: Engine, user_id: str, log: Emulator) -> None:
    df = pd.read_sql(
        f'SELECT id, "factorType", created, profile FROM users.factors WHERE "userId" = \'{user_id}\'', engine
    )
    assert list(df.columns) == ["id", "factorType", "created", "profile"]
    assert len(df) >= 1
    assert_utc_timestamps(df["created"])
    assert df["profile"].dtype == object
    assert all(isinstance(v, dict) for v in df["profile"])
    assert log.log.count() == 1


def test_read_sql_text_with_params(engine: Engine, user_id: str) -> None:
    df = pd.read_sql(
        text('SELECT "factorType", "lastUpdated" FROM okta.users.factors WHERE "userId" = :uid'),
        engine,
        params={"uid": user_id},
    )
    assert len(df) >= 1
    assert_utc_timestamps(df["lastUpdated"])


def test_read_sql_table(engine: Engine) -> None:
    df = pd.read_sql_table("factors", engine, schema="users")
    assert list(df.columns)[:4] == ["id", "_embedded", "_links", "created"]
    assert len(df) > 30
    for column in ("created", "lastUpdated"):
        assert_utc_timestamps(df[column])
    for column in ("profile", "_links"):
        assert df[column].dtype == object
        assert isinstance(df[column].dropna().iloc[0], dict)
    assert isinstance(df["created"].iloc[0], (pd.Timestamp, dt.datetime))


def test_read_sql_table_users_with_columns(engine: Engine) -> None:
    df = pd.read_sql_table("users", engine, schema="users", columns=["id", "status", "created"])
    assert list(df.columns) == ["id", "status", "created"]
    # Every user, DEPROVISIONED ones included, whatever the plan.
    assert len(df) == pd.read_sql("SELECT count(*) AS n FROM users.users", engine)["n"].iloc[0]
    assert 0 < len(df) <= 30
    assert_utc_timestamps(df["created"])


def test_aggregates_of_timestamps_are_datetime_columns_named_as_written(engine: Engine, emu: Emulator) -> None:
    sql = 'SELECT status, max(created), count(*), coalesce("lastLogin", created) AS seen FROM users.users GROUP BY 1'
    df = pd.read_sql(text(sql), engine)
    assert list(df.columns) == ["status", "max(created)", "count(*)", "seen"]
    assert_utc_timestamps(df["max(created)"])
    assert_utc_timestamps(df["seen"])
    assert df["count(*)"].dtype.kind == "i"
    listed = [emu.org.user(u) or {} for u in emu.org.user_ids(include_deprovisioned=True)]
    assert int(df["count(*)"].sum()) == len(listed)
