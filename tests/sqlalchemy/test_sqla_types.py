"""The dialect's types: JSON must not decode what the driver already decoded; DateTime and Date
read the text SQL expressions produce."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import JSON, Date, DateTime, MetaData, Table, cast, func, select
from sqlalchemy.engine import Engine

from okta_dbapi.emulator import Emulator
from okta_sqlalchemy.dialect import OktaDialect
from okta_sqlalchemy.types import OktaJSON

dialect = OktaDialect()


def result(value: object) -> object:
    impl = JSON().dialect_impl(dialect)
    assert isinstance(impl, OktaJSON)
    process = impl.result_processor(dialect, "json")
    return process(value)


def test_dicts_and_lists_pass_through() -> None:
    value = {"email": "a@example.com", "nested": [1, 2]}
    assert result(value) is value
    listed = [{"a": 1}]
    assert result(listed) is listed


def test_json_text_is_decoded() -> None:
    assert result('{"a": 1}') == {"a": 1}
    assert result('"quoted"') == "quoted"
    assert result(b"[1, 2]") == [1, 2]


def test_plain_text_and_none_survive() -> None:
    assert result("not json") == "not json"
    assert result(None) is None
    assert result(3) == 3


def test_custom_deserializer_is_used() -> None:
    custom = OktaDialect(json_deserializer=lambda text: ("custom", text))
    process = JSON().dialect_impl(custom).result_processor(custom, "json")
    assert process("[]") == ("custom", "[]")
    assert process({"a": 1}) == {"a": 1}


def test_datetime_has_no_string_processing() -> None:
    from sqlalchemy import DateTime

    impl = DateTime(timezone=True).dialect_impl(dialect)
    processor = impl.result_processor(dialect, "datetime")
    value = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert processor is None or processor(value) == value


UTC = dt.timezone.utc


def datetime_result(value: object, type_: DateTime | Date | None = None) -> object:
    type_ = DateTime() if type_ is None else type_
    processor = type_.dialect_impl(dialect).result_processor(dialect, "datetime")
    assert processor is not None
    return processor(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T09:30:00.000Z", dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),  # Okta's text: max(created)
        ("2024-05-01 09:30:00", dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),  # SQLite's DATETIME(), now()
        ("2024-05-01T11:30:00+02:00", dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01", dt.datetime(2024, 5, 1, tzinfo=UTC)),
        (b"2024-05-01 09:30:00", dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (None, None),
        ("not a time", "not a time"),
    ],
)
def test_datetime_reads_text(text: object, expected: object) -> None:
    got = datetime_result(text)
    assert got == expected
    if isinstance(got, dt.datetime):
        assert got.tzinfo is not None
    assert datetime_result(text, DateTime(timezone=True)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", dt.date(2024, 5, 1)),
        ("2024-05-01T23:30:00.000Z", dt.date(2024, 5, 1)),
        ("2024-05-02T01:30:00+02:00", dt.date(2024, 5, 1)),  # the UTC day
        (dt.datetime(2024, 5, 1, 9, 30, tzinfo=UTC), dt.date(2024, 5, 1)),
        (dt.date(2024, 5, 1), dt.date(2024, 5, 1)),
        (None, None),
    ],
)
def test_date_reads_text_and_timestamps(value: object, expected: object) -> None:
    assert datetime_result(value, Date()) == expected


@pytest.fixture(scope="module")
def reflected(engine: Engine) -> tuple[Table, Table]:
    metadata = MetaData()
    users = Table("users", metadata, schema="users", autoload_with=engine)
    factors = Table("factors", metadata, schema="users", autoload_with=engine)
    return users, factors


def _okta_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_aggregates_and_casts_of_timestamps_come_back_typed(
    engine: Engine, reflected: tuple[Table, Table], log: Emulator
) -> None:
    users, factors = reflected
    listed = [log.org.user(u) or {} for u in log.org.user_ids(include_deprovisioned=True)]
    created = [_okta_time(u["created"]) for u in listed]
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(users.c.created))).scalar_one()
        days = conn.execute(select(cast(users.c.created, Date))).scalars().all()
        first_seen = conn.execute(select(func.coalesce(users.c.lastLogin, users.c.created))).scalars().all()
        now = conn.execute(select(func.now())).scalar_one()
        first_factor = conn.execute(select(func.min(factors.c.created)).where(factors.c.userId == listed[0]["id"]))
        first_factor_value = first_factor.scalar_one()
    assert latest == max(created) and latest.tzinfo is not None
    assert sorted(days) == sorted(c.date() for c in created)
    assert all(isinstance(v, dt.datetime) and v.tzinfo is not None for v in first_seen)
    assert isinstance(now, dt.datetime) and abs(now - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)
    factors_created = [_okta_time(f["created"]) for f in log.org.factors(listed[0]["id"])]
    assert first_factor_value == (min(factors_created) if factors_created else None)
    # users: two listings (the users, then the DEPROVISIONED ones) per query that reads them (3 x 2);
    # now(): none; min over one user's factors: one
    assert log.log.count() == 7
