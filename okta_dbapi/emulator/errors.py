"""Okta error bodies: ``{errorCode, errorSummary, errorLink, errorId, errorCauses}``."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .ids import digest, rand_chars

RATE_LIMIT_SUMMARY = "API call exceeded rate limit due to too many requests."


class OktaError(Exception):
    """Raised by the org/handlers; the server turns it into an Okta error response."""

    def __init__(self, status: int, code: str, summary: str, causes: list[str] | None = None) -> None:
        super().__init__(f"{status} {code}: {summary}")
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = list(causes or [])


def validation_failed(what: str, *causes: str) -> OktaError:
    return OktaError(400, "E0000001", f"Api validation failed: {what}", list(causes))


def not_found(resource_id: str, kind: str) -> OktaError:
    return OktaError(404, "E0000007", f"Not found: Resource not found: {resource_id} ({kind})")


def forbidden(*causes: str) -> OktaError:
    return OktaError(403, "E0000006", "You do not have permission to perform the requested action", list(causes))


def invalid_passcode() -> OktaError:
    return OktaError(
        403, "E0000068", "Invalid Passcode/Answer", ["Your passcode doesn't match our records. Please try again."]
    )


def invalid_token() -> OktaError:
    return OktaError(401, "E0000011", "Invalid token provided")


def rate_limited(*causes: str) -> OktaError:
    return OktaError(429, "E0000047", RATE_LIMIT_SUMMARY, list(causes))


def invalid_search(*causes: str) -> OktaError:
    return OktaError(400, "E0000031", "Invalid search criteria.", list(causes))


def malformed_body() -> OktaError:
    return OktaError(400, "E0000003", "The request body was not well-formed.")


class ErrorIds:
    """Deterministic Okta-like ``errorId`` values (``oae`` + 19 chars)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = next(self._counter)
        return "oae" + rand_chars(digest(self._seed, "errorId", n), 19)


def error_body(err: OktaError, error_id: str) -> dict[str, Any]:
    return {
        "errorCode": err.code,
        "errorSummary": err.summary,
        "errorLink": err.code,
        "errorId": error_id,
        "errorCauses": [{"errorSummary": c} for c in err.causes],
    }
