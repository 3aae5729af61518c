"""``okta-sql``: run SQL from the shell or a REPL, and format results (table, CSV, JSON, JSON lines).

Layer: tools on top. May import the PEP 249 face (``okta_dbapi``), everything below it, and the
emulator (for ``--demo``). Nothing in the driver imports this package.
"""

from __future__ import annotations

from okta_dbapi.cli.program import main

__all__ = ["main"]
