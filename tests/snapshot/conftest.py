"""Fixtures for the snapshot tests: a fresh small org per test (every request and response checked
against Okta's specs), a snapshot file in a temporary directory, and the org's truth to compare with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.validation import SpecValidator


@pytest.fixture
def emu(spec_validator: SpecValidator) -> Iterator[Emulator]:
    e = Emulator(users=15, seed=11)
    e.validator = spec_validator
    with e:
        yield e
    assert e.log.violations == [], "a request or response broke Okta's spec:\n" + "\n".join(e.log.violations)


@pytest.fixture
def snap_path(tmp_path: Path) -> Path:
    return tmp_path / "okta.sqlite3"


@pytest.fixture
def connect(emu: Emulator, snap_path: Path) -> Iterator[object]:
    opened: list[okta_dbapi.Connection] = []

    def make(**options: object) -> okta_dbapi.Connection:
        options.setdefault("snapshot", str(snap_path))
        conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, **options)  # type: ignore[arg-type]
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        if not conn.closed:
            conn.close()
