"""Snapshot benchmark: HTTP calls and wall time of a factor inventory with and without a snapshot.

    python benchmarks/snapshot_benchmark.py             # 20k users, about 3 minutes
    python benchmarks/snapshot_benchmark.py --users 2000  # a quick run

An emulated org of ``--users`` users over real HTTP, 25 ms latency per request, a budget of 600
requests per window on each users/factors endpoint family and 120 per window on /api/v1/logs.
Time-lapse: the window is 60 s ÷ ``--lapse`` (default 60, so 1 s), with the budgets unchanged, so
every rate is ``--lapse`` times Okta's; the "at Okta's rate" column divides the calls by the
real budget (600 a minute) instead. Measured:

1. without a snapshot: the inventory query (a cold fan-out over every user);
2. with a snapshot: the same query on an empty snapshot file (the full load), then again warm;
   also ``SELECT *`` of the whole factors table, warm;
3. after 50 factor changes made elsewhere (enroll, activate, unenroll, reset), an incremental
   refresh (``REFRESH okta.users.factors``), checked against the org's own state.

Goals (issue 11): warm inventory 0 calls and under 1 s; incremental refresh at most 60 calls.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import okta_dbapi
from okta_dbapi.emulator import Emulator

INVENTORY = (
    "SELECT factorType, status, count(*) AS n FROM okta.users.factors GROUP BY factorType, status "
    "ORDER BY factorType, status"
)
CHANGES = 50


def run(conn: okta_dbapi.Connection, emu: Emulator, sql: str) -> tuple[list[tuple[Any, ...]], int, float]:
    before = len(emu.log.entries)
    started = time.perf_counter()
    cur = conn.cursor()
    cur.execute(sql)
    rows = cur.fetchall()
    elapsed = time.perf_counter() - started
    return rows, len(emu.log.entries) - before, elapsed


def change_elsewhere(emu: Emulator) -> int:
    """50 factor changes on 50 different users, the way another admin would make them."""
    org = emu.org
    made = 0
    for n, uid in enumerate(org.user_ids(include_deprovisioned=False)[::7]):
        if made == CHANGES:
            break
        factors = org.factors(uid)
        kind = n % 4
        if kind == 0 and not any(f["factorType"] == "email" for f in factors):
            org.add_factor(uid, {"factorType": "email", "provider": "OKTA", "profile": {"email": f"b{n}@example.com"}})
        elif kind == 1 and not any(f["factorType"] == "email" for f in factors):
            pending = org.add_factor(
                uid,
                {
                    "factorType": "email",
                    "provider": "OKTA",
                    "status": "PENDING_ACTIVATION",
                    "profile": {"email": f"b{n}@example.com"},
                },
            )
            org.activate_factor(uid, pending["id"])
        elif kind == 2 and factors:
            org.unenroll_factor(uid, factors[0]["id"])
        elif kind == 3 and factors:
            org.reset_factors(uid)
        else:
            continue
        made += 1
    return made


def truth(emu: Emulator) -> list[tuple[Any, ...]]:
    counts: dict[tuple[str, str], int] = {}
    for uid in emu.org.user_ids():
        for f in emu.org.factors(uid):
            key = (f["factorType"], f["status"])
            counts[key] = counts.get(key, 0) + 1
    return [(*k, v) for k, v in sorted(counts.items())]


def line(name: str, calls: int, seconds: float, okta_rate: float | None = None) -> None:
    at_okta = f"{okta_rate / 60:8.1f} min" if okta_rate is not None else " " * 12
    print(f"  {name:<46} {calls:>7} calls {seconds:>8.2f} s   {at_okta}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--lapse", type=float, default=60.0, help="time-lapse factor (window = 60 s / lapse)")
    parser.add_argument("--latency", type=float, default=0.025)
    args = parser.parse_args()
    window = 60.0 / args.lapse
    print(
        f"org: {args.users} users, {args.latency * 1000:.0f} ms latency, 600 calls/{window:g} s on users and "
        f"factors, 120/{window:g} s on logs (time-lapse x{args.lapse:g})"
    )
    emu = Emulator(
        users=args.users, seed=1, latency=args.latency, rate_limit=(600, window), logs_rate_limit=(120, window)
    )
    with emu, tempfile.TemporaryDirectory() as tmp:
        live = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        snap = okta_dbapi.connect(
            org_url=emu.url, token=emu.token, snapshot=str(Path(tmp) / "bench.sqlite3"), max_age=3600
        )
        print("                                                    calls     wall   at Okta's rate")
        _, cold_calls, cold_s = run(live, emu, INVENTORY)
        line("1. inventory, no snapshot (cold fan-out)", cold_calls, cold_s, cold_calls / 600 * 60)
        load_rows, load_calls, load_s = run(snap, emu, INVENTORY)
        line("2. inventory, snapshot: full load", load_calls, load_s, load_calls / 600 * 60)
        warm_rows, warm_calls, warm_s = run(snap, emu, INVENTORY)
        line("   inventory, snapshot: warm", warm_calls, warm_s)
        all_rows, all_calls, all_s = run(snap, emu, "SELECT * FROM okta.users.factors")
        line(f"   SELECT * FROM factors ({len(all_rows)} rows), warm", all_calls, all_s)
        made = change_elsewhere(emu)
        _, refresh_calls, refresh_s = run(snap, emu, "REFRESH okta.users.factors")
        line(f"3. incremental refresh after {made} changes elsewhere", refresh_calls, refresh_s)
        after_rows, after_calls, _ = run(snap, emu, INVENTORY)
        right = after_rows == truth(emu) and warm_rows == load_rows and after_calls == 0
        live.close()
        snap.close()
    print()
    print(
        f"  warm ÷ cold fan-out wall: {warm_s / cold_s:.5f}; refresh ÷ cold fan-out calls: "
        f"{refresh_calls / cold_calls:.5f}"
    )
    print(
        f"  (both hold every user, DEPROVISIONED ones included: "
        f"{cold_calls} vs {load_calls} calls)"
    )
    ok_warm = warm_calls == 0 and warm_s < 1.0
    ok_refresh = refresh_calls <= 60
    print(f"  warm inventory: 0 calls and < 1 s .... {'OK' if ok_warm else 'MISSED'}")
    print(f"  incremental refresh <= 60 calls ...... {'OK' if ok_refresh else 'MISSED'}")
    print(f"  snapshot answers match the org ........ {'OK' if right else 'WRONG'}")
    return 0 if ok_warm and ok_refresh and right else 1


if __name__ == "__main__":
    raise SystemExit(main())
