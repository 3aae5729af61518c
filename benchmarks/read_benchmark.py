"""Read benchmark for okta-dbapi: local overhead of keyed queries and paced fan-out.

Run with one command (about a minute)::

    python benchmarks/read_benchmark.py

Absolute times on shared machines are noise, so every figure is a ratio against an anchor
measured in the same run:

1. **Local overhead of a keyed query.** The driver (``SELECT * FROM okta.users.factors WHERE
   userId = ? AND id = ?``, and the list ``WHERE userId = ?``) against raw
   ``requests.Session.get(...).json()`` on the same URLs with the same auth header, both against
   the emulator at zero latency, interleaved; median per call. Aim: <= 1.3x.
2. **Fan-out under a binding rate limit.** ``SELECT count(*) FROM okta.users.factors`` over 500
   users (user pages + one factor list per user) at 25 ms latency with a budget of 100 requests
   per 2 s window per endpoint family. The anchor is the floor the budget allows:
   ``(windows - 1) * window + last window's calls * latency / concurrency``.
   Aim: no 429 at all and elapsed/floor <= 1.10.
3. **For comparison, the Okta SDK's way**: send every call at once and, on a 429, wait until
   ``X-Rate-Limit-Reset - Date + 1`` s and retry, at most ``maxRetries = 2`` times (the SDK's
   default). Reports its 429s and whether the result is complete.

Options: ``--iterations N`` (part 1, default 1000), ``--users N`` (parts 2-3, default 500),
``--skip-naive``.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

import okta_dbapi
from okta_dbapi.emulator import Emulator

LATENCY = 0.025
BUDGET = 100
WINDOW = 2.0
SDK_MAX_RETRIES = 2
FACTORS_LIST = re.compile(r"^/api/v1/users/[^/]+/factors$")
USERS_LIST = re.compile(r"^/api/v1/users$")

SQL_GET = "SELECT * FROM okta.users.factors WHERE userId = ? AND id = ?"
SQL_LIST = "SELECT * FROM okta.users.factors WHERE userId = ?"
SQL_FAN_OUT = "SELECT count(*) FROM okta.users.factors"


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"SSWS {token}", "Accept": "application/json"}


def next_link(response: requests.Response) -> str | None:
    link = response.links.get("next")
    return link.get("url") if link else None


def list_user_ids(session: requests.Session, base: str, headers: dict[str, str]) -> Iterator[str]:
    url: str | None = f"{base}/api/v1/users?limit=200"
    while url:
        response = session.get(url, headers=headers, timeout=30)
        response.raise_for_status()
        for user in response.json():
            yield user["id"]
        url = next_link(response)


# --- part 1 ------------------------------------------------------------------------------------


@dataclass
class Overhead:
    name: str
    raw_ms: float
    driver_ms: float
    calls_per_query: float

    @property
    def ratio(self) -> float:
        return self.driver_ms / self.raw_ms


def measure_overhead(iterations: int) -> list[Overhead]:
    with Emulator(users=50, seed=1, latency=0.0, rate_limit=None) as emu:
        session = requests.Session()
        headers = auth_headers(emu.token)
        user_id = factor_id = ""
        for uid in list_user_ids(session, emu.url, headers):
            factors = session.get(f"{emu.url}/api/v1/users/{uid}/factors", headers=headers, timeout=30).json()
            if factors:
                user_id, factor_id = uid, factors[0]["id"]
                break
        if not factor_id:
            raise SystemExit("benchmark: the emulator org has no user with a factor")

        connection = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        cursor = connection.cursor()
        get_url = f"{emu.url}/api/v1/users/{user_id}/factors/{factor_id}"
        list_url = f"{emu.url}/api/v1/users/{user_id}/factors"

        def raw(url: str) -> Callable[[], Any]:
            def call() -> Any:
                response = session.get(url, headers=headers, timeout=30)
                response.raise_for_status()
                return response.json()

            return call

        def driver(sql: str, params: tuple[str, ...]) -> Callable[[], Any]:
            def call() -> Any:
                cursor.execute(sql, params)
                return cursor.fetchall()

            return call

        cases = [
            ("get  (userId = ? AND id = ?)", raw(get_url), driver(SQL_GET, (user_id, factor_id))),
            ("list (userId = ?)", raw(list_url), driver(SQL_LIST, (user_id,))),
        ]
        results = []
        for name, raw_call, driver_call in cases:
            if len(driver_call()) != (1 if "get" in name else len(raw(list_url)())):
                raise SystemExit(f"benchmark: the driver returned unexpected rows for {name}")
            for _ in range(max(20, iterations // 10)):  # warm up connections, caches, parsers
                raw_call()
                driver_call()
            raw_times: list[int] = []
            driver_times: list[int] = []
            calls_before = emu.log.count()
            driver_calls = 0
            for i in range(iterations):
                # Alternate which goes first so neither always follows the other.
                order = ((raw_call, raw_times), (driver_call, driver_times))
                for call, times in order if i % 2 == 0 else order[::-1]:
                    start = time.perf_counter_ns()
                    call()
                    times.append(time.perf_counter_ns() - start)
                driver_calls += 1
            http_calls = emu.log.count() - calls_before
            results.append(
                Overhead(
                    name=name,
                    raw_ms=statistics.median(raw_times) / 1e6,
                    driver_ms=statistics.median(driver_times) / 1e6,
                    # Raw sends exactly one request per iteration; the rest are the driver's.
                    calls_per_query=(http_calls - iterations) / driver_calls,
                )
            )
        cursor.close()
        connection.close()
        session.close()
        return results


# --- part 2 ------------------------------------------------------------------------------------


@dataclass
class FanOut:
    elapsed: float
    count: int
    requests: int
    factor_calls: int
    user_pages: int
    status_429: int
    concurrency: int

    def floor(self) -> float:
        windows = max(1, math.ceil(self.factor_calls / BUDGET))
        last = self.factor_calls - (windows - 1) * BUDGET
        return (windows - 1) * WINDOW + last * LATENCY / self.concurrency


def align_to_window() -> None:
    """Sleep until just after the next rate-limit window starts.

    The emulator's windows are epoch-aligned, as Okta's are; the floor formula assumes the run
    gets a whole first window, so both runs start at a window boundary.
    """
    now = time.time()
    time.sleep(math.floor(now / WINDOW) * WINDOW + WINDOW - now + 0.01)


def count_truth(users: int) -> int:
    """The number of factors the API lists for the org's users, counted with raw calls."""
    with Emulator(users=users, seed=1, latency=0.0, rate_limit=None) as emu:
        session = requests.Session()
        headers = auth_headers(emu.token)
        total = 0
        for uid in list_user_ids(session, emu.url, headers):
            response = session.get(f"{emu.url}/api/v1/users/{uid}/factors", headers=headers, timeout=30)
            response.raise_for_status()
            total += len(response.json())
        session.close()
        return total


