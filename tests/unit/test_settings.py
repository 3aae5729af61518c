"""Settings.resolve: explicit args > env (OKTA_CLIENT_*) > ./okta.yaml > ~/.okta/okta.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from okta_dbapi.exceptions import InterfaceError, ProgrammingError
from okta_dbapi.settings import ENV_VARS, OPTIONS, Settings, derive_subdomain, normalize_org_url

TOKEN = "00SecretTokenValue_abcdefghijklmnop"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No OKTA_CLIENT_* variables, HOME and cwd in empty temporary directories."""
    for name in list(os.environ):
        if name.startswith("OKTA_CLIENT_") or name in ENV_VARS:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return tmp_path


def write_yaml(path: Path, **client: object) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"okta": {"client": client}}))


def home_yaml() -> Path:
    return Path.home() / ".okta" / "okta.yaml"


# -- org URL -----------------------------------------------------------------------------------


def test_subdomain_makes_okta_com_url() -> None:
    s = Settings.resolve(subdomain="my-org", token=TOKEN)
    assert s.org_url == "https://my-org.okta.com"
    assert s.subdomain == "my-org"
    assert s.token == TOKEN


@pytest.mark.parametrize(
    ("url", "org_url", "subdomain"),
    [
        ("https://my-org.okta.com", "https://my-org.okta.com", "my-org"),
        ("https://My-Org.OKTA.com/", "https://my-org.okta.com", "my-org"),
        ("https://dev-1.oktapreview.com:443", "https://dev-1.oktapreview.com", "dev-1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1"),
        ("http://127.5.6.7:80/", "http://127.5.6.7", "127.5.6.7"),
        ("http://localhost:9000", "http://localhost:9000", "localhost"),
        ("http://[::1]:8080", "http://[::1]:8080", "::1"),
        ("https://id.example.com:8443", "https://id.example.com:8443", "id"),
    ],
)
def test_org_url_normalised_and_subdomain_derived(url: str, org_url: str, subdomain: str) -> None:
    s = Settings.resolve(org_url=url, token=TOKEN)
    assert s.org_url == org_url
    assert s.subdomain == subdomain
    assert derive_subdomain(org_url) == subdomain


@pytest.mark.parametrize(
    "url",
    [
        "http://my-org.okta.com",
        "http://10.0.0.1:8080",
        "http://example.com",
        "http://localhost.evil.com",
        "http://128.0.0.1",
    ],
)
def test_plain_http_only_for_loopback(url: str) -> None:
    with pytest.raises(ProgrammingError, match="http://"):
        Settings.resolve(org_url=url, token=TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        "https://my-org.okta.com/api/v1",
        "https://my-org.okta.com/?x=1",
        "https://my-org.okta.com#frag",
        "https://user:pw@my-org.okta.com",
        "https://user@my-org.okta.com",
        "ftp://my-org.okta.com",
        "my-org.okta.com",
        "https://",
        "https://my-org.okta.com:99999",
    ],
)
def test_org_url_must_be_a_bare_origin(url: str) -> None:
    with pytest.raises(ProgrammingError):
        normalize_org_url(url)


def test_no_org_says_how_to_configure() -> None:
    with pytest.raises(InterfaceError) as info:
        Settings.resolve(token=TOKEN)
    assert "OKTA_CLIENT_ORGURL" in str(info.value)
    assert "OKTA_CLIENT_TOKEN" in str(info.value)


@pytest.mark.parametrize("bad", ["evil.com/x", "a b", "my_org", "-x", "org.okta.com?"])
def test_bad_subdomain_rejected(bad: str) -> None:
    with pytest.raises(ProgrammingError, match="subdomain"):
        Settings.resolve(subdomain=bad, token=TOKEN)


def test_explicit_subdomain_and_org_url_both_kept() -> None:
    s = Settings.resolve(subdomain="demo", org_url="http://127.0.0.1:8080", token=TOKEN)
    assert (s.org_url, s.subdomain) == ("http://127.0.0.1:8080", "demo")


# -- precedence ---------------------------------------------------------------------------------


def test_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_CLIENT_ORGURL", "https://env-org.okta.com")
    monkeypatch.setenv("OKTA_CLIENT_TOKEN", TOKEN)
    s = Settings.resolve()
    assert (s.org_url, s.subdomain, s.token) == ("https://env-org.okta.com", "env-org", TOKEN)


