"""The ways to list every user's factors that the benchmark races against each other.

Each contender gets the org's URL and token, lists the users (pages of 200), lists each user's
factors, and returns a :class:`Run`: the wall time and, per user, the factor ids it got (``None``
where the call was lost). All start from nothing (a new client or session) inside the timing.

* ``driver``: ``SELECT userId, id FROM okta.users.factors WHERE userId IN (SELECT id FROM
  okta.users.users WHERE status <> 'DEPROVISIONED')`` through okta-dbapi, default settings (the
  users the others list: the table itself also holds DEPROVISIONED users' factors).
* ``sdk``: Okta's Python SDK (``pip install okta``), as its README shows: the async client,
  ``list_users`` page by page, then ``asyncio.gather`` over ``list_factors(user.id)``.
* ``sequential``: one ``requests.Session``, one call after another.
* ``threads``: the same calls on 16 threads (a session per thread).

On a 429 the two ``requests`` loops do what the SDK does: wait ``X-Rate-Limit-Reset - Date + 1``
seconds and retry, at most twice (the SDK's default ``maxRetries``); a third 429 loses the call.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

import okta_dbapi

SDK_MAX_RETRIES = 2
THREADS = 16
PAGE = 200
#: connect() options for the driver (``--driver-option``), e.g. ``{"concurrency": "16"}``
DRIVER_OPTIONS: dict[str, Any] = {}


@dataclass
class Run:
    elapsed: float
    factors: dict[str, list[str] | None]  # user id -> factor ids, None if the call was lost
    problems: dict[str, int] = field(default_factory=dict)  # what lost calls, by kind

    def lost(self) -> int:
        return sum(1 for ids in self.factors.values() if ids is None)

    def pairs(self) -> set[tuple[str, str]]:
        return {(user, factor) for user, ids in self.factors.items() for factor in ids or ()}

    def complete(self, truth: dict[str, list[str]]) -> bool:
        """Every factor of every listed user came back, and nothing else."""
        return self.lost() == 0 and self.pairs() == {(u, f) for u, ids in truth.items() for f in ids}


def headers_for(token: str) -> dict[str, str]:
    return {"Authorization": f"SSWS {token}", "Accept": "application/json"}


def backoff(response: requests.Response) -> float:
    """The Okta SDK's wait after a 429: ``X-Rate-Limit-Reset - Date + 1`` seconds."""
    try:
        reset = float(response.headers["X-Rate-Limit-Reset"])
        date = parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, ValueError, TypeError):
        return 1.0
    return max(0.0, reset - date) + 1.0


def get_json(session: requests.Session, url: str, headers: dict[str, str]) -> tuple[Any, requests.Response] | None:
    """GET with the SDK's 429 policy; None when the retries ran out."""
    for attempt in range(SDK_MAX_RETRIES + 1):
        response = session.get(url, headers=headers, timeout=60)
        if response.status_code != 429:
            response.raise_for_status()
            return response.json(), response
        if attempt < SDK_MAX_RETRIES:
            time.sleep(backoff(response))
    return None


def user_pages(
    session: requests.Session, base: str, headers: dict[str, str], query: str = ""
) -> Iterator[list[dict[str, Any]]]:
    url: str | None = f"{base}/api/v1/users?limit={PAGE}{query}"
    while url:
        got = get_json(session, url, headers)
        if got is None:
            raise RuntimeError("the users listing was rate limited past the retries")
        body, response = got
        yield body
        url = response.links.get("next", {}).get("url")


# --- the contenders ------------------------------------------------------------------------------


