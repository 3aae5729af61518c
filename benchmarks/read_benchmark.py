"""Read benchmark for okta-dbapi, against Okta's Python SDK and plain ``requests`` loops.

One command (about three minutes on a loaded two-core machine; no network)::

    pip install -e '.[bench]'          # Okta's SDK and matplotlib, for the comparison and the plot
    python benchmarks/read_benchmark.py

Every org is the package's emulator in a process of its own (see ``remote_org.py``), so the
server's work is not billed to the client being measured. Absolute times on a shared machine are
noise: each figure is a ratio to an anchor measured in the same run.

1. ``import okta_dbapi`` over a bare interpreter (fresh subprocesses, best of N). Aim: <= 0.2 s.
2. Keyed lookup (``WHERE userId = ? AND id = ?``) against a ``requests`` GET of the same URL,
   latency 0, interleaved, median per call. Aim: <= 1.3x.
3. Users scan (``SELECT * FROM okta.users.users``, 5,000 users, 25 ms latency) against a plain
   ``requests`` page loop, rows/s, best of 7 interleaved rounds (median printed too), once on an
   emulator org and once on the same pages pre-rendered (a server that costs nothing per page, so
   the client's own cost shows). Aim: >= 0.8x.
4. Fan-out with an ample budget: every user's factors (200 users, 25 ms latency, no rate limit)
   by the driver, Okta's SDK, a 16-thread ``requests`` loop (the anchor) and a sequential loop.
   Aim: driver <= 1.2x the 16-thread loop.
5. Fan-out under binding budgets (N requests per 2 s window per endpoint family) by the driver,
   the SDK and the 16-thread loop, against the fixed-window floor. Aim: <= 1.10x the floor, no
   429, complete. Plotted (wall time against budget) when matplotlib is installed.

Parts 4-5 check completeness: every factor of every listed user, as the org itself knows them.
Options: ``--quick`` (smaller, for a smoke run), ``--parts 1,2,...``, ``--plot PATH``; see ``--help``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import contenders
import requests
from remote_org import RemoteOrg

import okta_dbapi

LATENCY = 0.025
WINDOW = 2.0
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLOT = ROOT / "docs" / "perf" / "fanout_vs_budget.png"


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


# --- 1. import --------------------------------------------------------------------------------


def part_import(runs: int) -> None:
    say(f"(1) import time: fresh interpreters, best of {runs}, interleaved")
    programs = {
        "bare": "pass",
        "okta_dbapi": "import okta_dbapi",
        "requests": "import requests",
        "sqlglot": "import sqlglot",
    }
    best = {name: math.inf for name in programs}
    for _ in range(runs):
        for name, code in programs.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            best[name] = min(best[name], time.perf_counter() - start)
    net = {name: best[name] - best["bare"] for name in programs if name != "bare"}
    say(f"    bare interpreter {best['bare']:.3f} s; net: " + ", ".join(f"{n} {t:.3f} s" for n, t in net.items()))
    say(f"    import okta_dbapi net {net['okta_dbapi']:.3f} s (aim <= 0.200 s): {verdict(net['okta_dbapi'] <= 0.2)}")
    say()


# --- 2. keyed lookup ----------------------------------------------------------------------------


def part_keyed(iterations: int) -> None:
    say(f"(2) keyed lookup: latency 0, {iterations} interleaved calls each, median per call")
    with RemoteOrg(users=50, seed=1) as org:
        user_id, factor_ids = next((u, ids) for u, ids in org.truth().items() if ids)
        url = f"{org.url}/api/v1/users/{user_id}/factors/{factor_ids[0]}"
        session = requests.Session()
        headers = contenders.headers_for(org.token)
        connection = okta_dbapi.connect(org_url=org.url, token=org.token)
        cursor = connection.cursor()
        sql = "SELECT * FROM okta.users.factors WHERE userId = ? AND id = ?"

        def raw() -> Any:
            response = session.get(url, headers=headers, timeout=30)
            response.raise_for_status()
            return response.json()

        def driver() -> Any:
            cursor.execute(sql, (user_id, factor_ids[0]))
            return cursor.fetchall()

        assert len(driver()) == 1 and raw()["id"] == factor_ids[0]
        times = interleave({"requests": raw, "driver": driver}, iterations, warmup=max(20, iterations // 10))
        org.clear()
        driver()
        calls = len(org.calls())
        connection.close()
        session.close()
    raw_ms, driver_ms = (statistics.median(times[k]) * 1000 for k in ("requests", "driver"))
    ratio = driver_ms / raw_ms
    say(f"    requests GET {raw_ms:.3f} ms, driver {driver_ms:.3f} ms: {ratio:.2f}x, {calls} HTTP call per query "
        f"(aim <= 1.30x): {verdict(ratio <= 1.3)}")
    say()


def interleave(calls: dict[str, Callable[[], Any]], rounds: int, warmup: int = 0) -> dict[str, list[float]]:
    """Run each call ``rounds`` times, alternating the order, and return the wall times."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    items = list(calls.items())
    for i in range(rounds):
        for name, call in items if i % 2 == 0 else items[::-1]:
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return times


