"""DPoP proofs as Okta checks them (RFC 9449), and the server nonces it hands out.

A proof must have ``typ: dpop+jwt``, a public ``jwk`` header whose key signed it (RS*/ES*),
``htm`` = the method, ``htu`` = the URL without query and fragment with its path percent-decoded
(Okta normalises the path before comparing), an ``iat`` within :data:`PROOF_WINDOW` of the
server's clock, a ``jti`` not seen before, ``ath`` on API requests, and, where asked, the
current (or previous) server ``nonce``. Nonces rotate every ``nonce_lifetime`` seconds of the
org clock, or on :meth:`ProofChecker.rotate_nonce`. Failures carry Okta's messages.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from .jose import ALGORITHMS, JoseError, public_keys, thumbprint, unverified
from .jose import verify_signature as _verify

PROOF_WINDOW = 300  # seconds a DPoP proof's iat may be off the server's clock


class UseNonce(Exception):
    """The proof lacks the current server nonce (answered ``use_dpop_nonce``)."""


class Replays:
    """``jti`` values seen, forgotten once the JWT they came with has expired."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, jti: str, until: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
            if jti in self._seen:
                return False
            self._seen[jti] = until
            return True


def without_query(url: str) -> str:
    """The URL a DPoP ``htu`` must equal: no query or fragment, and the path percent-decoded, as
    Okta normalises it (a proof for ``/users/a%40b.com`` fails; ``/users/a@b.com`` passes)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{unquote(parts.path)}"


class ProofChecker:
    """Checks DPoP proofs and keeps the server nonces; thread-safe."""

    def __init__(self, clock: Callable[[], float], nonce_lifetime: float = 300.0) -> None:
        self._clock = clock
        self.nonce_lifetime = float(nonce_lifetime)
        self._lock = threading.Lock()
        self._proofs = Replays()
        self._nonces: list[str] = []  # newest last; the current and the previous one are valid
        self._nonce_at = 0.0

    def rotate_nonce(self) -> str:
        """Start a new nonce period now (the previous nonce stays valid for this period)."""
        with self._lock:
            return self._rotate()

    def _rotate(self) -> str:
        self._nonces = [*self._nonces[-1:], secrets.token_urlsafe(24)]
        self._nonce_at = self._clock()
        return self._nonces[-1]

    def current_nonce(self) -> str:
        with self._lock:
            if not self._nonces or self._clock() - self._nonce_at >= self.nonce_lifetime:
                self._rotate()
            return self._nonces[-1]

    def _nonce_valid(self, nonce: Any) -> bool:
        current = self.current_nonce()
        with self._lock:
            return isinstance(nonce, str) and (nonce == current or nonce in self._nonces)

    def check(self, proof: str, method: str, url: str, *, nonce_required: bool = False, ath: str | None = None) -> str:
        """The JWK thumbprint of a valid proof for (method, url); JoseError (or UseNonce) otherwise."""
        try:
            header, claims = unverified(proof)
        except JoseError:
            raise JoseError("DPoP proof JWT cannot be parsed.") from None
        if header.get("typ") != "dpop+jwt":
            raise JoseError("'typ' header in the DPoP proof JWT is invalid.")
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or "d" in jwk:
            raise JoseError("'jwk' header in the DPoP proof JWT is invalid.")
        alg = str(header.get("alg"))
        if alg not in ALGORITHMS.get(str(jwk.get("kty")), ()):
            raise JoseError(f"the alg {alg!r} does not fit the jwk")
        _verify(proof, public_keys(jwk)[0], alg)
        if claims.get("htm") != method:
            raise JoseError("'htm' claim in the DPoP proof JWT is invalid.")
        if not isinstance(claims.get("htu"), str) or claims["htu"] != without_query(url):
            raise JoseError("'htu' claim in the DPoP proof JWT is invalid.")
        now = self._clock()
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or abs(now - iat) > PROOF_WINDOW:
            raise JoseError("'iat' claim in the DPoP proof JWT is invalid.")
        if ath is not None and claims.get("ath") != ath:
            raise JoseError("'ath' claim in the DPoP proof JWT is invalid.")
        if nonce_required and not self._nonce_valid(claims.get("nonce")):
            raise UseNonce()
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or not self._proofs.first_use(jti, now + 2 * PROOF_WINDOW, now):
            raise JoseError("'jti' claim in the DPoP proof JWT is invalid or was already used.")
        return thumbprint(jwk)


__all__ = ["PROOF_WINDOW", "ProofChecker", "Replays", "UseNonce", "without_query"]
