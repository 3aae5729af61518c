"""The snapshot file: plain SQLite in WAL mode, with the catalog's table and column names.

Tables: ``users`` and ``factors`` (the catalog's columns, stored as the residual query stores
them: timestamps as Okta's ISO text, objects as JSON text), ``okta_snapshot_state`` (key/value:
what is loaded, when, and where the System Log cursor is) and ``okta_snapshot_events`` (the
``uuid`` of System Log events already applied, to de-duplicate an overlapping window).

Every read opens its own connection (WAL: it sees the last committed state and never waits for a
refresh). Every change runs in one ``BEGIN IMMEDIATE`` transaction, which is also the lock that
lets one refresher at a time work on the file, across processes; a crash or an error rolls it
back and leaves the previous state.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from okta_dbapi.catalog import FACTORS, USERS, Table
from okta_dbapi.exceptions import OperationalError
from okta_dbapi.sql.residual import create_table_sql, storage_row

FORMAT = "1"
TABLES: dict[str, Table] = {USERS.name: USERS, FACTORS.name: FACTORS}
#: How long a refresher (or a write's update) waits for another process's refresh to finish.
LOCK_WAIT = 600.0
EVENT_MEMORY = 86400.0  # seconds an applied event's uuid is remembered

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS okta_snapshot_state (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS okta_snapshot_events (uuid TEXT PRIMARY KEY, applied_at REAL NOT NULL)",
)


class Store:
    def __init__(self, path: Path, org_url: str, lock_wait: float = LOCK_WAIT) -> None:
        self.path = path
        self.org_url = org_url
        self.lock_wait = lock_wait
        self._init()

    def _connect(self, timeout: float) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(self.path),
                timeout=timeout,
                isolation_level=None,
                detect_types=sqlite3.PARSE_DECLTYPES,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            raise OperationalError(f"cannot open the snapshot file {self.path}: {e}") from e
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        return conn

    def _init(self) -> None:
        """Create the schema on first use. An existing file is only read here, so opening a
        connection never waits for another process's refresh."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect(self.lock_wait)
            try:
                state = _existing_state(conn)
                if state is None:
                    state = self._create(conn)
            finally:
                conn.close()
        except (OSError, sqlite3.Error) as e:
            raise OperationalError(
                f"cannot use {self.path} as a snapshot: {e}. Pass snapshot= a writable file path."
            ) from e
        if state.get("org_url") != self.org_url:
            raise OperationalError(
                f"the snapshot file {self.path} holds the org {state.get('org_url')}, not {self.org_url}; "
                "use one file per org (snapshot=True picks one)."
            )

    def _create(self, conn: sqlite3.Connection) -> dict[str, str]:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")
        for statement in (*_SCHEMA, *(create_table_sql(t, if_not_exists=True) for t in TABLES.values())):
            conn.execute(statement)
        state = dict(conn.execute("SELECT key, value FROM okta_snapshot_state").fetchall())
        if not state:  # another process may have created it while we waited for the lock
            state = {"format": FORMAT, "org_url": self.org_url}
            conn.executemany("INSERT INTO okta_snapshot_state VALUES (?, ?)", list(state.items()))
        conn.execute("COMMIT")
        return state

    # -- reading -----------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """A new connection for one query; the caller closes it.

        Queries see the tables through temporary views that read them ``NOT INDEXED``: SQLite 3.40
        loses a COLLATE when it splits an OR of equalities over an index (``id = 'x' COLLATE
        NOCASE OR id = 'y'`` misses rows), and the same query must answer the same with or
        without the snapshot. A scan of the snapshot's tables takes milliseconds."""
        conn = self._connect(5.0)
        for name in TABLES:
            conn.execute(f'CREATE TEMP VIEW "{name}" AS SELECT * FROM main."{name}" NOT INDEXED')
        return conn

    def state(self) -> dict[str, str]:
        conn = self.reader()
        try:
            return dict(conn.execute("SELECT key, value FROM okta_snapshot_state").fetchall())
        finally:
            conn.close()

    # -- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Writer]:
        """One write transaction, holding the file's write lock (waits up to ``lock_wait``)."""
        conn = self._connect(self.lock_wait)
        try:
            started = time.monotonic()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                waited = time.monotonic() - started
                raise OperationalError(
                    f"the snapshot {self.path} stayed locked by another refresh for {waited:.0f} s ({e}); "
                    "try again when it has finished"
                ) from e
            writer = Writer(conn)
            try:
                yield writer
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()


def _existing_state(conn: sqlite3.Connection) -> dict[str, str] | None:
    try:
        state = dict(conn.execute("SELECT key, value FROM okta_snapshot_state").fetchall())
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return None
        raise
    return state or None


class Writer:
    """Changes inside one transaction (see :meth:`Store.transaction`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def state(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM okta_snapshot_state").fetchall())

    def put(self, values: Mapping[str, Any]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO okta_snapshot_state VALUES (?, ?)",
            [(k, None if v is None else str(v)) for k, v in values.items()],
        )

    def clear(self, table: Table) -> None:
        self.conn.execute(f'DELETE FROM "{table.name}"')

    def upsert(self, table: Table, items: Iterable[Mapping[str, Any]]) -> int:
        placeholders = ", ".join("?" for _ in table.columns)
        batch = [storage_row(table, item) for item in items]
        self.conn.executemany(f'INSERT OR REPLACE INTO "{table.name}" VALUES ({placeholders})', batch)
        return len(batch)

    def replace_factors(self, user_id: str, items: Iterable[Mapping[str, Any]]) -> None:
        self.conn.execute('DELETE FROM "factors" WHERE "userId" = ?', (user_id,))
        self.upsert(FACTORS, items)

    def delete_user(self, user_id: str) -> None:
        self.conn.execute('DELETE FROM "factors" WHERE "userId" = ?', (user_id,))
        self.conn.execute('DELETE FROM "users" WHERE "id" = ?', (user_id,))

    def user_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute('SELECT "id" FROM "users"')]

    def max_last_updated(self) -> str | None:
        row = self.conn.execute('SELECT max("lastUpdated") FROM "users"').fetchone()
        return row[0] if row else None

    def seen(self, uuids: Iterable[str]) -> set[str]:
        wanted = list(uuids)
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT uuid FROM okta_snapshot_events WHERE uuid IN ({marks})"
            found |= {r[0] for r in self.conn.execute(sql, chunk)}
        return found

    def remember(self, uuids: Iterable[str], now: float) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO okta_snapshot_events VALUES (?, ?)", [(u, now) for u in uuids])
        self.conn.execute("DELETE FROM okta_snapshot_events WHERE applied_at < ?", (now - EVENT_MEMORY,))