def test_home_yaml_then_cwd_yaml_then_env_then_args(monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(home_yaml(), orgUrl="https://home.okta.com", token="home-token-123", clientId="home-client")
    s = Settings.resolve()
    assert (s.org_url, s.token) == ("https://home.okta.com", "home-token-123")

    write_yaml(Path.cwd() / "okta.yaml", orgUrl="https://cwd.okta.com")
    s = Settings.resolve()
    assert (s.org_url, s.token) == ("https://cwd.okta.com", "home-token-123")  # cwd wins, token from home

    monkeypatch.setenv("OKTA_CLIENT_ORGURL", "https://env.okta.com")
    monkeypatch.setenv("OKTA_CLIENT_TOKEN", "env-token-456")
    s = Settings.resolve()
    assert (s.org_url, s.token) == ("https://env.okta.com", "env-token-456")
    assert s.client_id == "home-client"

    s = Settings.resolve(org_url="https://arg.okta.com", token="arg-token-789")
    assert (s.org_url, s.token) == ("https://arg.okta.com", "arg-token-789")


def test_explicit_subdomain_beats_configured_org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_CLIENT_ORGURL", "https://env.okta.com")
    assert Settings.resolve(subdomain="other", token=TOKEN).org_url == "https://other.okta.com"
    # ...unless the configured URL is that same org (e.g. on oktapreview.com)
    monkeypatch.setenv("OKTA_CLIENT_ORGURL", "https://other.oktapreview.com")
    assert Settings.resolve(subdomain="other", token=TOKEN).org_url == "https://other.oktapreview.com"


def test_yaml_all_keys_and_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(
        Path.cwd() / "okta.yaml",
        orgUrl="https://y.okta.com",
        authorizationMode="PrivateKey",
        clientId="0oa-yaml",
        scopes=["okta.users.read"],
        privateKey="/keys/key.pem",
        requestTimeout=12,
        rateLimit={"maxRetries": 2},
    )
    s = Settings.resolve()
    assert s.authorization_mode == "PrivateKey"
    assert s.client_id == "0oa-yaml"
    assert s.scopes == ("okta.users.read",)
    assert s.private_key == "/keys/key.pem"
    assert s.timeout == 12.0
    assert s.max_retries == 2
    monkeypatch.setenv("OKTA_CLIENT_SCOPES", "okta.users.read, okta.users.manage")
    monkeypatch.setenv("OKTA_CLIENT_CLIENTID", "0oa-env")
    s = Settings.resolve()
    assert s.scopes == ("okta.users.read", "okta.users.manage")
    assert s.client_id == "0oa-env"
    s = Settings.resolve(client_id="0oa-arg", scopes="okta.users.manage")
    assert (s.client_id, s.scopes) == ("0oa-arg", ("okta.users.manage",))


def test_invalid_yaml_is_interface_error() -> None:
    (Path.cwd() / "okta.yaml").write_text("okta: [unclosed\n")
    with pytest.raises(InterfaceError, match=r"okta\.yaml"):
        Settings.resolve(org_url="https://x.okta.com")


def test_yaml_without_client_section_is_ignored() -> None:
    (Path.cwd() / "okta.yaml").write_text("something: else\n")
    with pytest.raises(InterfaceError):
        Settings.resolve()


# -- options ------------------------------------------------------------------------------------


def test_string_options_are_coerced() -> None:
    s = Settings.resolve(
        org_url="https://x.okta.com",
        token=TOKEN,
        timeout="2.5",
        max_retries="0",
        concurrency="16",
        page_size="50",
        read_only="true",
        authorization_mode="bearer",
        user_agent="my-tool/1.0",
    )
    assert s.timeout == 2.5
    assert s.max_retries == 0
    assert s.concurrency == 16
    assert s.page_size == 50
    assert s.read_only is True
    assert s.authorization_mode == "Bearer"
    assert s.user_agent == "my-tool/1.0"


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("0", False), ("false", False), ("TRUE", True)])
def test_bool_coercion(raw: str, value: bool) -> None:
    assert Settings.resolve(org_url="https://x.okta.com", read_only=raw).read_only is value


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", "0"),
        ("timeout", "soon"),
        ("max_retries", "-1"),
        ("max_retries", "1.5"),
        ("concurrency", "0"),
        ("page_size", "201"),
        ("page_size", "x"),
        ("read_only", "maybe"),
        ("authorization_mode", "Basic"),
        ("scopes", ""),
    ],
)
def test_bad_option_values(option: str, value: str) -> None:
    with pytest.raises(ProgrammingError, match=option):
        Settings.resolve(org_url="https://x.okta.com", **{option: value})


