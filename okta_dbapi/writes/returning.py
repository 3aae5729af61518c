"""Result sets of writes: ``RETURNING`` over the rows Okta answered with, and EXEC's answers.

``RETURNING`` takes any expression SQLite can evaluate over the table's columns
(``_embedded->'$.activation.sharedSecret'``, ``json_extract(...)``, aliases, ``*``). It is
compiled before the first request, so a wrong column fails before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from okta_dbapi.catalog import Table
from okta_dbapi.exceptions import Error, ProgrammingError
from okta_dbapi.sql import rows
from okta_dbapi.sql.dialect import RESIDUAL_DIALECT
from okta_dbapi.sql.residual import LocalDatabase
from okta_dbapi.sql.result import DescriptionRow, Result, describe


class Returning:
    """A compiled RETURNING list for ``table``."""

    def __init__(self, table: Table, expressions: Sequence[exp.Expression]) -> None:
        self.table = table
        expanded: list[exp.Expression] = []
        for e in expressions:
            expanded.extend(star(table) if isinstance(e, exp.Star) else [e.copy()])
        select = exp.Select(expressions=expanded)
        select = select.from_(exp.Table(this=exp.to_identifier(table.name, quoted=True)))
        for column in select.find_all(exp.Column):
            for part in ("table", "db", "catalog"):
                column.set(part, None)
            if column.name.lower() == "factorid" and "factorId" in table.key_columns:
                column.set("this", exp.to_identifier(table.key_columns["factorId"]))
        self.sql = select.sql(dialect=RESIDUAL_DIALECT) + " ORDER BY rowid"
        self.kinds = [_kind(table, e) for e in select.expressions]
        db = LocalDatabase()
        try:
            db.create(table)
            db.check(self.sql)
        except Error as e:
            cause = e.__cause__ or e
            raise ProgrammingError(f"In RETURNING: {cause}. The columns are {', '.join(table.column_names)}.") from e
        finally:
            db.close()

    def result(self, items: Sequence[Mapping[str, Any]], rowcount: int) -> Result:
        db = LocalDatabase()
        try:
            db.create(self.table)
            db.insert(self.table, items)
            names, body = db.query(self.sql)
            out = list(body)
        except Error as e:
            raise ProgrammingError(f"In RETURNING: {e.__cause__ or e}.") from e
        finally:
            db.close()
        description = [describe(n, k or _value_kind(out, i)) for i, (n, k) in enumerate(zip(names, self.kinds))]
        return Result(description=description, rows=iter(out), rowcount=rowcount)


def _kind(table: Table, expression: exp.Expression) -> str | None:
    target = expression.this if isinstance(expression, exp.Alias) else expression
    if isinstance(target, exp.Column):
        column = table.column(target.name)
        return column.kind if column else None
    return None


def _value_kind(out: list[tuple[Any, ...]], index: int) -> str:
    return rows.kind_of(next((r[index] for r in out if r[index] is not None), None))


def star(table: Table) -> list[exp.Expression]:
    return [exp.column(c.name, quoted=True) for c in table.columns]


def fixed_result(columns: Sequence[tuple[str, str]], items: Sequence[Mapping[str, Any]], rowcount: int) -> Result:
    """Rows of named values, decoded by kind (timestamps become aware datetimes)."""
    description: list[DescriptionRow] = [describe(name, kind) for name, kind in columns]
    out = [tuple(rows.decoder(kind)(item.get(name)) for name, kind in columns) for item in items]
    return Result(description=description, rows=iter(out), rowcount=rowcount)
