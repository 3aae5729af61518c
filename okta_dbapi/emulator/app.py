"""The :class:`Emulator`: a local Okta org for the user-factor API, served over loopback HTTP."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from .faults import Faults
from .log import RequestLog
from .oauth import OAuthServer
from .org import Org
from .ratelimit import LOGS_DEFAULT, ConcurrencyLimiter, RateLimiter
from .routes import LOGS
from .server import _Server, make_server
from .validation import SpecValidator


def generate_token() -> str:
    """An Okta-like SSWS API token: ``00`` + 40 url-safe characters."""
    return "00" + secrets.token_urlsafe(30)


class Emulator:
    """A local Okta org. Use as a context manager, or call :meth:`start` / :meth:`stop`.

    ``rate_limit``: None (no limit; headers advertise 10000/60 s), N (per 60 s) or (N, window_s),
    per endpoint family; ``logs_rate_limit`` the System Log's own bucket (default 120 per 60 s, Okta's
    example; None = unlimited); families as :mod:`.ratelimit` says. ``concurrent_limit``: the most
    requests in flight across the org (None: no limit); more are answered 429 with the concurrent
    values. ``faults``: a :class:`Faults` or a dict of its knobs. ``validate=True``
    checks every request/response against the spec (needs openapi-core) into ``log.violations``.

    ``oauth_clients``: service apps, ``{client_id: public key}`` where the key is a PEM (public or
    private), a JWK, a JWK Set, a list of those, or an :class:`~.oauth.OAuthClient` (keys and granted
    scopes). They get tokens from ``POST /oauth2/v1/token`` (``emu.oauth``, see :mod:`.oauth`);
    ``require_dpop`` makes DPoP proofs mandatory there. Needs PyJWT with cryptography.
    """

    def __init__(
        self,
        users: int = 50,
        seed: int = 1,
        latency: float = 0.0,
        rate_limit: int | tuple[int, float] | None = None,
        logs_rate_limit: int | tuple[int, float] | None = LOGS_DEFAULT,
        concurrent_limit: int | None = None,
        token: str | None = None,
        validate: bool = False,
        faults: Faults | dict[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        oauth_clients: Mapping[str, Any] | None = None,
        require_dpop: bool = False,
        token_lifetime: float = 3600.0,
        nonce_lifetime: float = 300.0,
    ) -> None:
        self.org = Org(users=users, seed=seed)
        self.token = token or generate_token()
        self.latency = float(latency)
        self.log = RequestLog()
        self.faults = Faults.coerce(faults, seed)
        self.rate_limiter = RateLimiter(rate_limit, self.org.clock.now, {LOGS: logs_rate_limit})
        self.concurrency = ConcurrencyLimiter(concurrent_limit, self.org.clock.now)
        self.validator: SpecValidator | None = SpecValidator() if validate else None
        self.oauth: OAuthServer | None = None
        if oauth_clients or require_dpop:
            self.oauth = OAuthServer(
                oauth_clients or {},
                self.org.clock.now,
                require_dpop=require_dpop,
                token_lifetime=token_lifetime,
                nonce_lifetime=nonce_lifetime,
            )
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self.org.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="okta-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:  # never shows the token
        where = self.url if self._server is not None else "not running"
        return f"<Emulator {where} users={self.org.total_users} seed={self.org.seed}>"
