"""What to do next, for the errors writes meet, added to the client's message.

The client already names Okta's ``errorCode``/``errorSummary`` and gives a generic hint per code;
these hints are the write-specific next step, in SQL the user can run.
"""

from __future__ import annotations

from okta_dbapi.exceptions import Error
from okta_dbapi.writes.calls import Call


def write_hint(exc: Error, call: Call) -> str:
    """A sentence to append to ``exc``'s message, or ''."""
    code = exc.error_code or ""
    texts = " ".join([exc.error_summary or "", *exc.error_causes]).lower()
    op = call.operation.name
    user = call.path.get("userId", "<userId>")
    factor = call.path.get("factorId", "<factorId>")
    factor_type = (call.body or {}).get("factorType", "sms")
    if getattr(exc, "maybe_applied", False) and op == "enroll_factor":
        return (
            f"If the factor is listed (status PENDING_ACTIVATION or ACTIVE), do not enroll it again: continue "
            f"with EXEC okta.users.factors.activate_factor @userId='{user}', @factorId='<id>'."
        )
    if code in ("E0000068", "E0000082"):
        if op == "activate_factor":
            return (
                "Ask the user for the code just received; to send a new one run EXEC "
                f"okta.users.factors.resend_enroll_factor @userId='{user}', @factorId='{factor}' "
                f'@@json=\'{{"factorType": "{factor_type}"}}\'.'
            )
        return (
            "For sms, call and email factors a new code is sent by EXEC okta.users.factors.verify_factor "
            f"@userId='{user}', @factorId='{factor}' without a passCode. Repeated wrong codes lock the user out."
        )
    if "existing verified phone" in texts or ("phone" in texts and "already" in texts):
        return (
            "The user already has a phone for sms/call. To replace its number, enroll with updatePhone = true "
            "(a column of the INSERT); or remove the old factor first: DELETE FROM okta.users.factors WHERE "
            f"userId = '{user}' AND factorType = '{factor_type}'."
        )
    if "already set up" in texts or "already enrolled" in texts:
        return (
            f"The user already has this factor: SELECT id, status FROM okta.users.factors WHERE userId = '{user}' "
            f"AND factorType = '{factor_type}'. Unenroll it with DELETE first to enroll it anew."
        )
    if "not allowed" in texts and "polic" in texts:
        return (
            "See which factors the user may enroll: SELECT factorType, provider, status FROM "
            f"okta.users.supported_factors WHERE userId = '{user}'. An Okta admin can allow this factor type in "
            "the authenticator enrollment policy (Admin Console > Security > Authenticators)."
        )
    if code == "E0000001" and "factortype" in texts:
        if op == "resend_enroll_factor":
            return f'Give the factor\'s type as the body: @@json=\'{{"factorType": "{factor_type}"}}\'.'
        return "Give the factor type, e.g. a factorType column with 'sms', 'email' or 'token:software:totp'."
    if exc.status == 404 and "userId" in call.path and "{factorId}" not in call.operation.path:
        return (
            "Find the user's id with SELECT id, status, profile->>'login' FROM okta.users.users "
            "WHERE profile->>'login' = '<login>'."
        )
    return ""
