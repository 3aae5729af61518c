"""PrivateKey mode end to end over real HTTP against the emulator's service apps: DPoP with nonce
rotation, every key format, scopes that follow read_only, a token shared by connections, a token
that expires in the middle of a fan-out, clear errors, and no secret in any message, repr or log."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

import okta_dbapi
from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.oauth import OAuthClient
from okta_dbapi.exceptions import InterfaceError, OperationalError
from okta_dbapi.http.auth import PrivateKeyAuth
from okta_dbapi.http.dpop import access_token_hash
from okta_dbapi.http.tokens import TOKENS
from okta_dbapi.settings import Settings

CLIENT = "0oaSERVICEAPP"
TOKEN_PATH = "/oauth2/v1/token"
FACTORS = r"/api/v1/users/[^/]+/factors"


@pytest.fixture(autouse=True)
def _fresh_token_cache() -> Iterator[None]:
    TOKENS.clear()
    yield
    TOKENS.clear()


@pytest.fixture(scope="module")
def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_keys() -> dict[str, Any]:
    return {c.name: ec.generate_private_key(c) for c in (ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1())}


def pem(key: Any, traditional: bool = False, password: bytes | None = None) -> str:
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc).decode()


def private_jwk(key: Any, **extra: Any) -> dict[str, Any]:
    algorithm = RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else ECAlgorithm
    return {**json.loads(algorithm.to_jwk(key)), **extra}


def public_jwk(key: Any, **extra: Any) -> dict[str, Any]:
    algorithm = RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else ECAlgorithm
    return {**json.loads(algorithm.to_jwk(key.public_key())), **extra}


def connect(emu: Emulator, private_key: str, **options: Any) -> okta_dbapi.Connection:
    return okta_dbapi.connect(
        org_url=emu.url, authorization_mode="PrivateKey", client_id=CLIENT, private_key=private_key, **options
    )


def user_count(conn: okta_dbapi.Connection) -> int:
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM okta.users.users")
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def token_statuses(emu: Emulator) -> list[int]:
    return [e.status for e in emu.log.entries if e.path == TOKEN_PATH]


def capture(conn: okta_dbapi.Connection) -> list[requests.PreparedRequest]:
    """Every request the connection's session sends (token requests included)."""
    sent: list[requests.PreparedRequest] = []
    lock = threading.Lock()

    def hook(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        with lock:
            sent.append(resp.request)

    conn.client.session.hooks["response"].append(hook)
    return sent


def expected_factors(emu: Emulator) -> int:
    return sum(len(emu.org.factors(u)) for u in emu.org.user_ids(include_deprovisioned=True))


# -- DPoP ---------------------------------------------------------------------------------------


def test_dpop_flow_with_nonce_rotation(rsa_key: Any) -> None:
    with Emulator(users=6, seed=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        assert emu.oauth is not None
        conn = connect(emu, pem(rsa_key))
        sent = capture(conn)
        assert user_count(conn) == 6
        # no proof -> invalid_dpop_proof; proof without nonce -> use_dpop_nonce; proof with nonce -> token
        assert token_statuses(emu) == [400, 400, 200]
        token_posts = [r for r in sent if r.path_url == TOKEN_PATH]
        assert "DPoP" not in token_posts[0].headers
        nonce = emu.oauth.dpop.current_nonce()
        assert jwt.decode(token_posts[2].headers["DPoP"], options={"verify_signature": False})["nonce"] == nonce
        (token,) = emu.oauth.grants()
        api = [r for r in sent if r.path_url.startswith("/api/")]
        assert api and all(r.headers["Authorization"] == f"DPoP {token}" for r in api)
        for r in api:
            header = jwt.get_unverified_header(r.headers["DPoP"])
            claims = jwt.decode(r.headers["DPoP"], options={"verify_signature": False})
            assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256" and "d" not in header["jwk"]
            assert claims["htm"] == "GET" and claims["htu"] == f"{emu.url}/api/v1/users"  # no query string
            assert "?" in (r.url or "") and claims["ath"] == access_token_hash(token)

        # Two rotations make the driver's nonce stale; an expired token forces a new token request.
        emu.oauth.dpop.rotate_nonce()
        emu.oauth.dpop.rotate_nonce()
        emu.oauth.expire_tokens()
        sent.clear()
        assert user_count(conn) == 6
        assert token_statuses(emu) == [400, 400, 200, 400, 200]  # DPoP remembered: only the nonce retry
        # Each count lists the users, then the DEPROVISIONED ones (issue 9): two listings.
        statuses = [e.status for e in emu.log.entries if e.path == "/api/v1/users"]
        assert statuses == [200, 200, 401, 200, 200]
        first, retried, _ = [r for r in sent if r.path_url.startswith("/api/")]
        assert first.headers["DPoP"] != retried.headers["DPoP"]  # a fresh proof for the retry
        new_token = retried.headers["Authorization"].split(" ", 1)[1]
        assert new_token != token
        assert jwt.decode(retried.headers["DPoP"], options={"verify_signature": False})["ath"] == access_token_hash(
            new_token
        )


def test_dpop_proof_for_a_path_with_encoded_characters(rsa_key: Any) -> None:
    """Okta compares htu with the percent-decoded path: a login with '@' must still pass."""
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        emu.org.add_user({"login": "ada+ops@example.com"}, factors=[{"factorType": "push"}])
        conn = connect(emu, pem(rsa_key))
        cur = conn.cursor()
        cur.execute("SELECT factorType FROM okta.users.factors WHERE userId = ?", ["ada+ops@example.com"])
        assert cur.fetchall() == []  # Okta resolves the login, but no factor's userId is a login (issue 9)
        (entry,) = [e for e in emu.log.entries if e.path.startswith("/api/")]
        assert (entry.path, entry.status) == ("/api/v1/users/ada%2Bops%40example.com/factors", 200)


@pytest.fixture(scope="module")
def dpop_conn(rsa_key: Any) -> Iterator[tuple[Emulator, okta_dbapi.Connection]]:
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        yield emu, connect(emu, pem(rsa_key))


@given(st.text(min_size=1, max_size=30).filter(lambda t: t not in (".", "..")))
def test_every_user_id_gets_a_proof_okta_accepts(
    dpop_conn: tuple[Emulator, okta_dbapi.Connection], user_id: str
) -> None:
    """Whatever the path holds, the proof's htu matches what the server compares it with."""
    emu, conn = dpop_conn
    emu.log.clear()
    cur = conn.cursor()
    cur.execute("SELECT id FROM okta.users.factors WHERE userId = ?", [user_id])
    assert cur.fetchall() == []  # Okta's 404 for an unknown user is no row
    assert [e.status for e in emu.log.entries if e.path.startswith("/api/")] == [404]  # never 400 (bad proof)


def test_dpop_on_and_off(rsa_key: Any) -> None:
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        assert user_count(connect(emu, pem(rsa_key), dpop="on")) == 2
        assert token_statuses(emu) == [400, 200]  # a proof from the start: only the nonce round trip
        TOKENS.clear()
        emu.log.clear()
        with pytest.raises(OperationalError, match="requires DPoP-bound tokens") as info:
            user_count(connect(emu, pem(rsa_key), dpop="off"))
        assert info.value.error_code == "invalid_dpop_proof"
        assert token_statuses(emu) == [400]


def test_a_skewed_clock_is_named(rsa_key: Any) -> None:
    """Proofs carry the time: a clock ten minutes fast gets its proof refused, and the error says why."""
    import time

    from okta_dbapi.http.client import OktaClient

    with Emulator(users=1, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        settings = Settings.resolve(
            org_url=emu.url, authorization_mode="PrivateKey", client_id=CLIENT, private_key=pem(rsa_key)
        )
        client = OktaClient(settings, clock=lambda: time.time() + 600)
        with pytest.raises(OperationalError, match="clock is right") as info:
            client.call("GET", "/api/v1/users")
        assert info.value.error_code == "invalid_dpop_proof" and "'iat' claim" in str(info.value)
        assert token_statuses(emu) == [400, 400]  # no proof, then a proof from the future; nothing more


def test_bearer_tokens_when_dpop_is_not_required(rsa_key: Any) -> None:
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}) as emu:
        conn = connect(emu, pem(rsa_key))
        sent = capture(conn)
        assert user_count(conn) == 3
        assert token_statuses(emu) == [200]
        api = [r for r in sent if r.path_url.startswith("/api/")]
        assert all(r.headers["Authorization"].startswith("Bearer ") and "DPoP" not in r.headers for r in api)


def test_retried_requests_carry_fresh_proofs(rsa_key: Any) -> None:
    with Emulator(users=20, seed=5, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        emu.faults.error_rate = 0.25
        conn = connect(emu, pem(rsa_key))
        conn.client.backoff_base = 0.01
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM okta.users.factors")
        assert cur.fetchone() == (expected_factors(emu),)
        assert any(e.status >= 500 for e in emu.log.entries), "the fault should have fired"
        assert not [e for e in emu.log.entries if e.status == 401]  # a replayed proof would be a 401


# -- key formats --------------------------------------------------------------------------------


def key_formats(rsa_key: Any, ec_keys: dict[str, Any], tmp_path: Path) -> dict[str, tuple[str, Any, str, str | None]]:
    """name -> (private_key option, what the emulator registers, expected alg, expected kid)."""
    p256, p384, p521 = ec_keys["secp256r1"], ec_keys["secp384r1"], ec_keys["secp521r1"]
    key_file = tmp_path / "service-app.pem"
    key_file.write_text(pem(p256, traditional=True))
    two = {"keys": [private_jwk(rsa_key, kid="k-rsa"), private_jwk(p384, kid="k-ec")]}
    return {
        "rsa-pkcs1-pem": (pem(rsa_key, traditional=True), rsa_key.public_key(), "RS256", None),
        "rsa-pkcs8-pem": (pem(rsa_key), rsa_key.public_key(), "RS256", None),
        "rsa-jwk-rs384": (json.dumps(private_jwk(rsa_key, alg="RS384")), rsa_key.public_key(), "RS384", None),
        "rsa-jwk-kid-rs512": (
            json.dumps(private_jwk(rsa_key, alg="RS512", kid="kid-1")),
            [public_jwk(rsa_key, kid="kid-1"), public_jwk(p256, kid="kid-2")],
            "RS512",
            "kid-1",
        ),
        "ec-p256-sec1-pem": (pem(p256, traditional=True), p256.public_key(), "ES256", None),
        "ec-p384-pkcs8-pem": (pem(p384), p384.public_key(), "ES384", None),
        "ec-p521-jwk": (json.dumps(private_jwk(p521)), p521.public_key(), "ES512", None),
        "jwk-set-single": (
            json.dumps({"keys": [private_jwk(p256, kid="only")]}),
            public_jwk(p256, kid="only"),
            "ES256",
            "only",
        ),
        "key-file": (str(key_file), p256.public_key(), "ES256", None),
        "jwk-set-key-id": (json.dumps(two), public_jwk(p384, kid="k-ec"), "ES384", "k-ec"),
    }


FORMATS = [
    "rsa-pkcs1-pem",
    "rsa-pkcs8-pem",
    "rsa-jwk-rs384",
    "rsa-jwk-kid-rs512",
    "ec-p256-sec1-pem",
    "ec-p384-pkcs8-pem",
    "ec-p521-jwk",
    "jwk-set-single",
    "key-file",
    "jwk-set-key-id",
]


@pytest.mark.parametrize("name", FORMATS)
def test_key_formats(name: str, rsa_key: Any, ec_keys: dict[str, Any], tmp_path: Path) -> None:
    private_key, registered, alg, kid = key_formats(rsa_key, ec_keys, tmp_path)[name]
    options = {"key_id": "k-ec"} if name == "jwk-set-key-id" else {}
    with Emulator(users=4, oauth_clients={CLIENT: registered}, require_dpop=True) as emu:
        assert emu.oauth is not None
        assert user_count(connect(emu, private_key, **options)) == 4
        assert emu.oauth.assertions == [(CLIENT, alg, kid)] * 3  # one assertion per token request


def test_okta_yaml_private_key_and_key_id(
    rsa_key: Any, ec_keys: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p256 = ec_keys["secp256r1"]
    registered = [public_jwk(rsa_key, kid="old"), public_jwk(p256, kid="new")]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("OKTA_CLIENT_ORGURL", "OKTA_CLIENT_TOKEN", "OKTA_CLIENT_PRIVATEKEY", "OKTA_CLIENT_KEYID"):
        monkeypatch.delenv(var, raising=False)
    with Emulator(users=3, oauth_clients={CLIENT: registered}) as emu:
        assert emu.oauth is not None
        block = "\n".join("      " + line for line in pem(p256).splitlines())
        (tmp_path / "okta.yaml").write_text(
            "okta:\n  client:\n"
            f"    orgUrl: {emu.url}\n    authorizationMode: PrivateKey\n    clientId: {CLIENT}\n"
            f"    keyId: new\n    privateKey: |\n{block}\n"
        )
        assert user_count(okta_dbapi.connect()) == 3
        # the key as a YAML mapping (a JWK), and the kid from the environment
        TOKENS.clear()
        jwk = private_jwk(rsa_key)
        mapping = "\n".join(f'      {k}: "{v}"' for k, v in jwk.items())
        (tmp_path / "okta.yaml").write_text(
            "okta:\n  client:\n"
            f"    orgUrl: {emu.url}\n    authorizationMode: PrivateKey\n    clientId: {CLIENT}\n"
            f"    privateKey:\n{mapping}\n"
        )
        monkeypatch.setenv("OKTA_CLIENT_KEYID", "old")
        assert user_count(okta_dbapi.connect()) == 3
        assert emu.oauth.assertions == [(CLIENT, "ES256", "new"), (CLIENT, "RS256", "old")]


# -- errors -------------------------------------------------------------------------------------


def bad_keys(rsa_key: Any, ec_keys: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], str]]:
    p256 = ec_keys["secp256r1"]
    public_pem = (
        p256.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    two = json.dumps({"keys": [private_jwk(rsa_key, kid="a"), private_jwk(p256, kid="b")]})
    return {
        "encrypted": (pem(rsa_key, password=b"correct horse"), {}, "encrypted with a passphrase"),
        "literal-newlines": (pem(rsa_key).replace("\n", "\\n"), {}, "literal \\\\n sequences"),
        "ed25519": (pem(ed25519.Ed25519PrivateKey.generate()), {}, "Okta accepts RSA keys and EC keys"),
        "oct-jwk": (json.dumps({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ"}), {}, "unsupported kty 'oct'"),
        "public-pem": (public_pem, {}, "public key"),
        "public-jwk": (json.dumps(public_jwk(p256)), {}, "public JWK"),
        "jwk-set-needs-key-id": (two, {}, "set key_id"),
        "jwk-set-wrong-key-id": (two, {"key_id": "c"}, "without a key of kid 'c'"),
        "missing-file": ("/nonexistent/service-app.pem", {}, r"file \(/nonexistent/service-app\.pem: No such"),
        "headerless-key": ("".join(pem(p256).splitlines()[1:-1]), {}, "not a path to a readable file either"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "encrypted",
        "literal-newlines",
        "ed25519",
        "oct-jwk",
        "public-pem",
        "public-jwk",
        "jwk-set-needs-key-id",
        "jwk-set-wrong-key-id",
        "missing-file",
        "headerless-key",
    ],
)
def test_key_errors_are_clear(name: str, rsa_key: Any, ec_keys: dict[str, Any]) -> None:
    private_key, options, needle = bad_keys(rsa_key, ec_keys)[name]
    with Emulator(users=1, oauth_clients={CLIENT: rsa_key.public_key()}) as emu:
        with pytest.raises(InterfaceError, match=needle) as info:
            user_count(connect(emu, private_key, **options))
        assert emu.log.entries == []  # refused before any request
        if name != "missing-file":  # a path is shown (it is not a secret); key material never is
            for line in private_key.replace("\\n", "\n").splitlines()[1:-1] or [private_key]:
                assert line not in str(info.value)


def test_token_endpoint_errors(rsa_key: Any, ec_keys: dict[str, Any]) -> None:
    p256 = ec_keys["secp256r1"]
    two = [public_jwk(rsa_key, kid="a"), public_jwk(p256, kid="b")]
    with Emulator(users=1, oauth_clients={CLIENT: two, "0oaREADER": OAuthClient(two, ("okta.users.read",))}) as emu:
        with pytest.raises(OperationalError, match="set key_id") as info:
            user_count(connect(emu, pem(rsa_key)))
        assert info.value.error_code == "invalid_client" and info.value.status == 401
        assert "kid is invalid" in str(info.value)
        assert user_count(connect(emu, pem(rsa_key), key_id="a")) == 1
        with pytest.raises(OperationalError, match="Client authentication failed") as info:
            user_count(
                okta_dbapi.connect(
                    org_url=emu.url,
                    authorization_mode="PrivateKey",
                    client_id="0oaNOPE",
                    private_key=pem(rsa_key),
                    key_id="a",
                )
            )
        assert info.value.error_code == "invalid_client"
        reader = {"authorization_mode": "PrivateKey", "client_id": "0oaREADER", "private_key": pem(p256), "key_id": "b"}
        with pytest.raises(OperationalError, match=r"read_only=True asks only for okta\.users\.read") as info:
            user_count(okta_dbapi.connect(org_url=emu.url, **reader))
        assert info.value.error_code == "invalid_scope" and "okta.users.manage" in str(info.value)
        assert user_count(okta_dbapi.connect(org_url=emu.url, read_only=True, **reader)) == 1


# -- scopes -------------------------------------------------------------------------------------


def test_scopes_follow_read_only(rsa_key: Any) -> None:
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}) as emu:
        assert emu.oauth is not None
        user_count(connect(emu, pem(rsa_key), read_only=True))
        user_count(connect(emu, pem(rsa_key)))
        user_count(connect(emu, pem(rsa_key), scopes="okta.users.manage"))
        granted = sorted(sorted(g.scopes) for g in emu.oauth.grants().values())
        assert granted == [["okta.users.manage"], ["okta.users.manage", "okta.users.read"], ["okta.users.read"]]


def test_snapshot_adds_the_logs_scope(rsa_key: Any, tmp_path: Path) -> None:
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}) as emu:
        assert emu.oauth is not None
        conn = connect(emu, pem(rsa_key), read_only=True, snapshot=str(tmp_path / "org.db"), max_age=0)
        cur = conn.cursor()
        for _ in range(2):  # a build, then a refresh that reads the System Log
            cur.execute("SELECT count(*) FROM okta.users.factors")
            assert cur.fetchone() == (expected_factors(emu),)
        assert [sorted(g.scopes) for g in emu.oauth.grants().values()] == [["okta.logs.read", "okta.users.read"]]
        assert [e.status for e in emu.log.entries if e.path == "/api/v1/logs"] == [200]
        conn.close()
        # Scopes set by hand without the System Log's: Okta's 403 names the scope, the snapshot says why
        other = connect(emu, pem(rsa_key), scopes="okta.users.read", snapshot=str(tmp_path / "org.db"), max_age=0)
        with pytest.raises(OperationalError, match=r"lacks okta\.logs\.read.*snapshot reads Okta's System Log"):
            other.cursor().execute("SELECT count(*) FROM okta.users.factors")


def test_missing_scope_is_named(rsa_key: Any) -> None:
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}) as emu:
        conn = connect(emu, pem(rsa_key), scopes="okta.users.read")
        uid = emu.org.user_ids()[0]
        fid = emu.org.factors(uid)[0]["id"]
        cur = conn.cursor()
        with pytest.raises(OperationalError, match=r"lacks okta\.users\.manage") as info:
            cur.execute("DELETE FROM okta.users.factors WHERE userId = ? AND id = ?", (uid, fid))
        err = info.value
        assert err.status == 403 and err.error_code == "insufficient_scope"
        assert "it was requested with: okta.users.read" in str(err)
        assert emu.log.count("DELETE", FACTORS + "/[^/]+") == 1  # not retried, no new token
        assert token_statuses(emu) == [200]


