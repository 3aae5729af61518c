"""The lastUpdated bound sent to Okta covers every stored timestamp SQLite's text comparison keeps."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from okta_dbapi.sql.ranges import canonical_timestamp, okta_bound

INSTANTS = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31))


def canonical(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def literal_forms(value: dt.datetime) -> st.SearchStrategy[str]:
    text = canonical(value)
    return st.sampled_from(
        [
            text,
            text[:10],
            text[:7],
            text[:4],
            text[:10] + " " + text[11:19],
            text[:19] + "+02:00",
            text[:19] + "-05:00",
            text[:10].replace("-", ""),
            text[:16],
            text[:23],
            text[:10] + "T",
            text + "x",
        ]
    )


LITERALS = INSTANTS.flatmap(literal_forms) | st.text(max_size=12)


@given(stored=INSTANTS, literal=LITERALS, op=st.sampled_from([">", ">=", "<", "<="]))
def test_bound_covers_the_text_comparison(stored: dt.datetime, literal: str, op: str) -> None:
    text = canonical(stored)
    kept = {">": text > literal, ">=": text >= literal, "<": text < literal, "<=": text <= literal}[op]
    okta_op = "ge" if op.startswith(">") else "le"
    bound = okta_bound(literal, okta_op)
    if bound is None or not kept:
        return  # nothing pushed, or a row the local WHERE drops anyway
    # Okta compares instants; canonical text orders like its instant.
    assert (text >= bound) if okta_op == "ge" else (text <= bound)


def test_canonical_form_of_stored_timestamps() -> None:
    assert canonical_timestamp("2021-04-25T20:00:00Z") == "2021-04-25T20:00:00.000Z"
    assert canonical_timestamp("2021-04-25T22:00:00.5+02:00") == "2021-04-25T20:00:00.500Z"
    assert canonical_timestamp("2021-04-25T20:00:00.000Z") == "2021-04-25T20:00:00.000Z"
    assert canonical_timestamp("not a time") == "not a time"
    assert okta_bound("2021-04-25", "ge") == "2021-04-25T00:00:00.000Z"
    assert okta_bound("2021-04-25", "le") == "2021-04-25T23:59:59.999Z"
    assert okta_bound("2021-02", "le") == "2021-02-28T23:59:59.999Z"
    assert okta_bound("20210425", "ge") == "2021-01-01T00:00:00.000Z"
    assert okta_bound("x2021", "ge") is None
