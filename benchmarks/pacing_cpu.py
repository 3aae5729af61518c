"""CPU the driver spends while a binding rate limit makes it wait: is there busy waiting?

Run with one command (about half a minute)::

    python benchmarks/pacing_cpu.py

The emulators run in their own processes, so ``time.process_time()`` counts only this process:

* **driver**: ``SELECT count(*) FROM okta.users.factors`` over ``--users`` users (user pages
  plus one factor list per user), concurrency 8, against an org whose budget binds (``--budget``
  requests per ``--window`` seconds per endpoint family): most of the run is spent waiting.
* **anchor**: the same factor lists fetched by a plain 16-thread loop of ``requests`` (one
  session, no pacing) against an unbudgeted org, in the same run.

Prints CPU seconds and CPU per request for both, and their ratio. Aim: the driver's CPU per
request within a small multiple (<= 3x) of the plain loop's, however long it waits.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

import okta_dbapi


def serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "okta_dbapi.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip().split("=", 1)[1]
    token = proc.stdout.readline().strip().split("=", 1)[1]
    return proc, url, token


def user_ids(url: str, token: str) -> list[str]:
    conn = okta_dbapi.connect(org_url=url, token=token)
    ids = [row[0] for row in conn.cursor().execute("SELECT id FROM okta.users.users")]
    conn.close()
    return ids


def driver(url: str, token: str) -> tuple[float, float, int, float]:
    conn = okta_dbapi.connect(org_url=url, token=token, concurrency=8)
    wall, cpu = time.perf_counter(), time.process_time()
    conn.cursor().execute("SELECT count(*) FROM okta.users.factors").fetchall()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    requests_sent, waited = conn.client.request_count, conn.client.pacer.waited
    conn.close()
    return cpu, wall, requests_sent, waited


def plain_loop(url: str, token: str, ids: list[str]) -> tuple[float, float, int]:
    session = requests.Session()
    headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}

    def one(user: str) -> int:
        return len(session.get(f"{url}/api/v1/users/{user}/factors", headers=headers, timeout=30).json())

    wall, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, ids))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, wall, len(ids)


def line(what: str, count: int, cpu: float, wall: float, extra: str = "") -> None:
    per = cpu / count * 1000
    print(f"{what:21}: {count} requests, {cpu:.3f} s CPU ({per:.2f} ms/request), {wall:.2f} s wall{extra}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--budget", type=int, default=40)
    parser.add_argument("--window", type=float, default=2.0)
    args = parser.parse_args()
    common = ["--users", str(args.users), "--seed", "1", "--latency", "0.01"]
    paced, paced_url, paced_token = serve(*common, "--rate-limit", f"{args.budget}/{args.window:g}")
    free, free_url, free_token = serve(*common)
    try:
        ids = user_ids(free_url, free_token)
        plain_cpu, plain_wall, plain_n = plain_loop(free_url, free_token, ids)
        free_cpu, free_wall, free_sent, _ = driver(free_url, free_token)
        cpu, wall, sent, waited = driver(paced_url, paced_token)
    finally:
        for proc in (paced, free):
            proc.terminate()
            proc.wait(10)
    line("plain 16-thread loop", plain_n, plain_cpu, plain_wall)
    line("driver, no budget", free_sent, free_cpu, free_wall)
    line("driver, budget binds", sent, cpu, wall, f", {waited:.2f} s waiting for budget (summed over threads)")
    ratio = (cpu / sent) / (plain_cpu / plain_n)
    print(f"CPU per request, driver / plain loop: {ratio:.2f}x (aim <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