def test_unknown_option_lists_valid_ones() -> None:
    with pytest.raises(ProgrammingError) as info:
        Settings.resolve(org_url="https://x.okta.com", token=TOKEN, tiemout=3)
    message = str(info.value)
    assert "'tiemout'" in message
    for option in OPTIONS:
        assert option in message


def test_none_options_mean_default() -> None:
    s = Settings.resolve(org_url="https://x.okta.com", timeout=None, concurrency=None)
    assert (s.timeout, s.concurrency) == (30.0, 16)


def test_defaults() -> None:
    s = Settings.resolve(org_url="https://x.okta.com", token=TOKEN)
    assert s.authorization_mode == "SSWS"
    assert s.scopes is None and s.oauth_scopes == ("okta.users.read", "okta.users.manage")
    assert (s.key_id, s.dpop) == (None, "auto")
    assert (s.timeout, s.max_retries, s.concurrency, s.page_size, s.read_only) == (30.0, 4, 16, 200, False)
    assert s.user_agent.startswith("okta-dbapi/")


def test_private_key_mode_needs_client_id_and_key() -> None:
    with pytest.raises(InterfaceError, match="client_id and private_key"):
        Settings.resolve(org_url="https://x.okta.com", authorization_mode="PrivateKey")
    s = Settings.resolve(
        org_url="https://x.okta.com", authorization_mode="privatekey", client_id="0oa1", private_key="k.pem"
    )
    assert s.authorization_mode == "PrivateKey"


def test_missing_token_is_allowed_until_a_request() -> None:
    assert Settings.resolve(org_url="https://x.okta.com").token is None


# -- secrets ------------------------------------------------------------------------------------


def test_repr_never_shows_secrets() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    s = Settings.resolve(
        org_url="https://x.okta.com",
        token=TOKEN,
        authorization_mode="PrivateKey",
        client_id="0oa1",
        private_key=pem,
    )
    for text in (repr(s), str(s), f"{s}", f"{s!r}"):
        assert TOKEN not in text
        assert "MIIEvQ" not in text
        assert "token='***'" in text
        assert "private_key='***'" in text
    assert "token=None" in repr(Settings.resolve(org_url="https://x.okta.com"))


def test_settings_is_frozen_and_direct_construction_validates() -> None:
    s = Settings(org_url="http://localhost:8080/", subdomain="localhost", token=TOKEN)
    assert s.org_url == "http://localhost:8080"
    with pytest.raises(AttributeError):
        s.token = "x"  # type: ignore[misc]
    with pytest.raises(ProgrammingError):
        Settings(org_url="http://example.com", subdomain="example", token=TOKEN)


# -- the documented okta.yaml ------------------------------------------------------------------


def test_the_documented_okta_yaml_resolves_as_described() -> None:
    import re

    doc = (Path(__file__).parents[2] / "docs" / "connecting.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    Path("okta.yaml").write_text(example)
    settings = Settings.resolve()
    assert settings.org_url == "https://my-org.okta.com"
    assert settings.authorization_mode == "PrivateKey"
    assert settings.client_id == "0oa1b2c3d4e5f6g7h8i9"
    assert settings.scopes == ("okta.users.read", "okta.users.manage")
    assert settings.private_key == "~/.okta/okta-dbapi-key.pem"  # a path: read when the first token is needed
    assert (settings.timeout, settings.max_retries) == (30.0, 4)


def test_user_agent_option_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests_mock

    from okta_dbapi.http.client import OktaClient

    settings = Settings.resolve(org_url="https://my-org.okta.com", token=TOKEN, user_agent="mfa-report/2.1")
    with requests_mock.Mocker() as mock:
        mock.get("https://my-org.okta.com/api/v1/users/00u1", json={"id": "00u1"})
        OktaClient(settings).call("GET", "/api/v1/users/{id}", path_params={"id": "00u1"})
    assert mock.last_request.headers["User-Agent"] == "mfa-report/2.1"
    assert Settings.resolve(org_url="https://my-org.okta.com", token=TOKEN).user_agent.startswith("okta-dbapi/")
