"""Hostile input ends in a PEP 249 error before anything is sent, or is handled right.

One row per case found by probing the driver (issue 10, sections 5 to 8). Real HTTP against the
emulator: every refusal is checked to have sent nothing (``emu.log`` stays empty).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.exceptions import DataError, Error, InterfaceError, NotSupportedError, ProgrammingError
from okta_dbapi.settings import Settings, is_loopback_host
from okta_dbapi.sql import depth

FACTORS_OF = "SELECT * FROM okta.users.factors WHERE userId = ?"
EAST = dt.timezone(dt.timedelta(hours=5))
WEST = dt.timezone(dt.timedelta(hours=-5))


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=4, seed=21) as e:
        yield e


@pytest.fixture
def conn(emu: Emulator) -> Iterator[okta_dbapi.Connection]:
    connection = okta_dbapi.connect(org_url=emu.url, token=emu.token)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def uid(emu: Emulator) -> str:
    return next(u for u in emu.org.user_ids(include_deprovisioned=False) if emu.org.factors(u))


def circular() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


def one_value() -> Iterator[str]:
    yield "x"


# (name, sql, params, exception, words the message must contain)
REFUSED: list[tuple[str, str, Callable[[str], Any], type[Error], str]] = [
    (
        "48 nested parentheses",
        "SELECT * FROM okta.users.factors WHERE userId = " + "(" * 48 + "?" + ")" * 48,
        lambda u: [u],
        ProgrammingError,
        "too deeply nested",
    ),
    (
        "100 nested subqueries",
        "SELECT * FROM okta.users.factors WHERE userId IN "
        + "(SELECT userId FROM okta.users.factors WHERE userId IN " * 100
        + "(?)"
        + ")" * 100,
        lambda u: [u],
        ProgrammingError,
        "too deeply nested",
    ),
    (
        "500 NOTs without parentheses",
        "SELECT * FROM okta.users.factors WHERE userId = ? AND " + "NOT " * 500 + "0",
        lambda u: [u],
        ProgrammingError,
        "too deeply nested",
    ),
    (
        "1000 concatenations",
        "SELECT * FROM okta.users.factors WHERE userId = ? AND id = " + " || ".join(["'a'"] * 1000),
        lambda u: [u],
        ProgrammingError,
        "too deeply nested",
    ),
    ("a lone surrogate", FACTORS_OF, lambda u: ["\ud800"], DataError, "surrogate"),
    (
        "a lone surrogate in the SQL",
        "SELECT * FROM okta.users.factors WHERE userId = '\udfff'",
        lambda u: None,
        DataError,
        "surrogate",
    ),
    (
        "datetime.min east of UTC",
        FACTORS_OF + " AND created > ?",
        lambda u: [u, dt.datetime.min.replace(tzinfo=EAST)],
        DataError,
        "UTC",
    ),
    (
        "datetime.max west of UTC",
        FACTORS_OF + " AND created > ?",
        lambda u: [u, dt.datetime.max.replace(tzinfo=WEST)],
        DataError,
        "UTC",
    ),
    ("a list holding object()", FACTORS_OF, lambda u: [[object()]], DataError, "JSON"),
    ("a circular list", FACTORS_OF, lambda u: [circular()], DataError, "contains itself"),
    ("NaN inside a dict", FACTORS_OF, lambda u: [{"a": math.nan}], DataError, "NaN"),
    ("10**5000", FACTORS_OF + " AND 1 < ?", lambda u: [u, 10**5000], DataError, "64 bits"),
    ("2**63", FACTORS_OF + " AND 1 < ?", lambda u: [u, 2**63], DataError, "64 bits"),
    ("NaN", FACTORS_OF + " AND factorType = ?", lambda u: [u, math.nan], DataError, "NaN"),
    ("Decimal NaN", FACTORS_OF + " AND factorType = ?", lambda u: [u, decimal.Decimal("NaN")], DataError, "NaN"),
    (
        "signalling Decimal NaN",
        FACTORS_OF + " AND factorType = ?",
        lambda u: [u, decimal.Decimal("sNaN")],
        DataError,
        "NaN",
    ),
    ("bytes", FACTORS_OF, lambda u: [b"x"], NotSupportedError, "bytes"),
    ("params=5", FACTORS_OF, lambda u: 5, ProgrammingError, "sequence"),
    ("a generator as params", FACTORS_OF, lambda u: one_value(), ProgrammingError, "list(...)"),
    ("a set as params", FACTORS_OF, lambda u: {u}, ProgrammingError, "sequence"),
    ("a string as params", FACTORS_OF, lambda u: u, ProgrammingError, "sequence"),
    (
        "params=5 for EXEC",
        "EXEC okta.users.factors.verify_factor @factorId='x', @userId=?",
        lambda u: 5,
        ProgrammingError,
        "sequence",
    ),
    (
        "a surrogate for EXEC",
        "EXEC okta.users.factors.verify_factor @factorId='x', @userId=?",
        lambda u: ["\ud800"],
        DataError,
        "surrogate",
    ),
    (
        "a 5000-digit literal in VALUES",
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'sms', "
        + "9" * 5000
        + ", '{}')",
        lambda u: [u],
        DataError,
        "64 bits",
    ),
    (
        "a 5000-digit literal in EXEC",
        "EXEC okta.users.factors.verify_factor @userId=?, @factorId=" + "9" * 5000,
        lambda u: [u],
        DataError,
        "64 bits",
    ),
    (
        "infinity in a request body",
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'sms', ?, '{}')",
        lambda u: [u, math.inf],
        DataError,
        "JSON",
    ),
]


@pytest.mark.parametrize(
    ("sql", "make_params", "error", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_before_anything_is_sent(
    conn: okta_dbapi.Connection,
    emu: Emulator,
    uid: str,
    sql: str,
    make_params: Callable[[str], Any],
    error: type[Error],
    words: str,
) -> None:
    emu.log.clear()
    with pytest.raises(error, match=words):
        conn.cursor().execute(sql, make_params(uid))
    assert emu.log.count() == 0


@pytest.mark.parametrize("operation", [5, None, b"SELECT 1", ["SELECT 1"]])
def test_a_statement_that_is_not_text_is_a_programming_error(
    conn: okta_dbapi.Connection, emu: Emulator, operation: Any
) -> None:
    emu.log.clear()
    cur = conn.cursor()
    with pytest.raises(ProgrammingError, match="must be SQL text"):
        cur.execute(operation)
    with pytest.raises(ProgrammingError, match="must be SQL text"):
        cur.executemany(operation, [[]])
    assert emu.log.count() == 0


def test_a_5000_digit_literal_in_a_select_is_a_number(conn: okta_dbapi.Connection, emu: Emulator, uid: str) -> None:
    cur = conn.cursor()
    cur.execute(FACTORS_OF + " AND 1 < " + "9" * 5000, [uid])
    assert len(cur.fetchall()) == len(emu.org.factors(uid))


def test_infinity_binds_as_a_number_never_as_a_name(conn: okta_dbapi.Connection, emu: Emulator, uid: str) -> None:
    cur = conn.cursor()
    # Bound as a bare word, inf would have matched the column aliased inf: every row.
    cur.execute("SELECT factorType AS inf FROM okta.users.factors WHERE userId = ? AND factorType = ?", [uid, math.inf])
    assert cur.fetchall() == []
    cur.execute("SELECT ? > 1e308, ? < -1e308, typeof(?)", [math.inf, -math.inf, decimal.Decimal("Infinity")])
    assert cur.fetchone() == (1, 1, "real")


def test_a_thousand_ands_are_handled(conn: okta_dbapi.Connection, emu: Emulator, uid: str) -> None:
    cur = conn.cursor()
    cur.execute("SELECT id, factorType FROM okta.users.factors WHERE userId = ? ORDER BY id", [uid])
    expected = cur.fetchall()
    assert expected
    for joiner in (" AND ", " OR "):
        emu.log.clear()
        terms = joiner.join(["factorType = factorType"] * 1000)
        cur.execute(f"SELECT id, factorType FROM okta.users.factors WHERE userId = ? AND ({terms}) ORDER BY id", [uid])
        assert cur.fetchall() == expected
        assert emu.log.count() == 1, "the userId is still pushed down: one request"


def test_nesting_up_to_the_limit_runs(conn: okta_dbapi.Connection, emu: Emulator, uid: str) -> None:
    n = depth.MAX_NESTING
    cur = conn.cursor()
    cur.execute("SELECT * FROM okta.users.factors WHERE userId = " + "(" * n + "?" + ")" * n, [uid])
    assert len(cur.fetchall()) == len(emu.org.factors(uid))
    with pytest.raises(ProgrammingError, match="too deeply nested"):
        cur.execute("SELECT * FROM okta.users.factors WHERE userId = " + "(" * (n + 1) + "?" + ")" * (n + 1), [uid])


def test_deep_nesting_from_a_deep_stack_is_still_a_programming_error(conn: okta_dbapi.Connection, uid: str) -> None:
    """Within the limit, but called with most of the stack already used (a deep web framework)."""
    n = depth.MAX_NESTING
    sql = (
        "SELECT * FROM okta.users.factors WHERE userId IN "
        + "(SELECT userId FROM okta.users.factors WHERE userId IN " * (n // 2)
        + "(?)"
        + ")" * (n // 2)
    )

    def deep(level: int) -> None:
        if level:
            deep(level - 1)
            return
        conn.cursor().execute(sql, [uid])

    with pytest.raises(ProgrammingError, match="too deeply nested"):
        deep(800)


def test_executemany_and_fetchmany_arguments(conn: okta_dbapi.Connection, emu: Emulator, uid: str) -> None:
    cur = conn.cursor()
    emu.log.clear()
    with pytest.raises(ProgrammingError, match="sequence of parameter sets"):
        cur.executemany(FACTORS_OF, 5)  # type: ignore[arg-type]
    with pytest.raises(ProgrammingError, match="sequence"):
        cur.executemany(FACTORS_OF, [5])
    assert emu.log.count() == 0
    cur.executemany(FACTORS_OF, (p for p in [[uid]]))  # any iterable of sets is fine
    cur.execute(FACTORS_OF, [uid])
    for size in ("3", 1.5, -1, True):
        with pytest.raises(ProgrammingError, match="non-negative integer"):
            cur.fetchmany(size)  # type: ignore[arg-type]
    assert len(cur.fetchmany(0)) == 0
    assert len(cur.fetchmany(100)) == len(emu.org.factors(uid))


def test_a_cursor_used_by_two_threads_at_once_is_an_interface_error(conn: okta_dbapi.Connection, uid: str) -> None:
    cur = conn.cursor()
    seen: list[BaseException] = []

    def intrude() -> None:
        try:
            cur.execute(FACTORS_OF, [uid])
        except BaseException as e:
            seen.append(e)

    def progress(done: int, total: int | None) -> None:
        if not seen:  # while execute() runs in the main thread
            t = threading.Thread(target=intrude)
            t.start()
            t.join()

    cur.progress = progress
    cur.execute("SELECT count(*) FROM okta.users.factors")  # a fan-out, so progress is called
    assert cur.fetchone() is not None
    assert len(seen) == 1 and isinstance(seen[0], InterfaceError)
    assert "another thread" in str(seen[0])


def test_eight_threads_sharing_a_cursor_meet_only_interface_errors(conn: okta_dbapi.Connection) -> None:
    cur = conn.cursor()
    escaped: list[BaseException] = []

    def work() -> None:
        for _ in range(20):
            try:
                cur.execute("SELECT id FROM okta.users.users")
                cur.fetchall()
            except InterfaceError:
                pass
            except BaseException as e:
                escaped.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert escaped == []


# -- header values ----------------------------------------------------------------------------

BAD_HEADERS = [" fr", "fr ", "fr\x00", "fr\x0b", "fr\x0c", "fr\x7f", "fr\r\nX-Evil: 1", "fr\u20ac", "\u65e5\u672c"]


@pytest.mark.parametrize("value", BAD_HEADERS, ids=repr)
def test_a_bad_header_value_is_refused_before_any_write(
    conn: okta_dbapi.Connection, emu: Emulator, uid: str, value: str
) -> None:
    emu.log.clear()
    insert = (
        "INSERT INTO okta.users.factors (userId, factorType, provider, profile, Accept-Language) "
        "VALUES (?, 'email', 'OKTA', ?, ?)"
    )
    rows = [[uid, '{"email": "a@example.com"}', "en"], [uid, '{"email": "b@example.com"}', value]]
    with pytest.raises(ProgrammingError, match="Accept-Language") as caught:
        conn.cursor().executemany(insert, rows)
    assert getattr(caught.value, "maybe_applied", None) is False
    assert "Nothing was sent" in str(caught.value) and "may have" not in str(caught.value)
    with pytest.raises(ProgrammingError, match="User-Agent"):
        conn.cursor().execute(
            "EXEC okta.users.factors.verify_factor @userId=?, @factorId='x', @User-Agent=?", [uid, value]
        )
    assert emu.log.count() == 0


def test_a_good_header_value_is_sent_as_given(conn: okta_dbapi.Connection, emu: Emulator) -> None:
    emu.log.clear()
    value = "fr-CH, fr;q=0.9,\ten;q=0.8"
    with pytest.raises(ProgrammingError):  # no such user: Okta's 404, after the request went out
        conn.cursor().execute(
            "INSERT INTO okta.users.factors (userId, factorType, provider, profile, Accept-Language) "
            "VALUES ('00unosuchuser', 'email', 'OKTA', '{\"email\": \"a@example.com\"}', ?)",
            [value],
        )
    (entry,) = emu.log.entries
    assert {k.lower(): v for k, v in entry.headers.items()}["accept-language"] == value


@pytest.mark.parametrize("value", [" ua", "ua\x00", "ua\u20ac"], ids=repr)
def test_a_bad_user_agent_option_is_refused_at_connect(emu: Emulator, value: str) -> None:
    with pytest.raises(ProgrammingError, match="user_agent"):
        okta_dbapi.connect(org_url=emu.url, token=emu.token, user_agent=value)


# -- secrets and addresses --------------------------------------------------------------------

SECRET = "hunter2-S3cret"


@pytest.mark.parametrize(
    "url",
    [
        f"https://admin:{SECRET}@my-org.okta.com:99999",
        f"https://admin:{SECRET}@my-org.okta.com:port",
        f"ftp://admin:{SECRET}@my-org.okta.com",
        f"https://admin:{SECRET}@[::1",
        f"https://admin:{SECRET}/x@my-org.okta.com",
        f"https://admin:{SECRET}?@my-org.okta.com",
        f"admin:{SECRET}@my-org.okta.com",
        f"https://my-org.okta.com:bad/?token={SECRET}",
    ],
)
def test_an_invalid_org_url_never_echoes_its_secret(url: str) -> None:
    with pytest.raises(ProgrammingError) as caught:
        Settings.resolve(org_url=url, token="t")
    assert SECRET not in str(caught.value)
    assert "org_url" in str(caught.value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("foo.localhost", False),
        ("localhost.", False),
        ("localhost.evil.com", False),
        ("128.0.0.1", False),
    ],
)
def test_only_literal_loopback_hosts_count(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
    if not loopback:
        with pytest.raises(ProgrammingError, match=r"plain http://|the host must be a DNS name"):
            Settings.resolve(org_url=f"http://{host}:8080", token="t")


@pytest.mark.parametrize("query", [f"token={SECRET}", f"TOKEN={SECRET}", "private_key=-----BEGIN%20PRIVATE%20KEY-----"])
def test_a_secret_in_the_sqlalchemy_url_query_is_refused_at_create_engine(query: str) -> None:
    with pytest.raises(ArgumentError, match="URL query") as caught:
        sa.create_engine(f"okta://my-org.okta.com/?{query}")
    assert SECRET not in str(caught.value)


def test_the_token_in_the_password_part_is_masked() -> None:
    """SQLAlchemy masks the password part in reprs (and, from 2.0, in ``str(url)``; 1.4's
    ``str(url)`` renders it, by its design)."""
    engine = sa.create_engine(f"okta://:{SECRET}@my-org.okta.com")
    assert SECRET not in repr(engine) and SECRET not in repr(engine.url)
    assert SECRET not in engine.url.render_as_string(hide_password=True)
    if sa.__version__.startswith("2."):
        assert SECRET not in str(engine.url)
    engine.dispose()


@pytest.mark.parametrize(
    "url", ["https://a.okta.com\x00", "https://exa\x07mple.com", "https://a_b.okta.com", "https://a..b.com"]
)
def test_an_org_url_host_that_cannot_be_sent_to_is_refused_at_connect(url: str) -> None:
    with pytest.raises(ProgrammingError, match="the host must be a DNS name"):
        Settings.resolve(org_url=url, token="t")


def test_an_internationalised_host_is_sent_in_its_ascii_form() -> None:
    assert (
        Settings.resolve(org_url="https://m\u00fcnchen.okta.com", token="t").org_url
        == "https://xn--mnchen-3ya.okta.com"
    )


@pytest.mark.parametrize("token", [f"{SECRET}\n", f" {SECRET}", f"{SECRET}\u00e9", f"{SECRET}\x00"], ids=repr)
def test_a_token_that_cannot_be_a_header_is_refused_at_connect_without_showing_it(emu: Emulator, token: str) -> None:
    emu.log.clear()
    with pytest.raises(ProgrammingError, match="Authorization header") as caught:
        okta_dbapi.connect(org_url=emu.url, token=token)
    assert SECRET not in str(caught.value)
    assert emu.log.count() == 0
