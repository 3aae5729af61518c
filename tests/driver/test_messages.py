"""Messages that tell a user where the mistake is and what would be right, before any request."""

from __future__ import annotations

import pytest

import okta_dbapi
from okta_dbapi.catalog import FACTORS, USERS
from okta_dbapi.emulator import Emulator


@pytest.mark.parametrize(
    ("sql", "where", "guess"),
    [
        ("SELEC * FROM okta.users.factors", "line 1, column 1 near 'SELEC'", "did you mean SELECT?"),
        ("\n  DELET FROM okta.users.factors WHERE userId = 'x'", "line 2, column 3 near 'DELET'", "DELETE"),
        ("WTH t AS (SELECT 1) SELECT * FROM t", "line 1, column 1 near 'WTH'", "WITH"),
    ],
)
def test_a_misspelled_first_word_is_pointed_at(
    org: Emulator, conn: okta_dbapi.Connection, sql: str, where: str, guess: str
) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError) as raised:
        conn.cursor().execute(sql)
    assert where in str(raised.value) and guess in str(raised.value)
    assert org.log.count() == 0


def test_an_unknown_column_lists_the_tables_columns_with_a_guess(org: Emulator, conn: okta_dbapi.Connection) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError) as raised:
        conn.cursor().execute("SELECT id, statsu FROM okta.users.users WHERE status = 'ACTIVE'")
    message = str(raised.value)
    assert message.startswith("No such column: statsu. Did you mean status?")
    assert f"okta.users.users has the columns {', '.join(c.name for c in USERS.columns)}." in message
    assert org.log.count() == 0


def test_an_unknown_qualified_column_in_a_join(org: Emulator, conn: okta_dbapi.Connection) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError) as raised:
        conn.cursor().execute(
            "SELECT u.id, f.factortyp FROM okta.users.users u JOIN okta.users.factors f ON f.userId = u.id"
        )
    message = str(raised.value)
    assert "No such column: f.factortyp. Did you mean factorType" in message
    assert "okta.users.users has the columns" in message and "okta.users.factors has the columns" in message
    assert ", ".join(c.name for c in FACTORS.columns) in message
    assert org.log.count() == 0


def test_a_bare_word_without_a_table(conn: okta_dbapi.Connection) -> None:
    with pytest.raises(okta_dbapi.ProgrammingError, match=r"reads no table; write text in single quotes \('nope'\)"):
        conn.cursor().execute("SELECT nope")
