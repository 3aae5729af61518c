"""GET /api/v1/users (paged listing with filter / search / q) and GET /api/v1/users/{id}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from .errors import validation_failed
from .filters import Predicate, compile_expression, q_predicate
from .org import Org

MAX_LIMIT = 200
Q_DEFAULT_LIMIT = 10


def _limit(query: dict[str, str], default: int) -> int:
    raw = query.get("limit")
    if raw is None:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise validation_failed("limit", f"limit: '{raw}' is not a valid integer") from None
    if n < 1:
        raise validation_failed("limit", "limit: must be greater than 0")
    return min(n, MAX_LIMIT)  # Okta caps larger limits instead of failing


class UserListing:
    def __init__(self, org: Org) -> None:
        self.org = org

    def get_user(self, base: str, id_or_login: str) -> tuple[int, Any]:
        with self.org.lock:
            return 200, self.org.user_json(self.org.require_user(id_or_login), base, single=True)

    def list_users(self, base: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """Returns (status, users, {"self": url, "next": url?})."""
        predicates: list[Predicate] = []
        include_deprovisioned = False
        if query.get("filter"):
            predicates.append(compile_expression(query["filter"], "filter"))
            include_deprovisioned = True  # "Returned users include those with the DEPROVISIONED status"
        if query.get("search"):
            predicates.append(compile_expression(query["search"], "search"))
            include_deprovisioned = True
        paginate = True
        default_limit = MAX_LIMIT
        if query.get("q"):
            predicates.append(q_predicate(query["q"]))
            paginate = False  # ``q`` doesn't support pagination, only ``limit``
            default_limit = Q_DEFAULT_LIMIT
        limit = _limit(query, default_limit)
        with self.org.lock:
            start = 0
            after = query.get("after")
            if after:
                idx = self.org.seeder.index_of(after)
                if idx is None or idx >= self.org.total_users:
                    raise validation_failed("after", "after: The cursor is not valid")
                start = idx + 1
            page, more = self._scan(start, limit, include_deprovisioned, predicates)
            users = [self.org.user_json(i, base, single=False) for i in page]
        links = {"self": _url(base, query)}
        if paginate and more and users:
            links["next"] = _url(base, {**query, "limit": str(limit)}, users[-1]["id"])
        return 200, users, links

    def _scan(
        self, start: int, limit: int, include_deprovisioned: bool, predicates: list[Callable[[dict[str, Any]], bool]]
    ) -> tuple[list[int], bool]:
        org = self.org
        found: list[int] = []
        for i in org.iter_indexes(start):
            if not include_deprovisioned and org.user_status(i) == "DEPROVISIONED":
                continue
            if predicates:
                rec = org.user_record(i)
                if not all(p(rec) for p in predicates):
                    continue
            if len(found) == limit:
                return found, True
            found.append(i)
        return found, False


def _url(base: str, query: dict[str, str], after: str | None = None) -> str:
    params = dict(query)
    if after is not None:
        params.pop("after", None)
        params = {"after": after, **params}
    qs = urlencode(params)
    return f"{base}/api/v1/users" + (f"?{qs}" if qs else "")
