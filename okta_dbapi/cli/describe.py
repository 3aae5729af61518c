"""The REPL's catalog commands: ``.tables``, ``.schema [TABLE]`` and ``.columns TABLE``.

Answered from the driver's catalog, like SQLAlchemy's reflection: no request to Okta.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from okta_dbapi.catalog import TABLES, Table, resolve_table

# How each column kind reads in a CREATE TABLE (what SQLite and SQLAlchemy would understand).
_SQL_TYPES = {"string": "TEXT", "datetime": "TIMESTAMP", "json": "JSON", "boolean": "BOOLEAN", "integer": "INTEGER"}


class UnknownTable(LookupError):
    """A table name the catalog does not know; the message names the ones it does."""


def find_table(name: str) -> Table:
    table = resolve_table(name.strip().strip(";").split("."))
    if table is not None:
        return table
    names = {t.name: t for t in TABLES.values()}
    close = difflib.get_close_matches(name.rsplit(".", 1)[-1].lower(), list(names), n=1, cutoff=0.6)
    guess = f"did you mean {names[close[0]].qualified_name}? " if close else ""
    known = ", ".join(t.qualified_name for t in TABLES.values())
    raise UnknownTable(f"no table {name!r}; {guess}the tables are {known}")


def tables_text() -> str:
    return "".join(f"{t.qualified_name:40} {t.comment}\n" for t in TABLES.values())


def schema_text(tables: Iterable[Table]) -> str:
    """``CREATE TABLE`` statements for ``tables``, each column's description as a comment."""
    out = []
    for table in tables:
        width = max(len(c.name) for c in table.columns)
        lines = [f"-- {table.comment}", f"CREATE TABLE {table.qualified_name} ("]
        for column in table.columns:
            sql_type = _SQL_TYPES.get(column.kind, "TEXT")
            comment = f"  -- {column.description}" if column.description else ""
            lines.append(f"  {column.name:{width}} {sql_type},{comment}")
        lines.append(f"  PRIMARY KEY ({', '.join(table.primary_key)})")
        lines.append(");")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


COLUMNS_HEADER = ["column", "type", "key", "description"]


def column_rows(table: Table) -> list[tuple[str, str, str, str]]:
    """One row per column: its name, type code (as in ``cursor.description``), key role, description."""
    keys = {name for op in table.operations for name in op.keys} | set(table.key_columns.values())
    rows: list[tuple[str, str, str, str]] = []
    for column in table.columns:
        if column.name in table.primary_key:
            role = "primary key"
        elif column.name in keys:
            role = "API key"
        else:
            role = ""
        rows.append((column.name, column.kind, role, column.description))
    return rows
