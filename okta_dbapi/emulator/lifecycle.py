"""The UserFactor operations: enroll, activate, verify, resend, unenroll, catalog, push transactions.

Choices where Okta's docs are silent (documented behaviour of the emulator):

* A factorType outside the emulator's default enrollment policy (token:hardware, u2f, token, web)
  -> 400 E0000001 "Api validation failed: factorEnrollRequest", cause "Factor not allowed for the
  user based on the Multifactor policy." (what Okta answers). signed_nonce -> 400 E0000001 too.
* Enrolling a (factorType, provider) the user already has -> 400 E0000001, cause "A factor of this
  type is already set up." (a PENDING_ACTIVATION sms/call with the same phone is returned as is).
* A missing ``provider`` is accepted when the factorType has a single provider.
* Activating a factor that isn't PENDING_ACTIVATION, verifying one that isn't ACTIVE, or resending
  for one that isn't PENDING_ACTIVATION -> 400 E0000001 with a cause saying so.
* Mutations on a DEPROVISIONED user -> 403 E0000006 (Okta: "You can't unenroll a factor from a
  deactivated user").
* A passcode is checked whenever one is sent (no prior challenge needed); see Org.passcode().
* Resend: one sms/call resend per factor per 30 s (org clock) -> 429 E0000047. The enrolment OTP
  itself doesn't count (gentler than Okta). Push activation needs no body.
"""

from __future__ import annotations

import re
from typing import Any

from . import catalog
from .errors import OktaError, forbidden, invalid_passcode, not_found, rate_limited, validation_failed
from .factor import Factor, factor_url, render
from .ids import digest, iso, rand_chars
from .org import PUSH_TTL, Org, Transaction
from .seed import answer_for, base32_secret, passcode_for

RESEND_INTERVAL = 30.0
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")

Result = tuple[int, Any]


