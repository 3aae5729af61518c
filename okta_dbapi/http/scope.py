"""The lifetime of a statement's requests: a deadline, and cancellation from any thread.

The client has a root :class:`Scope`, cancelled when it is closed; each statement runs in a
child scope (with ``statement_timeout`` as its deadline), which ``cursor.close()`` cancels; each
fan-out runs in a grandchild, cancelled when the fan-out is abandoned (an error, Ctrl-C, a
LIMIT reached). Cancelling a scope cancels its children. Every wait in the client (the pacer,
retry backoffs, a fan-out waiting for its calls) is bounded by the deadline and woken by a
cancellation, and every step checks :meth:`Scope.check` first, so abandoned calls stop at
their next step instead of finishing their retries.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future

from okta_dbapi.exceptions import OperationalError


class Scope:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float | None = None,
        parent: Scope | None = None,
    ) -> None:
        self.clock = clock
        self.timeout = timeout
        self.deadline: float | None = None if timeout is None else clock() + timeout
        inherited = parent.deadline if parent is not None else None
        if parent is not None and inherited is not None and (self.deadline is None or inherited < self.deadline):
            self.deadline, self.timeout = inherited, parent.timeout
        self.reason: str | None = None
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._children: weakref.WeakSet[Scope] = weakref.WeakSet()
        self._listeners: list[Callable[[], None]] = []
        self._waker: Future[None] | None = None
        if parent is not None:
            parent._adopt(self)

    def child(self, timeout: float | None = None) -> Scope:
        return Scope(clock=self.clock, timeout=timeout, parent=self)

    def _adopt(self, child: Scope) -> None:
        with self._lock:
            if not self._event.is_set():
                self._children.add(child)
                return
        child.cancel(self.reason or "cancelled")

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self, reason: str = "the statement was cancelled") -> None:
        """Cancel (idempotent, any thread): waiters wake and every later step raises."""
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            children = list(self._children)
            listeners = list(self._listeners)
            waker = self._waker
        if waker is not None and not waker.done():
            waker.set_result(None)
        for listener in listeners:
            listener()
        for child in children:
            child.cancel(reason)

    def on_cancel(self, listener: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._listeners.append(listener)
                return
        listener()

    def waker(self) -> Future[None]:
        """A future that completes on cancellation (to wait for it together with others)."""
        with self._lock:
            if self._waker is None:
                self._waker = Future()
                if self._event.is_set():
                    self._waker.set_result(None)
            return self._waker

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline; may be negative)."""
        return None if self.deadline is None else self.deadline - self.clock()

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def check(self) -> None:
        """Raise OperationalError if cancelled or past the deadline."""
        if self._event.is_set():
            raise OperationalError(f"{self.reason}; no further requests were sent.")
        if self.expired():
            raise OperationalError(
                f"The statement did not finish within statement_timeout={self.timeout:g} s; it was "
                "stopped and no further requests were sent. Raise the statement_timeout option, or "
                "narrow the query (e.g. WHERE userId = ...) so that it needs fewer calls."
            )

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, bounded by the deadline, woken early by a cancellation."""
        left = self.remaining()
        if left is not None:
            seconds = min(seconds, max(left, 0.0))
        if seconds > 0:
            self._event.wait(seconds)
        self.check()


__all__ = ["Scope"]
