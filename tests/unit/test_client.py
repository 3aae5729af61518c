"""OktaClient with requests-mock: paths, auth, pagination, retries, redirects, concurrency."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import requests_mock
from fake_clock import FakeClock
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from okta_dbapi.exceptions import (
    DataError,
    Error,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from okta_dbapi.http.client import ApiResponse, OktaClient
from okta_dbapi.http.paths import encode_query, expand_path
from okta_dbapi.http.tokens import TOKENS
from okta_dbapi.settings import Settings

ORG = "https://my-org.okta.com"
TOKEN = "00TopSecretApiToken_1234567890abcdef"
FACTORS = "/api/v1/users/{userId}/factors"
FACTOR = "/api/v1/users/{userId}/factors/{factorId}"


def make_client(clock: FakeClock, **options: Any) -> OktaClient:
    settings = Settings.resolve(org_url=options.pop("org_url", ORG), token=options.pop("token", TOKEN), **options)
    return OktaClient(settings, clock=clock, sleep=clock.sleep)


@pytest.fixture
def client(clock: FakeClock) -> OktaClient:
    return make_client(clock)


def last(mock: requests_mock.Mocker) -> Any:
    request = mock.last_request
    assert request is not None
    return request


def rate(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


# -- paths and queries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "encoded"),
    [
        ("00u1", "00u1"),
        ("../../apps", "..%2F..%2Fapps"),
        ("a/b?x=1", "a%2Fb%3Fx%3D1"),
        ("a#b", "a%23b"),
        ("%2e%2e", "%252e%252e"),
        ("ü ser", "%C3%BC%20ser"),
        ("...", "..."),
    ],
)
def test_path_params_are_single_segments(
    client: OktaClient, mock: requests_mock.Mocker, user_id: str, encoded: str
) -> None:
    url = f"{ORG}/api/v1/users/{encoded}/factors"
    mock.get(url, json=[])
    client.call("GET", FACTORS, {"userId": user_id})
    assert last(mock).url == url
    assert client.describe("GET", FACTORS, {"userId": user_id}) == f"GET /api/v1/users/{encoded}/factors"


@pytest.mark.parametrize("bad", ["", ".", "..", None])
def test_dot_and_empty_segments_rejected(client: OktaClient, mock: requests_mock.Mocker, bad: Any) -> None:
    with pytest.raises(ProgrammingError):
        client.call("GET", FACTORS, {"userId": bad})
    assert mock.call_count == 0


def test_missing_path_param(client: OktaClient) -> None:
    with pytest.raises(ProgrammingError, match="factorId"):
        client.call("GET", FACTOR, {"userId": "00u1"})


def test_query_encoding() -> None:
    assert encode_query({"activate": True, "updatePhone": False, "templateId": None, "limit": 5}) == (
        "activate=true&updatePhone=false&limit=5"
    )
    assert encode_query({"filter": 'status eq "ACTIVE"'}) == "filter=status%20eq%20%22ACTIVE%22"
    assert encode_query(None) == ""
    assert expand_path("/api/v1/users", None) == "/api/v1/users"


def test_describe(client: OktaClient) -> None:
    assert (
        client.describe("get", FACTORS, {"userId": "00u1"}, {"x": "y", "n": None})
        == "GET /api/v1/users/00u1/factors?x=y"
    )


def test_query_sent(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.post(f"{ORG}/api/v1/users/00u1/factors", json={"id": "f1"})
    client.call("POST", FACTORS, {"userId": "00u1"}, query={"activate": True, "updatePhone": None})
    assert parse_qs(last(mock).query) == {"activate": ["true"]}


# -- request basics -----------------------------------------------------------------------------


def test_ssws_headers_and_response(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(
        f"{ORG}/api/v1/users/00u1/factors",
        json=[{"id": "f1"}],
        headers={"Content-Type": "application/json; charset=utf-8", "X-Thing": "1"},
    )
    resp = client.call("GET", FACTORS, {"userId": "00u1"})
    assert isinstance(resp, ApiResponse)
    assert (resp.status, resp.body, resp.next_url) == (200, [{"id": "f1"}], None)
    assert resp.headers["x-thing"] == "1"  # case-insensitive
    sent = last(mock)
    assert sent.headers["Authorization"] == f"SSWS {TOKEN}"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"].startswith("okta-dbapi/")
    assert sent.timeout == (30.0, 30.0)
    assert client.request_count == 1


def test_bearer_mode(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, authorization_mode="Bearer", token="eyJaccess.token.value")
    mock.get(f"{ORG}/api/v1/users", json=[])
    client.call("GET", "/api/v1/users")
    assert last(mock).headers["Authorization"] == "Bearer eyJaccess.token.value"


def test_no_token_fails_before_sending(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, token=None)
    with pytest.raises(InterfaceError, match="OKTA_CLIENT_TOKEN"):
        client.call("GET", "/api/v1/users")
    assert mock.call_count == 0


def test_json_body_and_send_body(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.post(requests_mock.ANY, json={"ok": True})
    client.call("POST", FACTORS, {"userId": "00u1"}, json_body={"factorType": "sms"})
    assert last(mock).json() == {"factorType": "sms"}
    assert last(mock).headers["Content-Type"] == "application/json"
    client.call("POST", FACTOR + "/lifecycle/activate", {"userId": "00u1", "factorId": "f1"}, send_body=True)
    assert last(mock).body == b"{}"
    client.call("POST", FACTOR + "/resend", {"userId": "00u1", "factorId": "f1"})
    assert last(mock).body is None


def test_unserialisable_body(client: OktaClient, mock: requests_mock.Mocker) -> None:
    with pytest.raises(DataError, match="JSON"):
        client.call("POST", FACTORS, {"userId": "u"}, json_body={"x": object()})
    assert mock.call_count == 0


def test_extra_headers(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.post(requests_mock.ANY, json={})
    client.call("POST", FACTORS, {"userId": "u"}, headers={"Accept-Language": "fr", "User-Agent": "Browser"})
    assert last(mock).headers["Accept-Language"] == "fr"
    assert last(mock).headers["User-Agent"] == "Browser"
    with pytest.raises(ProgrammingError):
        client.call("GET", FACTORS, {"userId": "u"}, headers={"authorization": "SSWS other"})


def test_204_and_empty_bodies(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.delete(requests_mock.ANY, status_code=204)
    assert client.call("DELETE", FACTOR, {"userId": "u", "factorId": "f"}).body is None


def test_non_json_content_type(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(requests_mock.ANY, text="<html>login</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(OperationalError, match="text/html, not JSON") as info:
        client.call("GET", "/api/v1/users")
    assert info.value.request == "GET /api/v1/users"


def test_closed_client(client: OktaClient, mock: requests_mock.Mocker) -> None:
    client.close()
    with pytest.raises(InterfaceError, match="closed"):
        client.call("GET", "/api/v1/users")


def test_own_session_pool_is_large_enough(clock: FakeClock) -> None:
    client = make_client(clock, concurrency=32)
    adapter = client.session.get_adapter(ORG)
    assert adapter._pool_maxsize >= 32  # type: ignore[attr-defined]


# -- redirects ----------------------------------------------------------------------------------


def test_redirect_not_followed(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(
        f"{ORG}/api/v1/users",
        status_code=302,
        headers={"Location": "https://login.example.com/sso?token=abc&x=1"},
    )
    mock.get("https://login.example.com/sso", json=[])
    with pytest.raises(OperationalError) as info:
        client.call("GET", "/api/v1/users")
    message = str(info.value)
    assert "redirected" in message
    assert "https://login.example.com/sso" in message
    assert "token=abc" not in message
    assert mock.call_count == 1


# -- pagination ---------------------------------------------------------------------------------


def test_paginate_follows_link_next(client: OktaClient, mock: requests_mock.Mocker) -> None:
    first = f"{ORG}/api/v1/users?limit=2"
    second = f"{ORG}/api/v1/users?after=u2&limit=2"
    third = f"{ORG}/api/v1/users?after=u4&limit=2"
    mock.get(
        first, json=[{"id": "u1"}, {"id": "u2"}], headers={"Link": f'<{first}>; rel="self", <{second}>; rel="next"'}
    )
    mock.get(
        second, json=[{"id": "u3"}, {"id": "u4"}], headers={"Link": f'<{second}>; rel="self", <{third}>; rel="next"'}
    )
    mock.get(third, json=[{"id": "u5"}], headers={"Link": f'<{third}>; rel="self"'})
    ids = [u["id"] for u in client.paginate("/api/v1/users", query={"limit": 2})]
    assert ids == ["u1", "u2", "u3", "u4", "u5"]
    assert [r.url for r in mock.request_history] == [first, second, third]
    assert all(r.headers["Authorization"] == f"SSWS {TOKEN}" for r in mock.request_history)


def test_paginate_is_lazy(client: OktaClient, mock: requests_mock.Mocker) -> None:
    first = f"{ORG}/api/v1/users"
    mock.get(first, json=[{"id": "u1"}], headers={"Link": f'<{first}?after=u1>; rel="next"'})
    mock.get(f"{first}?after=u1", json=[])
    pages = client.paginate("/api/v1/users")
    assert mock.call_count == 0
    assert next(pages) == {"id": "u1"}
    assert mock.call_count == 1
    assert list(pages) == []


def test_paginate_relative_next_link(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(f"{ORG}/api/v1/users", json=[{"id": 1}], headers={"Link": '</api/v1/users?after=1>; rel="next"'})
    mock.get(f"{ORG}/api/v1/users?after=1", json=[{"id": 2}])
    assert [u["id"] for u in client.paginate("/api/v1/users")] == [1, 2]


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example.com/api/v1/users?after=x",
        "http://my-org.okta.com/api/v1/users?after=x",
        "https://my-org.okta.com:8443/api/v1/users?after=x",
    ],
)
def test_paginate_refuses_foreign_next_link(client: OktaClient, mock: requests_mock.Mocker, evil: str) -> None:
    mock.get(f"{ORG}/api/v1/users", json=[{"id": 1}], headers={"Link": f'<{evil}>; rel="next"'})
    mock.get(evil, json=[])
    with pytest.raises(OperationalError, match="refusing to send the token"):
        list(client.paginate("/api/v1/users"))
    assert mock.call_count == 1


def test_paginate_loopback_aliases_allowed(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, org_url="http://localhost:8080")
    mock.get(
        "http://localhost:8080/api/v1/users",
        json=[{"id": 1}],
        headers={"Link": '<http://127.0.0.1:8080/api/v1/users?after=1>; rel="next"'},
    )
    mock.get("http://127.0.0.1:8080/api/v1/users?after=1", json=[{"id": 2}])
    assert len(list(client.paginate("/api/v1/users"))) == 2


def test_paginate_same_link_twice_stops(client: OktaClient, mock: requests_mock.Mocker) -> None:
    url = f"{ORG}/api/v1/users"
    mock.get(url, json=[{"id": 1}], headers={"Link": f'<{url}>; rel="next"'})
    with pytest.raises(OperationalError, match="points back to the current page"):
        list(client.paginate("/api/v1/users"))


def test_paginate_needs_an_array(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(f"{ORG}/api/v1/users", json={"id": 1})
    with pytest.raises(OperationalError, match="JSON array"):
        list(client.paginate("/api/v1/users"))


# -- retries ------------------------------------------------------------------------------------


def unreachable() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(
        MaxRetryError(None, "/x", NewConnectionError(None, "Failed to establish a new connection"))  # type: ignore[arg-type]
    )


def refused() -> requests.exceptions.ConnectionError:
    """What urllib3 raises when nothing listens on the port (the OSError is the cause)."""
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as e:
            raise NewConnectionError(None, f"Failed to establish a new connection: {e}") from e  # type: ignore[arg-type]
    except NewConnectionError as new:
        return requests.exceptions.ConnectionError(MaxRetryError(None, "/x", new))  # type: ignore[arg-type]


def reset_after_send() -> requests.exceptions.ConnectionError:
    return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_retried_on_5xx(client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock, status: int) -> None:
    mock.get(requests_mock.ANY, [{"status_code": status, "json": {}}, {"status_code": 200, "json": [1]}])
    assert client.call("GET", "/api/v1/users").body == [1]
    assert client.request_count == 2
    assert len(clock.sleeps) == 1
    assert 0.25 <= clock.sleeps[0] <= 0.5


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("truncated"),
        "reset",
        "unreachable",
        requests.exceptions.ConnectTimeout("connect timed out"),
    ],
)
def test_get_retried_on_network_errors(client: OktaClient, mock: requests_mock.Mocker, exc: Any) -> None:
    exc = reset_after_send() if exc == "reset" else unreachable() if exc == "unreachable" else exc
    mock.get(requests_mock.ANY, [{"exc": exc}, {"json": []}])
    assert client.call("GET", "/api/v1/users").body == []
    assert client.request_count == 2


def test_get_gives_up_after_max_retries(client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock) -> None:
    mock.get(
        requests_mock.ANY, status_code=503, json={"errorCode": "E0000009", "errorSummary": "Internal Server Error"}
    )
    with pytest.raises(OperationalError) as info:
        client.call("GET", "/api/v1/users")
    assert client.request_count == 5
    assert "Retried 4 times" in str(info.value)
    assert info.value.status == 503
    assert info.value.maybe_applied is False  # type: ignore[attr-defined]
    # exponential backoff with jitter: 0.5, 1, 2, 4 (each between half and full)
    for sleep, cap in zip(clock.sleeps, [0.5, 1, 2, 4], strict=True):
        assert cap / 2 <= sleep <= cap


def test_get_network_error_gives_up(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, max_retries=1)
    mock.get(requests_mock.ANY, exc=requests.exceptions.ReadTimeout("x"))
    with pytest.raises(OperationalError, match="read timeout") as info:
        client.call("GET", "/api/v1/users")
    assert client.request_count == 2
    assert isinstance(info.value.__cause__, requests.exceptions.ReadTimeout)


def test_retry_after_header_honoured(client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock) -> None:
    mock.get(requests_mock.ANY, [{"status_code": 503, "headers": {"Retry-After": "7"}}, {"json": []}])
    client.call("GET", "/api/v1/users")
    assert clock.sleeps == [7.0]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 500, "json": {"errorCode": "E0000009", "errorSummary": "Internal Server Error"}},
        {"status_code": 503, "text": "busy"},
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        {"exc": requests.exceptions.ChunkedEncodingError("cut")},
        "reset",
    ],
)
def test_writes_never_replayed(client: OktaClient, mock: requests_mock.Mocker, method: str, failure: Any) -> None:
    if failure == "reset":
        failure = {"exc": reset_after_send()}
    mock.register_uri(method, requests_mock.ANY, [failure, {"json": {"id": "f2"}}])
    path, params = (FACTORS, {"userId": "00u1"}) if method == "POST" else (FACTOR, {"userId": "00u1", "factorId": "f1"})
    with pytest.raises(OperationalError) as info:
        client.call(method, path, params, json_body={"factorType": "sms"} if method == "POST" else None)
    assert client.request_count == 1
    err = info.value
    assert err.maybe_applied is True  # type: ignore[attr-defined]
    message = str(err)
    assert "may have reached Okta" in message
    assert "not retried" in message
    assert "SELECT id, factorType, status FROM okta.users.factors WHERE userId = '00u1'" in message
    assert err.request is not None and err.request.startswith(method)


@pytest.mark.parametrize("exc", ["unreachable", requests.exceptions.ConnectTimeout("connect timed out")])
def test_writes_retried_when_nothing_was_sent(client: OktaClient, mock: requests_mock.Mocker, exc: Any) -> None:
    exc = unreachable() if exc == "unreachable" else exc
    mock.post(requests_mock.ANY, [{"exc": exc}, {"json": {"id": "f2"}}])
    assert client.call("POST", FACTORS, {"userId": "u"}, json_body={}).body == {"id": "f2"}
    assert client.request_count == 2


def test_write_connection_refused_gives_up_not_applied(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, max_retries=2)
    mock.post(requests_mock.ANY, exc=refused())
    with pytest.raises(OperationalError, match="refused") as info:
        client.call("POST", FACTORS, {"userId": "u"}, json_body={})
    assert client.request_count == 1  # nothing listens there: retrying cannot help
    assert info.value.maybe_applied is False  # type: ignore[attr-defined]
    assert clock.sleeps == []


def test_get_truncated_json_retried_then_error(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, max_retries=1)
    mock.get(requests_mock.ANY, text='[{"id": "f1", "factorType": "s', headers={"Content-Type": "application/json"})
    with pytest.raises(OperationalError, match="not valid JSON") as info:
        client.call("GET", FACTORS, {"userId": "u"})
    assert client.request_count == 2
    assert info.value.status == 200


def test_post_truncated_json_is_maybe_applied(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.post(requests_mock.ANY, text='{"id": "f', headers={"Content-Type": "application/json"})
    with pytest.raises(OperationalError) as info:
        client.call("POST", FACTORS, {"userId": "u"}, json_body={})
    assert client.request_count == 1
    assert info.value.maybe_applied is True  # type: ignore[attr-defined]


# -- 429 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_waits_for_reset_then_retries(
    client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock, method: str
) -> None:
    reset = clock.now + 10
    mock.register_uri(
        method,
        requests_mock.ANY,
        [
            {"json": {"ok": 0}, "headers": rate(100, 50, reset)},  # the window's limit is known
            {"status_code": 429, "json": {"errorCode": "E0000047"}, "headers": rate(100, 0, reset)},
            {"json": {"ok": 1}, "headers": rate(100, 99, reset + 60)},
        ],
    )
    client.call(method, FACTORS, {"userId": "u"})
    assert client.call(method, FACTORS, {"userId": "u"}).body == {"ok": 1}
    assert client.request_count == 3
    assert clock.sleeps == [pytest.approx(10.05)]


def test_a_first_429_of_an_unknown_window_is_retried_soon_once(
    client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock
) -> None:
    """It may be Okta's concurrent limit, whose Reset is only an estimate: retry soon, then believe it."""
    reset = clock.now + 10
    busy = {"status_code": 429, "json": {"errorCode": "E0000047"}, "headers": rate(100, 0, reset)}
    mock.get(requests_mock.ANY, [busy, busy, {"json": [], "headers": rate(100, 99, reset + 60)}])
    client.call("GET", FACTORS, {"userId": "u"})
    assert client.request_count == 3
    assert clock.sleeps == [0.25, pytest.approx(10.05 - 0.25)]


