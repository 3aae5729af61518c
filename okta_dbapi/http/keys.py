"""The service app's private key: loaded from PEM, JWK, JWK Set or a file, with the JWS algorithm.

Okta accepts RSA keys (RS256/384/512) and EC keys on P-256/P-384/P-521 (ES256/384/512) for
``private_key_jwt``. The algorithm follows the key: an RSA JWK's ``alg`` when it names an RS*
algorithm, RS256 otherwise; an EC key's curve. PEM may be PKCS#1 (``BEGIN RSA PRIVATE KEY``),
SEC1 (``BEGIN EC PRIVATE KEY``) or PKCS#8 (``BEGIN PRIVATE KEY``). A JWK Set is searched for the
``key_id``, or must hold a single key. Needs PyJWT with cryptography (the ``oauth`` extra).

Every failure is an :class:`~okta_dbapi.exceptions.InterfaceError` that says what is wrong with
the key and how to fix it, and never quotes the key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from okta_dbapi.exceptions import InterfaceError
from okta_dbapi.redact import register_secret

_RSA_ALGS = ("RS256", "RS384", "RS512")
_EC_ALGS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_SUPPORTED = "Okta accepts RSA keys and EC keys on P-256, P-384 or P-521"


@dataclass(frozen=True)
class SigningKey:
    """A private key ready to sign client assertions. ``repr`` never shows the key."""

    key: Any  # a cryptography private key
    algorithm: str
    kid: str | None
    #: the RFC 7638 thumbprint of the public key: names the key in caches (not a secret)
    fingerprint: str

    def __repr__(self) -> str:
        return f"SigningKey(algorithm={self.algorithm!r}, kid={self.kid!r}, key='***')"

    def sign(self, claims: dict[str, Any]) -> str:
        import jwt

        headers = {"kid": self.kid} if self.kid else None
        try:
            return jwt.encode(claims, self.key, algorithm=self.algorithm, headers=headers)
        except Exception as e:
            raise InterfaceError(
                f"could not sign the client assertion with the {self.algorithm} key: {e.__class__.__name__}"
            ) from None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required public members, sorted, without whitespace."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk(key: Any) -> dict[str, Any]:
    """The public JWK of an RSA or EC private (or public) key."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    public = key.public_key() if hasattr(key, "public_key") else key
    algorithm = ECAlgorithm if isinstance(public, ec.EllipticCurvePublicKey) else RSAAlgorithm
    return dict(json.loads(algorithm.to_jwk(public)))


def load_signing_key(text: str, key_id: str | None = None) -> SigningKey:
    """A :class:`SigningKey` from PEM text, a JWK, a JWK Set (JSON text) or a path to a file of one."""
    try:
        import jwt  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: F401
    except ImportError:
        raise InterfaceError(
            "authorization_mode 'PrivateKey' needs PyJWT with cryptography: pip install 'okta-dbapi[oauth]'"
        ) from None
    raw = _read(text)
    if raw.startswith("{"):
        key, alg_hint, kid = _from_json(raw, key_id)
    else:
        key, alg_hint, kid = _from_pem(raw), None, None
    return _signing_key(key, alg_hint, key_id or kid)


def _read(text: str) -> str:
    raw = text.strip()
    if raw.startswith(("-----BEGIN", "{")) or "-----BEGIN" in raw[:64]:
        return raw
    path = Path(raw).expanduser()
    try:
        content = path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or e.__class__.__name__
        if _looks_like_path(raw):
            where = f"{path}: {reason}"
        else:  # perhaps key material without its PEM header: never echo it
            register_secret(raw)
            where = "the value is not a path to a readable file either"
        raise InterfaceError(
            f"private_key is neither PEM text, a JWK, a JWK Set, nor a readable file ({where}); "
            "pass the key itself (with its -----BEGIN ... line) or the path of a file holding it"
        ) from None
    register_secret(content)
    return content


_PATH_SUFFIXES = (".pem", ".key", ".json", ".jwk", ".jwks", ".txt", ".p8")


def _looks_like_path(raw: str) -> bool:
    """Whether a value that is not a key can be shown in an error as a path (base64 has '/' too)."""
    if len(raw) > 300 or any(c.isspace() for c in raw):
        return False
    return raw.startswith(("~", "./", "../")) or raw.lower().endswith(_PATH_SUFFIXES)


