"""The org's state: seeded (lazy) users, added users, materialised factor lists, push transactions.

Only users/factors that are mutated are stored; everything else is derived from the seed on demand
(see :mod:`.seed`). One re-entrant lock guards all state.

Test hooks (documented API):

* ``org.passcode(user_id, factor_id)``: the passcode that activates/verifies an OTP factor (sms,
  call, email, token:software:totp, token:hotp, token:hardware), or the answer of a ``question``
  factor. Passcodes are static per factor (derived from ``(seed, factor_id)``), not time-based.
* ``org.set_push_outcome(user_id, factor_id, "SUCCESS"|"REJECTED"|"TIMEOUT")``: the push
  transactions of that factor (open and future ones) resolve to that outcome on their next poll.
  Without it, transaction ``t`` answers WAITING for ``1 + h[0] % 3`` polls and then resolves to
  SUCCESS (``h[1] % 10 < 7``), REJECTED (``< 9``) or TIMEOUT, where ``h = blake2b(seed, t)``;
  a transaction still WAITING 300 s (org clock) after it was issued resolves to TIMEOUT.
* ``org.clock.advance(seconds)``: move the org's clock (resend limits, expiries, rate windows).
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import catalog
from .changes import Changes
from .clock import Clock
from .errors import not_found
from .factor import Factor, render
from .ids import digest, iso, rand_chars
from .seed import Seeder, base32_secret, passcode_for
from .syslog import SystemLog

PUSH_OUTCOMES = ("SUCCESS", "REJECTED", "TIMEOUT")
PUSH_TTL = 300.0


@dataclass
class Transaction:
    id: str
    user_index: int
    factor_id: str
    created: float
    waiting_polls: int
    outcome: str
    correct_answer: int | None = None
    polls: int = 0
    result: str = "WAITING"


class Org(Changes):
    def __init__(self, users: int = 50, seed: int = 1, clock: Clock | None = None) -> None:
        if users < 0:
            raise ValueError("users must be >= 0")
        self.seed = seed
        self.clock = clock or Clock()
        self.base_url = ""  # set by the Emulator once it listens; used by the test-facing getters
        self.lock = threading.RLock()
        self.seeder = Seeder(seed)
        self._seeded = users
        self._total = users
        self._added: dict[int, dict[str, Any]] = {}
        self._added_logins: dict[str, int] = {}
        self._factors: dict[int, list[Factor]] = {}
        self._deleted: set[int] = set()
        self.syslog = SystemLog(seed, self.clock.now)
        self.transactions: dict[str, Transaction] = {}
        self._serial = itertools.count()

    # -- identity ----------------------------------------------------------------------------
    @property
    def total_users(self) -> int:
        return self._total

    def next_serial(self) -> int:
        return next(self._serial)

    def new_id(self, prefix: str, length: int = 20) -> str:
        n = self.next_serial()
        return prefix + rand_chars(digest(self.seed, "new", prefix, n), length - len(prefix))

    def index(self, id_or_login: str) -> int | None:
        """Index of a user given its id, login, or login short name (case-insensitive)."""
        with self.lock:
            i = self._index(id_or_login)
            return None if i is None or i in self._deleted else i

    def _index(self, id_or_login: str) -> int | None:
        with self.lock:
            i = self.seeder.index_of(id_or_login)
            if i is not None and i < self._total:
                return i
            key = id_or_login.lower()
            if key in self._added_logins:
                return self._added_logins[key]
            if "@" not in key:
                for login, j in self._added_logins.items():
                    if login.split("@", 1)[0] == key:
                        return j
            i = self.seeder.login_index(key)
            if i is not None and i < self._seeded:
                login = self.seeder.user(i)["profile"]["login"].lower()
                if key in (login, login.split("@", 1)[0]):
                    return i
            return None

    def require_user(self, user_id: str) -> int:
        i = self.index(user_id)
        if i is None:
            raise not_found(user_id, "User")
        return i

    # -- users -------------------------------------------------------------------------------
    def user_record(self, i: int) -> dict[str, Any]:
        """User JSON without ``_links`` (do not mutate)."""
        added = self._added.get(i)
        return added if added is not None else self.seeder.user(i)

    def user_status(self, i: int) -> str:
        added = self._added.get(i)
        return added["status"] if added is not None else self.seeder.status(i)

    def iter_indexes(self, start: int = 0) -> Iterator[int]:
        return (i for i in range(start, self._total) if i not in self._deleted)

    def user_json(self, i: int, base: str, single: bool) -> dict[str, Any]:
        added = self._added.get(i)
        # Seeded records are generated fresh on each call; only stored ones need a defensive copy.
        u = copy.deepcopy(added) if added is not None else self.seeder.user(i)
        u["_links"] = user_links(u, base, single)
        return u

    def user(self, id_or_login: str) -> dict[str, Any] | None:
        with self.lock:
            i = self.index(id_or_login)
            return None if i is None else self.user_json(i, self.base_url, single=True)

    def user_ids(self, include_deprovisioned: bool = True) -> list[str]:
        with self.lock:
            return [
                self.user_record(i)["id"] if i in self._added else self.seeder.user_id(i)
                for i in self.iter_indexes()
                if include_deprovisioned or self.user_status(i) != "DEPROVISIONED"
            ]

    def add_user(
        self, profile: dict[str, Any], status: str = "ACTIVE", factors: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        profile = dict(profile)
        login = profile.get("login") or profile.get("email")
        if not login:
            raise ValueError("profile needs a login or an email")
        profile.setdefault("login", login)
        profile.setdefault("email", login)
        profile.setdefault("firstName", None)
        profile.setdefault("lastName", None)
        profile.setdefault("mobilePhone", None)
        profile.setdefault("secondEmail", None)
        with self.lock:
            if self.index(login) is not None:
                raise ValueError(f"login already exists: {login}")
            i = self._total
            now = self.clock.now()
            never = status in ("STAGED", "PROVISIONED")
            self._added[i] = {
                "id": self.seeder.user_id(i),
                "status": status,
                "created": iso(now),
                "activated": None if never else iso(now),
                "statusChanged": None if never else iso(now),
                "lastLogin": None,
                "lastUpdated": iso(now),
                "passwordChanged": None if never else iso(now),
                "type": {"id": "oty1162QAr8hJjTaq0g4"},
                "profile": profile,
                "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
            }
            self._added_logins[login.lower()] = i
            self._total += 1
            self._factors[i] = []
            self.log_user("user.lifecycle.create", i)
            if not never:
                self.log_user("user.lifecycle.activate", i)
            for f in factors or []:
                self.add_factor(self._added[i]["id"], f)
            return self.user_json(i, self.base_url, single=True)

    # -- factors -----------------------------------------------------------------------------
    def factor_list(self, i: int) -> list[Factor]:
        """The user's factors (read-only view for unmutated seeded users)."""
        stored = self._factors.get(i)
        if stored is not None:
            return stored
        if i >= self._seeded:
            return []
        return self.seeder.factors(i, self.seeder.user(i))

    def factor_list_for_write(self, i: int) -> list[Factor]:
        if i not in self._factors:
            self._factors[i] = self.factor_list(i)
        return self._factors[i]

    def find_factor(self, i: int, factor_id: str, write: bool = False) -> Factor:
        factors = self.factor_list_for_write(i) if write else self.factor_list(i)
        for f in factors:
            if f.id == factor_id:
                return f
        raise not_found(factor_id, "UserFactor")

    def factors(self, user_id: str) -> list[dict[str, Any]]:
        """UserFactor JSONs of a user; raises KeyError for an unknown user."""
        with self.lock:
            i = self.index(user_id)
            if i is None:
                raise KeyError(user_id)
            uid = self.user_record(i)["id"]
            return [render(f, self.base_url, uid) for f in self.factor_list(i)]

    def add_factor(self, user_id: str, factor: dict[str, Any]) -> dict[str, Any]:
        """Insert a factor directly (no policy checks): ``{"factorType", "provider", "status", "profile"}``."""
        ft = factor["factorType"]
        k = catalog.kind(ft, factor.get("provider"))
        if k is None:
            raise ValueError(f"unknown factorType/provider: {ft}/{factor.get('provider')}")
        with self.lock:
            i = self.index(user_id)
            if i is None:
                raise KeyError(user_id)
            now = self.clock.now()
            fid = factor.get("id") or self.new_id(k.prefix)
            profile = dict(factor.get("profile") or {})
            secret = (
                factor.get("secret")
                or (profile.pop("answer", None) if ft == "question" else None)
                or passcode_for(self.seed, fid)
            )
            if ft == "question" and "question" in profile:
                profile.setdefault("questionText", catalog.SECURITY_QUESTIONS.get(profile["question"], ""))
            f = Factor(
                id=fid,
                factor_type=ft,
                provider=k.provider,
                status=factor.get("status", "ACTIVE"),
                created=now,
                last_updated=now,
                profile=profile,
                secret=secret,
                shared_secret=base32_secret(self.seed, fid),
            )
            self.factor_list_for_write(i).append(f)
            self.log_factor("user.mfa.factor.activate" if f.status == "ACTIVE" else "user.mfa.factor.update", i, f)
            return render(f, self.base_url, self.user_record(i)["id"])

    def passcode(self, user_id: str, factor_id: str) -> str:
        with self.lock:
            return self.find_factor(self.require_user(user_id), factor_id).secret

    def set_push_outcome(self, user_id: str, factor_id: str, outcome: str) -> None:
        if outcome not in PUSH_OUTCOMES:
            raise ValueError(f"outcome must be one of {PUSH_OUTCOMES}")
        with self.lock:
            i = self.require_user(user_id)
            f = self.find_factor(i, factor_id, write=True)
            f.push_outcome = outcome
            for t in self.transactions.values():
                if t.user_index == i and t.factor_id == factor_id and t.result == "WAITING":
                    t.outcome = outcome
                    t.waiting_polls = min(t.waiting_polls, t.polls)


