"""Fixtures of the client's unit tests: requests-mock in place of Okta, and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests_mock
from fake_clock import FakeClock


@pytest.fixture
def mock() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker(case_sensitive=True) as m:
        yield m


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
