"""Transport failures (connection refused, DNS, TLS, timeouts, resets, proxies) as PEP 249
exceptions, and which of them are safe to retry."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from okta_dbapi.exceptions import Error, InternalError, OperationalError
from okta_dbapi.http.errors import finish, not_applied_hint
from okta_dbapi.redact import redact


class SlowAnswer(requests.exceptions.Timeout):
    """The answer kept coming, but too slowly to complete within the request's deadline."""


def read_body(resp: requests.Response, deadline: float, clock: Callable[[], float] = time.monotonic) -> None:
    """Read a streamed answer's body whole, giving up at ``deadline`` (``clock`` seconds).

    requests' read timeout bounds each socket read, not the answer: a server that sends one
    byte every half second would hold a request for as long as it likes. Reading in pieces as
    they arrive (``read1``) lets the whole body be bounded.
    """
    raw = resp.raw
    if resp._content is not False or raw is None:  # already read (or a stand-in without a socket)
        return
    read = getattr(raw, "read1", None) or raw.read
    chunks: list[bytes] = []
    try:
        while True:
            if clock() > deadline:
                resp.close()
                raise SlowAnswer("the answer did not complete in time")
            data = read(65536)
            if not data:
                break
            chunks.append(data)
    except ProtocolError as e:
        raise requests.exceptions.ChunkedEncodingError(e) from e
    except DecodeError as e:
        raise requests.exceptions.ContentDecodingError(e) from e
    except ReadTimeoutError as e:
        raise requests.exceptions.ReadTimeout(e) from e
    except requests.RequestException:
        raise
    except OSError as e:  # a reset read straight from the socket
        raise requests.exceptions.ConnectionError(e) from e
    resp._content = b"".join(chunks)
    resp._content_consumed = True


def refused(exc: BaseException) -> bool:
    """True when the host answered that nothing listens on the port: retrying will not help."""
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(exc, requests.exceptions.ProxyError):
        return False
    reason: BaseException | None = _reason(exc)
    seen = 0
    while reason is not None and seen < 5:
        if isinstance(reason, ConnectionRefusedError):
            return True
        reason = reason.__cause__ or reason.__context__
        seen += 1
    return False


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
    if isinstance(exc, requests.exceptions.SSLError | requests.exceptions.ProxyError | SlowAnswer):
        return False
    if refused(exc):
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
    if isinstance(exc, SlowAnswer):
        return f"the answer did not complete within {timeout:g} s (the server sent it too slowly)"
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
        if refused(exc):
            return "the connection was refused (nothing listens on that port)"
        if isinstance(reason, NewConnectionError):
            return "the connection could not be opened"
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