def test_429_without_reset_backs_off(client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock) -> None:
    known = {"json": [], "headers": rate(100, 50, clock.now + 30)}
    mock.get(requests_mock.ANY, [known, {"status_code": 429, "json": {}}, {"json": []}])
    client.call("GET", "/api/v1/users")
    client.call("GET", "/api/v1/users")
    assert len(clock.sleeps) == 1 and 0.5 <= clock.sleeps[0] <= 1.1


def test_429_exhausted(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, max_retries=2)
    body = {
        "errorCode": "E0000047",
        "errorSummary": "API call exceeded rate limit due to too many requests.",
        "errorId": "oaeRATE",
        "errorCauses": [],
    }

    def answer(request: Any, context: Any) -> dict[str, Any]:
        context.headers.update(rate(600, 0, clock.now + 30))
        return body

    mock.get(requests_mock.ANY, status_code=429, json=answer)
    with pytest.raises(OperationalError) as info:
        client.call("GET", FACTORS, {"userId": "u"})
    err = info.value
    assert client.request_count == 3
    assert (err.status, err.error_code, err.error_id) == (429, "E0000047", "oaeRATE")
    assert "E0000047" in str(err) and "concurrency" in str(err)
    assert err.request == "GET /api/v1/users/u/factors"


def test_pacing_avoids_429(client: OktaClient, mock: requests_mock.Mocker, clock: FakeClock) -> None:
    reset = clock.now + 5
    remaining = iter([1, 0])
    mock.get(requests_mock.ANY, json=lambda r, c: c.headers.update(rate(2, next(remaining, 1), reset)) or [])
    client.call("GET", FACTORS, {"userId": "a"})
    client.call("GET", FACTORS, {"userId": "b"})
    assert clock.sleeps == []
    client.call("GET", FACTORS, {"userId": "c"})  # budget spent: waits for the window
    assert clock.sleeps == [pytest.approx(5.05)]


