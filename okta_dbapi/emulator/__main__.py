"""``okta-emulator`` / ``python -m okta_dbapi.emulator``: serve a local Okta org until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .app import Emulator
from .ratelimit import LOGS_DEFAULT, parse_rate_limit


def _rate_limit(text: str) -> tuple[int, float]:
    try:
        budget, window = parse_rate_limit(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected N or N/WINDOW_SECONDS, e.g. 600 or 100/2") from None
    assert budget is not None
    return budget, window


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="okta-emulator", description="Serve a local Okta org (user factors API).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    p.add_argument("--rate-limit", type=_rate_limit, default=None, metavar="N[/WINDOW_S]")
    p.add_argument(
        "--logs-rate-limit",
        type=_rate_limit,
        default=LOGS_DEFAULT,
        metavar="N[/WINDOW_S]",
        help="the System Log's own bucket (default 120/60)",
    )
    p.add_argument(
        "--concurrent-limit", type=int, default=None, metavar="N", help="the most requests in flight across the org"
    )
    p.add_argument("--token", default=None, help="the SSWS token to accept (generated if omitted)")
    p.add_argument("--validate", action="store_true", help="validate traffic against the spec (needs openapi-core)")
    return p


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
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    emu.start()
    try:
        print(f"OKTA_CLIENT_ORGURL={emu.url}", flush=True)
        print(f"OKTA_CLIENT_TOKEN={emu.token}", flush=True)
        print(f"# serving {args.users} users (seed {args.seed}); Ctrl-C to stop", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
