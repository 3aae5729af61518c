"""The parts of SQLAlchemy's compliance suite that fit a read-mostly, API-backed dialect.

Most of the suite creates scratch tables; Okta's API has a fixed catalog, so those tests cannot
run (``requirements.py`` declares why). What remains runs the real engine against the emulator
org: pinging, SQL evaluated without a table (numeric literals round-tripped through the driver,
true division), the dialect's compiler, and (2.x) the dialect's method signatures.

SQLAlchemy 1.4's suite has neither ``PingTest`` nor ``ArgSignatureTest`` nor ``TrueDivTest``; the
ping is written here for it, the rest of the subset is the suite's own tests on both versions.
(Scanning the whole 1.4 suite against the emulator: these are the tests that need no table.)
"""

from __future__ import annotations

from sqlalchemy import testing
from sqlalchemy.testing import fixtures, is_true
from sqlalchemy.testing.suite.test_select import DistinctOnTest
from sqlalchemy.testing.suite.test_types import NumericTest as _NumericTest

__all__ = ["DistinctOnTest", "NumericLiteralRoundTripTest", "PingTest"]


class NumericLiteralRoundTripTest(fixtures.TestBase):
    """``NumericTest``'s round trips of a literal through ``SELECT``: the ones without a scratch table."""

    __backend__ = True

    test_float_coerce_round_trip = _NumericTest.test_float_coerce_round_trip
    test_decimal_coerce_round_trip = _NumericTest.test_decimal_coerce_round_trip
    test_decimal_coerce_round_trip_w_cast = _NumericTest.test_decimal_coerce_round_trip_w_cast


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
