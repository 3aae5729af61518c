"""Helpers of the pinned driver tests: run a query over HTTP against the emulator, and read the
calls it made and the org's own state."""

from __future__ import annotations

from typing import Any

import okta_dbapi
from okta_dbapi.emulator import Emulator

USERS = "/api/v1/users"


def query(conn: okta_dbapi.Connection, org: Emulator, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """The rows of ``sql``, with the emulator's log holding only the calls it made."""
    org.log.clear()
    cur = conn.cursor()
    cur.execute(sql, params)
    return cur.fetchall()


def calls(org: Emulator) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in org.log.entries]


def users_with(org: Emulator, status: str) -> list[str]:
    return [uid for uid in org.org.user_ids() if org.org.user(uid)["status"] == status]  # type: ignore[index]


def user_with_factors(org: Emulator, minimum: int = 3) -> str:
    return next(uid for uid in users_with(org, "ACTIVE") if len(org.org.factors(uid)) >= minimum)
