"""The emulator models Okta's limits: the concurrent limit, the endpoint families, and links that
point where the client reached the org (a proxy's Host / X-Forwarded-Host)."""

from __future__ import annotations

import threading
import time

import requests
from emu_helpers import Api, assert_error

from okta_dbapi.emulator import Emulator


def test_concurrent_limit_answers_429_with_the_concurrent_values() -> None:
    with Emulator(users=3, latency=0.5, concurrent_limit=2) as emu:
        api = Api(emu)
        statuses: list[int] = []

        def one() -> None:
            statuses.append(api.get("/api/v1/users").status_code)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while emu.concurrency.in_flight < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emu.concurrency.in_flight == 2
        over = api.get("/api/v1/users/whoever/factors")  # any family: the limit is the org's
        for t in threads:
            t.join()
        body = assert_error(over, 429, "E0000047")
        assert "concurrent" in body["errorCauses"][0]["errorSummary"]
        assert over.headers["X-Rate-Limit-Limit"] == "2"
        assert over.headers["X-Rate-Limit-Remaining"] == "0"
        assert int(over.headers["X-Rate-Limit-Reset"]) >= emu.org.clock.now() + 30  # an estimate only
        assert statuses == [200, 200]
        assert emu.concurrency.peak == 2 and emu.concurrency.rejected == 1
        # The window's own headers are back on the next answer.
        assert api.get("/api/v1/users").headers["X-Rate-Limit-Limit"] == "10000"


def test_families_are_oktas_buckets() -> None:
    from okta_dbapi.emulator.routes import family_of

    assert family_of("GET", "/api/v1/users") == "/api/v1/users"
    assert family_of("GET", "/api/v1/users/00u1") == "/api/v1/users/{id}"
    assert family_of("GET", "/api/v1/users/00u1/factors") == "/api/v1/users*"
    assert family_of("DELETE", "/api/v1/users/00u1/factors/f1") == "/api/v1/users*"
    assert family_of("POST", "/api/v1/users") == "/api/v1/users*"
    assert family_of("GET", "/api/v1/logs") == "/api/v1/logs"
    assert family_of("GET", "/api/v1/groups") == "other"


def test_links_follow_the_host_the_client_used() -> None:
    with Emulator(users=5) as emu:
        url = f"{emu.url}/api/v1/users?limit=2"
        auth = {"Authorization": f"SSWS {emu.token}"}
        direct = requests.get(url, headers=auth)
        assert direct.links["next"]["url"].startswith(f"{emu.url}/api/v1/users?")
        proxied = requests.get(
            url, headers={**auth, "X-Forwarded-Host": "okta.example.com", "X-Forwarded-Proto": "https"}
        )
        assert proxied.links["next"]["url"].startswith("https://okta.example.com/api/v1/users?after=")
        assert proxied.links["self"]["url"].startswith("https://okta.example.com/api/v1/users")
        host_only = requests.get(url, headers={**auth, "Host": "localhost:1234"})
        assert host_only.links["next"]["url"].startswith("http://localhost:1234/api/v1/users?after=")