def _truthy(query: dict[str, str], name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    low = value.lower()
    if low not in ("true", "false"):
        raise validation_failed(name, f"{name}: '{value}' is not a valid boolean")
    return low == "true"


def normalise_phone(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise validation_failed("factorEnrollRequest", "phoneNumber: Phone number is required.")
    digits = "+" + re.sub(r"\D", "", raw)
    if not raw.strip().startswith("+") or not _E164.match(digits):
        raise validation_failed("factorEnrollRequest", "phoneNumber: Invalid Phone Number.")
    return digits


class FactorApi:
    def __init__(self, org: Org) -> None:
        self.org = org

    # -- helpers -----------------------------------------------------------------------------
    def _user(self, user_id: str, mutating: bool = False) -> tuple[int, str]:
        i = self.org.require_user(user_id)
        if mutating and self.org.user_status(i) == "DEPROVISIONED":
            raise forbidden("The user is deactivated; factors of a deactivated user can't be changed.")
        return i, self.org.user_record(i)["id"]

    def _touch(self, f: Factor) -> None:
        f.last_updated = self.org.clock.now()

    # -- reads -------------------------------------------------------------------------------
    def list_factors(self, base: str, user_id: str) -> Result:
        with self.org.lock:
            i, uid = self._user(user_id)
            return 200, [render(f, base, uid) for f in self.org.factor_list(i)]

    def get_factor(self, base: str, user_id: str, factor_id: str) -> Result:
        with self.org.lock:
            i, uid = self._user(user_id)
            return 200, render(self.org.find_factor(i, factor_id), base, uid)

    def questions(self, base: str, user_id: str) -> Result:
        with self.org.lock:
            self._user(user_id)
        return 200, [{"question": q, "questionText": t} for q, t in catalog.SECURITY_QUESTIONS.items()]

    def catalog(self, base: str, user_id: str) -> Result:
        with self.org.lock:
            i, uid = self._user(user_id)
            enrolled = {(f.factor_type, f.provider): f for f in self.org.factor_list(i)}
        enroll_href = f"{base}/api/v1/users/{uid}/factors"
        out = []
        for k in catalog.KINDS:
            if not k.allowed:
                continue
            f = enrolled.get((k.factor_type, k.provider))
            item: dict[str, Any] = {
                "factorType": k.factor_type,
                "provider": k.provider,
                "vendorName": k.vendor,
                "status": f.status if f else "NOT_SETUP",
                "enrollment": "OPTIONAL",
                "_links": {"enroll": {"href": enroll_href, "hints": {"allow": ["POST"]}}},
            }
            if k.factor_type == "question":
                item["_links"]["questions"] = {"href": f"{enroll_href}/questions", "hints": {"allow": ["GET"]}}
            if k.factor_type == "sms" and f is not None:
                phone = {"id": f.id, "profile": {"phoneNumber": f.profile.get("phoneNumber")}, "status": f.status}
                item["_embedded"] = {"phones": [phone]}
            out.append(item)
        return 200, out

    # -- enroll ------------------------------------------------------------------------------
    def enroll(self, base: str, user_id: str, query: dict[str, str], body: Any) -> Result:
        if not isinstance(body, dict):
            raise validation_failed("factorEnrollRequest", "The request body must be a JSON object.")
        ft = body.get("factorType")
        if not ft:
            raise validation_failed("factorType", "factorType: The field cannot be left blank")
        if ft not in catalog.FACTOR_TYPES:
            raise validation_failed("factorType", f"factorType: '{ft}' is not a valid factor type")
        if ft == "signed_nonce":
            raise validation_failed(
                "factorEnrollRequest", "signed_nonce (Okta FastPass) can't be enrolled with the Factors API."
            )
        provider = body.get("provider")
        providers = catalog.providers_of(ft)
        if provider is None and len(providers) != 1:
            raise validation_failed("provider", f"provider: The field cannot be left blank (one of {providers})")
        k = catalog.kind(ft, provider)
        if k is None:
            raise validation_failed("provider", f"provider: '{provider}' is not a valid provider for {ft}")
        activate = _truthy(query, "activate")
        update_phone = _truthy(query, "updatePhone")
        profile_in = body.get("profile") or {}
        if not isinstance(profile_in, dict):
            raise validation_failed("factorEnrollRequest", "profile: must be an object")
        with self.org.lock:
            i, uid = self._user(user_id, mutating=True)
            if not k.allowed:
                raise validation_failed(
                    "factorEnrollRequest", "Factor not allowed for the user based on the Multifactor policy."
                )
            profile = self._enroll_profile(ft, profile_in, self.org.user_record(i))
            factors = self.org.factor_list_for_write(i)
            existing = next((f for f in factors if f.factor_type == ft and f.provider == k.provider), None)
            if existing is not None:
                return self._re_enroll(base, i, uid, existing, profile, activate, update_phone)
            now = self.org.clock.now()
            fid = self.org.new_id(k.prefix)
            secret = profile.pop("answer", None) if ft == "question" else passcode_for(self.org.seed, fid)
            status = "ACTIVE"
            if k.needs_activation and not (activate and k.auto_activate):
                status = "PENDING_ACTIVATION"
            f = Factor(
                id=fid,
                factor_type=ft,
                provider=k.provider,
                status=status,
                created=now,
                last_updated=now,
                profile=profile,
                secret=secret or answer_for(self.org.seed, fid),
                shared_secret=base32_secret(self.org.seed, fid),
            )
            factors.append(f)
            self.org.log_factor("user.mfa.factor.activate" if status == "ACTIVE" else "user.mfa.factor.update", i, f)
            return 200, render(f, base, uid)

    def _re_enroll(
        self, base: str, i: int, uid: str, f: Factor, profile: dict[str, Any], activate: bool, update_phone: bool
    ) -> Result:
        if f.factor_type in catalog.PHONE_TYPES:
            same = f.profile.get("phoneNumber") == profile.get("phoneNumber")
            if not same and not update_phone:
                raise validation_failed("factorEnrollRequest", "There is an existing verified phone number.")
            if same and f.status == "ACTIVE":
                raise validation_failed("factorEnrollRequest", "A factor of this type is already set up.")
            f.profile = profile
            f.status = "ACTIVE" if activate else "PENDING_ACTIVATION"
            self._touch(f)
            self.org.log_factor("user.mfa.factor.activate" if activate else "user.mfa.factor.update", i, f)
            return 200, render(f, base, uid)
        raise validation_failed("factorEnrollRequest", "A factor of this type is already set up.")

    @staticmethod
    def _enroll_profile(ft: str, given: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
        login = user["profile"].get("login")
        if ft in catalog.PHONE_TYPES:
            out: dict[str, Any] = {"phoneNumber": normalise_phone(given.get("phoneNumber"))}
            if ft == "call" and given.get("phoneExtension"):
                out["phoneExtension"] = str(given["phoneExtension"])
            return out
        if ft == "email":
            email = given.get("email") or user["profile"].get("email")
            if not isinstance(email, str) or "@" not in email:
                raise validation_failed("factorEnrollRequest", "email: Invalid email address.")
            return {"email": email}
        if ft == "question":
            q, answer = given.get("question"), given.get("answer")
            if q not in catalog.SECURITY_QUESTIONS:
                raise validation_failed("factorEnrollRequest", "question: The security question is invalid.")
            if not isinstance(answer, str) or len(answer.strip()) < 4:
                raise validation_failed(
                    "factorEnrollRequest", "answer: The security question answer must be at least 4 characters."
                )
            return {"question": q, "questionText": catalog.SECURITY_QUESTIONS[q], "answer": answer}
        if ft == "token:software:totp":
            return {"credentialId": login}
        if ft == "token:hotp":
            return {}  # Okta doesn't echo the shared secret back
        return {}

    # -- activate ----------------------------------------------------------------------------
    def activate(self, base: str, user_id: str, factor_id: str, body: Any) -> Result:
        body = body if isinstance(body, dict) else {}
        with self.org.lock:
            i, uid = self._user(user_id, mutating=True)
            f = self.org.find_factor(i, factor_id, write=True)
            if f.status != "PENDING_ACTIVATION":
                raise validation_failed(
                    "factor", f"The factor is {f.status}; only PENDING_ACTIVATION factors can be activated."
                )
            ft = f.factor_type
            if ft in ("webauthn", "u2f"):
                needed = ("attestation", "clientData") if ft == "webauthn" else ("registrationData", "clientData")
                missing = [n for n in needed if not body.get(n)]
                if missing:
                    raise validation_failed("factor", *(f"{n}: The field cannot be left blank" for n in missing))
            elif ft != "push":
                self._check_passcode(f, body.get("passCode"))
            f.status = "ACTIVE"
            self._touch(f)
            self.org.log_factor("user.mfa.factor.activate", i, f)
            return 200, render(f, base, uid)

    @staticmethod
    def _check_passcode(f: Factor, code: Any) -> None:
        if code is None or code == "":
            raise validation_failed("passCode", "passCode: The passcode cannot be left blank")
        if str(code) != f.secret:
            raise invalid_passcode()

    # -- resend ------------------------------------------------------------------------------
    def resend(self, base: str, user_id: str, factor_id: str, body: Any) -> Result:
        with self.org.lock:
            i, uid = self._user(user_id, mutating=True)
            f = self.org.find_factor(i, factor_id, write=True)
            if not isinstance(body, dict) or not body.get("factorType"):
                raise validation_failed("factorType", "factorType: The field cannot be left blank")
            if body["factorType"] != f.factor_type:
                raise validation_failed("factorType", f"factorType: does not match the factor ({f.factor_type})")
            if f.factor_type not in catalog.OTP_SENT_TYPES:
                raise validation_failed("factor", f"Resend is not supported for {f.factor_type} factors.")
            if f.status != "PENDING_ACTIVATION":
                raise validation_failed("factor", "Resend is only allowed for factors pending activation.")
            now = self.org.clock.now()
            if f.factor_type in catalog.PHONE_TYPES:
                if f.last_resend is not None and now - f.last_resend < RESEND_INTERVAL:
                    raise rate_limited("Only one SMS/call challenge per phone number every 30 seconds.")
                f.last_resend = now
            return 200, render(f, base, uid)

    # -- unenroll ----------------------------------------------------------------------------
    def unenroll(self, user_id: str, factor_id: str, query: dict[str, str]) -> Result:
        _truthy(query, "removeRecoveryEnrollment")  # accepted; recovery phones aren't modelled
        with self.org.lock:
            i, _ = self._user(user_id, mutating=True)
            factors = self.org.factor_list_for_write(i)
            f = self.org.find_factor(i, factor_id, write=True)
            doomed = {f.id}
            if f.factor_type == "push":
                # Okta also unenrolls the Okta Verify TOTP (and other Okta Verify factors).
                doomed |= {g.id for g in factors if g.factor_type == "token:software:totp" and g.provider == "OKTA"}
            for g in [g for g in factors if g.id in doomed]:
                self.org.log_factor("user.mfa.factor.deactivate", i, g)
            factors[:] = [g for g in factors if g.id not in doomed]
            for tid in [t.id for t in self.org.transactions.values() if t.user_index == i and t.factor_id in doomed]:
                del self.org.transactions[tid]
            return 204, None

    # -- verify ------------------------------------------------------------------------------
    def verify(self, base: str, user_id: str, factor_id: str, body: Any) -> Result:
        body = body if isinstance(body, dict) else {}
        with self.org.lock:
            i, uid = self._user(user_id, mutating=True)
            f = self.org.find_factor(i, factor_id, write=True)
            if f.status != "ACTIVE":
                raise validation_failed("factor", f"The factor is {f.status}; only ACTIVE factors can be verified.")
            url = factor_url(base, uid, f.id)
            links = {
                "verify": {"href": f"{url}/verify", "hints": {"allow": ["POST"]}},
                "factor": {"href": url, "hints": {"allow": ["GET", "DELETE"]}},
            }
            ft = f.factor_type
            if ft == "push":
                return self._push_challenge(url, i, f, body)
            if ft in ("webauthn", "u2f"):
                if not body.get("clientData"):
                    # Real Okta returns profile strings here although the schema says objects;
                    # see validation.normalise_known_departures().
                    challenge = rand_chars(digest(self.org.seed, "challenge", self.org.next_serial()), 20)
                    return 200, {
                        "factorResult": "CHALLENGE",
                        "profile": dict(f.profile),
                        "_links": links,
                        "_embedded": {"challenge": {"challenge": challenge, "extensions": {}}},
                    }
                return 200, {"factorResult": "SUCCESS", "profile": dict(f.profile)}
            if ft == "question":
                answer = body.get("answer")
                if not answer:
                    raise validation_failed("answer", "answer: The field cannot be left blank")
                if str(answer).strip().lower() != f.secret.strip().lower():
                    raise invalid_passcode()
                return 200, {"factorResult": "SUCCESS"}
            code = body.get("passCode")
            if ft in catalog.OTP_SENT_TYPES and not code:
                out: dict[str, Any] = {"factorResult": "CHALLENGE", "_links": links}
                if ft in catalog.PHONE_TYPES:
                    out["profile"] = dict(f.profile)
                return 200, out
            self._check_passcode(f, code)
            return 200, {"factorResult": "SUCCESS"}

    def _push_challenge(self, url: str, i: int, f: Factor, body: dict[str, Any]) -> Result:
        now = self.org.clock.now()
        tid = "v2mst." + rand_chars(digest(self.org.seed, "tx", self.org.next_serial()), 22)
        h = digest(self.org.seed, tid)
        outcome = f.push_outcome or ("SUCCESS" if h[1] % 10 < 7 else "REJECTED" if h[1] % 10 < 9 else "TIMEOUT")
        t = Transaction(
            id=tid,
            user_index=i,
            factor_id=f.id,
            created=now,
            waiting_polls=0 if f.push_outcome else 1 + h[0] % 3,
            outcome=outcome,
            correct_answer=(10 + h[2] % 90) if body.get("useNumberMatchingChallenge") else None,
        )
        self.org.transactions[tid] = t
        tx_url = f"{url}/transactions/{tid}"
        out: dict[str, Any] = {
            "expiresAt": iso(now + PUSH_TTL),
            "factorResult": "WAITING",
            "profile": {"credentialId": f.profile.get("credentialId", "")},
            "_links": {
                "poll": {"href": tx_url, "hints": {"allow": ["GET"]}},
                "cancel": {"href": tx_url, "hints": {"allow": ["DELETE"]}},
            },
        }
        if t.correct_answer is not None:
            out["_embedded"] = {"challenge": {"correctAnswer": t.correct_answer}}
        return 201, out

    def transaction(self, base: str, user_id: str, factor_id: str, transaction_id: str) -> Result:
        with self.org.lock:
            i, uid = self._user(user_id)
            f = self.org.find_factor(i, factor_id)
            t = self.org.transactions.get(transaction_id)
            if t is None or t.user_index != i or t.factor_id != factor_id:
                raise not_found(transaction_id, "Transaction")
            if t.result == "WAITING":
                if t.polls >= t.waiting_polls:
                    t.result = t.outcome
                elif self.org.clock.now() - t.created > PUSH_TTL:
                    t.result = "TIMEOUT"
            t.polls += 1
            url = factor_url(base, uid, f.id)
            profile = {"credentialId": f.profile.get("credentialId", "")}
            if t.result == "WAITING":
                tx_url = f"{url}/transactions/{t.id}"
                out: dict[str, Any] = {
                    "expiresAt": iso(t.created + PUSH_TTL),
                    "factorResult": "WAITING",
                    "profile": profile,
                    "_links": {
                        "poll": {"href": tx_url, "hints": {"allow": ["GET"]}},
                        "cancel": {"href": tx_url, "hints": {"allow": ["DELETE"]}},
                    },
                }
                if t.correct_answer is not None:
                    out["_embedded"] = {"challenge": {"correctAnswer": t.correct_answer}}
                return 200, out
            if t.result == "SUCCESS":
                return 200, {"factorResult": "SUCCESS"}
            return 200, {
                "factorResult": t.result,
                "profile": profile,
                "_links": {
                    "verify": {"href": f"{url}/verify", "hints": {"allow": ["POST"]}},
                    "factor": {"href": url, "hints": {"allow": ["GET", "DELETE"]}},
                },
            }


__all__ = ["FactorApi", "OktaError", "normalise_phone"]
