"""Reflection answered from the declarative catalog: no HTTP call, no SQL.

Each function returns the shape SQLAlchemy's ``Inspector`` expects from the matching dialect
method. Unknown tables raise :class:`sqlalchemy.exc.NoSuchTableError`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import NoSuchTableError

from okta_dbapi import catalog
from okta_sqlalchemy.types import sqla_type

DEFAULT_SCHEMA = catalog.SCHEMAS[0]


def _schema_of(schema: str | None) -> str:
    return DEFAULT_SCHEMA if schema is None else schema


def schema_names() -> list[str]:
    return list(catalog.SCHEMAS)


def has_schema(schema: str | None) -> bool:
    return _schema_of(schema).lower() in catalog.SCHEMAS


def table_names(schema: str | None) -> list[str]:
    wanted = _schema_of(schema).lower()
    return sorted(t.name for t in catalog.TABLES.values() if t.schema == wanted)


def find_table(table_name: str, schema: str | None) -> catalog.Table | None:
    return catalog.resolve_table([_schema_of(schema), table_name])


def table(table_name: str, schema: str | None) -> catalog.Table:
    found = find_table(table_name, schema)
    if found is None:
        qualified = f"{schema}.{table_name}" if schema else table_name
        raise NoSuchTableError(qualified)
    return found


def columns(table_name: str, schema: str | None) -> list[dict[str, Any]]:
    t = table(table_name, schema)
    return [
        {
            "name": c.name,
            "type": sqla_type(c.kind),
            "nullable": c.name not in t.primary_key,
            "default": None,
            "autoincrement": False,
            "comment": c.description or None,
        }
        for c in t.columns
    ]


def pk_constraint(table_name: str, schema: str | None) -> dict[str, Any]:
    t = table(table_name, schema)
    return {"constrained_columns": list(t.primary_key), "name": None}


def table_comment(table_name: str, schema: str | None) -> dict[str, Any]:
    return {"text": table(table_name, schema).comment or None}


def empty_list(table_name: str, schema: str | None) -> list[Any]:
    """Foreign keys, indexes, unique and check constraints: the API has none."""
    table(table_name, schema)
    return []
