"""Changes "made elsewhere" (by another admin, not through the driver), for tests: each one records
its System Log event (see :mod:`.syslog`), unless made inside ``with org.syslog.unlogged():``.

Mixed into :class:`~.org.Org`: ``org.activate_factor(user, factor_id)``, ``org.unenroll_factor``,
``org.reset_factors``, ``org.suspend_factor`` / ``org.unsuspend_factor``, ``org.deactivate_user``,
``org.suspend_user`` / ``org.unsuspend_user`` / ``org.reactivate_user``, ``org.delete_user``,
``org.update_profile``. Enrolling is ``org.add_factor`` and adding a user ``org.add_user``.
User status changes bump ``lastUpdated`` and ``statusChanged``; factor changes don't touch the
user (as in Okta, which is why the snapshot reads the System Log for them).
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

from .factor import Factor
from .ids import iso
from .syslog import SystemLog, factor_target, user_target

if TYPE_CHECKING:
    from .clock import Clock
    from .seed import Seeder


class Changes:
    lock: threading.RLock
    clock: Clock
    seeder: Seeder
    syslog: SystemLog
    _added: dict[int, dict[str, Any]]
    _factors: dict[int, list[Factor]]
    _deleted: set[int]

    if TYPE_CHECKING:

        def require_user(self, user_id: str) -> int: ...
        def user_record(self, i: int) -> dict[str, Any]: ...
        def find_factor(self, i: int, factor_id: str, write: bool = False) -> Factor: ...
        def factor_list_for_write(self, i: int) -> list[Factor]: ...

    # -- logging helpers (also used by the Factors API handlers) -----------------------------
    def log_user(self, event_type: str, i: int) -> None:
        self.syslog.record(event_type, [user_target(self.user_record(i))])

    def log_factor(self, event_type: str, i: int, f: Factor) -> None:
        target = factor_target(f.id, f.factor_type, f.vendor)
        self.syslog.record(event_type, [user_target(self.user_record(i)), target])

    def stored_user(self, i: int) -> dict[str, Any]:
        """The user's record, copied into mutable storage on first write."""
        if i not in self._added:
            self._added[i] = copy.deepcopy(self.user_record(i))
        return self._added[i]

    # -- factor changes ----------------------------------------------------------------------
    def _set_factor_status(self, user_id: str, factor_id: str, want: tuple[str, ...], status: str, event: str) -> None:
        with self.lock:
            i = self.require_user(user_id)
            f = self.find_factor(i, factor_id, write=True)
            if f.status not in want:
                raise ValueError(f"factor {factor_id} is {f.status}, expected one of {want}")
            f.status = status
            f.last_updated = self.clock.now()
            self.log_factor(event, i, f)

    def activate_factor(self, user_id: str, factor_id: str) -> None:
        self._set_factor_status(user_id, factor_id, ("PENDING_ACTIVATION",), "ACTIVE", "user.mfa.factor.activate")

    # The Factors API's status enum has no SUSPENDED: a suspended enrollment shows as INACTIVE.
    def suspend_factor(self, user_id: str, factor_id: str) -> None:
        self._set_factor_status(user_id, factor_id, ("ACTIVE",), "INACTIVE", "user.mfa.factor.suspend")

    def unsuspend_factor(self, user_id: str, factor_id: str) -> None:
        self._set_factor_status(user_id, factor_id, ("INACTIVE",), "ACTIVE", "user.mfa.factor.unsuspend")

    def unenroll_factor(self, user_id: str, factor_id: str) -> None:
        with self.lock:
            i = self.require_user(user_id)
            f = self.find_factor(i, factor_id, write=True)
            factors = self.factor_list_for_write(i)
            factors[:] = [g for g in factors if g.id != f.id]
            self.log_factor("user.mfa.factor.deactivate", i, f)

    def reset_factors(self, user_id: str) -> None:
        with self.lock:
            i = self.require_user(user_id)
            self.factor_list_for_write(i).clear()
            self.log_user("user.mfa.factor.reset_all", i)

    # -- user changes ------------------------------------------------------------------------
    def _set_user_status(self, user_id: str, status: str, event: str) -> dict[str, Any]:
        with self.lock:
            i = self.require_user(user_id)
            rec = self.stored_user(i)
            stamp = iso(self.clock.now())
            rec["status"], rec["statusChanged"], rec["lastUpdated"] = status, stamp, stamp
            self.log_user(event, i)
            return rec

    def deactivate_user(self, user_id: str) -> None:
        self._set_user_status(user_id, "DEPROVISIONED", "user.lifecycle.deactivate")

    def suspend_user(self, user_id: str) -> None:
        self._set_user_status(user_id, "SUSPENDED", "user.lifecycle.suspend")

    def unsuspend_user(self, user_id: str) -> None:
        self._set_user_status(user_id, "ACTIVE", "user.lifecycle.unsuspend")

    def reactivate_user(self, user_id: str) -> None:
        self._set_user_status(user_id, "PROVISIONED", "user.lifecycle.reactivate")

    def delete_user(self, user_id: str) -> None:
        """Okta deletes only deactivated users: an active one is deactivated first (two steps)."""
        with self.lock:
            i = self.require_user(user_id)
            if self.user_record(i)["status"] != "DEPROVISIONED":
                self.deactivate_user(user_id)
            self.log_user("user.lifecycle.delete.initiated", i)
            self.log_user("user.lifecycle.delete.completed", i)
            self._deleted.add(i)
            self._factors.pop(i, None)

    def update_profile(self, user_id: str, **changes: Any) -> None:
        with self.lock:
            i = self.require_user(user_id)
            rec = self.stored_user(i)
            rec["profile"].update(changes)
            rec["lastUpdated"] = iso(self.clock.now())
            self.log_user("user.account.update_profile", i)

    def is_deleted(self, i: int) -> bool:
        return i in self._deleted
