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
