"""The snapshot a connection reads through: when it answers, when it refreshes, and how.

A query is answered from the snapshot when every table it reads is ``users`` or ``factors`` and
each is either loaded already or read whole by this query (an unloaded table is then loaded
whole first). Keyed and filtered queries on a table that is not loaded go to Okta as without a
snapshot and do not fill it: a table in the snapshot is always the whole table. Transaction
status lookups (``transactionId``) always go to Okta.

Before answering, a table older than ``max_age`` is refreshed incrementally, and one whose last
full load is older than ``full_refresh_after`` is reloaded whole (see :mod:`.refresh`). Any
refresh covers every loaded table, so one System Log cursor serves both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from okta_dbapi.catalog import FACTORS, USERS
from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.http.client import OktaClient
from okta_dbapi.settings import Settings
from okta_dbapi.snapshot.paths import snapshot_path
from okta_dbapi.snapshot.refresh import (
    DEPROVISIONED,
    FACTORS_PATH,
    LOG_PAGE,
    LOGS_PATH,
    OVERLAP,
    USERS_PATH,
    Refresher,
)
from okta_dbapi.snapshot.store import TABLES, Store
from okta_dbapi.sql.planner import Plan
from okta_dbapi.sql.residual import LocalDatabase, rewrite
from okta_dbapi.sql.result import Result, describe
from okta_dbapi.sql.select import query_result


@dataclass(frozen=True)
class Action:
    kind: str  # "full" or "incremental"
    with_factors: bool
    reason: str


class Snapshot:
    def __init__(self, settings: Settings, client: OktaClient, clock: Callable[[], float] = time.time) -> None:
        self.path = snapshot_path(settings)
        self.client = client
        self.max_age = settings.max_age
        self.full_refresh_after = settings.full_refresh_after
        self.clock = clock
        self.store = Store(self.path, settings.org_url)

    def __repr__(self) -> str:
        return f"<okta_dbapi Snapshot {self.path} max_age={self.max_age:g}s>"

    # -- deciding -----------------------------------------------------------------------------
    def tables_for(self, plan: Plan, state: dict[str, str]) -> set[str] | None:
        """The snapshot tables that answer ``plan``, or None when it must go to Okta."""
        names = {ref.table.name for ref in plan.refs}
        if not names or not names <= set(TABLES):
            return None
        if any(ref.keys.get("transactionId") for ref in plan.refs):
            return None
        if any(ref.local != ref.table.name for ref in plan.refs):
            return None  # a CTE named like a table: the file's tables cannot be renamed for it
        for name in names:
            if not state.get(f"{name}.loaded_at") and not _reads_whole(plan, name):
                return None
        return names

    def pending(
        self, state: dict[str, str], need: Iterable[str], force: bool = False, full: bool = False
    ) -> Action | None:
        """What must happen before ``need`` can be answered (None: nothing)."""
        need = set(need)
        loaded = {t for t in TABLES if state.get(f"{t}.loaded_at")}
        with_factors = "factors" in need or "factors" in loaded
        if "factors" in need and "factors" not in loaded:
            return Action("full", True, "factors not loaded yet")
        if "users" in need and "users" not in loaded:
            return Action("full", with_factors, "users not loaded yet")
        if full:
            return Action("full", with_factors, "full refresh asked for")
        now = self.clock()
        oldest_full = min(float(state.get(f"{t}.full_at") or 0) for t in loaded)
        if now - oldest_full >= self.full_refresh_after:
            return Action("full", with_factors, f"last full load {now - oldest_full:.0f} s ago (full_refresh_after)")
        age = self.age(state, need)
        if force:
            return Action("incremental", with_factors, "refresh asked for")
        if age is not None and age >= self.max_age:
            return Action("incremental", with_factors, f"{age:.1f} s old >= max_age {self.max_age:g} s")
        return None

    def age(self, state: dict[str, str], tables: Iterable[str]) -> float | None:
        stamps = [float(state[f"{t}.refreshed_at"]) for t in tables if state.get(f"{t}.refreshed_at")]
        return self.clock() - min(stamps) if stamps else None

    # -- doing --------------------------------------------------------------------------------
    def ensure(self, need: Iterable[str], force: bool = False, full: bool = False) -> Action | None:
        need = set(need)
        if self.pending(self.store.state(), need, force, full) is None:
            return None
        with self.store.transaction() as writer:
            # Decide again under the lock: another process may have refreshed while we waited.
            action = self.pending(writer.state(), need, force, full)
            if action is None:
                return None
            refresher = Refresher(self.client, writer, self.clock)
            if action.kind == "full":
                refresher.full(action.with_factors)
            else:
                refresher.incremental(action.with_factors)
            return action

    def answer(self, plan: Plan) -> Result | None:
        need = self.tables_for(plan, self.store.state())
        if need is None:
            return None
        self.ensure(need)
        sql = rewrite(plan.ast)
        tables = {name: TABLES[name] for name in need}
        return query_result(LocalDatabase(self.store.reader()), sql, tables)

    def refresh(self, table: str, full: bool = False) -> Result:
        """``REFRESH okta.users.<table> [FULL]``: one row saying what was done."""
        if table not in TABLES:
            raise ProgrammingError(f"REFRESH works on the snapshot tables ({', '.join(sorted(TABLES))}), not {table}.")
        before = self.client.request_count
        action = self.ensure({table}, force=True, full=full)
        state = self.store.state()
        loaded = sorted(t for t in TABLES if state.get(f"{t}.loaded_at"))
        row = (
            ", ".join(loaded),
            action.kind if action else "none",
            self.client.request_count - before,
            action.reason if action else "",
        )
        columns = (("tables", "string"), ("refresh", "string"), ("requests", "integer"), ("reason", "string"))
        return Result(description=[describe(n, k) for n, k in columns], rows=iter([row]), rowcount=1)

    def after_write(self, user_ids: Iterable[str]) -> None:
        """Your own writes: re-read the factors of the users they touched, at once."""
        users = sorted(set(user_ids))
        if not users or not self.store.state().get("factors.loaded_at"):
            return
        with self.store.transaction() as writer:
            Refresher(self.client, writer, self.clock).reload_factors(users)

    # -- EXPLAIN ------------------------------------------------------------------------------
    def explain(self, plan: Plan) -> list[tuple[Any, ...]] | None:
        state = self.store.state()
        need = self.tables_for(plan, state)
        if need is None:
            return None
        action = self.pending(state, need)
        age = self.age(state, need)
        facts = {
            "file": str(self.path),
            "tables": sorted(need),
            "age_s": None if age is None else round(age, 1),
            "max_age_s": self.max_age,
            "refresh": action.kind if action else "none",
            "reason": action.reason if action else "fresh",
        }
        out: list[tuple[Any, ...]] = [(1, "snapshot", "LOCAL", str(self.path), json.dumps(facts), "0")]
        for name, method, path, params, calls in self._refresh_calls(state, action):
            out.append((len(out) + 1, name, method, path, json.dumps(params), calls))
        sql = rewrite(plan.ast)
        out.append((len(out) + 1, "residual", "LOCAL", "snapshot", json.dumps({"sql": sql}), "0"))
        return out

    def _refresh_calls(self, state: dict[str, str], action: Action | None) -> list[tuple[str, str, str, Any, str]]:
        if action is None:
            return []
        page = self.client.settings.page_size
        factors = (
            "refresh: list_factors",
            "GET",
            FACTORS_PATH,
            {"userId": "each user" if action.kind == "full" else "each user named by the log or new"},
            "1 per user" + (" (depends on data)" if action.kind == "full" else " named (depends on data)"),
        )
        if action.kind == "full":
            calls = [
                ("refresh: list_users", "GET", USERS_PATH, {"limit": page}, f"1 per page of {page} users"),
                (
                    "refresh: list_users",
                    "GET",
                    USERS_PATH,
                    {"limit": page, "filter": DEPROVISIONED},
                    f"1 per page of {page} deprovisioned users",
                ),
            ]
            return calls + ([factors] if action.with_factors else [])
        mark = state.get("users.mark")
        cursor = state.get("log.cursor") or ""
        since = f'lastUpdated gt "{mark}" (minus {OVERLAP:g} s)' if mark else None
        calls = [
            (
                "refresh: list_log_events",
                "GET",
                LOGS_PATH,
                {"cursor": cursor},
                f"1 per page of {LOG_PAGE} events (at least 1)",
            ),
            (
                "refresh: list_users",
                "GET",
                USERS_PATH,
                {"limit": page, "filter": since},
                f"1 per page of {page} changed users (at least 1)",
            ),
        ]
        return calls + ([factors] if action.with_factors else [])


def _reads_whole(plan: Plan, name: str) -> bool:
    """Does this query read the table ``name`` whole anyway (so loading it costs no extra)?"""
    users_whole = any(s.table is USERS and s.mode == "users" and s.covers_all for s in plan.sources)
    for source in plan.sources:
        if source.table.name != name:
            continue
        if source.table is USERS and source.mode == "users" and source.covers_all:
            return True
        if source.table is FACTORS and (source.mode == "fanout" or (source.mode == "dependent" and users_whole)):
            return True
    return False