# -- OAuth private_key_jwt ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_shared_tokens() -> Iterator[None]:
    """Tokens are shared process-wide by (org, client, scopes, key): start each test without any."""
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture(scope="module")
def rsa_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def private_key_client(clock: FakeClock, key: str) -> OktaClient:
    return make_client(
        clock,
        token=None,
        authorization_mode="PrivateKey",
        client_id="0oaSERVICE",
        private_key=key,
        scopes="okta.users.read,okta.users.manage",
    )


def token_answer(expires_in: int = 3600, token: str = "eyJ.access-token-1") -> dict[str, Any]:
    return {"token_type": "Bearer", "expires_in": expires_in, "access_token": token, "scope": "okta.users.read"}


def test_private_key_jwt_flow(clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any) -> None:
    import jwt

    client = private_key_client(clock, pem_of(rsa_key))
    tokens = iter(["eyJ.access-token-1", "eyJ.access-token-2"])
    mock.post(f"{ORG}/oauth2/v1/token", json=lambda r, c: token_answer(token=next(tokens)))
    mock.get(f"{ORG}/api/v1/users", json=[])

    client.call("GET", "/api/v1/users")
    client.call("GET", "/api/v1/users")
    token_calls = [r for r in mock.request_history if r.path == "/oauth2/v1/token"]
    assert len(token_calls) == 1  # cached
    form = parse_qs(token_calls[0].text)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["okta.users.read okta.users.manage"]
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assertion = form["client_assertion"][0]
    claims = jwt.decode(
        assertion,
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience=f"{ORG}/oauth2/v1/token",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == "0oaSERVICE"
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    assert len(claims["jti"]) >= 16
    assert jwt.get_unverified_header(assertion)["alg"] == "RS256"
    assert last(mock).headers["Authorization"] == "Bearer eyJ.access-token-1"
    assert client.request_count == 2  # token requests are not API requests

    clock.now += 3600  # expired: a new token
    client.call("GET", "/api/v1/users")
    assert last(mock).headers["Authorization"] == "Bearer eyJ.access-token-2"


def test_private_key_401_fetches_a_new_token_once(clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any) -> None:
    client = private_key_client(clock, pem_of(rsa_key))
    tokens = iter(["eyJ.old-token-xyz", "eyJ.new-token-xyz"])
    mock.post(f"{ORG}/oauth2/v1/token", json=lambda r, c: token_answer(token=next(tokens)))
    mock.get(f"{ORG}/api/v1/users", [{"status_code": 401, "json": {"errorCode": "E0000011"}}, {"json": []}])
    client.call("GET", "/api/v1/users")
    assert last(mock).headers["Authorization"] == "Bearer eyJ.new-token-xyz"


def test_private_key_from_file_and_jwk(
    clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any, tmp_path: Any
) -> None:
    import jwt
    from jwt.algorithms import RSAAlgorithm

    path = tmp_path / "key.pem"
    path.write_text(pem_of(rsa_key))
    mock.post(f"{ORG}/oauth2/v1/token", json=token_answer())
    mock.get(f"{ORG}/api/v1/users", json=[])
    private_key_client(clock, str(path)).call("GET", "/api/v1/users")

    jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key))
    jwk["kid"] = "my-kid"
    private_key_client(clock, json.dumps(jwk)).call("GET", "/api/v1/users")
    assertion = parse_qs(mock.request_history[-2].text)["client_assertion"][0]
    assert jwt.get_unverified_header(assertion)["kid"] == "my-kid"


