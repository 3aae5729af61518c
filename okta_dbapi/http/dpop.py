"""DPoP proofs (RFC 9449): an ephemeral key that proves the sender of a token holds it.

Each token cache entry (one per org, client, scopes and key in the process) makes one P-256 key
the first time the token endpoint asks for DPoP; its tokens are bound to that key, so every
connection sharing the token signs its proofs with it. A proof is made per HTTP request, retries
included: ``typ: dpop+jwt``, the public ``jwk`` in the header, ``htm``, ``htu`` (the URL without
query and fragment, its path percent-decoded as Okta compares it), ``iat``, a random ``jti``, the
server's ``nonce`` when it gave one, and on API requests ``ath`` (the access token's SHA-256).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

from okta_dbapi.http.keys import b64url, jwk_thumbprint, public_jwk

ALGORITHM = "ES256"


def htu(url: str) -> str:
    """The ``htu`` claim: the request URL without query and fragment, its path percent-decoded.

    Okta decodes the request path before comparing it with ``htu`` (okta-sdk-python#541): a proof
    for ``/api/v1/users/a%40example.com`` is refused, one for ``/api/v1/users/a@example.com`` passes.
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{unquote(parts.path)}"


def access_token_hash(token: str) -> str:
    return b64url(hashlib.sha256(token.encode("ascii")).digest())


class DPoPKey:
    """An ephemeral EC P-256 key pair; :meth:`proof` signs one DPoP proof JWT."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self._key = ec.generate_private_key(ec.SECP256R1())
        self._jwk = public_jwk(self._key)
        self.thumbprint = jwk_thumbprint(self._jwk)

    def __repr__(self) -> str:
        return f"DPoPKey(jkt={self.thumbprint!r})"

    def proof(
        self, method: str, url: str, *, now: float, access_token: str | None = None, nonce: str | None = None
    ) -> str:
        import jwt

        claims: dict[str, Any] = {
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(now),
            "jti": uuid.uuid4().hex,
        }
        if nonce:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        headers = {"typ": "dpop+jwt", "jwk": self._jwk}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers=headers)


__all__ = ["DPoPKey", "access_token_hash", "htu"]
