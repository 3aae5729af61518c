"""Read one item ahead on a background thread: the next page is on the wire while the caller
still works through the current one, so a scan waits for the network about once, not once per page.

Exactly one request is ever ahead of the consumer; closing waits for that one (it cannot be
recalled once sent) and then closes the source, so nothing runs after ``close()`` returns.
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
        """Stop reading ahead: wait for the request in flight, if any, then close the source."""
        pending, self._pending = self._pending, None
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if pending is not None and not pending.cancel():
            # Already running: a request cannot be recalled, and the source (a generator) cannot be
            # closed while it runs on the other thread. Its result or error is not wanted.
            pending.exception()
        executor.shutdown(wait=True)
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ReadAhead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
