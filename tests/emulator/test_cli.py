"""``okta-emulator`` / ``python -m okta_dbapi.emulator`` as a subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import requests

import okta_dbapi
from okta_dbapi.http.auth import PrivateKeyAuth


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


def test_cli_serves_service_apps(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    public = tmp_path / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    args = ["--users", "3", "--oauth-client", f"0oaCLI={public}", "--oauth-scopes", "okta.users.read", "--require-dpop"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "okta_dbapi.emulator", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().split("=", 1)[1]
        assert proc.stdout.readline().startswith("OKTA_CLIENT_TOKEN=")
        with okta_dbapi.connect(
            org_url=url, authorization_mode="PrivateKey", client_id="0oaCLI", private_key=private, read_only=True
        ) as conn:
            cur = conn.cursor()
            cur.execute("SELECT count(*) FROM okta.users.users")
            assert cur.fetchone() == (3,)
            auth = conn.client.auth
            assert isinstance(auth, PrivateKeyAuth) and auth.slot().dpop_required
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
