"""Property tests: whatever SQL text, parameter values and shapes, and header values a caller gives,
only ``okta_dbapi.Error`` subclasses escape, and input refused while parsing and binding sends
nothing. Real HTTP against the emulator. Seeded in CI (the ``ci`` profile of tests/conftest.py);
``OKTA_DBAPI_HYPOTHESIS_EXAMPLES=N`` runs N random examples per property.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.exceptions import Error, ProgrammingError
from okta_dbapi.http.headers import header_problem
from okta_dbapi.sql.parse import prepare


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=3, seed=33) as e:
        yield e


@pytest.fixture(scope="module")
def uid(emu: Emulator) -> str:
    return next(u for u in emu.org.user_ids(include_deprovisioned=False) if emu.org.factors(u))


@pytest.fixture(scope="module")
def reader(emu: Emulator) -> Iterator[okta_dbapi.Connection]:
    """Read-only: random statements may say INSERT or DELETE, and must never change the org."""
    connection = okta_dbapi.connect(org_url=emu.url, token=emu.token, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def writer(emu: Emulator) -> Iterator[okta_dbapi.Connection]:
    connection = okta_dbapi.connect(org_url=emu.url, token=emu.token)
    yield connection
    connection.close()


# -- values ------------------------------------------------------------------------------------

ZONES = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-12))])
EDGE_DATETIMES = st.sampled_from([dt.datetime.min, dt.datetime.max, dt.datetime(1970, 1, 1)])
SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "\udc80x"])


class Huge(int):
    """10**5000: str() refuses it (over 4300 digits), so it gets a repr hypothesis can print."""

    def __repr__(self) -> str:
        return "10**5000" if self > 0 else "-10**5000"


class Opaque:
    def __repr__(self) -> str:
        raise RuntimeError("a repr that fails")


def circular() -> list[Any]:
    items: list[Any] = [1]
    items.append(items)
    return items


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.sampled_from([Huge(10**5000), Huge(-(10**5000)), -(10**30), 2**63, -(2**63), 2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([decimal.Decimal("sNaN"), decimal.Decimal("1e999999")]),
    st.text(max_size=20),
    SURROGATES,
    st.binary(max_size=8),
    st.datetimes(timezones=st.none() | ZONES),
    st.builds(lambda d, z: d.replace(tzinfo=z), EDGE_DATETIMES, ZONES),
    st.dates(),
    st.times(),
    st.builds(object),
    st.builds(Opaque),
    st.builds(circular),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3)
        | st.tuples(inner, inner)
    ),
    max_leaves=6,
)


def parameter_shapes(count: int) -> st.SearchStrategy[Any]:
    """Mostly the right shape for ``count`` placeholders, sometimes any shape at all."""
    right = st.lists(values, min_size=count, max_size=count)
    return st.one_of(
        right,
        right.map(tuple),
        st.lists(values, max_size=count + 2),
        st.dictionaries(st.sampled_from(["_p0", "a", "b"]), values, max_size=3),
        st.sampled_from([None, 5, "abc", b"ab", {1, 2}, 1.5]),
        right.map(iter),
    )


# -- SQL text ----------------------------------------------------------------------------------

COLUMNS = st.sampled_from(["userId", "id", "factorType", "status", "created", "profile", "nosuch", "f.userId", "*"])
TABLES = st.sampled_from(
    ["okta.users.factors", "okta.users.users", "factors", "okta.users.nosuch", "okta.users.factors f"]
)
LITERALS = st.sampled_from(["'sms'", "1", "-1", "1e999", "9" * 30, "NULL", "TRUE", "?", ":a", "'it''s'", "x'00'"])


def expressions() -> st.SearchStrategy[str]:
    base = st.one_of(COLUMNS.filter(lambda c: c != "*"), LITERALS)
    return st.recursive(
        base,
        lambda e: st.one_of(
            st.tuples(e, st.sampled_from(["=", "<>", "<", "AND", "OR", "||", "+", "IN"]), e).map(
                lambda t: f"{t[0]} {t[1]} {t[2]}" if t[1] != "IN" else f"{t[0]} IN ({t[2]})"
            ),
            e.map(lambda x: f"({x})"),
            e.map(lambda x: f"NOT {x}"),
            e.map(lambda x: f"lower({x})"),
            st.tuples(e, e).map(lambda t: f"CASE WHEN {t[0]} THEN {t[1]} END"),
            st.tuples(COLUMNS, TABLES, e).map(lambda t: f"(SELECT {t[0]} FROM {t[1]} WHERE {t[2]})"),
        ),
        max_leaves=8,
    )


def nested(e: str, wrapper: str, times: int) -> str:
    """``e`` wrapped ``times`` times: deep nesting near the limits, and far beyond them."""
    opening, closing = {
        "paren": ("(", ")"),
        "subquery": ("userId IN (SELECT userId FROM okta.users.factors WHERE ", ")"),
        "not": ("NOT ", ""),
        "and": ("1=1 AND ", ""),
        "func": ("lower(", ")"),
    }[wrapper]
    return opening * times + e + closing * times


deep_where = st.builds(
    nested,
    expressions(),
    st.sampled_from(["paren", "subquery", "not", "and", "func"]),
    st.integers(min_value=0, max_value=60) | st.sampled_from([23, 24, 25, 100, 400, 1500]),
)
statements = st.one_of(
    st.builds(lambda c, t, w: f"SELECT {c} FROM {t} WHERE {w}", COLUMNS, TABLES, deep_where),
    st.builds(
        lambda c, t, w, n: f"SELECT {c} FROM {t} WHERE {w} LIMIT {n}",
        COLUMNS,
        TABLES,
        expressions(),
        st.sampled_from(["-1", "0", "2", "?", "1e999", "9" * 25]),
    ),
    st.builds(lambda w: f"EXPLAIN SELECT * FROM okta.users.factors WHERE {w}", deep_where),
    st.builds(lambda w: f"DELETE FROM okta.users.factors WHERE {w}", expressions()),
    st.builds(
        lambda v: f"INSERT INTO okta.users.factors (userId, factorType, profile) VALUES ({v}, 'sms', ?)", LITERALS
    ),
    st.builds(lambda a: f"EXEC okta.users.factors.verify_factor @userId={a}, @factorId={a}", LITERALS),
    st.text(max_size=60),
    st.text(alphabet="()SELECT FROMWHERE?:'\";-*/\\0123456789.,@=<>!|\x00\n", max_size=80),
)


def placeholders(sql: str) -> int:
    return sql.count("?")


@given(data=st.data(), sql=statements)
def test_only_pep249_errors_escape_and_refusals_send_nothing(
    emu: Emulator, reader: okta_dbapi.Connection, data: st.DataObject, sql: str
) -> None:
    params = data.draw(parameter_shapes(placeholders(sql)), label="params")
    try:
        prepare(sql, params)
        refused_early: Error | None = None
    except Error as e:
        refused_early = e
    if isinstance(params, Iterator):  # prepare() used it up; the cursor gets a fresh one
        params = iter(data.draw(st.lists(values, min_size=1, max_size=2)))
    emu.log.clear()
    try:
        reader.cursor().execute(sql, params).fetchall()
    except Error as e:
        if refused_early is not None:
            assert type(e) is type(refused_early)
            assert emu.log.count() == 0, f"refused input still sent {emu.log.count()} request(s)"
    # Anything else (a RecursionError, a TypeError, a UnicodeEncodeError...) fails the test.


@given(value=values)
def test_a_parameter_value_is_refused_before_sending_or_handled(
    emu: Emulator, reader: okta_dbapi.Connection, uid: str, value: Any
) -> None:
    emu.log.clear()
    try:
        rows = (
            reader.cursor()
            .execute(
                "SELECT id FROM okta.users.factors WHERE userId = ? AND (factorType = ? OR ? IS NULL OR 1=1)",
                [uid, value, value],
            )
            .fetchall()
        )
    except Error:
        assert emu.log.count() == 0
        return
    assert len(rows) == len(emu.org.factors(uid)), "an accepted value must not change the answer"


header_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12),
    st.sampled_from([" fr", "fr ", "fr\x00", "fr\x0b", "fr\x0c", "a\r\nb", "\t", "fr\u00e9", "\u65e5", "en-US"]),
)


@given(value=header_text)
def test_a_header_value_is_sent_as_given_or_refused_before_sending(
    emu: Emulator, writer: okta_dbapi.Connection, value: str
) -> None:
    assume(value != "")  # an empty header value means "not given"
    emu.log.clear()
    try:
        writer.cursor().execute(
            "EXEC okta.users.factors.verify_factor @userId='00unosuchuser', @factorId='x', @X-Forwarded-For=?",
            [value],
        )
    except ProgrammingError as e:
        if header_problem(value) is not None:
            assert getattr(e, "maybe_applied", None) is False
            assert emu.log.count() == 0
            return
        # a valid value: sent, and Okta's 404 for the unknown user came back
        (entry,) = emu.log.entries
        assert {k.lower(): v for k, v in entry.headers.items()}["x-forwarded-for"] == value
        return
    raise AssertionError("an unknown user must not be verified")