def measure_fan_out(users: int) -> FanOut:
    with Emulator(users=users, seed=1, latency=LATENCY, rate_limit=(BUDGET, WINDOW)) as emu:
        connection = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        concurrency = int(getattr(getattr(connection, "settings", None), "concurrency", 0) or 8)
        cursor = connection.cursor()
        align_to_window()
        start = time.perf_counter()
        cursor.execute(SQL_FAN_OUT)
        row = cursor.fetchone()
        elapsed = time.perf_counter() - start
        cursor.close()
        connection.close()
        entries = list(emu.log.entries)
        return FanOut(
            elapsed=elapsed,
            count=int(row[0]) if row else -1,
            requests=len(entries),
            factor_calls=sum(1 for e in entries if FACTORS_LIST.match(e.path) and e.status != 429),
            user_pages=sum(1 for e in entries if USERS_LIST.match(e.path) and e.status != 429),
            status_429=sum(1 for e in entries if e.status == 429),
            concurrency=concurrency,
        )


# --- part 3 ------------------------------------------------------------------------------------


@dataclass
class Naive:
    elapsed: float
    count: int
    requests: int
    status_429: int
    completed: int
    lost: int
    workers: int


def measure_naive(users: int) -> Naive:
    """Every factor call at once; on 429 wait ``Reset - Date + 1`` s, retry at most twice."""
    with Emulator(users=users, seed=1, latency=LATENCY, rate_limit=(BUDGET, WINDOW)) as emu:
        headers = auth_headers(emu.token)
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

        def list_factors(uid: str) -> list[Any] | None:
            url = f"{emu.url}/api/v1/users/{uid}/factors"
            attempts = 0
            while True:
                response = session().get(url, headers=headers, timeout=60)
                if response.status_code != 429:
                    response.raise_for_status()
                    result: list[Any] = response.json()
                    return result
                if attempts >= SDK_MAX_RETRIES:
                    return None  # the SDK gives up and hands the 429 to the caller
                attempts += 1
                time.sleep(backoff(response))

        align_to_window()
        start = time.perf_counter()
        user_ids = list(list_user_ids(session(), emu.url, headers))
        workers = len(user_ids)  # like asyncio.gather over every user: all in flight at once
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(list_factors, user_ids))
        elapsed = time.perf_counter() - start
        for s in sessions:
            s.close()
        entries = list(emu.log.entries)
        completed = [r for r in results if r is not None]
        return Naive(
            elapsed=elapsed,
            count=sum(len(r) for r in completed),
            requests=len(entries),
            status_429=sum(1 for e in entries if e.status == 429),
            completed=len(completed),
            lost=len(results) - len(completed),
            workers=workers,
        )


