"""``okta-sql``: run SQL against an Okta org (or the embedded demo org) from the shell.

Usage::

    okta-sql "SELECT ..."                 # the org from OKTA_CLIENT_ORGURL/OKTA_CLIENT_TOKEN or okta.yaml
    okta-sql --demo "SELECT ..."          # an emulated org, in-process, no Okta account needed
    okta-sql --format csv "SELECT ..." > out.csv
    okta-sql < script.sql                 # statements separated by ';', run in order
    okta-sql                              # an interactive prompt, when stdin is a terminal

Exit status: 0 on success, 1 when a statement fails (one line on stderr, never a traceback),
2 for a usage error, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from okta_dbapi.cli.output import FORMATS, get_formatter
from okta_dbapi.redact import redact, register_secret
from okta_dbapi.settings import OPTIONS as CONNECT_OPTIONS

PROG = "okta-sql"
DEFAULT_DEMO_USERS = 200
PROMPT = "okta> "
CONTINUATION = "  ... "
HISTORY_FILE = "~/.okta_sql_history"
NO_ORG_HELP = (
    "no Okta org configured: set OKTA_CLIENT_ORGURL and OKTA_CLIENT_TOKEN (or write them as "
    "okta.client.orgUrl / okta.client.token in ./okta.yaml or ~/.okta/okta.yaml), or pass --org-url "
    "or --subdomain; to try okta-sql without an org, add --demo"
)
_EXIT_WORDS = {".quit", ".exit", "quit", "exit", "\\q"}


class UsageError(Exception):
    """A mistake in how okta-sql was invoked: exit status 2."""


# --- splitting statements ----------------------------------------------------------------------


def split_statements(text: str) -> tuple[list[str], str]:
    """Split SQL text on ``;`` outside quotes and comments.

    Returns the complete statements (without their ``;``, stripped, empty ones dropped) and the
    text after the last ``;`` (an unfinished statement, or only whitespace and comments).
    """
    statements: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"', "`"):
            i += 1
            while i < n:
                if text[i] == ch:
                    if i + 1 < n and text[i + 1] == ch:  # a doubled quote escapes itself
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if ch == "-" and text.startswith("--", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
            continue
        if ch == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch == ";":
            statement = text[start:i].strip()
            if statement and not _only_comments(statement):
                statements.append(statement)
            start = i + 1
        i += 1
    return statements, text[start:]


def _only_comments(text: str) -> bool:
    """True when ``text`` holds nothing but whitespace and complete comments."""
    i = 0
    n = len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return False
            i = end + 2
        else:
            return False
    return True


def all_statements(text: str) -> list[str]:
    """Every statement in ``text``; the last one needs no ``;``."""
    statements, rest = split_statements(text)
    rest = rest.strip()
    if rest and not _only_comments(rest):
        statements.append(rest)
    return statements


# --- messages ----------------------------------------------------------------------------------


class Redactor:
    """Removes secrets (the API token) from any text okta-sql prints.

    Delegates to the driver's :mod:`okta_dbapi.redact`, which also knows the secrets the driver
    resolved itself (e.g. a token from okta.yaml) and masks ``SSWS ...``/``Bearer ...`` patterns.
    """

    def add(self, secret: str | None) -> None:
        register_secret(secret)

    def __call__(self, text: str) -> str:
        return redact(text)


def one_line(exc: BaseException) -> str:
    """A one-line description of ``exc``: its message's lines joined, or its type's name."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    return " ".join(lines)


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress indicator on a terminal, fed by ``cursor.progress(done, total)``.

    Shown only once a statement has run for ``delay`` seconds, redrawn at most every
    ``interval`` seconds, and erased before results are printed. Called from driver threads.
    """

    def __init__(self, stream: TextIO, *, delay: float = 0.25, interval: float = 0.1) -> None:
        self._stream = stream
        self._delay = delay
        self._interval = interval
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False
        self._active = True

    def __call__(self, done: int, total: int | None) -> None:
        with self._lock:
            if not self._active:
                return
            now = time.monotonic()
            if now - self._start < self._delay:
                return
            final = total is not None and done >= total
            if now - self._last < self._interval and not final:
                return
            self._last = now
            self._stream.write("\r" + self.render(done, total) + "\x1b[K")
            self._stream.flush()
            self._shown = True

    @staticmethod
    def render(done: int, total: int | None) -> str:
        if total is None or total <= 0:
            return f"fetching… {done} calls done"
        width = 24
        filled = min(width, int(width * done / total))
        return f"fetching [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"

    def stop(self) -> None:
        """Erase the indicator and ignore any later calls."""
        with self._lock:
            self._active = False
            if self._shown:
                with contextlib.suppress(OSError, ValueError):
                    self._stream.write("\r\x1b[K")
                    self._stream.flush()
                self._shown = False


# --- running statements ------------------------------------------------------------------------


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Runner:
    """Runs statements on one connection and writes their results."""

    def __init__(
        self,
        connection: Any,
        *,
        fmt: str,
        out: TextIO,
        err: TextIO,
        progress: bool,
        max_width: int | None,
    ) -> None:
        self.connection = connection
        self.fmt = fmt
        self.out = out
        self.err = err
        self.progress = progress
        self.max_width = max_width
        self.results = 0  # result sets written so far, to separate them

    def run(self, sql: str) -> None:
        """Run one statement and write its result; PEP 249 errors propagate."""
        cursor = self.connection.cursor()
        indicator = Progress(self.err) if self.progress else None
        try:
            if indicator is not None:
                with contextlib.suppress(AttributeError):
                    cursor.progress = indicator
            cursor.execute(sql)
            if cursor.description is None:
                if indicator is not None:
                    indicator.stop()
                self._write_rowcount(cursor.rowcount)
                return
            columns = [str(d[0]) for d in cursor.description]
            rows = self._rows(cursor, indicator)
            if self.fmt == "table" and self.results:
                self.out.write("\n")
            formatter = get_formatter(self.fmt, max_width=self.max_width)
            formatter(columns, rows, self.out)
            self.out.flush()
            self.results += 1
        finally:
            if indicator is not None:
                indicator.stop()
            with contextlib.suppress(Exception):
                cursor.close()

    def _rows(self, cursor: Any, indicator: Progress | None) -> Iterator[Sequence[Any]]:
        # A plain scan streams: rows (and progress calls) keep coming while results are written.
        # The table reads every row before writing, so its indicator runs to the end; a streaming
        # format written to the same terminal would be torn by it, so it stops at the first rows.
        stop_early = self.fmt != "table" and _isatty(self.out)
        size = max(int(getattr(cursor, "arraysize", 1) or 1), 500)
        first = True
        while True:
            batch = cursor.fetchmany(size)
            if indicator is not None and (not batch or (first and stop_early)):
                indicator.stop()
            first = False
            if not batch:
                return
            yield from batch

    def _write_rowcount(self, rowcount: int | None) -> None:
        known = rowcount is not None and rowcount >= 0
        text = f"{rowcount} row{'' if rowcount == 1 else 's'} affected" if known else "OK"
        # Keep machine-readable stdout clean: the note goes to stderr for csv/json/jsonl.
        stream = self.out if self.fmt == "table" else self.err
        stream.write(text + "\n")
        stream.flush()


# --- arguments ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own usage errors: exit status 2
        raise UsageError(message)


REFRESH_SQL = "REFRESH okta.users.factors"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Run SQL against Okta's user-factor (MFA) API. The org comes from --org-url or "
            "--subdomain, else OKTA_CLIENT_ORGURL / OKTA_CLIENT_TOKEN, else okta.yaml; "
            "--demo uses an emulated org instead."
        ),
        epilog=(
            "Without SQL: statements are read from stdin, or an interactive prompt starts when "
            "stdin is a terminal. Statements are separated by ';' and run in order. Exit status: "
            "0 ok, 1 a statement failed, 2 usage error, 130 interrupted."
        ),
    )
    parser.add_argument("sql", nargs="?", help="SQL to run ('-' reads it from stdin)")
    org = parser.add_argument_group("org")
    org.add_argument("--org-url", metavar="URL", help="e.g. https://example.okta.com")
    org.add_argument("--subdomain", metavar="NAME", help="the org https://NAME.okta.com")
    org.add_argument(
        "--token",
        metavar="TOKEN",
        help="API token (discouraged: it shows in the process list; prefer OKTA_CLIENT_TOKEN)",
    )
    org.add_argument(
        "--option",
        "-o",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help=f"a connect() option, repeatable; one of: {', '.join(CONNECT_OPTIONS)}",
    )
    snap = parser.add_argument_group("snapshot (see docs/snapshot.md)")
    snap.add_argument(
        "--snapshot",
        metavar="PATH",
        help="answer users/factors queries from this local SQLite snapshot, refreshed from the System Log "
        "('true': a per-org file in your cache directory)",
    )
    snap.add_argument("--max-age", metavar="SECONDS", help="refresh the snapshot when older than this (default 300)")
    snap.add_argument(
        "--full-refresh-after", metavar="SECONDS", help="reload the snapshot whole when its last full load is older"
    )
    snap.add_argument(
        "--refresh",
        action="store_true",
        help="refresh the snapshot (REFRESH okta.users.factors) before the statements; alone, only that",
    )
    demo = parser.add_argument_group("demo")
    demo.add_argument("--demo", action="store_true", help="run against an embedded emulated org")
    demo.add_argument(
        "--demo-users",
        metavar="N",
        type=int,
        default=DEFAULT_DEMO_USERS,
        help=f"users in the demo org (default {DEFAULT_DEMO_USERS})",
    )
    demo.add_argument("--seed", type=int, default=1, help="random seed of the demo org (default 1)")
    output = parser.add_argument_group("output")
    output.add_argument("--format", "-F", choices=FORMATS, default="table", help="default: table")
    output.add_argument(
        "--max-width",
        metavar="N",
        type=int,
        default=None,
        help="cut table cells to N characters (default: 80 on a terminal, unlimited otherwise; 0: unlimited)",
    )
    output.add_argument("--no-progress", action="store_true", help="no progress indicator on stderr during fan-out")
    output.add_argument("--debug", action="store_true", help="print tracebacks (for bug reports)")
    return parser


def parse_options(pairs: Sequence[str]) -> dict[str, str]:
    """``["k=v", ...]`` to a dict; values stay strings, as in a SQLAlchemy URL's query."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--option expects KEY=VALUE, got {pair!r}")
        if not key.isidentifier():
            raise UsageError(f"--option: {key!r} is not a valid option name")
        options[key] = value
    return options


