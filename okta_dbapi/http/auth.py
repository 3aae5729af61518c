"""The ``Authorization`` header: a static SSWS/Bearer token, or OAuth 2.0 with a private key.

* ``SSWS``: ``Authorization: SSWS <api token>`` (precomputed once).
* ``Bearer``: ``Authorization: Bearer <access token>`` given by the caller (precomputed once).
* ``PrivateKey``: the OAuth 2.0 client-credentials grant with a ``private_key_jwt`` client
  assertion (RS256; ``iss`` = ``sub`` = client_id, ``aud`` = ``{org_url}/oauth2/v1/token``,
  5-minute ``exp``, random ``jti``) POSTed to ``{org_url}/oauth2/v1/token``. The access token is
  cached until shortly before it expires and fetched again after a 401. Needs PyJWT with
  cryptography (the ``oauth`` extra: ``pip install '.[oauth]'`` from a checkout), imported only
  in this mode.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from okta_dbapi.exceptions import InterfaceError, OperationalError
from okta_dbapi.http.errors import parse_error_body
from okta_dbapi.http.transport import describe_transport
from okta_dbapi.redact import redact, register_secret
from okta_dbapi.settings import Settings

TOKEN_PATH = "/oauth2/v1/token"
ASSERTION_LIFETIME = 300  # seconds; Okta accepts at most one hour
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

_OAUTH_HINTS = {
    "invalid_client": (
        "Check client_id, and that the service app uses 'Public key / Private key' client "
        "authentication with the public key matching private_key."
    ),
    "invalid_scope": (
        "Grant the requested scopes to the service app (Okta API Scopes tab) or change the scopes option."
    ),
    "unauthorized_client": "The app must be an API service app allowed to use the client credentials grant.",
    "invalid_dpop_proof": "The app requires DPoP, which the driver does not support: turn off 'Require DPoP' for it.",
    "use_dpop_nonce": "The app requires DPoP, which the driver does not support: turn off 'Require DPoP' for it.",
}


class Auth:
    """Produces the ``Authorization`` header value for each request."""

    #: whether a 401 may be cured by fetching a new token
    refreshable = False

    def header(self) -> str:
        raise NotImplementedError

    def invalidate(self) -> None:
        """Forget any cached token (after a 401)."""


class StaticAuth(Auth):
    """``SSWS <token>`` or ``Bearer <token>``."""

    def __init__(self, scheme: str, token: str | None) -> None:
        self._scheme = scheme
        self._value = f"{scheme} {token}" if token else None

    def header(self) -> str:
        if self._value is None:
            raise InterfaceError(
                "no API token configured: pass token='...', set the environment variable "
                "OKTA_CLIENT_TOKEN, or write okta.client.token in okta.yaml "
                "(or use authorization_mode PrivateKey with client_id and private_key)"
            )
        return self._value

    def __repr__(self) -> str:
        return f"StaticAuth({self._scheme}, token={'***' if self._value else None})"


class PrivateKeyAuth(Auth):
    """OAuth 2.0 client credentials with a ``private_key_jwt`` assertion; caches the token."""

    refreshable = True

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not settings.client_id or not settings.private_key:
            raise InterfaceError("authorization_mode 'PrivateKey' needs client_id and private_key")
        self._settings = settings
        self._session = session
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[str, float] | None = None  # (header value, refresh at)
        self._key: Any = None
        self._kid: str | None = None
        self.token_url = settings.org_url + TOKEN_PATH
        #: token endpoint requests sent (not counted in OktaClient.request_count)
        self.token_requests = 0

    def __repr__(self) -> str:
        return f"PrivateKeyAuth(client_id={self._settings.client_id!r}, private_key='***')"

    def header(self) -> str:
        cached = self._cached
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            token, lifetime = self._fetch()
            value = f"Bearer {token}"
            # Refresh a minute early (or at half-life for short-lived tokens).
            self._cached = (value, self._clock() + max(lifetime - 60.0, lifetime / 2.0))
            return value

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    # -- internals -------------------------------------------------------------------------

    def _load_key(self) -> Any:
        if self._key is not None:
            return self._key
        try:
            import jwt  # noqa: F401
            from cryptography.hazmat.primitives.serialization import load_pem_private_key
            from jwt.algorithms import RSAAlgorithm
        except ImportError:
            raise InterfaceError(
                "authorization_mode 'PrivateKey' needs PyJWT with cryptography: pip install 'pyjwt[crypto]' "
                "(the oauth extra: pip install '.[oauth]' from a checkout of okta-dbapi)"
            ) from None
        raw = (self._settings.private_key or "").strip()
        if not raw.startswith(("-----BEGIN", "{")):
            path = Path(raw).expanduser()
            try:
                raw = path.read_text(encoding="utf-8").strip()
            except OSError as e:
                raise InterfaceError(
                    f"private_key is neither PEM text, a JWK, nor a readable file ({path}: "
                    f"{e.strerror or e.__class__.__name__})"
                ) from None
            register_secret(raw)
        try:
            if raw.startswith("{"):
                jwk = json.loads(raw)
                self._kid = jwk.get("kid") if isinstance(jwk, dict) else None
                self._key = RSAAlgorithm.from_jwk(raw)
            else:
                self._key = load_pem_private_key(raw.encode(), password=None)
        except Exception as e:
            raise InterfaceError(
                f"private_key could not be loaded as an unencrypted RSA private key (PEM or JWK): "
                f"{e.__class__.__name__}"
            ) from None
        return self._key

    def client_assertion(self) -> str:
        """A fresh signed ``private_key_jwt`` assertion."""
        import jwt

        key = self._load_key()
        now = int(self._clock())
        claims = {
            "iss": self._settings.client_id,
            "sub": self._settings.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        headers = {"kid": self._kid} if self._kid else None
        try:
            return jwt.encode(claims, key, algorithm="RS256", headers=headers)
        except Exception as e:
            raise InterfaceError(f"could not sign the client assertion: {e.__class__.__name__}") from None

    def _fetch(self) -> tuple[str, float]:
        settings = self._settings
        form = {
            "grant_type": "client_credentials",
            "scope": " ".join(settings.scopes),
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
        }
        request = f"POST {TOKEN_PATH}"
        self.token_requests += 1
        try:
            resp = self._session.post(
                self.token_url,
                data=form,
                headers={
                    "Accept": "application/json",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": settings.user_agent,
                },
                timeout=(settings.timeout, settings.timeout),
                allow_redirects=False,
            )
            body: Any = None
            if resp.content:
                try:
                    body = resp.json()
                except ValueError:
                    body = None
        except requests.RequestException as e:
            raise OperationalError(
                redact(
                    f"Could not get an OAuth access token from {self.token_url}: "
                    f"{describe_transport(e, settings.timeout)}. Check org_url and the network."
                ),
                request=request,
            ) from e
        status = resp.status_code
        if status == 200 and isinstance(body, dict) and isinstance(body.get("access_token"), str):
            token = body["access_token"]
            register_secret(token)
            try:
                lifetime = float(body.get("expires_in", 3600))
            except (TypeError, ValueError):
                lifetime = 3600.0
            return token, max(lifetime, 1.0)
        err = parse_error_body(body)
        if err is not None and (err.code or err.summary):
            detail = f"{err.code}: {err.summary}" if err.summary and err.summary != err.code else str(err.code)
            hint = _OAUTH_HINTS.get(err.code or "", "Check client_id, private_key and scopes.")
        elif 300 <= status < 400:
            detail, hint = "a redirect", "Set org_url to the Okta org itself."
        elif status == 200:
            detail, hint = "no access_token in the answer", "Check that org_url is an Okta org."
        else:
            detail, hint = "no OAuth error body", "Check that org_url is an Okta org."
        raise OperationalError(
            redact(
                f"The token endpoint {self.token_url} answered {status} ({detail}) for client_id "
                f"{settings.client_id} with scopes {' '.join(settings.scopes)}. {hint}"
            ),
            status=status,
            error_code=err.code if err else None,
            error_summary=err.summary if err else None,
            request=request,
        )


def make_auth(settings: Settings, session: requests.Session, *, clock: Callable[[], float] = time.time) -> Auth:
    if settings.authorization_mode == "PrivateKey":
        return PrivateKeyAuth(settings, session, clock=clock)
    return StaticAuth(settings.authorization_mode, settings.token)


__all__ = ["ASSERTION_LIFETIME", "TOKEN_PATH", "Auth", "PrivateKeyAuth", "StaticAuth", "make_auth"]
