"""Auth, headers, rate limits, latency, faults and the request log."""

from __future__ import annotations

import time

import pytest
import requests
from emu_helpers import Api, assert_error, first_user_with

from okta_dbapi.emulator import Emulator, Faults


def test_token_shape_and_auth_schemes(emu: Emulator) -> None:
    assert emu.token.startswith("00") and len(emu.token) == 42
    url = f"{emu.url}/api/v1/users?limit=1"
    assert requests.get(url, headers={"Authorization": f"SSWS {emu.token}"}).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {emu.token}"}).status_code == 200
    for headers in ({}, {"Authorization": "SSWS wrong"}, {"Authorization": emu.token}):
        body = assert_error(requests.get(url, headers=headers), 401, "E0000011")
        assert body["errorSummary"] == "Invalid token provided"
    assert emu.token not in repr(emu)


def test_explicit_token() -> None:
    with Emulator(users=1, token="00abc") as emu:
        assert emu.token == "00abc"
        assert requests.get(f"{emu.url}/api/v1/users", headers={"Authorization": "SSWS 00abc"}).ok


def test_every_response_has_okta_headers(emu: Emulator, api: Api) -> None:
    ids = set()
    for r in (api.get("/api/v1/users"), api.get("/api/v1/users/nope"), requests.get(f"{emu.url}/api/v1/users")):
        for h in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "X-Okta-Request-Id"):
            assert h in r.headers, (h, r.status_code)
        ids.add(r.headers["X-Okta-Request-Id"])
        assert r.headers["X-Rate-Limit-Limit"] == "10000"
    assert len(ids) == 3


