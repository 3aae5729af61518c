"""One OAuth access token per (org, client_id, scopes, key) in the process, shared by connections.

Connection pools (SQLAlchemy's, Superset's) open many connections with the same settings; each
fetching its own token would spend the token endpoint's rate limit for nothing. A
:class:`TokenSlot` holds the token and the DPoP key it is bound to; the server's latest DPoP
nonce and whether it wants DPoP are kept per (org, client_id), for every slot of that app.
Fetching is single-flight: the first caller fetches under the slot's lock while the others wait
for its answer. After a 401 only the token that failed is dropped, so when many threads see
the same expired token, one new token is fetched, not one per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from okta_dbapi.http.dpop import DPoPKey


@dataclass(frozen=True)
class AccessToken:
    value: str
    token_type: str  # "Bearer" or "DPoP"
    refresh_at: float  # when a new one is fetched (before it expires)

    def __repr__(self) -> str:
        return f"AccessToken(token_type={self.token_type!r}, value='***', refresh_at={self.refresh_at})"


@dataclass(frozen=True)
class SlotKey:
    org_url: str
    client_id: str
    scopes: tuple[str, ...]
    key_fingerprint: str  # public key thumbprint: never the private key itself
    kid: str | None


@dataclass
class AppState:
    """What the token endpoint told us about one service app (all its slots share it)."""

    nonce: str | None = None  # the latest DPoP-Nonce
    dpop_required: bool = False  # it asked for DPoP once: send proofs from the start


@dataclass(eq=False)
class TokenSlot:
    key: SlotKey
    app: AppState = field(default_factory=AppState)
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: AccessToken | None = None
    dpop_key: DPoPKey | None = None

    @property
    def nonce(self) -> str | None:
        return self.app.nonce

    @nonce.setter
    def nonce(self, value: str | None) -> None:
        self.app.nonce = value

    @property
    def dpop_required(self) -> bool:
        return self.app.dpop_required

    @dpop_required.setter
    def dpop_required(self, value: bool) -> None:
        self.app.dpop_required = value

    def __repr__(self) -> str:
        return f"TokenSlot(client_id={self.key.client_id!r}, scopes={self.key.scopes}, token={self.token!r})"

    def fresh(self, now: float) -> AccessToken | None:
        token = self.token
        return token if token is not None and now < token.refresh_at else None

    def get(self, now: Callable[[], float], fetch: Callable[[TokenSlot], AccessToken]) -> AccessToken:
        """The cached token, or one fetched by ``fetch`` (one caller at a time)."""
        token = self.fresh(now())
        if token is not None:
            return token
        with self.lock:
            token = self.fresh(now())
            if token is None:
                token = fetch(self)
                self.token = token
            return token

    def drop(self, failed: str) -> None:
        """Forget the token whose value is ``failed`` (a newer one stays)."""
        with self.lock:
            if self.token is not None and self.token.value == failed:
                self.token = None

    def dpop(self) -> DPoPKey:
        if self.dpop_key is None:
            self.dpop_key = DPoPKey()
        return self.dpop_key


class TokenCache:
    """Slots by :class:`SlotKey`; thread-safe."""

    def __init__(self) -> None:
        self._slots: dict[SlotKey, TokenSlot] = {}
        self._apps: dict[tuple[str, str], AppState] = {}
        self._lock = threading.Lock()

    def slot(self, key: SlotKey) -> TokenSlot:
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                app = self._apps.setdefault((key.org_url, key.client_id), AppState())
                slot = self._slots[key] = TokenSlot(key, app)
            return slot

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()
            self._apps.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._slots)

    def __repr__(self) -> str:
        return f"TokenCache(slots={len(self)})"


#: the process-wide cache used by ``PrivateKeyAuth``
TOKENS = TokenCache()

__all__ = ["TOKENS", "AccessToken", "AppState", "SlotKey", "TokenCache", "TokenSlot"]
