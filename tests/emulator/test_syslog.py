"""The System Log (GET /api/v1/logs) over real HTTP: events per change, polling, bounded queries,
filters, its own rate-limit bucket; every response is checked against the spec (fixture)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from emu_helpers import Api, assert_error, first_user_with, fresh_user

from okta_dbapi.emulator import Emulator


def poll(api: Api, url: str | None = None, **params: Any) -> tuple[list[dict[str, Any]], str]:
    r = api.s.get(url, timeout=10) if url else api.get("/api/v1/logs", params=params)
    assert r.status_code == 200, r.text
    assert "self" in r.links
    return r.json(), r.links["next"]["url"]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["eventType"] for e in events]


def test_factor_api_calls_record_factor_events(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu)
    r = api.post(
        f"/api/v1/users/{uid}/factors",
        json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15551230000"}},
    )
    fid = r.json()["id"]
    api.post(f"/api/v1/users/{uid}/factors/{fid}/lifecycle/activate", json={"passCode": emu.org.passcode(uid, fid)})
    assert api.delete(f"/api/v1/users/{uid}/factors/{fid}").status_code == 204
    events, _ = poll(api, filter=f'target.id eq "{uid}"')
    assert types(events) == [
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "user.mfa.factor.update",  # enrolled, waiting for activation
        "user.mfa.factor.activate",
        "user.mfa.factor.deactivate",
    ]
    factor_events = events[2:]
    for e in factor_events:
        user, factor = e["target"]
        assert user == {
            "id": uid,
            "type": "User",
            "alternateId": "test.user@example.com",
            "displayName": "Test User",
            "detailEntry": None,
        }
        assert factor["id"] == fid and factor["type"] == "AuthenticatorEnrollment"
        assert e["outcome"]["result"] == "SUCCESS" and e["actor"]["type"] == "User"
    assert len({e["uuid"] for e in events}) == len(events)


def test_changes_made_elsewhere_record_their_events(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    org = emu.org
    org.suspend_factor(uid, fid)
    org.unsuspend_factor(uid, fid)
    org.reset_factors(uid)
    org.update_profile(uid, title="Boss")
    org.delete_user(uid)
    events, _ = poll(api)
    assert types(events) == [
        "user.mfa.factor.suspend",
        "user.mfa.factor.unsuspend",
        "user.mfa.factor.reset_all",
        "user.account.update_profile",
        "user.lifecycle.deactivate",
        "user.lifecycle.delete.initiated",
        "user.lifecycle.delete.completed",
    ]
    assert [t["type"] for t in events[0]["target"]] == ["User", "AuthenticatorEnrollment"]
    assert [t["type"] for t in events[2]["target"]] == ["User"]
    assert_error(api.get(f"/api/v1/users/{uid}"), 404, "E0000007")
    assert uid not in org.user_ids()
    listed = api.get("/api/v1/users", params={"filter": 'status eq "DEPROVISIONED"'}).json()
    assert uid not in [u["id"] for u in listed]


def test_deactivation_bumps_last_updated_and_factor_changes_do_not(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    before = api.get(f"/api/v1/users/{uid}").json()
    emu.org.clock.advance(5)
    emu.org.unenroll_factor(uid, fid)
    assert api.get(f"/api/v1/users/{uid}").json()["lastUpdated"] == before["lastUpdated"]
    emu.org.deactivate_user(uid)
    after = api.get(f"/api/v1/users/{uid}").json()
    assert after["status"] == "DEPROVISIONED" and after["lastUpdated"] > before["lastUpdated"]
    found = api.get("/api/v1/users", params={"filter": f'lastUpdated gt "{before["lastUpdated"]}"'}).json()
    assert uid in [u["id"] for u in found]


def test_polling_always_has_a_next_link_and_resumes_after_the_cursor(emu: Emulator, api: Api) -> None:
    events, nxt = poll(api)
    assert events == []
    uid = fresh_user(emu)
    events, nxt = poll(api, nxt)
    assert types(events) == ["user.lifecycle.create", "user.lifecycle.activate"]
    events, nxt2 = poll(api, nxt)
    assert events == [] and "since=" not in nxt2
    emu.org.suspend_user(uid)
    events, _ = poll(api, nxt2)
    assert types(events) == ["user.lifecycle.suspend"]


def test_polling_pages_by_limit(emu: Emulator, api: Api) -> None:
    for n in range(5):
        fresh_user(emu, login=f"u{n}@example.com")
    seen: list[dict[str, Any]] = []
    page, nxt = poll(api, limit=3)
    while page:
        assert len(page) <= 3
        seen += page
        page, nxt = poll(api, nxt)
    assert len(seen) == 10 and len({e["uuid"] for e in seen}) == 10


def test_unlogged_changes_record_nothing(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    with emu.org.syslog.unlogged():
        emu.org.unenroll_factor(uid, fid)
    assert poll(api)[0] == []
    assert fid not in [f["id"] for f in api.get(f"/api/v1/users/{uid}/factors").json()]


def test_late_events_appear_later_in_persistence_order(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    _, nxt = poll(api)
    with emu.org.syslog.late(10):
        emu.org.suspend_factor(uid, fid)
    emu.org.clock.advance(1)
    emu.org.update_profile(uid, title="Now")
    events, nxt = poll(api, nxt)
    assert types(events) == ["user.account.update_profile"]
    emu.org.clock.advance(10)
    events, _ = poll(api, nxt)
    assert types(events) == ["user.mfa.factor.suspend"]  # published earlier, persisted later


def test_bounded_queries_end_and_sort_by_published(emu: Emulator, api: Api) -> None:
    for n in range(3):
        fresh_user(emu, login=f"b{n}@example.com", status="STAGED")
        emu.org.clock.advance(1)
    now = emu.org.clock.now()
    params = {"since": "2000-01-01T00:00:00Z", "until": _iso(now + 1), "limit": 2}
    r = api.get("/api/v1/logs", params=params)
    assert len(r.json()) == 2 and "next" in r.links
    r2 = api.s.get(r.links["next"]["url"], timeout=10)
    assert len(r2.json()) == 1 and "next" not in r2.links
    desc = api.get("/api/v1/logs", params={"sortOrder": "DESCENDING"}).json()
    assert [e["target"][0]["alternateId"] for e in desc] == ["b2@example.com", "b1@example.com", "b0@example.com"]
    assert (
        api.get("/api/v1/logs", params={"since": _iso(now - 1.5), "until": _iso(now + 1)}).json()[0]["target"][0][
            "alternateId"
        ]
        == "b2@example.com"
    )


def test_filters_and_keywords(emu: Emulator, api: Api) -> None:
    a, b = fresh_user(emu, login="a@example.com"), fresh_user(emu, login="b@example.com")
    emu.org.suspend_user(a)
    emu.org.deactivate_user(b)
    f = 'eventType eq "user.lifecycle.suspend" or eventType eq "user.lifecycle.deactivate"'
    assert types(poll(api, filter=f)[0]) == ["user.lifecycle.suspend", "user.lifecycle.deactivate"]
    assert types(poll(api, filter=f'target.id eq "{b}" and eventType sw "user.lifecycle.d"')[0]) == [
        "user.lifecycle.deactivate"
    ]
    assert len(poll(api, filter='not (eventType ew ".create")')[0]) == 4
    assert types(poll(api, q="SUSPEND a@example")[0]) == ["user.lifecycle.suspend"]
    for bad in ('published gt "2020-01-01T00:00:00Z"', "eventType eq", 'eventType zz "x"', "(eventType pr"):
        assert_error(api.get("/api/v1/logs", params={"filter": bad}), 400, "E0000053")
    assert_error(api.get("/api/v1/logs", params={"since": "2020-01-01T00:00:00Z", "after": "1_1"}), 400, "E0000001")
    assert_error(api.get("/api/v1/logs", params={"after": "garbage"}), 400, "E0000001")
    assert_error(api.get("/api/v1/logs", params={"q": "x" * 41}), 400, "E0000001")
    assert_error(api.get("/api/v1/logs", params={"sortOrder": "SIDEWAYS"}), 400, "E0000001")


def test_logs_have_their_own_bucket() -> None:
    with Emulator(users=3, rate_limit=(100, 60.0), logs_rate_limit=(2, 60.0)) as emu:
        s = requests.Session()
        s.headers["Authorization"] = f"SSWS {emu.token}"
        got = [s.get(emu.url + "/api/v1/logs", timeout=10) for _ in range(3)]
        assert [r.status_code for r in got] == [200, 200, 429]
        assert got[0].headers["X-Rate-Limit-Limit"] == "2" and got[2].json()["errorCode"] == "E0000047"
        users = s.get(emu.url + "/api/v1/users", timeout=10)
        assert users.status_code == 200 and users.headers["X-Rate-Limit-Remaining"] == "99"
    with Emulator(users=1) as emu:
        r = requests.get(emu.url + "/api/v1/logs", headers={"Authorization": f"SSWS {emu.token}"}, timeout=10)
        assert r.headers["X-Rate-Limit-Limit"] == "120"  # Okta's example bucket for /api/v1/logs


@pytest.mark.parametrize("limit", ["-1", "ten"])
def test_bad_limit(api: Api, limit: str) -> None:
    assert_error(api.get("/api/v1/logs", params={"limit": limit}), 400, "E0000001")


def _iso(ts: float) -> str:
    from okta_dbapi.emulator.ids import iso

    return iso(ts)


def test_bounded_paging_keeps_its_since(emu: Emulator, api: Api) -> None:
    for n in range(3):
        fresh_user(emu, login=f"old{n}@example.com", status="STAGED")
    emu.org.clock.advance(8 * 86400)  # older than the default 7-day window, inside the 90-day retention
    assert api.get("/api/v1/logs", params={"sortOrder": "DESCENDING"}).json() == []
    params = {"since": "2000-01-01T00:00:00Z", "until": _iso(emu.org.clock.now()), "limit": 1}
    r = api.get("/api/v1/logs", params=params)
    seen = list(r.json())
    while "next" in r.links:
        assert "since=" not in r.links["next"]["url"]
        r = api.s.get(r.links["next"]["url"], timeout=10)
        seen += r.json()
    assert [e["target"][0]["alternateId"] for e in seen] == [f"old{n}@example.com" for n in range(3)]
