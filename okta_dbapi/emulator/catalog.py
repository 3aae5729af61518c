"""Static facts about factor types: providers, id prefixes, vendor names, the default policy,
and the security-question list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactorKind:
    factor_type: str
    provider: str
    prefix: str  # Okta id prefix, e.g. "sms", "opf"
    vendor: str
    needs_activation: bool  # enrolment yields PENDING_ACTIVATION
    auto_activate: bool  # ``activate=true`` on enrol makes it ACTIVE
    allowed: bool  # enrollable under the emulator's default enrollment policy


KINDS: tuple[FactorKind, ...] = (
    FactorKind("sms", "OKTA", "sms", "OKTA", True, True, True),
    FactorKind("call", "OKTA", "clf", "OKTA", True, True, True),
    FactorKind("email", "OKTA", "emf", "OKTA", True, True, True),
    FactorKind("push", "OKTA", "opf", "OKTA", True, False, True),
    FactorKind("token:software:totp", "OKTA", "ost", "OKTA", True, False, True),
    FactorKind("token:software:totp", "GOOGLE", "uft", "GOOGLE", True, False, True),
    FactorKind("question", "OKTA", "ufs", "OKTA", False, False, True),
    FactorKind("webauthn", "FIDO", "fwf", "FIDO", True, False, True),
    # Custom TOTP: Okta's example returns it ACTIVE straight away.
    FactorKind("token:hotp", "CUSTOM", "chf", "Custom TOTP", False, True, True),
    # Not in the emulator's default enrollment policy (seeded users may still have them, as users
    # enrolled before a policy change do): enrolling returns 400 E0000001, as Okta does.
    FactorKind("token:hardware", "YUBICO", "ykf", "YUBICO", False, False, False),
    FactorKind("u2f", "FIDO", "fuf", "FIDO", True, False, False),
    FactorKind("token", "RSA", "rsa", "RSA", False, False, False),
    FactorKind("token", "SYMANTEC", "ufv", "SYMANTEC", False, False, False),
    FactorKind("web", "DUO", "dsf", "DUO", False, False, False),
)

FACTOR_TYPES: frozenset[str] = frozenset(
    {
        "call",
        "email",
        "push",
        "question",
        "signed_nonce",
        "sms",
        "token",
        "token:hardware",
        "token:hotp",
        "token:software:totp",
        "u2f",
        "web",
        "webauthn",
    }
)

PHONE_TYPES = frozenset({"sms", "call"})
OTP_SENT_TYPES = frozenset({"sms", "call", "email"})  # Okta sends the OTP (challenge / resend)
PASSCODE_TYPES = frozenset({"sms", "call", "email", "token:software:totp", "token:hotp", "token:hardware", "token"})


def kind(factor_type: str, provider: str | None) -> FactorKind | None:
    """The kind for (type, provider); a missing provider picks the type's first provider."""
    for k in KINDS:
        if k.factor_type == factor_type and (provider is None or k.provider == provider):
            return k
    return None


def providers_of(factor_type: str) -> list[str]:
    return [k.provider for k in KINDS if k.factor_type == factor_type]


SECURITY_QUESTIONS: dict[str, str] = {
    "disliked_food": "What is the food you least liked as a child?",
    "name_of_first_plush_toy": "What is the name of your first stuffed animal?",
    "first_award": "What did you earn your first medal or award for?",
    "favorite_security_question": "What is your favorite security question?",
    "favorite_toy": "What is the toy/stuffed animal you liked the most as a kid?",
    "first_computer_game": "What was the first computer game you played?",
    "favorite_movie_quote": "What is your favorite movie quote?",
    "first_sports_team_mascot": "What was the mascot of the first sports team you played on?",
    "first_music_purchase": "What music album or song did you first purchase?",
    "favorite_art_piece": "What is your favorite piece of art?",
    "grandmother_favorite_desert": "What was your grandmother's favorite dessert?",
    "first_thing_cooked": "What was the first thing you learned to cook?",
    "childhood_dream_job": "What was your dream job as a child?",
    "first_kiss_location": "Where did you have your first kiss?",
    "place_where_significant_other_was_met": "Where did you meet your spouse/significant other?",
    "favorite_vacation_location": "Where did you go for your favorite vacation?",
    "new_years_two_thousand": "Where were you on New Year's Eve in the year 2000?",
    "favorite_speaker_actor": "Who is your favorite speaker/orator?",
    "favorite_book_movie_character": "Who is your favorite book/movie character?",
    "favorite_sports_player": "Who is your favorite sports player?",
}
