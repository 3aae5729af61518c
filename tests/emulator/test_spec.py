"""Every response of every operation, errors included, validates against Okta's spec."""

from __future__ import annotations

import requests
from emu_helpers import Api, first_user_with, fresh_user
from emu_spec_check import violations

from okta_dbapi.emulator import Emulator
from okta_dbapi.emulator.validation import SpecValidator

F = "/api/v1/users/{}/factors"


def test_all_operations_and_errors_validate(emu: Emulator, api: Api, spec_validator: SpecValidator) -> None:
    seen: list[tuple[requests.Response, str | None]] = []

    def call(method: str, path: str, factor_type: str | None = None, **kw: object) -> requests.Response:
        r = api(method, path, **kw)  # type: ignore[arg-type]
        seen.append((r, factor_type))
        return r

    uid0 = emu.org.user_ids()[0]
    # users
    call("GET", "/api/v1/users", params={"limit": "3"})
    call("GET", "/api/v1/users", params={"filter": 'status eq "ACTIVE"', "limit": "2"})
    call("GET", "/api/v1/users", params={"search": 'profile.department eq "Sales"'})
    call("GET", "/api/v1/users", params={"q": "a"})
    call("GET", "/api/v1/users", params={"filter": "status eq"})  # 400 (undocumented for listUsers)
    call("GET", f"/api/v1/users/{uid0}")
    call("GET", "/api/v1/users/nobody")
    # every seeded factor kind: list, get, catalog, questions
    for uid in emu.org.user_ids()[:12]:
        call("GET", F.format(uid))
        call("GET", f"{F.format(uid)}/catalog")
        for f in emu.org.factors(uid):
            call("GET", f"{F.format(uid)}/{f['id']}")
    call("GET", f"{F.format(uid0)}/questions")
    call("GET", F.format("00uNOPE"))
    # enroll / activate / resend / verify / unenroll, success and failure
    uid = fresh_user(emu)
    sms = call(
        "POST",
        F.format(uid),
        json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+14155550100"}},
    ).json()
    call("POST", f"{F.format(uid)}/{sms['id']}/resend", json={"factorType": "sms"})
    call("POST", f"{F.format(uid)}/{sms['id']}/resend", json={"factorType": "sms"})  # 429
    call("POST", f"{F.format(uid)}/{sms['id']}/lifecycle/activate", "sms", json={"passCode": "bad"})  # 403
    call(
        "POST",
        f"{F.format(uid)}/{sms['id']}/lifecycle/activate",
        "sms",
        json={"passCode": emu.org.passcode(uid, sms["id"])},
    )
    call("POST", f"{F.format(uid)}/{sms['id']}/verify", "sms")
    call("POST", f"{F.format(uid)}/{sms['id']}/verify", "sms", json={"passCode": emu.org.passcode(uid, sms["id"])})
    totp = call("POST", F.format(uid), json={"factorType": "token:software:totp", "provider": "OKTA"}).json()
    call(
        "POST",
        f"{F.format(uid)}/{totp['id']}/lifecycle/activate",
        "token:software:totp",
        json={"passCode": emu.org.passcode(uid, totp["id"])},
    )
    call("POST", f"{F.format(uid)}/{totp['id']}/verify", "token:software:totp", json={"passCode": "000"})
    call("POST", F.format(uid), json={"factorType": "email", "provider": "OKTA", "profile": {"email": "x@example.com"}})
    call(
        "POST",
        F.format(uid),
        json={
            "factorType": "question",
            "provider": "OKTA",
            "profile": {"question": "first_award", "answer": "spelling bee"},
        },
    )
    push = call("POST", F.format(uid), json={"factorType": "push", "provider": "OKTA"}).json()
    call("POST", f"{F.format(uid)}/{push['id']}/lifecycle/activate", "push")
    wa = call("POST", F.format(uid), json={"factorType": "webauthn", "provider": "FIDO"}).json()
    call(
        "POST",
        f"{F.format(uid)}/{wa['id']}/lifecycle/activate",
        "webauthn",
        json={"attestation": "a", "clientData": "c"},
    )
    call("POST", f"{F.format(uid)}/{wa['id']}/verify", "webauthn")
    call("POST", F.format(uid), json={"factorType": "u2f", "provider": "FIDO"})  # 400 policy
    call("POST", F.format(uid), json={"provider": "OKTA"})  # 400 missing factorType
    call("GET", F.format(uid))
    # push transactions through every state
    puid, pfid = first_user_with(emu, "push")
    for outcome in ("SUCCESS", "REJECTED", "TIMEOUT"):
        w = call("POST", f"{F.format(puid)}/{pfid}/verify", "push", json={"useNumberMatchingChallenge": True})
        tx = w.json()["_links"]["poll"]["href"].split(emu.url, 1)[1]
        call("GET", tx)
        emu.org.set_push_outcome(puid, pfid, outcome)
        call("GET", tx)
    call("GET", f"{F.format(puid)}/{pfid}/transactions/v2mst.none")
    call("DELETE", f"{F.format(puid)}/{pfid}")
    call("DELETE", f"{F.format(puid)}/{pfid}")  # 404
    # auth failure and rate limit on this emulator
    seen.append((requests.get(f"{emu.url}{F.format(uid0)}", headers={"Authorization": "SSWS nope"}), None))

    statuses = {r.status_code for r, _ in seen}
    assert {200, 201, 204, 400, 401, 403, 404, 429} <= statuses
    problems = [v for r, ft in seen for v in violations(spec_validator, r, ft)]
    assert problems == []


def test_rate_limited_and_faulted_responses_validate(spec_validator: SpecValidator) -> None:
    with Emulator(users=3, rate_limit=(1, 60), faults={"error_rate": 1.0}) as emu:
        api = Api(emu)
        uid = emu.org.user_ids()[0]
        r1 = api.get(F.format(uid))
        r2 = api.get(F.format(uid))
        assert r1.status_code in (500, 503) and r2.status_code == 429
        assert violations(spec_validator, r1) == [] and violations(spec_validator, r2) == []


def test_oneof_bodies_are_checked_per_factor_type(emu: Emulator, api: Api, spec_validator: SpecValidator) -> None:
    uid, fid = first_user_with(emu, "question")
    r = api.post(f"{F.format(uid)}/{fid}/verify", json={"answer": "abc"})  # answer has minLength 4
    assert any("body (question)" in v for v in violations(spec_validator, r, "question"))
