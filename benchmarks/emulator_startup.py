"""Emulator scale benchmark: start-up of a 100 000-user org and the latency of 200-user pages.

Run: ``python benchmarks/emulator_startup.py``. Prints absolute figures and ratios against anchors
measured in the same run (a 10-user start-up; a single-user GET).
"""

from __future__ import annotations

import resource
import statistics
import time

import requests

from okta_dbapi.emulator import Emulator


def timed_start(users: int) -> tuple[float, Emulator]:
    t = time.perf_counter()
    emu = Emulator(users=users, seed=1).start()
    return time.perf_counter() - t, emu


def main() -> None:
    anchor_start, small = timed_start(10)
    small.stop()
    big_start, emu = timed_start(100_000)
    try:
        s = requests.Session()
        s.headers["Authorization"] = f"SSWS {emu.token}"
        url = f"{emu.url}/api/v1/users?limit=200"
        pages: list[float] = []
        for _ in range(20):  # walk the first 20 pages (4 000 users)
            t = time.perf_counter()
            r = s.get(url)
            pages.append(time.perf_counter() - t)
            assert r.status_code == 200 and len(r.json()) == 200
            url = r.links["next"]["url"]
        uid = emu.org.user_ids()[50_000]
        singles = []
        for _ in range(20):
            t = time.perf_counter()
            s.get(f"{emu.url}/api/v1/users/{uid}")
            singles.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = s.get(f"{emu.url}/api/v1/users", params={"filter": 'status eq "STAGED"', "limit": "200"})
        filtered = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    finally:
        emu.stop()
    page_ms = statistics.median(pages) * 1000
    single_ms = statistics.median(singles) * 1000
    print(f"start-up, 10 users        : {anchor_start * 1000:8.1f} ms (anchor)")
    print(f"start-up, 100 000 users   : {big_start * 1000:8.1f} ms  ratio {big_start / anchor_start:6.2f}x")
    print(f"200-user page (median/20) : {page_ms:8.1f} ms  ratio {page_ms / single_ms:6.1f}x a single-user GET")
    print(f"single-user GET (median)  : {single_ms:8.1f} ms (anchor)")
    print(f"filtered scan, 200 STAGED : {filtered * 1000:8.1f} ms")
    print(f"peak RSS (whole process)  : {peak / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
