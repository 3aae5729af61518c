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
    factor = session.get(Factor, (user_id, factor_id))
    assert factor is not None and factor.factorType == factor_type
    assert log.log.count() == 1
    assert log.log.count("GET", f"/api/v1/users/{user_id}/factors/{factor_id}") == 1


def test_orm_aggregate(session: Session) -> None:
    counts = dict(session.query(Factor.factorType, func.count()).group_by(Factor.factorType).all())
    assert counts.get("sms", 0) > 0
    assert sum(counts.values()) == session.query(Factor).count()
