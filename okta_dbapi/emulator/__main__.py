"""``okta-emulator`` / ``python -m okta_dbapi.emulator``: serve a local Okta org until interrupted."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .app import Emulator
from .oauth import API_SCOPES, OAuthClient
from .ratelimit import LOGS_DEFAULT, parse_rate_limit


def _rate_limit(text: str) -> tuple[int, float]:
    try:
        budget, window = parse_rate_limit(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected N or N/WINDOW_SECONDS, e.g. 600 or 100/2") from None
    assert budget is not None
    return budget, window


def _oauth_client(text: str) -> tuple[str, str]:
    """``CLIENT_ID=KEY_FILE``: a service app and its public key (PEM, JWK or JWK Set)."""
    client_id, sep, path = text.partition("=")
    if not sep or not client_id or not path:
        raise argparse.ArgumentTypeError("expected CLIENT_ID=PUBLIC_KEY_FILE")
    try:
        return client_id, Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {e.strerror}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="okta-emulator",
        description=(
            "Serve a local Okta org (the user and user-factor APIs) until interrupted. The first two lines"
            " printed are `export OKTA_CLIENT_ORGURL=...` and `export OKTA_CLIENT_TOKEN=...`: paste them"
            " into the shell where okta-sql or your script runs."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default: %(default)s)")
    p.add_argument("--users", type=int, default=1000, help="number of users in the org (default: %(default)s)")
    p.add_argument(
        "--seed", type=int, default=1, help="the same seed gives the same users and factors (default: %(default)s)"
    )
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every request (default: %(default)s)")
    p.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=None,
        metavar="N[/WINDOW_S]",
        help="requests per window and endpoint family, like Okta's X-Rate-Limit-Limit; WINDOW_S is 60 unless"
        " given; over the budget answers HTTP 429 (default: no limit)",
    )
    p.add_argument(
        "--logs-rate-limit",
        type=_rate_limit,
        default=LOGS_DEFAULT,
        metavar="N[/WINDOW_S]",
        help="the System Log's own bucket, like Okta's for /api/v1/logs (default: 120/60)",
    )
    p.add_argument("--token", default=None, help="the SSWS API token to accept (default: a new random token, printed)")
    p.add_argument(
        "--validate",
        action="store_true",
        help="check every request and response against Okta's OpenAPI spec; needs openapi-core (default: off)",
    )
    p.add_argument(
        "--concurrent-limit",
        type=int,
        default=None,
        metavar="N",
        help="the most requests in flight across the org, like Okta's concurrent rate limit (default: no limit)",
    )
    p.add_argument(
        "--oauth-client",
        type=_oauth_client,
        action="append",
        default=[],
        metavar="CLIENT_ID=KEY_FILE",
        help="a service app for /oauth2/v1/token with its public key file (PEM, JWK or JWK Set); "
        "repeatable; needs PyJWT with cryptography (default: none)",
    )
    p.add_argument(
        "--oauth-scopes",
        default=",".join(API_SCOPES),
        help="comma-separated scopes granted to the service apps (default: %(default)s)",
    )
    p.add_argument("--require-dpop", action="store_true", help="service apps must send DPoP proofs (default: off)")
    p.add_argument(
        "--token-lifetime", type=float, default=3600.0, help="seconds an access token lasts (default: %(default)s)"
    )
    return p


def _clients(specs: list[tuple[str, str]], scopes: str) -> dict[str, OAuthClient]:
    granted = tuple(s for s in scopes.replace(" ", ",").split(",") if s)
    return {client_id: OAuthClient(key, granted) for client_id, key in specs}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    emu = Emulator(
        users=args.users,
        seed=args.seed,
        latency=args.latency,
        rate_limit=args.rate_limit,
        logs_rate_limit=args.logs_rate_limit,
        concurrent_limit=args.concurrent_limit,
        token=args.token,
        validate=args.validate,
        host=args.host,
        port=args.port,
        oauth_clients=_clients(args.oauth_client, args.oauth_scopes),
        require_dpop=args.require_dpop,
        token_lifetime=args.token_lifetime,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    emu.start()
    try:
        print(f"export OKTA_CLIENT_ORGURL={shlex.quote(emu.url)}", flush=True)
        print(f"export OKTA_CLIENT_TOKEN={shlex.quote(emu.token)}", flush=True)
        print(f"# serving {args.users} users (seed {args.seed}); Ctrl-C to stop", file=sys.stderr, flush=True)
        for client_id in emu.oauth.clients if emu.oauth else ():
            print(f"# service app {client_id}: tokens at {emu.url}/oauth2/v1/token", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
