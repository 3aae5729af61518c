"""From a SQLAlchemy URL to the keyword arguments of :func:`okta_dbapi.connect`.

Accepted forms::

    okta://:TOKEN@my-org.okta.com                    org URL https://my-org.okta.com
    okta://my-org                                    subdomain shorthand (https://my-org.okta.com)
    okta://:TOKEN@127.0.0.1:8080/?scheme=http&subdomain=my-org
    okta://                                          everything from OKTA_CLIENT_* / okta.yaml

Every other query parameter is a driver option (``read_only``, ``timeout``, ``page_size``, ...)
passed through as text; the driver's settings coerce and validate it. Without a token in the URL
the driver falls back to ``OKTA_CLIENT_TOKEN`` and ``okta.yaml``.

The token belongs in the password part (``okta://:TOKEN@host``): that is the only part SQLAlchemy
masks in ``repr(engine)``, ``str(url)`` and its logs. ``?token=...`` (or an inline private key in
``?private_key=``) is refused, so it cannot be shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError

# Query parameters the dialect itself interprets; all others are driver options.
_URL_KEYS = ("scheme", "subdomain")
# Options that may be given more than once, joined with spaces (OAuth scopes).
_MULTI_VALUED = {"scopes": " "}
# Query keys that would carry a secret in plain sight; the token goes in the password part.
_SECRET_KEYS = frozenset({"token", "api_token", "password", "okta_client_token"})
# Databases (URL paths) accepted: none, or the one schema.
_DATABASES = ("", "users")


def _is_subdomain_shorthand(host: str) -> bool:
    return "." not in host and ":" not in host and host.lower() != "localhost"


def _org_url(scheme: str, host: str, port: int | None) -> str:
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _single(name: str, value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return value
    joiner = _MULTI_VALUED.get(name)
    if joiner is None:
        raise ArgumentError(f"URL query parameter {name!r} is given {len(value)} times; give it once")
    return joiner.join(value)


def _refuse_secrets_in_query(query: Mapping[str, str | Sequence[str]]) -> None:
    """SQLAlchemy masks only the password part of a URL (``repr(engine)``, logs, tracebacks); a secret
    in the query string would be shown as written."""
    for name, value in query.items():
        lowered = name.lower()
        values = [value] if isinstance(value, str) else list(value)
        if lowered in _SECRET_KEYS:
            raise ArgumentError(
                f"do not put the API token in the URL query (?{name}=...): SQLAlchemy shows the query in "
                "repr(engine) and in logs, and masks only the password part. Write okta://:TOKEN@my-org.okta.com "
                "(note the colon), or leave it out to use OKTA_CLIENT_TOKEN / okta.yaml"
            )
        if lowered == "private_key" and any(v.strip().startswith(("-----BEGIN", "{")) for v in values):
            raise ArgumentError(
                "do not put a private key in the URL query: SQLAlchemy shows the query in repr(engine) and in "
                "logs. Pass private_key as the path of a PEM file, or set OKTA_CLIENT_PRIVATEKEY"
            )


def connect_kwargs(url: URL) -> dict[str, Any]:
    """The ``okta_dbapi.connect`` keyword arguments for ``url``."""
    query: Mapping[str, str | Sequence[str]] = url.query
    _refuse_secrets_in_query(query)
    params = {name: _single(name, value) for name, value in query.items()}
    kwargs: dict[str, Any] = {}

    database = (url.database or "").strip("/")
    if database not in _DATABASES:
        raise ArgumentError(
            f"okta URLs take no database path (got {database!r}); use okta://:TOKEN@my-org.okta.com or okta://my-org"
        )

    if url.username and url.password is None:
        raise ArgumentError(
            "put the API token in the password part of the URL: okta://:TOKEN@my-org.okta.com "
            "(note the colon), or leave it out to use OKTA_CLIENT_TOKEN / okta.yaml"
        )
    if url.password is not None and str(url.password) != "":
        kwargs["token"] = str(url.password)

    scheme = params.pop("scheme", "https").lower()
    if scheme not in ("http", "https"):
        raise ArgumentError(f"scheme must be 'https' or 'http' (loopback only), not {scheme!r}")
    subdomain = params.pop("subdomain", None)

    host = url.host
    if host:
        if _is_subdomain_shorthand(host) and url.port is None:
            if subdomain is not None and subdomain != host:
                raise ArgumentError(
                    f"the URL names subdomain {host!r} as its host and {subdomain!r} as ?subdomain=; give one"
                )
            if scheme != "https":
                raise ArgumentError("scheme=http needs an explicit loopback host, e.g. 127.0.0.1:PORT")
            subdomain = host
        else:
            kwargs["org_url"] = _org_url(scheme, host, url.port)
    elif url.port is not None or "scheme" in query:
        raise ArgumentError("an okta URL with a port or a scheme needs a host")

    if subdomain:
        kwargs["subdomain"] = subdomain
    kwargs.update(params)
    return kwargs
