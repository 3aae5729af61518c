"""Shared fixtures: an emulator org over real HTTP, and connections to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.validation import SpecValidator

# Property tests are seeded in CI (the same examples every run); OKTA_DBAPI_HYPOTHESIS_EXAMPLES=N runs
# N random examples per property instead, for longer hunts on a workstation.
settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long",
    deadline=None,
    max_examples=int(os.environ.get("OKTA_DBAPI_HYPOTHESIS_EXAMPLES") or 1000),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("long" if os.environ.get("OKTA_DBAPI_HYPOTHESIS_EXAMPLES") else "ci")


@pytest.fixture(scope="session", autouse=True)
def temporary_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """HOME is an empty temporary directory for the whole run: tests never write into the real home
    (okta-sql's history file) nor read a developer's ~/.okta/okta.yaml. Subprocesses inherit it."""
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(home))
    patch.setenv("USERPROFILE", str(home))
    yield home
    patch.undo()


@pytest.fixture(scope="session")
def spec_validator() -> SpecValidator:
    """One validator for the session: loading the spec is the slow part of ``validate=True``."""
    return SpecValidator()


@pytest.fixture(scope="session")
def org() -> Iterator[Emulator]:
    """A read-mostly org shared by the read tests: never mutate it (use ``fresh_org``).

    It validates every request the driver sends, and every response, against Okta's spec.
    """
    with Emulator(users=40, seed=7, validate=True) as emu:
        yield emu


@pytest.fixture
def fresh_org() -> Iterator[Emulator]:
    with Emulator(users=12, seed=11) as emu:
        yield emu


@pytest.fixture
def conn(org: Emulator) -> Iterator[okta_dbapi.Connection]:
    org.log.clear()
    connection = okta_dbapi.connect(org_url=org.url, token=org.token)
    yield connection
    if not connection.closed:
        connection.close()
    assert org.log.violations == [], "the driver sent a request (or got a response) that Okta's spec rejects"
