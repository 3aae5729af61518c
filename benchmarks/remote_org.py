"""An emulator org in its own process, for benchmarks.

In the benchmark's own process the emulator's handler threads would share the GIL with the
client under test, so the server's work would be billed to whichever client is measured. A real
org is elsewhere; so is this one. The parent asks it, over a pipe, for its request log and for the
ground truth (every listed user's factor ids).
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int


def _serve(pipe: Connection, options: dict[str, Any]) -> None:
    from okta_dbapi.emulator import Emulator

    with Emulator(**options) as emu:
        pipe.send((emu.url, emu.token))
        while True:
            command = pipe.recv()
            if command == "log":
                pipe.send([(e.method, e.path, e.status) for e in emu.log.entries])
            elif command == "clear":
                emu.log.clear()
                pipe.send(None)
            elif command == "truth":
                users = emu.org.user_ids(include_deprovisioned=False)
                pipe.send({u: sorted(f["id"] for f in emu.org.factors(u)) for u in users})
            else:
                pipe.send(None)
                return


def _serve_pages(pipe: Connection, options: dict[str, Any]) -> None:
    """Only ``GET /api/v1/users``, each page rendered once in advance from an emulator org: a server
    that costs next to nothing per request, so what a scan measures is the client."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    import requests

    from okta_dbapi.emulator import Emulator

    latency = float(options.pop("latency", 0.0))
    with Emulator(**options) as emu, requests.Session() as session:
        token = emu.token
        pages: list[bytes] = []
        url: str | None = f"{emu.url}/api/v1/users?limit=200"
        while url:
            response = session.get(url, headers={"Authorization": f"SSWS {token}"}, timeout=60)
            pages.append(response.content)
            url = response.links.get("next", {}).get("url")
        truth = {u: sorted(f["id"] for f in emu.org.factors(u)) for u in emu.org.user_ids(include_deprovisioned=False)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            page = int(parse_qs(parts.query).get("after", ["0"])[0])
            time.sleep(latency)
            if parts.path != "/api/v1/users" or self.headers.get("Authorization") != f"SSWS {token}":
                self.send_error(404)
                return
            body = pages[page]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if page + 1 < len(pages):
                next_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/users?limit=200&after={page + 1}"
                self.send_header("Link", f'<{next_url}>; rel="next"')
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pipe.send((f"http://127.0.0.1:{server.server_address[1]}", token))
    while True:
        command = pipe.recv()
        pipe.send(truth if command == "truth" else [] if command == "log" else None)
        if command == "stop":
            server.shutdown()
            return


class RemoteOrg:
    """``with RemoteOrg(users=200, latency=0.025, rate_limit=(100, 2.0)) as org: org.url, org.token``.

    ``prerendered=True``: only the users list, served from pages rendered in advance (no request
    log: ``calls()`` is empty)."""

    def __init__(self, prerendered: bool = False, **options: Any) -> None:
        context = mp.get_context("spawn")
        self._pipe, child = context.Pipe()
        target = _serve_pages if prerendered else _serve
        self._process = context.Process(target=target, args=(child, options), daemon=True)
        self._process.start()
        self.url, self.token = self._pipe.recv()

    def _ask(self, command: str) -> Any:
        self._pipe.send(command)
        return self._pipe.recv()

    def calls(self) -> list[Call]:
        return [Call(*c) for c in self._ask("log")]

    def clear(self) -> None:
        self._ask("clear")

    def truth(self) -> dict[str, list[str]]:
        """Every user ``GET /api/v1/users`` lists, with the ids of the factors it has."""
        result: dict[str, list[str]] = self._ask("truth")
        return result

    def close(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
            self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()

    def __enter__(self) -> RemoteOrg:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
