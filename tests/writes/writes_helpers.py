"""Helpers shared by the write tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from okta_dbapi import Cursor
from okta_dbapi.emulator import Emulator

# new_user(profile=None, factors=None, status="ACTIVE") -> the id of a user added to the org
NewUser = Callable[..., str]


def factor_types(emu: Emulator, user_id: str) -> list[tuple[str, str]]:
    """(factorType, status) of the user's factors, as the org has them."""
    return sorted((f["factorType"], f["status"]) for f in emu.org.factors(user_id))


def fill(sql: str, values: dict[str, str]) -> str:
    """Fill ``{{ name }}`` placeholders; every placeholder must have a value."""

    def one(match: re.Match[str]) -> str:
        return values[match.group(1)]

    out = re.sub(r"\{\{ *([A-Za-z_-]+) *\}\}", one, sql)
    assert "{{" not in out, out
    return out


def with_keys(sql: str, addition: str) -> str:
    """The example with the path keys its generator left out appended (before a final ';')."""
    text = sql.rstrip()
    if text.endswith(";"):
        text = text[:-1]
    return text + "\n" + addition


def columns(cur: Cursor) -> list[str]:
    return [d[0] for d in cur.description or ()]


def first(cur: Cursor) -> tuple[Any, ...]:
    row = cur.fetchone()
    assert row is not None
    return row


def one(cur: Cursor) -> dict[str, Any]:
    """The only row of the result, by column name."""
    row = first(cur)
    assert cur.fetchone() is None
    return dict(zip(columns(cur), row))
