"""Run a plan's sources through the HTTP client and yield rows of catalog columns.

An answer of the wrong shape (a list operation answered with ``null`` or a string, a list item
that is not an object, a user without an ``id``) is an OperationalError, never a silently
shorter result: a fan-out count one short looks like a real count.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from okta_dbapi.catalog import USERS, Operation
from okta_dbapi.exceptions import OperationalError, ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.readahead import ReadAhead
from okta_dbapi.http.scope import Scope
from okta_dbapi.sql import rows
from okta_dbapi.sql.planner import Source

Progress = Callable[[int, "int | None"], None]


class Fetcher:
    """Fetches the rows of one source; counts the calls it makes for progress reporting."""

    def __init__(
        self,
        client: OktaClient,
        progress: Progress | None = None,
        scope: Scope | None = None,
        *,
        list_users_first: bool = False,
    ) -> None:
        self.client = client
        self.progress = progress
        self.scope = scope or client.scope()
        # A fan-out that will read every row lists all users before the per-user calls, so that
        # progress shows a total from the start; one that may stop early (a streamed LIMIT) lists
        # them page by page as the calls need them.
        self.list_users_first = list_users_first
        self.done = 0
        self.total: int | None = None
        self._listed: list[str] | None = None

    def rows(
        self, source: Source, user_ids: Iterable[str] | None = None, wanted: int | None = None
    ) -> Generator[dict[str, Any], None, None]:
        """The source's rows. ``wanted``: at most this many will be read (LIMIT + OFFSET of a
        streamed scan), so no page is read ahead that the first page already makes unnecessary."""
        if source.mode == "users":
            yield from self._list_users(source.query, wanted)
        elif source.mode == "keyed":
            yield from self._calls(source.operation, source.table, source.calls, total=len(source.calls))
        elif source.mode == "dependent":
            ids = list(user_ids or ())
            yield from self._calls(source.operation, source.table, ({"userId": u} for u in ids), total=len(ids))
        elif source.mode == "fanout":
            users = self._listed_users(read_ahead=wanted is None)
            calls = list(users) if self.list_users_first else users
            yield from self._calls(source.operation, source.table, calls, total=None)
        else:  # pragma: no cover - the planner makes no other mode
            raise AssertionError(source.mode)

    def _listed_users(self, read_ahead: bool) -> Iterator[dict[str, Any]]:
        """Every listed user's id, page by page; the total is known as soon as the last page is in.

        A second fan-out in the same statement (factors joined to supported_factors) reuses the
        ids rather than listing the users again.
        """
        if self._listed is not None:
            yield from ({"userId": u} for u in self._listed)
            return
        seen: list[str] = []
        query: dict[str, Any] = {"limit": self.client.settings.page_size}
        request = self.client.describe("GET", _USERS_PATH, query=query)
        with self._pages(query, read_ahead) as pages:
            for users, last in pages:
                if last:
                    self.total = len(seen) + len(users)
                for user in users:
                    user_id = checked_user_id(user, request)
                    seen.append(user_id)
                    yield {"userId": user_id}
        self._listed = seen
        _LISTED_USERS[self.client] = len(seen)

    def _list_users(self, query: dict[str, Any], wanted: int | None) -> Iterator[dict[str, Any]]:
        request = self.client.describe("GET", _USERS_PATH, query=query)
        read_ahead = wanted is None or wanted > int(query.get("limit") or 0)
        convert = rows.api_converter(USERS)
        with self._pages(query, read_ahead) as pages:
            for page, _last in pages:
                for item in page:
                    checked_user_id(item, request)
                yield from map(convert, page)

    @contextmanager
    def _pages(self, query: dict[str, Any], read_ahead: bool) -> Iterator[Iterator[tuple[list[Any], bool]]]:
        """The users pages; with ``read_ahead`` the next is fetched while the current one is consumed."""
        pages = self.client.pages(_USERS_PATH, query=query, scope=self.scope)
        source = ReadAhead(pages) if read_ahead else pages
        try:
            yield source
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def _calls(
        self, op: Operation, table: Any, calls: Iterable[dict[str, Any]], total: int | None
    ) -> Iterator[dict[str, Any]]:
        fan_out = self.client.scope(self.scope)

        def one(params: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            try:
                body = self.client.call(op.method, op.path, params, scope=fan_out).body
            except ProgrammingError as e:
                if _is_absent(op, e):
                    return params, []
                raise
            return params, answer_items(op, body, self.client.describe(op.method, op.path, params))

        # A single call needs no thread pool (the common keyed query).
        if total is not None and total <= 1:
            results: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]] = map(one, calls)
        else:
            results = self.client.map_concurrent(one, calls, fan_out)
        try:
            for params, items in results:
                self.done += 1
                if self.progress is not None:
                    self.progress(self.done, total if total is not None else self.total)
                for item in items:
                    yield rows.api_row(table, item, params)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                fan_out.cancel("the statement was interrupted")  # so that closing waits for nothing
            raise
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # end the fan-out now, not whenever the generator is collected
        if total is None and self.progress is not None and self.total is not None:
            self.progress(self.done, self.total)  # the total became known with the last user page


_USERS_PATH = "/api/v1/users"

# How many users each client's last complete listing of the org returned (for EXPLAIN's estimate).
_LISTED_USERS: weakref.WeakKeyDictionary[OktaClient, int] = weakref.WeakKeyDictionary()


def listed_users(client: OktaClient) -> int | None:
    """The number of users in the org as this client last listed them all, if it ever did."""
    return _LISTED_USERS.get(client)


def _malformed(request: str, problem: str) -> OperationalError:
    return OperationalError(
        f"Okta answered {request} with {problem}. The result would be incomplete, so the statement "
        "fails instead; try again, and report it to Okta (or the proxy in between) if it persists.",
        status=200,
        request=request,
    )


def _shape(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    return {list: "an array", dict: "an object", bool: "a boolean"}.get(type(value), f"a {type(value).__name__}")


def answer_items(op: Operation, body: Any, request: str) -> list[dict[str, Any]]:
    """The objects of one answer: an array of objects for a list operation, one object otherwise."""
    if op.returns_list:
        if not isinstance(body, list):
            return _fail(request, f"{_shape(body)} where a JSON array was expected")
        for i, item in enumerate(body):
            if not isinstance(item, dict):
                return _fail(request, f"{_shape(item)} as item {i} of its array, where an object was expected")
        return body
    if not isinstance(body, dict):
        return _fail(request, f"{_shape(body)} where a JSON object was expected")
    return [body]


def _fail(request: str, problem: str) -> Any:
    raise _malformed(request, problem)


def checked_user_id(item: Any, request: str) -> str:
    if not isinstance(item, dict):
        raise _malformed(request, f"{_shape(item)} in its list of users, where a user object was expected")
    user_id = item.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise _malformed(request, f"a user whose id is {_shape(user_id)}, where a non-empty string was expected")
    return user_id


def _is_absent(op: Operation, error: ProgrammingError) -> bool:
    """Okta's 404 for the looked-up resource itself (``... (UserFactor)``), not for its user."""
    summary = error.error_summary or ""
    return error.status == 404 and op.absent_resource is not None and summary.endswith(f"({op.absent_resource})")
