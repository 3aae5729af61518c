"""Reflection answered from the catalog: one test per dialect method, no connection needed."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.exc import NoSuchTableError

from okta_dbapi import catalog
from okta_sqlalchemy.dialect import OktaDialect
from okta_sqlalchemy.types import sqla_type

dialect = OktaDialect()
TABLES = ["factors", "supported_factors", "supported_security_questions", "users"]


def test_schema_names() -> None:
    assert dialect.get_schema_names(None) == ["users"]
    assert dialect.has_schema(None, "users")
    assert not dialect.has_schema(None, "main")


@pytest.mark.parametrize("schema", [None, "users"])
def test_table_names(schema: str | None) -> None:
    assert dialect.get_table_names(None, schema=schema) == TABLES


def test_table_names_of_unknown_schema() -> None:
    assert dialect.get_table_names(None, schema="nope") == []


def test_view_and_other_names_are_empty() -> None:
    assert dialect.get_view_names(None) == []
    assert dialect.get_materialized_view_names(None) == []
    assert dialect.get_temp_table_names(None) == []
    assert dialect.get_temp_view_names(None) == []
    assert dialect.get_sequence_names(None) == []


@pytest.mark.parametrize(
    ("name", "schema", "expected"),
    [
        ("factors", None, True),
        ("factors", "users", True),
        ("FACTORS", "users", True),
        ("users", None, True),
        ("supported_factors", "users", True),
        ("nope", None, False),
        ("factors", "other", False),
    ],
)
def test_has_table(name: str, schema: str | None, expected: bool) -> None:
    assert dialect.has_table(None, name, schema=schema) is expected


def test_factors_columns() -> None:
    columns = dialect.get_columns(None, "factors", schema="users")
    assert [c["name"] for c in columns] == list(catalog.FACTORS.column_names)
    by_name = {c["name"]: c for c in columns}
    assert isinstance(by_name["id"]["type"], String)
    assert isinstance(by_name["factorType"]["type"], String)
    created = by_name["created"]["type"]
    assert isinstance(created, DateTime) and created.timezone is True
    assert isinstance(by_name["lastUpdated"]["type"], DateTime)
    assert isinstance(by_name["profile"]["type"], JSON)
    assert isinstance(by_name["_links"]["type"], JSON)
    assert by_name["id"]["nullable"] is False
    assert by_name["userId"]["nullable"] is False
    assert by_name["profile"]["nullable"] is True
    assert by_name["factorType"]["comment"]
    assert all(c["autoincrement"] is False and c["default"] is None for c in columns)


@pytest.mark.parametrize(
    ("kind", "type_"),
    [("string", String), ("datetime", DateTime), ("json", JSON), ("boolean", Boolean), ("integer", Integer)],
)
def test_kind_types(kind: str, type_: type) -> None:
    assert isinstance(sqla_type(kind), type_)


def test_every_catalog_column_has_a_type() -> None:
    for table in catalog.TABLES.values():
        for column in dialect.get_columns(None, table.name):
            assert column["type"] is not None


@pytest.mark.parametrize(
    ("table", "pk"),
    [("factors", ["id", "userId"]), ("users", ["id"]), ("supported_factors", ["factorType", "provider", "userId"])],
)
def test_pk_constraint(table: str, pk: list[str]) -> None:
    assert dialect.get_pk_constraint(None, table, schema="users") == {"constrained_columns": pk, "name": None}


@pytest.mark.parametrize("table", sorted(catalog.TABLES))
def test_primary_keys_are_in_column_order(table: str) -> None:
    """Generated models (sqlacodegen) order a composite key by column position; reflection must agree."""
    names = [c["name"] for c in dialect.get_columns(None, table)]
    pk = dialect.get_pk_constraint(None, table)["constrained_columns"]
    assert pk == [n for n in names if n in pk]


@pytest.mark.parametrize(
    "method",
    ["get_foreign_keys", "get_indexes", "get_unique_constraints", "get_check_constraints"],
)
def test_empty_constraint_shapes(method: str) -> None:
    assert getattr(dialect, method)(None, "factors", schema="users") == []


def test_table_comment_and_options() -> None:
    assert dialect.get_table_comment(None, "factors")["text"] == catalog.FACTORS.comment
    assert dialect.get_table_options(None, "factors") == {}
    assert not dialect.has_index(None, "factors", "ix")


@pytest.mark.parametrize(
    "method",
    [
        "get_columns",
        "get_pk_constraint",
        "get_foreign_keys",
        "get_indexes",
        "get_unique_constraints",
        "get_check_constraints",
        "get_table_comment",
        "get_table_options",
        "get_view_definition",
    ],
)
def test_unknown_table(method: str) -> None:
    with pytest.raises(NoSuchTableError):
        getattr(dialect, method)(None, "nope", schema="users")


def test_server_version_and_default_schema_without_a_connection() -> None:
    version = dialect._get_server_version_info(None)
    assert isinstance(version, tuple) and all(isinstance(p, int) for p in version)
    assert dialect._get_default_schema_name(None) == "users"


def test_isolation_level_is_autocommit() -> None:
    assert dialect.get_isolation_level(None) == "AUTOCOMMIT"
    assert dialect.get_isolation_level_values(None) == ["AUTOCOMMIT"]
    dialect.set_isolation_level(None, "AUTOCOMMIT")
    with pytest.raises(Exception, match="AUTOCOMMIT"):
        dialect.set_isolation_level(None, "SERIALIZABLE")


def test_do_rollback_is_a_no_op() -> None:
    class Boom:
        def rollback(self) -> None:
            raise AssertionError("rollback must not reach the driver")

    dialect.do_rollback(Boom())
