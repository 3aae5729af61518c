"""Connection settings: where the org is, how to authenticate, and the client's knobs.

:meth:`Settings.resolve` merges, highest precedence first:

1. explicit arguments (``connect(subdomain=..., org_url=..., token=..., **options)``),
2. environment variables, following the Okta SDK conventions (``OKTA_CLIENT_ORGURL``,
   ``OKTA_CLIENT_TOKEN``, ``OKTA_CLIENT_AUTHORIZATIONMODE``, ``OKTA_CLIENT_CLIENTID``,
   ``OKTA_CLIENT_SCOPES``, ``OKTA_CLIENT_PRIVATEKEY``, ``OKTA_CLIENT_KEYID`` (or the Java SDK's
   ``OKTA_CLIENT_KID``); also ``OKTA_CLIENT_REQUESTTIMEOUT`` and
   ``OKTA_CLIENT_RATELIMIT_MAXRETRIES``),
3. ``./okta.yaml``, then ``~/.okta/okta.yaml`` (``okta: client: orgUrl / token /
   authorizationMode / clientId / scopes / privateKey / keyId (or kid) / requestTimeout /
   rateLimit: maxRetries``). ``privateKey`` may be the key itself (PEM text, a JWK or JWK Set,
   also as a YAML mapping) or the path of a file holding it.

Without ``scopes``, PrivateKey mode asks for what the connection can use: ``okta.users.read``
with ``read_only``, else ``okta.users.read okta.users.manage``; plus ``okta.logs.read`` when a
snapshot is configured (it reads the System Log to refresh).

Options may arrive as strings (a SQLAlchemy URL query), so booleans accept
``true/false/1/0/yes/no/on/off`` and numbers are parsed from text.

Security rules enforced here: the org URL is a bare origin (scheme, host, optional port; no
path, query, fragment or userinfo, and no message ever echoes the userinfo), and plain ``http://``
is only accepted for loopback hosts written literally (``localhost``, ``127.0.0.0/8``, ``::1``;
not ``*.localhost``, which the system resolver could send anywhere), e.g. the bundled emulator.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from okta_dbapi.exceptions import InterfaceError, ProgrammingError
from okta_dbapi.redact import mask, register_secret


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("okta-dbapi")
    except Exception:  # not installed (running from a checkout)
        return "0.0.0"


DEFAULT_USER_AGENT = f"okta-dbapi/{_package_version()}"
DEFAULT_SCOPES: tuple[str, ...] = ("okta.users.read", "okta.users.manage")
READ_ONLY_SCOPES: tuple[str, ...] = ("okta.users.read",)
LOGS_SCOPE = "okta.logs.read"
DPOP_MODES = ("auto", "on", "off")
AUTHORIZATION_MODES = ("SSWS", "Bearer", "PrivateKey")
MAX_PAGE_SIZE = 200

#: Environment variables read by :meth:`Settings.resolve` (Okta SDK names) -> yaml key path.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "OKTA_CLIENT_ORGURL": ("orgUrl",),
    "OKTA_CLIENT_TOKEN": ("token",),
    "OKTA_CLIENT_AUTHORIZATIONMODE": ("authorizationMode",),
    "OKTA_CLIENT_CLIENTID": ("clientId",),
    "OKTA_CLIENT_SCOPES": ("scopes",),
    "OKTA_CLIENT_PRIVATEKEY": ("privateKey",),
    "OKTA_CLIENT_KEYID": ("keyId",),
    "OKTA_CLIENT_KID": ("kid",),
    "OKTA_CLIENT_REQUESTTIMEOUT": ("requestTimeout",),
    "OKTA_CLIENT_RATELIMIT_MAXRETRIES": ("rateLimit", "maxRetries"),
}

#: Options accepted by ``resolve(**options)`` (and therefore by ``connect()``).
OPTIONS = (
    "timeout",
    "statement_timeout",
    "max_retries",
    "concurrency",
    "page_size",
    "read_only",
    "authorization_mode",
    "client_id",
    "scopes",
    "private_key",
    "key_id",
    "dpop",
    "user_agent",
    "snapshot",
    "max_age",
    "full_refresh_after",
)

#: Snapshot defaults (see docs/snapshot.md): an incremental refresh with nothing changed costs
#: two requests, so five minutes (Steampipe's cache life) bounds staleness cheaply; a full reload
#: once a day heals anything the System Log missed.
DEFAULT_MAX_AGE = 300.0
DEFAULT_FULL_REFRESH_AFTER = 86400.0

_CONFIG_HELP = (
    "pass org_url='https://<your-org>.okta.com' (or subdomain='<your-org>') and token='...', "
    "or set the environment variables OKTA_CLIENT_ORGURL and OKTA_CLIENT_TOKEN, "
    "or write them as okta.client.orgUrl / okta.client.token in ./okta.yaml or ~/.okta/okta.yaml"
)
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to talk to one Okta org. ``repr`` never shows secrets."""

    org_url: str
    subdomain: str
    token: str | None
    authorization_mode: str = "SSWS"
    client_id: str | None = None
    #: None: follow read_only (see :attr:`oauth_scopes`)
    scopes: tuple[str, ...] | None = None
    private_key: str | None = None
    key_id: str | None = None
    #: DPoP proofs for OAuth tokens: "auto" (when the token endpoint asks), "on" or "off"
    dpop: str = "auto"
    timeout: float = 30.0
    #: seconds a whole statement may take (every request, retry and rate-limit wait); None: no limit
    statement_timeout: float | None = None
    max_retries: int = 4
    concurrency: int = 16  # a fifth of Okta's concurrent limit (75 per org); AIMD backs off on a concurrent 429
    page_size: int = 200
    read_only: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    snapshot: str | bool = False  # a file path, True (a per-org file in the cache dir) or False
    max_age: float = DEFAULT_MAX_AGE
    full_refresh_after: float = DEFAULT_FULL_REFRESH_AFTER

    def __post_init__(self) -> None:
        object.__setattr__(self, "org_url", normalize_org_url(self.org_url))
        if self.authorization_mode not in AUTHORIZATION_MODES:
            object.__setattr__(self, "authorization_mode", _coerce_mode("authorization_mode", self.authorization_mode))
        register_secret(self.token)
        key = (self.private_key or "").strip()
        if key.startswith(("-----BEGIN", "{")):  # inline PEM or JWK (a path is not a secret)
            register_secret(key)
            register_secret(self.private_key)

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            parts.append(f"{f.name}={mask(value) if f.name in _SECRET_FIELDS else repr(value)}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__

    @property
    def oauth_scopes(self) -> tuple[str, ...]:
        """The scopes PrivateKey mode asks for: ``scopes``, or what read_only and a snapshot need."""
        if self.scopes:
            return self.scopes
        scopes = READ_ONLY_SCOPES if self.read_only else DEFAULT_SCOPES
        if self.snapshot:  # it refreshes from the System Log, which OAuth tokens reach with this scope
            scopes = (*scopes, LOGS_SCOPE)
        return scopes

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(urlsplit(self.org_url).hostname or "")

    def with_options(self, **options: Any) -> Settings:
        """A copy with some options changed (same coercion and validation as :meth:`resolve`)."""
        return replace(self, **_coerce_options(options))

    @classmethod
    def resolve(
        cls,
        subdomain: str | None = None,
        org_url: str | None = None,
        token: str | None = None,
        **options: Any,
    ) -> Settings:
        """Build settings from explicit arguments, then env vars, then ``okta.yaml`` files."""
        unknown = sorted(k for k in options if k not in OPTIONS)
        if unknown:
            raise ProgrammingError(
                f"unknown connection option{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))}; valid options are: {', '.join(OPTIONS)}"
            )
        explicit = _coerce_options({k: v for k, v in options.items() if v is not None})
        config = _load_config()  # yaml then env, as {yaml key: value}

        if subdomain is not None:
            subdomain = _check_subdomain(str(subdomain).strip())
        if org_url is None:
            configured = config.get("orgUrl")
            if subdomain is not None:
                # An explicit subdomain wins over configuration, unless the configured URL is
                # the same org (e.g. my-org.oktapreview.com, or a loopback emulator).
                if configured and derive_subdomain(normalize_org_url(str(configured))) == subdomain:
                    org_url = str(configured)
                else:
                    org_url = f"https://{subdomain}.okta.com"
            elif configured:
                org_url = str(configured)
            else:
                raise InterfaceError(f"no Okta org configured: {_CONFIG_HELP}")
        org_url = normalize_org_url(str(org_url))
        if subdomain is None:
            subdomain = derive_subdomain(org_url)

        if token is None and config.get("token"):
            token = str(config["token"])
        merged: dict[str, Any] = {}
        yaml_to_option = {
            "authorizationMode": "authorization_mode",
            "clientId": "client_id",
            "scopes": "scopes",
            "privateKey": "private_key",
            "kid": "key_id",
            "keyId": "key_id",
            "requestTimeout": "timeout",
            "maxRetries": "max_retries",
        }
        for key, option in yaml_to_option.items():
            value = config.get(key)
            if value is None or value == "":
                continue
            if option == "timeout" and str(value).strip() in ("0", "0.0"):
                continue  # the SDK's "0 = no limit": keep our default instead of waiting forever
            merged[option] = value
        merged = _coerce_options(merged, source="configuration")
        merged.update(explicit)

        mode = merged.get("authorization_mode", "SSWS")
        if mode == "PrivateKey":
            missing = [n for n in ("client_id", "private_key") if not merged.get(n)]
            if missing:
                raise InterfaceError(
                    "authorization_mode 'PrivateKey' needs "
                    + " and ".join(missing)
                    + ": pass them as options or set OKTA_CLIENT_CLIENTID / OKTA_CLIENT_PRIVATEKEY "
                    "(the private key as PEM text, a JWK or JWK Set, or the path of a file holding one)"
                )
        return cls(org_url=org_url, subdomain=subdomain, token=token or None, **merged)


_SECRET_FIELDS = frozenset({"token", "private_key"})


# ---------------------------------------------------------------------------------------------
# org URL rules


def is_loopback_host(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``, taken literally.

    Other names under ``.localhost`` are not: RFC 6761 says they should resolve to loopback, but
    ``requests`` asks the system resolver, which may send them anywhere (a search domain, a hosts
    file entry, a DNS server that answers everything).
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """``url`` as an error message may show it: no user info (it may hold a password), no query."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in rest:
        # Anything up to the last '@' may be a password, even one holding '/', '?' or '#'.
        authority = "***@" + re.split(r"[/?#]", rest.rpartition("@")[2], maxsplit=1)[0]
    return f"{scheme}{sep}{authority}"


def normalize_org_url(url: str) -> str:
    """Validate an org URL and return it as ``scheme://host[:port]`` (lowercase, no slash)."""
    raw = url.strip()
    if "@" in raw:  # checked first: every later message shows the URL, and this part may be a password
        raise ProgrammingError(
            f"invalid org_url {_shown(raw)!r}: it must not contain user info (user:password@); "
            "pass the API token as token=... instead"
        )
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as e:
        raise ProgrammingError(f"invalid org_url {_shown(raw)!r}: {e}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not host:
        raise ProgrammingError(
            f"invalid org_url {_shown(raw)!r}: expected https://<your-org>.okta.com (scheme and host)"
        )
    host = _check_host(host, raw)
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith(("?", "#")):
        raise ProgrammingError(
            f"invalid org_url {parts.scheme}://{parts.netloc}{parts.path}: it must be the org's origin "
            "only (https://<your-org>.okta.com), without a path, query or fragment"
        )
    if scheme == "http" and not is_loopback_host(host):
        raise ProgrammingError(
            f"refusing plain http:// for {host}: the API token would travel unencrypted; "
            "use https:// (http:// is only allowed for loopback hosts such as the local emulator: "
            "localhost, 127.0.0.1 or [::1], written literally)"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def _check_host(host: str, raw: str) -> str:
    """An IP literal, or a DNS name (an internationalised one in its ASCII ``xn--`` form)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_host = ""
    labels = ascii_host.split(".")
    if not ascii_host or len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ProgrammingError(
            f"invalid org_url {_shown(raw)!r}: the host must be a DNS name (letters, digits, hyphens and "
            "dots) or an IP address, e.g. https://<your-org>.okta.com"
        )
    return ascii_host


def derive_subdomain(org_url: str) -> str:
    """``https://my-org.okta.com`` -> ``my-org``; an IP or ``localhost`` host is returned whole."""
    host = (urlsplit(org_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return host.split(".", 1)[0] if "." in host else host


def _check_subdomain(value: str) -> str:
    if not _LABEL.match(value):
        try:
            ipaddress.ip_address(value)
            return value
        except ValueError:
            pass
        raise ProgrammingError(
            f"invalid subdomain {value!r}: expected the first label of <subdomain>.okta.com "
            "(letters, digits and hyphens); pass org_url=... for other domains"
        )
    return value.lower()


# ---------------------------------------------------------------------------------------------
# option coercion

_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n", ""})


def _coerce_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ProgrammingError(f"option {name}={value!r}: expected a boolean (true/false/1/0)")


def _coerce_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            number = int(value)
        else:
            number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ProgrammingError(f"option {name}={value!r}: expected an integer") from None
    if number < low or (high is not None and number > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise ProgrammingError(f"option {name}={value!r}: must be {bounds}")
    return number


def _coerce_float(name: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ProgrammingError(f"option {name}={value!r}: expected a number of seconds") from None
    if not number > 0 or number != number or number == float("inf"):
        raise ProgrammingError(f"option {name}={value!r}: must be a positive number of seconds")
    return number


def _coerce_age(name: str, value: Any) -> float:
    """Seconds >= 0 (``max_age=0``: refresh before every read)."""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool) and str(value).strip() in ("0", "0.0"):
        return 0.0
    return _coerce_float(name, value)


def _coerce_snapshot(name: str, value: Any) -> str | bool:
    """A path (``~`` expanded), or a boolean (``True``: the per-org default file)."""
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE):
        return _coerce_bool(name, value)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ProgrammingError(f"option {name}={value!r}: expected a file path, or true for the default file")
    return os.path.expanduser(value.strip())


def _coerce_optional_seconds(name: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "0", "0.0")):
        return None
    if not isinstance(value, bool) and isinstance(value, int | float) and value == 0:
        return None
    return _coerce_float(name, value)


def _coerce_mode(name: str, value: Any) -> str:
    text = str(value).strip()
    for mode in AUTHORIZATION_MODES:
        if text.lower() == mode.lower():
            return mode
    raise ProgrammingError(f"option {name}={value!r}: expected one of {', '.join(AUTHORIZATION_MODES)}")


def _coerce_scopes(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Sequence[Any] = re.split(r"[,\s]+", value)
    elif isinstance(value, Sequence):
        items = [s for v in value for s in re.split(r"[,\s]+", str(v))]
    else:
        raise ProgrammingError(f"option {name}={value!r}: expected comma-separated scope names")
    scopes = tuple(s for s in (str(i).strip() for i in items) if s)
    if not scopes:
        raise ProgrammingError(f"option {name}={value!r}: no scopes given")
    return scopes


def _coerce_key(name: str, value: Any) -> str:
    if isinstance(value, Mapping):  # a JWK or JWK Set written as YAML in okta.yaml
        import json

        return json.dumps(dict(value))
    return _coerce_text(name, value)


def _coerce_dpop(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text in DPOP_MODES:
        return text
    try:
        return "on" if _coerce_bool(name, value) else "off"
    except ProgrammingError:
        raise ProgrammingError(f"option {name}={value!r}: expected auto, on (true) or off (false)") from None


def _coerce_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProgrammingError(f"option {name}: expected text, got {type(value).__name__}")
    return value


_COERCERS: dict[str, Any] = {
    "timeout": _coerce_float,
    "statement_timeout": _coerce_optional_seconds,
    "max_retries": lambda n, v: _coerce_int(n, v, 0, 20),
    "concurrency": lambda n, v: _coerce_int(n, v, 1, 256),
    "page_size": lambda n, v: _coerce_int(n, v, 1, MAX_PAGE_SIZE),
    "read_only": _coerce_bool,
    "authorization_mode": _coerce_mode,
    "client_id": lambda n, v: _coerce_text(n, v).strip(),
    "scopes": _coerce_scopes,
    "private_key": _coerce_key,
    "key_id": lambda n, v: str(v).strip() or None,
    "dpop": _coerce_dpop,
    "user_agent": _coerce_text,
    "snapshot": _coerce_snapshot,
    "max_age": _coerce_age,
    "full_refresh_after": _coerce_float,
}


def _coerce_options(options: Mapping[str, Any], source: str = "option") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in options.items():
        coerce = _COERCERS.get(name)
        if coerce is None:
            raise ProgrammingError(f"unknown connection option {name!r}; valid options are: {', '.join(OPTIONS)}")
        if isinstance(value, list | tuple) and name != "scopes":
            if len(value) != 1:
                raise ProgrammingError(f"option {name} given {len(value)} times; give it once")
            value = value[0]
        out[name] = coerce(name, value)
    return out


# ---------------------------------------------------------------------------------------------
# okta.yaml and environment


def _flatten_client(doc: Any, path: Path) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise InterfaceError(f"{path}: expected a mapping with okta: client: ..., got {type(doc).__name__}")
    client = (doc.get("okta") or {}).get("client") if isinstance(doc.get("okta"), Mapping) else None
    if not isinstance(client, Mapping):
        return {}
    flat: dict[str, Any] = {}
    for keys in ENV_VARS.values():
        node: Any = client
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is not None:
            flat[keys[-1]] = node
    return flat


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        if not path.is_file():
            return {}
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InterfaceError(f"cannot read {path}: invalid YAML ({e.__class__.__name__})") from None
    return _flatten_client(doc, path)


def _load_config() -> dict[str, Any]:
    """``~/.okta/okta.yaml``, overridden by ``./okta.yaml``, overridden by ``OKTA_CLIENT_*``."""
    config: dict[str, Any] = {}
    try:
        home: Path | None = Path.home()
    except (RuntimeError, KeyError):
        home = None
    paths = [home / ".okta" / "okta.yaml"] if home else []
    paths.append(Path.cwd() / "okta.yaml")
    seen: set[Path] = set()
    for path in paths:
        resolved = path.resolve() if path.exists() else path
        if resolved in seen:
            continue
        seen.add(resolved)
        config.update(_load_yaml(path))
    for env, keys in ENV_VARS.items():
        value = os.environ.get(env)
        if value is not None and value.strip() != "":
            config[keys[-1]] = value.strip()
    return config


__all__ = [
    "AUTHORIZATION_MODES",
    "DEFAULT_SCOPES",
    "DPOP_MODES",
    "LOGS_SCOPE",
    "READ_ONLY_SCOPES",
    "DEFAULT_USER_AGENT",
    "ENV_VARS",
    "OPTIONS",
    "Settings",
    "derive_subdomain",
    "is_loopback_host",
    "normalize_org_url",
]
