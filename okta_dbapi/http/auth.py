"""The ``Authorization`` (and ``DPoP``) headers: a static SSWS/Bearer token, or OAuth 2.0 with a key.

* ``SSWS``: ``Authorization: SSWS <api token>`` (precomputed once).
* ``Bearer``: ``Authorization: Bearer <access token>`` given by the caller (precomputed once).
* ``PrivateKey``: the OAuth 2.0 client-credentials grant with a ``private_key_jwt`` client
  assertion (``iss`` = ``sub`` = client_id, ``aud`` = ``{org_url}/oauth2/v1/token``, 5-minute
  ``exp``, random ``jti``, the key's ``kid``; RS*/ES* from the key, see :mod:`.keys`) POSTed to
  ``{org_url}/oauth2/v1/token``. DPoP (:mod:`.dpop`) is used when the token endpoint asks for it
  (``invalid_dpop_proof``), with the nonce retry (``use_dpop_nonce`` + ``DPoP-Nonce``); the token
  is then sent as ``Authorization: DPoP <token>`` with a fresh proof on every request. Tokens are
  shared by every connection of the process with the same org, client, scopes and key
  (:mod:`.tokens`), refreshed a minute before they expire, and dropped after a 401. Needs PyJWT
  with cryptography (the ``oauth`` extra: ``pip install '.[oauth]'`` from a checkout), imported only
  in this mode.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import requests

from okta_dbapi.exceptions import InterfaceError, OperationalError, ProgrammingError
from okta_dbapi.http.errors import parse_error_body
from okta_dbapi.http.headers import header_problem
from okta_dbapi.http.keys import SigningKey, load_signing_key
from okta_dbapi.http.tokens import TOKENS, AccessToken, SlotKey, TokenCache, TokenSlot
from okta_dbapi.http.transport import describe_transport
from okta_dbapi.redact import redact, register_secret
from okta_dbapi.settings import Settings

log = logging.getLogger("okta_dbapi")

TOKEN_PATH = "/oauth2/v1/token"
ASSERTION_LIFETIME = 300  # seconds; Okta accepts at most one hour
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_MAX_TOKEN_REQUESTS = 3  # without DPoP -> with DPoP -> with the server's nonce

_OAUTH_HINTS = {
    "invalid_client": (
        "Check client_id, and that the service app uses 'Public key / Private key' client "
        "authentication with the public key matching private_key."
    ),
    "invalid_scope": (
        "Grant the requested scopes to the service app (Applications > the app > Okta API Scopes), or set "
        "the scopes option to the granted ones (read_only=True asks only for okta.users.read)."
    ),
    "unauthorized_client": "The app must be an API service app allowed to use the client credentials grant.",
    "unsupported_grant_type": "The app must be an API service app allowed to use the client credentials grant.",
    "invalid_dpop_proof": (
        "Okta rejected the DPoP proof: check that this machine's clock is right (proofs carry the time)."
    ),
    "use_dpop_nonce": "Okta kept asking for a new DPoP nonce; try again.",
    "invalid_request": "Okta found the token request malformed; check client_id and scopes.",
}
_KID_HINT = (
    "Okta could not match the assertion's key: set key_id (or OKTA_CLIENT_KEYID) to the Key ID Okta shows "
    "for the public key in the app's Public Keys list (needed when the app has several keys)."
)
_DPOP_OFF_HINT = (
    "The service app requires DPoP-bound tokens ('Require Demonstrating Proof of Possession (DPoP) header "
    "in token requests'); leave the dpop option at auto (or on)."
)


class Auth:
    """Produces the auth headers of each request."""

    #: whether a 401 may be cured by fetching a new token
    refreshable = False

    def headers(self, method: str, url: str) -> dict[str, str]:
        """``Authorization`` (and ``DPoP``) for one request to ``url`` (made anew for every retry)."""
        raise NotImplementedError

    def invalidate(self, sent: Mapping[str, str] | None = None) -> None:
        """Forget the token sent in ``sent`` (after a 401)."""

    @property
    def scopes(self) -> tuple[str, ...]:
        return ()


class StaticAuth(Auth):
    """``SSWS <token>`` or ``Bearer <token>``."""

    def __init__(self, scheme: str, token: str | None) -> None:
        self._scheme = scheme
        problem = header_problem(token) if token else None
        if problem is not None:  # refused at connect(), before any request; the token itself never shown
            raise ProgrammingError(
                f"The API token cannot be sent in the Authorization header: {problem}. Check for a stray "
                "space, line break or quote where it was copied from."
            )
        self._value = f"{scheme} {token}" if token else None

    def headers(self, method: str, url: str) -> dict[str, str]:
        if self._value is None:
            raise InterfaceError(
                "no API token configured: pass token='...', set the environment variable "
                "OKTA_CLIENT_TOKEN, or write okta.client.token in okta.yaml "
                "(or use authorization_mode PrivateKey with client_id and private_key)"
            )
        return {"Authorization": self._value}

    def __repr__(self) -> str:
        return f"StaticAuth({self._scheme}, token={'***' if self._value else None})"


class PrivateKeyAuth(Auth):
    """OAuth 2.0 client credentials with a ``private_key_jwt`` assertion; DPoP when asked."""

    refreshable = True

    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.time,
        cache: TokenCache = TOKENS,
    ) -> None:
        if not settings.client_id or not settings.private_key:
            raise InterfaceError("authorization_mode 'PrivateKey' needs client_id and private_key")
        self._settings = settings
        self._session = session
        self._clock = clock
        self._cache = cache
        self._key: SigningKey | None = None
        self._slot: TokenSlot | None = None
        self.token_url = settings.org_url + TOKEN_PATH
        #: token endpoint requests this connection sent (not counted in OktaClient.request_count)
        self.token_requests = 0

    def __repr__(self) -> str:
        return f"PrivateKeyAuth(client_id={self._settings.client_id!r}, private_key='***')"

    @property
    def scopes(self) -> tuple[str, ...]:
        return self._settings.oauth_scopes

    def headers(self, method: str, url: str) -> dict[str, str]:
        slot = self.slot()
        token = slot.get(self._clock, self._fetch)
        if token.token_type != "DPoP":
            return {"Authorization": f"Bearer {token.value}"}
        proof = slot.dpop().proof(method, url, now=self._clock(), access_token=token.value)
        return {"Authorization": f"DPoP {token.value}", "DPoP": proof}

    def invalidate(self, sent: Mapping[str, str] | None = None) -> None:
        value = (sent or {}).get("Authorization", "")
        if self._slot is not None and value:
            self._slot.drop(value.partition(" ")[2])

    def slot(self) -> TokenSlot:
        """This connection's entry in the process-wide token cache."""
        if self._slot is None:
            key = self.signing_key()
            settings = self._settings
            assert settings.client_id is not None
            self._slot = self._cache.slot(
                SlotKey(settings.org_url, settings.client_id, self.scopes, key.fingerprint, key.kid)
            )
        return self._slot

    def signing_key(self) -> SigningKey:
        if self._key is None:
            self._key = load_signing_key(self._settings.private_key or "", self._settings.key_id)
        return self._key

    def client_assertion(self) -> str:
        """A fresh signed ``private_key_jwt`` assertion."""
        now = int(self._clock())
        claims = {
            "iss": self._settings.client_id,
            "sub": self._settings.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return self.signing_key().sign(claims)

    # -- the token request ------------------------------------------------------------------
    def _fetch(self, slot: TokenSlot) -> AccessToken:
        """A new token (called with the slot locked): DPoP and the nonce as the endpoint asks."""
        mode = self._settings.dpop
        use_dpop = mode == "on" or (mode == "auto" and slot.dpop_required)
        nonce_retried = False
        for _ in range(_MAX_TOKEN_REQUESTS):
            resp, body = self._post(slot, use_dpop)
            if resp.status_code == 200 and isinstance(body, dict) and isinstance(body.get("access_token"), str):
                return self._token(body)
            error = body.get("error") if isinstance(body, dict) else None
            if error == "use_dpop_nonce" and mode != "off" and slot.nonce and not nonce_retried:
                nonce_retried = use_dpop = slot.dpop_required = True
            elif error == "invalid_dpop_proof" and mode == "auto" and not use_dpop:
                use_dpop = slot.dpop_required = True
            else:
                break
            log.debug(
                "POST %s -> %d %s: retrying with %s",
                TOKEN_PATH,
                resp.status_code,
                error,
                "the server's nonce" if error == "use_dpop_nonce" else "a DPoP proof",
            )
        raise self._token_error(resp.status_code, body, use_dpop)

    def _post(self, slot: TokenSlot, use_dpop: bool) -> tuple[requests.Response, Any]:
        settings = self._settings
        form = {
            "grant_type": "client_credentials",
            "scope": " ".join(self.scopes),
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
        }
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": settings.user_agent,
        }
        if use_dpop:
            headers["DPoP"] = slot.dpop().proof("POST", self.token_url, now=self._clock(), nonce=slot.nonce)
        self.token_requests += 1
        try:
            resp = self._session.post(
                self.token_url,
                data=form,
                headers=headers,
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
                request=f"POST {TOKEN_PATH}",
            ) from e
        nonce = resp.headers.get("DPoP-Nonce")
        if nonce:
            slot.nonce = nonce
        log.debug("POST %s -> %d%s", TOKEN_PATH, resp.status_code, " (DPoP)" if use_dpop else "")
        return resp, body

    def _token(self, body: Mapping[str, Any]) -> AccessToken:
        value = body["access_token"]
        register_secret(value)
        try:
            lifetime = max(float(body.get("expires_in", 3600)), 1.0)
        except (TypeError, ValueError):
            lifetime = 3600.0
        token_type = "DPoP" if str(body.get("token_type", "Bearer")).lower() == "dpop" else "Bearer"
        # Refresh a minute early (or at half-life for short-lived tokens).
        return AccessToken(value, token_type, self._clock() + max(lifetime - 60.0, lifetime / 2.0))

    def _token_error(self, status: int, body: Any, used_dpop: bool) -> OperationalError:
        settings = self._settings
        err = parse_error_body(body)
        code = err.code if err else None
        if err is not None and (err.code or err.summary):
            detail = f"{err.code}: {err.summary}" if err.summary and err.summary != err.code else str(err.code)
            hint = _OAUTH_HINTS.get(code or "", "Check client_id, private_key and scopes.")
            if code == "invalid_client" and "kid" in (err.summary or ""):
                hint = _KID_HINT
            elif code in ("invalid_dpop_proof", "use_dpop_nonce") and settings.dpop == "off":
                hint = _DPOP_OFF_HINT
        elif 300 <= status < 400:
            detail, hint = "a redirect", "Set org_url to the Okta org itself."
        elif status == 200:
            detail, hint = "no access_token in the answer", "Check that org_url is an Okta org."
        else:
            detail, hint = "no OAuth error body", "Check that org_url is an Okta org."
        return OperationalError(
            redact(
                f"The token endpoint {self.token_url} answered {status} ({detail}) for client_id "
                f"{settings.client_id} with scopes {' '.join(self.scopes)}"
                f"{' (with DPoP)' if used_dpop else ''}. {hint}"
            ),
            status=status,
            error_code=code,
            error_summary=err.summary if err else None,
            request=f"POST {TOKEN_PATH}",
        )


def make_auth(settings: Settings, session: requests.Session, *, clock: Callable[[], float] = time.time) -> Auth:
    if settings.authorization_mode == "PrivateKey":
        return PrivateKeyAuth(settings, session, clock=clock)
    return StaticAuth(settings.authorization_mode, settings.token)


__all__ = ["ASSERTION_LIFETIME", "TOKEN_PATH", "Auth", "PrivateKeyAuth", "StaticAuth", "make_auth"]
