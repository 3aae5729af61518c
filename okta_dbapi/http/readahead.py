"""Read one item ahead on a background thread: the next page is on the wire while the caller
still works through the current one, so a scan waits for the network about once, not once per page.

Exactly one request is ever ahead of the consumer. Closing does not wait for it (a cancelled
statement must give the prompt back at once, as a cancelled fan-out does): a request not yet
started is cancelled; one already sent cannot be recalled, so its answer is dropped and the source
is closed as soon as it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()


class ReadAhead(Generic[T]):
    """An iterator over ``source`` that asks ``source`` for item n+1 as soon as it hands out item n."""

    def __init__(self, source: Iterator[T]) -> None:
        self._source = source
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="okta-dbapi-readahead"
        )
        self._pending: Future[object] | None = self._executor.submit(next, source, _END)

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        pending = self._pending
        if pending is None:
            raise StopIteration
        try:
            item = pending.result()
        except BaseException:
            self.close()
            raise
        if item is _END:
            self.close()
            raise StopIteration
        assert self._executor is not None
        self._pending = self._executor.submit(next, self._source, _END)
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop reading ahead, without waiting for a request already on the wire."""
        pending, self._pending = self._pending, None
        executor, self._executor = self._executor, None
        if executor is None:
            return
        executor.shutdown(wait=False)
        if pending is not None and not pending.cancel():
            # Running on the other thread, where the source (a generator) cannot be closed from
            # here: close it when that step ends (at once if it already has).
            pending.add_done_callback(lambda _: _close(self._source))
            return
        _close(self._source)

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close(source: object) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()
