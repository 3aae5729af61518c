"""From named values (INSERT columns, EXEC arguments, DELETE parameters) to one API request.

The catalog says what each name is: a path key (``userId``, ``factorId``, or the column a key is
filtered through, ``id``), a query parameter or header (``Param``), or else a field of the JSON
body. ``data__x`` always means the body field ``x`` (StackQL's spelling). ``subdomain`` must name
the connection's own org. Values are checked and converted here, before any request is sent.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from okta_dbapi.catalog import Operation, Param, Table
from okta_dbapi.exceptions import DataError, ProgrammingError
from okta_dbapi.http.headers import check_header
from okta_dbapi.sql.values import check_value, format_timestamp

DATA_PREFIX = "data__"
# Body fields whose value is a JSON object; a string value is parsed as JSON text.
OBJECT_FIELDS = frozenset({"profile"})


@dataclass
class Call:
    """One API request of a write, and the row of the statement it comes from."""

    operation: Operation
    path: dict[str, str]
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    row: int = 1  # 1-based position in the statement
    facts: dict[str, Any] = field(default_factory=dict)  # shown in reports, e.g. a DELETE's factorType

    def label(self) -> dict[str, Any]:
        """The row as error reports and ``Error.applied``/``not_applied`` show it."""
        out: dict[str, Any] = {"row": self.row, **self.path, **self.facts}
        if self.body:
            for name in ("factorType", "provider"):
                if name in self.body:
                    out[name] = self.body[name]
        return out

    def request(self) -> dict[str, Any]:
        """Everything sent besides the method and path template (for EXPLAIN)."""
        out: dict[str, Any] = {"path": self.path}
        if self.query:
            out["query"] = self.query
        if self.headers:
            out["headers"] = self.headers
        if self.body is not None:
            out["body"] = self.body
        return out


def plain(value: Any) -> Any:
    """A SQL value as JSON can carry it (datetimes in Okta's format)."""
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def build_call(
    table: Table,
    op: Operation,
    values: Iterable[tuple[str, Any]],
    *,
    subdomain: str,
    body_names: frozenset[str] | None = None,
    row: int = 1,
    what: str = "column",
) -> Call:
    """The request for ``op`` given ``(name, value)`` pairs.

    ``body_names`` limits which plain names may be body fields (None: any name may be); other
    names are a ProgrammingError that lists what is accepted. ``what`` names the pairs in
    messages ("column", "argument").
    """
    call = Call(operation=op, path={}, row=row)
    body: dict[str, Any] = {}
    seen: set[str] = set()
    for name, raw in values:
        lowered = name.lower()
        if lowered in seen:
            raise ProgrammingError(f"The {what} {name} is given twice.")
        seen.add(lowered)
        value = plain(check_value(raw))
        if lowered == "subdomain":
            check_subdomain(value, subdomain)
            continue
        key = key_for(table, op, name)
        if key is not None:
            if value is None or value == "":
                raise ProgrammingError(f"{key} cannot be empty (row {row}).")
            call.path[key] = str(value)
            continue
        param = param_for(op, name)
        if param is not None:
            _set_param(call, param, value, row)
            continue
        field_name = name[len(DATA_PREFIX) :] if lowered.startswith(DATA_PREFIX) else name
        if not lowered.startswith(DATA_PREFIX) and body_names is not None and field_name not in body_names:
            raise ProgrammingError(_unknown_name(table, op, name, body_names, what))
        if op.body == "none":
            raise ProgrammingError(f"{op.name} takes no request body, so the {what} {name} has no place in it.")
        if value is None:
            continue
        body[field_name] = _body_value(field_name, value, row)
    missing = [k for k in op.keys if k not in call.path]
    if missing:
        raise ProgrammingError(_missing_keys(op, missing, what))
    call.body = body if op.body != "none" else None
    return call


def check_subdomain(value: Any, subdomain: str) -> None:
    if value is None or value == "" or str(value).lower() == subdomain.lower():
        return
    raise ProgrammingError(
        f"This connection is to the org {subdomain!r} but the statement names subdomain {value!r}. "
        "Open a connection to that org to write to it: a token is never sent to another org."
    )


def key_for(table: Table, op: Operation, name: str) -> str | None:
    lowered = name.lower()
    for key in op.keys:
        if key.lower() == lowered or table.key_columns.get(key, "").lower() == lowered:
            return key
    return None


def param_for(op: Operation, name: str) -> Param | None:
    lowered = name.lower()
    return next((p for p in op.params if p.name.lower() == lowered), None)


def _set_param(call: Call, param: Param, value: Any, row: int) -> None:
    if value is None or value == "":
        return  # not given: Okta's default applies
    converted: Any
    if param.kind == "boolean":
        converted = to_bool(param.name, value, row)
    elif param.kind == "integer":
        converted = to_int(param.name, value, row)
    else:
        converted = (
            value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        )
    if param.location == "header":
        text = str(converted).lower() if isinstance(converted, bool) else str(converted)
        call.headers[param.name] = check_header(param.name, text, f" (row {row})")
    else:
        call.query[param.name] = converted


def to_bool(name: str, value: Any, row: int) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise DataError(f"{name} must be true or false, not {value!r} (row {row}).")


def to_int(name: str, value: Any, row: int) -> int:
    if isinstance(value, bool):
        raise DataError(f"{name} must be an integer, not {value!r} (row {row}).")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise DataError(f"{name} must be an integer, not {value!r} (row {row}).")


def _body_value(name: str, value: Any, row: int) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(f"{name} is {value}, which JSON (and so Okta's API) cannot carry (row {row}).")
    if isinstance(value, decimal.Decimal):
        raise DataError(f"{name} is a Decimal, which JSON cannot carry exactly; pass an int, float or str (row {row}).")
    if name in OBJECT_FIELDS:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise DataError(
                    f'{name} must be a JSON object, e.g. \'{{"phoneNumber": "+15551234567"}}\', '
                    f"not {value!r} (row {row})."
                ) from None
        if not isinstance(value, dict):
            raise DataError(f"{name} must be a JSON object, not {type(value).__name__} (row {row}).")
    return value


def _missing_keys(op: Operation, missing: list[str], what: str) -> str:
    names = " and ".join(missing)
    if what == "argument":
        how = ", ".join(f"@{k}='...'" for k in missing)
        return f"{op.name} needs {names}: add {how} to the EXEC."
    if op.verb == "insert":
        return (
            f"{op.name} needs {names}: add a {missing[0]} column, e.g. INSERT INTO okta.users.factors "
            "(userId, factorType, provider, profile) VALUES (?, ?, ?, ?)."
        )
    return f"{op.name} needs {names}."


def _unknown_name(table: Table, op: Operation, name: str, body_names: frozenset[str], what: str) -> str:
    accepted = [*op.keys, *sorted(body_names), *(p.name for p in op.params), "subdomain"]
    column = table.column(name)
    if column is not None:
        return (
            f"{column.name} is set by Okta, so it cannot be written; read it back with RETURNING {column.name}. "
            f"The {what}s {op.name} accepts: {', '.join(accepted)} (and data__<field> for any body field)."
        )
    return (
        f"Unknown {what} {name!r} for {op.name}. Accepted: {', '.join(accepted)} "
        "(and data__<field> for any other field of the request body)."
    )
