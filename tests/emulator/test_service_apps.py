"""The emulator's service apps over raw HTTP: /oauth2/v1/token, DPoP, nonces and scopes per endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.oauth import OAuthClient

CLIENT = "0oaSERVICEAPP"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def emu(rsa_key: Any) -> Iterator[Emulator]:
    with Emulator(users=5, seed=3, oauth_clients={CLIENT: rsa_key.public_key()}) as e:
        yield e


def assertion(emu: Emulator, key: Any, *, alg: str = "RS256", **changes: Any) -> str:
    now = int(emu.org.clock.now())
    claims = {
        "iss": CLIENT,
        "sub": CLIENT,
        "aud": f"{emu.url}/oauth2/v1/token",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    headers = changes.pop("headers", None)
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def proof(
    emu: Emulator, key: Any, method: str, url: str, *, token: str | None = None, shown: Any = None, **claims: Any
) -> str:
    """A DPoP proof signed by ``key``; its ``jwk`` header shows ``shown`` (default: ``key``'s public half)."""
    jwk = json.loads(ECAlgorithm.to_jwk((shown or key).public_key()))
    body = {"htm": method, "htu": url, "iat": int(emu.org.clock.now()), "jti": uuid.uuid4().hex}
    if token is not None:
        body["ath"] = b64(hashlib.sha256(token.encode()).digest())
    body.update(claims)
    headers = {"typ": claims.pop("typ", "dpop+jwt"), "jwk": jwk}
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None and k != "typ"}, key, algorithm="ES256", headers=headers
    )


def token_request(
    emu: Emulator, client_assertion: str, scope: str = "okta.users.read", dpop: str | None = None
) -> requests.Response:
    headers = {"DPoP": dpop} if dpop else {}
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion,
    }
    return requests.post(f"{emu.url}/oauth2/v1/token", data=form, headers=headers, timeout=10)


def oauth_error(resp: requests.Response, status: int, error: str) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error, body
    return str(body["error_description"])


def test_bearer_token_for_a_valid_assertion(emu: Emulator, rsa_key: Any) -> None:
    resp = token_request(emu, assertion(emu, rsa_key), "okta.users.read okta.users.manage")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "okta.users.manage okta.users.read"
    users = requests.get(f"{emu.url}/api/v1/users", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert users.status_code == 200 and len(users.json()) == 5
    assert emu.oauth is not None and emu.oauth.assertions == [(CLIENT, "RS256", None)]
    entry = emu.log.entries[0]
    assert (entry.method, entry.path, entry.status, entry.body) == ("POST", "/oauth2/v1/token", 200, None)


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"aud": "https://elsewhere.okta.com/oauth2/v1/token"}, "audience"),
        ({"sub": "0oaOTHER"}, "sub must equal"),
        ({"iss": "0oaUNKNOWN", "sub": "0oaUNKNOWN"}, "Client authentication failed"),
        ({"exp": 1}, "expired"),
        ({"exp": int(time.time()) + 7200}, "too far in the future"),
        ({"jti": None}, "jti"),
        ({"headers": {"kid": "not-a-registered-kid"}}, "kid is invalid"),
    ],
)
def test_assertion_claims_are_checked(emu: Emulator, rsa_key: Any, changes: dict[str, Any], needle: str) -> None:
    assert needle in oauth_error(token_request(emu, assertion(emu, rsa_key, **changes)), 401, "invalid_client")


def test_assertion_signature_replay_and_algorithms(emu: Emulator, rsa_key: Any) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert "signature" in oauth_error(token_request(emu, assertion(emu, other)), 401, "invalid_client")
    once = assertion(emu, rsa_key, alg="RS512")
    assert token_request(emu, once).status_code == 200
    assert "already been used" in oauth_error(token_request(emu, once), 401, "invalid_client")
    hs = jwt.encode({"iss": CLIENT, "sub": CLIENT}, "a-shared-secret-of-some-length-1234", algorithm="HS256")
    oauth_error(token_request(emu, hs), 401, "invalid_client")


def test_several_keys_need_a_kid(rsa_key: Any, ec_key: Any) -> None:
    jwks = {
        "keys": [
            dict(json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key())), kid="rsa-1"),
            dict(json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), kid="ec-1"),
        ]
    }
    with Emulator(users=1, oauth_clients={CLIENT: jwks}) as emu:
        assert "kid is invalid" in oauth_error(token_request(emu, assertion(emu, rsa_key)), 401, "invalid_client")
        assert token_request(emu, assertion(emu, ec_key, alg="ES256", headers={"kid": "ec-1"})).status_code == 200
        wrong = assertion(emu, ec_key, alg="ES256", headers={"kid": "rsa-1"})
        oauth_error(token_request(emu, wrong), 401, "invalid_client")


def test_scopes_must_be_granted(rsa_key: Any) -> None:
    client = OAuthClient(rsa_key.public_key(), scopes=("okta.users.read",))
    with Emulator(users=1, oauth_clients={CLIENT: client}) as emu:
        description = oauth_error(
            token_request(emu, assertion(emu, rsa_key), "okta.users.read okta.users.manage"), 400, "invalid_scope"
        )
        assert description.endswith("okta.users.manage")
        oauth_error(token_request(emu, assertion(emu, rsa_key), ""), 400, "invalid_scope")


