"""The exact lastUpdated bounds sent to Okta, and the canonical form of stored timestamps.

test_ranges.py checks that a bound always covers what SQLite's text comparison keeps; a bound
that is too wide passes it (more users fetched, the same rows). These pin each bound exactly, so a
needlessly wide bound, a crash on an odd literal, or a bound that cuts off kept rows shows up.
"""

from __future__ import annotations

import pytest

from okta_dbapi.sql.ranges import canonical_timestamp, okta_bound


@pytest.mark.parametrize("op", ["ge", "le"])
def test_a_canonical_literal_is_its_own_bound(op: str) -> None:
    # The canonical form compares as text exactly as its instant does: no widening to the day.
    assert okta_bound("2021-04-25T20:00:00.000Z", op) == "2021-04-25T20:00:00.000Z"
    assert okta_bound("2019-12-31T23:59:59.999Z", op) == "2019-12-31T23:59:59.999Z"


@pytest.mark.parametrize("op", ["ge", "le"])
def test_a_canonical_shaped_literal_that_is_no_instant_pushes_nothing(op: str) -> None:
    # Okta would reject the filter (400): nothing is sent, the local WHERE decides.
    assert okta_bound("2021-02-30T20:00:00.000Z", op) is None
    assert okta_bound("2021-04-25T24:00:00.000Z", op) is None


@pytest.mark.parametrize("literal", [None, 2021, 2021.5, True, b"2021"])
def test_a_literal_that_is_not_text_pushes_nothing(literal: object) -> None:
    assert okta_bound(literal, "ge") is None
    assert okta_bound(literal, "le") is None


@pytest.mark.parametrize(
    ("literal", "low", "high"),
    [
        # a day, whatever follows it
        ("2021-04-25", "2021-04-25T00:00:00.000Z", "2021-04-25T23:59:59.999Z"),
        ("2021-04-25 20:00:00", "2021-04-25T00:00:00.000Z", "2021-04-25T23:59:59.999Z"),
        ("2021-12-31T23:00:00+02:00", "2021-12-31T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        # a month: its own length, leap years included
        ("2021-02", "2021-02-01T00:00:00.000Z", "2021-02-28T23:59:59.999Z"),
        ("2020-02", "2020-02-01T00:00:00.000Z", "2020-02-29T23:59:59.999Z"),
        ("2021-04", "2021-04-01T00:00:00.000Z", "2021-04-30T23:59:59.999Z"),
        ("2021-12-", "2021-12-01T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        # no such day: the month it names
        ("2021-02-30", "2021-02-01T00:00:00.000Z", "2021-02-28T23:59:59.999Z"),
        ("2021-13-01", "2021-01-01T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        # a year
        ("2021", "2021-01-01T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        ("20210425", "2021-01-01T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        ("9999", "9999-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"),
        ("0001", "0001-01-01T00:00:00.000Z", "0001-12-31T23:59:59.999Z"),
        # only two-digit months and days make a month or a day: strptime's '2021-4-5' is not
        # one, since '2021-4-5' sorts after every canonical timestamp of 2021
        ("2021-4-5", "2021-01-01T00:00:00.000Z", "2021-12-31T23:59:59.999Z"),
        ("2021-04-5", "2021-04-01T00:00:00.000Z", "2021-04-30T23:59:59.999Z"),
    ],
)
def test_a_prefix_bounds_its_whole_day_month_or_year(literal: str, low: str, high: str) -> None:
    assert okta_bound(literal, "ge") == low
    assert okta_bound(literal, "le") == high


def test_the_bound_of_a_loose_literal_keeps_every_row_sqlite_keeps() -> None:
    # Stored rows of April and June 2021 are all text-below '2021-4-5': an upper bound cut at
    # April 5th would drop rows the local comparison keeps.
    for stored in ("2021-04-30T10:00:00.000Z", "2021-06-01T00:00:00.000Z"):
        assert stored < "2021-4-5"
        assert stored <= okta_bound("2021-4-5", "le")  # type: ignore[operator]


@pytest.mark.parametrize("literal", ["", "x2021", "202", "-2021", "२०२१"])
def test_no_date_prefix_pushes_nothing(literal: str) -> None:
    assert okta_bound(literal, "ge") is None
    assert okta_bound(literal, "le") is None


@pytest.mark.parametrize(
    ("stored", "canonical"),
    [
        ("2021-04-25T20:00:00Z", "2021-04-25T20:00:00.000Z"),
        ("2021-04-25T20:00:00.123456Z", "2021-04-25T20:00:00.123Z"),
        ("2021-04-25T20:00:00.999999+00:00", "2021-04-25T20:00:00.999Z"),
        ("2021-04-26T01:30:00+05:30", "2021-04-25T20:00:00.000Z"),
        ("2021-04-25 20:00:00", "2021-04-25T20:00:00.000Z"),  # no zone: taken as UTC
        ("2021-04-25", "2021-04-25T00:00:00.000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
    ],
)
def test_stored_timestamps_in_the_canonical_form(stored: str, canonical: str) -> None:
    assert canonical_timestamp(stored) == canonical
    assert canonical_timestamp(canonical) == canonical


@pytest.mark.parametrize("value", [None, 0, 1619380800, 1.5, True, ["2021"], {"at": "2021"}, "Z", "soon", ""])
def test_other_values_are_stored_unchanged(value: object) -> None:
    assert canonical_timestamp(value) == value
    assert type(canonical_timestamp(value)) is type(value)
