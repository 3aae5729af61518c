"""``okta-emulator`` / ``python -m okta_dbapi.emulator`` as a subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import okta_dbapi
from okta_dbapi.emulator.__main__ import build_parser
from okta_dbapi.http.auth import PrivateKeyAuth


def _source_in_a_shell(*lines: str) -> dict[str, str]:
    """Run the printed lines in a POSIX shell, as a user pasting them would, and read the variables back."""
    script = "\n".join([*lines, 'printf "%s\\n%s\\n" "$OKTA_CLIENT_ORGURL" "$OKTA_CLIENT_TOKEN"'])
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, timeout=10).stdout
    url, token = out.splitlines()
    return {"OKTA_CLIENT_ORGURL": url, "OKTA_CLIENT_TOKEN": token}


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
        assert url_line.startswith("export OKTA_CLIENT_ORGURL=http://127.0.0.1:")
        assert token_line.startswith("export OKTA_CLIENT_TOKEN=00")
        env = _source_in_a_shell(url_line, token_line)
        url, token = env["OKTA_CLIENT_ORGURL"], env["OKTA_CLIENT_TOKEN"]
        assert url_line.endswith(url) and token_line.endswith(token)
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
        assert proc.stdout.readline().strip() == "export OKTA_CLIENT_TOKEN=00fixed"
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
        assert proc.stdout.readline().startswith("export OKTA_CLIENT_TOKEN=")
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


def test_a_token_with_shell_characters_is_quoted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "okta_dbapi.emulator", "--users", "1", "--token", "00a b$c'd"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = proc.stdout.readline().strip(), proc.stdout.readline().strip()
        assert _source_in_a_shell(*lines)["OKTA_CLIENT_TOKEN"] == "00a b$c'd"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_help_shows_every_option_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    options = [a for a in build_parser()._actions if a.dest != "help"]
    assert {a.dest for a in options} >= {"host", "port", "users", "seed", "latency", "rate_limit", "token", "validate"}
    for action in options:
        assert action.help and "(default: " in action.help, action.dest
        assert action.option_strings[0] in text
    for shown in ("(default: 127.0.0.1)", "(default: 0)", "(default: 1000)", "(default: 1)", "(default: 0.0)"):
        assert shown in text
