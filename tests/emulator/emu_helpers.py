"""Shared helpers for the emulator tests (imported by the test modules)."""

from __future__ import annotations

from typing import Any

import requests

from okta_dbapi.emulator import Emulator


class Api:
    """A thin authenticated client for the tests."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"SSWS {emu.token}"

    def __call__(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.s.request(method, self.emu.url + path, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self("DELETE", path, **kw)


def first_user_with(
    emu: Emulator, factor_type: str, status: str = "ACTIVE", provider: str | None = None
) -> tuple[str, str]:
    """(userId, factorId) of the first non-deprovisioned user holding such a factor."""
    for uid in emu.org.user_ids(include_deprovisioned=False):
        for f in emu.org.factors(uid):
            if f["factorType"] == factor_type and f["status"] == status and provider in (None, f["provider"]):
                return uid, f["id"]
    raise LookupError(f"no user with a {status} {factor_type} factor")


def fresh_user(emu: Emulator, login: str = "test.user@example.com", **kw: Any) -> str:
    return str(emu.org.add_user({"login": login, "firstName": "Test", "lastName": "User"}, **kw)["id"])


def assert_error(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["errorCode"] == code, body
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
    assert body["errorLink"] == code and body["errorId"].startswith("oae")
    return body
