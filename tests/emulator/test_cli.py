"""``okta-emulator`` / ``python -m okta_dbapi.emulator`` as a subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests


def test_cli_prints_env_lines_then_serves_until_terminated() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "okta_dbapi.emulator",
            "--port",
            "0",
            "--users",
            "25",
            "--seed",
            "3",
            "--rate-limit",
            "100/2",
            "--latency",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url_line = proc.stdout.readline().strip()
        token_line = proc.stdout.readline().strip()
        assert url_line.startswith("OKTA_CLIENT_ORGURL=http://127.0.0.1:")
        assert token_line.startswith("OKTA_CLIENT_TOKEN=00")
        url, token = url_line.split("=", 1)[1], token_line.split("=", 1)[1]
        r = requests.get(f"{url}/api/v1/users", headers={"Authorization": f"SSWS {token}"}, timeout=5)
        assert r.status_code == 200 and r.headers["X-Rate-Limit-Limit"] == "100"
        assert len(r.json()) == sum(1 for u in r.json() if u["status"] != "DEPROVISIONED")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_sigterm_exits_cleanly_with_token() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "okta_dbapi.emulator", "--users", "1", "--token", "00fixed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        assert proc.stdout.readline().strip() == "OKTA_CLIENT_TOKEN=00fixed"
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
