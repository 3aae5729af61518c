"""The pacer against random rate-limit headers (garbage, 0, negative, past and future resets,
resets in milliseconds, answers out of order, concurrent-limit 429s), on a fake clock.

Whatever the headers say: the pacer never asks to wait for an answer while nothing is in flight
(that would be a deadlock), never asks to sleep longer than a window plus its margin, and once
every answer is in, the next request goes within one bounded sleep.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_clock import FakeClock
from hypothesis import example, given
from hypothesis import strategies as st

from okta_dbapi.http.pacing import RESET_HORIZON, Pacer

START = 1_700_000_000.0
MAX_SLEEP = RESET_HORIZON + 1.0  # the longest the pacer may ever ask to sleep at once
KEYS = ("/api/v1/users", "/api/v1/users*")


def header_value(kind: str, number: float) -> str | None:
    return {
        "missing": None,
        "garbage": "soon-ish",
        "empty": "",
        "zero": "0",
        "negative": f"-{abs(number):g}",
        "nan": "nan",
        "inf": "inf",
        "number": f"{abs(number):g}",
    }[kind]


KINDS = st.sampled_from(["missing", "garbage", "empty", "zero", "negative", "nan", "inf", "number"])


@st.composite
def answers(draw: st.DrawFn) -> tuple[int | None, dict[str, str]]:
    """An answer: its status (None: no answer at all) and headers relative to the current time."""
    status = draw(st.sampled_from([200, 200, 200, 429, 429, 503, None]))
    limit = header_value(draw(KINDS), draw(st.integers(0, 2000)))
    remaining = header_value(draw(KINDS), draw(st.integers(0, 2000)))
    reset_kind = draw(
        st.sampled_from(["missing", "garbage", "zero", "negative", "past", "soon", "window", "far", "ms", "nan"])
    )
    offset = draw(st.floats(0, 120, allow_nan=False))
    retry_after = draw(st.sampled_from([None, None, "0", "2", "abc", "1e9", "-3", "Wed, 21 Oct 2015 07:28:00 GMT"]))
    headers: dict[str, str] = {}
    for name, value in (("X-Rate-Limit-Limit", limit), ("X-Rate-Limit-Remaining", remaining)):
        if value is not None:
            headers[name] = value
    headers["X-Rate-Limit-Reset"] = {
        "missing": "",
        "garbage": "later",
        "zero": "0",
        "negative": "-60",
        "past": "@-",
        "soon": "@+",
        "window": "@+60",
        "far": "@+86400",
        "ms": "@ms",
        "nan": "nan",
    }[reset_kind]
    headers["offset"] = str(offset)
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return status, headers


def concrete(headers: dict[str, str], now: float) -> dict[str, str]:
    """Resolve the ``@`` placeholders against the clock at answer time."""
    out = {k: v for k, v in headers.items() if k != "offset" and v != ""}
    offset = float(headers["offset"])
    reset = out.get("X-Rate-Limit-Reset", "")
    if reset.startswith("@"):
        out["X-Rate-Limit-Reset"] = {
            "@-": f"{int(now - offset)}",
            "@+": f"{int(now + offset)}",
            "@+60": f"{int(now + 60)}",
            "@+86400": f"{int(now + 86400)}",
            "@ms": f"{int((now + offset) * 1000)}",
        }[reset]
    return out


@dataclass
class Step:
    send: bool
    key: int
    which: int  # which in-flight request answers (out of order)
    answer: tuple[int | None, dict[str, str]]
    elapse: float  # seconds that pass before the step


STEPS = st.builds(
    Step, st.booleans(), st.integers(0, 1), st.integers(0, 50), answers(), st.sampled_from([0.0, 0.0, 0.5, 30.0, 61.0])
)


def step(
    send: bool,
    status: int | None = 200,
    limit: str = "600",
    remaining: str = "10",
    reset: str = "@+60",
    elapse: float = 0,
) -> Step:
    headers = {"X-Rate-Limit-Limit": limit, "X-Rate-Limit-Remaining": remaining, "X-Rate-Limit-Reset": reset}
    return Step(send, 0, 0, (status, {**headers, "offset": "1"}), elapse)


# The hangs of issue 10: a Limit of 0 learnt from a concurrent 429 and from a success, then the
# window rolls over with nothing in flight; a concurrent 429 (Limit 75) in the middle of a fan-out.
LIMIT_ZERO = [
    step(True),
    step(False, 429, limit="0", remaining="0"),
    step(True),
    step(False, 200, limit="0", remaining="0", reset="@+"),
    step(True, elapse=61),
    step(True),
]
CONCURRENT_MID_FAN_OUT = (
    [step(True), step(False, remaining="199")]
    + [step(True)] * 6
    + [
        step(False, 429, limit="75", remaining="0"),
        step(True),
        step(False, remaining="150"),
        step(True),
    ]
)


def send(pacer: Pacer, clock: FakeClock, key: str, in_flight: list[str]) -> bool:
    """Ask to send once (sleeping as told); True when sent, False when told to wait for an answer."""
    for _ in range(3):
        decision = pacer.try_acquire(key)
        if decision == 0.0:
            in_flight.append(key)
            return True
        if decision is None:
            assert in_flight, "told to wait for an answer while nothing is in flight: a deadlock"
            return False
        assert 0 < decision <= MAX_SLEEP, decision
        clock.sleep(decision)
    raise AssertionError(f"still not admitted after sleeping {clock.sleeps[-3:]}")


@given(st.lists(STEPS, max_size=60), st.integers(1, 8))
@example(LIMIT_ZERO, 8)
@example(CONCURRENT_MID_FAN_OUT, 8)
def test_no_header_sequence_deadlocks_or_waits_without_bound(steps: list[Step], concurrency: int) -> None:
    clock = FakeClock(START)
    pacer = Pacer(clock=clock, sleep=clock.sleep, concurrency=concurrency)
    in_flight: list[str] = []
    for event in steps:
        clock.now += event.elapse
        if (event.send or not in_flight) and send(pacer, clock, KEYS[event.key], in_flight):
            continue
        key = in_flight.pop(event.which % len(in_flight))
        status, headers = event.answer
        pacer.release(key, None if status is None else concrete(headers, clock.now), status)
        assert pacer.cap >= 1
    # Every answer comes in (in order); then each family sends again within one bounded sleep.
    while in_flight:
        status, headers = steps[0].answer if steps else (200, {"offset": "0"})
        pacer.release(in_flight.pop(), None if status is None else concrete(headers, clock.now), status)
    assert pacer.in_flight == 0
    for key in KEYS:
        before = clock.now
        assert send(pacer, clock, key, in_flight)
        assert clock.now - before <= MAX_SLEEP
        pacer.release(in_flight.pop(), None)


@given(st.lists(answers(), min_size=1, max_size=30))
def test_every_429_says_what_to_do_within_the_horizon(sequence: list[tuple[int | None, dict[str, str]]]) -> None:
    clock = FakeClock(START)
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    in_flight: list[str] = []
    for _, headers in sequence:
        assert send(pacer, clock, "k", in_flight)  # nothing in flight: goes within one bounded sleep
        verdict = pacer.release(in_flight.pop(), concrete(headers, clock.now), 429)
        assert verdict is not None
        assert verdict.kind in ("resource", "concurrent", "unsure", "window", "implausible")
        assert 0 <= verdict.until - clock.now <= RESET_HORIZON
