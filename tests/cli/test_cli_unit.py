"""okta-sql's own logic, in-process, against a scripted stand-in for the driver.

These pin down statement splitting, exit statuses, error lines, redaction and the prompt without
any HTTP; tests/cli/test_cli_emulator.py runs the real driver against the emulator.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import okta_dbapi
from okta_dbapi.cli import program as cli
from okta_dbapi.exceptions import OperationalError, ProgrammingError

SECRET = "00s3cr3t-T0KEN-value"


class TtyIO(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeCursor:
    arraysize = 1

    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self.progress: Callable[[int, int | None], None] | None = None
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str) -> None:
        self.conn.executed.append(sql)
        result = self.conn.results.get(" ".join(sql.split()).lower())
        if result is None:
            raise ProgrammingError(f"no such table: {sql}\n  at line 1")
        if isinstance(result, BaseException):
            raise result
        if callable(result):
            result = result(self)
        columns, rows, rowcount = result
        self.description = None if columns is None else [(c, "string", None, None, None, None, None) for c in columns]
        self._rows = list(rows)
        self.rowcount = rowcount

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        batch, self._rows = self._rows[:size], self._rows[size:]
        return batch

    def close(self) -> None:
        self.conn.cursors_closed += 1


class FakeConnection:
    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.executed: list[str] = []
        self.closed = False
        self.cursors_closed = 0
        self.kwargs: dict[str, Any] = {}

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True


ONE = (["n"], [(1,)], -1)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeConnection:
    conn = FakeConnection({"select 1": ONE, "select 2": (["n"], [(2,)], -1)})

    def connect(
        subdomain: str | None = None, org_url: str | None = None, token: str | None = None, **options: Any
    ) -> FakeConnection:
        conn.kwargs = {"subdomain": subdomain, "org_url": org_url, "token": token, **options}
        return conn

    monkeypatch.setattr(okta_dbapi, "connect", connect, raising=False)
    monkeypatch.delenv("OKTA_CLIENT_TOKEN", raising=False)
    return conn


def run(argv: list[str], stdin: str = "", tty: bool = False, err_tty: bool = False) -> tuple[int, str, str]:
    out = io.StringIO()
    err: io.StringIO = TtyIO() if err_tty else io.StringIO()
    inp: io.StringIO = TtyIO(stdin) if tty else io.StringIO(stdin)
    status = cli.main(argv, stdin=inp, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


# --- splitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "statements", "rest"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"], ""),
        ("SELECT 1; SELECT 2", ["SELECT 1"], " SELECT 2"),
        ("SELECT ';' AS s; x", ["SELECT ';' AS s"], " x"),
        ("SELECT 'it''s;' ;", ["SELECT 'it''s;'"], ""),
        ('SELECT "a;b" FROM t;', ['SELECT "a;b" FROM t'], ""),
        ("SELECT 1 -- no; split\n;", ["SELECT 1 -- no; split"], ""),
        ("SELECT /* ; */ 1;", ["SELECT /* ; */ 1"], ""),
        (";;  ; -- only a comment\n;", [], ""),
        ("SELECT 'open;", [], "SELECT 'open;"),
    ],
)
def test_split_statements(text: str, statements: list[str], rest: str) -> None:
    assert cli.split_statements(text) == (statements, rest)


def test_all_statements_takes_an_unterminated_last_one() -> None:
    assert cli.all_statements("SELECT 1;\nSELECT 2\n-- trailing") == ["SELECT 1", "SELECT 2\n-- trailing"]
    assert cli.all_statements("-- nothing\n/* at all */") == []


def test_one_line_and_redactor() -> None:
    assert cli.one_line(ValueError("first\n\n  second  \n")) == "first second"
    assert cli.one_line(ValueError()) == "ValueError"
    redact = cli.Redactor()
    redact.add(SECRET)
    redact.add("ab")  # too short to be a secret worth redacting
    assert redact(f"the key {SECRET} ab") == "the key *** ab"
    assert redact("Authorization: SSWS abcdefgh") == "Authorization: SSWS ***"


def test_parse_options() -> None:
    assert cli.parse_options(["max_concurrency=4", "timeout= 3"]) == {"max_concurrency": "4", "timeout": " 3"}
    for bad in ("novalue", "=x", "bad-key=1"):
        with pytest.raises(cli.UsageError):
            cli.parse_options([bad])


def test_progress_render_and_throttle() -> None:
    err = io.StringIO()
    progress = cli.Progress(err, delay=0.0, interval=0.0)
    progress(5, 10)
    assert "5/10" in err.getvalue() and "[############............]" in err.getvalue()
    progress(7, None)
    assert "7 calls done" in err.getvalue()
    progress.stop()
    assert err.getvalue().endswith("\r\x1b[K")
    size = len(err.getvalue())
    progress(8, 10)  # ignored after stop
    assert len(err.getvalue()) == size
    quiet = io.StringIO()
    cli.Progress(quiet, delay=60)(1, 2)
    assert quiet.getvalue() == ""


# --- main --------------------------------------------------------------------------------------


def test_runs_statements_in_order(fake: FakeConnection) -> None:
    status, out, err = run(["--format", "jsonl", "SELECT 1; SELECT 2;"])
    assert status == 0, err
    assert [json.loads(line) for line in out.splitlines()] == [{"n": 1}, {"n": 2}]
    assert fake.executed == ["SELECT 1", "SELECT 2"]
    assert fake.closed and fake.cursors_closed == 2


def test_table_results_are_separated(fake: FakeConnection) -> None:
    status, out, _ = run(["SELECT 1; SELECT 2"])
    assert status == 0
    assert out == " n\n---\n 1\n(1 row)\n\n n\n---\n 2\n(1 row)\n"


def test_stops_at_the_first_error(fake: FakeConnection) -> None:
    status, out, err = run(["--format", "csv", "SELECT 1; SELECT nope; SELECT 2"])
    assert status == 1
    assert fake.executed == ["SELECT 1", "SELECT nope"]
    assert out.splitlines() == ["n", "1"]
    assert err == "okta-sql: error: no such table: SELECT nope at line 1\n"


def test_rowcount_for_statements_without_results(fake: FakeConnection) -> None:
    fake.results["delete from factors"] = (None, [], 3)
    fake.results["exec x"] = (None, [], 1)
    fake.results["exec y"] = (None, [], -1)
    status, out, err = run(["DELETE FROM factors; EXEC x; EXEC y"])
    assert (status, out, err) == (0, "3 rows affected\n1 row affected\nOK\n", "")
    status, out, err = run(["--format", "json", "DELETE FROM factors"])
    assert (status, out, err) == (0, "", "3 rows affected\n")


def test_sql_from_stdin(fake: FakeConnection) -> None:
    status, out, _ = run(["--format", "csv"], stdin="SELECT 1;\nSELECT 2\n")
    assert status == 0
    assert out.splitlines() == ["n", "1", "n", "2"]
    status, out, _ = run(["--format", "csv", "-"], stdin="SELECT 2")
    assert (status, out.splitlines()) == (0, ["n", "2"])


def test_no_sql_is_a_usage_error(fake: FakeConnection) -> None:
    status, _, err = run([], stdin="  -- nothing\n")
    assert status == 2
    assert err.splitlines()[-1] == "okta-sql: error: no SQL statement given"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--demo", "--org-url", "https://x.okta.com", "SELECT 1"], "--demo runs against an emulated org"),
        (["--option", "oops", "SELECT 1"], "--option expects KEY=VALUE"),
        (["--format", "xml", "SELECT 1"], "invalid choice: 'xml'"),
        (["--demo-users", "many", "SELECT 1"], "invalid int value"),
        (["--demo", "--demo-users", "0", "SELECT 1"], "--demo-users must be at least 1"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_2(fake: FakeConnection, argv: list[str], message: str) -> None:
    status, out, err = run(argv)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: okta-sql")
    assert err.splitlines()[-1].startswith("okta-sql: error: ")
    assert message in err
    assert "Traceback" not in err


def test_options_and_org_flags_reach_connect(fake: FakeConnection) -> None:
    argv = ["--subdomain", "acme", "-o", "max_concurrency=4", "--option", "timeout=5", "SELECT 1"]
    status, _, err = run(argv)
    assert status == 0, err
    assert fake.kwargs == {"subdomain": "acme", "org_url": None, "token": None, "max_concurrency": "4", "timeout": "5"}


def test_token_flag_is_never_echoed(fake: FakeConnection) -> None:
    fake.results["select secret"] = OperationalError(f"401 for token {SECRET}: E0000011 Invalid token")
    status, out, err = run(["--token", SECRET, "SELECT secret"])
    assert status == 1
    assert SECRET not in out + err
    assert "warning: --token is visible" in err
    assert err.splitlines()[-1] == "okta-sql: error: 401 for token ***: E0000011 Invalid token"
    assert fake.kwargs["token"] == SECRET


def test_env_token_is_redacted(fake: FakeConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_CLIENT_TOKEN", SECRET)
    fake.results["select secret"] = OperationalError(f"bad {SECRET}")
    status, out, err = run(["SELECT secret"])
    assert status == 1 and SECRET not in out + err


def test_unexpected_exceptions_give_one_line(fake: FakeConnection) -> None:
    fake.results["select bug"] = KeyError("boom")
    status, _, err = run(["SELECT bug"])
    assert status == 1
    assert err == ("okta-sql: error: internal error (KeyError: 'boom'); rerun with --debug and report it\n")
    status, _, err = run(["--debug", "SELECT bug"])
    assert status == 1 and "Traceback" in err


def test_connect_failure_is_one_line(fake: FakeConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(**kwargs: Any) -> None:
        raise ProgrammingError("no Okta org configured:\nset OKTA_CLIENT_ORGURL or pass --org-url")

    monkeypatch.setattr(okta_dbapi, "connect", connect)
    status, _, err = run(["SELECT 1"])
    assert status == 1
    assert err == "okta-sql: error: no Okta org configured: set OKTA_CLIENT_ORGURL or pass --org-url\n"


def test_ctrl_c_exits_130(fake: FakeConnection) -> None:
    fake.results["select slow"] = KeyboardInterrupt()
    status, _, err = run(["SELECT slow"])
    assert status == 130
    assert "Traceback" not in err


def test_progress_only_on_a_terminal(fake: FakeConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.Progress, "__init__", _fast_progress_init)

    def fan_out(cursor: FakeCursor) -> tuple[list[str], list[tuple[int]], int]:
        assert cursor.progress is not None
        for done in range(1, 4):
            cursor.progress(done, 3)
        return ["n"], [(3,)], -1

    fake.results["select count(*) from factors"] = fan_out
    status, out, err = run(["SELECT count(*) FROM factors"], err_tty=True)
    assert status == 0
    assert "3/3" in err and err.endswith("\r\x1b[K")
    assert "3/3" not in out

    seen: list[Any] = []

    def record(cursor: FakeCursor) -> tuple[list[str], list[tuple[int]], int]:
        seen.append(cursor.progress)
        return ONE

    fake.results["select count(*) from factors"] = record
    run(["SELECT count(*) FROM factors"])  # stderr is not a terminal
    run(["--no-progress", "SELECT count(*) FROM factors"], err_tty=True)
    assert seen == [None, None]


class StreamingCursor(FakeCursor):
    """Rows arrive while they are fetched, reporting progress as they do (a plain scan)."""

    def execute(self, sql: str) -> None:
        self.description = [("n", "integer", None, None, None, None, None)]
        self._next = 0

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._next >= 3:
            return []
        self._next += 1
        assert self.progress is not None
        self.progress(self._next, 3)
        return [(self._next,)]


@pytest.mark.parametrize(("fmt", "out_tty", "shown"), [("table", True, 3), ("csv", False, 3), ("csv", True, 1)])
def test_progress_while_rows_stream(
    fake: FakeConnection, monkeypatch: pytest.MonkeyPatch, fmt: str, out_tty: bool, shown: int
) -> None:
    monkeypatch.setattr(cli.Progress, "__init__", _fast_progress_init)
    monkeypatch.setattr(FakeConnection, "cursor", lambda self: StreamingCursor(self))
    out: io.StringIO = TtyIO() if out_tty else io.StringIO()
    err = TtyIO()
    assert cli.main(["--format", fmt, "SELECT n"], stdin=io.StringIO(), stdout=out, stderr=err) == 0
    # The table keeps the indicator until every row is in; a stream to the same terminal stops it.
    assert [f"{i}/3" in err.getvalue() for i in (1, 2, 3)] == [i <= shown for i in (1, 2, 3)]
    assert err.getvalue().endswith("\r\x1b[K")
    assert "/3" not in out.getvalue()


_original_progress_init = cli.Progress.__init__


def _fast_progress_init(self: cli.Progress, stream: Any, **_: float) -> None:
    _original_progress_init(self, stream, delay=0.0, interval=0.0)


def test_interactive_prompt(fake: FakeConnection) -> None:
    script = "SELECT\n1;\n.format jsonl\nSELECT 2; SELECT nope;\n.format\n.bogus\n.tables\nSELECT 1\n"
    status, out, err = run([], stdin=script, tty=True)
    assert status == 0
    assert out.startswith(cli.PROMPT + cli.CONTINUATION)
    assert " n\n---\n 1\n(1 row)\n" in out
    assert '{"n":2}\n' in out
    assert "jsonl\n" in out
    assert "okta.users.factors" in out
    assert fake.executed == ["SELECT\n1", "SELECT 2", "SELECT nope", "SELECT 1"]  # Ctrl-D runs the rest
    assert "okta-sql: error: no such table: SELECT nope\n  at line 1\n" in err  # full message at the prompt
    assert "okta-sql: error: unknown command '.bogus'" in err


def test_history_goes_to_the_temporary_home(fake: FakeConnection, temporary_home: Path) -> None:
    pytest.importorskip("readline")
    assert Path.home() == temporary_home
    history = temporary_home / ".okta_sql_history"
    history.unlink(missing_ok=True)
    status, _, _ = run([], stdin="SELECT 1;\n", tty=True)
    assert status == 0 and history.exists()


@pytest.mark.parametrize("word", ["exit", ".quit", "quit;", "\\q"])
def test_interactive_quit(fake: FakeConnection, word: str) -> None:
    status, _, _ = run([], stdin=f"{word}\nSELECT 1;\n", tty=True)
    assert status == 0
    assert fake.executed == []


def test_interactive_ctrl_c_at_the_prompt_clears_the_line(
    fake: FakeConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: Iterator[str | BaseException] = iter(["SELECT", KeyboardInterrupt(), "SELECT 2;", EOFError()])

    def read_line(self: Any, prompt: str) -> str:
        item = next(lines)
        if isinstance(item, BaseException):
            raise item
        return item

    monkeypatch.setattr(cli._Program, "_read_line", read_line)
    status, out, _ = run(["--format", "csv"], tty=True)
    assert status == 0
    assert fake.executed == ["SELECT 2"]
    assert "^C" in out


def test_catalog_commands_at_the_prompt(fake: FakeConnection) -> None:
    from okta_dbapi.catalog import FACTORS, SUPPORTED_FACTORS, USERS

    script = ".schema factors\n.columns okta.users.users\n.format csv\n.columns supported_factors\n"
    status, out, err = run([], stdin=script, tty=True)
    assert status == 0 and "error" not in err, err
    schema, users_table, _format, csv_part = out.split("okta> ")[1:5]
    assert schema.startswith(f"-- {FACTORS.comment}\nCREATE TABLE okta.users.factors (\n")
    assert schema.endswith("  PRIMARY KEY (id, userId)\n);\n")
    declared = {line.split()[0]: line.split()[1:3] for line in schema.splitlines()[2:-2]}
    assert declared["factorType"] == ["TEXT,", "--"] and declared["created"] == ["TIMESTAMP,", "--"]
    assert declared["profile"][0] == "JSON,"
    assert [line.split()[0] for line in schema.splitlines()[2:-2]] == [c.name for c in FACTORS.columns]
    assert "okta.users.users" not in schema  # only the table asked for
    assert users_table.split("\n")[0].split() == ["column", "|", "type", "|", "key", "|", "description"]
    assert all(f" {c.name} " in users_table for c in USERS.columns)
    lines = csv_part.replace("\r\n", "\n").splitlines()
    assert lines[0] == "column,type,key,description"
    assert [line.split(",")[0] for line in lines[1:]] == [c.name for c in SUPPORTED_FACTORS.columns]
    assert "userId,string,primary key,ID of the user" in lines
    assert fake.executed == []  # answered from the catalog, no statement run


def test_catalog_commands_name_the_tables_when_one_is_unknown(fake: FakeConnection) -> None:
    status, _, err = run([], stdin=".schema factor\n.columns\n.columns nope\n", tty=True)
    assert status == 0
    assert "no table 'factor'; did you mean okta.users.factors? the tables are okta.users.factors" in err
    assert "usage: .columns TABLE" in err
    assert "no table 'nope'; the tables are" in err