def test_dpop_required_nonce_and_rotation(rsa_key: Any, ec_key: Any) -> None:
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        url = f"{emu.url}/oauth2/v1/token"
        missing = oauth_error(token_request(emu, assertion(emu, rsa_key)), 400, "invalid_dpop_proof")
        assert missing == "The DPoP proof JWT header is missing."
        first = token_request(emu, assertion(emu, rsa_key), dpop=proof(emu, ec_key, "POST", url))
        assert oauth_error(first, 400, "use_dpop_nonce") == "Authorization server requires nonce in DPoP proof."
        nonce = first.headers["DPoP-Nonce"]
        ok = token_request(emu, assertion(emu, rsa_key), dpop=proof(emu, ec_key, "POST", url, nonce=nonce))
        assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP"
        assert emu.oauth is not None
        emu.oauth.dpop.rotate_nonce()  # the previous nonce stays valid for one period
        again = token_request(emu, assertion(emu, rsa_key), dpop=proof(emu, ec_key, "POST", url, nonce=nonce))
        assert again.status_code == 200
        emu.oauth.dpop.rotate_nonce()
        stale = token_request(emu, assertion(emu, rsa_key), dpop=proof(emu, ec_key, "POST", url, nonce=nonce))
        assert oauth_error(stale, 400, "use_dpop_nonce") and stale.headers["DPoP-Nonce"] != nonce
        emu.org.clock.advance(emu.oauth.dpop.nonce_lifetime)  # nonces also rotate with time
        assert emu.oauth.dpop.current_nonce() != stale.headers["DPoP-Nonce"]


