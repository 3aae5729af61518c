"""HTTP plumbing: a ThreadingHTTPServer whose handler applies, in order, latency, auth, rate
limits, faults, dispatch, logging and (optionally) spec validation, then writes the response."""

from __future__ import annotations

import itertools
import json
import math
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from .errors import ErrorIds, OktaError, error_body, invalid_token, malformed_body, rate_limited
from .faults import AFTER, BEFORE, HOLD, Faults, Rule
from .ids import digest, rand_chars
from .log import LogEntry, RequestLog, redact_headers
from .oauth import TOKEN_PATH, Challenge, OAuthServer
from .org import Org
from .ratelimit import ConcurrencyLimiter, Decision, RateLimiter
from .routes import Context, Dispatcher, Response, Route, family_of, match
from .validation import SpecValidator


class Emulator(Protocol):
    """What the HTTP plumbing needs of the emulator (``app.Emulator`` has it)."""

    org: Org
    token: str
    latency: float
    log: RequestLog
    faults: Faults
    rate_limiter: RateLimiter
    concurrency: ConcurrencyLimiter
    validator: SpecValidator | None
    oauth: OAuthServer | None

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

    def authorize(self, method: str, url: str, path: str, headers: dict[str, str]) -> None:
        """Accept the SSWS token or (with service apps) an OAuth token with the scope the path needs."""
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if self.authorized(header):
            return
        if self.emu.oauth is None:
            raise invalid_token()
        self.emu.oauth.authorize(method, url, path, headers)

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
        reply = Reply(extra={"X-Okta-Request-Id": app.request_id()})
        # Behind a proxy, links must point where the client reached us, not at this socket.
        host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or emu.url.split("//", 1)[1]
        proto = self.headers.get("X-Forwarded-Proto") or "http"
        base = f"{proto.split(',')[0].strip()}://{host.split(',')[0].strip()}"
        if path == TOKEN_PATH and emu.oauth is not None:
            self._token(reply, base + path, headers, raw_body)
            return
        entered = emu.concurrency.enter()
        try:
            if emu.latency > 0:
                time.sleep(emu.latency)
            route, args, parsed = self._respond(reply, base, path, query, raw_body, entered.allowed)
        finally:
            if entered.allowed:
                emu.concurrency.leave()  # before writing: the client may send its next request at once
        payload = reply.payload()
        emu.log.add(
            LogEntry(
                method=self.command,
                path=path,
                query=query,
                status=reply.status,
                headers=redact_headers(headers),
                body=parsed if parsed is not None else _loads(raw_body),
                request_id=reply.extra["X-Okta-Request-Id"],
            )
        )
        if emu.validator is not None and reply.fault is None and not (reply.reset or reply.truncate):
            ftype = app.dispatcher.factor_type(route, args) if route is not None else None
            for v in emu.validator.check(
                self.command, path, query, headers, raw_body or None, reply.status, payload, ftype
            ):
                emu.log.add_violation(v)
        self._write(reply, payload)

    def _respond(
        self, reply: Reply, base: str, path: str, query: dict[str, str], raw_body: bytes, admitted: bool
    ) -> tuple[Route | None, tuple[str, ...], Any]:
        """Fill ``reply`` with the answer; returns the route, its arguments and the parsed body."""
        app = self.server.app
        emu = app.emu
        family = family_of(self.command, path)
        route: Route | None = None
        args: tuple[str, ...] = ()
        parsed: Any = None
        try:
            try:
                app.authorize(self.command, base + self.path, path, dict(self.headers.items()))
            except (OktaError, Challenge):
                reply.extra.update(emu.rate_limiter.peek(family).headers())
                raise
            if not admitted:
                reply.extra.update(
                    Decision(False, emu.concurrency.limit or 0, 0, math.ceil(emu.org.clock.now()) + 60).headers()
                )
                raise rate_limited("The concurrent request limit of the org was exceeded.")
            decision = emu.rate_limiter.consume(family)
            reply.extra.update(decision.headers())
            if not decision.allowed:
                raise rate_limited()
            held = emu.faults.pick(self.command, path, HOLD)
            if held is not None:
                held.gate.wait(held.hold_max)
            error = emu.faults.pick_error()
            if error is not None:
                raise OktaError(error, *SERVER_ERRORS[error])
            rule = emu.faults.pick(self.command, path, BEFORE)
            if rule is not None:
                _before(reply, rule, emu.org.clock.now())
                return None, (), None
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
            reply.status, reply.body, reply.links = resp.status, resp.body, resp.links
            reply.reset = emu.faults.should_reset(page)
            reply.truncate = emu.faults.should_truncate(self.command, path)
            rule = emu.faults.pick(self.command, path, AFTER)
            if rule is not None:
                _after(reply, rule, base, query)
        except OktaError as err:
            reply.status, reply.body = err.status, error_body(err, app.error_ids.next())
        except Challenge as ch:  # Okta's 403 insufficient_scope and 400 invalid_dpop_proof have no body
            reply.status, reply.body = ch.status, error_body(ch.error, app.error_ids.next()) if ch.error else None
            reply.content_type = "application/json" if ch.error else ""
            reply.extra["WWW-Authenticate"] = ch.www_authenticate
        except Exception as exc:  # never leak a traceback to the client
            internal = OktaError(500, "E0000009", "Internal Server Error", [type(exc).__name__])
            reply.status, reply.body = 500, error_body(internal, app.error_ids.next())
        return route, args, parsed

    def _write(self, reply: Reply, payload: bytes) -> None:
        if reply.truncate and payload:
            payload = payload[: max(1, len(payload) // 2)]
        if reply.reset and not payload:
            self._reset_connection()  # nothing to cut in half: the answer is lost whole
            return
        self.send_response(reply.status)
        if reply.content_type and (payload or reply.status != 204):
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in reply.extra.items():
            self.send_header(k, v)
        for link in reply.links:
            self.send_header("Link", link)
        self.end_headers()
        if reply.reset:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self._reset_connection()
            return
        if reply.drip is not None:
            self.wfile.flush()
            for i in range(len(payload)):
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
                time.sleep(reply.drip)
            return
        self.wfile.write(payload)

    def _token(self, reply: Reply, url: str, headers: dict[str, str], raw_body: bytes) -> None:
        """``/oauth2/v1/token``: logged like any request (without the form, which holds the assertion)."""
        app = self.server.app
        assert app.emu.oauth is not None
        answer = app.emu.oauth.token(self.command, url, headers, raw_body)
        reply.status, reply.body = answer.status, answer.body
        reply.extra.update(answer.headers)
        app.emu.log.add(
            LogEntry(
                self.command,
                TOKEN_PATH,
                {},
                reply.status,
                redact_headers(headers),
                None,
                reply.extra["X-Okta-Request-Id"],
            )
        )
        self._write(reply, reply.payload())

    def _reset_connection(self) -> None:
        # SO_LINGER 0: closing sends a TCP RST (connection reset by peer).
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


@dataclass
class Reply:
    """The answer being built for one request."""

    extra: dict[str, str]
    status: int = 200
    body: Any = None
    links: list[str] = field(default_factory=list)
    content_type: str = "application/json"
    text: bytes | None = None  # a non-JSON body, sent as is
    reset: bool = False
    truncate: bool = False
    drip: float | None = None
    fault: str | None = None

    def payload(self) -> bytes:
        if self.text is not None:
            return self.text
        if self.body is None and self.fault != "shape":
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


_HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def _before(reply: Reply, rule: Rule, now: float) -> None:
    """A fault answered instead of the org (nothing was applied)."""
    reply.fault = rule.kind
    if rule.kind == "status":
        code = rule.status or 503
        summary = SERVER_ERRORS.get(code, ("E0000009", "Internal Server Error"))
        raise OktaError(code, *summary)
    if rule.kind == "html":
        reply.status, reply.content_type, reply.text = rule.status or 502, "text/html; charset=utf-8", _HTML
    elif rule.kind == "redirect":
        reply.status, reply.body = rule.status or 302, None
        reply.extra["Location"] = rule.location
    elif rule.kind == "429":
        reply.extra.update(rule.headers)
        if rule.reset_in is not None:
            reply.extra["X-Rate-Limit-Reset"] = str(math.ceil(now + rule.reset_in))
        raise rate_limited()


def _after(reply: Reply, rule: Rule, base: str, query: dict[str, str]) -> None:
    """A fault applied to the org's answer (a write has been applied)."""
    reply.fault = rule.kind
    if rule.kind == "reset":
        reply.reset = True
    elif rule.kind == "truncate":
        reply.truncate = True
    elif rule.kind == "shape":
        reply.status, reply.body = 200, rule.body
    elif rule.kind == "drip":
        reply.drip = rule.interval
    elif rule.kind == "cycle" and query.get("after"):
        first = {k: v for k, v in query.items() if k != "after"}
        url = f"{base}/api/v1/users" + (f"?{urlencode(first)}" if first else "")
        reply.links = [link for link in reply.links if 'rel="next"' not in link] + [f'<{url}>; rel="next"']


def _loads(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a client that opens more connections
    # at once (16 threads, a fan-out released by its first answer); each costs a 1 s retransmit.
    request_queue_size = 128
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
