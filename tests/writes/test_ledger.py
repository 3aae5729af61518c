"""The ledger's report of a write that stopped: the exact error class, its Okta details, the rows
applied and not applied, and a message that says only what is true (nothing "may have been
applied" after a definite failure)."""

from __future__ import annotations

from typing import Any

import pytest

from okta_dbapi import exceptions as exc
from okta_dbapi.catalog import FACTORS
from okta_dbapi.writes.calls import Call
from okta_dbapi.writes.ledger import Ledger, run_sequence

ENROLL = FACTORS.require_operation("insert")
ACTIVATE = next(op for op in FACTORS.operations if op.name == "activate_factor")


def enroll(row: int, user: str = "00u1", factor_type: str = "email") -> Call:
    return Call(ENROLL, {"userId": user}, body={"factorType": factor_type, "provider": "OKTA"}, row=row)


def okta_error(cls: type[exc.Error] = exc.DataError, maybe: bool | None = None) -> exc.Error:
    error = cls(
        "Okta answered 400 E0000001 (Api validation failed: factorType) to POST /api/v1/users/00u1/factors.",
        status=400,
        error_code="E0000001",
        error_summary="Api validation failed: factorType",
        error_id="oae1",
        error_causes=["factorType: unsupported"],
        request="POST /api/v1/users/00u1/factors",
    )
    if maybe is not None:
        error.maybe_applied = maybe  # type: ignore[attr-defined]
    return error


def test_a_single_row_failure_keeps_the_message_short_and_the_class_and_details() -> None:
    ledger = Ledger("INSERT", 1)
    call = enroll(1)
    new = ledger.failure(okta_error(), call, [])
    assert type(new) is exc.DataError
    assert (new.status, new.error_code, new.error_summary, new.error_id) == (400, "E0000001", new.error_summary, "oae1")
    assert new.error_causes == ["factorType: unsupported"] and new.request == "POST /api/v1/users/00u1/factors"
    assert "stopped at" not in str(new) and "Applied (" not in str(new)
    # Okta's message, then the write-specific next step.
    hint = "Give the factor type, e.g. a factorType column with 'sms', 'email' or 'token:software:totp'."
    assert str(new) == okta_error().message + " " + hint
    assert new.applied == []
    assert new.not_applied == [
        {
            "row": 1,
            "userId": "00u1",
            "factorType": "email",
            "provider": "OKTA",
            "error": "E0000001",
            "maybe_applied": False,
        }
    ]
    assert new.maybe_applied is False  # type: ignore[attr-defined]


def test_a_failure_after_applied_rows_lists_both_sides() -> None:
    ledger = Ledger("INSERT", 3)
    ledger.record({"row": 1, "userId": "00u1", "id": "emf1"})
    new = ledger.failure(okta_error(exc.IntegrityError), enroll(2, "00u2"), [enroll(3, "00u3").label()])
    lines = str(new).splitlines()
    assert type(new) is exc.IntegrityError
    assert lines[0].startswith("INSERT stopped at row 2 (userId 00u2, factorType email, provider OKTA): Okta answered")
    assert lines[1] == "Applied (1): row 1 (userId 00u1, id emf1)."
    assert lines[2] == (
        "Not applied (2): row 2 (userId 00u2, factorType email, provider OKTA); "
        "row 3 (userId 00u3, factorType email, provider OKTA)."
    )
    assert "may have been applied" not in str(new)
    assert lines[-1].startswith("Nothing was undone (Okta has no transactions)")
    assert [e["row"] for e in new.not_applied] == [2, 3] and new.applied == [{"row": 1, "userId": "00u1", "id": "emf1"}]


def test_a_multi_row_statement_failing_on_its_first_row_uses_the_multi_row_message() -> None:
    new = Ledger("INSERT", 2).failure(okta_error(), enroll(1), [enroll(2).label()])
    assert str(new).startswith("INSERT stopped at row 1 (")
    assert "Applied (0): none." in str(new)


def test_a_failure_that_may_have_reached_okta_says_so_and_marks_the_row() -> None:
    timeout = exc.OperationalError("POST /api/v1/users/00u1/factors may have reached Okta (no response within 5 s).")
    timeout.maybe_applied = True  # type: ignore[attr-defined]
    ledger = Ledger("INSERT", 2)
    ledger.record({"row": 1, "userId": "00u0"})
    new = ledger.failure(timeout, enroll(2), [])
    assert new.maybe_applied is True  # type: ignore[attr-defined]
    assert new.not_applied[0]["maybe_applied"] is True
    assert "Row 2 (userId 00u1, factorType email, provider OKTA) may have been applied after all" in str(new)
    # The enroll-specific next step for an enrollment that may have happened.
    assert "do not enroll it again" in str(new)


@pytest.mark.parametrize("maybe", [False, None])
def test_a_definite_failure_never_says_it_may_have_been_applied(maybe: bool | None) -> None:
    ledger = Ledger("INSERT", 2)
    ledger.record({"row": 1})
    new = ledger.failure(okta_error(maybe=maybe), enroll(2), [])
    assert "may have been applied" not in str(new) and "maybe_applied=True" not in str(new)
    assert new.maybe_applied is False  # type: ignore[attr-defined]
    assert new.not_applied[0]["maybe_applied"] is False


