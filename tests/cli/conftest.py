"""Fixtures for okta-sql tests: an emulated org over real HTTP and a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def emu() -> Iterator[Any]:
    from okta_dbapi.emulator import Emulator

    # validate=True: every request okta-sql makes (through the driver) is checked against the spec.
    with Emulator(users=30, seed=1, latency=0.0, validate=True) as emulator:
        yield emulator
        assert emulator.log.violations == [], "a request or response that Okta's spec rejects"


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No OKTA_CLIENT_* from the outside, no okta.yaml in reach (HOME and cwd are empty dirs)."""
    for name in list(os.environ):
        if name.startswith("OKTA_CLIENT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def org_env(emu: Any, clean_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of a user whose org is the emulator (as the Okta SDK conventions name it)."""
    monkeypatch.setenv("OKTA_CLIENT_ORGURL", emu.url)
    monkeypatch.setenv("OKTA_CLIENT_TOKEN", emu.token)
    return {**clean_env, "OKTA_CLIENT_ORGURL": emu.url, "OKTA_CLIENT_TOKEN": emu.token}
