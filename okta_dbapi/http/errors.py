"""Where Okta's answers become PEP 249 exceptions (transport failures: :mod:`.transport`).

Every error the client raises is built here, so every message has the same shape: what was
asked (``request``, e.g. ``GET /api/v1/users/00u1/factors``), what Okta said (status,
``errorCode``, ``errorSummary``, ``errorCauses``, ``errorId``) and what to do (a hint). Messages
pass through :func:`okta_dbapi.redact.redact`, so a token can never leak through them.

Every exception built here has ``maybe_applied`` set: ``True`` when a non-idempotent request
(POST/DELETE) may have been carried out by Okta although the driver reports a failure (timeout
or connection loss after sending, a 5xx, an unreadable success body); ``False`` otherwise.

Class table (status, errorCode -> exception):

======================================  ==================  ===================================
Okta answer                             Exception           Why
======================================  ==================  ===================================
3xx (redirects are never followed)      OperationalError    org URL points somewhere else
400 with a cause "already exists /      IntegrityError      conflicts with existing state
  already set up / existing ..."        (e.g. phone already enrolled, factor type already set up)
400 E0000001 (API validation failed)    DataError           a value in the statement is wrong
400 other (E0000003 malformed, ...)     ProgrammingError    the request itself is wrong
401 (E0000011 invalid token, E0000004)  OperationalError    credentials: fix configuration
403 E0000068 / E0000082 (passcode)      DataError           wrong/used passcode: get a new one
403 other (E0000006 permission, ...)    OperationalError    the admin/app lacks permission
404 (E0000007, E0000008)                ProgrammingError    no such user/factor/transaction
405 (E0000022)                          NotSupportedError   operation not available
409                                     IntegrityError      conflict with existing state
other 4xx                               ProgrammingError    the request is wrong
429 (E0000047) after the retries        OperationalError    rate limit still exhausted
5xx                                     OperationalError    Okta or a proxy failed
network, timeout, TLS, bad/truncated    OperationalError    outside the caller's control
  JSON, non-JSON content type
anything unexpected inside the client   InternalError       a driver bug
======================================  ==================  ===================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from okta_dbapi.exceptions import (
    DataError,
    Error,
    IntegrityError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from okta_dbapi.redact import redact

# ---------------------------------------------------------------------------------------------
# hints

RESOURCE_LIMIT_HINT = (
    "Okta limits this per resource, not by the org's budget (which still has room): e.g. one SMS or "
    "voice code per phone every 30 seconds. The code already sent stays valid; wait before asking "
    "for another. The request was not retried."
)
DEACTIVATED_USER_HINT = (
    "Okta does not change the factors of a deactivated (DEPROVISIONED) user: leave such users out, "
    "e.g. AND userId IN (SELECT id FROM okta.users.users WHERE status <> 'DEPROVISIONED')."
)
RATE_LIMIT_HINT = (
    "Okta's rate limit for this endpoint is exhausted: wait for the reset, lower the "
    "connection's concurrency option, or ask an Okta admin to raise the limit "
    "(Admin Console > Reports > Rate Limits)."
)

#: Actionable hints by Okta errorCode (status-specific hints below take over when missing).
ERROR_CODE_HINTS: dict[str, str] = {
    "E0000001": (
        "Check the values in the statement against the errorCauses (e.g. profile.phoneNumber in "
        "E.164 form such as +15551234567, a factorType/provider pair the user's catalog supports)."
    ),
    "E0000003": "The request body was not valid for this operation; check the values in the statement.",
    "E0000004": "Authentication failed: check the configured credentials.",
    "E0000006": (
        "The API token's admin (or the OAuth service app) lacks permission for this action: reads "
        "need the okta.users.read scope, writes okta.users.manage, and the admin role must cover "
        "these users."
    ),
    "E0000007": "Check that the userId exists and that the user is not deprovisioned.",
    "E0000008": "Okta does not serve this path: check that org_url is the Okta org itself.",
    "E0000009": "Okta had an internal error; try again later and give Okta support the errorId if it persists.",
    "E0000010": "The org is in read-only mode (maintenance); retry the write later.",
    "E0000011": (
        "The token is invalid, expired or revoked: check OKTA_CLIENT_TOKEN (or the token argument); "
        "API tokens expire after 30 days without use."
    ),
    "E0000015": "This feature is not enabled for the org, or the admin cannot use it.",
    "E0000022": "Okta does not support this HTTP method on this endpoint.",
    "E0000024": "Okta rejected the Accept/Content-Type headers of the request.",
    "E0000038": (
        "The operation is not allowed in the user's current status (suspended, locked, "
        "deprovisioned...); check with SELECT id, status FROM okta.users.users WHERE id = '<userId>'."
    ),
    "E0000047": RATE_LIMIT_HINT,
    "E0000068": "The passcode or answer was wrong or has expired: ask the user for a fresh code and verify again.",
    "E0000069": "The user is locked out: unlock the user before verifying a factor.",
    "E0000082": "Each passcode can be used only once: wait for a new code and verify again.",
    "E0000109": "A code was sent to this phone recently: wait 30 seconds before asking for another.",
}

_AUTH_HINTS = {
    "SSWS": ERROR_CODE_HINTS["E0000011"],
    "Bearer": (
        "The access token was rejected: it may have expired (Okta access tokens last one hour); "
        "get a new one, or use authorization_mode PrivateKey to let the driver fetch them."
    ),
    "PrivateKey": (
        "The OAuth access token was rejected: check the service app's client_id, that it is "
        "granted the okta.users.* scopes, and the scopes option."
    ),
}

_DATA_ERROR_CODES = frozenset({"E0000068", "E0000082"})
_ALREADY = re.compile(r"already (exists|set up|enrolled|registered|in use)|\bexisting\b|duplicate", re.I)


def not_applied_hint(method: str, path_template: str, path_params: Mapping[str, Any] | None) -> str:
    """How to check whether a POST/DELETE that may have reached Okta was applied."""
    params = path_params or {}
    user = params.get("userId") or params.get("id")
    where = f"userId = '{user}'" if user is not None else "userId = '<userId>'"
    if "{transactionId}" in path_template:
        what = "SELECT factorResult FROM okta.users.factors WHERE " + where
    else:
        what = f"SELECT id, factorType, status FROM okta.users.factors WHERE {where}"
    return f"Check with {what} before retrying."


def _hint(status: int, code: str | None, path_template: str, auth_mode: str, texts: tuple[str, ...] = ()) -> str:
    if status == 401:
        return _AUTH_HINTS.get(auth_mode, _AUTH_HINTS["SSWS"])
    if code in (None, "E0000007") and (status == 404 or code == "E0000007"):
        if "{transactionId}" in path_template:
            return (
                "Check the userId, factorId and transactionId; a push transaction expires a few "
                "minutes after the challenge."
            )
        if "{factorId}" in path_template:
            return (
                "Check that the user and the factor exist, e.g. SELECT id, factorType, status "
                "FROM okta.users.factors WHERE userId = '<userId>'."
            )
        if "{userId}" in path_template or "{id}" in path_template:
            return ERROR_CODE_HINTS["E0000007"]
    if code == "E0000006" and any("deactivated" in t.lower() for t in texts):
        return DEACTIVATED_USER_HINT
    if code and code in ERROR_CODE_HINTS:
        return ERROR_CODE_HINTS[code]
    if status == 403:
        return ERROR_CODE_HINTS["E0000006"]
    if status == 429:
        return RATE_LIMIT_HINT
    if status >= 500:
        return "Okta (or a proxy in front of it) failed; try again later."
    return ""


# ---------------------------------------------------------------------------------------------
# Okta error bodies


@dataclass(frozen=True)
class OktaErrorBody:
    code: str | None
    summary: str | None
    link: str | None
    id: str | None
    causes: tuple[str, ...]


def parse_error_body(body: Any) -> OktaErrorBody | None:
    """Okta's ``{errorCode, errorSummary, errorLink, errorId, errorCauses}``, or None.

    Also understands OAuth errors (``{error, error_description}``) from the token endpoint.
    """
    if not isinstance(body, Mapping):
        return None
    if "errorCode" not in body and "errorSummary" not in body:
        if "error" in body:
            return OktaErrorBody(
                code=_text(body.get("error")),
                summary=_text(body.get("error_description")) or _text(body.get("error")),
                link=None,
                id=None,
                causes=(),
            )
        return None
    causes: list[str] = []
    raw_causes = body.get("errorCauses")
    if isinstance(raw_causes, list):
        for cause in raw_causes:
            text = _text(cause.get("errorSummary")) if isinstance(cause, Mapping) else _text(cause)
            if text:
                causes.append(text)
    return OktaErrorBody(
        code=_text(body.get("errorCode")),
        summary=_text(body.get("errorSummary")),
        link=_text(body.get("errorLink")),
        id=_text(body.get("errorId")),
        causes=tuple(causes),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return redact(str(value))


def error_class(status: int, code: str | None, texts: tuple[str, ...] = ()) -> type[Error]:
    """The PEP 249 class for an HTTP error status (see the module table)."""
    if 300 <= status < 400:
        return OperationalError
    if status == 400:
        if any(_ALREADY.search(t) for t in texts):
            return IntegrityError
        if code == "E0000001":
            return DataError
        return ProgrammingError
    if status == 403 and code in _DATA_ERROR_CODES:
        return DataError
    if status in (401, 403, 429) or status >= 500:
        return OperationalError
    if status == 405:
        return NotSupportedError
    if status == 409:
        return IntegrityError
    if 400 <= status < 500:
        return ProgrammingError
    return OperationalError


def finish(exc: Error, maybe_applied: bool) -> Error:
    exc.maybe_applied = maybe_applied  # type: ignore[attr-defined]
    return exc


def error_from_response(
    status: int,
    body: Any,
    *,
    request: str,
    method: str,
    path_template: str,
    path_params: Mapping[str, Any] | None = None,
    auth_mode: str = "SSWS",
    content_type: str = "",
    text: str = "",
    maybe_applied: bool = False,
    retries: int = 0,
    resource_limited: bool = False,
) -> Error:
    """An HTTP error status (with the parsed body, if it was JSON) as a PEP 249 exception.

    ``resource_limited``: a 429 while the org's budget still had room (a per-resource limit).
    """
    err = parse_error_body(body)
    code = err.code if err else None
    texts = (err.summary or "", *err.causes) if err else ()
    cls = error_class(status, code, texts)
    message = f"Okta answered {status}"
    if err:
        if code:
            message += f" {code}"
        detail = err.summary or ""
        if err.causes:
            detail = f"{detail}; causes: {'; '.join(err.causes)}" if detail else "; ".join(err.causes)
        if detail:
            message += f" ({detail})"
        message += f" to {request}"
        if err.id:
            message += f" [errorId {err.id}]"
    else:
        message += f" to {request}"
        snippet = " ".join(text.split())[:160]
        kind = content_type.split(";")[0].strip() or "no content type"
        message += f" with a {kind} body, not Okta's JSON error" + (f": {snippet!r}" if snippet else "")
    message += "."
    if retries:
        message += f" (Retried {retries} time{'s' if retries > 1 else ''}.)"
    if maybe_applied:
        message += (
            " The request may have reached Okta and been applied; it was not retried, because "
            "repeating it could apply it twice. " + not_applied_hint(method, path_template, path_params)
        )
    hint = RESOURCE_LIMIT_HINT if resource_limited else _hint(status, code, path_template, auth_mode, texts)
    if hint:
        message += " " + hint
    exc = cls(
        redact(message),
        status=status,
        error_code=code,
        error_summary=err.summary if err else None,
        error_id=err.id if err else None,
        error_causes=err.causes if err else (),
        request=request,
    )
    return finish(exc, maybe_applied)


def redirect_error(status: int, location: str | None, *, request: str, org_url: str) -> Error:
    target = (location or "").split("?", 1)[0].split("#", 1)[0] or "an unspecified location"
    message = (
        f"The org URL {org_url} redirected {request} ({status}) to {target}; redirects are not "
        "followed, so that the token is never sent elsewhere. Set org_url to the Okta org itself "
        "(e.g. https://<your-org>.okta.com, or your custom domain if the org uses one)."
    )
    return finish(OperationalError(redact(message), status=status, request=request), False)


def bad_body_error(
    reason: str,
    *,
    status: int,
    request: str,
    method: str,
    path_template: str,
    path_params: Mapping[str, Any] | None = None,
    maybe_applied: bool = False,
    retries: int = 0,
) -> Error:
    """A success status whose body is not the JSON we expect (truncated, HTML, wrong shape)."""
    message = f"Okta answered {status} to {request} but {reason}."
    if retries:
        message += f" (Retried {retries} time{'s' if retries > 1 else ''}.)"
    if maybe_applied:
        message += " Okta accepted the request, so it was probably applied; it was not retried. " + not_applied_hint(
            method, path_template, path_params
        )
    else:
        message += " Check that org_url points at the Okta org itself (not a login page or proxy)."
    return finish(OperationalError(redact(message), status=status, request=request), maybe_applied)


def rate_limit_exhausted(
    body: Any,
    *,
    request: str,
    retries: int,
    headers: Mapping[str, str],
) -> Error:
    """The final 429 after ``retries`` waits for the rate-limit reset."""
    err = parse_error_body(body)
    limit = headers.get("X-Rate-Limit-Limit")
    detail = f" (X-Rate-Limit-Limit {limit})" if limit else ""
    summary = (err.summary if err else None) or "API call exceeded rate limit due to too many requests."
    message = (
        f"Okta answered 429 E0000047 ({summary}) to {request}{detail} and kept doing so after "
        f"{retries} wait{'s' if retries != 1 else ''} for the rate-limit reset"
        + (f" [errorId {err.id}]" if err and err.id else "")
        + ". The request was not processed. "
        + RATE_LIMIT_HINT
    )
    exc = OperationalError(
        redact(message),
        status=429,
        error_code=(err.code if err and err.code else "E0000047"),
        error_summary=summary,
        error_id=err.id if err else None,
        error_causes=err.causes if err else (),
        request=request,
    )
    return finish(exc, False)


__all__ = [
    "ERROR_CODE_HINTS",
    "RATE_LIMIT_HINT",
    "OktaErrorBody",
    "bad_body_error",
    "error_class",
    "error_from_response",
    "finish",
    "not_applied_hint",
    "parse_error_body",
    "rate_limit_exhausted",
    "redirect_error",
]