def test_private_key_unreadable(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = private_key_client(clock, "/nonexistent/key.pem")
    with pytest.raises(InterfaceError, match="private_key"):
        client.call("GET", "/api/v1/users")
    client = private_key_client(clock, "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----")
    with pytest.raises(InterfaceError, match="PEM private key"):
        client.call("GET", "/api/v1/users")
    assert mock.call_count == 0


def test_token_endpoint_error(clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any) -> None:
    client = private_key_client(clock, pem_of(rsa_key))
    mock.post(
        f"{ORG}/oauth2/v1/token",
        status_code=400,
        json={"error": "invalid_scope", "error_description": "The following scopes are not allowed: okta.users.manage"},
    )
    with pytest.raises(OperationalError) as info:
        client.call("GET", "/api/v1/users")
    message = str(info.value)
    assert "invalid_scope" in message and "not allowed: okta.users.manage" in message
    assert "0oaSERVICE" in message
    assert info.value.error_code == "invalid_scope"
    assert info.value.status == 400


@pytest.mark.parametrize(
    ("expires_in", "kept_for"),
    [(3600, 3540.0), (100, 50.0), ("soon", 3540.0)],  # a minute early; half-life when short; 3600 when unreadable
)
def test_token_refreshed_before_it_expires(
    clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any, expires_in: Any, kept_for: float
) -> None:
    client = private_key_client(clock, pem_of(rsa_key))
    mock.post(f"{ORG}/oauth2/v1/token", json=token_answer(expires_in=expires_in))
    mock.get(f"{ORG}/api/v1/users", json=[])
    client.call("GET", "/api/v1/users")
    clock.now += kept_for - 0.5
    client.call("GET", "/api/v1/users")
    assert mock.call_count == 3  # one token, two API calls
    clock.now += 1
    client.call("GET", "/api/v1/users")
    assert [r.path for r in mock.request_history].count("/oauth2/v1/token") == 2


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({"status_code": 500, "text": "<html>oops</html>"}, "500 (no OAuth error body)"),
        ({"status_code": 302, "headers": {"Location": "https://login.example.com/"}}, "302 (a redirect)"),
        ({"status_code": 200, "json": {"token_type": "Bearer"}}, "200 (no access_token in the answer)"),
        ({"status_code": 400, "json": {"error": "invalid_request"}}, "400 (invalid_request)"),
    ],
)
def test_token_endpoint_odd_answers(
    clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any, answer: dict[str, Any], detail: str
) -> None:
    client = private_key_client(clock, pem_of(rsa_key))
    mock.post(f"{ORG}/oauth2/v1/token", **answer)
    with pytest.raises(OperationalError) as info:
        client.call("GET", "/api/v1/users")
    assert f"answered {detail} for client_id 0oaSERVICE" in str(info.value)


