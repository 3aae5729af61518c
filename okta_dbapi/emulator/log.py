"""A thread-safe record of the requests the emulator served."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

REDACTED = "REDACTED"


@dataclass(frozen=True)
class LogEntry:
    method: str
    path: str  # without the query string
    query: dict[str, str]  # first values
    status: int
    headers: dict[str, str]  # request headers; Authorization and DPoP are redacted
    body: Any  # parsed JSON request body, or None
    request_id: str = ""


@dataclass
class RequestLog:
    _entries: list[LogEntry] = field(default_factory=list)
    _violations: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def add_violation(self, text: str) -> None:
        with self._lock:
            self._violations.append(text)

    @property
    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    @property
    def violations(self) -> list[str]:
        with self._lock:
            return list(self._violations)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests matching ``method`` (case-insensitive) and ``path`` (regex, ``re.fullmatch``)."""
        rx = re.compile(path) if path is not None else None
        return sum(
            1
            for e in self.entries
            if (method is None or e.method == method.upper()) and (rx is None or rx.fullmatch(e.path))
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._violations.clear()


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in ("authorization", "dpop") else v) for k, v in headers.items()}
