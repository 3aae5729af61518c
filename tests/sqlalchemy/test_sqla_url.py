"""create_connect_args: every URL form, table-driven."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

from okta_sqlalchemy.dialect import OktaDialect

CASES: list[tuple[str, dict[str, Any]]] = [
    ("okta://:secret@my-org.okta.com", {"token": "secret", "org_url": "https://my-org.okta.com"}),
    ("okta+rest://:secret@my-org.okta.com", {"token": "secret", "org_url": "https://my-org.okta.com"}),
    ("okta://:secret@my-org.okta.com/", {"token": "secret", "org_url": "https://my-org.okta.com"}),
    ("okta://my-org", {"subdomain": "my-org"}),
    ("okta://:secret@my-org", {"token": "secret", "subdomain": "my-org"}),
    ("okta://my-org.oktapreview.com", {"org_url": "https://my-org.oktapreview.com"}),
    (
        "okta://:tok@127.0.0.1:8080/?scheme=http&subdomain=my-org",
        {"token": "tok", "org_url": "http://127.0.0.1:8080", "subdomain": "my-org"},
    ),
    ("okta://:tok@localhost:9000?scheme=http", {"token": "tok", "org_url": "http://localhost:9000"}),
    ("okta://:tok@[::1]:9000?scheme=http", {"token": "tok", "org_url": "http://[::1]:9000"}),
    (
        "okta://:tok@my-org.okta.com/?read_only=true&timeout=5&page_size=50",
        {
            "token": "tok",
            "org_url": "https://my-org.okta.com",
            "read_only": "true",
            "timeout": "5",
            "page_size": "50",
        },
    ),
    (
        "okta://my-org?authorization_mode=PrivateKey&client_id=0oa1&scopes=okta.users.read&scopes=okta.users.manage",
        {
            "subdomain": "my-org",
            "authorization_mode": "PrivateKey",
            "client_id": "0oa1",
            "scopes": "okta.users.read okta.users.manage",
        },
    ),
    # Percent-encoded token characters arrive decoded.
    ("okta://:a%2Fb%40c@my-org.okta.com", {"token": "a/b@c", "org_url": "https://my-org.okta.com"}),
    # No host and no token: the driver's env vars / okta.yaml fallback decide.
    ("okta://", {}),
    ("okta:///?read_only=1", {"read_only": "1"}),
    ("okta://my-org.okta.com/users", {"org_url": "https://my-org.okta.com"}),
    ("okta://my-org?subdomain=my-org", {"subdomain": "my-org"}),
]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0] for c in CASES])
def test_create_connect_args(url: str, expected: dict[str, Any]) -> None:
    args, kwargs = OktaDialect().create_connect_args(make_url(url))
    assert args == []
    assert kwargs == expected


ERRORS: list[tuple[str, str]] = [
    ("okta://secret@my-org.okta.com", "password part"),
    ("okta://my-org.okta.com/otherdb", "no database path"),
    ("okta://my-org?subdomain=other", "give one"),
    ("okta://my-org?scheme=http", "loopback"),
    ("okta://:t@my-org.okta.com?scheme=ftp", "scheme"),
    ("okta://:t@my-org.okta.com?timeout=1&timeout=2", "once"),
]


@pytest.mark.parametrize(("url", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_create_connect_args_rejects(url: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        OktaDialect().create_connect_args(make_url(url))


def test_token_never_in_error_messages() -> None:
    with pytest.raises(ArgumentError) as info:
        OktaDialect().create_connect_args(make_url("okta://:sekrit@my-org.okta.com/otherdb"))
    assert "sekrit" not in str(info.value)


def test_dialect_identity() -> None:
    assert OktaDialect.name == "okta"
    assert OktaDialect.driver == "rest"
    assert OktaDialect.supports_statement_cache is True
    import okta_dbapi

    assert OktaDialect.import_dbapi() is okta_dbapi
    assert OktaDialect.dbapi() is okta_dbapi


@pytest.mark.parametrize("url", ["okta://my-org", "okta+rest://my-org"])
def test_entry_points_resolve(url: str) -> None:
    assert make_url(url).get_dialect() is OktaDialect
