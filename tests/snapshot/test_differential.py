"""The same answer with and without a snapshot: random changes made elsewhere, interleaved with
refreshes, then a set of queries run through the snapshot and straight against Okta (and the
whole tables against the org's own state)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from snap_helpers import rows, snapshot_factors, snapshot_users, truth_factors, truth_users

import okta_dbapi
from okta_dbapi.emulator import Emulator

EXAMPLES = int(os.environ.get("OKTA_DBAPI_HYPOTHESIS_EXAMPLES") or 15)

#: Queries whose live answer follows the same table rule (no DEPROVISIONED user slips in or out).
LIVE_QUERIES = (
    "SELECT f.factorType, f.status, count(*) FROM okta.users.factors f JOIN okta.users.users u ON u.id = f.userId "
    "WHERE u.status <> 'DEPROVISIONED' GROUP BY 1, 2 ORDER BY 1, 2",
    "SELECT u.id FROM okta.users.users u WHERE u.status = 'ACTIVE' AND NOT EXISTS "
    "(SELECT 1 FROM okta.users.factors f WHERE f.userId = u.id AND f.status = 'ACTIVE') ORDER BY 1",
    "SELECT id, status, lastUpdated FROM okta.users.users WHERE status = 'ACTIVE' ORDER BY id",
    "SELECT id, status FROM okta.users.users WHERE status = 'DEPROVISIONED' ORDER BY id",
    "SELECT userId, id, factorType, status, profile FROM okta.users.factors WHERE factorType IN ('sms', 'email') "
    "AND userId IN (SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED') ORDER BY userId, id",
)

OPS = ("enroll", "activate", "unenroll", "reset", "suspend", "deactivate", "delete", "add", "profile", "refresh")


def _apply(emu: Emulator, op: str, pick: int, serial: int) -> None:
    org = emu.org
    ids = org.user_ids()
    uid = ids[pick % len(ids)]
    factors = org.factors(uid)
    if op == "enroll" and not any(f["factorType"] == "email" for f in factors):
        status = "PENDING_ACTIVATION" if pick % 2 else "ACTIVE"
        org.add_factor(
            uid,
            {
                "factorType": "email",
                "provider": "OKTA",
                "status": status,
                "profile": {"email": f"e{serial}@example.com"},
            },
        )
    elif op == "activate":
        pending = [f for f in factors if f["status"] == "PENDING_ACTIVATION"]
        if pending:
            org.activate_factor(uid, pending[0]["id"])
    elif op == "unenroll" and factors:
        org.unenroll_factor(uid, factors[pick % len(factors)]["id"])
    elif op == "reset":
        org.reset_factors(uid)
    elif op == "suspend":
        active = [f for f in factors if f["status"] == "ACTIVE"]
        if active:
            org.suspend_factor(uid, active[0]["id"])
    elif op == "deactivate" and org.user(uid)["status"] != "DEPROVISIONED":  # type: ignore[index]
        org.deactivate_user(uid)
    elif op == "delete" and len(ids) > 3:
        org.delete_user(uid)
    elif op == "add":
        org.add_user(
            {"login": f"added{serial}@example.com", "firstName": "Added"},
            factors=[{"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15550000000"}}],
        )
    elif op == "profile":
        org.update_profile(uid, title=f"Title {serial}")


def _answers(conn: okta_dbapi.Connection) -> list[list[tuple[Any, ...]]]:
    return [rows(conn, sql) for sql in LIVE_QUERIES]


@settings(max_examples=EXAMPLES, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 1000)), min_size=1, max_size=12))
def test_same_answer_with_and_without_the_snapshot(steps: list[tuple[str, int]]) -> None:
    with Emulator(users=10, seed=23) as emu, tempfile.TemporaryDirectory() as tmp:
        snap = okta_dbapi.connect(org_url=emu.url, token=emu.token, snapshot=str(Path(tmp) / "s.db"), max_age=0)
        live = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        snapshot_factors(snap)
        for serial, (op, pick) in enumerate(steps):
            if op == "refresh":
                rows(snap, "SELECT count(*) FROM okta.users.factors")
            else:
                _apply(emu, op, pick, serial)
        assert snapshot_factors(snap) == truth_factors(emu)
        assert snapshot_users(snap) == truth_users(emu)
        assert _answers(snap) == _answers(live)
        snap.close()
        live.close()


FACTOR_TYPES = ("sms", "email", "push", "token:software:totp", "question", "call", "webauthn")
FACTOR_STATUSES = ("ACTIVE", "PENDING_ACTIVATION", "INACTIVE")
USER_STATUSES = ("ACTIVE", "STAGED", "PROVISIONED", "SUSPENDED", "LOCKED_OUT", "PASSWORD_EXPIRED", "RECOVERY")


@st.composite
def factor_queries(draw: st.DrawFn) -> str:
    """Reads of factors joined to users, left to the table rule's common ground (no DEPROVISIONED)."""
    conds = ["u.status <> 'DEPROVISIONED'"]
    if draw(st.booleans()):
        types = draw(st.lists(st.sampled_from(FACTOR_TYPES), min_size=1, max_size=3, unique=True))
        conds.append("f.factorType IN (" + ", ".join(f"'{t}'" for t in types) + ")")
    if draw(st.booleans()):
        conds.append(f"f.status = '{draw(st.sampled_from(FACTOR_STATUSES))}'")
    if draw(st.booleans()):
        conds.append(f"u.status = '{draw(st.sampled_from(USER_STATUSES))}'")
    if draw(st.booleans()):
        conds.append("f.profile ->> 'phoneNumber' IS NOT NULL")
    where = " AND ".join(conds)
    join = "FROM okta.users.factors f JOIN okta.users.users u ON u.id = f.userId"
    shape = draw(st.sampled_from(("rows", "count", "exists")))
    if shape == "rows":
        return f"SELECT f.userId, f.id, f.factorType, f.status, u.status {join} WHERE {where} ORDER BY 1, 2"
    if shape == "count":
        return f"SELECT f.factorType, count(*) {join} WHERE {where} GROUP BY 1 ORDER BY 1"
    status = draw(st.sampled_from(FACTOR_STATUSES))
    return (
        "SELECT u.id FROM okta.users.users u WHERE u.status <> 'DEPROVISIONED' AND NOT EXISTS (SELECT 1 FROM "
        f"okta.users.factors f WHERE f.userId = u.id AND f.status = '{status}') ORDER BY 1"
    )


