"""An injectable clock so tests can move time forward without sleeping."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time plus an adjustable offset.

    ``emu.org.clock.advance(31)`` makes the whole emulator (resend limits, push expiry, rate-limit
    windows) behave as if 31 seconds had passed.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
