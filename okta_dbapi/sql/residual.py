"""The local half of a query: fetched rows in an in-memory SQLite database, and the whole
statement run over them.

Column declared types carry the catalog's kinds (``OKTA_JSON``, ``OKTA_DATETIME``) so SQLite
hands back ``dict``/``list`` and aware ``datetime`` values even through CTEs and subqueries.
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
from okta_dbapi.sql.dialect import DIALECT
from okta_dbapi.sql.pushdown import Ref

_DECLTYPES = {"json": "OKTA_JSON", "datetime": "OKTA_DATETIME", "integer": "INTEGER", "boolean": "OKTA_BOOLEAN"}

sqlite3.register_converter("OKTA_JSON", lambda raw: rows.parse_json(raw.decode("utf-8")))
sqlite3.register_converter("OKTA_DATETIME", lambda raw: rows.parse_timestamp(raw.decode("utf-8")))
sqlite3.register_converter("OKTA_BOOLEAN", lambda raw: raw not in (b"0", b""))


def create_table_sql(table: Table, if_not_exists: bool = False) -> str:
    """The table as the residual query (and the snapshot file) stores it: catalog names and kinds."""
    columns = ", ".join(f'"{c.name}" {_DECLTYPES.get(c.kind, "TEXT")}' for c in table.columns)
    key = ", ".join(f'"{k}"' for k in table.primary_key)
    guard = "IF NOT EXISTS " if if_not_exists else ""
    return f'CREATE TABLE {guard}"{table.name}" ({columns}, PRIMARY KEY ({key}))'


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
        self.tables: dict[str, Table] = {}

    def create(self, table: Table) -> None:
        if table.name in self.tables:
            return
        self.connection.execute(create_table_sql(table))
        self.tables[table.name] = table

    def insert(self, table: Table, items: Iterable[Mapping[str, Any]]) -> int:
        """Store rows; a row with the primary key of one already stored replaces it."""
        placeholders = ", ".join("?" for _ in table.columns)
        sql = f'INSERT OR REPLACE INTO "{table.name}" VALUES ({placeholders})'
        batch = [storage_row(table, item) for item in items]
        self.connection.executemany(sql, batch)
        return len(batch)

    def distinct(self, table: Table, column: str) -> list[Any]:
        cursor = self.connection.execute(f'SELECT DISTINCT "{column}" FROM "{table.name}" WHERE "{column}" IS NOT NULL')
        return [r[0] for r in cursor]

    def check(self, sql: str) -> None:
        """Compile ``sql`` without running it, so unknown columns fail before any HTTP call."""
        try:
            self.connection.execute("EXPLAIN " + sql)
        except sqlite3.Error as e:
            raise _sqlite_error(e, sql, list(self.tables.values())) from e

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
        "no such" in message or "syntax" in message or "ambiguous" in message or "misuse" in message
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
    wanted = name.rsplit(".", 1)[-1].strip('"`[]')
    columns = {c.name.lower(): c.name for t in tables for c in t.columns}
    close = difflib.get_close_matches(wanted.lower(), list(columns), n=3, cutoff=0.6)
    parts = [f"Did you mean {' or '.join(columns[c] for c in close)}?"] if close else []
    for table in tables:
        parts.append(f"{table.qualified_name} has the columns {', '.join(c.name for c in table.columns)}.")
    if not tables:
        parts.append(f"The statement reads no table; write text in single quotes ('{wanted}').")
    return " ".join(parts)


def rewrite(ast: exp.Expression, refs: list[Ref]) -> str:
    """The statement as SQLite runs it: catalog names become local table names."""
    tree = ast.copy()
    # Map each original Table node to its copy by position in a parallel walk.
    originals = list(ast.find_all(exp.Table))
    copies = list(tree.find_all(exp.Table))
    by_id = {id(o): c for o, c in zip(originals, copies)}
    qualified = {".".join(p for p in (r.node.catalog, r.node.db, r.node.name) if p).lower(): r for r in refs}
    for ref in refs:
        node = by_id[id(ref.node)]
        alias = node.args.get("alias")
        local = exp.Table(this=exp.to_identifier(ref.table.name, quoted=True))
        if alias is not None:
            local.set("alias", alias)
        elif ref.node.name.lower() != ref.table.name:
            local.set("alias", exp.TableAlias(this=exp.to_identifier(ref.node.name)))
        node.replace(local)
    for column in tree.find_all(exp.Column):
        if column.args.get("db") or column.args.get("catalog"):
            name = ".".join(p for p in (column.text("catalog"), column.text("db"), column.text("table")) if p)
            if name.lower() in qualified:
                column.set("catalog", None)
                column.set("db", None)
        if column.name.lower() == "factorid":
            column.set("this", exp.to_identifier("id"))
    return tree.sql(dialect=DIALECT)