user_queries = st.sampled_from((*USER_STATUSES, "DEPROVISIONED")).map(
    lambda s: f"SELECT id, status, lastUpdated FROM okta.users.users WHERE status = '{s}' ORDER BY id"
)


def test_random_queries_give_the_same_rows() -> None:
    # 30 users: user 27 is always DEPROVISIONED, so the table rule is exercised
    with Emulator(users=30, seed=29) as emu, tempfile.TemporaryDirectory() as tmp:
        snap = okta_dbapi.connect(org_url=emu.url, token=emu.token, snapshot=str(Path(tmp) / "s.db"), max_age=3600)
        live = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        snapshot_factors(snap)
        for serial, op in enumerate(("unenroll", "reset", "suspend", "deactivate", "delete", "add", "enroll")):
            _apply(emu, op, serial * 5 + 1, serial)
        rows(snap, "REFRESH okta.users.factors")
        keyed = emu.org.user_ids(include_deprovisioned=False)[0]
        assert rows(snap, "SELECT id, status FROM okta.users.factors WHERE userId = ? ORDER BY id", [keyed]) == rows(
            live, "SELECT id, status FROM okta.users.factors WHERE userId = ? ORDER BY id", [keyed]
        )

        @settings(max_examples=EXAMPLES * 2, deadline=None)
        @given(sql=st.one_of(factor_queries(), user_queries))
        def same(sql: str) -> None:
            emu.log.clear()
            got = rows(snap, sql)
            assert len(emu.log.entries) == 0  # answered by the snapshot
            assert got == rows(live, sql), sql

        same()
        snap.close()
        live.close()
