"""Fixtures for the emulator tests: a fresh small org per test, traffic checked against the spec."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emu_helpers import Api

from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.validation import SpecValidator


@pytest.fixture
def emu(spec_validator: SpecValidator) -> Iterator[Emulator]:
    """A 40-user org whose every response is validated against the spec (see teardown)."""
    e = Emulator(users=40, seed=7)
    e.validator = spec_validator  # same as validate=True, without re-loading the spec per test
    with e:
        yield e
    bad = [v for v in e.log.violations if v.startswith("response")]
    assert bad == [], "emulator responses violate the spec:\n" + "\n".join(bad)


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)
