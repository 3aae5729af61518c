"""The read benchmark's contenders fetch every factor, and its completeness check catches a loss.
(No timing here: the benchmark measures; this only checks that what it compares is right.)"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from okta_dbapi.emulator import Emulator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import contenders


@pytest.fixture(scope="module")
def small_org() -> Iterator[Emulator]:
    with Emulator(users=12, seed=3) as emu:
        yield emu


def truth(org: Emulator) -> dict[str, list[str]]:
    return {u: sorted(f["id"] for f in org.org.factors(u)) for u in org.org.user_ids(include_deprovisioned=False)}


@pytest.mark.parametrize("name", ["okta-dbapi", "16 threads", "sequential"])
def test_contender_gets_every_factor_with_one_call_per_user(small_org: Emulator, name: str) -> None:
    expected = truth(small_org)
    assert sum(map(len, expected.values())) > 0
    small_org.log.clear()
    run = contenders.FAN_OUT[name](small_org.url, small_org.token)
    assert run.complete(expected)
    assert small_org.log.count("GET", r"/api/v1/users/[^/]+/factors") == len(expected)


def test_completeness_catches_a_lost_call_and_a_missing_factor(small_org: Emulator) -> None:
    expected = truth(small_org)
    user = next(u for u, ids in expected.items() if ids)
    lost = contenders.Run(1.0, {**expected, user: None})
    short = contenders.Run(1.0, {**expected, user: expected[user][1:]})
    extra = contenders.Run(1.0, {**expected, user: [*expected[user], "xyz"]})
    assert contenders.Run(1.0, dict(expected)).complete(expected)
    assert not lost.complete(expected) and lost.lost() == 1
    assert not short.complete(expected)
    assert not extra.complete(expected)