# --- the program -------------------------------------------------------------------------------


class _Program:
    def __init__(self, args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> None:
        self.args = args
        self.stdin = stdin
        self.out = out
        self.err = err
        self.redact = Redactor()
        self.redact.add(args.token)
        self.redact.add(os.environ.get("OKTA_CLIENT_TOKEN"))
        self.stack = contextlib.ExitStack()
        self.connection: Any = None

    # errors and notes
    def error(self, text: str) -> None:
        self.err.write(f"{PROG}: error: {self.redact(text)}\n")
        self.err.flush()

    def note(self, text: str) -> None:
        self.err.write(f"{PROG}: {self.redact(text)}\n")
        self.err.flush()

    def connect(self) -> Any:
        import okta_dbapi

        args = self.args
        options = parse_options(args.option)
        for name in ("snapshot", "max_age", "full_refresh_after"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
        if args.refresh and not options.get("snapshot"):
            raise UsageError("--refresh refreshes a snapshot: give --snapshot PATH too")
        if args.demo:
            from okta_dbapi.emulator import Emulator

            emulator = self.stack.enter_context(Emulator(users=args.demo_users, seed=args.seed, latency=0.0))
            self.redact.add(emulator.token)
            self.connection = okta_dbapi.connect(org_url=emulator.url, token=emulator.token, **options)
        else:
            from okta_dbapi.exceptions import InterfaceError

            try:
                self.connection = okta_dbapi.connect(
                    subdomain=args.subdomain, org_url=args.org_url, token=args.token, **options
                )
            except InterfaceError as exc:
                if str(exc).startswith("no Okta org configured"):
                    raise InterfaceError(NO_ORG_HELP) from exc
                raise
        self.stack.callback(self._close_connection)
        return self.connection

    def _close_connection(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()

    def runner(self) -> Runner:
        max_width = self.args.max_width
        if max_width is None:
            max_width = 80 if _isatty(self.out) else 0
        progress = not self.args.no_progress and _isatty(self.err)
        return Runner(
            self.connection,
            fmt=self.args.format,
            out=self.out,
            err=self.err,
            progress=progress,
            max_width=max_width or None,
        )

    def run_script(self, text: str) -> int:
        from okta_dbapi.exceptions import Error

        statements = all_statements(text)
        if self.args.refresh:
            statements.insert(0, REFRESH_SQL)
        if not statements:
            raise UsageError("no SQL statement given")
        self.connect()
        runner = self.runner()
        for sql in statements:
            try:
                runner.run(sql)
            except Error as exc:
                self.error(one_line(exc))
                return 1
        return 0

    # interactive
    def interactive(self) -> int:
        from okta_dbapi.exceptions import Error

        self.connect()
        runner = self.runner()
        history = _History()
        if self.args.demo:
            self.note(f"demo org with {self.args.demo_users} users (seed {self.args.seed})")
        self.err.write('Type SQL ending in ";", ".help" for help, ".quit" or Ctrl-D to leave.\n')
        self.err.flush()
        buffer = ""
        try:
            while True:
                try:
                    line = self._read_line(CONTINUATION if buffer.strip() else PROMPT)
                except EOFError:
                    self.out.write("\n")
                    if buffer.strip():
                        self._run_interactive(runner, all_statements(buffer), Error)
                    return 0
                except KeyboardInterrupt:
                    self.out.write("^C\n")
                    buffer = ""
                    continue
                if not buffer.strip():
                    command = line.strip().rstrip(";").strip()
                    if command.lower() in _EXIT_WORDS:
                        return 0
                    if command.startswith("."):
                        self._dot_command(command, runner)
                        continue
                buffer += line + "\n"
                statements, rest = split_statements(buffer)
                if statements:
                    self._run_interactive(runner, statements, Error)
                buffer = "" if _only_comments(rest) else rest
        finally:
            history.save()

    def _run_interactive(self, runner: Runner, statements: list[str], error_type: type[Exception]) -> None:
        for sql in statements:
            try:
                runner.run(sql)
            except error_type as exc:
                # At the prompt the whole message helps (e.g. a caret under a syntax error).
                text = self.redact(str(exc)) or type(exc).__name__
                self.err.write(f"{PROG}: error: {text}\n")
                self.err.flush()
                return
            except KeyboardInterrupt:
                self.err.write("\ncancelled\n")
                self.err.flush()
                return

    def _read_line(self, prompt: str) -> str:
        if self.stdin is sys.stdin:
            return input(prompt)
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def _catalog_command(self, name: str, arg: str, runner: Runner) -> None:
        from okta_dbapi.catalog import TABLES
        from okta_dbapi.cli import describe

        try:
            if name == ".tables":
                self.out.write(describe.tables_text())
            elif name == ".schema":
                self.out.write(describe.schema_text([describe.find_table(arg)] if arg else TABLES.values()))
            elif not arg:
                self.error("usage: .columns TABLE, e.g. .columns okta.users.factors")
            else:
                rows = describe.column_rows(describe.find_table(arg))
                get_formatter(runner.fmt, max_width=runner.max_width)(describe.COLUMNS_HEADER, rows, self.out)
        except describe.UnknownTable as exc:
            self.error(str(exc))

    def _dot_command(self, command: str, runner: Runner) -> None:
        name, _, arg = command.partition(" ")
        arg = arg.strip()
        if name == ".help":
            self.out.write(
                "SQL statements end with ';' and may span lines.\n"
                "  .tables           list the tables\n"
                "  .schema [TABLE]   CREATE TABLE statements of every table, or of one\n"
                "  .columns TABLE    the columns of a table: type, key, description\n"
                f"  .format [FORMAT]  show or set the output format ({', '.join(FORMATS)})\n"
                "  .quit             leave (also: exit, quit, Ctrl-D)\n"
                "Ctrl-C cancels the statement being typed or run.\n"
            )
        elif name in (".tables", ".schema", ".columns"):
            self._catalog_command(name, arg, runner)
        elif name == ".format":
            if not arg:
                self.out.write(runner.fmt + "\n")
            elif arg in FORMATS:
                runner.fmt = arg
            else:
                self.error(f"unknown format {arg!r}; choose one of {', '.join(FORMATS)}")
        else:
            self.error(f"unknown command {name!r}; try .help")
        self.out.flush()


class _History:
    """readline history in ~/.okta_sql_history, when readline is available."""

    def __init__(self) -> None:
        self.path = os.path.expanduser(HISTORY_FILE)
        self.readline: Any = None
        try:
            import readline
        except ImportError:  # pragma: no cover - e.g. Windows without pyreadline
            return
        self.readline = readline
        with contextlib.suppress(OSError):
            readline.read_history_file(self.path)
        readline.set_history_length(1000)

    def save(self) -> None:
        if self.readline is not None:
            with contextlib.suppress(OSError):
                self.readline.write_history_file(self.path)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run okta-sql with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    console = argv is None
    stdin = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        err.write(parser.format_usage())
        err.write(f"{PROG}: error: {redact(str(exc))}\n")
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2

    program = _Program(args, stdin, out, err)
    status = 1
    try:
        with program.stack:
            status = _dispatch(program)
    except UsageError as exc:
        err.write(parser.format_usage())
        program.error(str(exc))
        status = 2
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            err.write("\n")
            err.flush()
        status = 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as SIGPIPE would.
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        status = 141
    except Exception as exc:
        if args.debug:
            import traceback

            err.write(program.redact(traceback.format_exc()))
        program.error(_describe(exc))
        status = 1
    if console and status == 130:
        # Driver threads may still be fanning out; do not wait for them on the way out.
        with contextlib.suppress(Exception):
            out.flush()
            err.flush()
        os._exit(130)
    return status


def _describe(exc: BaseException) -> str:
    from okta_dbapi.exceptions import Error

    if isinstance(exc, Error):
        return one_line(exc)
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return one_line(exc)
    return f"internal error ({type(exc).__name__}: {one_line(exc)}); rerun with --debug and report it"


def _dispatch(program: _Program) -> int:
    args = program.args
    if args.demo and (args.org_url or args.subdomain or args.token):
        raise UsageError("--demo runs against an emulated org; drop --org-url/--subdomain/--token")
    if args.demo_users < 1:
        raise UsageError("--demo-users must be at least 1")
    if args.max_width is not None and args.max_width < 0:
        raise UsageError("--max-width must be 0 or more")
    if args.token:
        program.note("warning: --token is visible to other users of this machine; prefer OKTA_CLIENT_TOKEN")
    if args.sql is not None and args.sql != "-":
        return program.run_script(args.sql)
    if args.sql is None and args.refresh:
        return program.run_script("")
    if args.sql is None and _isatty(program.stdin):
        return program.interactive()
    return program.run_script(program.stdin.read())
