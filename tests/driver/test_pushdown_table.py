"""The README's pushdown table, row by row: each row's query makes exactly the calls it says.

The table's first column is read from the README, so a row added there without a test here
(or a test for a row no longer there) fails."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator

README = Path(__file__).parents[2] / "README.md"


def readme_rows() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Pushdown") : text.index("## EXPLAIN")]
    cells = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")]
    return cells[1:]  # after the header row


def everyone(org: Emulator) -> list[str]:
    return list(org.org.user_ids(include_deprovisioned=True))


def status_of(org: Emulator, uid: str) -> str:
    found = org.org.user(uid)
    assert found is not None
    return str(found["status"])


def listing(org: Emulator) -> int:
    default = len(org.org.user_ids(include_deprovisioned=False))
    return max(1, math.ceil(default / 200)) + max(1, math.ceil((len(everyone(org)) - default) / 200))


def run(conn: okta_dbapi.Connection, sql: str, params: Any = None) -> None:
    cur = conn.cursor()
    cur.execute(sql, params)
    cur.fetchall()


def keyed(org: Emulator, conn: okta_dbapi.Connection) -> int:
    uid = everyone(org)[0]
    run(conn, "SELECT * FROM factors WHERE userId = ? AND id = ?", [uid, org.org.factors(uid)[0]["id"]])
    return 1


def listed(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM factors WHERE userId = ?", [everyone(org)[0]])
    run(conn, "SELECT * FROM supported_factors WHERE userId = ?", [everyone(org)[0]])
    run(conn, "SELECT * FROM supported_security_questions WHERE userId = ?", [everyone(org)[0]])
    return 1 + 1 + 2


def transaction(org: Emulator, conn: okta_dbapi.Connection) -> int:
    uid = everyone(org)[0]
    sql = "SELECT factorResult FROM factors WHERE userId = ? AND factorId = ? AND transactionId = ?"
    run(conn, sql, [uid, org.org.factors(uid)[0]["id"], "v2mst.none"])
    return 1


def transaction_of_user(org: Emulator, conn: okta_dbapi.Connection) -> int:
    uid = next(u for u in everyone(org) if any(f["factorType"] == "push" for f in org.org.factors(u)))
    run(conn, "SELECT factorResult FROM factors WHERE userId = ? AND transactionId = ?", [uid, "v2mst.none"])
    return 1 + sum(f["factorType"] == "push" for f in org.org.factors(uid))


def in_list(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM factors WHERE userId IN (?, ?, ?)", everyone(org)[:3])
    return 3


def nothing(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM factors WHERE userId = NULL")
    run(conn, "SELECT * FROM factors WHERE userId IN ()")
    run(conn, "SELECT * FROM users WHERE status IN ()")
    return 0


def by_id(org: Emulator, conn: okta_dbapi.Connection) -> int:
    ids = everyone(org)[:25]
    run(conn, f"SELECT * FROM users WHERE id IN ({', '.join('?' for _ in ids)})", ids)
    run(conn, "SELECT * FROM users WHERE id = ?", [ids[0]])
    return 2 + 1


def filtered(org: Emulator, conn: okta_dbapi.Connection) -> int:
    login = (org.org.user(everyone(org)[0]) or {})["profile"]["login"]
    run(conn, "SELECT * FROM users WHERE status = 'ACTIVE'")
    run(conn, "SELECT * FROM users WHERE status IN ('ACTIVE', 'SUSPENDED')")
    run(conn, "SELECT * FROM users WHERE profile->>'login' = ?", [login])
    run(conn, "SELECT * FROM users WHERE lastUpdated > '2019-03-01'")
    return 4


def searched(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM users WHERE profile->>'department' = 'Sales'")
    return 1


def every_user(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM users")
    run(conn, "SELECT * FROM users WHERE lower(profile->>'department') = 'sales'")
    return 2 * listing(org)


def semi_joins(org: Emulator, conn: okta_dbapi.Connection) -> int:
    for sql in (
        "SELECT f.* FROM factors f WHERE f.userId IN (SELECT id FROM users WHERE status = 'SUSPENDED')",
        "SELECT f.* FROM factors f JOIN users u ON f.userId = u.id WHERE u.status = 'SUSPENDED'",
        "SELECT f.* FROM factors f WHERE EXISTS "
        "(SELECT 1 FROM users u WHERE u.id = f.userId AND u.status = 'SUSPENDED')",
    ):
        run(conn, sql)
    return 3 * (1 + sum(status_of(org, u) == "SUSPENDED" for u in everyone(org)))


def scalar(org: Emulator, conn: okta_dbapi.Connection) -> int:
    login = (org.org.user(everyone(org)[0]) or {})["profile"]["login"]
    run(conn, "SELECT * FROM factors WHERE userId = (SELECT id FROM users WHERE profile->>'login' = ?)", [login])
    return 2


def limited(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM factors WHERE userId IN (SELECT id FROM users ORDER BY id LIMIT 3)")
    run(conn, "WITH u AS (SELECT id FROM users LIMIT 3) SELECT f.* FROM factors f JOIN u ON f.userId = u.id")
    run(conn, "SELECT f.* FROM factors f JOIN (SELECT id FROM users ORDER BY id DESC LIMIT 3) u ON f.userId = u.id")
    return 3 * (listing(org) + 3)


def two_semi_joins(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(
        conn,
        "SELECT * FROM factors WHERE userId IN (SELECT id FROM users WHERE status = 'ACTIVE') "
        "AND userId IN (SELECT id FROM users WHERE status IN ('ACTIVE', 'SUSPENDED') ORDER BY id LIMIT 5)",
    )
    active = [u for u in everyone(org) if status_of(org, u) in ("ACTIVE", "SUSPENDED")]
    kept = [u for u in sorted(active)[:5] if status_of(org, u) == "ACTIVE"]
    return 2 + len(kept)


def fan_out(org: Emulator, conn: okta_dbapi.Connection) -> int:
    run(conn, "SELECT * FROM factors")
    return listing(org) + len(everyone(org))


ROWS: dict[str, Callable[[Emulator, okta_dbapi.Connection], int]] = {
    "`factors WHERE userId = ? AND id = ?`": keyed,
    "`factors WHERE userId = ?`": listed,
    "`factors WHERE userId = ? AND factorId = ? AND transactionId = ?`": transaction,
    "`factors WHERE userId = ? AND transactionId = ?` (no `factorId`)": transaction_of_user,
    "`factors WHERE userId IN (?, ?, ?)`": in_list,
    "`factors WHERE userId = NULL`, `userId IN ()`, `users WHERE status IN ()`": nothing,
    "`users WHERE id = ?` (or `id IN (...)`)": by_id,
    "`users WHERE status = ?` (or `IN`), `profile->>'login' = ?`, `lastUpdated > ?`": filtered,
    "`users WHERE profile->>'department' = ?` (any other profile attribute)": searched,
    "`users` with none of those": every_user,
    "`factors WHERE userId IN (SELECT id FROM users WHERE status = ?)`, or `JOIN users u ON f.userId = u.id "
    "WHERE u.status = ?`, or `EXISTS (SELECT 1 FROM users u WHERE u.id = f.userId AND u.status = ?)`": semi_joins,
    "`factors WHERE userId = (SELECT id FROM users WHERE profile->>'login' = ?)`": scalar,
    "`factors WHERE userId IN (SELECT id FROM users ORDER BY id LIMIT 3)` (or the same subquery as a CTE or "
    "a derived table joined on `userId`)": limited,
    "two such semi-joins under `AND`": two_semi_joins,
    "`factors` with no `userId` at all": fan_out,
}


def test_every_readme_row_has_a_test() -> None:
    assert readme_rows() == list(ROWS)


@pytest.mark.parametrize("row", list(ROWS), ids=[f"row{i}" for i in range(len(ROWS))])
def test_readme_row_makes_exactly_the_calls_it_says(org: Emulator, conn: okta_dbapi.Connection, row: str) -> None:
    expected = ROWS[row](org, conn)
    assert org.log.count() == expected
