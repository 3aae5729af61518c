"""JOSE helpers for the emulator's authorization server: public keys, thumbprints, JWT checks.

PyJWT (with cryptography) is imported lazily, so the emulator stays importable without it as
long as no service app is configured.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: the algorithms Okta accepts for client assertions and DPoP proofs, by key type
ALGORITHMS = {"RSA": ("RS256", "RS384", "RS512"), "EC": ("ES256", "ES384", "ES512")}


class JoseError(Exception):
    """A JWT or key that does not pass; the message is safe to send back to the client."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_module() -> Any:
    try:
        import jwt
        from jwt import algorithms  # noqa: F401  (needs cryptography for RSA/EC)
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "service apps in the emulator need PyJWT with cryptography: pip install 'pyjwt[crypto]'"
        ) from None
    return jwt


@dataclass(frozen=True)
class PublicKey:
    kid: str
    kty: str  # "RSA" or "EC"
    key: Any  # a cryptography public key
    jwk: dict[str, Any]


def _public_jwk(key: Any) -> dict[str, Any]:
    """The public JWK of a cryptography key (private keys give their public half)."""
    jwt = jwt_module()
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        key = key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return dict(json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key)))
    if isinstance(key, ec.EllipticCurvePublicKey):
        return dict(json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key)))
    raise ValueError(f"unsupported key type {type(key).__name__}: expected an RSA or EC key")


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 JWK SHA-256 thumbprint (base64url)."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    try:
        canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    except KeyError as e:
        raise JoseError(f"the JWK lacks the member {e.args[0]}") from None
    return b64url(hashlib.sha256(canonical.encode()).digest())


def load_public_jwk(jwk: dict[str, Any]) -> Any:
    """A cryptography public key from a JWK (private members are ignored)."""
    jwt = jwt_module()
    kty = jwk.get("kty")
    public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
    try:
        if kty == "RSA":
            return jwt.algorithms.RSAAlgorithm.from_jwk(public)
        if kty == "EC":
            return jwt.algorithms.ECAlgorithm.from_jwk(public)
    except Exception as e:
        raise JoseError(f"the JWK is not a valid {kty} key ({e.__class__.__name__})") from None
    raise JoseError(f"unsupported JWK kty {kty!r}: expected RSA or EC")


def public_keys(spec: Any) -> list[PublicKey]:
    """Registered keys from a PEM (public or private), a JWK, a JWK Set, a key object or a list."""
    if isinstance(spec, list | tuple):
        return [k for item in spec for k in public_keys(item)]
    if isinstance(spec, dict) and isinstance(spec.get("keys"), list):
        return public_keys(spec["keys"])
    if isinstance(spec, str | bytes):
        text = spec.decode() if isinstance(spec, bytes) else spec
        if text.strip().startswith("{"):
            return public_keys(json.loads(text))
        spec = _load_pem(text)
    if isinstance(spec, dict):
        key = load_public_jwk(spec)
        jwk = _public_jwk(key)
        kid = str(spec.get("kid") or thumbprint(jwk))
    else:
        jwk = _public_jwk(spec)
        key = load_public_jwk(jwk)
        kid = thumbprint(jwk)
    jwk["kid"] = kid
    return [PublicKey(kid, jwk["kty"], key, jwk)]


def _load_pem(text: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    data = text.strip().encode()
    if b"PRIVATE KEY" in data:
        return serialization.load_pem_private_key(data, password=None)
    return serialization.load_pem_public_key(data)


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT without checking it; JoseError if it is not a JWT."""
    jwt = jwt_module()
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except Exception:
        raise JoseError("the value is not a well-formed JWT") from None
    if not isinstance(claims, dict):
        raise JoseError("the JWT claims are not a JSON object")
    return header, claims


def verify_signature(token: str, key: PublicKey | Any, alg: str, kty: str | None = None) -> dict[str, Any]:
    """The claims of ``token`` if ``key`` signed it with ``alg`` (claims themselves unchecked)."""
    jwt = jwt_module()
    kty = kty or (key.kty if isinstance(key, PublicKey) else None)
    allowed: Iterable[str] = ALGORITHMS.get(kty or "", ())
    if alg not in allowed:
        raise JoseError(f"the JWT alg {alg!r} is not supported for a {kty} key")
    raw_key = key.key if isinstance(key, PublicKey) else key
    try:
        claims = jwt.decode(
            token,
            raw_key,
            algorithms=[alg],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
        )
    except Exception:
        raise JoseError("the JWT signature is invalid") from None
    return dict(claims)


def access_token_hash(token: str) -> str:
    """The DPoP ``ath`` claim: base64url(SHA-256(access token))."""
    return b64url(hashlib.sha256(token.encode("ascii")).digest())


__all__ = [
    "ALGORITHMS",
    "JoseError",
    "PublicKey",
    "access_token_hash",
    "public_keys",
    "thumbprint",
    "unverified",
    "verify_signature",
]