def test_a_failure_between_rows_names_what_was_being_done() -> None:
    """E.g. DELETE re-reading a user's factors after a push cascade: no call failed, a read did."""
    read_failed = exc.OperationalError("Could not complete GET /api/v1/users/00u1/factors: the connection was reset.")
    read_failed.maybe_applied = False  # type: ignore[attr-defined]
    ledger = Ledger("DELETE", 3)
    ledger.record({"row": 1, "userId": "00u1", "factorId": "opf1"})
    where = "row 1, reading the factors of user 00u1 again to see what Okta's cascade removed"
    rest = [{"row": 2, "userId": "00u1", "factorId": "emf2"}, {"row": 3, "userId": "00u1", "factorId": "sms3"}]
    new = ledger.failure(read_failed, None, rest, where)
    assert type(new) is exc.OperationalError
    assert str(new).splitlines()[0] == f"DELETE stopped at {where}: {read_failed.message}"
    assert new.not_applied == rest and "error" not in new.not_applied[0]
    assert "may have been applied" not in str(new)


def test_more_than_ten_rows_are_cut_off_in_the_message_but_not_on_the_exception() -> None:
    ledger = Ledger("INSERT", 25)
    for row in range(1, 13):
        ledger.record({"row": row})
    rest = [enroll(row).label() for row in range(14, 26)]
    new = ledger.failure(okta_error(), enroll(13), rest)
    text = str(new)
    assert "Applied (12): row 1; row 2;" in text and "row 10; and 2 more." in text and "row 11;" not in text
    assert "Not applied (13): row 13 (" in text and "; and 3 more." in text
    assert len(new.applied) == 12 and len(new.not_applied) == 13


def test_exactly_ten_rows_are_all_listed() -> None:
    ledger = Ledger("INSERT", 11)
    for row in range(1, 11):
        ledger.record({"row": row})
    text = str(ledger.failure(okta_error(), enroll(11), []))
    assert "row 10." in text and "more" not in text


def test_progress_ticks_count_calls() -> None:
    seen: list[tuple[int, int | None]] = []
    ledger = Ledger("INSERT", 3, lambda done, total: seen.append((done, total)))
    ledger.tick()
    ledger.tick()
    assert seen == [(1, None), (2, None)] and ledger.calls == 2
    Ledger("INSERT", 1).tick()  # no progress callback: nothing to call


class FakeClient:
    """Answers calls in order; raises the error given for a row."""

    def __init__(self, fail_on_row: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_on_row = fail_on_row

    def call(self, method: str, path: str, params: dict[str, str], **kwargs: Any) -> Any:
        row = len(self.sent) + 1
        self.sent.append({"method": method, "path": path, "params": params, **kwargs})
        if row == self.fail_on_row:
            raise okta_error()

        class Answer:
            body = {"id": f"emf{row}", "status": "ACTIVE"}

        return Answer()


def test_run_sequence_sends_in_order_records_each_and_stops_at_the_first_failure() -> None:
    calls = [enroll(1, "00u1"), enroll(2, "00u2"), enroll(3, "00u3")]
    client = FakeClient(fail_on_row=2)
    ticks: list[int] = []
    ledger = Ledger("INSERT", 3, lambda done, total: ticks.append(done))
    with pytest.raises(exc.DataError) as caught:
        run_sequence(client, calls, ledger, lambda call, body: {"row": call.row, "id": body["id"]})
    assert [s["params"] for s in client.sent] == [{"userId": "00u1"}, {"userId": "00u2"}]  # row 3 never sent
    assert client.sent[0]["json_body"] == {"factorType": "email", "provider": "OKTA"}
    assert client.sent[0]["send_body"] is True
    assert caught.value.applied == [{"row": 1, "id": "emf1"}]
    assert [e["row"] for e in caught.value.not_applied] == [2, 3]
    assert ticks == [1]


def test_run_sequence_returns_every_body_when_all_succeed() -> None:
    calls = [enroll(1), enroll(2)]
    ledger = Ledger("INSERT", 2)
    bodies = run_sequence(FakeClient(), calls, ledger, lambda call, body: {"row": call.row})
    assert bodies == [{"id": "emf1", "status": "ACTIVE"}, {"id": "emf2", "status": "ACTIVE"}]
    assert ledger.applied == [{"row": 1}, {"row": 2}] and ledger.calls == 2


def test_run_call_sends_no_body_where_the_operation_takes_none() -> None:
    client = FakeClient()
    activate = Call(ACTIVATE, {"userId": "00u1", "factorId": "emf1"}, query={}, headers={"Accept-Language": "fr"})
    run_sequence(client, [activate], Ledger("EXEC", 1), lambda call, body: {})
    sent = client.sent[0]
    assert sent["method"] == "POST" and sent["query"] is None and sent["json_body"] is None
    assert sent["headers"] == {"Accept-Language": "fr"}
    assert sent["send_body"] is (ACTIVATE.body == "required")
