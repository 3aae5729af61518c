"""HTTP plumbing: a ThreadingHTTPServer whose handler applies, in order, latency, auth, rate
limits, faults, dispatch, logging and (optionally) spec validation, then writes the response."""

from __future__ import annotations

import itertools
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .errors import ErrorIds, OktaError, error_body, invalid_token, malformed_body, rate_limited
from .faults import Faults
from .ids import digest, rand_chars
from .log import LogEntry, RequestLog, redact_headers
from .org import Org
from .ratelimit import RateLimiter
from .routes import Context, Dispatcher, Response, family_of, match
from .validation import SpecValidator


class Emulator(Protocol):
    """What the HTTP plumbing needs of the emulator (``app.Emulator`` has it)."""

    org: Org
    token: str
    latency: float
    log: RequestLog
    faults: Faults
    rate_limiter: RateLimiter
    validator: SpecValidator | None

    @property
    def url(self) -> str: ...


SERVER_ERRORS = {
    500: ("E0000009", "Internal Server Error"),
    503: ("E0000010", "Service is temporarily unavailable. Please try again later."),
}


class App:
    """Everything between the socket and the org: shared by all handler threads."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.dispatcher = Dispatcher(emu.org)
        self.error_ids = ErrorIds(emu.org.seed)
        self._request_ids = itertools.count()
        self._pages: dict[str, int] = {}  # ``after`` cursor -> page number (for reset faults)
        self._lock = threading.Lock()

    def request_id(self) -> str:
        return rand_chars(digest(self.emu.org.seed, "request", next(self._request_ids)), 20)

    def authorized(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        return scheme in ("SSWS", "Bearer") and value.strip() == self.emu.token

    def page_of(self, path: str, query: dict[str, str]) -> int | None:
        if path != "/api/v1/users":
            return None
        after = query.get("after")
        if not after:
            return 1
        with self._lock:
            return self._pages.get(after)

    def remember_next(self, cursor: str, page: int | None) -> None:
        if page is not None:
            with self._lock:
                self._pages[cursor] = page + 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server_version = "okta-emulator"
    sys_version = ""
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
        return

    def version_string(self) -> str:
        return "okta-emulator"

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    # -- the pipeline ------------------------------------------------------------------------
    def _handle(self) -> None:
        app = self.server.app
        emu = app.emu
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        host = self.headers.get("Host") or emu.url.split("//", 1)[1]
        base = f"http://{host}"
        family = family_of(path)
        if emu.latency > 0:
            time.sleep(emu.latency)

        extra: dict[str, str] = {"X-Okta-Request-Id": app.request_id()}
        link_headers: list[str] = []
        route = None
        reset = truncate = False
        parsed: Any = None
        try:
            if not app.authorized(self.headers.get("Authorization")):
                extra.update(emu.rate_limiter.peek(family).headers())
                raise invalid_token()
            decision = emu.rate_limiter.consume(family)
            extra.update(decision.headers())
            if not decision.allowed:
                raise rate_limited()
            fault = emu.faults.pick_error()
            if fault is not None:
                raise OktaError(fault, *SERVER_ERRORS[fault])
            route, args = match(self.command, path)
            if raw_body.strip():
                try:
                    parsed = json.loads(raw_body)
                except ValueError:
                    raise malformed_body() from None
            page = app.page_of(path, query) if route.operation == "listUsers" else None
            resp: Response = app.dispatcher.dispatch(route, Context(base, args, query, parsed))
            if resp.next_cursor:
                app.remember_next(resp.next_cursor, page)
            status, body = resp.status, resp.body
            link_headers = resp.links
            reset = emu.faults.should_reset(page)
            truncate = emu.faults.should_truncate(self.command, path)
        except OktaError as err:
            status, body = err.status, error_body(err, app.error_ids.next())
        except Exception as exc:  # never leak a traceback to the client
            internal = OktaError(500, "E0000009", "Internal Server Error", [type(exc).__name__])
            status, body = 500, error_body(internal, app.error_ids.next())

        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        emu.log.add(
            LogEntry(
                method=self.command,
                path=path,
                query=query,
                status=status,
                headers=redact_headers(headers),
                body=parsed if parsed is not None else _loads(raw_body),
                request_id=extra["X-Okta-Request-Id"],
            )
        )
        if emu.validator is not None and not (reset or truncate):
            ftype = app.dispatcher.factor_type(route, args) if route is not None else None
            for v in emu.validator.check(self.command, path, query, headers, raw_body or None, status, payload, ftype):
                emu.log.add_violation(v)
        self._write(status, extra, link_headers, payload, reset, truncate)

    def _write(
        self, status: int, extra: dict[str, str], links: list[str], payload: bytes, reset: bool, truncate: bool
    ) -> None:
        if truncate and payload:
            payload = payload[: max(1, len(payload) // 2)]
        self.send_response(status)
        if payload or status != 204:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in extra.items():
            self.send_header(k, v)
        for link in links:
            self.send_header("Link", link)
        self.end_headers()
        if reset:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            # SO_LINGER 0: closing sends a TCP RST (connection reset by peer) mid-body.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.wfile.write(payload)


def _loads(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: App

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-response (Ctrl-C in okta-sql) is not an emulator error."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def make_server(emu: Emulator, host: str, port: int) -> _Server:
    server = _Server((host, port), Handler)
    server.app = App(emu)
    return server
