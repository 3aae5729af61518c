"""The UserFactor record and its JSON rendering (``_links`` / ``_embedded`` as Okta returns them)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .ids import iso


@dataclass
class Factor:
    id: str
    factor_type: str
    provider: str
    status: str
    created: float
    last_updated: float
    profile: dict[str, Any] = field(default_factory=dict)
    secret: str = ""  # the passcode / answer that verifies or activates this factor
    shared_secret: str = ""  # base32 TOTP seed shown while PENDING_ACTIVATION
    last_resend: float | None = None  # for the one-resend-per-30-s limit (sms/call)
    push_outcome: str | None = None  # forced outcome for this factor's push transactions

    @property
    def vendor(self) -> str:
        k = catalog.kind(self.factor_type, self.provider)
        return k.vendor if k else self.provider


def _link(href: str, *methods: str, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"href": href, "hints": {"allow": list(methods)}}
    if name is not None:
        out = {"name": name, **out}
    return out


def factor_url(base: str, user_id: str, factor_id: str) -> str:
    return f"{base}/api/v1/users/{user_id}/factors/{factor_id}"


def render(f: Factor, base: str, user_id: str) -> dict[str, Any]:
    """The UserFactor JSON for ``f`` with absolute links under ``base``."""
    url = factor_url(base, user_id, f.id)
    user_url = f"{base}/api/v1/users/{user_id}"
    links: dict[str, Any] = {}
    embedded: dict[str, Any] = {}
    if f.status == "PENDING_ACTIVATION":
        links["activate"] = _link(f"{url}/lifecycle/activate", "POST")
        if f.factor_type in catalog.OTP_SENT_TYPES:
            # Real Okta sends ``resend`` as an array of link objects (see the spec's own examples);
            # the schema says a single object. validation.normalise_known_departures() accounts for it.
            links["resend"] = [_link(f"{url}/resend", "POST", name=f.factor_type)]
        links["self"] = _link(url, "GET")
        embedded = _activation(f, base, user_id)
    else:
        if f.factor_type == "question":
            links["questions"] = _link(f"{user_url}/factors/questions", "GET")
        links["verify"] = _link(f"{url}/verify", "POST")
        links["self"] = _link(url, "GET", "DELETE")
    links["user"] = _link(user_url, "GET")
    out: dict[str, Any] = {
        "id": f.id,
        "factorType": f.factor_type,
        "provider": f.provider,
        "vendorName": f.vendor,
        "status": f.status,
        "created": iso(f.created),
        "lastUpdated": iso(f.last_updated),
        "profile": copy.deepcopy(f.profile),
        "_links": links,
    }
    if embedded:
        out["_embedded"] = embedded
    return out


def _activation(f: Factor, base: str, user_id: str) -> dict[str, Any]:
    url = factor_url(base, user_id, f.id)
    if f.factor_type == "token:software:totp":
        return {
            "activation": {
                "timeStep": 30,
                "sharedSecret": f.shared_secret,
                "encoding": "base32",
                "keyLength": 6,
                "_links": {"qrcode": {"href": f"{url}/qr/00{f.shared_secret}", "type": "image/png"}},
            }
        }
    if f.factor_type == "push":
        return {
            "activation": {
                "expiresAt": iso(f.created + 600),
                "factorResult": "WAITING",
                "_links": {"qrcode": {"href": f"{url}/qr/00{f.shared_secret}", "type": "image/png"}},
            }
        }
    if f.factor_type == "webauthn":
        return {
            "activation": {
                "attestation": "direct",
                "authenticatorSelection": {"userVerification": "preferred", "requireResidentKey": False},
                "challenge": f.shared_secret,
                "excludeCredentials": [],
                "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
                "rp": {"name": "Okta Emulator"},
                "user": {"id": user_id},
            }
        }
    if f.factor_type == "u2f":
        return {"activation": {"version": "U2F_V2", "nonce": f.shared_secret, "timeoutSeconds": 20}}
    return {}
