"""The types of a SELECT's output columns, inferred from the statement over the catalog's types.

SQLite hands back what an expression computes as plain text or numbers: ``max(created)`` is the
stored timestamp text, and an empty result has no value to look at. sqlglot's optimizer knows
better: qualified over a schema built from the catalog, ``annotate_types`` types ``max(created)``,
``coalesce(lastLogin, created)`` and ``CASE ... THEN created END`` as timestamps, ``count(*)`` as
an integer. :func:`output_kinds` turns those types into the driver's type codes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

from okta_dbapi.catalog import Table
from okta_dbapi.exceptions import ProgrammingError
from okta_dbapi.sql.dialect import DIALECT
from okta_dbapi.sql.parse import tokenize

_SQL_TYPES = {
    "datetime": "TIMESTAMPTZ",
    "json": "JSON",
    "boolean": "BOOLEAN",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "string": "VARCHAR",
}
_T = exp.DataType.Type


def output_kinds(sql: str, tables: Mapping[str, Table]) -> list[str | None]:
    """One type code per output column of ``sql`` (a statement over the local tables named like
    ``tables``' keys), ``None`` where the type is unknown; ``[]`` when it cannot be inferred."""
    columns = tuple((name, tuple((c.name, c.kind) for c in table.columns)) for name, table in sorted(tables.items()))
    return list(_inferred(_without_values(sql), columns))


def _without_values(sql: str) -> str:
    """``sql`` with its literal values replaced by values of the same type (``''``, ``0``, ``0.0``),
    so that one statement run with new parameters (bound as literals) is inferred once. JSON paths
    (``'$.a'``, the right side of ``->``/``->>``) stay: they decide what the expression is."""
    try:
        tokens = tokenize(sql)
    except ProgrammingError:
        return sql
    pieces: list[str] = []
    last = 0
    previous: Token | None = None
    for token in tokens:
        dummy = None
        if token.token_type == TokenType.NUMBER:
            dummy = "0.0" if any(ch in token.text for ch in ".eE") else "0"
        elif token.token_type == TokenType.STRING and not _json_path(token, previous):
            dummy = "''"
        if dummy is not None:
            pieces.append(sql[last : token.start])
            pieces.append(dummy)
            last = token.end + 1
        previous = token
    pieces.append(sql[last:])
    return "".join(pieces)


@functools.lru_cache(maxsize=256)
def _inferred(sql: str, tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> tuple[str | None, ...]:
    schema = MappingSchema(
        {name: {column: _SQL_TYPES.get(kind, "VARCHAR") for column, kind in columns} for name, columns in tables},
        dialect=DIALECT,
    )
    try:
        tree: exp.Expression = qualify(
            exp.maybe_parse(sql, dialect=DIALECT),
            schema=schema,
            dialect=DIALECT,
            validate_qualify_columns=False,
            quote_identifiers=False,
        )
        tree = annotate_types(tree, schema=schema, dialect=DIALECT)
    except Exception:  # best effort: SQL the optimizer cannot follow is described from its values
        return ()
    while isinstance(tree, exp.SetOperation):  # a UNION's columns are named and typed by its first SELECT
        tree = tree.this
    if not isinstance(tree, exp.Select):
        return ()
    return tuple(_kind(projection.type) for projection in tree.selects)


def _json_path(token: Token, previous: Token | None) -> bool:
    arrow = previous is not None and previous.token_type in (TokenType.ARROW, TokenType.DARROW)
    return arrow or token.text.startswith("$")


def _kind(data_type: exp.DataType | None) -> str | None:
    if data_type is None:
        return None
    if data_type.this == _T.DATE:
        return "date"
    if data_type.this in exp.DataType.TEMPORAL_TYPES and data_type.this not in (_T.TIME, _T.TIMETZ):
        return "datetime"
    if data_type.this in exp.DataType.INTEGER_TYPES:
        return "integer"
    if data_type.this in exp.DataType.REAL_TYPES:
        return "number"
    if data_type.this == _T.BOOLEAN:
        return "boolean"
    if data_type.this == _T.JSON:
        return "json"
    if data_type.this in exp.DataType.TEXT_TYPES:
        return "string"
    return None