# --- 3. users scan ------------------------------------------------------------------------------


def part_scan(users: int, rounds: int) -> None:
    say(f"(3) users scan: {users} users, latency {LATENCY * 1000:.0f} ms, pages of 200, {rounds} interleaved rounds")
    for prerendered in (False, True):
        scan_once(users, rounds, prerendered)
    say()


def scan_once(users: int, rounds: int, prerendered: bool) -> None:
    if prerendered:
        say("  pre-rendered pages (the server costs next to nothing, so the client's own cost shows):")
    else:
        say("  emulator org (the server renders each page):")
    with RemoteOrg(prerendered=prerendered, users=users, seed=1, latency=LATENCY) as org:
        headers = contenders.headers_for(org.token)
        session = requests.Session()
        connection = okta_dbapi.connect(org_url=org.url, token=org.token)
        cursor = connection.cursor()

        # The whole table, as the driver has it: Okta's default listing leaves DEPROVISIONED users
        # out, so both read the default listing and then the DEPROVISIONED one.
        deprovisioned = '&filter=status%20eq%20"DEPROVISIONED"'

        def raw() -> int:
            listings = ("", deprovisioned)
            return sum(len(p) for q in listings for p in contenders.user_pages(session, org.url, headers, q))

        def driver() -> int:
            cursor.execute("SELECT * FROM okta.users.users")
            return len(cursor.fetchall())

        expected = raw()
        assert driver() == expected
        times = interleave({"requests": raw, "driver": driver}, rounds)
        connection.close()
        session.close()
    # Other processes only ever add time, so the best round is the steadiest measure of each.
    best = {name: expected / min(t) for name, t in times.items()}
    typical = {name: expected / statistics.median(t) for name, t in times.items()}
    ratio = best["driver"] / best["requests"]
    say(f"    best round: requests page loop {best['requests']:,.0f} rows/s, driver {best['driver']:,.0f} rows/s: "
        f"{ratio:.2f}x (aim >= 0.80x): {verdict(ratio >= 0.8)}")
    say(f"    median round: requests {typical['requests']:,.0f} rows/s, driver {typical['driver']:,.0f} rows/s: "
        f"{typical['driver'] / typical['requests']:.2f}x")


# --- 4-5. fan-out -------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    elapsed: float
    calls: int
    status_429: int
    complete: bool
    problems: dict[str, int]

    def line(self, anchor: float, anchor_name: str) -> str:
        problems = ", ".join(f"{n} {k}" for k, n in self.problems.items() if n) or "none lost"
        return (f"    {self.name:12} {self.elapsed:6.2f} s  {self.elapsed / anchor:5.2f}x {anchor_name}  "
                f"requests {self.calls:4}  429s {self.status_429:3}  "
                f"{'complete' if self.complete else 'INCOMPLETE'} ({problems})")


def race(org: RemoteOrg, names: Sequence[str], truth: dict[str, list[str]], aligned: bool) -> dict[str, Outcome]:
    out = {}
    for name in names:
        org.clear()
        if aligned:
            align_to_window()
        run = contenders.FAN_OUT[name](org.url, org.token)
        calls = org.calls()
        out[name] = Outcome(
            name, run.elapsed, len(calls), sum(c.status == 429 for c in calls), run.complete(truth), run.problems
        )
    return out


def align_to_window() -> None:
    """Start just after a rate-limit window begins (the emulator's windows are epoch-aligned, as
    Okta's are), so each contender gets a whole first window, as the floor assumes."""
    now = time.time()
    time.sleep(math.floor(now / WINDOW) * WINDOW + WINDOW - now + 0.01)


