"""okta-dbapi: a PEP 249 (DB-API 2.0) driver for SQL over Okta's user-factor API.

>>> import okta_dbapi
>>> conn = okta_dbapi.connect(org_url="https://my-org.okta.com", token="...")
>>> conn.cursor().execute("SELECT factorType, status FROM okta.users.factors WHERE userId = ?", ["00u1"])
"""

from __future__ import annotations

from typing import Any

from okta_dbapi.connection import Connection
from okta_dbapi.cursor import Cursor
from okta_dbapi.exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from okta_dbapi.settings import Settings
from okta_dbapi.types import (
    BINARY,
    BOOLEAN,
    DATETIME,
    JSON,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)

__version__ = "0.1.0"

apilevel = "2.0"
# Threads may share the module but not connections (a connection's SQLite results and cursors
# are not guarded for concurrent use).
threadsafety = 1
paramstyle = "qmark"


def connect(
    subdomain: str | None = None, org_url: str | None = None, token: str | None = None, **options: Any
) -> Connection:
    """Connect to an Okta org.

    Without ``org_url`` it is ``https://{subdomain}.okta.com``; without either, ``OKTA_CLIENT_ORGURL``
    or ``okta.yaml``. The token falls back to ``OKTA_CLIENT_TOKEN`` or ``okta.yaml``. Options:
    ``read_only``, ``timeout`` (seconds per answer), ``statement_timeout`` (seconds per SELECT),
    ``max_retries``, ``concurrency``, ``page_size``,
    ``authorization_mode`` (``SSWS``/``Bearer``/``PrivateKey``), ``client_id``, ``scopes``, ``private_key``.
    """
    return Connection(Settings.resolve(subdomain=subdomain, org_url=org_url, token=token, **options))


__all__ = [
    "BINARY",
    "BOOLEAN",
    "DATETIME",
    "JSON",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]
