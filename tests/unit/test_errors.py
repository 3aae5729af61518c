"""Error mapping (one choke point) and redaction: statuses, Okta codes, hints, no token leaks."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
import requests_mock
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from okta_dbapi import exceptions as exc
from okta_dbapi.http.client import OktaClient
from okta_dbapi.http.errors import (
    ERROR_CODE_HINTS,
    error_class,
    error_from_response,
    parse_error_body,
)
from okta_dbapi.http.transport import error_from_exception
from okta_dbapi.redact import RedactingFilter, redact, register_secret
from okta_dbapi.settings import Settings

ORG = "https://my-org.okta.com"
TOKEN = "00LeakCanaryToken_9f8e7d6c5b4a3210"
FACTORS = "/api/v1/users/{userId}/factors"


def okta_error(code: str, summary: str, causes: tuple[str, ...] = (), error_id: str = "oaeXYZ") -> dict[str, Any]:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": error_id,
        "errorCauses": [{"errorSummary": c} for c in causes],
    }


@pytest.fixture
def client() -> OktaClient:
    settings = Settings.resolve(org_url=ORG, token=TOKEN, max_retries=0)
    return OktaClient(settings, sleep=lambda s: None)


# -- the example from the brief -----------------------------------------------------------------


def test_404_message_attributes_and_hint(client: OktaClient, mock: requests_mock.Mocker) -> None:
    mock.get(
        f"{ORG}/api/v1/users/00ux/factors",
        status_code=404,
        json=okta_error("E0000007", "Not found: Resource not found: 00ux (User)"),
    )
    with pytest.raises(exc.ProgrammingError) as info:
        client.call("GET", FACTORS, {"userId": "00ux"})
    err = info.value
    assert str(err) == (
        "Okta answered 404 E0000007 (Not found: Resource not found: 00ux (User)) to "
        "GET /api/v1/users/00ux/factors [errorId oaeXYZ]. Check that the userId exists and that "
        "the user is not deprovisioned."
    )
    assert err.status == 404
    assert err.error_code == "E0000007"
    assert err.error_summary == "Not found: Resource not found: 00ux (User)"
    assert err.error_id == "oaeXYZ"
    assert err.error_causes == []
    assert err.request == "GET /api/v1/users/00ux/factors"
    assert err.maybe_applied is False  # type: ignore[attr-defined]


# -- the class table ---------------------------------------------------------------------------

CASES = [
    # status, body, expected class, substring of the message
    (
        400,
        okta_error(
            "E0000001", "Api validation failed: factorEnrollRequest", ("There is an existing verified phone number.",)
        ),
        exc.IntegrityError,
        "causes: There is an existing verified phone number.",
    ),
    (
        400,
        okta_error(
            "E0000001", "Api validation failed: factorEnrollRequest", ("A factor of this type is already set up.",)
        ),
        exc.IntegrityError,
        "already set up",
    ),
    (
        400,
        okta_error(
            "E0000001",
            "Api validation failed: factorEnrollRequest",
            ("profile.phoneNumber: The format of the phone number is invalid",),
        ),
        exc.DataError,
        "E.164",
    ),
    (400, okta_error("E0000003", "The request body was not well-formed."), exc.ProgrammingError, "E0000003"),
    (401, okta_error("E0000011", "Invalid token provided"), exc.OperationalError, "OKTA_CLIENT_TOKEN"),
    (
        403,
        okta_error("E0000006", "You do not have permission to perform the requested action"),
        exc.OperationalError,
        "okta.users.manage",
    ),
    (
        403,
        okta_error("E0000068", "Invalid Passcode/Answer", ("Your passcode doesn't match our records.",)),
        exc.DataError,
        "fresh code",
    ),
    (403, okta_error("E0000082", "Each code can only be used once."), exc.DataError, "only once"),
    (
        404,
        okta_error("E0000007", "Not found: Resource not found: f1 (UserFactor)"),
        exc.ProgrammingError,
        "factor exist",
    ),
    (
        405,
        okta_error("E0000022", "The endpoint does not support the provided HTTP method"),
        exc.NotSupportedError,
        "E0000022",
    ),
    (409, {"errorCode": "E0000999", "errorSummary": "Conflict"}, exc.IntegrityError, "Conflict"),
    (415, None, exc.ProgrammingError, "415"),
    (500, okta_error("E0000009", "Internal Server Error"), exc.OperationalError, "try again later"),
    (502, None, exc.OperationalError, "text/html"),
    (503, None, exc.OperationalError, "503"),
]


@pytest.mark.parametrize(("status", "body", "cls", "text"), CASES)
def test_status_mapping(
    client: OktaClient, mock: requests_mock.Mocker, status: int, body: Any, cls: type[Exception], text: str
) -> None:
    if body is None:
        mock.get(
            requests_mock.ANY,
            status_code=status,
            text="<html>Bad Gateway</html>",
            headers={"Content-Type": "text/html"},
        )
    else:
        mock.get(requests_mock.ANY, status_code=status, json=body)
    with pytest.raises(exc.DatabaseError) as info:
        client.call("GET", "/api/v1/users/{userId}/factors/{factorId}", {"userId": "00u1", "factorId": "f1"})
    assert type(info.value) is cls
    assert text in str(info.value)
    assert info.value.status == status
    if body is not None:
        assert info.value.error_code == body["errorCode"]
        assert info.value.error_causes == [c["errorSummary"] for c in body.get("errorCauses", [])]


def test_network_errors_are_operational(client: OktaClient, mock: requests_mock.Mocker) -> None:
    dns = requests.exceptions.ConnectionError(
        MaxRetryError(None, "/", NameResolutionError("nosuch.okta.com", None, OSError("x")))  # type: ignore[arg-type]
    )
    mock.get(requests_mock.ANY, exc=dns)
    with pytest.raises(exc.OperationalError) as info:
        client.call("GET", "/api/v1/users")
    assert "could not be resolved" in str(info.value)
    assert "https://my-org.okta.com" in str(info.value)
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)

    mock.get(requests_mock.ANY, exc=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(exc.OperationalError, match="TLS"):
        client.call("GET", "/api/v1/users")


def test_error_class_table() -> None:
    assert error_class(302, None) is exc.OperationalError
    assert error_class(400, "E0000001", ("Phone number already exists",)) is exc.IntegrityError
    assert error_class(400, "E0000001") is exc.DataError
    assert error_class(400, None) is exc.ProgrammingError
    assert error_class(401, "E0000011") is exc.OperationalError
    assert error_class(403, "E0000006") is exc.OperationalError
    assert error_class(403, "E0000068") is exc.DataError
    assert error_class(404, "E0000007") is exc.ProgrammingError
    assert error_class(405, "E0000022") is exc.NotSupportedError
    assert error_class(409, None) is exc.IntegrityError
    assert error_class(422, None) is exc.ProgrammingError
    assert error_class(429, "E0000047") is exc.OperationalError
    assert error_class(500, None) is exc.OperationalError
    assert error_class(599, None) is exc.OperationalError


def test_hints_by_mode_and_path() -> None:
    e = error_from_response(
        401,
        okta_error("E0000011", "Invalid token provided"),
        request="GET /x",
        method="GET",
        path_template="/x",
        auth_mode="Bearer",
    )
    assert "access token" in str(e)
    e = error_from_response(
        404,
        okta_error("E0000007", "Not found"),
        request="GET /t",
        method="GET",
        path_template="/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}",
    )
    assert "transactionId" in str(e)
    assert "E0000047" in ERROR_CODE_HINTS and "E0000068" in ERROR_CODE_HINTS


def test_parse_error_body_variants() -> None:
    assert parse_error_body(None) is None
    assert parse_error_body([1]) is None
    assert parse_error_body({"id": "u1"}) is None
    body = parse_error_body({"errorCode": "E1", "errorCauses": [{"errorSummary": "a"}, "b", {}]})
    assert body is not None and body.causes == ("a", "b")
    oauth = parse_error_body({"error": "invalid_client", "error_description": "bad"})
    assert oauth is not None and (oauth.code, oauth.summary) == ("invalid_client", "bad")


def test_unexpected_exception_is_internal_error() -> None:
    e = error_from_exception(KeyError("x"), request="GET /x", method="GET", org_url=ORG, timeout=1)
    assert isinstance(e, exc.InternalError)
    assert "bug" in str(e)


# -- redaction -----------------------------------------------------------------------------------


def test_redact_helpers() -> None:
    register_secret("s3cr3t-value-for-redaction")
    text = redact("Authorization: SSWS abc.def-123 and Bearer eyJhbGciOi.x.y; s3cr3t-value-for-redaction")
    assert "abc.def-123" not in text and "eyJhbGciOi" not in text and "s3cr3t" not in text
    assert "SSWS ***" in text and "Bearer ***" in text
    assert redact("access_token=abcdefgh12345&x=1") == "access_token=***&x=1"
    assert redact("nothing to hide") == "nothing to hide"


def test_redacting_filter_masks_records() -> None:
    register_secret(TOKEN)
    record = logging.LogRecord("okta_dbapi", logging.DEBUG, __file__, 1, "sent %s", (f"SSWS {TOKEN}",), None)
    assert RedactingFilter().filter(record)
    assert TOKEN not in record.getMessage()


def every_failure(mock: requests_mock.Mocker) -> list[Any]:
    """One of each way a call can fail, each echoing the token where a server might."""
    echo = okta_error("E0000011", f"Invalid token provided: SSWS {TOKEN}", (f"token {TOKEN}",))
    return [
        {"status_code": 400, "json": echo},
        {"status_code": 401, "json": echo},
        {"status_code": 403, "json": okta_error("E0000068", "Invalid Passcode/Answer")},
        {"status_code": 404, "json": echo},
        {"status_code": 405, "json": echo},
        {"status_code": 409, "json": echo},
        {"status_code": 429, "json": echo},
        {"status_code": 500, "json": echo},
        {
            "status_code": 502,
            "text": f"<html>proxy saw Authorization: SSWS {TOKEN}</html>",
            "headers": {"Content-Type": "text/html"},
        },
        {"status_code": 200, "text": f"<html>{TOKEN}</html>", "headers": {"Content-Type": "text/html"}},
        {"status_code": 200, "text": '{"truncated": ', "headers": {"Content-Type": "application/json"}},
        {"status_code": 302, "headers": {"Location": f"https://evil.example.com/?t={TOKEN}"}},
        {"exc": requests.exceptions.ConnectionError(f"failed with Authorization: SSWS {TOKEN}")},
        {"exc": requests.exceptions.ReadTimeout(f"timeout {TOKEN}")},
        {
            "exc": requests.exceptions.ConnectionError(
                MaxRetryError(None, "/", NewConnectionError(None, f"refused {TOKEN}"))  # type: ignore[arg-type]
            )
        },
        {"exc": RuntimeError(f"weird {TOKEN}")},
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_token_never_leaks(mock: requests_mock.Mocker, caplog: Any, method: str) -> None:
    settings = Settings.resolve(org_url=ORG, token=TOKEN, max_retries=1)
    client = OktaClient(settings, sleep=lambda s: None)
    assert TOKEN not in repr(settings) and TOKEN not in repr(client) and TOKEN not in repr(client.auth)
    raised: list[exc.Error] = []
    with caplog.at_level(logging.DEBUG):
        for failure in every_failure(mock):
            mock.register_uri(method, requests_mock.ANY, [failure])
            with pytest.raises(exc.Error) as info:
                client.call(method, FACTORS, {"userId": "00u1"}, json_body={} if method == "POST" else None)
            raised.append(info.value)
        logging.getLogger("okta_dbapi").debug("header was SSWS %s", TOKEN)
    kinds = {type(e) for e in raised}
    assert {
        exc.ProgrammingError,
        exc.OperationalError,
        exc.DataError,
        exc.NotSupportedError,
        exc.IntegrityError,
        exc.InternalError,
    } <= kinds
    for e in raised:
        for text in (
            str(e),
            repr(e),
            e.message,
            e.error_summary or "",
            " ".join(e.error_causes),
            e.request or "",
            str(e.args),
        ):
            assert TOKEN not in text, (type(e), text)
    assert caplog.records
    assert TOKEN not in caplog.text
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    # every exception class of the tree formats without the token, too
    for cls in (
        exc.Error,
        exc.InterfaceError,
        exc.DatabaseError,
        exc.DataError,
        exc.OperationalError,
        exc.IntegrityError,
        exc.InternalError,
        exc.ProgrammingError,
        exc.NotSupportedError,
    ):
        e = error_from_response(
            400, okta_error("E0000001", f"x SSWS {TOKEN}"), request="GET /x", method="GET", path_template="/x"
        )
        e.__class__ = cls
        assert TOKEN not in str(e) and TOKEN not in repr(e)
