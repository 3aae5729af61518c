"""``WWW-Authenticate`` on 401/403: parsed, and turned into an error that names the missing scope."""

from __future__ import annotations

from okta_dbapi.exceptions import OperationalError
from okta_dbapi.http.challenge import challenge_error, parse_www_authenticate

# The shape from Okta's support article on insufficient_scope.
OKTA = (
    'Bearer authorization_uri="http://subdomain.okta.com/oauth2/v1/authorize", realm="http://subdomain.okta.com", '
    'scope="okta.users.manage", error="insufficient_scope", '
    'error_description="The access token provided does not contain the required scopes.", '
    'resource="/api/v1/users/00u1/factors/f1"'
)


def test_parse_okta_challenge() -> None:
    scheme, params = parse_www_authenticate(OKTA)
    assert scheme == "Bearer"
    assert params["scope"] == "okta.users.manage" and params["error"] == "insufficient_scope"
    assert params["error_description"] == "The access token provided does not contain the required scopes."
    assert params["resource"] == "/api/v1/users/00u1/factors/f1"
    assert parse_www_authenticate('DPoP error=use_dpop_nonce, error_description="a \\"quoted\\" word"') == (
        "DPoP",
        {"error": "use_dpop_nonce", "error_description": 'a "quoted" word'},
    )


def test_insufficient_scope_names_the_scope() -> None:
    err = challenge_error(
        403,
        {"WWW-Authenticate": OKTA},
        None,
        request="DELETE /api/v1/users/00u1/factors/f1",
        scopes=("okta.users.read",),
    )
    assert isinstance(err, OperationalError)
    assert (err.status, err.error_code) == (403, "insufficient_scope")
    text = str(err)
    assert "DELETE /api/v1/users/00u1/factors/f1" in text and "lacks okta.users.manage" in text
    assert "requested with: okta.users.read" in text and "no content type" not in text


def test_other_answers_are_left_to_the_usual_mapping() -> None:
    assert challenge_error(403, {}, None, request="GET /x") is None
    assert challenge_error(400, {"WWW-Authenticate": OKTA}, None, request="GET /x") is None
    invalid = 'Bearer realm="x", error="invalid_token", error_description="The access token is invalid."'
    assert challenge_error(401, {"WWW-Authenticate": invalid}, None, request="GET /x") is None
    proof = 'DPoP error="invalid_dpop_proof", error_description="Invalid DPoP proof: the iat claim is too old"'
    err = challenge_error(401, {"WWW-Authenticate": proof}, {"errorCode": "E0000011"}, request="GET /x")
    assert err is not None and err.error_code == "invalid_dpop_proof" and "clock" in str(err)
