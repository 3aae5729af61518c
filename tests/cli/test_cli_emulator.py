"""okta-sql end to end: the console script (subprocess) and main(argv) (in-process) against the
emulator over real HTTP, with the real driver."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.cli import program as cli
from okta_dbapi.cli.output import to_text

OKTA_SQL = shutil.which("okta-sql", path=os.path.dirname(sys.executable)) or shutil.which("okta-sql")
USERS_SQL = "SELECT id, status, created, profile, profile->>'login' AS login FROM okta.users.users ORDER BY id"
DEMO_SQL = (
    "SELECT u.profile->>'login' AS login, u.status FROM okta.users.users u WHERE u.status = 'ACTIVE' "
    "AND NOT EXISTS (SELECT 1 FROM okta.users.factors f WHERE f.userId = u.id AND f.status = 'ACTIVE') "
    "LIMIT 10"
)

pytestmark = pytest.mark.skipif(OKTA_SQL is None, reason="the okta-sql console script is not installed")


def okta_sql(*args: str, env: dict[str, str], input: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    assert OKTA_SQL is not None
    return subprocess.run([OKTA_SQL, *args], input=input, capture_output=True, text=True, env=env, timeout=timeout)


def driver_rows(emu: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with okta_dbapi.connect(org_url=emu.url, token=emu.token) as conn:
        cur = conn.cursor()
        cur.execute(sql)
        assert cur.description is not None
        return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *, status: int = 1) -> str:
    assert proc.returncode == status, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("okta-sql: error: ")
    return lines[0]


# --- formats -----------------------------------------------------------------------------------


def test_csv_matches_the_driver(emu: Any, org_env: dict[str, str]) -> None:
    columns, rows = driver_rows(emu, USERS_SQL)
    proc = okta_sql("--format", "csv", USERS_SQL, env=org_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    parsed = list(csv.reader(io.StringIO(proc.stdout, newline="")))
    assert parsed[0] == columns
    assert parsed[1:] == [[to_text(v) for v in row] for row in rows]
    assert len(rows) > 10
    first = parsed[1]
    assert json.loads(first[3])["login"] == first[4]  # the object column is JSON text
    assert dt.datetime.fromisoformat(first[2]).tzinfo is not None  # ISO 8601 with offset


def test_json_matches_the_driver(emu: Any, org_env: dict[str, str]) -> None:
    columns, rows = driver_rows(emu, USERS_SQL)
    proc = okta_sql("--format", "json", USERS_SQL, env=org_env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [list(d) for d in data] == [columns] * len(rows)
    for obj, row in zip(data, rows, strict=True):
        assert obj["id"] == row[0]
        assert obj["profile"] == row[3]  # nested JSON, not a string
        assert dt.datetime.fromisoformat(obj["created"]) == row[2]


def test_jsonl_line_by_line(emu: Any, org_env: dict[str, str]) -> None:
    _, rows = driver_rows(emu, USERS_SQL)
    proc = okta_sql("--format", "jsonl", USERS_SQL, env=org_env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(rows)
    assert [json.loads(line)["login"] for line in lines] == [r[4] for r in rows]


def test_table_is_the_default(emu: Any, org_env: dict[str, str]) -> None:
    _, rows = driver_rows(emu, USERS_SQL)
    proc = okta_sql("SELECT id, status FROM okta.users.users ORDER BY id", env=org_env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [c.strip() for c in lines[0].split("|")] == ["id", "status"]
    assert lines[-1] == f"({len(rows)} rows)"
    assert lines[2].split("|")[0].strip() == rows[0][0]
    assert len({line.index("|") for line in lines[2:-1]}) == 1  # aligned


def test_in_process_main_formats(emu: Any, org_env: dict[str, str]) -> None:
    _, rows = driver_rows(emu, USERS_SQL)
    for fmt in ("csv", "json", "jsonl", "table"):
        out, err = io.StringIO(), io.StringIO()
        status = cli.main(["--format", fmt, USERS_SQL], stdin=io.StringIO(), stdout=out, stderr=err)
        assert (status, err.getvalue()) == (0, ""), fmt
        text = out.getvalue()
        if fmt == "csv":
            assert len(list(csv.reader(io.StringIO(text)))) == len(rows) + 1
        elif fmt == "json":
            assert len(json.loads(text)) == len(rows)
        elif fmt == "jsonl":
            assert len([json.loads(line) for line in text.splitlines()]) == len(rows)
        else:
            assert text.endswith(f"({len(rows)} rows)\n")


def test_factors_of_one_user(emu: Any, org_env: dict[str, str]) -> None:
    _, users = driver_rows(emu, "SELECT id FROM okta.users.users ORDER BY id")
    user_id = users[0][0]
    sql = f"SELECT id, factorType, profile, userId FROM okta.users.factors WHERE userId = '{user_id}'"
    _, rows = driver_rows(emu, sql)
    before = emu.log.count()
    proc = okta_sql("--format", "jsonl", sql, env=org_env)
    assert proc.returncode == 0, proc.stderr
    assert emu.log.count() - before == 1  # one list call, nothing else
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in objects] == [r[0] for r in rows]
    assert all(o["userId"] == user_id for o in objects)


def test_explain_sends_nothing(emu: Any, org_env: dict[str, str]) -> None:
    before = emu.log.count()
    proc = okta_sql("--format", "json", "EXPLAIN SELECT count(*) FROM okta.users.factors", env=org_env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)  # rows describing the planned calls
    assert emu.log.count() == before
    assert emu.token not in proc.stdout


# --- statements and stdin ----------------------------------------------------------------------


def test_statements_from_stdin_run_in_order(org_env: dict[str, str]) -> None:
    script = "-- a script\nSELECT count(*) AS n FROM okta.users.users;\nSELECT 'a;b' AS s;\nSELECT 2 AS two\n"
    proc = okta_sql("--format", "jsonl", env=org_env, input=script)
    assert proc.returncode == 0, proc.stderr
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(objects) == 3
    assert objects[0]["n"] > 0
    assert objects[1:] == [{"s": "a;b"}, {"two": 2}]


def test_a_failing_statement_stops_the_script(org_env: dict[str, str]) -> None:
    proc = okta_sql("--format", "csv", "SELECT 1 AS one; SELECT * FROM okta.users.nope; SELECT 2 AS two", env=org_env)
    line = assert_one_error_line(proc)
    assert "nope" in line
    assert proc.stdout.splitlines() == ["one", "1"]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("SELECT * FROM okta.users.nope", "nope"),
        ("SELEC * FROM okta.users.factors", "at line 1, column 1 near 'SELEC': did you mean SELECT?"),
        ("SELECT statsu FROM okta.users.users", "Did you mean status? okta.users.users has the columns id, status"),
        ("EXEC okta.users.factors.activate_factor @userId='no-such-user', @factorId='x'", "E0000007"),
        ("SELECT * FROM okta.users.factors WHERE subdomain = 'elsewhere' AND userId = 'x'", "subdomain"),
        ("UPDATE okta.users.factors SET status = 'ACTIVE' WHERE userId = 'x'", ""),
    ],
)
def test_errors_are_one_line(emu: Any, org_env: dict[str, str], sql: str, needle: str) -> None:
    proc = okta_sql(sql, env=org_env)
    line = assert_one_error_line(proc)
    assert needle.lower() in line.lower()
    assert proc.stdout == ""
    assert emu.token not in proc.stdout + proc.stderr


def test_wrong_token_never_echoed(emu: Any, clean_env: dict[str, str]) -> None:
    bad = "00BadTokenValue-abcdefghijklmnop"
    proc = okta_sql("--org-url", emu.url, "--token", bad, "SELECT id FROM okta.users.users", env=clean_env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("okta-sql: warning: --token")
    assert lines[1].startswith("okta-sql: error: ") and len(lines) == 2
    assert "E0000011" in lines[1]
    assert bad not in proc.stdout + proc.stderr


def test_no_org_configured(clean_env: dict[str, str]) -> None:
    proc = okta_sql("SELECT 1", env=clean_env)
    line = assert_one_error_line(proc)
    assert "OKTA_CLIENT_ORGURL" in line and "--org-url" in line and "--demo" in line


def test_unreachable_org(clean_env: dict[str, str]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**clean_env, "OKTA_CLIENT_ORGURL": f"http://127.0.0.1:{port}", "OKTA_CLIENT_TOKEN": "t0ken-abcdef"}
    proc = okta_sql("-o", "max_retries=0", "SELECT id FROM okta.users.users", env=env)
    assert_one_error_line(proc)
    assert "t0ken-abcdef" not in proc.stderr


def test_usage_error_exits_2(org_env: dict[str, str]) -> None:
    proc = okta_sql("--format", "xml", "SELECT 1", env=org_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("okta-sql: error: ")


def test_unknown_option_is_an_error(org_env: dict[str, str]) -> None:
    proc = okta_sql("-o", "bogus=1", "SELECT 1", env=org_env)
    assert "bogus" in assert_one_error_line(proc)


# --- demo --------------------------------------------------------------------------------------


def test_demo_readme_query(clean_env: dict[str, str]) -> None:
    start = time.monotonic()
    proc = okta_sql("--demo", "--format", "json", DEMO_SQL, env=clean_env)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert 0 < len(rows) <= 10
    assert all(set(r) == {"login", "status"} and r["status"] == "ACTIVE" for r in rows)
    assert elapsed < 15, f"the README demo took {elapsed:.1f} s"


def test_demo_users_and_seed(clean_env: dict[str, str]) -> None:
    sql = "SELECT count(*) AS n FROM okta.users.users WHERE status != 'DEPROVISIONED'"
    one = okta_sql("--demo", "--demo-users", "12", "--format", "csv", sql, env=clean_env)
    assert one.returncode == 0, one.stderr
    assert 0 < int(one.stdout.splitlines()[1]) <= 12
    logins = "SELECT profile->>'login' AS login FROM okta.users.users ORDER BY 1"
    a = okta_sql("--demo", "--demo-users", "5", "--seed", "7", "--format", "csv", logins, env=clean_env)
    b = okta_sql("--demo", "--demo-users", "5", "--seed", "7", "--format", "csv", logins, env=clean_env)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


# --- terminals: prompt, progress, Ctrl-C -------------------------------------------------------


class Pty:
    """okta-sql on a pseudo-terminal (stdin, stdout and stderr, or only some of them)."""

    def __init__(self, args: list[str], env: dict[str, str], *, stdout_pipe: bool = False) -> None:
        assert OKTA_SQL is not None
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [OKTA_SQL, *args],
            stdin=slave,
            stdout=subprocess.PIPE if stdout_pipe else slave,
            stderr=slave,
            env={**env, "TERM": "dumb", "COLUMNS": "200"},
            close_fds=True,
        )
        os.close(slave)
        self.buffer = ""

    def read_until(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.buffer.replace("\r", ""):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{needle!r} not seen; got {self.buffer!r}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.2))
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if not data:
                    if self.proc.poll() is not None:
                        raise AssertionError(f"{needle!r} not seen before exit; got {self.buffer!r}")
                    continue
                self.buffer += data.decode("utf-8", "replace")
        return self.buffer

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        finally:
            os.close(self.master)


@pytest.fixture
def slow_emu() -> Iterator[Any]:
    from okta_dbapi.emulator import Emulator

    with Emulator(users=300, seed=1, latency=0.02) as emulator:
        yield emulator


def test_interactive_prompt_on_a_terminal(org_env: dict[str, str]) -> None:
    term = Pty([], org_env)
    term.read_until("okta> ")
    term.send("SELECT count(*) AS n\n")
    term.read_until("... ")
    term.send("FROM okta.users.users;\n")
    term.read_until("(1 row)")
    term.send(".format csv\n")
    term.send("SELECT 'x' AS y;\n")
    term.read_until("y\nx\n")
    term.send("SELECT * FROM okta.users.nope;\n")
    term.read_until("okta-sql: error:")
    term.send("select 1 as still_alive;\n")
    term.read_until("still_alive")
    term.send(".quit\n")
    assert term.close() == 0
    assert "Traceback" not in term.buffer


def test_interactive_ctrl_d_leaves(org_env: dict[str, str]) -> None:
    term = Pty([], org_env)
    term.read_until("okta> ")
    term.send("\x04")
    assert term.close() == 0


def test_progress_on_a_terminal_during_fan_out(slow_emu: Any, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "OKTA_CLIENT_ORGURL": slow_emu.url, "OKTA_CLIENT_TOKEN": slow_emu.token}
    term = Pty(["--format", "csv", "SELECT count(*) AS n FROM okta.users.factors"], env, stdout_pipe=True)
    assert term.proc.stdout is not None
    out = term.proc.stdout.read().decode()
    status = term.proc.wait(timeout=60)
    with pytest.raises(AssertionError):
        term.read_until("never printed", timeout=0.5)  # drain what stderr got
    term.close()
    assert status == 0, term.buffer
    assert out.splitlines()[0] == "n" and int(out.splitlines()[1]) > 0
    assert "fetching" in term.buffer  # the indicator was drawn on stderr ...
    assert term.buffer.endswith("\x1b[K")  # ... and erased
    assert "fetching" not in out


def test_no_progress_when_stderr_is_not_a_terminal(slow_emu: Any, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "OKTA_CLIENT_ORGURL": slow_emu.url, "OKTA_CLIENT_TOKEN": slow_emu.token}
    proc = okta_sql("SELECT count(*) AS n FROM okta.users.factors", env=env)
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_ctrl_c_exits_130(slow_emu: Any, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "OKTA_CLIENT_ORGURL": slow_emu.url, "OKTA_CLIENT_TOKEN": slow_emu.token}
    assert OKTA_SQL is not None
    proc = subprocess.Popen(
        [OKTA_SQL, "-o", "concurrency=1", "SELECT count(*) FROM okta.users.factors"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 20
    while slow_emu.log.count(path=r"/api/v1/users/[^/]+/factors") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert time.monotonic() - start < 5  # does not wait for the rest of the fan-out
    assert "Traceback" not in err


def test_interactive_ctrl_c_cancels_the_statement(slow_emu: Any, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "OKTA_CLIENT_ORGURL": slow_emu.url, "OKTA_CLIENT_TOKEN": slow_emu.token}
    term = Pty(["-o", "concurrency=2"], env)
    term.read_until("okta> ")
    # One keyed query first, so that the fan-out's pacing knows the budget and sends 2 at once.
    user = slow_emu.org.user_ids()[0]
    term.send(f"SELECT count(*) AS n FROM okta.users.factors WHERE userId = '{user}';\n")
    term.read_until("(1 row)")
    held = slow_emu.faults.add("hold", path=r"/factors$", method="GET", hold_max=20)
    term.send("SELECT count(*) FROM okta.users.factors;\n")
    deadline = time.monotonic() + 20
    # Count the held factor calls, not all requests in flight: the next users page may be on the
    # wire too (it is read ahead).
    while held.hits < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    term.proc.send_signal(signal.SIGINT)
    term.read_until("cancelled")
    # The prompt is back while both calls are still held by the server: nothing waited for them.
    assert held.hits == 2 and slow_emu.concurrency.in_flight >= 2 and not held.gate.is_set()
    held.gate.set()
    term.send("SELECT upper('still') || '-HERE' AS answer;\n")
    term.read_until("STILL-HERE")  # only in the result, not in the echoed input
    deadline = time.monotonic() + 20
    while slow_emu.concurrency.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    settled = slow_emu.log.count(path=r"/api/v1/users/[^/]+/factors")
    assert settled == 1 + 2  # the keyed query, and the two calls in flight at Ctrl-C
    term.send("exit\n")
    assert term.close() == 0
    assert "Traceback" not in term.buffer
    assert slow_emu.log.count(path=r"/api/v1/users/[^/]+/factors") == settled


def test_writes_report_rows_affected(clean_env: dict[str, str]) -> None:
    from okta_dbapi.emulator import Emulator

    with Emulator(users=8, seed=3) as fresh:
        env = {**clean_env, "OKTA_CLIENT_ORGURL": fresh.url, "OKTA_CLIENT_TOKEN": fresh.token}
        _, rows = driver_rows(fresh, "SELECT userId, id FROM okta.users.factors ORDER BY userId, id")
        user_id = rows[0][0]
        ids = [r[1] for r in rows if r[0] == user_id]
        in_list = ", ".join(f"'{i}'" for i in ids)
        delete = f"DELETE FROM okta.users.factors WHERE userId = '{user_id}' AND id IN ({in_list})"
        proc = okta_sql(delete, env=env)
        assert proc.returncode == 0, proc.stderr
        plural = "row" if len(ids) == 1 else "rows"
        assert proc.stdout == f"{len(ids)} {plural} affected\n"
        # Machine-readable formats keep stdout clean: the note goes to stderr.
        again = okta_sql(
            "--format",
            "csv",
            f"SELECT count(*) AS n FROM okta.users.factors WHERE userId = '{user_id}'",
            env=env,
        )
        assert again.stdout.splitlines() == ["n", "0"]
        insert = (
            "INSERT INTO okta.users.factors (userId, data__factorType, data__provider, data__profile) "
            f"SELECT '{user_id}', 'sms', 'OKTA', '{{\"phoneNumber\": \"+15555550100\"}}'"
        )
        proc = okta_sql("--format", "json", insert, env=env)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "1 row affected\n")
