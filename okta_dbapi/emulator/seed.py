"""Deterministic, lazy generation of the seeded org.

User ``i`` (0-based, in listing order) is a pure function of ``(seed, i)``: nothing is stored for
users that are never mutated, so a 100 000-user org costs nothing to start. User ids encode ``i``
in ASCII-sortable base62 right after the ``00u`` prefix, so listing order == id order == creation
order, and an id maps back to its index in O(1). Seeded logins are ``first.last{i}@example.com``.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .factor import Factor
from .ids import decode_fixed, digest, encode_fixed, iso, rand_chars

USER_STATUSES: tuple[tuple[str, int], ...] = (
    ("ACTIVE", 70),
    ("STAGED", 4),
    ("PROVISIONED", 5),
    ("RECOVERY", 3),
    ("LOCKED_OUT", 4),
    ("PASSWORD_EXPIRED", 4),
    ("SUSPENDED", 4),
    ("DEPROVISIONED", 6),
)
_GUARANTEED = ("STAGED", "PROVISIONED", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", "SUSPENDED", "DEPROVISIONED")
_STATUS_TABLE: list[str] = [s for s, w in USER_STATUSES for _ in range(w)]

FIRST_NAMES = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "yvonne",
    "zoe",
    "aaron",
    "bella",
    "carlos",
    "diana",
    "ethan",
    "fatima",
    "george",
    "hana",
    "isaac",
    "jasmine",
    "kenji",
    "laura",
    "mohammed",
    "nora",
    "oscar",
    "priya",
    "quentin",
    "rosa",
    "samuel",
    "tara",
    "umar",
    "vera",
    "william",
    "xena",
    "yusuf",
]
LAST_NAMES = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
]
DEPARTMENTS = (
    "Engineering",
    "Engineering",
    "Engineering",
    "Sales",
    "Sales",
    "Marketing",
    "Finance",
    "Human Resources",
    "Support",
    "Legal",
    "Operations",
    "Product",
    "IT",
)
TITLES = (
    "Engineer",
    "Senior Engineer",
    "Staff Engineer",
    "Manager",
    "Director",
    "Analyst",
    "Account Executive",
    "Specialist",
    "Coordinator",
    "Vice President",
    "Intern",
    "Consultant",
)
CITIES = (
    ("San Francisco", "CA"),
    ("New York", "NY"),
    ("Chicago", "IL"),
    ("Austin", "TX"),
    ("Seattle", "WA"),
    ("Boston", "MA"),
    ("Denver", "CO"),
    ("Atlanta", "GA"),
)

BASE_CREATED = 1546300800.0  # 2019-01-01T00:00:00Z
USER_STEP = 600.0  # seconds between consecutive users' creation (jitter stays below it)
USER_TYPE_ID = "oty1162QAr8hJjTaq0g4"

# (factorType, provider) choices for seeded factors, with weights.
_SEED_FACTORS: tuple[tuple[str, str, int], ...] = (
    ("sms", "OKTA", 30),
    ("email", "OKTA", 25),
    ("push", "OKTA", 25),  # always comes with an OKTA token:software:totp (Okta Verify)
    ("token:software:totp", "GOOGLE", 12),
    ("question", "OKTA", 15),
    ("call", "OKTA", 10),
    ("webauthn", "FIDO", 10),
    ("token:software:totp", "OKTA", 6),
    ("token:hardware", "YUBICO", 4),
)
_FACTOR_COUNTS = (0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5)
_ACTIVATABLE = frozenset({"sms", "call", "email", "push", "token:software:totp", "webauthn"})
_LOGIN_RE = re.compile(r"^[a-z]+\.[a-z]+(\d+)(@example\.com)?$")


def passcode_for(seed: int, factor_id: str) -> str:
    """The deterministic 6-digit passcode that activates/verifies an OTP factor."""
    return f"{int.from_bytes(digest(seed, 'passcode', factor_id)[:4], 'big') % 1_000_000:06d}"


def answer_for(seed: int, factor_id: str) -> str:
    """The deterministic answer to a seeded security question."""
    return "answer-" + rand_chars(digest(seed, "answer", factor_id), 6).lower()


def base32_secret(seed: int, *parts: object) -> str:
    return base64.b32encode(digest(seed, "secret", *parts)[:10]).decode()


class Seeder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._offset = 2 * 62**5 + int.from_bytes(digest(seed, "offset")[:4], "big") % 62**5

    # -- ids ---------------------------------------------------------------------------------
    def user_id(self, i: int) -> str:
        return "00u" + encode_fixed(self._offset + i, 6) + rand_chars(digest(self.seed, "uid", i), 8) + "1d7"

    def index_of(self, user_id: str) -> int | None:
        if len(user_id) != 20 or not user_id.startswith("00u"):
            return None
        n = decode_fixed(user_id[3:9])
        if n is None or n < self._offset:
            return None
        i = n - self._offset
        return i if self.user_id(i) == user_id else None

    def login_index(self, login: str) -> int | None:
        """Index encoded in a seeded login or login short name (``first.last42``)."""
        m = _LOGIN_RE.match(login.lower())
        return int(m.group(1)) if m else None

    # -- users -------------------------------------------------------------------------------
    def status(self, i: int) -> str:
        if i == 0:
            return "ACTIVE"  # user 0 is always a plain ACTIVE user (handy for tests)
        if i < 28 and i % 4 == 3:
            return _GUARANTEED[i // 4]  # every status shows up even in a small org: users 3, 7, ..., 27
        d = digest(self.seed, "user", i)
        return _STATUS_TABLE[int.from_bytes(d[0:2], "big") % len(_STATUS_TABLE)]

    def created(self, i: int) -> float:
        d = digest(self.seed, "user", i)
        return BASE_CREATED + i * USER_STEP + d[16] * 2

    def user(self, i: int) -> dict[str, Any]:
        """The User JSON (without ``_links``) of seeded user ``i``."""
        d = digest(self.seed, "user", i)
        status = self.status(i)
        first = FIRST_NAMES[d[2] % len(FIRST_NAMES)]
        last = LAST_NAMES[d[3] % len(LAST_NAMES)]
        login = f"{first}.{last}{i}@example.com"
        city, state = CITIES[d[6] % len(CITIES)]
        phone = "+1555" + f"{int.from_bytes(d[8:12], 'big') % 10_000_000:07d}"
        created = BASE_CREATED + i * USER_STEP + d[16] * 2
        last_updated = created + int.from_bytes(d[17:20], "big") % (400 * 86400)
        status_changed = created + (last_updated - created) * (d[20] / 255)
        never_activated = status in ("STAGED", "PROVISIONED")
        activated = None if never_activated else iso(created + 60)
        last_login = None if never_activated or d[21] < 30 else iso(last_updated - d[22] * 3600)
        password_changed = None if never_activated else iso(created + 120)
        profile: dict[str, Any] = {
            "firstName": first.capitalize(),
            "lastName": last.capitalize(),
            "mobilePhone": phone,
            "secondEmail": None,
            "login": login,
            "email": login,
            "displayName": f"{first.capitalize()} {last.capitalize()}",
            "department": DEPARTMENTS[d[4] % len(DEPARTMENTS)],
            "title": TITLES[d[5] % len(TITLES)],
            "employeeNumber": str(10000 + i),
            "city": city,
            "state": state,
            "countryCode": "US",
            "userType": "Employee" if d[23] % 10 else "Contractor",
        }
        return {
            "id": self.user_id(i),
            "status": status,
            "created": iso(created),
            "activated": activated,
            "statusChanged": None if never_activated else iso(status_changed),
            "lastLogin": last_login,
            "lastUpdated": iso(last_updated),
            "passwordChanged": password_changed,
            "type": {"id": USER_TYPE_ID},
            "profile": profile,
            "credentials": {
                "password": {},
                "recovery_question": {"question": "What is the food you least liked as a child?"},
                "provider": {"type": "OKTA", "name": "OKTA"},
            },
        }

    # -- factors -----------------------------------------------------------------------------
    def factors(self, i: int, user: dict[str, Any]) -> list[Factor]:
        """Seeded factors of user ``i`` (0-5, distinct (type, provider))."""
        d = digest(self.seed, "factors", i)
        status = user["status"]
        count = _FACTOR_COUNTS[d[0] % len(_FACTOR_COUNTS)]
        if status in ("STAGED", "PROVISIONED"):
            count = min(count, 1)
        chosen: list[tuple[str, str]] = []
        pool = list(_SEED_FACTORS)
        pos = 1
        while len(chosen) < count and pool:
            total = sum(w for _, _, w in pool)
            r = int.from_bytes(d[pos : pos + 2], "big") % total
            pos += 2
            j = 0
            while r >= pool[j][2]:
                r -= pool[j][2]
                j += 1
            ft, prov, _ = pool.pop(j)
            if ft == "push":
                if count - len(chosen) < 2 and ("token:software:totp", "OKTA") not in chosen:
                    continue
                chosen.append((ft, prov))
                if ("token:software:totp", "OKTA") not in chosen:
                    chosen.append(("token:software:totp", "OKTA"))
                    pool = [p for p in pool if p[:2] != ("token:software:totp", "OKTA")]
            else:
                chosen.append((ft, prov))
        created = self.created(i) + 3600
        return [self._factor(i, slot, ft, prov, user, created + slot * 86400) for slot, (ft, prov) in enumerate(chosen)]

    def _factor(self, i: int, slot: int, ft: str, prov: str, user: dict[str, Any], created: float) -> Factor:
        from . import catalog

        k = catalog.kind(ft, prov)
        assert k is not None
        d = digest(self.seed, "factor", i, slot)
        fid = k.prefix + rand_chars(d, 17)
        pending = ft in _ACTIVATABLE and d[40] % 100 < 12
        profile = self._profile(ft, d, user)
        secret = answer_for(self.seed, fid) if ft == "question" else passcode_for(self.seed, fid)
        if ft == "token:hardware":
            secret = passcode_for(self.seed, fid)
        return Factor(
            id=fid,
            factor_type=ft,
            provider=prov,
            status="PENDING_ACTIVATION" if pending else "ACTIVE",
            created=created,
            last_updated=created + (0 if pending else d[41] * 3600),
            profile=profile,
            secret=secret,
            shared_secret=base32_secret(self.seed, fid),
        )

    @staticmethod
    def _profile(ft: str, d: bytes, user: dict[str, Any]) -> dict[str, Any]:
        p = user["profile"]
        if ft in ("sms", "call"):
            return {"phoneNumber": p["mobilePhone"]}
        if ft == "email":
            return {"email": p["email"]}
        if ft == "push":
            ios = d[42] % 2 == 0
            return {
                "credentialId": p["login"],
                "deviceType": "SmartPhone_IPhone" if ios else "SmartPhone_Android",
                "name": f"{p['firstName']}'s {'iPhone' if ios else 'Pixel'}",
                "platform": "IOS" if ios else "ANDROID",
                "version": "17.4" if ios else "14",
            }
        if ft == "token:software:totp":
            return {"credentialId": p["login"]}
        if ft == "question":
            from .catalog import SECURITY_QUESTIONS

            keys = list(SECURITY_QUESTIONS)
            q = keys[d[43] % len(keys)]
            return {"question": q, "questionText": SECURITY_QUESTIONS[q]}
        if ft == "webauthn":
            return {
                "credentialId": base64.urlsafe_b64encode(d[44:64]).decode().rstrip("="),
                "authenticatorName": ("MacBook Touch ID", "YubiKey 5 NFC", "Windows Hello")[d[43] % 3],
            }
        if ft == "token:hardware":
            return {"credentialId": f"{int.from_bytes(d[44:49], 'big') % 10**12:012d}"}
        return {}