def user_links(u: dict[str, Any], base: str, single: bool) -> dict[str, Any]:
    url = f"{base}/api/v1/users/{u['id']}"
    links: dict[str, Any] = {"self": {"href": url}}
    if not single:
        return links  # collections carry only ``self``, as in Okta
    post = {"method": "POST"}
    status = u["status"]
    if status in ("STAGED", "PROVISIONED", "DEPROVISIONED"):
        links["activate"] = {"href": f"{url}/lifecycle/activate", **post}
    if status == "SUSPENDED":
        links["unsuspend"] = {"href": f"{url}/lifecycle/unsuspend", **post}
    elif status == "ACTIVE":
        links["suspend"] = {"href": f"{url}/lifecycle/suspend", **post}
    if status == "LOCKED_OUT":
        links["unlock"] = {"href": f"{url}/lifecycle/unlock", **post}
    if status != "DEPROVISIONED":
        links["resetPassword"] = {"href": f"{url}/lifecycle/reset_password", **post}
        links["resetFactors"] = {"href": f"{url}/lifecycle/reset_factors", **post}
        links["expirePassword"] = {"href": f"{url}/lifecycle/expire_password", **post}
        links["deactivate"] = {"href": f"{url}/lifecycle/deactivate", **post}
        links["changePassword"] = {"href": f"{url}/credentials/change_password", **post}
    links["schema"] = {"href": f"{base}/api/v1/meta/schemas/user/oscg8m6qpfn0Y1Q2h0g4"}
    links["type"] = {"href": f"{base}/api/v1/meta/types/user/{u['type']['id']}"}
    return links
