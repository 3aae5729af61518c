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


class RemoteOrg:
    """``with RemoteOrg(users=200, latency=0.025, rate_limit=(100, 2.0)) as org: org.url, org.token``."""

    def __init__(self, **options: Any) -> None:
        context = mp.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, options), daemon=True)
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
