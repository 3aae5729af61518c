"""A local SQLite snapshot of ``okta.users.users`` and ``okta.users.factors``, kept up to date
incrementally from Okta's System Log (``connect(..., snapshot=PATH|True, max_age=SECONDS)``).

See ``docs/snapshot.md``: the file format, what answers from the snapshot, which System Log
events are trusted, the defaults and the locking between processes.

Layer: above ``sql`` and ``writes``, below the runner. May import ``sql``, ``writes``, ``http``,
``catalog``, ``settings`` and the ground floor (``exceptions``, ``types``). Only the runner, the
connection, the CLI and the SQLAlchemy dialect import it.
"""

from __future__ import annotations

from okta_dbapi.snapshot.core import Action, Snapshot
from okta_dbapi.snapshot.recorder import RecordingClient
from okta_dbapi.snapshot.statement import parse_refresh

__all__ = ["Action", "RecordingClient", "Snapshot", "parse_refresh"]
