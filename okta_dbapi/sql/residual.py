"""The local half of a query: fetched rows in an in-memory SQLite database, and the whole
statement run over them.

Column declared types carry the catalog's kinds (``OKTA_JSON TEXT``, ``OKTA_DATETIME TEXT``) so
SQLite hands back ``dict``/``list`` and aware ``datetime`` values even through CTEs and subqueries
(the converter is named by the first word), while the second word gives the column TEXT affinity:
``created < '2021'`` compares text with text, as in any SQLite table of strings. A bare
``OKTA_DATETIME`` would mean NUMERIC affinity, and SQLite would compare it as a number.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import Table
from okta_dbapi.exceptions import DataError, OperationalError, ProgrammingError
from okta_dbapi.sql import rows
from okta_dbapi.sql.dialect import RESIDUAL_DIALECT

_DECLTYPES = {
    "json": "OKTA_JSON TEXT",
    "datetime": "OKTA_DATETIME TEXT",
    "integer": "INTEGER",
    "boolean": "OKTA_BOOLEAN",
}

sqlite3.register_converter("OKTA_JSON", lambda raw: rows.parse_json(raw.decode("utf-8")))
sqlite3.register_converter("OKTA_DATETIME", lambda raw: rows.parse_timestamp(raw.decode("utf-8")))
sqlite3.register_converter("OKTA_BOOLEAN", lambda raw: raw not in (b"0", b""))


def create_table_sql(
    table: Table, if_not_exists: bool = False, name: str | None = None, primary_key: bool = True
) -> str:
    """The table as the residual query (and the snapshot file) stores it: catalog names and kinds.

    The residual tables go without the PRIMARY KEY (``primary_key=False``; keys are kept unique
    on insert instead): SQLite 3.40 answers ``id = 'x' COLLATE NOCASE OR id = 'y'`` wrongly when
    ``id`` is indexed (the OR is split over the index and the COLLATE is lost).
    """
    columns = ", ".join(f'"{c.name}" {_DECLTYPES.get(c.kind, "TEXT")}' for c in table.columns)
    key = ", ".join(f'"{k}"' for k in table.primary_key)
    guard = "IF NOT EXISTS " if if_not_exists else ""
    constraint = f", PRIMARY KEY ({key})" if primary_key else ""
    return f'CREATE TABLE {guard}"{name or table.name}" ({columns}{constraint})'


def storage_row(table: Table, item: Mapping[str, Any]) -> tuple[Any, ...]:
    """One row of catalog columns as SQLite stores it, in column order."""
    return tuple(rows.to_storage(c.kind, item.get(c.name)) for c in table.columns)


class LocalDatabase:
    """One in-memory SQLite database per statement."""

    def __init__(self, connection: sqlite3.Connection | None = None) -> None:
        # ``connection``: an open database to query instead (the snapshot file); closed with this.
        self.connection = connection or sqlite3.connect(
            ":memory:", detect_types=sqlite3.PARSE_DECLTYPES, check_same_thread=False
        )
        self.tables: list[Table] = []  # those created, for the hints of an unknown column
        self._rowids: dict[str, dict[tuple[Any, ...], int]] = {}  # per table: primary key -> rowid

    def create(self, table: Table, name: str | None = None) -> None:
        self.connection.execute(create_table_sql(table, name=name, primary_key=False))
        self.tables.append(table)

    def insert(self, table: Table, items: Iterable[Mapping[str, Any]], name: str | None = None) -> None:
        """Store rows; a row with the primary key of one already stored replaces it."""
        name = name or table.name
        rowids = self._rowids.setdefault(name, {})
        positions = [i for i, c in enumerate(table.columns) if c.name in table.primary_key]
        placeholders = ", ".join("?" for _ in table.columns)
        for item in items:
            row = storage_row(table, item)
            key = tuple(row[i] for i in positions)
            old = rowids.get(key) if None not in key else None
            if old is not None:
                self.connection.execute(f'DELETE FROM "{name}" WHERE rowid = ?', (old,))
            cursor = self.connection.execute(f'INSERT INTO "{name}" VALUES ({placeholders})', row)
            if None not in key and cursor.lastrowid is not None:
                rowids[key] = cursor.lastrowid

    def distinct(self, name: str, column: str) -> list[Any]:
        cursor = self.connection.execute(f'SELECT DISTINCT "{column}" FROM "{name}" WHERE "{column}" IS NOT NULL')
        return [r[0] for r in cursor]

    def values(self, sql: str) -> list[Any]:
        """The first column of ``sql``'s rows, as stored (no conversion)."""
        cursor = self.connection.execute(sql)
        return [r[0] for r in cursor]

    def check(self, sql: str) -> None:
        """Compile ``sql`` without running it, so unknown columns fail before any HTTP call."""
        try:
            self.connection.execute("EXPLAIN " + sql)
        except sqlite3.Error as e:
            raise _sqlite_error(e, sql, self.tables) from e

    def query(self, sql: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """Column names and the rows of ``sql``; an error on any row is a PEP 249 exception."""
        try:
            cursor = self.connection.execute(sql)
        except sqlite3.Error as e:
            raise _sqlite_error(e, sql) from e
        return [d[0] for d in cursor.description or ()], _rows_of(cursor, sql)

    def close(self) -> None:
        self.connection.close()


def _rows_of(cursor: sqlite3.Cursor, sql: str) -> Iterator[tuple[Any, ...]]:
    try:
        for row in cursor:
            yield tuple(row)
    except sqlite3.Error as e:  # SQLite evaluates row by row: e.g. malformed JSON in a later row
        raise _sqlite_error(e, sql) from e


def _sqlite_error(error: sqlite3.Error, sql: str, tables: list[Table] | None = None) -> Exception:
    message = str(error)
    if isinstance(error, sqlite3.OperationalError) and (
        "no such" in message
        or "syntax" in message
        or "ambiguous" in message
        or "misuse" in message
        or "not allowed" in message  # e.g. an aggregate in GROUP BY
    ):
        hint = ""
        if message.startswith("no such column: "):
            hint = " " + unknown_column_hint(message[len("no such column: ") :], tables or [])
        return ProgrammingError(f"{message[0].upper()}{message[1:]}.{hint}")
    if isinstance(error, (sqlite3.IntegrityError, sqlite3.DataError)):
        return DataError(f"Could not evaluate the query locally: {message}.")
    return OperationalError(f"Could not evaluate the query locally: {message}.")


def unknown_column_hint(name: str, tables: list[Table]) -> str:
    """A did-you-mean and the columns of the statement's tables, for an unknown column ``name``."""
    wanted = name.rsplit(".", 1)[-1]  # SQLite's message names it unquoted: u.statuss
    columns = {c.name.lower(): c.name for t in tables for c in t.columns}
    close = difflib.get_close_matches(wanted.lower(), list(columns), n=3, cutoff=0.6)
    parts = [f"Did you mean {' or '.join(columns[c] for c in close)}?"] if close else []
    for table in tables:
        parts.append(f"{table.qualified_name} has the columns {', '.join(c.name for c in table.columns)}.")
    if not tables:
        parts.append(f"The statement reads no table; write text in single quotes ('{wanted}').")
    else:
        parts.append(f"Text goes in single quotes ('{wanted}'): a name in double quotes is a column.")
    return " ".join(parts)


def rewrite(node: exp.Expression) -> str:
    """``node`` (a statement, or a query built from parts of one) as SQLite runs it.

    The planner marks the catalog tables with their local names (``okta_local``) and the columns
    that name a key by another name (``okta_rename``: ``factorId`` is the factors' ``id``); the
    marks survive copies, so any subtree rewrites the same way.
    """
    tree = node.copy()
    for table in list(tree.find_all(exp.Table)):
        local_name = table.meta.get("okta_local")
        if local_name is None:
            continue
        local = exp.Table(this=exp.to_identifier(local_name, quoted=True))
        alias = table.args.get("alias")
        if alias is not None:
            local.set("alias", alias)
        elif table.name != local_name:
            local.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
        table.replace(local)
    for column in list(tree.find_all(exp.Column)):
        if column.args.get("db"):  # okta.users.factors.id, users.factors.id (a catalog comes with a db)
            column.set("catalog", None)
            column.set("db", None)
        target = column.meta.get("okta_rename")
        if target is None:
            continue
        renamed = exp.Column(this=exp.to_identifier(target), table=column.args.get("table"))
        parent = column.parent
        if isinstance(parent, exp.Select) and column.arg_key == "expressions":
            column.replace(exp.alias_(renamed, column.name, quoted=True))
        else:
            column.replace(renamed)
    return tree.sql(dialect=RESIDUAL_DIALECT)
