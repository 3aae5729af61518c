"""The 10 UserFactor operations and the factor state machine."""

from __future__ import annotations

import pytest
from emu_helpers import Api, assert_error, first_user_with, fresh_user

from okta_dbapi.emulator import Emulator

F = "/api/v1/users/{}/factors"


def test_list_and_get(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "sms")
    listed = api.get(F.format(uid)).json()
    assert listed == emu.org.factors(uid)
    one = api.get(f"{F.format(uid)}/{fid}").json()
    assert one["id"] == fid and one["factorType"] == "sms" and one["profile"]["phoneNumber"].startswith("+1")
    links = one["_links"]
    assert links["self"]["href"] == f"{emu.url}{F.format(uid)}/{fid}"
    assert links["verify"]["href"].endswith("/verify") and links["user"]["href"] == f"{emu.url}/api/v1/users/{uid}"
    assert one["created"].endswith(".000Z") and len(one["id"]) == 20


def test_seeded_variety(emu: Emulator) -> None:
    kinds, statuses = set(), set()
    for uid in emu.org.user_ids():
        for f in emu.org.factors(uid):
            kinds.add((f["factorType"], f["provider"]))
            statuses.add(f["status"])
    assert {("sms", "OKTA"), ("push", "OKTA"), ("token:software:totp", "GOOGLE"), ("question", "OKTA")} <= kinds
    assert {"ACTIVE", "PENDING_ACTIVATION"} <= statuses
    user_statuses = {emu.org.user(u)["status"] for u in emu.org.user_ids()}
    assert {"ACTIVE", "DEPROVISIONED", "STAGED"} <= user_statuses


def test_unknown_user_and_factor(api: Api, emu: Emulator) -> None:
    body = assert_error(api.get(F.format("00uMISSING")), 404, "E0000007")
    assert body["errorSummary"] == "Not found: Resource not found: 00uMISSING (User)"
    uid = emu.org.user_ids()[0]
    body = assert_error(api.get(f"{F.format(uid)}/smsNOPE"), 404, "E0000007")
    assert body["errorSummary"] == "Not found: Resource not found: smsNOPE (UserFactor)"
    assert_error(api.delete(f"{F.format(uid)}/smsNOPE"), 404, "E0000007")
    assert_error(api.post(f"{F.format(uid)}/smsNOPE/verify"), 404, "E0000007")


def test_catalog_and_questions(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "sms")
    cat = api.get(f"{F.format(uid)}/catalog").json()
    types = {(c["factorType"], c["provider"]) for c in cat}
    assert ("sms", "OKTA") in types and ("token:hardware", "YUBICO") not in types
    sms = next(c for c in cat if c["factorType"] == "sms")
    assert sms["status"] == "ACTIVE" and sms["_embedded"]["phones"][0]["id"] == fid
    assert all(c["_links"]["enroll"]["href"] == f"{emu.url}{F.format(uid)}" for c in cat)
    qs = api.get(f"{F.format(uid)}/questions").json()
    assert {"question": "disliked_food", "questionText": "What is the food you least liked as a child?"} in qs
    assert_error(api.get(f"{F.format('00uX')}/catalog"), 404, "E0000007")
    assert_error(api.get(f"{F.format('00uX')}/questions"), 404, "E0000007")


def test_enroll_sms_activate_verify(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu)
    r = api.post(
        F.format(uid), json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+1-555-415-1337"}}
    )
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["status"] == "PENDING_ACTIVATION" and f["profile"]["phoneNumber"] == "+15554151337"
    assert f["id"].startswith("sms") and {"activate", "resend", "self", "user"} <= set(f["_links"])
    code = emu.org.passcode(uid, f["id"])
    act = f"{F.format(uid)}/{f['id']}/lifecycle/activate"
    assert_error(api.post(act, json={"passCode": "000000" if code != "000000" else "111111"}), 403, "E0000068")
    assert_error(api.post(act, json={}), 400, "E0000001")
    r = api.post(act, json={"passCode": code})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE" and "verify" in r.json()["_links"]
    assert_error(api.post(act, json={"passCode": code}), 400, "E0000001")  # already active
    verify = f"{F.format(uid)}/{f['id']}/verify"
    ch = api.post(verify)
    assert ch.json()["factorResult"] == "CHALLENGE" and ch.json()["profile"]["phoneNumber"] == "+15554151337"
    assert api.post(verify, json={"passCode": code}).json() == {"factorResult": "SUCCESS"}
    assert_error(api.post(verify, json={"passCode": "x"}), 403, "E0000068")


