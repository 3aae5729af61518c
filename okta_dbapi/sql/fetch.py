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
from okta_dbapi.sql.planner import PUSH_TYPES, Source, id_listings, select_op, user_listings

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
            yield from self._list_users(source.queries, wanted)
        elif source.mode == "keyed":
            keyed = self._existing_users(source)
            yield from self._calls(source.operation, source.table, keyed, total=len(keyed))
        elif source.mode == "dependent":
            ids = list(user_ids or ())
            yield from self._calls(source.operation, source.table, ({"userId": u} for u in ids), total=len(ids))
        elif source.mode == "fanout":
            users = self._listed_users(read_ahead=wanted is None)
            calls = list(users) if self.list_users_first else users
            yield from self._calls(source.operation, source.table, calls, total=None, eager=wanted is None)
        elif source.mode == "transactions":
            yield from self._transactions(source)
        else:  # pragma: no cover - the planner makes no other mode
            raise AssertionError(source.mode)

    def _existing_users(self, source: Source) -> list[dict[str, Any]]:
        """The keyed calls, less those for users that do not exist, when rows cannot tell.

        Okta also resolves a login or a short name as the userId of a path. Rows with links say
        which user they belong to; rows without (security questions) do not, so their userIds are
        looked up first (``filter=id eq``), which also saves the calls for users that do not exist.
        """
        table = source.table
        if table.column("_links") is not None or table.column("userId") is None:
            return source.calls
        wanted = list(dict.fromkeys(str(c["userId"]) for c in source.calls if "userId" in c))
        if not wanted:
            return source.calls
        found: set[str] = set()
        for query in id_listings(wanted, self.client.settings.page_size):
            request = self.client.describe("GET", _USERS_PATH, query=query)
            for user in self.client.paginate(_USERS_PATH, query=query, scope=self.scope):
                found.add(checked_user_id(user, request))
        return [c for c in source.calls if str(c.get("userId")) in found]

    def _transactions(self, source: Source) -> Iterator[dict[str, Any]]:
        table = source.table
        lister = select_op(table, {"userId"})
        for call in source.calls:
            user = {"userId": call["userId"]}
            factors = list(self._calls(lister, table, [user], total=1))
            asks = [{**call, "factorId": f["id"]} for f in factors if f.get("factorType") in PUSH_TYPES]
            yield from self._calls(source.operation, table, asks, total=len(asks))

    def _listed_users(self, read_ahead: bool) -> Iterator[dict[str, Any]]:
        """Every listed user's id, page by page; the total is known as soon as the last page is in.

        A second fan-out in the same statement (factors joined to supported_factors) reuses the
        ids rather than listing the users again.
        """
        if self._listed is not None:
            yield from ({"userId": u} for u in self._listed)
            return
        seen: list[str] = []
        listings = user_listings({"limit": self.client.settings.page_size})
        for n, query in enumerate(listings, 1):
            request = self.client.describe("GET", _USERS_PATH, query=query)
            with self._pages(query, read_ahead) as pages:
                for users, last in pages:
                    if last and n == len(listings):
                        self.total = len(seen) + len(users)
                    for user in users:
                        user_id = checked_user_id(user, request)
                        seen.append(user_id)
                        yield {"userId": user_id}
        self._listed = seen
        _LISTED_USERS[self.client] = len(seen)

    def _list_users(self, queries: list[dict[str, Any]], wanted: int | None) -> Iterator[dict[str, Any]]:
        convert = rows.api_converter(USERS)
        for query in queries:
            request = self.client.describe("GET", _USERS_PATH, query=query)
            read_ahead = wanted is None or wanted > int(query.get("limit") or 0)
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
        self, op: Operation, table: Any, calls: Iterable[dict[str, Any]], total: int | None, eager: bool = True
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
            results = self.client.map_concurrent(one, calls, fan_out, eager)
        try:
            for params, items in results:
                self.done += 1
                if self.progress is not None:
                    self.progress(self.done, total if total is not None else self.total)
                for item in items:
                    row = rows.api_row(table, item, params)
                    if _answers(table, row, params):
                        yield row
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
    """A 404 on a read: the key looked up (the user, or the factor) does not exist, which is no row."""
    return op.verb == "select" and error.status == 404


def _answers(table: Any, row: dict[str, Any], params: dict[str, Any]) -> bool:
    """Whether a row fetched by key has exactly the keys asked for.

    Okta's ``GET /users/{id}`` also resolves a login, a short name or ``me``: that user is not
    the row ``id = 'login@example.com'`` asks for.
    """
    for key, value in params.items():
        column = table.key_columns.get(key, key)
        if column in row and row[column] is not None and str(row[column]) != str(value):
            return False
    return True
