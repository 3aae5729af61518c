"""Drive a running Superset through its REST API against an okta database (superset_check.sh).

Steps, each printed as it passes: log in; test the connection URI; register the database; list
schemas, tables and columns; run a SQL Lab query; make a virtual dataset from a SQL Lab query and
query it through /api/v1/chart/data (the path where drivers that cannot see tables inside a
subquery fail with "no such table"), with a time grain and a time-range filter; query a physical
dataset the same way; chart every time grain Superset offers and compare each bucket's count with
buckets computed here from the raw timestamps. Exits non-zero at the first failure, printing what
Superset answered.

Usage: python superset_check.py SUPERSET_URL OKTA_SQLALCHEMY_URI
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

ADMIN = {"username": "admin", "password": "admin", "provider": "db", "refresh": True}


class Check:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        response = self.http.request(method, self.base + path, timeout=120, **kw)
        if response.status_code != expect:
            fail(f"{method} {path} -> HTTP {response.status_code}: {response.text[:2000]}")
        return response.json()

    def login(self) -> None:
        token = self.call("POST", "/api/v1/security/login", json=ADMIN)["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]
        self.http.headers["X-CSRFToken"] = csrf
        self.http.headers["Referer"] = self.base


def step(text: str) -> None:
    print(f"ok   {text}", flush=True)


def fail(text: str) -> None:
    print(f"FAIL {text}", flush=True)
    sys.exit(1)


def chart_data(check: Check, dataset_id: int, query: dict[str, Any]) -> list[dict[str, Any]]:
    body = {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": True,
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
    }
    result = check.call("POST", "/api/v1/chart/data", json=body)["result"][0]
    if result.get("error"):
        fail(f"chart data error: {result['error']}")
    print(f"     SQL: {' '.join(result['query'].split())}")
    return list(result["data"])


def _parse_time(value: Any) -> dt.datetime:
    """A timestamp as Superset's JSON carries it (epoch milliseconds or text), as naive UTC."""
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc).replace(tzinfo=None)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def _floor(seconds: int) -> Callable[[dt.datetime], dt.datetime]:
    def bucket(t: dt.datetime) -> dt.datetime:
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        into_day = int((t - midnight).total_seconds())
        return midnight + dt.timedelta(seconds=into_day - into_day % seconds)

    return bucket


def _days(offset: Callable[[int], int]) -> Callable[[dt.datetime], dt.datetime]:
    """The day of ``t`` moved by ``offset(weekday)`` days (Monday is 0)."""
    return lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=offset(t.weekday()))


# Superset's time grains and the bucket each must put a timestamp in.
GRAINS: dict[str, Callable[[dt.datetime], dt.datetime]] = {
    "PT1S": _floor(1),
    "PT5S": _floor(5),
    "PT30S": _floor(30),
    "PT1M": _floor(60),
    "PT5M": _floor(300),
    "PT10M": _floor(600),
    "PT15M": _floor(900),
    "PT30M": _floor(1800),
    "PT0.5H": _floor(1800),
    "PT1H": _floor(3600),
    "PT6H": _floor(21600),
    "P1D": _floor(86400),
    "P1W": _days(lambda wd: -((wd + 1) % 7)),
    "1969-12-28T00:00:00Z/P1W": _days(lambda wd: -((wd + 1) % 7)),
    "1969-12-29T00:00:00Z/P1W": _days(lambda wd: -wd),
    "P1W/1970-01-03T00:00:00Z": _days(lambda wd: (5 - wd) % 7),
    "P1W/1970-01-04T00:00:00Z": _days(lambda wd: (6 - wd) % 7),
    "P1M": lambda t: dt.datetime(t.year, t.month, 1),
    "P3M": lambda t: dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1),
    "P0.25Y": lambda t: dt.datetime(t.year, 3 * ((t.month - 1) // 3) + 1, 1),
    "P1Y": lambda t: dt.datetime(t.year, 1, 1),
}


def check_every_grain(check: Check, db: int, dataset_id: int) -> None:
    """Chart count(*) by ``created`` at every grain; each bucket's count must match the reference."""
    raw = check.call(
        "POST",
        "/api/v1/sqllab/execute/",
        json={
            "database_id": db,
            "sql": "SELECT created FROM users.factors",
            "runAsync": False,
            "client_id": uuid.uuid4().hex[:10],
        },
    )["data"]
    created = [_parse_time(row["created"]) for row in raw]
    for grain, bucket in GRAINS.items():
        rows = chart_data(
            check,
            dataset_id,
            {
                "columns": [
                    {
                        "timeGrain": grain,
                        "columnType": "BASE_AXIS",
                        "sqlExpression": "created",
                        "label": "created",
                        "expressionType": "SQL",
                    }
                ],
                "metrics": ["count"],
                "row_limit": 50000,
            },
        )
        got = {_parse_time(r["created"]): r["count"] for r in rows}
        expected = Counter(bucket(t) for t in created)
        if got != expected:
            wrong = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))[:5]
            fail(f"grain {grain}: buckets differ, e.g. {[(k, got.get(k), expected.get(k)) for k in wrong]}")
        step(f"grain {grain}: {len(got)} buckets, counts as expected")


