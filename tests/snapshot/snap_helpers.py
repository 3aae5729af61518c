"""The org's truth (straight from the emulator's state) and small query helpers."""

from __future__ import annotations

from typing import Any

import okta_dbapi
from okta_dbapi.emulator import Emulator

FACTOR_COLUMNS = "userId, id, factorType, provider, status"


def truth_factors(emu: Emulator) -> set[tuple[Any, ...]]:
    """Every factor of every user (DEPROVISIONED included), as the snapshot's table rule has it."""
    out = set()
    for uid in emu.org.user_ids():
        for f in emu.org.factors(uid):
            out.add((uid, f["id"], f["factorType"], f["provider"], f["status"]))
    return out


def truth_users(emu: Emulator) -> set[tuple[str, str]]:
    return {(uid, emu.org.user(uid)["status"]) for uid in emu.org.user_ids()}  # type: ignore[index]


def rows(conn: okta_dbapi.Connection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql, params)
    out = cur.fetchall()
    cur.close()
    return out


def snapshot_factors(conn: okta_dbapi.Connection) -> set[tuple[Any, ...]]:
    return set(rows(conn, f"SELECT {FACTOR_COLUMNS} FROM okta.users.factors"))


def snapshot_users(conn: okta_dbapi.Connection) -> set[tuple[Any, ...]]:
    return set(rows(conn, "SELECT id, status FROM okta.users.users"))


def calls(emu: Emulator, path: str | None = None) -> int:
    return emu.log.count(path=path) if path else len(emu.log.entries)