def backoff(response: requests.Response) -> float:
    """The Okta SDK's wait: ``X-Rate-Limit-Reset - Date + 1`` seconds."""
    try:
        reset = float(response.headers["X-Rate-Limit-Reset"])
        date = parsedate_to_datetime(response.headers["Date"]).timestamp()
    except (KeyError, ValueError, TypeError):
        return 1.0
    return max(0.0, reset - date) + 1.0


# --- report ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--iterations", type=int, default=1000, help="part 1 iterations per case")
    parser.add_argument("--users", type=int, default=500, help="users in the fan-out org")
    parser.add_argument("--skip-naive", action="store_true", help="skip part 3")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    out = sys.stdout
    out.write(f"okta-dbapi read benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n\n")

    out.write(f"(1) local overhead of a keyed query: emulator latency 0, {args.iterations} interleaved "
              "calls each, median per call\n")
    worst = 0.0
    for o in measure_overhead(args.iterations):
        worst = max(worst, o.ratio)
        out.write(f"    {o.name:30} raw requests {o.raw_ms:7.3f} ms   driver {o.driver_ms:7.3f} ms   "
                  f"ratio {o.ratio:5.2f}x   (HTTP calls per query: {o.calls_per_query:.2f})\n")
    out.write(f"    worst ratio {worst:.2f}x (aim <= 1.30x): {'OK' if worst <= 1.3 else 'MISSED'}\n\n")
    out.flush()

    truth = count_truth(args.users)
    out.write(f"(2) fan-out: {SQL_FAN_OUT!r} over {args.users} users, latency {LATENCY * 1000:.0f} ms, "
              f"budget {BUDGET} requests / {WINDOW:g} s per endpoint family\n")
    out.flush()
    f = measure_fan_out(args.users)
    floor = f.floor()
    ratio = f.elapsed / floor
    windows = max(1, math.ceil(f.factor_calls / BUDGET))
    out.write(f"    elapsed {f.elapsed:.2f} s; floor {floor:.2f} s = ({windows} - 1) x {WINDOW:g} s + "
              f"{f.factor_calls - (windows - 1) * BUDGET} x {LATENCY * 1000:.0f} ms / concurrency "
              f"{f.concurrency}\n")
    out.write(f"    requests {f.requests} (user pages {f.user_pages}, factor lists {f.factor_calls}), "
              f"429s {f.status_429}, count(*) {f.count} (expected {truth})\n")
    ok = f.status_429 == 0 and ratio <= 1.10 and f.count == truth
    out.write(f"    elapsed/floor {ratio:.3f} (aim <= 1.10 with zero 429s and a complete count): "
              f"{'OK' if ok else 'MISSED'}\n\n")
    out.flush()

    if not args.skip_naive:
        out.write(f"(3) for comparison, SDK-style: all {args.users} calls at once, on 429 wait Reset - Date "
                  f"+ 1 s, at most {SDK_MAX_RETRIES} retries\n")
        out.flush()
        n = measure_naive(args.users)
        out.write(f"    elapsed {n.elapsed:.2f} s ({n.elapsed / floor:.2f}x the floor), "
                  f"requests {n.requests}, 429s {n.status_429}\n")
        complete = n.count == truth and n.lost == 0
        out.write(f"    factor lists {n.completed}/{n.completed + n.lost} ({n.lost} lost to 429), "
                  f"factors {n.count} of {truth}: {'complete' if complete else 'INCOMPLETE'}\n\n")

    out.write(f"total benchmark time {time.perf_counter() - began:.1f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
