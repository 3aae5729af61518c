"""Core SELECTs compiled by the dialect and run by the driver against the emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, Table, and_, func, select, text
from sqlalchemy.engine import Connection, Engine

from okta_dbapi.emulator import Emulator

FACTORS_LIST = r"/api/v1/users/[^/]+/factors"


@pytest.fixture(scope="module")
def tables(engine: Engine) -> tuple[Table, Table]:
    metadata = MetaData()
    return (
        Table("factors", metadata, schema="users", autoload_with=engine),
        Table("users", metadata, schema="users", autoload_with=engine),
    )


@pytest.fixture(scope="module")
def all_factors(engine: Engine, tables: tuple[Table, Table]) -> list[dict[str, object]]:
    """Every factor of the org, fetched once: the reference the other queries are checked against."""
    factors, _ = tables
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(factors))]


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


def test_full_scan_types(all_factors: list[dict[str, object]], emu: Emulator) -> None:
    assert len(all_factors) > 30
    row = all_factors[0]
    assert isinstance(row["created"], dt.datetime) and row["created"].tzinfo is not None
    assert isinstance(row["profile"], dict)
    assert isinstance(row["_links"], dict)
    assert isinstance(row["factorType"], str)


def test_filter_on_user_is_one_request(
    conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]], log: Emulator
) -> None:
    factors, _ = tables
    user_id = all_factors[0]["userId"]
    rows = conn.execute(
        select(factors.c.id, factors.c.factorType).where(factors.c.userId == user_id).order_by(factors.c.id)
    ).all()
    expected = sorted((f["id"], f["factorType"]) for f in all_factors if f["userId"] == user_id)
    assert [tuple(r) for r in rows] == expected
    assert log.log.count() == 1
    assert log.log.count("GET", f"/api/v1/users/{user_id}/factors") == 1


def test_in_list_of_users(
    conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]], log: Emulator
) -> None:
    factors, _ = tables
    user_ids = sorted({str(f["userId"]) for f in all_factors})[:3]
    rows = conn.execute(select(factors.c.id).where(factors.c.userId.in_(user_ids))).scalars().all()
    assert sorted(rows) == sorted(str(f["id"]) for f in all_factors if f["userId"] in user_ids)
    assert log.log.count(path=FACTORS_LIST) == 3
    assert log.log.count() == 3


def test_mixed_case_filter_and_order(
    conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]
) -> None:
    factors, _ = tables
    rows = conn.execute(
        select(factors.c.id, factors.c.lastUpdated)
        .where(factors.c.factorType == "sms")
        .order_by(factors.c.lastUpdated.desc(), factors.c.id)
    ).all()
    expected = sorted(
        ((f["id"], f["lastUpdated"]) for f in all_factors if f["factorType"] == "sms"),
        key=lambda r: (-r[1].timestamp(), r[0]),  # type: ignore[union-attr]
    )
    assert [tuple(r) for r in rows] == expected
    assert rows


def test_aggregate(conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]) -> None:
    factors, _ = tables
    n = func.count().label("n")
    rows = conn.execute(select(factors.c.factorType, n).group_by(factors.c.factorType).order_by(factors.c.factorType))
    expected: dict[object, int] = {}
    for f in all_factors:
        expected[f["factorType"]] = expected.get(f["factorType"], 0) + 1
    assert dict(rows.all()) == expected  # type: ignore[arg-type]


def test_limit_offset(conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]) -> None:
    factors, _ = tables
    ids = sorted(str(f["id"]) for f in all_factors)
    page = conn.execute(select(factors.c.id).order_by(factors.c.id).limit(5).offset(3)).scalars().all()
    assert page == ids[3:8]
    tail = conn.execute(select(factors.c.id).order_by(factors.c.id).offset(len(ids) - 2)).scalars().all()
    assert tail == ids[-2:]


def test_users_limit_is_bounded(conn: Connection, tables: tuple[Table, Table], log: Emulator) -> None:
    _, users = tables
    assert len(conn.execute(select(users.c.id).limit(2)).all()) == 2
    assert log.log.count() == 1


def test_join_users_to_factors(
    conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]
) -> None:
    factors, users = tables
    login = users.c.profile["login"].as_string().label("login")
    stmt = (
        select(login, factors.c.factorType)
        .select_from(users.join(factors, factors.c.userId == users.c.id))
        .where(and_(users.c.status == "ACTIVE", factors.c.factorType == "sms"))
    )
    rows = conn.execute(stmt).all()
    assert rows
    assert all(r.factorType == "sms" and "@" in r.login for r in rows)


def test_json_comparison(conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]) -> None:
    factors, _ = tables
    sms = next(f for f in all_factors if f["factorType"] == "sms")
    phone = sms["profile"]["phoneNumber"]  # type: ignore[index]
    stmt = select(factors.c.id, factors.c.profile, factors.c.profile["phoneNumber"].label("phone")).where(
        factors.c.profile["phoneNumber"].as_string() == phone
    )
    rows = conn.execute(stmt).all()
    assert [r.id for r in rows] == [sms["id"]]
    assert rows[0].profile == sms["profile"]  # a dict, not JSON text
    assert rows[0].phone == phone  # JSON_QUOTE(...) text decoded back to the string


def test_datetime_parameter(
    conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]
) -> None:
    factors, _ = tables
    stamps = sorted(f["created"] for f in all_factors)  # type: ignore[type-var]
    cutoff = stamps[len(stamps) // 2]
    rows = conn.execute(select(factors.c.id).where(factors.c.created > cutoff)).scalars().all()
    assert sorted(rows) == sorted(str(f["id"]) for f in all_factors if f["created"] > cutoff)  # type: ignore[operator]


def test_subquery(conn: Connection, tables: tuple[Table, Table], all_factors: list[dict[str, object]]) -> None:
    factors, _ = tables
    per_user = select(factors.c.userId, func.count().label("n")).group_by(factors.c.userId).subquery()
    rows = conn.execute(select(func.max(per_user.c.n))).scalar()
    counts: dict[object, int] = {}
    for f in all_factors:
        counts[f["userId"]] = counts.get(f["userId"], 0) + 1
    assert rows == max(counts.values())


def test_text_with_named_parameters(conn: Connection, all_factors: list[dict[str, object]], log: Emulator) -> None:
    user_id = all_factors[0]["userId"]
    rows = conn.execute(
        text('SELECT "factorType", "lastUpdated" FROM okta.users.factors WHERE "userId" = :uid'), {"uid": user_id}
    ).all()
    assert len(rows) == sum(1 for f in all_factors if f["userId"] == user_id)
    assert log.log.count() == 1


def test_virtual_table_subquery(conn: Connection, all_factors: list[dict[str, object]]) -> None:
    """What Superset runs for a dataset made from a SQL Lab query: the table sits in a subquery."""
    sql = 'SELECT "factorType", COUNT(*) AS n FROM (SELECT * FROM users.factors) AS virtual_table GROUP BY "factorType"'
    assert sum(n for _, n in conn.execute(text(sql))) == len(all_factors)
