"""A minimal stand-in for the parts of Superset the engine spec builds on.

Used only when Superset is not installed, so that :mod:`okta_sqlalchemy.superset` imports (and can
be unit-tested) anywhere. Superset itself always loads the spec on its real ``BaseEngineSpec``.
"""

from __future__ import annotations

import re
from enum import Enum, IntEnum
from re import Pattern
from typing import Any

from sqlalchemy import types


class TimeGrain(str, Enum):
    """Superset's time grain codes (ISO 8601 durations), as in ``superset.constants``."""

    SECOND = "PT1S"
    FIVE_SECONDS = "PT5S"
    THIRTY_SECONDS = "PT30S"
    MINUTE = "PT1M"
    FIVE_MINUTES = "PT5M"
    TEN_MINUTES = "PT10M"
    FIFTEEN_MINUTES = "PT15M"
    THIRTY_MINUTES = "PT30M"
    HALF_HOUR = "PT0.5H"
    HOUR = "PT1H"
    SIX_HOURS = "PT6H"
    DAY = "P1D"
    WEEK = "P1W"
    WEEK_STARTING_SUNDAY = "1969-12-28T00:00:00Z/P1W"
    WEEK_STARTING_MONDAY = "1969-12-29T00:00:00Z/P1W"
    WEEK_ENDING_SATURDAY = "P1W/1970-01-03T00:00:00Z"
    WEEK_ENDING_SUNDAY = "P1W/1970-01-04T00:00:00Z"
    MONTH = "P1M"
    QUARTER = "P3M"
    QUARTER_YEAR = "P0.25Y"
    YEAR = "P1Y"


class GenericDataType(IntEnum):
    NUMERIC = 0
    STRING = 1
    TEMPORAL = 2
    BOOLEAN = 3


_DEFAULT_MAPPINGS: tuple[tuple[Pattern[str], types.TypeEngine[Any], GenericDataType], ...] = (
    (re.compile(r"^string", re.IGNORECASE), types.String(), GenericDataType.STRING),
    (re.compile(r"^int(eger)?", re.IGNORECASE), types.Integer(), GenericDataType.NUMERIC),
    (re.compile(r"^datetime", re.IGNORECASE), types.DateTime(), GenericDataType.TEMPORAL),
    (re.compile(r"^bool(ean)?", re.IGNORECASE), types.Boolean(), GenericDataType.BOOLEAN),
)


class BaseEngineSpec:
    engine = "base"
    engine_name: str | None = None
    drivers: dict[str, str] = {}
    default_driver: str | None = None
    sqlalchemy_uri_placeholder = ""
    allows_joins = True
    allows_subqueries = True
    allows_alias_in_select = True
    allows_alias_in_orderby = True
    supports_file_upload = True
    supports_dynamic_schema = False
    supports_catalog = False
    supports_multivalues_insert = False
    disable_ssh_tunneling = False
    _time_grain_expressions: dict[Any, str] = {}
    column_type_mappings: tuple[tuple[Pattern[str], types.TypeEngine[Any], GenericDataType], ...] = ()

    @classmethod
    def get_sqla_column_type(cls, native_type: str | None, **kw: Any) -> types.TypeEngine[Any] | None:
        if not native_type:
            return None
        for regex, sqla_type, _generic in cls.column_type_mappings + _DEFAULT_MAPPINGS:
            if regex.match(native_type):
                return sqla_type
        return None
