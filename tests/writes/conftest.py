"""Fixtures for the write tests: a small fresh emulator org per test, and users with known factors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from writes_helpers import NewUser

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.validation import SpecValidator

_logins = itertools.count()


@pytest.fixture
def emu(spec_validator: SpecValidator) -> Iterator[Emulator]:
    """A fresh org that checks every request and response against Okta's spec."""
    e = Emulator(users=4, seed=5)
    e.validator = spec_validator
    with e:
        yield e
        assert e.log.violations == [], "a request (or response) that Okta's spec rejects"


@pytest.fixture
def db(emu: Emulator) -> Iterator[okta_dbapi.Connection]:
    connection = okta_dbapi.connect(org_url=emu.url, token=emu.token)
    yield connection
    if not connection.closed:
        connection.close()


@pytest.fixture
def new_user(emu: Emulator) -> NewUser:
    """``new_user([{"factorType": "sms", "profile": {...}}], status="ACTIVE", department="x")`` -> user id."""

    def make(factors: list[dict[str, Any]] | None = None, status: str = "ACTIVE", **profile: Any) -> str:
        n = next(_logins)
        user = emu.org.add_user({"login": f"writer{n}@example.com", **profile}, status=status, factors=factors or [])
        return str(user["id"])

    return make
