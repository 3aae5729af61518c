"""The PEP 249 cursor."""

from __future__ import annotations

import functools
import reprlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from okta_dbapi.exceptions import Error, InterfaceError, NotSupportedError, ProgrammingError
from okta_dbapi.sql.result import DescriptionRow, Result

F = TypeVar("F", bound=Callable[..., Any])


def _check_operation(operation: Any) -> None:
    if not isinstance(operation, str):
        raise ProgrammingError(
            f"The statement must be SQL text (a str), not {type(operation).__name__}; e.g. "
            "cursor.execute('SELECT id FROM okta.users.users')."
        )


class Connection(Protocol):
    """What a cursor needs of its connection (the Connection class satisfies it, and any stand-in
    with these members does: the CLI's tests use one)."""

    @property
    def closed(self) -> bool: ...

    @property
    def settings(self) -> Any: ...

    def _run(self, operation: str, parameters: Any, progress: Any = None, scope: Any = None) -> Result: ...

    def _run_many(self, operation: str, seq_of_parameters: list[Any], progress: Any = None) -> Result: ...


def check_open(method: F) -> F:
    """Refuse a closed cursor or connection, and a second thread using the cursor at the same time."""

    @functools.wraps(method)
    def wrapper(self: Cursor, *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            raise InterfaceError("The cursor is closed; open a new one with connection.cursor().")
        if self.connection.closed:
            raise InterfaceError("The connection is closed; open a new one with okta_dbapi.connect().")
        # Non-blocking: a cursor holds one statement's state, so sharing it between threads is misuse
        # that must fail loudly rather than interleave rows. Reentrant for a progress callback.
        if not self._in_use.acquire(blocking=False):
            raise InterfaceError(
                f"The cursor is in use by another thread (calling {method.__name__}() while another "
                "call is running). A cursor is for one thread at a time: give each thread its own "
                "connection.cursor()."
            )
        try:
            return method(self, *args, **kwargs)
        finally:
            self._in_use.release()

    return wrapper  # type: ignore[return-value]


def interruptible(method: F) -> F:
    """Ctrl-C (KeyboardInterrupt) wherever it lands during a statement cancels it: its fan-out
    stops at once and nothing waits for the calls in flight. The interrupt then propagates."""

    @functools.wraps(method)
    def wrapper(self: Cursor, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except KeyboardInterrupt:
            self._cancel("the statement was interrupted")
            raise

    return wrapper  # type: ignore[return-value]


class Cursor:
    """Runs statements and hands back their rows, lazily where the plan streams."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._arraysize = 1
        self._closed = False
        self._in_use = threading.RLock()
        self._result: Result | None = None
        self.rowcount = -1
        self.lastrowid: Any = None
        # Called as progress(done, total_or_None) during a fan-out over users.
        self.progress: Callable[[int, int | None], None] | None = None
        self._scope: Any = None  # the running statement's (cancelled by close())

    # -- attributes -----------------------------------------------------------------------------

    @property
    def description(self) -> list[DescriptionRow] | None:
        return self._result.description if self._result is not None else None

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ProgrammingError(f"arraysize must be a positive integer, not {value!r}.")
        self._arraysize = value

    @property
    def closed(self) -> bool:
        return self._closed

    # -- execution ------------------------------------------------------------------------------

    @check_open
    @interruptible
    def execute(self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        self._reset()
        _check_operation(operation)
        new_scope = getattr(self.connection, "_scope", None)
        self._scope = new_scope() if new_scope is not None else None
        result = self.connection._run(operation, parameters, progress=self.progress, scope=self._scope)
        self._result = result
        self.rowcount = result.rowcount
        return self

    @check_open
    @interruptible
    def executemany(self, operation: str, seq_of_parameters: Sequence[Sequence[Any] | Mapping[str, Any]]) -> Cursor:
        self._reset()
        _check_operation(operation)
        if isinstance(seq_of_parameters, (str, bytes, Mapping)) or not isinstance(seq_of_parameters, Iterable):
            raise ProgrammingError(
                "executemany() takes a sequence of parameter sets, e.g. [(a1, b1), (a2, b2)], not "
                f"{type(seq_of_parameters).__name__}; for one set of parameters use execute()."
            )
        result = self.connection._run_many(operation, list(seq_of_parameters), progress=self.progress)
        self._result = result if result.description is not None else None
        self.rowcount = result.rowcount
        return self

    def _cancel(self, reason: str) -> None:
        if self._scope is not None:
            self._scope.cancel(reason)
        try:
            self._reset()
        except Exception:  # closing what an interrupt left half-done must not hide the interrupt
            self._result = None

    def _reset(self) -> None:
        if self._result is not None:
            self._result.close()
        self._result = None
        self.rowcount = -1

    # -- fetching -------------------------------------------------------------------------------

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        if self._result is None or self._result.description is None:
            raise ProgrammingError("No result set to fetch from: execute a SELECT (or EXPLAIN) first.")
        return self._result.rows

    @check_open
    @interruptible
    def fetchone(self) -> tuple[Any, ...] | None:
        return next(self._rows(), None)

    @check_open
    @interruptible
    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise ProgrammingError(f"fetchmany(size) takes a non-negative integer, not {reprlib.repr(size)}.")
        count = self._arraysize if size is None else size
        rows = self._rows()
        out = []
        for _ in range(count):
            row = next(rows, None)
            if row is None:
                break
            out.append(row)
        return out

    @check_open
    @interruptible
    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows())

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> tuple[Any, ...]:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    # -- no-ops required by PEP 249 --------------------------------------------------------------

    @check_open
    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored: Okta's API has no input sizes."""

    @check_open
    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """Accepted and ignored: Okta's API has no output sizes."""

    def callproc(self, procname: str, parameters: Sequence[Any] = ()) -> None:
        raise NotSupportedError("callproc is not supported; use EXEC okta.users.factors.<method> instead.")

    def nextset(self) -> None:
        raise NotSupportedError("Multiple result sets are not supported.")

    def close(self) -> None:
        """Close the cursor. From another thread while a statement runs, this cancels it: its
        fan-out stops at once, and the running ``execute``/``fetch`` raises OperationalError."""
        if self._closed:
            return
        self._closed = True
        rowcount = self.rowcount
        self._reset()  # from this thread: a streamed fan-out ends, and its requests in flight land
        self.rowcount = rowcount  # stays readable: SQLAlchemy reads an INSERT's rowcount after closing
        if self._scope is not None:  # from another thread: the running statement stops
            self._scope.cancel("the statement was cancelled: its cursor was closed")

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<okta_dbapi.Cursor {state} on {self.connection.settings.org_url}>"


__all__ = ["Cursor", "Error"]
