"""The snapshot's faces: EXPLAIN, REFRESH, okta-sql flags, the SQLAlchemy URL, the plain SQLite
file, the options."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from snap_helpers import calls, rows, snapshot_factors, truth_factors

import okta_dbapi
from okta_dbapi.cli import program as cli
from okta_dbapi.emulator import Emulator
from okta_dbapi.settings import DEFAULT_MAX_AGE, Settings

FACTOR_LIST = r"/api/v1/users/[^/]+/factors"


def test_explain_says_whether_the_snapshot_answers_and_what_a_refresh_sends(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=60)
    emu.log.clear()
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.factors WHERE status = 'ACTIVE'")
    assert calls(emu) == 0
    facts = json.loads(plan[0][4])
    assert plan[0][1] == "snapshot" and facts["refresh"] == "full" and facts["age_s"] is None
    assert [r[1] for r in plan[1:]] == [
        "refresh: list_users",
        "refresh: list_users",
        "refresh: list_factors",
        "residual",
    ]
    snapshot_factors(conn)
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.factors WHERE status = 'ACTIVE'")
    facts = json.loads(plan[0][4])
    assert facts["refresh"] == "none" and 0 <= facts["age_s"] < 60 and facts["max_age_s"] == 60
    assert [r[1] for r in plan] == ["snapshot", "residual"]
    conn.snapshot.clock = lambda: 10**10
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.factors")
    assert json.loads(plan[0][4])["refresh"] == "full"  # older than full_refresh_after too
    conn.snapshot.full_refresh_after = 10**11
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.factors")
    assert [r[1] for r in plan] == [
        "snapshot",
        "refresh: list_log_events",
        "refresh: list_users",
        "refresh: list_factors",
        "residual",
    ]
    assert "lastUpdated gt" in json.loads(plan[2][4])["filter"]
    # a query the snapshot cannot answer is explained as without one
    uid = emu.org.user_ids()[0]
    plan = rows(conn, "EXPLAIN SELECT * FROM okta.users.supported_factors WHERE userId = ?", [uid])
    assert plan[0][1] == "list_supported_factors" or "supported" in plan[0][1]


def test_refresh_statement(emu: Emulator, connect: Any) -> None:
    conn = connect()
    emu.log.clear()
    n = len(emu.org.user_ids())
    assert rows(conn, "REFRESH okta.users.users") == [("users", "full", 2, "users not loaded yet")]
    assert rows(conn, "refresh table factors") == [("factors, users", "full", n + 2, "factors not loaded yet")]
    emu.org.reset_factors(emu.org.user_ids()[0])
    assert rows(conn, "REFRESH okta.users.factors;") == [("factors, users", "incremental", 3, "refresh asked for")]
    assert rows(conn, "REFRESH okta.users.factors FULL")[0][:3] == ("factors, users", "full", n + 2)
    assert snapshot_factors(conn) == truth_factors(emu)
    with pytest.raises(okta_dbapi.ProgrammingError, match="snapshot tables"):
        rows(conn, "REFRESH okta.users.supported_factors")
    with pytest.raises(okta_dbapi.ProgrammingError, match="one table"):
        rows(conn, "REFRESH okta.users.factors NOW")
    plain = okta_dbapi.connect(org_url=emu.url, token=emu.token)
    with pytest.raises(okta_dbapi.ProgrammingError, match="REFRESH needs a snapshot"):
        plain.cursor().execute("REFRESH okta.users.factors")


def test_the_file_is_plain_sqlite_with_the_catalog_names(emu: Emulator, connect: Any, snap_path: Path) -> None:
    conn = connect()
    expected = snapshot_factors(conn)
    plain = sqlite3.connect(snap_path)
    got = {tuple(r) for r in plain.execute('SELECT "userId", id, factorType, provider, status FROM factors')}
    assert got == expected
    users = plain.execute("SELECT count(*), sum(status = 'DEPROVISIONED') FROM users").fetchone()
    assert users[0] == len(emu.org.user_ids()) and users[1] >= 1
    login = plain.execute("SELECT profile ->> '$.login' FROM users LIMIT 1").fetchone()[0]
    assert login.endswith("@example.com")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (snap_path.stat().st_mode & 0o777) == 0o600
    plain.close()


def test_okta_sql_flags(emu: Emulator, snap_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_CLIENT_TOKEN", emu.token)
    base = ["--org-url", emu.url, "--snapshot", str(snap_path), "--format", "csv"]
    out, err = io.StringIO(), io.StringIO()
    assert cli.main([*base, "--refresh"], stdout=out, stderr=err) == 0, err.getvalue()
    assert "full" in out.getvalue()
    emu.log.clear()
    out = io.StringIO()
    sql = "SELECT count(*) AS n FROM okta.users.factors"
    assert cli.main([*base, "--max-age", "3600", sql], stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().split() == ["n", str(len(truth_factors(emu)))] and calls(emu) == 0
    out = io.StringIO()
    assert cli.main([*base, "--max-age", "0", sql], stdout=out, stderr=err) == 0
    assert calls(emu, "/api/v1/logs") == 1
    err = io.StringIO()
    assert cli.main(["--org-url", emu.url, "--refresh"], stdout=io.StringIO(), stderr=err) == 2
    assert "--snapshot" in err.getvalue()


def test_sqlalchemy_url_passes_the_snapshot_options(emu: Emulator, snap_path: Path) -> None:
    host = emu.url.split("//", 1)[1]
    engine = sa.create_engine(f"okta://:{emu.token}@{host}/?scheme=http&snapshot={snap_path}&max_age=3600")
    with engine.connect() as c:
        n = c.execute(sa.text("SELECT count(*) FROM okta.users.factors")).scalar()
        emu.log.clear()
        assert c.execute(sa.text("SELECT count(*) FROM okta.users.factors")).scalar() == n
        assert calls(emu) == 0
        dbapi_conn = c.connection.dbapi_connection if hasattr(c.connection, "dbapi_connection") else c.connection
        assert dbapi_conn.snapshot.max_age == 3600 and dbapi_conn.snapshot.path == snap_path
    engine.dispose()


def test_options() -> None:
    base = {"org_url": "https://example.okta.com", "token": "x"}
    s = Settings.resolve(**base)
    assert s.snapshot is False and s.max_age == DEFAULT_MAX_AGE == 300 and s.full_refresh_after == 86400
    s = Settings.resolve(**base, snapshot="true", max_age="0", full_refresh_after="60")
    assert s.snapshot is True and s.max_age == 0 and s.full_refresh_after == 60
    assert Settings.resolve(**base, snapshot="~/x.db").snapshot == str(Path.home() / "x.db")
    for bad in ({"max_age": "-1"}, {"max_age": "soon"}, {"full_refresh_after": "0"}, {"snapshot": 3}):
        with pytest.raises(okta_dbapi.ProgrammingError):
            Settings.resolve(**base, **bad)


def test_snapshot_true_picks_a_per_org_file_in_the_cache_dir(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    conn = okta_dbapi.connect(org_url=emu.url, token=emu.token, snapshot=True)
    assert conn.snapshot is not None
    assert conn.snapshot.path.parent == tmp_path / "cache" / "okta-dbapi"
    other = Settings.resolve(org_url="https://other.okta.com", token="x", snapshot=True)
    from okta_dbapi.snapshot.paths import default_path

    assert default_path(other) != conn.snapshot.path and default_path(other).name.startswith("other-")
    conn.close()


def test_a_file_of_another_org_is_refused(emu: Emulator, snap_path: Path) -> None:
    okta_dbapi.connect(org_url=emu.url, token=emu.token, snapshot=str(snap_path)).close()
    with pytest.raises(okta_dbapi.OperationalError, match="one file per org"):
        okta_dbapi.connect(org_url="https://other.okta.com", token="x", snapshot=str(snap_path))


def test_oauth_scopes_include_the_system_log_with_a_snapshot() -> None:
    base = {"org_url": "https://example.okta.com", "token": "x"}
    assert "okta.logs.read" not in Settings.resolve(**base).oauth_scopes
    assert Settings.resolve(**base, snapshot="true").oauth_scopes == (
        "okta.users.read",
        "okta.users.manage",
        "okta.logs.read",
    )
    assert Settings.resolve(**base, snapshot="true", read_only=True).oauth_scopes == (
        "okta.users.read",
        "okta.logs.read",
    )
    assert Settings.resolve(**base, snapshot="true", scopes="okta.users.read").oauth_scopes == ("okta.users.read",)


def test_a_refused_system_log_says_why_it_is_read(emu: Emulator, connect: Any) -> None:
    conn = connect(max_age=0)
    snapshot_factors(conn)
    real = emu.token
    try:
        emu.token = "another-token"  # the org now refuses ours: 401 on the first call (the log)
        with pytest.raises(okta_dbapi.DatabaseError, match=r"okta\.logs\.read"):
            snapshot_factors(conn)
    finally:
        emu.token = real


def test_a_collate_inside_an_or_of_keys_answers_as_without_the_snapshot(emu: Emulator, connect: Any) -> None:
    """SQLite 3.40 drops the COLLATE of ``id = 'x' COLLATE NOCASE OR id = 'y'`` when it splits the
    OR over the key index; the snapshot file has that index, so its queries read NOT INDEXED."""
    snap = connect(max_age=3600)
    live = okta_dbapi.connect(org_url=emu.url, token=emu.token)
    a, b = [u for u in emu.org.user_ids() if emu.org.factors(u)][:2]
    for sql in (
        "SELECT count(*) FROM okta.users.users WHERE id = ? COLLATE NOCASE OR id = ?",
        "SELECT count(*) FROM okta.users.factors WHERE userId = ? COLLATE NOCASE OR userId = ?",
    ):
        expected = live.cursor().execute(sql, [a.lower(), b]).fetchall()
        assert snap.cursor().execute(sql, [a.lower(), b]).fetchall() == expected
    assert expected == [(len(emu.org.factors(a)) + len(emu.org.factors(b)),)]
    live.close()
