"""Run a plan's sources through the HTTP client and yield rows of catalog columns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from okta_dbapi.catalog import USERS, Operation
from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.sql import rows
from okta_dbapi.sql.planner import Source

Progress = Callable[[int, "int | None"], None]


class Fetcher:
    """Fetches the rows of one source; counts the calls it makes for progress reporting."""

    def __init__(self, client: OktaClient, progress: Progress | None = None) -> None:
        self.client = client
        self.progress = progress
        self.done = 0
        self.total: int | None = None
        self._listed: list[str] | None = None

    def rows(self, source: Source, user_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        if source.mode == "users":
            yield from self._list_users(source.query)
        elif source.mode == "keyed":
            yield from self._calls(source.operation, source.table, source.calls, total=len(source.calls))
        elif source.mode == "dependent":
            ids = list(user_ids or ())
            yield from self._calls(source.operation, source.table, ({"userId": u} for u in ids), total=len(ids))
        elif source.mode == "fanout":
            yield from self._calls(source.operation, source.table, self._listed_users(), total=None)
        else:  # pragma: no cover - the planner makes no other mode
            raise AssertionError(source.mode)

    def _listed_users(self) -> Iterator[dict[str, Any]]:
        """Every listed user's id, page by page; the total is known once the last page is read.

        A second fan-out in the same statement (factors joined to supported_factors) reuses the
        ids rather than listing the users again.
        """
        if self._listed is not None:
            yield from ({"userId": u} for u in self._listed)
            return
        seen: list[str] = []
        for user in self.client.paginate(_USERS_PATH, query={"limit": self.client.settings.page_size}):
            seen.append(user["id"])
            yield {"userId": user["id"]}
        self.total = len(seen)
        self._listed = seen

    def _list_users(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for item in self.client.paginate(_USERS_PATH, query=query):
            yield rows.api_row(USERS, item, {})

    def _calls(
        self, op: Operation, table: Any, calls: Iterable[dict[str, Any]], total: int | None
    ) -> Iterator[dict[str, Any]]:
        def one(params: dict[str, Any]) -> tuple[dict[str, Any], Any]:
            try:
                return params, self.client.call(op.method, op.path, params).body
            except ProgrammingError as e:
                if _is_absent(op, e):
                    return params, None
                raise

        # A single call needs no thread pool (the common keyed query).
        results = map(one, calls) if total is not None and total <= 1 else self.client.map_concurrent(one, calls)
        for params, body in results:
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, total if total is not None else self.total)
            items = body if isinstance(body, list) else [body] if body is not None else []
            for item in items:
                if isinstance(item, dict):
                    yield rows.api_row(table, item, params)
        if total is None and self.progress is not None and self.total is not None:
            self.progress(self.done, self.total)  # the total became known with the last user page


_USERS_PATH = "/api/v1/users"


def _is_absent(op: Operation, error: ProgrammingError) -> bool:
    """Okta's 404 for the looked-up resource itself (``... (UserFactor)``), not for its user."""
    summary = error.error_summary or ""
    return error.status == 404 and op.absent_resource is not None and summary.endswith(f"({op.absent_resource})")