@pytest.mark.parametrize("ftype", ["sms", "call", "email"])
def test_enroll_activate_true(emu: Emulator, api: Api, ftype: str) -> None:
    uid = fresh_user(emu)
    profile = {"email": "t@example.com"} if ftype == "email" else {"phoneNumber": "+14155550100"}
    r = api.post(
        F.format(uid), params={"activate": "true"}, json={"factorType": ftype, "provider": "OKTA", "profile": profile}
    )
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE", r.text


def test_enroll_totp_question_push_webauthn_hotp(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu)
    totp = api.post(F.format(uid), json={"factorType": "token:software:totp", "provider": "GOOGLE"}).json()
    assert totp["status"] == "PENDING_ACTIVATION" and totp["_embedded"]["activation"]["encoding"] == "base32"
    r = api.post(
        f"{F.format(uid)}/{totp['id']}/lifecycle/activate", json={"passCode": emu.org.passcode(uid, totp["id"])}
    )
    assert r.json()["status"] == "ACTIVE"
    assert api.post(
        f"{F.format(uid)}/{totp['id']}/verify", json={"passCode": emu.org.passcode(uid, totp["id"])}
    ).json() == {"factorResult": "SUCCESS"}
    assert_error(api.post(f"{F.format(uid)}/{totp['id']}/verify", json={}), 400, "E0000001")

    q = api.post(
        F.format(uid),
        json={
            "factorType": "question",
            "provider": "OKTA",
            "profile": {"question": "disliked_food", "answer": "mayonnaise"},
        },
    ).json()
    assert q["status"] == "ACTIVE" and "answer" not in q["profile"] and q["profile"]["questionText"]
    assert emu.org.passcode(uid, q["id"]) == "mayonnaise"
    assert (
        api.post(f"{F.format(uid)}/{q['id']}/verify", json={"answer": "Mayonnaise"}).json()["factorResult"] == "SUCCESS"
    )
    assert_error(api.post(f"{F.format(uid)}/{q['id']}/verify", json={"answer": "ketchup"}), 403, "E0000068")
    assert_error(
        api.post(F.format(uid), json={"factorType": "question", "profile": {"question": "nope", "answer": "abcd"}}),
        400,
        "E0000001",
    )

    push = api.post(F.format(uid), json={"factorType": "push", "provider": "OKTA"}).json()
    assert push["status"] == "PENDING_ACTIVATION"
    assert api.post(f"{F.format(uid)}/{push['id']}/lifecycle/activate").json()["status"] == "ACTIVE"

    wa = api.post(F.format(uid), json={"factorType": "webauthn", "provider": "FIDO"}).json()
    act = f"{F.format(uid)}/{wa['id']}/lifecycle/activate"
    assert_error(api.post(act, json={"clientData": "x"}), 400, "E0000001")
    assert api.post(act, json={"attestation": "a", "clientData": "c"}).json()["status"] == "ACTIVE"
    ver = f"{F.format(uid)}/{wa['id']}/verify"
    assert api.post(ver).json()["factorResult"] == "CHALLENGE"
    assert (
        api.post(ver, json={"clientData": "c", "authenticatorData": "a", "signatureData": "s"}).json()["factorResult"]
        == "SUCCESS"
    )

    hotp = api.post(
        F.format(uid),
        json={
            "factorType": "token:hotp",
            "provider": "CUSTOM",
            "factorProfileId": "fpr1",
            "profile": {"sharedSecret": "abc"},
        },
    ).json()
    assert hotp["status"] == "ACTIVE"


def test_email_and_call_challenge(emu: Emulator, api: Api) -> None:
    uid = fresh_user(
        emu,
        factors=[
            {"factorType": "email", "provider": "OKTA", "status": "ACTIVE", "profile": {"email": "a@example.com"}},
            {"factorType": "call", "provider": "OKTA", "status": "ACTIVE", "profile": {"phoneNumber": "+14155550111"}},
        ],
    )
    for f in emu.org.factors(uid):
        verify = f"{F.format(uid)}/{f['id']}/verify"
        assert api.post(verify).json()["factorResult"] == "CHALLENGE"
        assert api.post(verify, json={"passCode": emu.org.passcode(uid, f["id"])}).json()["factorResult"] == "SUCCESS"


