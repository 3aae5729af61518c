"""Row conversion: Okta's timestamps read the same on every Python version, and anything
unreadable flows through unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okta_dbapi.catalog import USERS
from okta_dbapi.sql.rows import _parse_timestamp_slow, api_converter, api_row, output_reader, parse_timestamp

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T12:34:56.000Z", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01T12:34:56Z", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01T12:34:56.123+02:00", dt.datetime(2024, 3, 1, 10, 34, 56, 123000, tzinfo=UTC)),
        ("2024-03-01T12:34:56", dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),  # naive: Okta means UTC
    ],
)
def test_timestamps(text: str, expected: dt.datetime) -> None:
    value = parse_timestamp(text)
    assert value == expected and value.tzinfo is not None


@pytest.mark.parametrize("value", ["not a date", "", "2024-13-01T00:00:00Z", None, 5, {"a": 1}])
def test_unreadable_values_flow_through(value: object) -> None:
    assert parse_timestamp(value) == value


@given(st.datetimes(timezones=st.just(UTC)))
def test_fast_and_portable_paths_agree(moment: dt.datetime) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert parse_timestamp(text) == _parse_timestamp_slow(text)


def test_converters_match_api_row() -> None:
    item = {"id": "00u1", "created": "2024-03-01T12:34:56.000Z", "profile": {"login": "a@b"}, "extra": 1}
    assert api_converter(USERS)(item) == api_row(USERS, item, {})
    columns = [USERS.column("id"), USERS.column("created"), USERS.column("lastLogin"), USERS.column("profile")]
    row = api_row(USERS, item, {})
    assert output_reader([c for c in columns if c])(row) == (
        "00u1",
        dt.datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC),
        None,
        {"login": "a@b"},
    )
