"""Apache Superset engine spec for the ``okta`` dialect.

Superset finds it through the ``superset.db_engine_specs`` entry point. The module also imports
without Superset installed (a minimal stand-in base takes Superset's place), so that the package
and its tests do not depend on Superset.

Residual SQL runs in SQLite, so time grains use SQLite's date functions, as Superset's own
``SqliteEngineSpec`` does. Timestamps are stored the way Okta sends them (ISO 8601 UTC text such as
``2024-05-01T09:30:00.000Z``), so datetime literals are rendered in that same form: text comparison
is then time order.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import types

try:  # pragma: no cover - exercised by scripts/superset_check.sh
    from superset.constants import TimeGrain
    from superset.db_engine_specs.base import BaseEngineSpec
    from superset.utils.core import GenericDataType

    HAVE_SUPERSET = True
except ImportError:
    from okta_sqlalchemy._superset_standin import (
        BaseEngineSpec,
        GenericDataType,
        TimeGrain,
    )

    HAVE_SUPERSET = False


# SQLite's date functions over Okta's ISO 8601 text, written so that sqlglot's generic dialect parses
# them (Superset parses with it when it knows no sqlglot dialect for an engine): that dialect takes
# at most two arguments to DATETIME, so each step is its own DATETIME(value, modifier). Weekday
# offsets are computed from STRFTIME('%w') (0 = Sunday): SQLite's 'weekday N', '-7 days' (as in
# Superset's SqliteEngineSpec) moves a week's first day into the previous week.
_DAY = "DATETIME({col}, 'start of day')"
_WEEKDAY = "CAST(STRFTIME('%w', {col}) AS INTEGER)"


def _days_from_day_start(offset: str) -> str:
    """The day of ``{col}`` moved by ``offset`` days (an SQL integer expression, may be negative)."""
    return f"DATETIME({_DAY}, PRINTF('%+d days', {offset}))"


def _minus_units(floor: str, unit: str, field: str, step: int) -> str:
    """``floor`` (a DATETIME text) moved back to the multiple of ``step`` of its ``field``."""
    return f"DATETIME({floor}, PRINTF('-%d {unit}', CAST(STRFTIME('{field}', {{col}}) AS INTEGER) % {step}))"


_MINUTE = "DATETIME(STRFTIME('%Y-%m-%dT%H:%M:00', {col}))"
_HOUR = "DATETIME(STRFTIME('%Y-%m-%dT%H:00:00', {col}))"

TIME_GRAIN_EXPRESSIONS: dict[Any, str] = {
    None: "{col}",
    TimeGrain.SECOND: "DATETIME(STRFTIME('%Y-%m-%dT%H:%M:%S', {col}))",
    TimeGrain.FIVE_SECONDS: _minus_units("DATETIME({col})", "seconds", "%S", 5),
    TimeGrain.THIRTY_SECONDS: _minus_units("DATETIME({col})", "seconds", "%S", 30),
    TimeGrain.MINUTE: _MINUTE,
    TimeGrain.FIVE_MINUTES: _minus_units(_MINUTE, "minutes", "%M", 5),
    TimeGrain.TEN_MINUTES: _minus_units(_MINUTE, "minutes", "%M", 10),
    TimeGrain.FIFTEEN_MINUTES: _minus_units(_MINUTE, "minutes", "%M", 15),
    TimeGrain.THIRTY_MINUTES: _minus_units(_MINUTE, "minutes", "%M", 30),
    TimeGrain.HOUR: _HOUR,
    TimeGrain.SIX_HOURS: _minus_units(_HOUR, "hours", "%H", 6),
    TimeGrain.DAY: _DAY,
    # Weeks start on Sunday, as in Superset's SqliteEngineSpec.
    TimeGrain.WEEK: _days_from_day_start(f"-{_WEEKDAY}"),
    TimeGrain.WEEK_STARTING_SUNDAY: _days_from_day_start(f"-{_WEEKDAY}"),
    TimeGrain.WEEK_STARTING_MONDAY: _days_from_day_start(f"-(({_WEEKDAY} + 6) % 7)"),
    TimeGrain.WEEK_ENDING_SATURDAY: _days_from_day_start(f"6 - {_WEEKDAY}"),
    TimeGrain.WEEK_ENDING_SUNDAY: _days_from_day_start(f"(7 - {_WEEKDAY}) % 7"),
    TimeGrain.MONTH: "DATETIME({col}, 'start of month')",
    TimeGrain.QUARTER: (
        "DATETIME(DATETIME({col}, 'start of month'),"
        " PRINTF('-%d months', (CAST(STRFTIME('%m', {col}) AS INTEGER) - 1) % 3))"
    ),
    TimeGrain.YEAR: "DATETIME({col}, 'start of year')",
}
TIME_GRAIN_EXPRESSIONS[TimeGrain.HALF_HOUR] = TIME_GRAIN_EXPRESSIONS[TimeGrain.THIRTY_MINUTES]
TIME_GRAIN_EXPRESSIONS[TimeGrain.QUARTER_YEAR] = TIME_GRAIN_EXPRESSIONS[TimeGrain.QUARTER]


def okta_timestamp(dttm: datetime) -> str:
    """``dttm`` as Okta writes timestamps: UTC, milliseconds, ``Z`` (naive means UTC)."""
    if dttm.tzinfo is not None:
        dttm = dttm.astimezone(timezone.utc)
    return dttm.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dttm.microsecond // 1000:03d}Z"


class OktaEngineSpec(BaseEngineSpec):
    engine = "okta"
    engine_name = "Okta"
    drivers = {"rest": "Okta management REST API"}
    default_driver = "rest"
    sqlalchemy_uri_placeholder = "okta://:TOKEN@my-org.okta.com"

    allows_joins = True
    allows_subqueries = True
    allows_alias_in_select = True
    allows_alias_in_orderby = True
    supports_file_upload = False
    supports_dynamic_schema = False
    supports_catalog = False
    supports_multivalues_insert = False
    disable_ssh_tunneling = True

    _time_grain_expressions = TIME_GRAIN_EXPRESSIONS

    # cursor.description type codes are the catalog's kinds: "string", "datetime", "json", ...
    column_type_mappings = (
        (re.compile(r"^json", re.IGNORECASE), types.JSON(), GenericDataType.STRING),
        (re.compile(r"^number", re.IGNORECASE), types.Float(), GenericDataType.NUMERIC),
    )

    @classmethod
    def epoch_to_dttm(cls) -> str:
        return "datetime({col}, 'unixepoch')"

    @classmethod
    def convert_dttm(cls, target_type: str, dttm: datetime, db_extra: dict[str, Any] | None = None) -> str | None:
        sqla_type = cls.get_sqla_column_type(target_type)
        if isinstance(sqla_type, (types.String, types.DateTime)):
            return f"'{okta_timestamp(dttm)}'"
        return None
