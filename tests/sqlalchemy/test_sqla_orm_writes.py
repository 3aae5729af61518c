"""Writes through SQLAlchemy: INSERT ... RETURNING enrolls, the ORM enrolls and unenrolls.

These mutate their org, so the module has its own emulator instead of the shared read-only one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqla_models import Factor
from sqlalchemy import (
    Column,
    FetchedValue,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from okta_dbapi.emulator import Emulator

FACTORS_POST = r"/api/v1/users/[^/]+/factors"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(users=6, seed=21) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def engine(emu: Emulator) -> Iterator[Engine]:
    eng = create_engine(f"okta://:{emu.token}@127.0.0.1:{emu.port}/?scheme=http&subdomain=sqla-writes")
    yield eng
    eng.dispose()


def reflect_factors(engine: Engine) -> Table:
    """Reflect users.factors, telling SQLAlchemy that Okta assigns ``id`` (as the docs recommend)."""
    return Table(
        "factors",
        MetaData(),
        Column("id", String, primary_key=True, server_default=FetchedValue()),
        schema="users",
        autoload_with=engine,
    )


def user_without(engine: Engine, factor_type: str, provider: str) -> str:
    """A user who may enroll ``factor_type``/``provider`` and has not yet."""
    with engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT u.id FROM users.users u WHERE u.status = 'ACTIVE' AND NOT EXISTS ("
                    'SELECT 1 FROM users.factors f WHERE f."userId" = u.id AND f."factorType" = :t '
                    "AND f.provider = :p) ORDER BY u.id"
                ),
                {"t": factor_type, "p": provider},
            )
            .scalars()
            .all()
        )
    assert rows, f"no user left to enroll {factor_type}"
    return str(rows[0])


def test_insert_returning_enrolls(engine: Engine, emu: Emulator) -> None:
    user_id = user_without(engine, "sms", "OKTA")
    factors = reflect_factors(engine)
    assert [c.name for c in factors.primary_key] == ["id", "userId"]
    emu.log.clear()
    with engine.begin() as conn:
        row = conn.execute(
            insert(factors)
            .values(userId=user_id, factorType="sms", provider="OKTA", profile={"phoneNumber": "+15550001111"})
            .returning(factors.c.id, factors.c.status, factors.c.profile, factors.c.created)
        ).one()
    assert emu.log.count() == emu.log.count("POST", FACTORS_POST) == 1
    assert emu.log.entries[0].body["profile"] == {"phoneNumber": "+15550001111"}
    assert row.id and row.status in ("PENDING_ACTIVATION", "ACTIVE")
    assert row.profile == {"phoneNumber": "+15550001111"}
    assert isinstance(row.created, dt.datetime) and row.created.tzinfo is not None


def test_orm_add_commit_enrolls(engine: Engine, emu: Emulator) -> None:
    user_id = user_without(engine, "token:software:totp", "GOOGLE")
    emu.log.clear()
    with Session(engine) as session:
        factor = Factor(userId=user_id, factorType="token:software:totp", provider="GOOGLE")
        session.add(factor)
        session.commit()
        assert emu.log.count("POST", FACTORS_POST) == 1
        assert factor.id  # read back with INSERT ... RETURNING
        assert factor.status == "PENDING_ACTIVATION"
        assert isinstance(factor.created, dt.datetime)
        factor_id = factor.id
    with Session(engine) as session:
        again = session.get(Factor, (factor_id, user_id))
        assert again is not None and again.factorType == "token:software:totp"


def test_orm_delete_commit_unenrolls(engine: Engine, emu: Emulator) -> None:
    user_id = user_without(engine, "call", "OKTA")
    with Session(engine) as session:
        factor = Factor(userId=user_id, factorType="call", provider="OKTA", profile={"phoneNumber": "+15550002222"})
        session.add(factor)
        session.commit()
        factor_id = factor.id
        emu.log.clear()
        session.delete(factor)
        session.commit()
    assert emu.log.count("DELETE", rf"/api/v1/users/{user_id}/factors/{factor_id}") == 1
    with Session(engine) as session:
        assert session.get(Factor, (factor_id, user_id)) is None
        remaining = session.execute(select(Factor.id).filter_by(userId=user_id)).scalars().all()
        assert factor_id not in remaining


def test_core_delete(engine: Engine, emu: Emulator) -> None:
    user_id = user_without(engine, "email", "OKTA")
    factors = reflect_factors(engine)
    with engine.begin() as conn:
        factor_id = conn.execute(
            insert(factors)
            .values(userId=user_id, factorType="email", provider="OKTA", profile={"email": "x@example.com"})
            .returning(factors.c.id)
        ).scalar_one()
        result = conn.execute(delete(factors).where(factors.c.userId == user_id, factors.c.id == factor_id))
        assert result.rowcount == 1


def test_insert_rowcount_is_readable(engine: Engine, emu: Emulator) -> None:
    """SQLAlchemy closes the cursor of an INSERT without RETURNING before the caller reads rowcount."""
    user_id = user_without(engine, "call", "OKTA")
    factors = reflect_factors(engine)
    with engine.begin() as conn:
        result = conn.execute(
            insert(factors).values(
                userId=user_id, factorType="call", provider="OKTA", profile={"phoneNumber": "+15555550100"}
            )
        )
        assert result.rowcount == 1
    assert emu.log.count("POST", FACTORS_POST) >= 1


def test_dbapi_cursor_keeps_rowcount_after_close(engine: Engine) -> None:
    user_id = user_without(engine, "email", "OKTA")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "INSERT INTO okta.users.factors (userId, factorType, provider, profile) VALUES (?, 'email', 'OKTA', ?)",
            [user_id, '{"email": "rowcount@example.com"}'],
        )
        cursor.close()
        assert cursor.rowcount == 1
    finally:
        raw.close()


def test_update_is_refused_with_a_clear_error(engine: Engine) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    factors = Table("factors", MetaData(), schema="users", autoload_with=engine)
    with engine.connect() as conn, pytest.raises(DBAPIError, match="UPDATE is not supported"):
        conn.execute(update(factors).where(factors.c.id == "x").values(status="ACTIVE"))


def test_session_get_of_a_missing_factor_is_none(engine: Engine) -> None:
    user_id = user_without(engine, "question", "OKTA")
    with Session(engine) as session:
        assert session.get(Factor, {"userId": user_id, "id": "ostNoSuchFactor000001"}) is None
