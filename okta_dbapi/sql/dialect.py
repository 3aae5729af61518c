"""The SQL dialect users write: SQLite's, which is also what residual queries run in.

StackQL's extensions (``EXEC``, ``@param=``, ``@@json=``, unquoted hyphenated names such as
``Accept-Language``) are handled by the statement parsers in :mod:`okta_dbapi.sql.parse`.
"""

from __future__ import annotations

from sqlglot.dialects.sqlite import SQLite


class OktaSQL(SQLite):
    """SQLite's grammar, so that what users write and what runs locally agree."""


DIALECT = OktaSQL()
