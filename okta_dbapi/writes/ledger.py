"""The record of a write in progress, and the error that reports exactly where it stopped.

Writes run one request at a time, in statement order, and stop at the first failure: Okta has
no transactions, so nothing already applied can be undone, and the error says which rows were
applied (with what Okta returned) and which were not. A request that may have reached Okta
(a timeout, a lost answer) is listed under ``not_applied`` with ``maybe_applied: True`` and the
message says how to check it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from okta_dbapi.exceptions import Error
from okta_dbapi.sql.fetch import Progress
from okta_dbapi.writes.calls import Call
from okta_dbapi.writes.hints import write_hint

_LISTED = 10  # rows named in a message; the full lists are on the exception


class Ledger:
    def __init__(self, verb: str, total: int, progress: Progress | None = None) -> None:
        self.verb = verb
        self.total = total
        self.applied: list[dict[str, Any]] = []
        self.progress = progress
        self.calls = 0

    def record(self, entry: dict[str, Any]) -> None:
        self.applied.append(entry)

    def tick(self) -> None:
        self.calls += 1
        if self.progress is not None:
            self.progress(self.calls, None)

    def failure(self, exc: Error, call: Call | None, remaining: list[dict[str, Any]], where: str = "") -> Error:
        """``exc`` (same class, same Okta details) with the rows applied and not applied.

        ``call`` is the request that failed, or None when the failure was in between rows (then
        ``where`` says what was being done).
        """
        maybe = bool(getattr(exc, "maybe_applied", False))
        not_applied = list(remaining)
        hint = ""
        stopped = where
        if call is not None:
            failing = {**call.label(), "error": exc.error_code or type(exc).__name__, "maybe_applied": maybe}
            not_applied.insert(0, failing)
            hint = write_hint(exc, call)
            stopped = _describe(failing)
        message = exc.message + (" " + hint if hint else "")
        if self.total > 1 or self.applied:
            lines = [
                f"{self.verb} stopped at {stopped}: {message}",
                f"Applied ({len(self.applied)}): {_listing(self.applied)}.",
                f"Not applied ({len(not_applied)}): {_listing(not_applied)}.",
            ]
            if maybe and call is not None:
                lines.append(
                    f"{stopped[0].upper()}{stopped[1:]} may have been applied after all (see above); it is listed "
                    "in not_applied with maybe_applied=True."
                )
            lines.append(
                "Nothing was undone (Okta has no transactions): run the statement again for the rows not applied "
                "only. The lists are on the exception's applied and not_applied attributes."
            )
            message = "\n".join(lines)
        new = type(exc)(
            message,
            status=exc.status,
            error_code=exc.error_code,
            error_summary=exc.error_summary,
            error_id=exc.error_id,
            error_causes=exc.error_causes,
            request=exc.request,
            applied=self.applied,
            not_applied=not_applied,
        )
        new.maybe_applied = maybe  # type: ignore[attr-defined]
        return new


def run_call(client: Any, call: Call) -> Any:
    """Send ``call``; the parsed body of Okta's answer (None when empty)."""
    op = call.operation
    return client.call(
        op.method,
        op.path,
        call.path,
        query=call.query or None,
        headers=call.headers or None,
        json_body=call.body or None,
        send_body=op.body == "required",
    ).body


def run_sequence(
    client: Any,
    calls: list[Call],
    ledger: Ledger,
    on_done: Callable[[Call, Any], dict[str, Any]],
) -> list[Any]:
    """Send ``calls`` in order; ``on_done`` gives the applied entry of each. Stops at the first error."""
    bodies: list[Any] = []
    for i, call in enumerate(calls):
        try:
            body = run_call(client, call)
        except Error as e:
            raise ledger.failure(e, call, [c.label() for c in calls[i + 1 :]]) from e
        ledger.tick()
        ledger.record(on_done(call, body))
        bodies.append(body)
    return bodies


def _describe(entry: dict[str, Any]) -> str:
    details = ", ".join(
        f"{k} {v}" for k, v in entry.items() if k not in ("row", "error", "maybe_applied") and v is not None
    )
    return f"row {entry.get('row')}" + (f" ({details})" if details else "")


def _listing(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "none"
    shown = "; ".join(_describe(e) for e in entries[:_LISTED])
    if len(entries) > _LISTED:
        shown += f"; and {len(entries) - _LISTED} more"
    return shown
