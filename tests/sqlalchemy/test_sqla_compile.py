"""SQL the dialect generates: SQLite syntax with quoted mixed-case identifiers."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    FetchedValue,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from okta_sqlalchemy.dialect import OktaDialect

factors = Table(
    "factors",
    MetaData(),
    Column("userId", String, primary_key=True),
    Column("id", String, primary_key=True, server_default=FetchedValue()),  # Okta assigns it
    Column("factorType", String),
    Column("provider", String),
    Column("profile", JSON),
    Column("lastUpdated", DateTime(timezone=True)),
    schema="users",
)


def sql(stmt: object) -> str:
    return " ".join(str(stmt.compile(dialect=OktaDialect())).split())  # type: ignore[attr-defined]


def test_mixed_case_identifiers_are_quoted() -> None:
    text = sql(select(factors.c.factorType, factors.c.lastUpdated).where(factors.c.userId == "u"))
    assert text == (
        'SELECT users.factors."factorType", users.factors."lastUpdated" FROM users.factors '
        'WHERE users.factors."userId" = ?'
    )


def test_limit_offset() -> None:
    assert sql(select(factors.c.id).limit(5).offset(10)).endswith("LIMIT ? OFFSET ?")


def test_json_comparison_uses_json_extract() -> None:
    text = sql(select(factors.c.id).where(factors.c.profile["email"].as_string() == "a@example.com"))
    assert "JSON_EXTRACT(users.factors.profile, ?)" in text


def test_json_path_parameter_is_a_sqlite_path() -> None:
    compiled = select(factors.c.id).where(factors.c.profile["email"].as_string() == "x").compile(dialect=OktaDialect())
    processors = compiled._bind_processors
    [key] = [k for k in compiled.binds if k.startswith("profile")]
    assert processors[key]("email") == '$."email"'


def test_aggregate() -> None:
    stmt = select(factors.c.factorType, func.count()).group_by(factors.c.factorType)
    assert sql(stmt) == (
        'SELECT users.factors."factorType", count(*) AS count_1 FROM users.factors GROUP BY users.factors."factorType"'
    )


def test_insert_returning() -> None:
    stmt = insert(factors).values(userId="u", factorType="sms").returning(factors.c.id, factors.c.factorType)
    assert sql(stmt) == ('INSERT INTO users.factors ("userId", "factorType") VALUES (?, ?) RETURNING id, "factorType"')


def test_delete() -> None:
    stmt = delete(factors).where(factors.c.userId == "u", factors.c.id == "f")
    assert sql(stmt) == 'DELETE FROM users.factors WHERE users.factors."userId" = ? AND users.factors.id = ?'