def test_verify_pending_factor_is_rejected(emu: Emulator, api: Api) -> None:
    uid = fresh_user(
        emu,
        factors=[
            {
                "factorType": "sms",
                "provider": "OKTA",
                "status": "PENDING_ACTIVATION",
                "profile": {"phoneNumber": "+14155550111"},
            }
        ],
    )
    fid = emu.org.factors(uid)[0]["id"]
    assert_error(api.post(f"{F.format(uid)}/{fid}/verify"), 400, "E0000001")


def test_push_transaction_default_rule_is_deterministic(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    r = api.post(f"{F.format(uid)}/{fid}/verify")
    assert r.status_code == 201 and r.json()["factorResult"] == "WAITING"
    poll = r.json()["_links"]["poll"]["href"]
    assert poll.startswith(f"{emu.url}{F.format(uid)}/{fid}/transactions/v2mst.")
    results = [api.s.get(poll).json()["factorResult"] for _ in range(6)]
    assert results[0] == "WAITING" and results[-1] in ("SUCCESS", "REJECTED", "TIMEOUT")
    n_wait = results.count("WAITING")
    assert 1 <= n_wait <= 3 and results[n_wait:] == [results[-1]] * (6 - n_wait)
    with Emulator(users=40, seed=7) as again:  # same seed, same transaction -> same story
        a2 = Api(again)
        poll2 = a2.post(f"{F.format(uid)}/{fid}/verify").json()["_links"]["poll"]["href"]
        assert poll2.rsplit("/", 1)[1] == poll.rsplit("/", 1)[1]
        assert [a2.s.get(poll2).json()["factorResult"] for _ in range(6)] == results


@pytest.mark.parametrize("outcome", ["SUCCESS", "REJECTED", "TIMEOUT"])
def test_push_forced_outcome(emu: Emulator, api: Api, outcome: str) -> None:
    uid, fid = first_user_with(emu, "push")
    poll = api.post(f"{F.format(uid)}/{fid}/verify").json()["_links"]["poll"]["href"]
    emu.org.set_push_outcome(uid, fid, outcome)
    body = api.s.get(poll).json()
    assert body["factorResult"] == outcome
    if outcome != "SUCCESS":
        assert body["_links"]["verify"]["href"].endswith(f"{fid}/verify")
    poll2 = api.post(f"{F.format(uid)}/{fid}/verify").json()["_links"]["poll"]["href"]
    assert api.s.get(poll2).json()["factorResult"] == outcome


def test_push_number_matching_and_expiry(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    r = api.post(f"{F.format(uid)}/{fid}/verify", json={"useNumberMatchingChallenge": True})
    assert r.status_code == 201 and 10 <= r.json()["_embedded"]["challenge"]["correctAnswer"] <= 99
    emu.org.clock.advance(301)
    assert api.s.get(r.json()["_links"]["poll"]["href"]).json()["factorResult"] == "TIMEOUT"
    assert_error(api.get(f"{F.format(uid)}/{fid}/transactions/v2mst.nope"), 404, "E0000007")


def test_unenroll_push_removes_okta_totp(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "push")
    assert any(f["factorType"] == "token:software:totp" and f["provider"] == "OKTA" for f in emu.org.factors(uid))
    r = api.delete(f"{F.format(uid)}/{fid}")
    assert r.status_code == 204 and r.content == b""
    left = emu.org.factors(uid)
    assert not any(
        f["factorType"] in ("push",) or (f["factorType"], f["provider"]) == ("token:software:totp", "OKTA")
        for f in left
    )
    assert_error(api.get(f"{F.format(uid)}/{fid}"), 404, "E0000007")


def test_unenroll_remove_recovery_enrollment(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "sms")
    assert api.delete(f"{F.format(uid)}/{fid}", params={"removeRecoveryEnrollment": "true"}).status_code == 204
    assert fid not in [f["id"] for f in emu.org.factors(uid)]
    uid2, fid2 = first_user_with(emu, "email")
    assert_error(api.delete(f"{F.format(uid2)}/{fid2}", params={"removeRecoveryEnrollment": "maybe"}), 400, "E0000001")


def test_phone_rules(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu)
    body = {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+14155550100"}}
    f = api.post(F.format(uid), params={"activate": "true"}, json=body).json()
    other = {"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+14155550199"}}
    err = assert_error(api.post(F.format(uid), json=other), 400, "E0000001")
    assert err["errorCauses"] == [{"errorSummary": "There is an existing verified phone number."}]
    r = api.post(F.format(uid), params={"updatePhone": "true"}, json=other)
    assert r.status_code == 200 and r.json()["id"] == f["id"] and r.json()["profile"]["phoneNumber"] == "+14155550199"
    assert_error(
        api.post(F.format(uid), json={"factorType": "sms", "profile": {"phoneNumber": "555"}}), 400, "E0000001"
    )


def test_enroll_errors(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu, factors=[{"factorType": "email", "provider": "OKTA", "profile": {"email": "a@example.com"}}])
    assert_error(api.post(F.format(uid), json={"provider": "OKTA"}), 400, "E0000001")  # missing factorType
    assert_error(api.post(F.format(uid), json={"factorType": "carrier-pigeon"}), 400, "E0000001")
    assert_error(api.post(F.format(uid), json={"factorType": "sms", "provider": "GOOGLE"}), 400, "E0000001")
    err = assert_error(api.post(F.format(uid), json={"factorType": "email", "provider": "OKTA"}), 400, "E0000001")
    assert err["errorCauses"] == [{"errorSummary": "A factor of this type is already set up."}]
    for ftype, prov in (("token:hardware", "YUBICO"), ("u2f", "FIDO")):
        err = assert_error(api.post(F.format(uid), json={"factorType": ftype, "provider": prov}), 400, "E0000001")
        assert "Multifactor policy" in err["errorCauses"][0]["errorSummary"]
    assert_error(api.post(F.format(uid), json={"factorType": "signed_nonce", "provider": "OKTA"}), 400, "E0000001")
    assert_error(
        api.post(F.format(uid), data=b"{not json", headers={"Content-Type": "application/json"}), 400, "E0000003"
    )
    assert_error(api.post(F.format("00uNOPE"), json={"factorType": "email"}), 404, "E0000007")


def test_deprovisioned_user_cannot_change_factors(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu, status="DEPROVISIONED", factors=[{"factorType": "email", "provider": "OKTA"}])
    fid = emu.org.factors(uid)[0]["id"]
    assert api.get(F.format(uid)).status_code == 200
    assert_error(api.delete(f"{F.format(uid)}/{fid}"), 403, "E0000006")
    assert_error(api.post(F.format(uid), json={"factorType": "question"}), 403, "E0000006")


def test_resend_limit_uses_injectable_clock(emu: Emulator, api: Api) -> None:
    uid = fresh_user(emu)
    f = api.post(
        F.format(uid), json={"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+14155550100"}}
    ).json()
    resend = f"{F.format(uid)}/{f['id']}/resend"
    r = api.post(resend, json={"factorType": "sms"})
    assert r.status_code == 200 and r.json()["id"] == f["id"]
    err = assert_error(api.post(resend, json={"factorType": "sms"}), 429, "E0000047")
    assert err["errorSummary"] == "API call exceeded rate limit due to too many requests."
    emu.org.clock.advance(31)
    assert api.post(resend, json={"factorType": "sms"}).status_code == 200
    assert_error(api.post(resend, json={"factorType": "call"}), 400, "E0000001")
    assert_error(api.post(resend, json={}), 400, "E0000001")


def test_resend_errors(emu: Emulator, api: Api) -> None:
    uid, fid = first_user_with(emu, "sms")  # ACTIVE: nothing to resend
    assert_error(api.post(f"{F.format(uid)}/{fid}/resend", json={"factorType": "sms"}), 400, "E0000001")
    assert_error(api.post(f"{F.format(uid)}/nope/resend", json={"factorType": "sms"}), 404, "E0000007")


def test_method_not_allowed_and_unknown_path(emu: Emulator, api: Api) -> None:
    uid = emu.org.user_ids()[0]
    assert_error(api("PUT", F.format(uid)), 405, "E0000022")
    assert_error(api.get("/api/v1/groups"), 404, "E0000007")


def test_add_factor_and_org_hooks(emu: Emulator) -> None:
    uid = fresh_user(emu)
    f = emu.org.add_factor(
        uid, {"factorType": "sms", "provider": "OKTA", "status": "ACTIVE", "profile": {"phoneNumber": "+14155550123"}}
    )
    assert emu.org.factors(uid) == [f] and f["_links"]["self"]["href"].startswith(emu.url)
    assert len(emu.org.passcode(uid, f["id"])) == 6
    with pytest.raises(KeyError):
        emu.org.factors("00uNOPE")
    with pytest.raises(ValueError):
        emu.org.set_push_outcome(uid, f["id"], "MAYBE")