def test_token_endpoint_unreachable(clock: FakeClock, mock: requests_mock.Mocker, rsa_key: Any) -> None:
    client = private_key_client(clock, pem_of(rsa_key))
    mock.post(f"{ORG}/oauth2/v1/token", exc=refused())
    with pytest.raises(OperationalError, match="access token"):
        client.call("GET", "/api/v1/users")


# -- map_concurrent -----------------------------------------------------------------------------


def test_map_concurrent_order_and_bound(clock: FakeClock) -> None:
    client = make_client(clock, concurrency=4)
    active = 0
    peak = 0
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.002 * (i % 3))
        with lock:
            active -= 1
        return i * i

    assert list(client.map_concurrent(work, range(50))) == [i * i for i in range(50)]
    assert peak <= 4
    assert peak > 1


@pytest.mark.parametrize(("eager", "window"), [(True, 2 * 4), (False, 2)])
def test_map_concurrent_consumes_lazily(clock: FakeClock, eager: bool, window: int) -> None:
    """Four rounds are taken ahead of the consumer, or one when not eager (a scan with a LIMIT)."""
    client = make_client(clock, concurrency=2)
    taken = 0

    def endless() -> Iterator[int]:
        nonlocal taken
        while True:
            taken += 1
            yield taken

    results = client.map_concurrent(lambda i: i, endless(), eager=eager)
    assert next(results) == 1
    assert taken == window  # the window is filled before the first result is handed out
    assert [next(results) for _ in range(2)] == [2, 3]
    assert taken <= 3 + window
    results.close()  # type: ignore[attr-defined]


