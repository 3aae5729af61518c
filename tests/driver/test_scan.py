"""Users scans read one page ahead: the same rows and the same calls as page by page, no page
read that a LIMIT makes unnecessary, and nothing fetched after the cursor is closed."""

from __future__ import annotations

import math
import time

import okta_dbapi
from okta_dbapi.emulator import Emulator

USERS = r"/api/v1/users"


def settle(org: Emulator) -> None:
    """Wait until no request is in flight (one read ahead may still land after close)."""
    deadline = time.monotonic() + 10
    while org.concurrency.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # the emulator logs a request just after it stops counting it in flight


def listed(org: Emulator) -> list[str]:
    """Every user, in the order they are listed: the default listing, then the DEPROVISIONED ones."""
    default = org.org.user_ids(include_deprovisioned=False)
    return default + [u for u in org.org.user_ids(include_deprovisioned=True) if u not in default]


def listing_calls(org: Emulator, page: int) -> int:
    default = len(org.org.user_ids(include_deprovisioned=False))
    return max(1, math.ceil(default / page)) + max(1, math.ceil((len(listed(org)) - default) / page))


def test_full_scan_reads_every_page_once(org: Emulator) -> None:
    org.log.clear()
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7)
    cur = conn.cursor()
    cur.execute("SELECT id, created FROM okta.users.users")
    rows = cur.fetchall()
    ids = listed(org)
    assert [r[0] for r in rows] == ids
    assert all(r[1] is None or r[1].tzinfo is not None for r in rows)
    assert org.log.count("GET", USERS) == listing_calls(org, 7)
    assert len({tuple(sorted(e.query.items())) for e in org.log.entries}) == org.log.count()  # no page twice
    conn.close()


def test_limit_within_the_first_page_reads_no_page_ahead(org: Emulator) -> None:
    org.log.clear()
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7)
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users LIMIT 3")
    assert [r[0] for r in cur.fetchall()] == listed(org)[:3]
    assert org.log.count() == 1
    conn.close()


def test_limit_past_the_first_page_stops_one_page_after_it(org: Emulator) -> None:
    org.log.clear()
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=7)
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users LIMIT 10 OFFSET 2")
    assert [r[0] for r in cur.fetchall()] == listed(org)[2:12]
    # Pages of 7: rows 0-11 need pages 1-2; reading ahead may have asked for page 3, never more.
    assert 2 <= org.log.count("GET", USERS) <= 3
    conn.close()


def test_closing_the_cursor_mid_scan_stops_reading(org: Emulator) -> None:
    org.log.clear()
    conn = okta_dbapi.connect(org_url=org.url, token=org.token, page_size=5)
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.users")
    assert cur.fetchone() is not None
    cur.close()
    settle(org)
    after_close = org.log.count()
    assert after_close <= 2  # the first page and at most the one read ahead
    cur2 = conn.cursor()
    cur2.execute("SELECT count(*) FROM okta.users.users")  # the connection is still usable
    assert cur2.fetchone() == (len(listed(org)),)
    assert org.log.count() == after_close + listing_calls(org, 5)
    conn.close()
