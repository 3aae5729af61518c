"""SQL generation: SQLite's, because the driver parses and runs SQLite-flavoured SQL.

The compilers are thin subclasses so that the dialect owns them (and can adjust them) without
inheriting anything SQLite-specific that talks to a database (PRAGMAs, ``sqlite_master``).
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy
from sqlalchemy.dialects.sqlite.base import (
    SQLiteCompiler,
    SQLiteDDLCompiler,
    SQLiteIdentifierPreparer,
    SQLiteTypeCompiler,
)
from sqlalchemy.sql import expression

_SQLALCHEMY_14 = sqlalchemy.__version__.startswith("1.")


class OktaCompiler(SQLiteCompiler):
    """SELECT/INSERT/DELETE in the SQLite syntax the driver reads (``JSON_EXTRACT``, ``LIMIT``)."""

    if _SQLALCHEMY_14:  # 2.x compiles RETURNING generically; 1.4's SQLite compiler refuses it.

        def returning_clause(self, stmt: Any, returning_cols: Any, **kw: Any) -> str:
            compiler = cast(Any, self)  # 1.4 signatures, not the 2.x ones mypy sees
            columns = [
                compiler._label_returning_column(
                    stmt,
                    c,
                    column_clause_args={"include_table": False},  # as 2.x renders it
                    fallback_label_name=c._non_anon_label,
                )
                for c in cast(Any, expression)._select_iterables(returning_cols)
            ]
            return "RETURNING " + ", ".join(columns)


class OktaDDLCompiler(SQLiteDDLCompiler):
    """DDL is compiled (e.g. for ``CreateTable(...)`` printing) but the API cannot run it."""


class OktaTypeCompiler(SQLiteTypeCompiler):
    pass


class OktaIdentifierPreparer(SQLiteIdentifierPreparer):
    """Double-quoted identifiers; mixed-case names such as ``factorType`` are always quoted."""
