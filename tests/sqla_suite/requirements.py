"""What the okta dialect supports, for SQLAlchemy's compliance suite.

Okta's user-factor API is read-mostly: tables are fixed by the catalog (no DDL), rows are enrolled
(INSERT) and unenrolled (DELETE) but never updated, there are no transactions, sequences, views,
indexes or constraints beyond the primary keys. Everything the suite would need a scratch table for
is closed here; the suite subset in ``test_suite.py`` runs what fits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.testing import exclusions

try:  # SQLAlchemy 2.x
    from sqlalchemy.testing.requirements import SuiteRequirements
except ImportError:  # pragma: no cover - 1.4
    from sqlalchemy.testing.suite.requirements import SuiteRequirements  # type: ignore[no-redef]

_CLOSED = (
    # No DDL: the catalog's tables are the only tables.
    "create_table",
    "drop_table",
    "create_table_as",
    "create_temp_table_as",
    "table_ddl_if_exists",
    "index_ddl_if_exists",
    "temp_table_names",
    "temporary_tables",
    "temp_table_reflection",
    "temporary_views",
    "views",
    "schemas",
    "cross_schema_fk_reflection",
    "implicit_default_schema",
    "default_schema_name_switch",
    "comment_reflection",
    "sequences",
    "sequences_optional",
    "identity_columns",
    "computed_columns",
    "autoincrement_insert",
    "autoincrement_without_sequence",
    "foreign_keys",
    "foreign_key_constraint_reflection",
    "self_referential_foreign_keys",
    "index_reflection",
    "unique_constraint_reflection",
    "check_constraint_reflection",
    "primary_key_constraint_reflection",
    "table_reflection",
    "reflect_tables_no_columns",
    # No transactions: every write takes effect at once.
    "savepoints",
    "two_phase_transactions",
    "isolation_level",
    "independent_connections",
    # No UPDATE, no multi-row DML returning, no server-side cursors.
    "update_from",
    "update_returning",
    "delete_returning",
    "insert_executemany_returning",
    "ctes_on_dml",
    "server_side_cursors",
    "sane_rowcount_w_returning",
    "sane_multi_rowcount",
    "empty_inserts",
    "insert_from_select",
    # Types the API does not have.
    "uuid_data_type",
    "datetime_literals",
    "time",
    "time_microseconds",
    "date",
    "binary_comparisons",
    "binary_literals",
    "unicode_ddl",
)


def _closed(_self: Any) -> Any:
    return exclusions.closed()


class Requirements(SuiteRequirements):  # type: ignore[misc]
    @property
    def autocommit(self) -> Any:
        """Every statement takes effect at once: AUTOCOMMIT is the only isolation level."""
        return exclusions.open()

    @property
    def returning(self) -> Any:
        """INSERT ... RETURNING (enroll and read back the created factor)."""
        return exclusions.open()


for _name in _CLOSED:
    setattr(Requirements, _name, property(_closed))