def main(base: str, uri: str) -> None:
    check = Check(base)
    check.login()
    step("logged in to Superset")

    check.call("POST", "/api/v1/database/test_connection/", json={"sqlalchemy_uri": uri, "database_name": "okta"})
    step("test_connection accepted the okta URI (do_ping)")

    created = check.call(
        "POST",
        "/api/v1/database/",
        expect=201,
        json={"database_name": "okta", "sqlalchemy_uri": uri, "expose_in_sqllab": True},
    )
    db = created["id"]
    step(f"registered database id={db}")

    schemas = check.call("GET", f"/api/v1/database/{db}/schemas/")["result"]
    if "users" not in schemas:
        fail(f"schemas: {schemas}")
    step(f"schemas: {schemas}")

    q = "(schema_name:users,force:!t)"
    tables = sorted(t["value"] for t in check.call("GET", f"/api/v1/database/{db}/tables/?q={q}")["result"])
    if "factors" not in tables:
        fail(f"tables: {tables}")
    step(f"tables: {tables}")

    meta = check.call("GET", f"/api/v1/database/{db}/table_metadata/?name=factors&schema=users")
    columns = {c["name"]: c["type"] for c in meta["columns"]}
    if "factorType" not in columns or "created" not in columns:
        fail(f"columns: {columns}")
    step(f"columns of users.factors: {columns}")

    sql = 'SELECT "factorType", COUNT(*) AS n FROM okta.users.factors GROUP BY "factorType" ORDER BY n DESC'
    result = check.call(
        "POST",
        "/api/v1/sqllab/execute/",
        json={"database_id": db, "sql": sql, "schema": "users", "runAsync": False, "client_id": uuid.uuid4().hex[:10]},
    )
    if result.get("status") != "success" or not result.get("data"):
        fail(f"SQL Lab: {json.dumps(result)[:2000]}")
    step(f"SQL Lab query returned {len(result['data'])} rows, e.g. {result['data'][0]}")
    print(f"     column types: {[(c['column_name'], c.get('type')) for c in result['columns']]}")

    # "Save dataset" from SQL Lab: a virtual dataset whose SQL Superset wraps as a subquery.
    virtual_sql = 'SELECT "userId", "factorType", status, created, profile FROM users.factors'
    dataset = check.call(
        "POST",
        "/api/v1/dataset/",
        expect=201,
        json={"database": db, "schema": "users", "table_name": "okta_factors_from_sqllab", "sql": virtual_sql},
    )
    virtual_id = dataset["id"]
    step(f"virtual dataset from SQL Lab SQL: id={virtual_id}")
    dataset_columns = check.call("GET", f"/api/v1/dataset/{virtual_id}")["result"]["columns"]
    temporal = [c["column_name"] for c in dataset_columns if c.get("is_dttm")]
    print(f"     dataset columns: {[(c['column_name'], c.get('type')) for c in dataset_columns]}; temporal: {temporal}")

    rows = chart_data(
        check,
        virtual_id,
        {"columns": ["factorType"], "metrics": ["count"], "orderby": [["count", False]], "row_limit": 100},
    )
    if not rows:
        fail("chart data on the virtual dataset returned no rows")
    step(f"chart data (group by factorType) on the virtual dataset: {rows[:3]}...")

    rows = chart_data(
        check,
        virtual_id,
        {
            "columns": [
                {
                    "timeGrain": "P1M",
                    "columnType": "BASE_AXIS",
                    "sqlExpression": "created",
                    "label": "created",
                    "expressionType": "SQL",
                }
            ],
            "metrics": ["count"],
            "filters": [{"col": "created", "op": "TEMPORAL_RANGE", "val": "2000-01-01 : 2100-01-01"}],
            "row_limit": 100,
        },
    )
    if not rows:
        fail("monthly chart data with a time range returned no rows")
    step(f"chart data with a month time grain and a time-range filter: {rows[:3]}...")

    # A narrow time range must select exactly what time arithmetic selects (the filter literals are
    # compared with Okta's ISO 8601 text, so their format matters).
    start, end = "2019-01-01T12:00:00", "2019-01-03T00:00:00"
    rows = chart_data(
        check,
        virtual_id,
        {
            "columns": [],
            "metrics": ["count"],
            "filters": [{"col": "created", "op": "TEMPORAL_RANGE", "val": f"{start} : {end}"}],
            "granularity": "created",
        },
    )
    in_range = rows[0]["count"] if rows else 0
    reference_sql = (
        "SELECT COUNT(*) AS n FROM users.factors "
        f"WHERE julianday(created) >= julianday('{start}') AND julianday(created) < julianday('{end}')"
    )
    reference = check.call(
        "POST",
        "/api/v1/sqllab/execute/",
        json={"database_id": db, "sql": reference_sql, "runAsync": False, "client_id": uuid.uuid4().hex[:10]},
    )["data"][0]["n"]
    if in_range != reference:
        fail(f"time range {start} : {end} counted {in_range} factors; julianday() counts {reference}")
    step(f"time range {start} : {end} selects {in_range} factors, as julianday() arithmetic does")

    check_every_grain(check, db, virtual_id)

    physical = check.call(
        "POST", "/api/v1/dataset/", expect=201, json={"database": db, "schema": "users", "table_name": "factors"}
    )["id"]
    rows = chart_data(check, physical, {"columns": ["status"], "metrics": ["count"], "row_limit": 100})
    if not rows:
        fail("chart data on the physical dataset returned no rows")
    step(f"chart data on the physical dataset users.factors: {rows}")
    print("all Superset checks passed", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