def test_rate_limit_per_family_with_aligned_window() -> None:
    with Emulator(users=5, rate_limit=(3, 60)) as emu:
        api = Api(emu)
        uid = emu.org.user_ids()[0]
        start = emu.org.clock.now()
        reset = str(int(start // 60 * 60 + 60))
        got = [api.get("/api/v1/users") for _ in range(4)]
        assert [r.status_code for r in got] == [200, 200, 200, 429]
        assert [r.headers["X-Rate-Limit-Remaining"] for r in got] == ["2", "1", "0", "0"]
        assert {r.headers["X-Rate-Limit-Reset"] for r in got} == {reset}
        assert all(r.headers["X-Rate-Limit-Limit"] == "3" for r in got)
        body = assert_error(got[3], 429, "E0000047")
        assert body["errorSummary"] == "API call exceeded rate limit due to too many requests."
        # Okta's buckets: list users, get a user, and the /api/v1/users* catch-all (factor calls).
        for _ in range(3):
            assert api.get(f"/api/v1/users/{uid}").status_code == 200
        assert api.get(f"/api/v1/users/{uid}").status_code == 429
        assert api.get(f"/api/v1/users/{uid}/factors").status_code == 200
        assert api.get(f"/api/v1/users/{uid}/factors/catalog").status_code == 200
        assert api.get(f"/api/v1/users/{uid}/factors/questions").status_code == 200
        assert api.get(f"/api/v1/users/{uid}/factors").status_code == 429  # the same catch-all
        emu.org.clock.advance(60)
        r = api.get("/api/v1/users")
        assert r.status_code == 200 and r.headers["X-Rate-Limit-Remaining"] == "2"
        assert int(r.headers["X-Rate-Limit-Reset"]) == int(reset) + 60


def test_rate_limit_int_means_per_minute() -> None:
    with Emulator(users=1, rate_limit=1) as emu:
        api = Api(emu)
        assert api.get("/api/v1/users").status_code == 200
        r = api.get("/api/v1/users")
        assert r.status_code == 429 and int(r.headers["X-Rate-Limit-Reset"]) % 60 == 0


def test_latency_knob() -> None:
    with Emulator(users=1, latency=0.05) as emu:
        api = Api(emu)
        t = time.perf_counter()
        api.get("/api/v1/users")
        assert time.perf_counter() - t >= 0.05


def test_error_rate_fault_is_deterministic_and_runtime_settable() -> None:
    def statuses(rate: float) -> list[int]:
        with Emulator(users=3, seed=11, faults={"error_rate": rate}) as emu:
            api = Api(emu)
            out = [api.get("/api/v1/users").status_code for _ in range(30)]
            for r in [api.get("/api/v1/users") for _ in range(3)]:
                if r.status_code >= 500:
                    assert r.json()["errorCode"] in ("E0000009", "E0000010")
            emu.faults.error_rate = 0.0
            assert all(api.get("/api/v1/users").status_code == 200 for _ in range(5))
            return out

    a, b = statuses(0.5), statuses(0.5)
    assert a == b and {500, 503} & set(a) and 200 in a
    assert statuses(0.0) == [200] * 30


def test_connection_reset_on_user_page() -> None:
    with Emulator(users=30, seed=2, faults=Faults(reset_on_user_page=2)) as emu:
        api = Api(emu)
        first = api.get("/api/v1/users", params={"limit": "5"})
        nxt = first.links["next"]["url"]
        # The body is cut short and the socket reset: requests raises ChunkedEncodingError
        # ("Connection broken: IncompleteRead") or ConnectionError, depending on timing.
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
            requests.get(nxt, headers={"Authorization": f"SSWS {emu.token}"}, timeout=5)
        again = requests.get(nxt, headers={"Authorization": f"SSWS {emu.token}"}, timeout=5)  # reset_count=1
        assert again.status_code == 200 and len(again.json()) == 5


def test_truncated_body() -> None:
    with Emulator(users=5, faults={"truncate_body_on": r"/factors$"}) as emu:
        api = Api(emu)
        uid = emu.org.user_ids()[1]
        r = api.get(f"/api/v1/users/{uid}/factors")
        with pytest.raises(ValueError):
            r.json()
        assert api.get("/api/v1/users").json()  # other paths untouched
        emu.faults.truncate_body_on = lambda method, path: method == "GET" and path == "/api/v1/users"
        with pytest.raises(ValueError):
            api.get("/api/v1/users").json()


def test_unknown_fault_knob() -> None:
    with pytest.raises(TypeError):
        Emulator(faults={"nope": 1})


def test_request_log(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "sms")
    api.get("/api/v1/users", params={"limit": "2", "q": "a"})
    api.post(f"/api/v1/users/{uid}/factors/{fid}/verify", json={"passCode": "1"})
    entries = emu.log.entries
    assert [e.method for e in entries] == ["GET", "POST"]
    assert entries[0].path == "/api/v1/users" and entries[0].query == {"limit": "2", "q": "a"}
    assert entries[0].status == 200 and entries[1].status == 403 and entries[1].body == {"passCode": "1"}
    assert entries[0].headers["Authorization"] == "REDACTED"
    assert emu.token not in repr(entries)
    assert emu.log.count() == 2 and emu.log.count("get") == 1
    assert emu.log.count(path=r"/api/v1/users/[^/]+/factors/.*") == 1
    assert emu.log.count(method="POST", path=r"/api/v1/users") == 0
    emu.log.clear()
    assert emu.log.entries == [] and emu.log.count() == 0


def test_validate_flag_records_request_violations() -> None:
    with Emulator(users=3, validate=True) as emu:
        api = Api(emu)
        uid = emu.org.user_ids()[0]
        api.get("/api/v1/users")
        api.get(f"/api/v1/users/{uid}/factors")
        assert emu.log.violations == []
        api.get("/api/v1/users", params={"limit": "lots"})  # limit must be an integer
        assert emu.log.violations and all(v.startswith("request") for v in emu.log.violations)


def test_start_stop_without_context_manager() -> None:
    emu = Emulator(users=2)
    with pytest.raises(RuntimeError):
        _ = emu.url
    emu.start()
    try:
        assert emu.url.startswith("http://127.0.0.1:") and not emu.url.endswith("/")
        assert Api(emu).get("/api/v1/users").ok
    finally:
        emu.stop()
    assert not emu.running
