"""The state of one API call across its retries, and what a retry waits for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from okta_dbapi.http.pacing import family

if TYPE_CHECKING:
    from okta_dbapi.http.pacing import RateLimited
    from okta_dbapi.http.scope import Scope

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Attempt:
    method: str
    url: str
    target: str  # the URL as logged and shown in errors (no secrets)
    path_template: str
    path_params: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None
    data: bytes | None
    scope: Scope
    retries: int = 0  # transient failures of idempotent requests, and connects never made
    rate_waits: int = 0  # window 429s waited out
    concurrent_waits: int = 0  # concurrent-limit 429s retried
    verdict: RateLimited | None = None  # what the last 429 meant
    refreshed: bool = False  # one new OAuth token after a 401
    idempotent: bool = field(init=False)

    def __post_init__(self) -> None:
        self.idempotent = self.method in IDEMPOTENT_METHODS

    @property
    def key(self) -> str:
        """The pacing bucket: Okta budgets by endpoint family."""
        return family(self.method, self.path_template)

    @property
    def request(self) -> str:
        return f"{self.method} {self.target}"


@dataclass
class Retry:
    """Try again after ``delay`` seconds, or (a rate limit) once the clock reaches ``until``."""

    delay: float = 0.0
    until: float | None = None