@pytest.mark.parametrize(
    ("claims", "needle"),
    [
        ({"typ": "JWT"}, "typ"),
        ({"htm": "GET"}, "htm"),
        ({"htu": "QUERY"}, "htu"),
        ({"iat": 1}, "iat"),
        ({"jti": None}, "jti"),
    ],
)
def test_dpop_proof_claims_are_checked(rsa_key: Any, ec_key: Any, claims: dict[str, Any], needle: str) -> None:
    with Emulator(users=1, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        url = f"{emu.url}/oauth2/v1/token"
        assert emu.oauth is not None
        nonce = emu.oauth.dpop.current_nonce()
        if claims.get("htu") == "QUERY":
            claims = {"htu": url + "?x=1"}
        bad = proof(emu, ec_key, "POST", url, nonce=nonce, **claims)
        assert needle in oauth_error(token_request(emu, assertion(emu, rsa_key), dpop=bad), 400, "invalid_dpop_proof")


def dpop_token(emu: Emulator, rsa_key: Any, ec_key: Any, scope: str = "okta.users.read") -> str:
    url = f"{emu.url}/oauth2/v1/token"
    assert emu.oauth is not None
    nonce = emu.oauth.dpop.current_nonce()
    resp = token_request(emu, assertion(emu, rsa_key), scope, dpop=proof(emu, ec_key, "POST", url, nonce=nonce))
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


def test_dpop_bound_token_on_the_api(rsa_key: Any, ec_key: Any) -> None:
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        token = dpop_token(emu, rsa_key, ec_key)
        url = f"{emu.url}/api/v1/users"

        def get(headers: dict[str, str], query: str = "?limit=2") -> requests.Response:
            return requests.get(url + query, headers=headers, timeout=10)

        ok = get({"Authorization": f"DPoP {token}", "DPoP": proof(emu, ec_key, "GET", url, token=token)})
        assert ok.status_code == 200 and len(ok.json()) == 2
        refused = [
            get({"Authorization": f"Bearer {token}"}),  # a bound token sent as Bearer
            get({"Authorization": f"DPoP {token}"}),  # no proof
            get({"Authorization": f"DPoP {token}", "DPoP": proof(emu, ec_key, "GET", url)}),  # no ath
            get({"Authorization": f"DPoP {token}", "DPoP": proof(emu, ec_key, "GET", url + "?limit=2", token=token)}),
            get(
                {
                    "Authorization": f"DPoP {token}",
                    "DPoP": proof(emu, ec.generate_private_key(ec.SECP256R1()), "GET", url, token=token),
                }
            ),  # other key
        ]
        assert refused[0].status_code == 401 and 'error="invalid_token"' in refused[0].headers["WWW-Authenticate"]
        for resp in refused[1:]:  # like Okta: a bad proof is a 400 with a DPoP challenge and no body
            assert resp.status_code == 400 and resp.content == b""
            assert resp.headers["WWW-Authenticate"].startswith('DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", ')
            assert 'error="invalid_dpop_proof"' in resp.headers["WWW-Authenticate"]
        assert "'ath' claim in the DPoP proof JWT is invalid." in refused[2].headers["WWW-Authenticate"]
        assert "'htu' claim in the DPoP proof JWT is invalid." in refused[3].headers["WWW-Authenticate"]
        replay = proof(emu, ec_key, "GET", url, token=token)
        assert get({"Authorization": f"DPoP {token}", "DPoP": replay}).status_code == 200
        assert get({"Authorization": f"DPoP {token}", "DPoP": replay}).status_code == 400
        # Okta compares htu with the percent-decoded path
        login = f"{url}/someone%40example.com"
        encoded = {"Authorization": f"DPoP {token}", "DPoP": proof(emu, ec_key, "GET", login, token=token)}
        assert requests.get(login, headers=encoded, timeout=10).status_code == 400
        decoded_url = f"{url}/someone@example.com"
        decoded = {"Authorization": f"DPoP {token}", "DPoP": proof(emu, ec_key, "GET", decoded_url, token=token)}
        assert requests.get(login, headers=decoded, timeout=10).status_code == 404
        log_headers = [e.headers for e in emu.log.entries]
        assert all(h.get("DPoP", "REDACTED") == "REDACTED" for h in log_headers)
        assert token not in repr(emu.log.entries)


def test_scopes_per_endpoint_like_okta(emu: Emulator, rsa_key: Any) -> None:
    read = token_request(emu, assertion(emu, rsa_key), "okta.users.read").json()["access_token"]
    uid = emu.org.user_ids()[0]
    auth = {"Authorization": f"Bearer {read}"}
    assert requests.get(f"{emu.url}/api/v1/users/{uid}/factors", headers=auth).status_code == 200
    resp = requests.delete(f"{emu.url}/api/v1/users/{uid}/factors/nope", headers=auth)
    assert resp.status_code == 403 and resp.content == b"" and "Content-Type" not in resp.headers
    value = resp.headers["WWW-Authenticate"]
    assert value == (
        f'Bearer authorization_uri="{emu.url}/oauth2/v1/authorize", realm="{emu.url}", '
        'scope="okta.users.manage", error="insufficient_scope", '
        'error_description="The access token provided does not contain the required scopes.", '
        f'resource="/api/v1/users/{uid}/factors/nope"'
    )
    logs = requests.get(f"{emu.url}/api/v1/logs", headers=auth)
    assert logs.status_code == 403 and 'scope="okta.logs.read"' in logs.headers["WWW-Authenticate"]
    manage = token_request(emu, assertion(emu, rsa_key), "okta.users.manage").json()["access_token"]
    assert requests.get(f"{emu.url}/api/v1/users", headers={"Authorization": f"Bearer {manage}"}).status_code == 200
    assert requests.get(f"{emu.url}/api/v1/users", headers={"Authorization": f"SSWS {emu.token}"}).status_code == 200


def test_expired_and_unknown_tokens(emu: Emulator, rsa_key: Any) -> None:
    token = token_request(emu, assertion(emu, rsa_key)).json()["access_token"]
    emu.org.clock.advance(3600)
    for value in (f"Bearer {token}", "Bearer not-a-token", f"DPoP {token}"):
        resp = requests.get(f"{emu.url}/api/v1/users", headers={"Authorization": value})
        assert resp.status_code == 401 and resp.json()["errorCode"] == "E0000011"
        assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_token_endpoint_needs_a_form_post(emu: Emulator) -> None:
    resp = requests.post(f"{emu.url}/oauth2/v1/token", json={"grant_type": "client_credentials"})
    oauth_error(resp, 400, "invalid_request")
    resp = requests.post(f"{emu.url}/oauth2/v1/token", data={"grant_type": "password"})
    oauth_error(resp, 400, "unsupported_grant_type")


def test_assertion_needs_its_type(emu: Emulator, rsa_key: Any) -> None:
    form = {"grant_type": "client_credentials", "scope": "okta.users.read", "client_assertion": assertion(emu, rsa_key)}
    resp = requests.post(f"{emu.url}/oauth2/v1/token", data=form, timeout=10)
    assert "jwt-bearer" in oauth_error(resp, 401, "invalid_client")


def test_a_proof_signed_by_another_key_is_refused(rsa_key: Any, ec_key: Any) -> None:
    with Emulator(users=1, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        assert emu.oauth is not None
        url = f"{emu.url}/oauth2/v1/token"
        other = ec.generate_private_key(ec.SECP256R1())
        forged = proof(emu, other, "POST", url, nonce=emu.oauth.dpop.current_nonce(), shown=ec_key)
        resp = token_request(emu, assertion(emu, rsa_key), dpop=forged)
        assert "signature" in oauth_error(resp, 400, "invalid_dpop_proof")


def test_emulator_without_service_apps_needs_no_pyjwt() -> None:
    code = (
        "import sys; sys.modules['jwt'] = None\n"
        "from okta_dbapi.emulator import Emulator\n"
        "import requests\n"
        "with Emulator(users=1) as emu:\n"
        "    r = requests.get(emu.url + '/api/v1/users', headers={'Authorization': 'SSWS ' + emu.token})\n"
        "    assert r.status_code == 200\n"
        "    assert requests.post(emu.url + '/oauth2/v1/token').status_code == 401\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
