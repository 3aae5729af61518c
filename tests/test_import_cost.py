"""``import okta_dbapi`` stays cheap: the HTTP stack (requests) and the SQL parser (sqlglot) load
when a connection is made, not with the module (they were about 0.2 s of a 0.3 s import)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlglot", "requests", "urllib3", "yaml", "sqlite3", "concurrent.futures")


def loaded_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return set(json.loads(out.stdout))


def test_importing_the_module_loads_neither_requests_nor_sqlglot() -> None:
    loaded = loaded_after("import okta_dbapi")
    assert sorted(m for m in HEAVY if m in loaded) == []
    # ...and the PEP 249 face is all there.
    assert {"okta_dbapi.connection", "okta_dbapi.cursor", "okta_dbapi.exceptions", "okta_dbapi.types"} <= loaded


def test_connecting_loads_the_http_side_and_a_statement_the_sql_side() -> None:
    code = "import okta_dbapi\nconn = okta_dbapi.connect(org_url='http://127.0.0.1:9', token='00x')"
    assert "requests" in loaded_after(code)
    statement = "\ntry:\n    conn.cursor().execute('SELEC')\nexcept okta_dbapi.Error:\n    pass"
    assert "sqlglot" in loaded_after(code + statement)
