"""Engine-level behaviour against the emulator: reflection is free, a ping is one small request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import JSON, DateTime, MetaData, String, Table, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, NoSuchTableError

from okta_dbapi.emulator import Emulator


def test_connect_makes_no_request(engine: Engine, log: Emulator) -> None:
    with engine.connect() as conn:
        assert conn.dialect.server_version_info
        assert conn.dialect.default_schema_name == "users"
    assert log.log.count() == 0


def test_inspector_makes_no_request(engine: Engine, log: Emulator) -> None:
    insp = inspect(engine)
    assert insp.get_schema_names() == ["users"]
    assert insp.default_schema_name == "users"
    assert insp.get_table_names(schema="users") == [
        "factors",
        "supported_factors",
        "supported_security_questions",
        "users",
    ]
    assert insp.get_view_names(schema="users") == []
    assert insp.has_table("factors", schema="users")
    assert not insp.has_table("nope", schema="users")
    for table in insp.get_table_names():
        insp.get_columns(table, schema="users")
        insp.get_pk_constraint(table, schema="users")
        assert insp.get_foreign_keys(table, schema="users") == []
        assert insp.get_indexes(table, schema="users") == []
        assert insp.get_unique_constraints(table, schema="users") == []
        assert insp.get_check_constraints(table, schema="users") == []
        assert insp.get_table_comment(table, schema="users")["text"]
    assert insp.get_pk_constraint("factors", schema="users")["constrained_columns"] == ["id", "userId"]
    assert log.log.count() == 0


def test_autoload_table(engine: Engine, log: Emulator) -> None:
    factors = Table("factors", MetaData(), schema="users", autoload_with=engine)
    assert [c.name for c in factors.primary_key] == ["id", "userId"]
    assert isinstance(factors.c.factorType.type, String)
    assert isinstance(factors.c.lastUpdated.type, DateTime) and factors.c.lastUpdated.type.timezone
    assert isinstance(factors.c.profile.type, JSON)
    assert factors.comment
    # The default schema works too.
    assert Table("factors", MetaData(), autoload_with=engine).c.keys() == factors.c.keys()
    assert log.log.count() == 0


def test_metadata_reflect_everything(engine: Engine, log: Emulator) -> None:
    metadata = MetaData()
    metadata.reflect(engine, schema="users", views=True)
    assert sorted(metadata.tables) == [
        "users.factors",
        "users.supported_factors",
        "users.supported_security_questions",
        "users.users",
    ]
    assert log.log.count() == 0


def test_unknown_table(engine: Engine, log: Emulator) -> None:
    with pytest.raises(NoSuchTableError):
        Table("nope", MetaData(), schema="users", autoload_with=engine)
    assert log.log.count() == 0


def test_do_ping_is_one_bounded_request(engine: Engine, log: Emulator) -> None:
    with engine.connect() as conn:
        log.log.clear()
        dbapi_conn = conn.connection.dbapi_connection
        assert conn.dialect.do_ping(dbapi_conn) is True
    entries = log.log.entries
    assert [(e.method, e.path) for e in entries] == [("GET", "/api/v1/users")]
    assert entries[0].query.get("limit") == "1"


def test_pool_pre_ping(url_for: Callable[..., str], log: Emulator) -> None:
    eng = create_engine(url_for(), pool_pre_ping=True)
    try:
        for _ in range(2):
            with eng.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
        # The second checkout pings (the first connection is fresh): one users request, nothing else.
        assert log.log.count() == log.log.count(method="GET", path="/api/v1/users") <= 2
    finally:
        eng.dispose()


def test_ping_with_a_bad_token_fails(url_for: Callable[..., str]) -> None:
    eng = create_engine(url_for(token="not-the-token"))
    try:
        with eng.connect() as conn:
            dbapi_conn = conn.connection.dbapi_connection
            with pytest.raises(Exception) as info:
                conn.dialect.do_ping(dbapi_conn)
        assert "not-the-token" not in str(info.value)
        assert "E0000011" in str(info.value)
    finally:
        eng.dispose()


def test_unknown_option_is_reported(url_for: Callable[..., str]) -> None:
    eng = create_engine(url_for(bogus_option="1"))
    with pytest.raises(DBAPIError, match="bogus_option"):
        eng.connect()


def test_read_only_option_travels(url_for: Callable[..., str]) -> None:
    eng = create_engine(url_for(read_only="true"))
    with eng.connect() as conn:
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn.settings.read_only is True
    eng.dispose()