# -- sharing and expiry -------------------------------------------------------------------------


def test_connections_share_one_token(rsa_key: Any) -> None:
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        key = pem(rsa_key)
        results: list[int] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with connect(emu, key) as conn:
                    results.append(user_count(conn))
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and results == [3] * 6
        assert token_statuses(emu) == [400, 400, 200]  # one token for six concurrent connections
        assert user_count(connect(emu, key)) == 3 and len(token_statuses(emu)) == 3
        user_count(connect(emu, key, read_only=True))  # other scopes: another token, DPoP and nonce known
        assert token_statuses(emu) == [400, 400, 200, 200]


def test_sqlalchemy_pool_shares_one_token(rsa_key: Any, tmp_path: Path) -> None:
    from urllib.parse import quote

    import sqlalchemy as sa

    key_file = tmp_path / "key.pem"
    key_file.write_text(pem(rsa_key))
    with Emulator(users=3, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        host = emu.url.split("//", 1)[1]
        url = (
            f"okta://{host}/?scheme=http&authorization_mode=PrivateKey&client_id={CLIENT}"
            f"&private_key={quote(str(key_file), safe='')}&read_only=true"
        )
        engine = sa.create_engine(url, pool_size=4)
        conns = [engine.connect() for _ in range(4)]  # four DBAPI connections checked out at once
        try:
            for conn in conns:
                assert conn.execute(sa.text("SELECT count(*) FROM okta.users.users")).scalar() == 3
        finally:
            for conn in conns:
                conn.close()
            engine.dispose()
        assert token_statuses(emu) == [400, 400, 200]
        assert emu.oauth is not None and [sorted(g.scopes) for g in emu.oauth.grants().values()] == [
            ["okta.users.read"]
        ]


@pytest.mark.parametrize("require_dpop", [False, True])
def test_token_expiry_mid_fan_out(rsa_key: Any, require_dpop: bool) -> None:
    with Emulator(users=30, seed=4, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=require_dpop) as emu:
        assert emu.oauth is not None
        conn = connect(emu, pem(rsa_key), concurrency=8)
        served = 0
        lock = threading.Lock()
        oauth = emu.oauth

        def expire_after_five(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
            nonlocal served
            if "/factors" in resp.url and resp.status_code == 200:
                with lock:
                    served += 1
                    if served == 5:
                        oauth.expire_tokens()

        conn.client.session.hooks["response"].append(expire_after_five)
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM okta.users.factors")
        assert cur.fetchone() == (expected_factors(emu),)
        unauthorized = [e for e in emu.log.entries if e.status == 401]
        assert unauthorized, "the token should have expired mid-fan-out"
        assert token_statuses(emu).count(200) == 2  # one new token, however many threads saw the 401
        users = len(emu.org.user_ids(include_deprovisioned=True))
        # The DEPROVISIONED users' listing runs mid-fan-out too, so it may see a 401 of its own.
        assert emu.log.count("GET", FACTORS) == users + len([e for e in unauthorized if "/factors" in e.path])


# -- secrets ------------------------------------------------------------------------------------


def test_no_secret_in_messages_reprs_or_logs(
    rsa_key: Any, ec_keys: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key_text = pem(rsa_key)
    jwk_text = json.dumps(private_jwk(ec_keys["secp256r1"]))
    texts: list[str] = []
    with Emulator(users=4, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        assert emu.oauth is not None
        conn = connect(emu, key_text, scopes="okta.users.read")
        sent = capture(conn)
        user_count(conn)
        emu.oauth.expire_tokens()
        user_count(conn)
        uid = emu.org.user_ids()[0]
        fid = emu.org.factors(uid)[0]["id"]
        failures: list[BaseException] = []
        with pytest.raises(OperationalError) as scope_error:
            conn.cursor().execute("DELETE FROM okta.users.factors WHERE userId = ? AND id = ?", (uid, fid))
        failures.append(scope_error.value)
        for bad in (
            lambda: user_count(connect(emu, key_text, scopes="okta.groups.read")),
            lambda: user_count(connect(emu, jwk_text)),
            lambda: user_count(connect(emu, key_text.replace("\n", "\\n"))),
            lambda: user_count(connect(emu, pem(rsa_key, password=b"pw"))),
        ):
            with pytest.raises(okta_dbapi.Error) as info:
                bad()
            failures.append(info.value)
        auth = conn.client.auth
        assert isinstance(auth, PrivateKeyAuth)
        texts += [str(e) for e in failures] + [repr(e) for e in failures]
        texts += [repr(x) for x in (conn, conn.client, auth, conn.settings, auth.slot(), auth.slot().token, TOKENS)]
        texts += [repr(x) for x in (auth.signing_key(), auth.slot().dpop_key, emu, emu.log.entries)]
        texts += [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
        secrets = list(emu.oauth.grants())
        for r in sent:
            if "DPoP" in r.headers:
                secrets.append(r.headers["DPoP"])
            if r.path_url == TOKEN_PATH:
                form = dict(p.split("=", 1) for p in str(r.body).split("&"))
                secrets.append(form["client_assertion"])
        secrets += [line for line in key_text.splitlines() if "-----" not in line]
        secrets += [json.loads(jwk_text)["d"]]
    assert len(secrets) > 20 and any("okta_dbapi" in r.name for r in caplog.records)
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into: {text[:120]}"


def test_emulator_log_hides_tokens_and_proofs(rsa_key: Any) -> None:
    with Emulator(users=2, oauth_clients={CLIENT: rsa_key.public_key()}, require_dpop=True) as emu:
        user_count(connect(emu, pem(rsa_key)))
        for entry in emu.log.entries:
            for name in ("Authorization", "DPoP"):
                assert entry.headers.get(name, "REDACTED") == "REDACTED"
            assert entry.body is None or "client_assertion" not in json.dumps(entry.body)