def test_map_concurrent_first_exception_cancels_pending(clock: FakeClock) -> None:
    client = make_client(clock, concurrency=2)
    started: list[int] = []

    def work(i: int) -> int:
        started.append(i)
        if i == 3:
            raise OperationalError("boom")
        time.sleep(0.01)
        return i

    with pytest.raises(OperationalError, match="boom"):
        list(client.map_concurrent(work, range(1000)))
    assert len(started) < 50


def test_map_concurrent_error_from_items(clock: FakeClock) -> None:
    client = make_client(clock, concurrency=3)

    def items() -> Iterator[int]:
        yield 1
        raise ProgrammingError("bad page")

    with pytest.raises(ProgrammingError, match="bad page"):
        list(client.map_concurrent(lambda i: i, items()))


def test_map_concurrent_sequential_when_concurrency_1(clock: FakeClock) -> None:
    client = make_client(clock, concurrency=1)
    threads: set[int] = set()

    def work(i: int) -> int:
        threads.add(threading.get_ident())
        return i

    assert list(client.map_concurrent(work, iter(range(5)))) == [0, 1, 2, 3, 4]
    assert threads == {threading.get_ident()}


def test_map_concurrent_with_http(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    client = make_client(clock, concurrency=8)
    mock.get(requests_mock.ANY, json=lambda r, c: [{"id": r.path.split("/")[4]}])
    ids = [f"00u{i}" for i in range(40)]
    out = list(client.map_concurrent(lambda u: client.call("GET", FACTORS, {"userId": u}).body[0]["id"], ids))
    assert out == [i.lower() for i in ids]  # requests-mock lowercases request.path
    assert client.request_count == 40


# -- logging --------------------------------------------------------------------------------------


def test_one_debug_line_per_request(client: OktaClient, mock: requests_mock.Mocker, caplog: Any) -> None:
    mock.get(requests_mock.ANY, json=[], headers=rate(600, 598, 1_700_000_060))
    with caplog.at_level("DEBUG", logger="okta_dbapi"):
        client.call("GET", FACTORS, {"userId": "00u1"})
    lines = [r.getMessage() for r in caplog.records if r.name == "okta_dbapi"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /api/v1/users/00u1/factors -> 200 in ")
    assert "ms" in lines[0] and "remaining 598" in lines[0]


def test_errors_are_pep249(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(requests_mock.ANY, exc=requests.exceptions.InvalidHeader("bad header"))
    with pytest.raises(Error):
        client.call("GET", "/api/v1/users")
    mock.get(requests_mock.ANY, exc=ValueError("something odd inside"))
    with pytest.raises(Error) as info:
        client.call("GET", "/api/v1/users")
    assert type(info.value).__name__ == "InternalError"


def test_environment_read_once_and_netrc_ignored(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch, mock: requests_mock.Mocker, tmp_path: Any
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "")
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine my-org.okta.com login someone password other-secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    client = make_client(clock)
    assert client.session.trust_env is False
    assert client.session.proxies.get("https") == "http://proxy.internal:3128"
    mock.get(requests_mock.ANY, json=[])
    client.call("GET", "/api/v1/users")
    assert last(mock).headers["Authorization"] == f"SSWS {TOKEN}"
    monkeypatch.setenv("NO_PROXY", "my-org.okta.com")
    assert "https" not in make_client(clock).session.proxies


def test_interrupt_does_not_leak_an_in_flight_slot(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(requests_mock.ANY, exc=KeyboardInterrupt)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        client.call("GET", "/api/v1/users")
    assert client.pacer.bucket(("GET", "/api/v1/users")).in_flight == 0
    mock.get(requests_mock.ANY, json=[])
    assert client.call("GET", "/api/v1/users").body == []


def test_caller_session_is_used_as_is(clock: FakeClock, mock: requests_mock.Mocker) -> None:
    session = requests.Session()
    settings = Settings.resolve(org_url=ORG, token=TOKEN)
    client = OktaClient(settings, session=session, clock=clock, sleep=clock.sleep)
    assert client.session is session and session.trust_env is True
    mock.get(requests_mock.ANY, json=[])
    client.call("GET", "/api/v1/users")
    client.close()
    with pytest.raises(InterfaceError):
        client.call("GET", "/api/v1/users")


def test_429_with_budget_left_is_a_per_resource_limit_and_not_retried(
    mock: requests_mock.Mocker, clock: FakeClock
) -> None:
    client = make_client(clock)
    mock.post(
        ORG + "/api/v1/users/u1/factors/f1/resend",
        status_code=429,
        headers={
            "X-Rate-Limit-Limit": "600",
            "X-Rate-Limit-Remaining": "598",
            "X-Rate-Limit-Reset": str(int(clock.now) + 60),
        },
        json={
            "errorCode": "E0000047",
            "errorSummary": "API call exceeded rate limit due to too many requests.",
            "errorCauses": [{"errorSummary": "One SMS per phone every 30 seconds."}],
        },
    )
    with pytest.raises(OperationalError) as info:
        client.call("POST", FACTOR + "/resend", {"userId": "u1", "factorId": "f1"}, json_body={"factorType": "sms"})
    assert mock.call_count == 1 and clock.sleeps == []
    assert info.value.error_code == "E0000047"
    assert "One SMS per phone" in str(info.value) and "per resource" in str(info.value)


def test_forbidden_for_a_deactivated_user_says_so(mock: requests_mock.Mocker, clock: FakeClock) -> None:
    client = make_client(clock)
    mock.delete(
        ORG + "/api/v1/users/u1/factors/f1",
        status_code=403,
        json={
            "errorCode": "E0000006",
            "errorSummary": "You do not have permission to perform the requested action",
            "errorCauses": [{"errorSummary": "The user is deactivated."}],
        },
    )
    with pytest.raises(OperationalError) as info:
        client.call("DELETE", FACTOR, {"userId": "u1", "factorId": "f1"})
    assert "DEPROVISIONED" in str(info.value)
    assert "okta.users.manage" not in str(info.value)
