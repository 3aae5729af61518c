"""``REFRESH [TABLE] okta.users.factors [FULL]``: bring the snapshot up to date from SQL."""

from __future__ import annotations

import re

from okta_dbapi.catalog import require_table
from okta_dbapi.exceptions import ProgrammingError

_REFRESH = re.compile(r"^\s*REFRESH\s+(?:TABLE\s+)?([\w.\"`]+)(\s+FULL)?\s*;?\s*$", re.IGNORECASE)
_LOOKS_LIKE = re.compile(r"^\s*REFRESH\b", re.IGNORECASE)


def parse_refresh(sql: str) -> tuple[str, bool] | None:
    """(table name, full?) of a REFRESH statement; None for any other statement."""
    if not _LOOKS_LIKE.match(sql):
        return None
    m = _REFRESH.match(sql)
    if m is None:
        raise ProgrammingError(
            "REFRESH takes one table and an optional FULL: REFRESH okta.users.factors, REFRESH okta.users.users FULL."
        )
    parts = [p.strip('"`') for p in m.group(1).split(".")]
    return require_table(parts).name, m.group(2) is not None
