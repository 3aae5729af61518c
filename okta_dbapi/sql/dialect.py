"""The SQL dialect users write: SQLite's, which is also what residual queries run in.

StackQL's extensions (``EXEC``, ``@param=``, ``@@json=``, unquoted hyphenated names such as
``Accept-Language``) are handled by the statement parsers in :mod:`okta_dbapi.sql.parse` and
:mod:`okta_dbapi.writes.exec_`.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite


def _json_extract_sql(generator: Any, expression: exp.JSONExtract) -> str:
    """Write ``JSON_EXTRACT(...)`` back as the function, not as ``->``.

    sqlglot 28 parses SQLite's ``JSON_EXTRACT(col, '$.a')`` and ``col -> '$.a'`` into the same
    node and writes both as ``->``, but in SQLite ``->`` returns JSON text (``'"x"'``) where
    ``JSON_EXTRACT`` returns the SQL value (``'x'``), so comparisons with a string stop matching.
    The arrow form is the one whose parse sets ``only_json_types``.
    """
    if "only_json_types" in expression.args:
        arrow: str = generator.jsonextract_sql(expression)
        return arrow
    sql: str = generator.func("JSON_EXTRACT", expression.this, expression.expression, *expression.expressions)
    return sql


def _concat_sql(generator: Any, expression: exp.Concat) -> str:
    """``concat(a, b, ...)`` as SQLite 3.44+ computes it (NULLs count as empty text), written with
    ``||`` so that older SQLite libraries, which have no ``concat()``, run it too."""
    parts = [f"COALESCE({generator.sql(arg)}, '')" for arg in expression.expressions]
    return f"({' || '.join(parts)})" if parts else "''"


def _concat_ws_sql(generator: Any, expression: exp.ConcatWs) -> str:
    """``concat_ws(sep, a, b, ...)`` as SQLite 3.44+ computes it (NULL arguments are skipped, a NULL
    separator gives NULL): each non-NULL argument gets the separator in front, and the first
    separator is cut off."""
    separator, *args = expression.expressions
    sep = generator.sql(separator)
    joined = " || ".join(f"COALESCE({sep} || {generator.sql(arg)}, '')" for arg in args) or "''"
    return f"SUBSTR({joined}, LENGTH({sep}) + 1)"


class OktaSQL(SQLite):
    """SQLite's grammar, so that what users write and what runs locally agree."""

    class Generator(SQLite.Generator):  # type: ignore[misc,valid-type,unused-ignore]
        TRANSFORMS = {
            **SQLite.Generator.TRANSFORMS,
            exp.JSONExtract: _json_extract_sql,
            exp.Concat: _concat_sql,
            exp.ConcatWs: _concat_ws_sql,
        }

        def tablealias_sql(self, expression: exp.TableAlias) -> str:
            """Keep a CTE's column list (``WITH t(a, b) AS ...``), which SQLite accepts.

            sqlglot 28 drops it along with the column lists SQLite does not take (``FROM x AS t(a, b)``),
            and the query then fails on names it never lost.
            """
            columns = expression.args.get("columns")
            if columns and isinstance(expression.parent, exp.CTE):
                names = self.expressions(expression, key="columns", flat=True)
                return f"{self.sql(expression, 'this')}({names})"
            alias: str = super().tablealias_sql(expression)
            return alias


class ResidualSQL(OktaSQL):
    """What runs in the local SQLite: names in backticks, never in double quotes.

    SQLite takes a double-quoted name that matches no column for a string (the "DQS" misfeature
    its own documentation warns about), so a misspelled ``"stauts" = 'ACTIVE'`` would quietly
    compare two constants; a backticked unknown name is an error. Python 3.11's sqlite3 cannot turn
    DQS off (``setconfig`` is 3.12+), so the SQL it runs never has a double-quoted name.
    """


# Set after the class exists: sqlglot's dialect metaclass sets them from the tokenizer's quotes.
ResidualSQL.IDENTIFIER_START = ResidualSQL.IDENTIFIER_END = "`"

DIALECT = OktaSQL()
RESIDUAL_DIALECT = ResidualSQL()