def part_fan_out_ample(users: int, rounds: int, names: Sequence[str]) -> None:
    say(f"(4) fan-out, ample budget: {users} users, latency {LATENCY * 1000:.0f} ms, no rate limit, "
        f"median of {rounds} rounds")
    with RemoteOrg(users=users, seed=1, latency=LATENCY) as org:
        truth = org.truth()
        results: dict[str, list[Outcome]] = {n: [] for n in names}
        for i in range(rounds):
            order = list(names) if i % 2 == 0 else list(names)[::-1]
            for name, outcome in race(org, order, truth, aligned=False).items():
                results[name].append(outcome)
    median = {n: sorted(rs, key=lambda o: o.elapsed)[len(rs) // 2] for n, rs in results.items()}
    anchor = median["16 threads"].elapsed
    say(f"    listed users {len(truth)}, factors {sum(map(len, truth.values()))}")
    for outcome in median.values():
        say(outcome.line(anchor, "16 threads"))
    ratio = median["okta-dbapi"].elapsed / anchor
    say(f"    driver / 16-thread loop {ratio:.2f}x (aim <= 1.20x): {verdict(ratio <= 1.2)}")
    say()


def floor(calls: int, budget: int, concurrency: int) -> float:
    """The fixed-window floor: whole windows for all but the last, then the rest at ``concurrency``."""
    windows = max(1, math.ceil(calls / budget))
    last = calls - (windows - 1) * budget
    return (windows - 1) * WINDOW + math.ceil(last / concurrency) * LATENCY


def part_fan_out_budgets(users: int, budgets: Sequence[int], names: Sequence[str]) -> dict[str, Any]:
    probe = okta_dbapi.connect(org_url="http://127.0.0.1:1", token="unused", **contenders.DRIVER_OPTIONS)
    concurrency = probe.settings.concurrency
    probe.close()
    say(f"(5) fan-out under a binding budget: {users} users, latency {LATENCY * 1000:.0f} ms, budgets per "
        f"{WINDOW:g} s window per endpoint family: {', '.join(map(str, budgets))}")
    say(f"    floor = (windows - 1) x {WINDOW:g} s + ceil(last window's calls / {concurrency}) x "
        f"{LATENCY * 1000:.0f} ms (the driver's concurrency {concurrency})")
    series: dict[str, Any] = {"budgets": list(budgets), "floor": [], "incomplete": [], **{n: [] for n in names}}
    for budget in budgets:
        with RemoteOrg(users=users, seed=1, latency=LATENCY, rate_limit=(budget, WINDOW)) as org:
            truth = org.truth()
            bound = floor(len(truth), budget, concurrency)
            results = race(org, names, truth, aligned=True)
        series["floor"].append(bound)
        say(f"  budget {budget} / {WINDOW:g} s: {len(truth)} factor lists, floor {bound:.2f} s")
        for name, outcome in results.items():
            series[name].append(outcome.elapsed)
            if not outcome.complete:
                series["incomplete"].append((budget, outcome.elapsed))
            say(outcome.line(bound, "floor"))
        driver = results["okta-dbapi"]
        ok = driver.status_429 == 0 and driver.complete and driver.elapsed / bound <= 1.10
        say(f"    driver {driver.elapsed / bound:.2f}x the floor, {driver.status_429} 429s "
            f"(aim <= 1.10x, no 429, complete): {verdict(ok)}")
    say()
    return series


def plot(series: dict[str, Any], users: int, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("plot skipped: matplotlib is not installed (pip install -e '.[bench]')")
        return
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    budgets = series["budgets"]
    styles = {"okta-dbapi": "o-", "Okta SDK": "s--", "16 threads": "^-.", "floor": "k:"}
    for name, style in styles.items():
        if name in series:
            label = "fixed-window floor" if name == "floor" else name
            axes.plot(budgets, series[name], style, label=label)
    if series["incomplete"]:
        xs, ys = zip(*series["incomplete"])
        axes.plot(xs, ys, "rx", markersize=11, label="incomplete result")
    axes.set_xscale("log")
    axes.set_xticks(budgets, [str(b) for b in budgets])
    axes.minorticks_off()
    axes.set_xlabel(f"rate-limit budget (requests per {WINDOW:g} s window)")
    axes.set_ylabel("wall time (s)")
    axes.set_title(f"Every user's factors: {users} users, {LATENCY * 1000:.0f} ms latency")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    say(f"plot written to {path}")


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round: a smoke run")
    parser.add_argument("--parts", default="1,2,3,4,5", help="which parts to run, e.g. 3,4")
    parser.add_argument("--plot", type=Path, default=DEFAULT_PLOT, help=f"where part 5's plot goes ({DEFAULT_PLOT})")
    parser.add_argument("--no-sdk", action="store_true", help="leave Okta's SDK out even if it is installed")
    parser.add_argument(
        "--driver-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a connect() option for the driver in parts 4-5, e.g. concurrency=16 (repeatable)",
    )
    args = parser.parse_args(argv)
    contenders.DRIVER_OPTIONS.update(option.split("=", 1) for option in args.driver_option)
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    quick = args.quick
    began = time.perf_counter()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    say(f"okta-dbapi read benchmark (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load})")
    say(f"driver options for parts 4-5: {contenders.DRIVER_OPTIONS or 'defaults'}\n")
    names = ["okta-dbapi", "Okta SDK", "16 threads", "sequential"]
    missing = "left out (--no-sdk)" if args.no_sdk else contenders.sdk_available()
    if missing:
        say(f"Okta SDK: {missing}\n")
        names.remove("Okta SDK")
    if 1 in parts:
        part_import(3 if quick else 9)
    if 2 in parts:
        part_keyed(100 if quick else 1000)
    if 3 in parts:
        part_scan(1000 if quick else 5000, 1 if quick else 7)
    if 4 in parts:
        part_fan_out_ample(60 if quick else 200, 1 if quick else 3, names)
    if 5 in parts:
        users = 60 if quick else 200
        budgets = [20, 100] if quick else [50, 100, 200, 400]
        series = part_fan_out_budgets(users, budgets, [n for n in names if n != "sequential"])
        if not quick or args.plot != DEFAULT_PLOT:
            plot(series, users, args.plot)
    say(f"total benchmark time {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
