"""ORM reads: session.query / select with filter_by, session.get by primary key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqla_models import Factor
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from okta_dbapi.emulator import Emulator


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


@pytest.fixture(scope="module")
def some_factor(engine: Engine) -> tuple[str, str, str]:
    with Session(engine) as s:
        factor = s.execute(select(Factor).where(Factor.factorType == "sms").limit(1)).scalar_one()
        return factor.userId, factor.id, factor.factorType


def test_query_filter_by_user_is_one_request(
    session: Session, some_factor: tuple[str, str, str], log: Emulator
) -> None:
    user_id, factor_id, _ = some_factor
    factors = session.query(Factor).filter_by(userId=user_id).order_by(Factor.id).all()
    assert factor_id in [f.id for f in factors]
    assert all(isinstance(f.created, dt.datetime) and f.created.tzinfo for f in factors)
    assert log.log.count() == 1


def test_select_filter_by(session: Session) -> None:
    factors = session.execute(select(Factor).filter_by(factorType="sms", status="ACTIVE")).scalars().all()
    assert factors
    assert all(f.factorType == "sms" and f.status == "ACTIVE" for f in factors)
    assert all(isinstance(f.profile, dict) and f.profile.get("phoneNumber") for f in factors)


def test_get_by_primary_key_is_one_request(session: Session, some_factor: tuple[str, str, str], log: Emulator) -> None:
    user_id, factor_id, factor_type = some_factor
    factor = session.get(Factor, (factor_id, user_id))
    assert factor is not None and factor.factorType == factor_type
    assert log.log.count() == 1
    assert log.log.count("GET", f"/api/v1/users/{user_id}/factors/{factor_id}") == 1


def test_get_by_a_dict_of_key_columns(session: Session, some_factor: tuple[str, str, str], log: Emulator) -> None:
    """The documented form: it names the columns, so it does not depend on the key's order."""
    user_id, factor_id, _ = some_factor
    factor = session.get(Factor, {"userId": user_id, "id": factor_id})
    assert factor is not None and (factor.id, factor.userId) == (factor_id, user_id)
    assert log.log.count("GET", f"/api/v1/users/{user_id}/factors/{factor_id}") == 1


def test_a_model_generated_from_reflection_has_the_same_key_order(
    engine: Engine, some_factor: tuple[str, str, str], log: Emulator
) -> None:
    """What sqlacodegen writes: one attribute per reflected column, in order, primary_key=True on key
    columns. Its key order, the reflected Table's and the hand-written model's are one order."""
    from sqlalchemy import Column, MetaData, Table, inspect
    from sqlalchemy.orm import declarative_base

    user_id, factor_id, factor_type = some_factor
    insp = inspect(engine)
    key = insp.get_pk_constraint("factors", schema="users")["constrained_columns"]
    attributes: dict[str, object] = {"__tablename__": "factors", "__table_args__": {"schema": "users"}}
    for col in insp.get_columns("factors", schema="users"):
        attributes[col["name"]] = Column(col["type"], primary_key=col["name"] in key)
    generated = type("Factors", (declarative_base(),), attributes)
    reflected = Table("factors", MetaData(), schema="users", autoload_with=engine)
    order = [c.name for c in inspect(generated).primary_key]
    assert order == [c.name for c in reflected.primary_key] == [c.name for c in inspect(Factor).primary_key]
    with Session(engine) as session:
        found = session.get(generated, (factor_id, user_id))
        assert found is not None and found.factorType == factor_type  # type: ignore[attr-defined]


def test_get_of_a_missing_key_is_none(session: Session, some_factor: tuple[str, str, str], log: Emulator) -> None:
    user_id, _, _ = some_factor
    assert session.get(Factor, {"userId": user_id, "id": "mblNOSUCHFACTOR00000"}) is None
    assert session.get(Factor, {"userId": "00uNOSUCHUSER0000000", "id": "mblNOSUCHFACTOR00000"}) is None
    assert log.log.count() == 2


def test_orm_aggregate(session: Session) -> None:
    counts = dict(session.query(Factor.factorType, func.count()).group_by(Factor.factorType).all())
    assert counts.get("sms", 0) > 0
    assert sum(counts.values()) == session.query(Factor).count()
