"""Service apps: the org authorization server's ``POST /oauth2/v1/token`` and scoped API access.

The token endpoint serves the client-credentials grant with a ``private_key_jwt`` client assertion
the way Okta does: it checks the assertion's signature (RS256/384/512, ES256/384/512), ``aud`` (the
token URL), ``iss`` = ``sub`` = client_id, ``exp`` (at most an hour ahead) and ``jti`` (no replay);
a ``kid`` must name one of the app's keys (required when the app has several). With a ``DPoP``
proof (required when ``require_dpop``) it checks ``typ``, the ``jwk`` header, the signature,
``htm``, ``htu``, ``iat``, ``jti`` and the server ``nonce`` (see :mod:`.dpop`): a missing or stale
nonce is answered ``400 use_dpop_nonce`` with a fresh ``DPoP-Nonce`` header.

On the API, ``Authorization: Bearer <token>`` or ``DPoP <token>`` plus a fresh proof with ``ath``
(bound to the token's ``cnf.jkt``) is accepted; each endpoint needs a scope (reads
``okta.users.read`` or ``okta.users.manage``, writes ``okta.users.manage``, ``/api/v1/logs``
``okta.logs.read``). A missing scope is a 403 with an empty body and a ``WWW-Authenticate``
header naming the scope, as Okta answers.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .dpop import ProofChecker, Replays, UseNonce, without_query
from .errors import OktaError
from .jose import ALGORITHMS, JoseError, PublicKey, access_token_hash, public_keys, unverified
from .jose import verify_signature as _verify

TOKEN_PATH = "/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
API_SCOPES = ("okta.users.read", "okta.users.manage", "okta.logs.read")
MAX_ASSERTION_LIFETIME = 3600
_CLIENT_FAILED = "Client authentication failed. Either the client or the client credentials are invalid."
_SCOPE_DESCRIPTION = "The access token provided does not contain the required scopes."


@dataclass
class OAuthClient:
    """A registered service app: its public keys and the Okta API scopes granted to it."""

    keys: Any
    scopes: tuple[str, ...] = API_SCOPES

    def public_keys(self) -> list[PublicKey]:
        return public_keys(self.keys)


@dataclass(frozen=True)
class Grant:
    client_id: str
    scopes: frozenset[str]
    jkt: str | None  # DPoP key thumbprint the token is bound to (cnf.jkt), None for Bearer
    expires_at: float


@dataclass
class TokenAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Challenge(Exception):
    """An API request refused by auth: a status, a ``WWW-Authenticate`` value, an optional Okta body."""

    def __init__(self, status: int, www_authenticate: str, error: OktaError | None) -> None:
        super().__init__(f"{status} {www_authenticate}")
        self.status = status
        self.www_authenticate = www_authenticate
        self.error = error


class _TokenError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, nonce: str | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.answer = TokenAnswer(status, {"error": error, "error_description": description})
        if nonce is not None:
            self.answer.headers["DPoP-Nonce"] = nonce


def required_scopes(method: str, path: str) -> tuple[str, ...]:
    """The scopes of which an access token needs one for (method, path); the first is named on 403."""
    if path == "/api/v1/logs" or path.startswith("/api/v1/logs/"):
        return ("okta.logs.read",)
    if path == "/api/v1/users" or path.startswith("/api/v1/users/"):
        if method in ("GET", "HEAD"):
            return ("okta.users.read", "okta.users.manage")
        return ("okta.users.manage",)
    return ()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


class OAuthServer:
    """The org authorization server of an :class:`~.app.Emulator` (``emu.oauth``)."""

    def __init__(
        self,
        clients: Mapping[str, Any],
        clock: Callable[[], float],
        *,
        require_dpop: bool = False,
        token_lifetime: float = 3600.0,
        nonce_lifetime: float = 300.0,
    ) -> None:
        self.clients: dict[str, OAuthClient] = {}
        self._keys: dict[str, list[PublicKey]] = {}
        for client_id, spec in clients.items():
            client = spec if isinstance(spec, OAuthClient) else OAuthClient(spec)
            self.clients[client_id] = client
            self._keys[client_id] = client.public_keys()
        self.require_dpop = require_dpop
        self.token_lifetime = float(token_lifetime)
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self._assertions = Replays()
        #: DPoP proofs and nonces (``emu.oauth.dpop.rotate_nonce()``)
        self.dpop = ProofChecker(clock, nonce_lifetime)
        #: access tokens issued so far
        self.tokens_issued = 0
        #: (client_id, alg, kid) of every client assertion that passed
        self.assertions: list[tuple[str, str, str | None]] = []

    # -- the token endpoint --------------------------------------------------------------------
    def token(self, method: str, url: str, headers: Mapping[str, str], raw_body: bytes) -> TokenAnswer:
        """Answer one request to ``/oauth2/v1/token``."""
        try:
            if method != "POST":
                raise _TokenError("invalid_request", "The token endpoint only accepts POST.", 405)
            ctype = (_header(headers, "Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/x-www-form-urlencoded":
                raise _TokenError("invalid_request", "The request must be application/x-www-form-urlencoded.")
            form = {k: v[0] for k, v in parse_qs(raw_body.decode("utf-8", "replace")).items()}
            if form.get("grant_type") != "client_credentials":
                raise _TokenError(
                    "unsupported_grant_type", "The authorization grant type is not supported by the server."
                )
            client_id = self._authenticate(form, url)
            scopes = self._scopes(client_id, form.get("scope"))
            jkt = self._token_proof(url, headers)
            return self._issue(client_id, scopes, jkt)
        except _TokenError as e:
            return e.answer

    def _authenticate(self, form: Mapping[str, str], url: str) -> str:
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise _TokenError("invalid_client", "A client_assertion of type jwt-bearer is required.", 401)
        assertion = form["client_assertion"]
        try:
            header, claims = unverified(assertion)
        except JoseError as e:
            raise _TokenError("invalid_client", f"The client_assertion is invalid: {e}.", 401) from None
        client_id = claims.get("iss")
        if not isinstance(client_id, str) or client_id not in self.clients:
            raise _TokenError("invalid_client", _CLIENT_FAILED, 401)
        if claims.get("sub") != client_id or form.get("client_id", client_id) != client_id:
            raise _TokenError("invalid_client", "The client_assertion sub must equal its iss (the client_id).", 401)
        key = self._pick_key(client_id, header.get("kid"))
        try:
            _verify(assertion, key, str(header.get("alg")))
        except JoseError as e:
            raise _TokenError("invalid_client", f"The client_assertion signature is invalid: {e}.", 401) from None
        self._check_assertion_claims(claims, url)
        with self._lock:
            self.assertions.append((client_id, str(header.get("alg")), header.get("kid")))
        return client_id

    def _pick_key(self, client_id: str, kid: Any) -> PublicKey:
        keys = self._keys[client_id]
        if kid is None and len(keys) == 1:
            return keys[0]
        for key in keys:
            if key.kid == kid:
                return key
        raise _TokenError("invalid_client", "The client_assertion JWT kid is invalid.", 401)

    def _check_assertion_claims(self, claims: Mapping[str, Any], url: str) -> None:
        now = self._clock()
        aud = claims.get("aud")
        if without_query(url) not in ([aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []):
            raise _TokenError(
                "invalid_client",
                "The audience claim for client_assertion must be the endpoint invoked for the request.",
                401,
            )
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise _TokenError("invalid_client", "The client_assertion token is expired.", 401)
        iat = claims.get("iat", now)
        if exp - min(now, iat if isinstance(iat, int | float) else now) > MAX_ASSERTION_LIFETIME:
            raise _TokenError(
                "invalid_client", "The client_assertion token has an expiration too far in the future.", 401
            )
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise _TokenError("invalid_client", "The client_assertion token must have a jti claim.", 401)
        if not self._assertions.first_use(jti, float(exp), now):
            raise _TokenError("invalid_client", "The client_assertion token has already been used.", 401)

    def _scopes(self, client_id: str, requested: str | None) -> frozenset[str]:
        wanted = (requested or "").split()
        if not wanted:
            raise _TokenError(
                "invalid_scope",
                "The authorization server resource does not have any configured default scopes, "
                "'scope' must be provided.",
            )
        granted = set(self.clients[client_id].scopes)
        missing = [s for s in wanted if s not in granted]
        if missing:
            raise _TokenError(
                "invalid_scope",
                f"The following scopes were requested, but not granted to the client: {' '.join(missing)}",
            )
        return frozenset(wanted)

    def _token_proof(self, url: str, headers: Mapping[str, str]) -> str | None:
        proof = _header(headers, "DPoP")
        if proof is None:
            if self.require_dpop:
                raise _TokenError("invalid_dpop_proof", "The DPoP proof JWT header is missing.")
            return None
        try:
            return self.dpop.check(proof, "POST", url, nonce_required=True)
        except UseNonce:
            raise _TokenError(
                "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.", nonce=self.dpop.current_nonce()
            ) from None
        except JoseError as e:
            raise _TokenError("invalid_dpop_proof", str(e)) from None

    def _issue(self, client_id: str, scopes: frozenset[str], jkt: str | None) -> TokenAnswer:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._grants[token] = Grant(client_id, scopes, jkt, self._clock() + self.token_lifetime)
            self.tokens_issued += 1
        body = {
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": int(self.token_lifetime),
            "access_token": token,
            "scope": " ".join(sorted(scopes)),
        }
        return TokenAnswer(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def grants(self) -> dict[str, Grant]:
        """The access tokens issued so far and what they grant."""
        with self._lock:
            return dict(self._grants)

    def expire_tokens(self) -> None:
        """Make every issued token expired now (as if its lifetime had passed)."""
        with self._lock:
            now = self._clock()
            self._grants = {t: replace(g, expires_at=min(g.expires_at, now)) for t, g in self._grants.items()}

    # -- the API -------------------------------------------------------------------------------
    def authorize(self, method: str, url: str, path: str, headers: Mapping[str, str]) -> Grant:
        """The grant behind an API request's OAuth token; :class:`Challenge` if refused."""
        scheme, _, token = (_header(headers, "Authorization") or "").partition(" ")
        token = token.strip()
        with self._lock:
            grant = self._grants.get(token)
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if grant is None or scheme not in ("Bearer", "DPoP"):
            raise _invalid_token(scheme, base, "The access token is invalid.")
        if grant.expires_at <= self._clock():
            raise _invalid_token(scheme, base, "The access token has expired.")
        if (grant.jkt is not None) != (scheme == "DPoP"):
            raise _invalid_token(scheme, base, f"A {'DPoP' if grant.jkt else 'Bearer'} token was sent as {scheme}.")
        if grant.jkt is not None:
            proof = _header(headers, "DPoP")
            try:
                if proof is None:
                    raise JoseError("The DPoP proof JWT header is missing.")
                if self.dpop.check(proof, method, url, ath=access_token_hash(token)) != grant.jkt:
                    raise JoseError("The DPoP proof JWT key does not match the access token's cnf.jkt.")
            except JoseError as e:
                scope = required_scopes(method, path)
                value = _www(
                    scheme, base, "invalid_dpop_proof", str(e), scope=scope[0] if scope else None, resource=path
                )
                raise Challenge(400, value, None) from None  # Okta answers a bad proof with 400, not 401
        needed = required_scopes(method, path)
        if needed and not grant.scopes.intersection(needed):
            value = _www(scheme, base, "insufficient_scope", _SCOPE_DESCRIPTION, scope=needed[0], resource=path)
            raise Challenge(403, value, None)
        return grant


def _www(
    scheme: str, base: str, error: str, description: str, scope: str | None = None, resource: str | None = None
) -> str:
    parts = [f'authorization_uri="{base}/oauth2/v1/authorize"', f'realm="{base}"']
    if scope:
        parts.append(f'scope="{scope}"')
    parts += [f'error="{error}"', f'error_description="{description}"']
    if resource:
        parts.append(f'resource="{resource}"')
    if scheme == "DPoP":
        parts.insert(0, f'algs="{" ".join(a for algs in ALGORITHMS.values() for a in algs)}"')
        return f"DPoP {', '.join(parts)}"
    return f"Bearer {', '.join(parts)}"


def _invalid_token(scheme: str, base: str, description: str) -> Challenge:
    return Challenge(
        401, _www(scheme, base, "invalid_token", description), OktaError(401, "E0000011", "Invalid token provided")
    )


__all__ = ["API_SCOPES", "TOKEN_PATH", "Challenge", "Grant", "OAuthClient", "OAuthServer", "required_scopes"]
