"""Transport failures (connection refused, DNS, TLS, timeouts, resets, proxies) as PEP 249
exceptions, and which of them are safe to retry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)

from okta_dbapi.exceptions import Error, InternalError, OperationalError
from okta_dbapi.http.errors import finish, not_applied_hint
from okta_dbapi.redact import redact


def nothing_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached the server (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.ProxyError):
        return False  # not sent either, but retrying cannot help; reported as is
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _reason(exc)
        return isinstance(reason, ConnectTimeoutError)  # includes NewConnectionError, DNS errors
    return False


def transient(exc: BaseException) -> bool:
    """True for failures worth retrying an idempotent request for."""
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.ProxyError):
        return False
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    )


def _reason(exc: BaseException) -> BaseException | None:
    arg = exc.args[0] if exc.args else None
    if isinstance(arg, MaxRetryError):
        return arg.reason
    if isinstance(arg, BaseException):
        return arg
    return None


def describe_transport(exc: BaseException, timeout: float) -> str:
    """A short human description of a requests/urllib3 failure (no URL, no token)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"connecting timed out after {timeout:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no response within {timeout:g} s (read timeout)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed (certificate or TLS interception problem?)"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "the HTTP proxy failed (check HTTPS_PROXY / NO_PROXY)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "the response was cut off or corrupted in transit"
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _reason(exc)
        if isinstance(reason, NameResolutionError):
            return "the host name could not be resolved (DNS)"
        if isinstance(reason, NewConnectionError):
            return "the connection was refused or could not be opened"
        if isinstance(reason, ProtocolError):
            inner = reason.args[1] if len(reason.args) > 1 else None
            if isinstance(inner, ConnectionResetError):
                return "the connection was reset"
            return "the connection was closed before a complete response arrived"
        if isinstance(reason, ConnectionResetError):
            return "the connection was reset"
        return "the connection failed"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
        return f"the request was invalid ({exc.__class__.__name__})"
    return f"{exc.__class__.__name__}"


def error_from_exception(
    exc: BaseException,
    *,
    request: str,
    method: str,
    org_url: str,
    timeout: float,
    path_template: str = "",
    path_params: Mapping[str, Any] | None = None,
    maybe_applied: bool = False,
    retries: int = 0,
) -> Error:
    """A requests/urllib3/OS failure as OperationalError (or InternalError for driver bugs)."""
    what = describe_transport(exc, timeout)
    retried = f" (Retried {retries} time{'s' if retries > 1 else ''}.)" if retries else ""
    if not isinstance(exc, requests.RequestException | OSError):
        message = (
            f"Internal error in the Okta client during {request}: {exc.__class__.__name__}. "
            "This is a bug in okta-dbapi; please report it."
        )
        return finish(InternalError(redact(message), request=request), maybe_applied)
    if maybe_applied:
        message = (
            f"{request} may have reached Okta ({what}); it was not retried, because repeating it "
            f"could apply it twice.{retried} " + not_applied_hint(method, path_template, path_params)
        )
    else:
        message = (
            f"Could not complete {request} against {org_url}: {what}.{retried} Check org_url, the "
            "network and proxy settings, or raise the timeout option if Okta is slow."
        )
    return finish(OperationalError(redact(message), request=request), maybe_applied)
