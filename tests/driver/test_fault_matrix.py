"""The fault matrix: one row per fault a real org, proxy or network produces, over real HTTP
against the emulator (a closed port for "connection refused").

For a read, every fault ends in the complete, correct result or in a clean OperationalError;
never in a silently shorter result, a hang, or a non-PEP 249 exception. For a write (POST or
DELETE), a request that may have been applied is never sent twice: the emulator's log shows it
once, and the error says it may have been applied.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

FACTORS = r"/api/v1/users/[^/]+/factors"
USERS = "/api/v1/users"
COUNT = "SELECT count(*) FROM okta.users.factors"
LISTING = "SELECT id FROM okta.users.users"
WINDOW = {"X-Rate-Limit-Limit": "10000", "X-Rate-Limit-Remaining": "0"}
CONCURRENT = {"X-Rate-Limit-Limit": "4", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "{far}"}
PER_RESOURCE = {"X-Rate-Limit-Limit": "10000", "X-Rate-Limit-Remaining": "9000"}


@dataclass
class Read:
    """A fault on a read: ``faults`` are ``(kind, knobs)`` for ``emu.faults.add``; ``outcome`` is
    "complete" or a regex the OperationalError must match."""

    name: str
    faults: list[tuple[str, dict[str, Any]]]
    outcome: str = "complete"
    sql: str = COUNT
    options: dict[str, Any] = field(default_factory=dict)
    emulator: dict[str, Any] = field(default_factory=dict)
    # (method, path regex, count) the log must show, e.g. that a GET was retried or not
    calls: tuple[str, str, Callable[[int], int]] | None = None


READS = [
    Read(
        "429 window",
        [("429", {"path": "/factors$", "skip": 1, "times": 2, "headers": WINDOW, "reset_in": 1})],
        calls=("GET", FACTORS, lambda listed: listed + 2),
    ),
    Read(
        "429 before the window is known",
        [("429", {"path": "/factors$", "times": 1, "headers": WINDOW, "reset_in": 30})],
        calls=("GET", FACTORS, lambda listed: listed + 1),
    ),
    Read(
        "429 concurrent (org limit)", [], emulator={"concurrent_limit": 2, "latency": 0.2}, options={"concurrency": 8}
    ),
    Read(
        "429 concurrent (headers)",
        [("429", {"path": "/factors$", "skip": 1, "times": 3, "headers": CONCURRENT})],
        calls=("GET", FACTORS, lambda listed: listed + 3),
    ),
    Read("429 per-resource", [("429", {"path": "/factors$", "times": 1, "headers": PER_RESOURCE})], "E0000047"),
    Read(
        "429 reset in ms",
        [("429", {"path": "/factors$", "times": 2, "headers": {**WINDOW, "X-Rate-Limit-Reset": "{ms}"}})],
        "milliseconds",
    ),
    Read(
        "5xx burst",
        [
            ("status", {"path": "/factors$", "times": 3, "status": 503}),
            ("status", {"path": "^/api/v1/users$", "times": 1, "status": 500}),
        ],
        calls=("GET", FACTORS, lambda listed: listed + 3),
    ),
    Read(
        "5xx for ever",
        [("status", {"path": "/factors$", "status": 500})],
        "Internal Server Error",
        options={"max_retries": 1},
    ),
    Read("reset mid-body", [("reset", {"path": "/factors$", "times": 2})], calls=("GET", FACTORS, lambda n: n + 2)),
    Read("reset mid-page", [("reset", {"path": "^/api/v1/users$", "times": 1})], sql=LISTING),
    Read("truncated JSON", [("truncate", {"path": "/factors$", "times": 2})], calls=("GET", FACTORS, lambda n: n + 2)),
    Read(
        "truncated JSON for ever", [("truncate", {"path": "/factors$"})], "not valid JSON", options={"max_retries": 1}
    ),
    Read(
        "HTML error page (502)", [("html", {"path": "/factors$", "times": 1})], calls=("GET", FACTORS, lambda n: n + 1)
    ),
    Read("HTML page with 200", [("html", {"path": "/factors$", "times": 1, "status": 200})], "text/html, not JSON"),
    Read("factors: null", [("shape", {"path": "/factors$", "times": 1, "body": None})], "null where a JSON array"),
    Read("factors: a string", [("shape", {"path": "/factors$", "times": 1, "body": "oops"})], "a string"),
    Read(
        "factors: an object",
        [("shape", {"path": "/factors$", "times": 1, "body": {"a": 1}})],
        "an object where a JSON array",
    ),
    Read("factors: a null item", [("shape", {"path": "/factors$", "times": 1, "body": [None]})], "null as item 0"),
    Read(
        "users: an item without id",
        [("shape", {"path": "^/api/v1/users$", "body": [{"status": "ACTIVE"}]})],
        "whose id is null",
    ),
    Read("users: a null item", [("shape", {"path": "^/api/v1/users$", "body": [None]})], "null in its list of users"),
    Read(
        "users page (listing): no id",
        [("shape", {"path": "^/api/v1/users$", "body": [{"x": 1}]})],
        "whose id",
        sql=LISTING,
    ),
    Read("users: not an array", [("shape", {"path": "^/api/v1/users$", "body": {"a": 1}})], "expected a JSON array"),
    Read(
        "slow drip",
        [("drip", {"path": "^/api/v1/users$", "times": 1, "interval": 0.05})],
        "too slowly",
        sql=LISTING,
        options={"timeout": 0.5},
    ),
    Read("redirect", [("redirect", {"path": "/factors$", "times": 1})], "redirect"),
    Read(
        "redirect of a page",
        [("redirect", {"path": "^/api/v1/users$", "times": 1, "status": 307})],
        "redirect",
        sql=LISTING,
    ),
    Read(
        "cycling next links",
        [("cycle", {"path": "^/api/v1/users$"})],
        "points back to a page already read",
        sql=LISTING,
        options={"page_size": 5},
    ),
]


def expected(emu: Emulator, sql: str) -> list[tuple[Any, ...]]:
    listed = emu.org.user_ids(include_deprovisioned=False)
    if sql == COUNT:
        return [(sum(len(emu.org.factors(u)) for u in listed),)]
    return sorted((u,) for u in listed)


def placeholders(knobs: dict[str, Any], now: float) -> dict[str, Any]:
    headers = {
        k: v.format(far=int(now) + 3600, ms=int(now * 1000)) if isinstance(v, str) else v
        for k, v in knobs.get("headers", {}).items()
    }
    return {**knobs, "headers": headers} if "headers" in knobs else knobs


@pytest.mark.parametrize("row", READS, ids=[r.name for r in READS])
def test_a_read_gives_the_whole_result_or_a_clean_error(row: Read) -> None:
    with Emulator(users=12, seed=21, **row.emulator) as emu:
        for kind, knobs in row.faults:
            emu.faults.add(kind, **placeholders(knobs, emu.org.clock.now()))
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, **row.options)
        conn.client.backoff_base = 0.01  # short retry waits
        cur = conn.cursor()
        if row.outcome == "complete":
            cur.execute(row.sql)
            got = sorted(cur.fetchall())
            assert got == expected(emu, row.sql)  # complete: nothing missing, nothing twice
        else:
            with pytest.raises(okta_dbapi.OperationalError, match=row.outcome) as info:
                cur.execute(row.sql)
                cur.fetchall()
            assert emu.token not in str(info.value)
        for rule in emu.faults.rules:
            assert rule.hits, f"the fault {rule.kind} never fired"
        if row.calls is not None:
            method, path, count = row.calls
            assert emu.log.count(method, path) == count(len(emu.org.user_ids(include_deprovisioned=False)))
        if row.emulator.get("concurrent_limit"):
            assert emu.concurrency.rejected > 0 and emu.concurrency.peak <= row.emulator["concurrent_limit"]
            assert conn.client.pacer.concurrent_429s > 0
        conn.close()


def test_connection_refused_is_reported_at_once() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = okta_dbapi.connect(org_url=f"http://127.0.0.1:{port}", token="00refused-port-token")
    with pytest.raises(okta_dbapi.OperationalError, match="refused") as info:
        conn.cursor().execute(COUNT)
    assert conn.client.request_count == 1  # not retried: nothing listens there
    assert "Retried" not in str(info.value)


# -- writes: never replayed once they may have been applied ---------------------------------------------

ENROLL = "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'email', 'OKTA', ?)"
UNENROLL = "DELETE FROM okta.users.factors WHERE userId = ? AND id = ?"


@dataclass
class Write:
    name: str
    method: str
    fault: tuple[str, dict[str, Any]]
    applied: bool  # whether the org has applied the write when the dust settles
    error: str | None  # regex of the error, or None: the write succeeds
    posts: int = 1  # how many times the write is in the log


WRITES = [
    Write("POST reset mid-body", "POST", ("reset", {}), applied=True, error="may have reached Okta"),
    Write(
        "POST truncated answer", "POST", ("truncate", {}), applied=True, error="probably applied; it was not retried"
    ),
    Write("POST 503", "POST", ("status", {"status": 503}), applied=False, error="503"),
    Write("POST HTML 502", "POST", ("html", {}), applied=False, error="502"),
    Write("POST drip", "POST", ("drip", {"interval": 0.05}), applied=True, error="may have reached Okta"),
    Write("POST redirect", "POST", ("redirect", {}), applied=False, error="redirect"),
    Write("POST 429 window", "POST", ("429", {"headers": WINDOW, "reset_in": 1}), applied=True, error=None, posts=2),
    Write("POST 429 concurrent", "POST", ("429", {"headers": CONCURRENT}), applied=True, error=None, posts=2),
    Write("POST 429 per-resource", "POST", ("429", {"headers": PER_RESOURCE}), applied=False, error="E0000047"),
    Write("DELETE reset", "DELETE", ("reset", {}), applied=True, error="may have reached Okta"),
    Write("DELETE 500", "DELETE", ("status", {"status": 500}), applied=False, error="500"),
]


@pytest.fixture
def small_org() -> Iterator[Emulator]:
    with Emulator(users=2, seed=22) as emu:
        yield emu


@pytest.mark.parametrize("row", WRITES, ids=[w.name for w in WRITES])
def test_a_write_that_may_have_been_applied_is_never_replayed(small_org: Emulator, row: Write) -> None:
    emu = small_org
    factors = [{"factorType": "email", "profile": {"email": "w@example.com"}}] if row.method == "DELETE" else []
    user = emu.org.add_user({"login": "writer@example.com"}, status="ACTIVE", factors=factors)["id"]
    kind, knobs = row.fault
    emu.faults.add(
        kind, path=f"/users/{user}/factors", method=row.method, times=1, **placeholders(knobs, emu.org.clock.now())
    )
    conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, timeout=0.5)
    conn.client.backoff_base = 0.01
    if row.method == "POST":
        sql, params = ENROLL, [user, {"email": "w@example.com"}]
    else:
        sql, params = UNENROLL, [user, emu.org.factors(user)[0]["id"]]
    if row.error is None:
        conn.cursor().execute(sql, params)
    else:
        with pytest.raises(okta_dbapi.DatabaseError, match=row.error) as info:
            conn.cursor().execute(sql, params)
        assert isinstance(info.value, okta_dbapi.Error)
    assert emu.log.count(row.method, rf"/api/v1/users/{user}/factors.*") == row.posts
    enrolled = [f for f in emu.org.factors(user) if f["factorType"] == "email"]
    if row.method == "POST":
        assert len(enrolled) == (1 if row.applied else 0)
    else:
        assert len(enrolled) == (0 if row.applied else 1)
    conn.close()


def test_an_integer_beyond_64_bits_is_kept_exactly_as_text() -> None:
    """JSON allows any integer; SQLite stores 64 bits. Such a value comes back as its decimal text
    (documented in okta_dbapi.sql.rows), never as a raw OverflowError."""
    huge = 2**64 + 5
    page = [{"id": "00uHUGE", "status": huge, "profile": {"employeeNumber": huge}}]
    with Emulator(users=1, seed=23) as emu:
        emu.faults.add("shape", path="^/api/v1/users$", body=page)
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        cur = conn.cursor()
        cur.execute("SELECT id, status, profile FROM okta.users.users ORDER BY id")  # through SQLite
        assert cur.fetchall() == [("00uHUGE", str(huge), {"employeeNumber": huge})]
        cur.execute("SELECT count(*) FROM okta.users.users WHERE status = ?", [str(huge)])
        assert cur.fetchone() == (1,)
        conn.close()


def test_statement_timeout_stops_a_slow_fan_out() -> None:
    with Emulator(users=40, seed=24, latency=0.05) as emu:
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, concurrency=2, statement_timeout=0.4)
        with pytest.raises(okta_dbapi.OperationalError, match=r"statement_timeout=0\.4 s"):
            conn.cursor().execute(COUNT)
        listed = len(emu.org.user_ids(include_deprovisioned=False))
        deadline = time.monotonic() + 10
        while conn.client.pacer.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emu.log.count("GET", FACTORS) < listed  # stopped part-way, and no result was returned
        conn.close()
