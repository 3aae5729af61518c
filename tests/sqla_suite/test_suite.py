"""The parts of SQLAlchemy's compliance suite that fit a read-mostly, API-backed dialect.

Most of the suite creates scratch tables; Okta's API has a fixed catalog, so those tests cannot
run (``requirements.py`` declares why). What remains exercises the real engine against the
emulator org: pinging, and SQL evaluated without a table.
"""

from __future__ import annotations

from sqlalchemy import testing
from sqlalchemy.testing import fixtures, is_true

__all__ = ["PingTest"]

try:  # SQLAlchemy 2.x
    from sqlalchemy.testing.suite.test_dialect import ArgSignatureTest, PingTest
    from sqlalchemy.testing.suite.test_types import TrueDivTest

    __all__ += ["ArgSignatureTest", "TrueDivTest"]
except ImportError:  # SQLAlchemy 1.4 has no PingTest: the same test, written here.

    class PingTest(fixtures.TestBase):  # type: ignore[no-redef]
        __backend__ = True

        def test_do_ping(self) -> None:
            with testing.db.connect() as conn:
                is_true(testing.db.dialect.do_ping(conn.connection.dbapi_connection))