def driver(url: str, token: str) -> Run:
    start = time.perf_counter()
    connection = okta_dbapi.connect(org_url=url, token=token, **DRIVER_OPTIONS)
    cursor = connection.cursor()
    # The users Okta lists by default, as the other contenders fetch: okta.users.factors itself
    # holds DEPROVISIONED users' factors too (issue 9).
    cursor.execute(
        "SELECT userId, id FROM okta.users.factors "
        "WHERE userId IN (SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED')"
    )
    got: dict[str, list[str] | None] = {}
    for user_id, factor_id in cursor.fetchall():
        ids = got.setdefault(user_id, [])
        assert ids is not None
        ids.append(factor_id)
    elapsed = time.perf_counter() - start
    connection.close()
    return Run(elapsed, got)


def sequential(url: str, token: str) -> Run:
    headers = headers_for(token)
    start = time.perf_counter()
    got: dict[str, list[str] | None] = {}
    with requests.Session() as session:
        for page in user_pages(session, url, headers):
            for user in page:
                answer = get_json(session, f"{url}/api/v1/users/{user['id']}/factors", headers)
                got[user["id"]] = None if answer is None else [f["id"] for f in answer[0]]
    elapsed = time.perf_counter() - start
    return Run(elapsed, got, {"429 after retries": sum(v is None for v in got.values())})


def threads(url: str, token: str, workers: int = THREADS) -> Run:
    headers = headers_for(token)
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def session() -> requests.Session:
        s: requests.Session | None = getattr(local, "session", None)
        if s is None:
            s = local.session = requests.Session()
            with lock:
                sessions.append(s)
        return s

    def factors(user_id: str) -> tuple[str, list[str] | None]:
        answer = get_json(session(), f"{url}/api/v1/users/{user_id}/factors", headers)
        return user_id, None if answer is None else [f["id"] for f in answer[0]]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        ids = [u["id"] for page in user_pages(session(), url, headers) for u in page]
        got = dict(pool.map(factors, ids))
    elapsed = time.perf_counter() - start
    for s in sessions:
        s.close()
    return Run(elapsed, got, {"429 after retries": sum(v is None for v in got.values())})


def sdk_available() -> str | None:
    """None if Okta's SDK can be imported, else why not."""
    try:
        import okta.client  # noqa: F401
    except ImportError as e:
        return f"Okta's SDK is not installed ({e}); pip install -e '.[bench]'"
    return None


def sdk(url: str, token: str) -> Run:
    # The SDK refuses http:// org URLs unless its documented testing switch is on.
    os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    from okta.client import Client
    from okta.pagination import PaginationHelper

    async def run() -> tuple[dict[str, list[str] | None], dict[str, int]]:
        # okta 3.x builds the SSWS header as "SSWS" + token with no space between (the emulator,
        # like RFC 7235, wants one); a leading space in the token restores it. Nothing else changes.
        async with Client({"orgUrl": url, "token": " " + token}) as client:
            users: list[Any] = []
            after = None
            while True:
                page, response, error = await client.list_users(limit=PAGE, after=after)
                if error is not None:
                    raise RuntimeError(f"the SDK could not list users: {error}")
                users.extend(page)
                after = PaginationHelper.extract_next_cursor(response.headers)
                if not after:
                    break
            answers = await asyncio.gather(*(client.list_factors(u.id) for u in users), return_exceptions=True)
        got: dict[str, list[str] | None] = {}
        problems: dict[str, int] = {}
        for user, answer in zip(users, answers):
            if isinstance(answer, BaseException):
                kind = f"raised {type(answer).__name__}"
            elif answer[2] is not None:
                kind = "429 after retries" if "429" in str(answer[2]) else f"error {answer[2]}"[:60]
            else:
                got[user.id] = [f.actual_instance.id if hasattr(f, "actual_instance") else f.id for f in answer[0]]
                continue
            got[user.id] = None
            problems[kind] = problems.get(kind, 0) + 1
        return got, problems

    start = time.perf_counter()
    got, problems = asyncio.run(run())
    return Run(time.perf_counter() - start, got, problems)


FAN_OUT: dict[str, Callable[[str, str], Run]] = {
    "okta-dbapi": driver,
    "Okta SDK": sdk,
    "16 threads": threads,
    "sequential": sequential,
}
