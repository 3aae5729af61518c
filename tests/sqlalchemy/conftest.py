"""Fixtures for the SQLAlchemy tests: an emulator org per module, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from okta_dbapi.emulator import Emulator

SUBDOMAIN = "sqla-test"


def engine_url(emu: Emulator, token: str | None = None, **options: str) -> str:
    query = "".join(f"&{k}={v}" for k, v in options.items())
    return f"okta://:{token or emu.token}@127.0.0.1:{emu.port}/?scheme=http&subdomain={SUBDOMAIN}{query}"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A read-only org for the module: tests must not write to it (see test_orm_writes)."""
    with Emulator(users=30, seed=5) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def engine(emu: Emulator) -> Iterator[Engine]:
    eng = create_engine(engine_url(emu))
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def url_for(emu: Emulator) -> Callable[..., str]:
    """``url_for(token=None, **options)``: an engine URL for the module's emulator."""

    def make(token: str | None = None, **options: str) -> str:
        return engine_url(emu, token, **options)

    return make


@pytest.fixture
def log(emu: Emulator) -> Emulator:
    """The emulator with a cleared request log, to count the requests a test makes."""
    emu.log.clear()
    return emu
