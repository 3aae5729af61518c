"""The differential test's world: a small emulator org, and an oracle built from its state.

The oracle is a plain in-memory SQLite database loaded straight from ``emu.org`` (no planner, no
HTTP, no driver code). It holds what the lead's table rule says each table holds:

- ``users``: EVERY user, DEPROVISIONED included, as ``GET /api/v1/users`` lists it (the collection
  form, whose ``_links`` carry only ``self``);
- ``factors``: the factors of every user, plus ``userId``;
- ``supported_factors`` / ``supported_security_questions``: the catalog of every user, plus ``userId``;
- a missing key is no row.

Push transactions are rows of ``factors`` that a query sees only when its WHERE binds
``transactionId = '...'`` (Okta has no way to list them); the oracle keeps them apart, in
``factors_tx`` (the factor rows plus one row per transaction), and a query that binds a
transaction id is run against it.

Values are stored as the driver stores them: timestamps in Okta's ISO text, objects as JSON text,
a missing key as NULL. Tables live in an attached schema called ``users``, so ``users.users`` and
bare ``users`` resolve as in the driver, and a CTE of the same name shadows the bare name only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from okta_dbapi import catalog
from okta_dbapi.emulator import Clock, Emulator, Org
from okta_dbapi.emulator.lifecycle import FactorApi

USERS = 36
SEED = 7
TX_TABLE = "factors_tx"


@dataclass
class Pools:
    """Values the query generator draws from, taken from the org after setup."""

    user_ids: list[str] = field(default_factory=list)
    deprovisioned_ids: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # user id -> status
    factors: list[tuple[str, str]] = field(default_factory=list)  # (userId, factorId)
    transactions: list[tuple[str, str, str]] = field(default_factory=list)  # (userId, factorId, txId)
    timestamps: list[str] = field(default_factory=list)  # Okta ISO text of real values


class FrozenClock(Clock):
    """The org's time stands at the issue's boundary instant, so the data is the same every day."""

    def now(self) -> float:
        return FROZEN_AT


FROZEN_AT = 1619380800.0  # 2021-04-25T20:00:00.000Z


def setup_org(emu: Emulator) -> None:
    """Make the org a little richer than the seed: a mixed-case login and resolved push transactions."""
    org = emu.org
    org.clock = FrozenClock()
    org.add_user(
        {"login": "Mixed.Case@Example.com", "firstName": "Mixed", "lastName": "Case"},
        factors=[{"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15550000001"}}],
    )
    api = FactorApi(org)
    outcomes = ("SUCCESS", "REJECTED", "TIMEOUT")
    made = 0
    for uid in org.user_ids():
        if org.user(uid)["status"] == "DEPROVISIONED":
            continue  # Okta refuses to verify a deactivated user's factor
        for f in org.factors(uid):
            if f["factorType"] != "push" or f["status"] != "ACTIVE" or made >= 3:
                continue
            _, body = api.verify(org.base_url, uid, f["id"], {})
            tid = body["_links"]["poll"]["href"].rsplit("/", 1)[1]
            org.set_push_outcome(uid, f["id"], outcomes[made % 3])
            api.transaction(org.base_url, uid, f["id"], tid)  # resolve it: later polls answer the same
            made += 1


def _storage(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json" or isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return value


def _insert(db: sqlite3.Connection, table: str, columns: tuple[catalog.Column, ...], item: dict[str, Any]) -> None:
    names = ", ".join(f'"{c.name}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    values = [_storage(c.kind, item.get(c.name)) for c in columns]
    db.execute(f"INSERT INTO users.{table} ({names}) VALUES ({marks})", values)


def _create(db: sqlite3.Connection, name: str, table: catalog.Table) -> None:
    # No declared types: no affinity, so text stays text and numbers stay numbers, as loaded.
    db.execute(f"CREATE TABLE users.{name} ({', '.join(chr(34) + c + chr(34) for c in table.column_names)})")


def load_oracle(org: Org) -> tuple[sqlite3.Connection, Pools]:
    """The oracle database and the generator's pools, straight from the org's state."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("ATTACH DATABASE ':memory:' AS users")
    for name, table in catalog.TABLES.items():
        _create(db, name, table)
    _create(db, TX_TABLE, catalog.FACTORS)
    api = FactorApi(org)
    base = org.base_url
    pools = Pools()
    with org.lock:
        for i in range(org.total_users):
            user = org.user_json(i, base, single=False)
            uid = user["id"]
            _insert(db, "users", catalog.USERS.columns, user)
            pools.user_ids.append(uid)
            pools.statuses[uid] = user["status"]
            pools.logins.append(user["profile"]["login"])
            if user["status"] == "DEPROVISIONED":
                pools.deprovisioned_ids.append(uid)
            pools.timestamps += [user[k] for k in ("created", "lastUpdated", "lastLogin") if user.get(k)]
            for f in org.factors(uid):
                for table in ("factors", TX_TABLE):
                    _insert(db, table, catalog.FACTORS.columns, {**f, "userId": uid})
                pools.factors.append((uid, f["id"]))
            for item in api.catalog(base, uid)[1]:
                _insert(db, "supported_factors", catalog.SUPPORTED_FACTORS.columns, {**item, "userId": uid})
            for item in api.questions(base, uid)[1]:
                _insert(
                    db,
                    "supported_security_questions",
                    catalog.SUPPORTED_SECURITY_QUESTIONS.columns,
                    {**item, "userId": uid},
                )
        for t in list(org.transactions.values()):
            uid = org.user_record(t.user_index)["id"]
            _, body = api.transaction(base, uid, t.factor_id, t.id)
            _insert(
                db, TX_TABLE, catalog.FACTORS.columns, {**body, "id": t.factor_id, "userId": uid, "transactionId": t.id}
            )
            pools.transactions.append((uid, t.factor_id, t.id))
    db.commit()
    return db, pools
