"""One emulator org per test module, its oracle, and a driver connection to it (no latency)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from diff_world import SEED, USERS, Pools, load_oracle, setup_org

import okta_dbapi
from okta_dbapi.emulator import Emulator


class World:
    """The org, a driver connection to it, the oracle and the generator's pools (not a dataclass:
    hypothesis would print every field of a failing example)."""

    def __init__(self, emu: Emulator, conn: okta_dbapi.Connection, oracle: sqlite3.Connection, pools: Pools) -> None:
        self.emu, self.conn, self.oracle, self.pools = emu, conn, oracle, pools

    def __repr__(self) -> str:  # hypothesis prints its arguments: keep the report short
        return f"<World {self.emu!r}>"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Emulator(users=USERS, seed=SEED) as emu:
        setup_org(emu)
        oracle, pools = load_oracle(emu.org)
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token)
        try:
            yield World(emu, conn, oracle, pools)
        finally:
            conn.close()
            oracle.close()
