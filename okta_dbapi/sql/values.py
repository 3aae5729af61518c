"""Parameter values and their shapes, checked before anything is parsed against them or sent.

Every value a caller can pass ends either as a literal with the same meaning in SQLite and in
Okta's JSON, or in a PEP 249 error that says what was wrong:

- ``params`` must be a sequence (list, tuple) or a mapping, as PEP 249 has it; a generator, a set,
  a string or a number is a ProgrammingError;
- integers must fit in 64 bits (SQLite's range; Python's ``sqlite3`` refuses larger ones too):
  pass larger numbers as strings;
- ``float('inf')`` and ``-inf`` bind as SQLite's own infinity (the literal ``9e999``), so they
  compare as numbers; NaN is a DataError, since SQLite has no NaN (it would become NULL and change
  what ``<>`` matches); neither can travel in a JSON request body;
- text must be valid Unicode (a lone surrogate such as ``'\\ud800'`` is a DataError);
- an aware datetime must be expressible in UTC (``datetime.min`` with a zone east of UTC is not);
- lists, tuples and dicts bind as JSON text: they must be JSON-serialisable, finite and acyclic.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from okta_dbapi.exceptions import DataError, NotSupportedError, ProgrammingError

Params = Sequence[Any] | Mapping[str, Any] | None

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
# SQLite reads a float literal beyond the double range as infinity; it has no other spelling of it.
_INFINITY = "9e999"


def check_params(params: Any) -> Params:
    """``params`` as a list or a mapping, or a ProgrammingError naming what to pass instead."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return params
    if isinstance(params, (list, tuple)):
        return params
    if isinstance(params, Sequence) and not isinstance(params, (str, bytes, bytearray, memoryview)):
        return list(params)
    raise ProgrammingError(
        f"Parameters must be a sequence (list or tuple) for ? placeholders or a mapping (dict) for :name "
        f"placeholders, not {type(params).__name__}. For a single value write [value]; for a generator, "
        "pass list(...)."
    )


def check_value(value: Any) -> Any:
    """``value`` unchanged when it can be bound; else a PEP 249 error saying why and what to do."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise DataError(
                f"The integer parameter {_short_int(value)} does not fit in 64 bits (the range SQLite and "
                "Okta's API handle); pass it as a string if you need it exactly."
            )
        return value
    if isinstance(value, (float, decimal.Decimal)):
        if value.is_nan() if isinstance(value, decimal.Decimal) else math.isnan(value):
            raise DataError("A NaN parameter cannot be compared or stored (SQLite has no NaN); pass None for NULL.")
        return value
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, dt.datetime):
        format_timestamp(value)
        return value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (dict, list, tuple)):
        to_json(value)
        return value
    raise NotSupportedError(
        f"Parameters of type {type(value).__name__} are not supported; pass None, bool, int, float, "
        "Decimal, str, datetime, date, dict or list."
    )


def check_text(value: str, what: str = "A text parameter") -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise DataError(
            f"{what} is not valid Unicode: it holds a lone surrogate ({value[e.start]!r} at position {e.start}). "
            "Decode the text with errors='replace' or fix its source."
        ) from None
    return value


def _short_int(value: int) -> str:
    digits = len(str(abs(value))) if abs(value) < 10**1000 else None
    return f"with {digits} digits" if digits is not None else "with more than 1000 digits"


def to_json(value: Any) -> str:
    """JSON text for a dict or list parameter (compact, finite, acyclic, valid Unicode)."""
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except RecursionError:
        raise DataError("A dict or list parameter is nested too deeply to send as JSON.") from None
    except (TypeError, ValueError) as e:
        reason = str(e)
        if "Circular" in reason:
            reason = "it contains itself"
        elif "Out of range float" in reason:
            reason = "it holds NaN or infinity, which JSON cannot carry"
        raise DataError(f"A dict or list parameter cannot be sent as JSON: {reason}.") from None
    return check_text(text, "A dict or list parameter")


def number_literal(text: str) -> int | float:
    """The value of a numeric literal of the SQL text; an integer must fit in 64 bits."""
    digits = text.lstrip("+-")
    if digits.isdigit():
        if len(digits) > 19 or not INT_MIN <= int(text) <= INT_MAX:
            raise DataError(
                f"The integer {text[:20]}{'...' if len(text) > 20 else ''} ({len(digits)} digits) does not fit in "
                "64 bits (the range SQLite and Okta's API handle); write it as a string."
            )
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise DataError(f"{text[:40]!r} is not a number.") from None


def to_literal(value: Any) -> exp.Expression:
    """A checked Python parameter value as a SQL literal."""
    value = check_value(value)
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, (int, float, decimal.Decimal)):
        if (isinstance(value, decimal.Decimal) and value.is_infinite()) or (
            isinstance(value, float) and math.isinf(value)
        ):
            infinity = exp.Literal.number(_INFINITY)
            return exp.Neg(this=infinity) if value < 0 else infinity
        return exp.Literal.number(int(value) if isinstance(value, int) else value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.datetime):
        return exp.Literal.string(format_timestamp(value))
    if isinstance(value, dt.date):
        return exp.Literal.string(value.isoformat())
    return exp.Literal.string(to_json(value))


def format_timestamp(value: dt.datetime) -> str:
    """Okta's timestamp format (UTC, milliseconds); naive datetimes are taken as UTC."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.timezone.utc)
        except (OverflowError, ValueError, TypeError) as e:
            raise DataError(
                f"The datetime {value.replace(tzinfo=None).isoformat()} (with a time zone) cannot be expressed in "
                f"UTC ({e}); pass a naive datetime (taken as UTC) or one between years 1 and 9999 in UTC."
            ) from None
    # isoformat, not strftime: glibc writes year 1 as "1", which sorts after "2019" as text.
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
