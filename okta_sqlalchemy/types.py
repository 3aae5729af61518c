"""SQLAlchemy types for the catalog's column kinds.

The driver already hands back Python values (``dict``/``list`` for JSON, timezone-aware
``datetime`` for timestamps), so these types only convert what still needs converting: JSON text
produced by SQL expressions (e.g. ``JSON_QUOTE(JSON_EXTRACT(...))``) is parsed, decoded objects pass
through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.sqlite.json import JSONIndexType, JSONPathType

from okta_dbapi.catalog import ColumnKind

__all__ = ["JSONIndexType", "JSONPathType", "OktaJSON", "sqla_type"]


class OktaJSON(sqltypes.JSON):
    """``JSON`` whose result processor leaves already-decoded values alone."""

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
        loads: Callable[[str], Any] = getattr(dialect, "_json_deserializer", None) or json.loads

        def process(value: Any) -> Any:
            if isinstance(value, (bytes, bytearray)):
                value = value.decode("utf-8")
            if not isinstance(value, str):
                return value
            try:
                return loads(value)
            except ValueError:
                # A plain string from an expression that SQLAlchemy typed as JSON.
                return value

        return process


_KINDS: dict[str, Callable[[], sqltypes.TypeEngine[Any]]] = {
    "string": sqltypes.String,
    "datetime": lambda: sqltypes.DateTime(timezone=True),
    "json": sqltypes.JSON,
    "boolean": sqltypes.Boolean,
    "integer": sqltypes.Integer,
    "number": sqltypes.Float,
}


def sqla_type(kind: ColumnKind | str) -> sqltypes.TypeEngine[Any]:
    """The SQLAlchemy type reflected for a catalog column kind (``String`` for unknown kinds)."""
    factory = _KINDS.get(kind, sqltypes.String)
    return factory()
