"""ReadAhead: exactly one item ahead of the consumer, errors passed through, and close() neither
waits for the item in flight nor leaves the source unclosed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from okta_dbapi.exceptions import OperationalError
from okta_dbapi.http.readahead import ReadAhead


class Source:
    """A generator that records which items were asked for and whether it was closed."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.asked: list[int] = []
        self.closed = False
        self.closed_event = threading.Event()
        self.threads: set[str] = set()
        self.asked_for = {i: threading.Event() for i in range(n)}
        self.gen = self._run(n, fail_at)

    def _run(self, n: int, fail_at: int | None) -> Iterator[int]:
        try:
            for i in range(n):
                self.asked.append(i)
                self.asked_for[i].set()
                self.threads.add(threading.current_thread().name)
                if i == fail_at:
                    raise OperationalError(f"page {i} failed")
                yield i
        finally:
            self.closed = True
            self.closed_event.set()


def test_yields_everything_in_order_and_reads_on_another_thread() -> None:
    src = Source(5)
    assert list(ReadAhead(src.gen)) == [0, 1, 2, 3, 4]
    assert src.closed
    assert src.threads and threading.current_thread().name not in src.threads


def test_exactly_one_item_ahead_of_the_consumer() -> None:
    src = Source(10)
    ahead = ReadAhead(src.gen)
    assert next(ahead) == 0
    assert next(ahead) == 1
    assert src.asked_for[2].wait(10)  # asked for as soon as item 1 was handed out
    assert not src.asked_for[3].wait(0.2)  # and nothing beyond it
    ahead.close()
    assert src.closed_event.wait(10)
    assert src.asked == [0, 1, 2]


def test_close_before_anything_is_read_waits_for_the_first_item_and_closes_the_source() -> None:
    src = Source(10)
    ahead = ReadAhead(src.gen)
    ahead.close()
    ahead.close()  # idempotent
    assert src.closed_event.wait(10)
    assert src.asked in ([], [0])
    with pytest.raises(StopIteration):
        next(ahead)


def test_an_error_reaches_the_consumer_at_its_position() -> None:
    src = Source(10, fail_at=2)
    ahead = ReadAhead(src.gen)
    assert [next(ahead), next(ahead)] == [0, 1]
    with pytest.raises(OperationalError, match="page 2 failed"):
        next(ahead)
    assert src.closed
    with pytest.raises(StopIteration):
        next(ahead)


def test_close_does_not_wait_for_the_item_in_flight() -> None:
    release = threading.Event()

    def slow() -> Iterator[int]:
        yield 0
        release.wait(10)
        yield 1

    gen = slow()
    ahead = ReadAhead(gen)
    assert next(ahead) == 0  # item 1 is now being read, and blocks
    ahead.close()  # returns while it is still blocked
    assert not release.is_set()
    release.set()


def test_context_manager_closes() -> None:
    src = Source(10)
    with ReadAhead(src.gen) as ahead:
        assert next(ahead) == 0
    assert src.closed_event.wait(10)
    assert src.asked in ([0], [0, 1])  # item 1 was cancelled before it started, or ran and was dropped
