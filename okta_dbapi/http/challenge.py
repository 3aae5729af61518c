"""``WWW-Authenticate`` on a 400, 401 or 403: what the OAuth resource server says is wrong.

Okta answers a token without the scope an endpoint needs with ``403``, an empty body and e.g.::

    WWW-Authenticate: Bearer authorization_uri="https://org.okta.com/oauth2/v1/authorize",
        realm="https://org.okta.com", scope="okta.users.manage", error="insufficient_scope",
        error_description="The access token provided does not contain the required scopes.",
        resource="/api/v1/users/00u1/factors"

:func:`challenge_error` turns such an answer into a PEP 249 error that names the missing scope.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from okta_dbapi.exceptions import Error, OperationalError
from okta_dbapi.http.errors import parse_error_body
from okta_dbapi.redact import redact

_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_www_authenticate(value: str) -> tuple[str, dict[str, str]]:
    """``(scheme, {param: value})`` of a ``WWW-Authenticate`` value (its first challenge)."""
    scheme, _, rest = value.strip().partition(" ")
    params: dict[str, str] = {}
    for m in _PARAM.finditer(rest):
        name = m.group(1).lower()
        if name in params:  # a second challenge starts; keep the first one's parameters
            break
        params[name] = m.group(2).replace('\\"', '"') if m.group(2) is not None else m.group(3)
    return scheme, params


def _hint(error: str, scope: str | None, scopes: tuple[str, ...]) -> str:
    asked = " ".join(scopes) or "none"
    if error == "insufficient_scope":
        needed = scope or "the scope this endpoint needs"
        return (
            f"The access token lacks {needed} (it was requested with: {asked}). Grant {needed} to the "
            "service app (Applications > the app > Okta API Scopes) and include it in the scopes option; "
            "read_only=True asks only for okta.users.read."
        )
    if error == "invalid_dpop_proof":
        return (
            "Okta rejected the DPoP proof sent with the token: check that this machine's clock is right "
            "(proofs carry the time) and that no proxy rewrites the request URL (proofs name it)."
        )
    return "Check the service app's scopes and settings."


def challenge_error(
    status: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    request: str,
    scopes: tuple[str, ...] = (),
) -> Error | None:
    """A PEP 249 error for a 401/403 (or a 400 ``invalid_dpop_proof``) whose ``WWW-Authenticate``
    names an OAuth error other than ``invalid_token`` (the usual 401 mapping explains that one per
    auth mode); else None."""
    value = headers.get("WWW-Authenticate")
    if status not in (400, 401, 403) or not value:
        return None
    _, params = parse_www_authenticate(value)
    error = params.get("error")
    if not error or error == "invalid_token":  # the usual 401 mapping (with its auth-mode hint) fits
        return None
    if status == 400 and error != "invalid_dpop_proof":  # Okta answers a bad DPoP proof with 400
        return None
    description = params.get("error_description") or error
    scope = params.get("scope")
    okta = parse_error_body(body)
    message = f"Okta answered {status} {error} to {request}: {description.rstrip('.')}"
    if okta is not None and okta.code:
        message += f" ({okta.code}: {okta.summary})"
    message += ". " + _hint(error, scope, scopes)
    exc = OperationalError(
        redact(message),
        status=status,
        error_code=error,
        error_summary=redact(description),
        error_id=okta.id if okta else None,
        request=request,
    )
    exc.maybe_applied = False  # type: ignore[attr-defined]
    return exc


__all__ = ["challenge_error", "parse_www_authenticate"]
