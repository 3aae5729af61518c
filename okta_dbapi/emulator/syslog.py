"""The org's System Log: one LogEvent per user or factor change, shaped like Okta's.

Which change records which ``eventType`` (Okta's event-type catalog; see
``shared/okta-spec/system-log-notes.md``):

* enroll a factor that is ACTIVE at once, or activate one   -> ``user.mfa.factor.activate``
* enroll a factor that waits for activation, re-enroll a phone -> ``user.mfa.factor.update``
* unenroll a factor (push also takes Okta Verify's TOTP: one event each) -> ``user.mfa.factor.deactivate``
* reset all factors of a user                               -> ``user.mfa.factor.reset_all``
* suspend / unsuspend a factor                              -> ``user.mfa.factor.suspend`` / ``.unsuspend``
* add a user                                                -> ``user.lifecycle.create`` (+ ``.activate``)
* deactivate / suspend / unsuspend / reactivate a user      -> ``user.lifecycle.deactivate`` / ...
* delete a user                                             -> ``user.lifecycle.delete.initiated`` and
  ``user.lifecycle.delete.completed``
* change a user's profile                                   -> ``user.account.update_profile``

Factor events carry two targets, the ``User`` and the factor (an ``AuthenticatorEnrollment`` whose
``id`` is the factor id, as in the spec's examples); user events carry the ``User`` only.

Test hooks: ``with org.syslog.unlogged():`` makes changes that record nothing (a missed event);
``with org.syslog.late(seconds):`` records events whose persistence lags ``published`` by that
much (they become visible to queries only then, and polling returns them in persistence order).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .ids import digest, iso, rand_chars

ADMIN = {
    "id": "00uadmin0emulator1d7",
    "type": "User",
    "alternateId": "admin@example.com",
    "displayName": "Emulator Admin",
    "detailEntry": None,
}
API_TOKEN_ID = "00Temulator0token1d7"

_ENROLLMENT = "factor or authenticator enrollment method for user"
_MESSAGES = {
    "user.mfa.factor.activate": (f"Activate {_ENROLLMENT}", "core.user.factor.activate"),
    "user.mfa.factor.update": (f"Update {_ENROLLMENT}", "core.user.factor.update"),
    "user.mfa.factor.deactivate": (f"Reset {_ENROLLMENT}", "core.user.factor.deactivate"),
    "user.mfa.factor.reset_all": ("Reset all factors for user", "core.user.factor.reset_all"),
    "user.mfa.factor.suspend": (f"Suspend {_ENROLLMENT}", "core.user.factor.suspend"),
    "user.mfa.factor.unsuspend": (f"Unsuspend {_ENROLLMENT}", "core.user.factor.unsuspend"),
    "user.lifecycle.create": ("Create Okta user", "core.user.config.user_creation.success"),
    "user.lifecycle.activate": ("Activate Okta user", "core.user.config.user_activated"),
    "user.lifecycle.reactivate": ("Reactivate Okta user", "core.user.config.user_reactivated"),
    "user.lifecycle.deactivate": ("Deactivate Okta user", "core.user.config.user_deactivated"),
    "user.lifecycle.suspend": ("Suspend Okta user", "core.user.config.user_suspended"),
    "user.lifecycle.unsuspend": ("Unsuspend Okta user", "core.user.config.user_unsuspended"),
    "user.lifecycle.delete.initiated": ("Delete Okta user", "core.user.config.user_deleted"),
    "user.lifecycle.delete.completed": ("Delete Okta user completed", "core.user.config.user_deleted"),
    "user.account.update_profile": ("Update user profile for Okta", "core.user.config.profile_update.success"),
}
EVENT_TYPES = frozenset(_MESSAGES)


@dataclass(frozen=True)
class Stored:
    seq: int
    published: float
    persisted: float  # when the event becomes visible to queries (>= published)
    event: dict[str, Any]

    @property
    def persisted_ms(self) -> int:
        return round(self.persisted * 1000)

    @property
    def published_ms(self) -> int:
        return round(self.published * 1000)


def user_target(user: dict[str, Any]) -> dict[str, Any]:
    p = user.get("profile") or {}
    name = " ".join(x for x in (p.get("firstName"), p.get("lastName")) if x) or p.get("login") or user["id"]
    login = p.get("login") or user["id"]
    return {"id": user["id"], "type": "User", "alternateId": login, "displayName": name, "detailEntry": None}


def factor_target(factor_id: str, factor_type: str, vendor: str) -> dict[str, Any]:
    return {
        "id": factor_id,
        "type": "AuthenticatorEnrollment",
        "alternateId": "unknown",
        "displayName": vendor,
        "detailEntry": {"methodTypeUsed": factor_type},
    }


class SystemLog:
    """Thread-safe, append-only; events are kept in the order they were recorded."""

    def __init__(self, seed: int, now: Callable[[], float]) -> None:
        self._seed = seed
        self._now = now
        self._lock = threading.Lock()
        self._events: list[Stored] = []
        self._muted = 0
        self._delay = 0.0

    # -- test hooks --------------------------------------------------------------------------
    @contextlib.contextmanager
    def unlogged(self) -> Iterator[None]:
        with self._lock:
            self._muted += 1
        try:
            yield
        finally:
            with self._lock:
                self._muted -= 1

    @contextlib.contextmanager
    def late(self, seconds: float) -> Iterator[None]:
        with self._lock:
            before, self._delay = self._delay, float(seconds)
        try:
            yield
        finally:
            with self._lock:
                self._delay = before

    # -- recording ---------------------------------------------------------------------------
    def record(self, event_type: str, targets: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Append one event (unless muted); returns the LogEvent JSON, or None when muted."""
        message, legacy = _MESSAGES[event_type]
        with self._lock:
            if self._muted:
                return None
            seq = len(self._events)
            now = self._now()
            d = digest(self._seed, "syslog", seq)
            event = {
                "uuid": str(uuid.UUID(bytes=d[:16], version=1)),
                "published": iso(now),
                "eventType": event_type,
                "version": "0",
                "severity": "INFO",
                "legacyEventType": legacy,
                "displayMessage": message,
                "actor": dict(ADMIN),
                "client": {
                    "userAgent": {"rawUserAgent": "okta-emulator", "os": "Unknown", "browser": "UNKNOWN"},
                    "zone": None,
                    "device": "Unknown",
                    "ipAddress": "127.0.0.1",
                },
                "outcome": {"result": "SUCCESS", "reason": None},
                "target": targets,
                "transaction": {
                    "type": "WEB",
                    "id": rand_chars(d[16:], 27),
                    "detail": {"requestApiTokenId": API_TOKEN_ID},
                },
                "debugContext": {"debugData": {"requestId": rand_chars(d[43:], 20)}},
                "authenticationContext": {"authenticationStep": 0, "externalSessionId": "unknown"},
                "securityContext": {"isProxy": False},
                "request": {"ipChain": [{"ip": "127.0.0.1", "version": "V4"}]},
            }
            self._events.append(Stored(seq, now, now + self._delay, event))
            return event

    # -- reading -----------------------------------------------------------------------------
    def visible(self, now: float | None = None) -> list[Stored]:
        """Events persisted by ``now`` (org clock), in persistence order."""
        t = self._now() if now is None else now
        with self._lock:
            out = [s for s in self._events if s.persisted <= t]
        out.sort(key=lambda s: (s.persisted_ms, s.seq))
        return out

    def events(self) -> list[dict[str, Any]]:
        """Every recorded event (late ones included), in recording order; for tests."""
        with self._lock:
            return [s.event for s in self._events]