def _from_pem(raw: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if "\n" not in raw and "\\n" in raw:
        raise InterfaceError(
            "private_key is PEM text with literal \\n sequences instead of line breaks (as some .env "
            "files and CI secrets store it): put real line breaks in it, or save the key to a file and "
            "pass its path"
        )
    first = raw.splitlines()[0]
    if "ENCRYPTED" in first or "Proc-Type: 4,ENCRYPTED" in raw:
        raise _encrypted()
    if "PUBLIC KEY" in first or "CERTIFICATE" in first:
        raise InterfaceError(
            "private_key holds a public key or certificate: pass the private key of the service app's "
            "key pair (Okta keeps only the public half)"
        )
    try:
        return load_pem_private_key(raw.encode(), password=None)
    except TypeError:
        raise _encrypted() from None
    except Exception as e:
        raise InterfaceError(
            f"private_key could not be read as a PEM private key ({e.__class__.__name__}); expected "
            "-----BEGIN PRIVATE KEY----- (PKCS#8), -----BEGIN RSA PRIVATE KEY----- or "
            "-----BEGIN EC PRIVATE KEY----- text"
        ) from None


def _encrypted() -> InterfaceError:
    return InterfaceError(
        "private_key is encrypted with a passphrase, which the driver cannot use: decrypt it first "
        "(openssl pkey -in encrypted.pem -out key.pem) and keep the result as safe as the original"
    )


def _from_json(raw: str, key_id: str | None) -> tuple[Any, str | None, str | None]:
    try:
        doc = json.loads(raw)
    except ValueError:
        raise InterfaceError(
            "private_key looks like JSON but is not valid JSON (expected a JWK or a JWK Set)"
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        doc = _pick(doc["keys"], key_id)
    if not isinstance(doc, dict):
        raise InterfaceError('private_key JSON must be a JWK object or a JWK Set ({"keys": [...]})')
    kty = doc.get("kty")
    if kty not in ("RSA", "EC"):
        raise InterfaceError(f"private_key is a JWK of unsupported kty {kty!r}: {_SUPPORTED}")
    if "d" not in doc:
        raise InterfaceError(
            'private_key is a public JWK (no "d" member): pass the private JWK of the key pair whose '
            "public half is registered with the service app"
        )
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    try:
        key = (RSAAlgorithm if kty == "RSA" else ECAlgorithm).from_jwk(doc)
    except Exception as e:
        raise InterfaceError(f"private_key is not a valid {kty} JWK ({e.__class__.__name__})") from None
    for member in ("d", "p", "q", "dp", "dq", "qi"):  # the private parts, should one be quoted alone
        if isinstance(doc.get(member), str):
            register_secret(doc[member])
    kid = doc.get("kid")
    return key, doc.get("alg"), str(kid) if kid else None


def _pick(keys: list[Any], key_id: str | None) -> Any:
    kids = [k.get("kid") for k in keys if isinstance(k, dict)]
    if key_id is not None:
        for key in keys:
            if isinstance(key, dict) and key.get("kid") == key_id:
                return key
        raise InterfaceError(f"private_key is a JWK Set without a key of kid {key_id!r} (its kids: {kids})")
    if len(keys) == 1:
        return keys[0]
    raise InterfaceError(
        f"private_key is a JWK Set of {len(keys)} keys: set key_id (or OKTA_CLIENT_KEYID) to the kid "
        f"to sign with (its kids: {kids})"
    )


def _signing_key(key: Any, alg_hint: Any, kid: str | None) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        algorithm = alg_hint if alg_hint in _RSA_ALGS else "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        curve = key.curve.name
        if curve not in _EC_ALGS:
            raise InterfaceError(f"private_key is an EC key on curve {curve}: {_SUPPORTED}")
        algorithm = _EC_ALGS[curve]
    else:
        raise InterfaceError(f"private_key is a {type(key).__name__.lstrip('_')}: {_SUPPORTED}")
    return SigningKey(key, algorithm, kid, jwk_thumbprint(public_jwk(key)))


__all__ = ["SigningKey", "b64url", "jwk_thumbprint", "load_signing_key", "public_jwk"]
