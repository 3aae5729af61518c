"""Bringing the snapshot up to date: a full load, or an incremental refresh from the System Log.

Full load: every user (Okta's default listing, then ``filter=status eq "DEPROVISIONED"``, which
the default listing leaves out) and, for the factors table, one ``GET .../factors`` per user.
The System Log cursor starts ``OVERLAP`` seconds before the load began.

Incremental refresh, in this order (a change made meanwhile is seen by the next refresh):

1. the System Log from the stored cursor (the query of the last ``next`` link), pages of
   ``LOG_PAGE`` events filtered to the trusted event types below, until a page is not full; events
   whose ``uuid`` was already applied are skipped;
2. users: ``filter=lastUpdated gt "<newest lastUpdated stored, minus OVERLAP>"``, merged in;
3. users named by a delete event are removed with their factors;
4. factors (when that table is loaded): one ``GET .../factors`` per user named by a trusted event
   or new in step 2, replacing that user's rows (a 404 means the user is gone: removed).

Trusted events (the user is the event's ``User`` target): the ``FACTOR_EVENTS``,
``USER_EVENTS`` and ``DELETE_EVENTS`` below. ``ORG_EVENTS`` (an admin turning a factor type off
or on for the whole org) name no user, so they make the refresh reload the factors in full.
Anything the log misses is repaired by the full reload after ``full_refresh_after``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from okta_dbapi.catalog import FACTORS, USERS
from okta_dbapi.exceptions import Error, OperationalError, ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.scope import Scope
from okta_dbapi.snapshot.store import Writer
from okta_dbapi.sql import rows
from okta_dbapi.sql.fetch import answer_items, checked_user_id
from okta_dbapi.sql.parse import format_timestamp

FACTOR_EVENTS = (
    "user.mfa.factor.activate",
    "user.mfa.factor.deactivate",
    "user.mfa.factor.update",
    "user.mfa.factor.reset_all",
    "user.mfa.factor.suspend",
    "user.mfa.factor.unsuspend",
)
USER_EVENTS = (
    "user.lifecycle.create",
    "user.lifecycle.activate",
    "user.lifecycle.reactivate",
    "user.lifecycle.deactivate",
    "user.lifecycle.suspend",
    "user.lifecycle.unsuspend",
)
DELETE_EVENTS = ("user.lifecycle.delete.initiated", "user.lifecycle.delete.completed")
ORG_EVENTS = ("system.mfa.factor.deactivate", "system.mfa.factor.activate")
TRUSTED = FACTOR_EVENTS + USER_EVENTS + DELETE_EVENTS + ORG_EVENTS
LOG_FILTER = " or ".join(f'eventType eq "{t}"' for t in TRUSTED)
LOG_PAGE = 1000
OVERLAP = 60.0  # seconds: clock skew, and events that land late (Okta: about 10 s)
LOGS_PATH = "/api/v1/logs"
USERS_PATH = "/api/v1/users"
FACTORS_PATH = "/api/v1/users/{userId}/factors"
LIST_FACTORS = next(op for op in FACTORS.operations if op.name == "list_factors")
DEPROVISIONED = 'status eq "DEPROVISIONED"'


def iso(ts: float) -> str:
    return format_timestamp(dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc))


def initial_cursor(since: float) -> str:
    return urlencode({"since": iso(since), "filter": LOG_FILTER, "limit": LOG_PAGE})


class Refresher:
    """Runs inside one snapshot transaction (``writer``); counts nothing itself (the client does)."""

    def __init__(self, client: OktaClient, writer: Writer, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.writer = writer
        self.clock = clock

    # -- full ---------------------------------------------------------------------------------
    def full(self, with_factors: bool) -> None:
        started = self.clock()
        users = list(self._all_users())
        self.writer.clear(USERS)
        self.writer.upsert(USERS, users)
        stamp: dict[str, Any] = {"users.loaded_at": started, "users.refreshed_at": started, "users.full_at": started}
        if with_factors:
            self.writer.clear(FACTORS)
            self.reload_factors([u["id"] for u in users])
            stamp |= {"factors.loaded_at": started, "factors.refreshed_at": started, "factors.full_at": started}
        stamp |= {"log.cursor": initial_cursor(started - OVERLAP), "users.mark": self.writer.max_last_updated()}
        self.writer.put(stamp)

    def _all_users(self) -> Iterator[dict[str, Any]]:
        page = self.client.settings.page_size
        for query in ({"limit": page}, {"limit": page, "filter": DEPROVISIONED}):
            request = self.client.describe("GET", USERS_PATH, query=query)
            for item in self.client.paginate(USERS_PATH, query=query):
                checked_user_id(item, request)
                yield rows.api_row(USERS, item, {})

    def reload_factors(self, user_ids: list[str]) -> None:
        # The fan-out's own scope: Ctrl-C or a close stops its calls at their next step.
        fan_out = self.client.scope(self.client.scope())
        for user_id, items in self.client.map_concurrent(lambda u: self._factors_of(u, fan_out), user_ids, fan_out):
            if items is None:
                self.writer.delete_user(user_id)
            else:
                self.writer.replace_factors(user_id, items)

    def _factors_of(self, user_id: str, scope: Scope) -> tuple[str, list[dict[str, Any]] | None]:
        params = {"userId": user_id}
        try:
            body = self.client.call("GET", FACTORS_PATH, params, scope=scope).body
        except ProgrammingError as e:
            if e.status == 404:
                return user_id, None  # deleted since it was listed
            raise
        # A body that is not an array of objects fails the refresh (nothing is committed).
        items = answer_items(LIST_FACTORS, body, self.client.describe("GET", FACTORS_PATH, params))
        return user_id, [rows.api_row(FACTORS, item, params) for item in items]

    # -- incremental --------------------------------------------------------------------------
    def incremental(self, with_factors: bool) -> None:
        started = self.clock()
        state = self.writer.state()
        events, cursor = self._poll(state.get("log.cursor") or initial_cursor(started - OVERLAP))
        seen = self.writer.seen(str(e.get("uuid")) for e in events)
        fresh = [e for e in events if e.get("uuid") not in seen]
        known = set(self.writer.user_ids())
        changed = list(self._changed_users(state.get("users.mark")))
        self.writer.upsert(USERS, changed)
        deleted = {u for e in fresh if e.get("eventType") in DELETE_EVENTS for u in _users_named(e)}
        for user_id in deleted:
            self.writer.delete_user(user_id)
        stamp: dict[str, Any] = {"users.refreshed_at": started}
        if with_factors:
            if any(e.get("eventType") in ORG_EVENTS for e in fresh):
                self.writer.clear(FACTORS)
                self.reload_factors(self.writer.user_ids())
                stamp["factors.full_at"] = started
            else:
                named = {u for e in fresh if e.get("eventType") not in DELETE_EVENTS for u in _users_named(e)}
                named |= {u["id"] for u in changed if u["id"] not in known}
                self.reload_factors(sorted(named - deleted))
            stamp["factors.refreshed_at"] = started
        self.writer.remember((str(e["uuid"]) for e in fresh if e.get("uuid")), started)
        stamp |= {"log.cursor": cursor, "users.mark": self.writer.max_last_updated()}
        self.writer.put(stamp)

    def _poll(self, cursor: str) -> tuple[list[dict[str, Any]], str]:
        """Events from ``cursor`` on, and the cursor to resume from (the last ``next`` link's query)."""
        events: list[dict[str, Any]] = []
        params = dict(parse_qsl(cursor, keep_blank_values=True))
        while True:
            try:
                response = self.client.call("GET", LOGS_PATH, query=params)
            except Error as e:
                raise _log_hint(e) from e
            page = response.body if isinstance(response.body, list) else []
            events.extend(e for e in page if isinstance(e, dict))
            if response.next_url:
                params = _next_params(response.next_url)
            if not response.next_url or len(page) < int(params.get("limit") or LOG_PAGE):
                return events, urlencode(params)

    def _changed_users(self, mark: str | None) -> Iterator[dict[str, Any]]:
        since = _minus(mark, OVERLAP) if mark else None
        query: dict[str, Any] = {"limit": self.client.settings.page_size}
        if since:
            query["filter"] = f'lastUpdated gt "{since}"'
        for item in self.client.paginate(USERS_PATH, query=query):
            yield rows.api_row(USERS, item, {})


def _log_hint(error: Error) -> Error:
    """The same error, saying why the snapshot reads the System Log when Okta refused it."""
    if error.status not in (401, 403):
        return error
    hint = (
        " The snapshot reads Okta's System Log (GET /api/v1/logs) to refresh: the token needs the "
        "okta.logs.read scope (OAuth) or a read-only admin role (API token); or connect without snapshot."
    )
    return type(error)(
        error.message + hint,
        status=error.status,
        error_code=error.error_code,
        error_summary=error.error_summary,
        error_id=error.error_id,
        error_causes=error.error_causes,
        request=error.request,
    )


def _users_named(event: dict[str, Any]) -> list[str]:
    targets = event.get("target") or []
    return [t["id"] for t in targets if isinstance(t, dict) and t.get("type") == "User" and t.get("id")]


def _next_params(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.path != LOGS_PATH:
        raise OperationalError(f"the System Log answered with a next link to {parts.path}, not {LOGS_PATH}")
    return dict(parse_qsl(parts.query, keep_blank_values=True))


def _minus(stamp: str, seconds: float) -> str:
    parsed = rows.parse_timestamp(stamp)
    return iso(parsed.timestamp() - seconds)
